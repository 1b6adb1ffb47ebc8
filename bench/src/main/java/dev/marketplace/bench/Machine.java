package dev.marketplace.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What Linux says about the machine and the processes under test ({@code /proc}). */
final class Machine {

    /** Clock ticks per second of {@code /proc/<pid>/stat} CPU times (USER_HZ, 100 on Linux everywhere). */
    private static final double TICKS_PER_SECOND = 100.0;

    private Machine() {
    }

    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** The 1-minute load average. */
    static double loadAverage() {
        return Double.parseDouble(read(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    /** CPU seconds a process has used so far (user + system). */
    static double cpuSeconds(long pid) {
        String[] fields = statFields(pid);
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    }

    /**
     * CPU seconds of the process and of its children that ended and were reaped: PostgreSQL backends of clients that
     * disconnected (pgbench's, at its end) leave their time with the postmaster.
     */
    static double cpuSecondsWithEndedChildren(long pid) {
        String[] fields = statFields(pid);
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
                + Long.parseLong(fields[14])) / TICKS_PER_SECOND;
    }

    private static String[] statFields(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    /** CPU seconds this JVM (the load generator) has used so far. */
    static double ownCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** CPU seconds all processes of the machine have used so far (everything but idle and iowait). */
    static double machineBusySeconds() {
        String[] fields = read(Path.of("/proc/stat")).lines().findFirst().orElseThrow().trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < fields.length && i <= 8; i++) {
            if (i != 4 && i != 5) { // idle, iowait
                busy += Long.parseLong(fields[i]);
            }
        }
        return busy / TICKS_PER_SECOND;
    }

    /** Resident memory of a process in MiB ({@code VmRSS}), or its peak ({@code VmHWM}). */
    static double residentMiB(long pid, boolean peak) {
        String key = peak ? "VmHWM:" : "VmRSS:";
        return read(Path.of("/proc", Long.toString(pid), "status")).lines()
                .filter(l -> l.startsWith(key))
                .mapToLong(l -> Long.parseLong(l.substring(key.length()).trim().split("\\s+")[0]))
                .findFirst().orElse(0) / 1024.0;
    }

    /**
     * Proportional memory (PSS, shared pages divided among their users) of a process and all its descendants, in
     * MiB: for the embedded PostgreSQL, whose shared buffers a plain RSS sum would count once per backend.
     */
    static double treeProportionalMiB(long pid) {
        long kib = 0;
        for (ProcessHandle process : tree(pid)) {
            Path rollup = Path.of("/proc", Long.toString(process.pid()), "smaps_rollup");
            try {
                kib += Files.readString(rollup).lines().filter(l -> l.startsWith("Pss:"))
                        .mapToLong(l -> Long.parseLong(l.substring(4).trim().split("\\s+")[0])).sum();
            } catch (IOException gone) {
                // a backend that ended meanwhile
            }
        }
        return kib / 1024.0;
    }

    /** A process and its descendants (PostgreSQL's postmaster and its backends). */
    /**
     * Waits, up to 10 s, until the backends of {@code applicationName}'s connections have ended and PostgreSQL has reaped
     * them: until then an ended backend's CPU is neither a live child's nor in the postmaster's reaped children's time,
     * so a meter read at once misses it (decision 145 found a one-client run's 132 ticks read as 2).
     */
    static void awaitBackendsReaped(Scenario.Context context, String applicationName) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            boolean zombie = tree(context.postgresPid()).stream().anyMatch(process -> {
                try {
                    return "Z".equals(statFields(process.pid())[0]);
                } catch (UncheckedIOException gone) {
                    return false;
                }
            });
            if (!zombie && connections(context, applicationName) == 0) {
                return;
            }
            Thread.sleep(20); // a poll of other processes, which announce nothing
        }
    }

    private static long connections(Scenario.Context context, String applicationName) {
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
             java.sql.PreparedStatement count = db.prepareStatement(
                     "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            count.setString(1, applicationName);
            try (java.sql.ResultSet row = count.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<ProcessHandle> tree(long pid) {
        return ProcessHandle.of(pid).map(p -> java.util.stream.Stream.concat(java.util.stream.Stream.of(p),
                p.descendants()).toList()).orElse(List.of());
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * CPU used by the server (its JVM and the embedded PostgreSQL: the postmaster daemonizes, so it is not the
     * JVM's descendant and is named separately), the generator and the whole machine over one measured interval.
     */
    static final class CpuMeter {
        private final long serverPid;
        private final long postgresPid;
        private final long startedNanos = System.nanoTime();
        private final double server0;
        private final double jvm0;
        private final double generator0;
        private final double machine0;

        CpuMeter(Scenario.Context context) {
            this.serverPid = context.serverPid();
            this.postgresPid = context.postgresPid();
            this.server0 = serverCpu();
            this.jvm0 = cpuSeconds(serverPid);
            this.generator0 = ownCpuSeconds();
            this.machine0 = machineBusySeconds();
        }

        /** CPU seconds the server's JVM and its PostgreSQL took since the meter started (read before {@link #stop}). */
        double serverSeconds() {
            return serverCpu() - server0;
        }

        /** CPU seconds the server's JVM alone took since the meter started (the rest of {@link #serverSeconds} is PostgreSQL's). */
        double jvmSeconds() {
            return cpuSeconds(serverPid) - jvm0;
        }

        /**
         * The server's CPU per request since the meter started, in ms, for {@code requests} done meanwhile (warm-up
         * included; count them in the database, as {@link #rows}, so that shed requests do not thin the figure out):
         * the JVM's and PostgreSQL's, which survive a loaded machine better than throughput does.
         */
        Map<String, Object> perRequest(long requests) {
            double jvm = jvmSeconds();
            double server = serverSeconds();
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("requests", requests);
            figures.put("serverCpuMsPerRequest", round3(server * 1_000 / requests));
            figures.put("jvmCpuMsPerRequest", round3(jvm * 1_000 / requests));
            figures.put("postgresCpuMsPerRequest", round3((server - jvm) * 1_000 / requests));
            figures.put("loadAverage1m", loadAverage());
            return figures;
        }

        /** How many rows {@code table} has now (the requests a phase completed: rows after less rows before). */
        static long rows(Scenario.Context context, String table) {
            try (java.sql.Connection db = java.sql.DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 java.sql.ResultSet count = db.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
                count.next();
                return count.getLong(1);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        private static double round3(double value) {
            return Math.round(value * 1000) / 1000.0;
        }

        /** Shares of the machine's total CPU capacity (cores × elapsed) over the interval, 0..1. */
        Report.CpuShares stop() {
            double capacity = (System.nanoTime() - startedNanos) / 1e9 * cores();
            double server = serverCpu() - server0;
            double generator = ownCpuSeconds() - generator0;
            double machine = machineBusySeconds() - machine0;
            return new Report.CpuShares(round(server / capacity), round(generator / capacity),
                    round(Math.max(0, machine - server - generator) / capacity), loadAverage());
        }

        private double serverCpu() {
            return cpuSeconds(serverPid) + tree(postgresPid).stream().mapToDouble(process -> {
                try {
                    return process.pid() == postgresPid ? cpuSecondsWithEndedChildren(postgresPid)
                            : cpuSeconds(process.pid());
                } catch (UncheckedIOException gone) {
                    return 0; // a backend that ended meanwhile
                }
            }).sum();
        }

        private static double round(double share) {
            return Math.round(share * 1000) / 1000.0;
        }
    }
}
