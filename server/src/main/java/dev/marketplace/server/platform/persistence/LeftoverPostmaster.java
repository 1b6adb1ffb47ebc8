package dev.marketplace.server.platform.persistence;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a server that ended without stopping its embedded PostgreSQL leaves behind: a {@code postmaster.pid} in the
 * data directory, naming a postmaster that may still run there (the library starts it through {@code pg_ctl}, which
 * detaches it from the server process, so nothing stops it when that process is killed). A new postmaster refuses
 * to start on those files, so they are cleared first; PostgreSQL itself then replays its write-ahead log.
 */
final class LeftoverPostmaster {

    private static final System.Logger LOG = System.getLogger(LeftoverPostmaster.class.getName());

    /** Sessions of the dead server are gone, so a fast shutdown only writes its checkpoint. */
    private static final Duration FAST_SHUTDOWN = Duration.ofSeconds(10);
    private static final Duration IMMEDIATE_SHUTDOWN = Duration.ofSeconds(5);
    private static final Duration KILLED = Duration.ofSeconds(5);

    private LeftoverPostmaster() {
    }

    /**
     * Stops a postmaster still running on these files (fast shutdown, then immediate, then SIGKILL, each within a
     * bound) and removes a pid file that names no running postmaster of them, saying in the log what it found and did;
     * whether PostgreSQL had ended without a shutdown.
     */
    static boolean clear(Path postgresFiles) throws IOException {
        Path pidFile = postgresFiles.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return false;
        }
        OptionalLong pid = pidIn(postgresFiles);
        Optional<ProcessHandle> postmaster = pid.isEmpty() ? Optional.empty() : ProcessHandle.of(pid.getAsLong())
                .filter(process -> isRunning(process) && runsOn(process, postgresFiles));
        if (postmaster.isPresent()) {
            LOG.log(Level.WARNING, "the embedded PostgreSQL of a server that is gone still runs on " + postgresFiles
                    + " (postmaster pid " + pid.getAsLong() + "); stopping it before starting a new one");
            long started = System.nanoTime();
            String how = stop(postmaster.get());
            LOG.log(Level.WARNING, "stopped the leftover PostgreSQL (pid " + pid.getAsLong() + ") by " + how + " in "
                    + (System.nanoTime() - started) / 1_000_000 + " ms");
        } else {
            LOG.log(Level.WARNING, "the embedded PostgreSQL ended without a shutdown: " + pidFile + " names "
                    + (pid.isEmpty() ? "no pid" : "pid " + pid.getAsLong() + ", which no longer runs PostgreSQL on these files")
                    + "; PostgreSQL will replay its write-ahead log");
        }
        // A postmaster removes its pid file when it stops; one left is stale, and one naming a pid reused by another
        // process would make PostgreSQL refuse to start.
        if (Files.deleteIfExists(pidFile)) {
            LOG.log(Level.INFO, "removed the stale " + pidFile);
        }
        return true;
    }

    /** The postmaster named by the data directory's {@code postmaster.pid}, if there is one. */
    static OptionalLong pidIn(Path postgresFiles) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(postgresFiles.resolve("postmaster.pid"));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
        // The first line is the pid; a file cut short by a crash while it was written names none.
        try {
            return lines.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(lines.getFirst().strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Stops a postmaster: a fast shutdown, then an immediate one, then SIGKILL for it and its children; which it took. */
    static String stop(ProcessHandle postmaster) {
        signal(postmaster, "INT");
        if (awaitExit(postmaster, FAST_SHUTDOWN)) {
            return "a fast shutdown";
        }
        signal(postmaster, "QUIT");
        if (awaitExit(postmaster, IMMEDIATE_SHUTDOWN)) {
            return "an immediate shutdown";
        }
        // Its children would outlive it and hold its shared memory, which a new postmaster refuses to share.
        List<ProcessHandle> children = postmaster.descendants().toList();
        postmaster.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        if (awaitExit(postmaster, KILLED) && children.stream().allMatch(child -> awaitExit(child, KILLED))) {
            return "SIGKILL";
        }
        throw new IllegalStateException("could not stop PostgreSQL (pid " + postmaster.pid() + ")");
    }

    /** Whether the process is a PostgreSQL server on these files: {@code .../bin/postgres -D <postgresFiles> ...}. */
    private static boolean runsOn(ProcessHandle process, Path postgresFiles) {
        boolean postgres = process.info().command().map(command -> command.endsWith("/postgres")).orElse(false);
        List<String> arguments = List.of(process.info().arguments().orElse(new String[0]));
        int dataDirectory = arguments.indexOf("-D") + 1;
        return postgres && dataDirectory > 0 && dataDirectory < arguments.size()
                && isSameFile(Path.of(arguments.get(dataDirectory)), postgresFiles);
    }

    private static boolean isSameFile(Path one, Path other) {
        try {
            return Files.isSameFile(one, other);
        } catch (IOException e) {
            return false;
        }
    }

    /** PostgreSQL's shutdown modes are signals Java cannot send: SIGINT is fast, SIGQUIT immediate. */
    private static void signal(ProcessHandle process, String signal) {
        try {
            new ProcessBuilder("kill", "-s", signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("could not signal PostgreSQL (pid " + process.pid() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping PostgreSQL", e);
        }
    }

    private static boolean awaitExit(ProcessHandle process, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (isRunning(process)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping PostgreSQL", e);
            }
        }
        return true;
    }

    /**
     * Alive and not a zombie: an orphaned postmaster's parent is init, which may reap it late, and until then Java
     * (like {@code kill -0}) counts it as alive.
     */
    static boolean isRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return process.isAlive();
        }
    }
}
