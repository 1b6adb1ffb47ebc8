package dev.marketplace.server.partners.inventory;

import dev.marketplace.sdk.model.AssortmentShareCreate;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.PartnerOptInCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.orders.Order;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.SubscriberBacklog;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestPartners;
import dev.marketplace.server.testing.TestServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The JVM's CPU time and allocation per lease create and per lease commit of one line, on the calling thread
 * ({@link LeaseService} called directly: the statements' building, binding, sending and reading, the order's
 * assembly; not the HTTP layer, not the subscribers' later work), figures that survive a loaded machine where
 * throughput does not (decision 108). Beside them, what the round cost the other threads of the process, from the
 * round's start until every subscriber has handled the round's events (a closed-loop bench's JVM figure includes
 * them), by thread group: the jobs and subscribers run on virtual threads, so their CPU shows on the carriers
 * ({@code ForkJoinPool-1-worker-}); a JFR recording tells them apart. And PostgreSQL's side of each phase (the
 * creates, the commits, the subscribers' catching up): the CPU of its processes ({@code /proc}, as the bench's
 * {@code Machine.CpuMeter} reads it; the pool's backends persist, so each shows the statements of every phase) and,
 * from {@code pg_stat_statements}, each statement's calls, time, shared blocks and WAL bytes. The extension must be
 * preloaded, so the probe restarts the test JVM's embedded PostgreSQL with it before the server starts (the shipped
 * settings are not touched; the test settings apply: no fsync, no synchronous commit). pg_stat_statements' times are
 * elapsed, not CPU: on a loaded machine they include waiting for a core; its blocks and WAL bytes do not move with
 * load. Not a test: run it by hand like {@code VariantsForSaleCostProbe}, with the leases per round (default 1,000)
 * as its argument:
 * {@code java -cp server/target/test-classes:server/target/classes:<test classpath>
 * dev.marketplace.server.partners.inventory.LeaseCostProbe 1000}.
 */
final class LeaseCostProbe {

    private static final int ROUNDS = 3;
    private static final Order.ShippingAddress ADDRESS = new Order.ShippingAddress("Sato Yui", "JP", "150-0001",
            "Tokyo", "Shibuya-ku", "1-2-3 Jingumae", null, "+81 3-1234-5678");

    private LeaseCostProbe() {
    }

    public static void main(String[] args) throws Exception {
        int perRound = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        String adminUrl = withStatementStatistics();
        TestServer server = new TestServer().with("partner-inventory.lease.lapse-every", "PT24H")
                .with("partner-inventory.limits.max-units-held", "100000000")
                .with("partner-inventory.limits.max-open-leases", "100000000");
        server.beforeAll(null);
        try {
            TestCatalog catalog = new TestCatalog(server);
            UUID category = server.client().categories().createCategory(new CategoryCreate()
                    .name("Goods " + UUID.randomUUID()).commissionRateBasisPoints(1000)).getId();
            ActiveMerchant shop = catalog.activeMerchant("Probe Tea KK", category);
            Product product = catalog.published(shop, TestCatalog.product(category, "Probe tea", "PR-TEA", 1000,
                    "JPY"));
            UUID variant = product.getVariants().getFirst().getId();
            UUID location = shop.client().inventory().createLocation(new LocationCreate().code("WH-PR")
                    .name("Warehouse")).getId();
            shop.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                    .variantId(variant).locationId(location).onHand(100_000_000L).sourceSequence(1L))));
            UUID partnerId = UUID.randomUUID();
            TestPartners.register(server, partnerId);
            shop.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(partnerId));
            server.client().partnerInventory().createAssortmentShare(new AssortmentShareCreate().partnerId(partnerId)
                    .merchantId(shop.id()));
            java.lang.reflect.Field field = PartnerInventoryModule.class.getDeclaredField("leases");
            field.setAccessible(true);
            LeaseService leases = (LeaseService) field.get(server.module(PartnerInventoryModule.class));
            Principal partner = new Principal(PrincipalType.PARTNER, partnerId, "probe", Set.of());
            List<LeaseService.LineRequest> line = List.of(new LeaseService.LineRequest(variant, 1));

            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long thread = Thread.currentThread().threadId();
            com.sun.management.OperatingSystemMXBean process =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            try (Connection admin = DriverManager.getConnection(adminUrl)) {
                String database = server.databaseName();
                long postmaster = postmasterPid(admin);
                long adminBackend = single(admin, "SELECT pg_backend_pid()", Integer.class);
                for (int round = -1; round < ROUNDS; round++) { // round -1 warms up: JIT, the pool, plan caches
                    List<UUID> created = new ArrayList<>();
                    Map<Long, long[]> before = threadCosts(threads);
                    Map<Long, Statistics> statements0 = statements(admin, database);
                    long[] postgres0 = postgresTicks(postmaster, adminBackend, database);
                    long processCpu = process.getProcessCpuTime();
                    long cpu = threads.getCurrentThreadCpuTime();
                    long bytes = threads.getThreadAllocatedBytes(thread);
                    for (int i = 0; i < perRound; i++) {
                        created.add(leases.create(partner, line, Duration.ofMinutes(10), Optional.empty()).lease()
                                .id());
                    }
                    long createCpu = threads.getCurrentThreadCpuTime() - cpu;
                    long createBytes = threads.getThreadAllocatedBytes(thread) - bytes;
                    long[] postgres1 = postgresTicks(postmaster, adminBackend, database);
                    Map<Long, Statistics> statements1 = statements(admin, database);
                    cpu = threads.getCurrentThreadCpuTime();
                    bytes = threads.getThreadAllocatedBytes(thread);
                    for (UUID lease : created) {
                        if (leases.commit(partner, lease, ADDRESS, Optional.empty()).view().order().isEmpty()) {
                            throw new IllegalStateException("lease " + lease + " not committed");
                        }
                    }
                    long commitCpu = threads.getCurrentThreadCpuTime() - cpu;
                    long commitBytes = threads.getThreadAllocatedBytes(thread) - bytes;
                    long[] postgres2 = postgresTicks(postmaster, adminBackend, database);
                    Map<Long, Statistics> statements2 = statements(admin, database);
                    Await.until(Duration.ofMinutes(5), "every subscriber caught up", () -> Boolean.TRUE.equals(
                            server.db().fetchValue("SELECT NOT bool_or(" + SubscriberBacklog.BEHIND
                                    + ") FROM event_subscription s")));
                    long processUsed = process.getProcessCpuTime() - processCpu;
                    long[] postgres3 = postgresTicks(postmaster, adminBackend, database);
                    Map<Long, Statistics> statements3 = statements(admin, database);
                    Map<String, long[]> others = othersByGroup(threads, before, thread);
                    if (round >= 0) {
                        System.out.printf(Locale.ROOT, "round %d, %d leases: create %6.1f µs CPU %6.1f KB, "
                                        + "commit %6.1f µs CPU %6.1f KB (load %s)%n", round, perRound,
                                createCpu / 1e3 / perRound, createBytes / 1024.0 / perRound,
                                commitCpu / 1e3 / perRound, commitBytes / 1024.0 / perRound,
                                Files.readString(Path.of("/proc/loadavg")).trim());
                        System.out.printf(Locale.ROOT, "  process %6.1f µs CPU per create+commit, of which other "
                                + "threads:%n", processUsed / 1e3 / perRound);
                        others.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                                .limit(8).forEach(e -> System.out.printf(Locale.ROOT,
                                        "    %-40s %6.1f µs CPU %6.1f KB%n", e.getKey(),
                                        e.getValue()[0] / 1e3 / perRound, e.getValue()[1] / 1024.0 / perRound));
                        System.out.printf(Locale.ROOT, "  PostgreSQL CPU per lease (all its processes; of which the "
                                        + "database's backends): create %6.1f µs (%6.1f), commit %6.1f µs (%6.1f), "
                                        + "catching up %6.1f µs (%6.1f), per create+commit %6.1f µs (%6.1f)%n",
                                ticksMicros(postgres1[0] - postgres0[0], perRound),
                                ticksMicros(postgres1[1] - postgres0[1], perRound),
                                ticksMicros(postgres2[0] - postgres1[0], perRound),
                                ticksMicros(postgres2[1] - postgres1[1], perRound),
                                ticksMicros(postgres3[0] - postgres2[0], perRound),
                                ticksMicros(postgres3[1] - postgres2[1], perRound),
                                ticksMicros(postgres3[0] - postgres0[0], perRound),
                                ticksMicros(postgres3[1] - postgres0[1], perRound));
                        printStatements("create", statements0, statements1, perRound);
                        printStatements("commit", statements1, statements2, perRound);
                        printStatements("catching up", statements2, statements3, perRound);
                    }
                }
            }
        } finally {
            server.afterAll(null);
        }
    }

    /** Each live thread's CPU time and allocated bytes, by id. */
    private static Map<Long, long[]> threadCosts(com.sun.management.ThreadMXBean threads) {
        long[] ids = threads.getAllThreadIds();
        long[] cpu = threads.getThreadCpuTime(ids);
        long[] bytes = threads.getThreadAllocatedBytes(ids);
        Map<Long, long[]> costs = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            costs.put(ids[i], new long[] {cpu[i], bytes[i]});
        }
        return costs;
    }

    /**
     * The other threads' CPU and allocation since {@code before}, summed by name with its digits dropped (a thread
     * that ended in between is not counted; the process figure has it).
     */
    private static Map<String, long[]> othersByGroup(com.sun.management.ThreadMXBean threads,
            Map<Long, long[]> before, long self) {
        Map<Long, long[]> after = threadCosts(threads);
        Map<String, long[]> groups = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(after.keySet().stream().mapToLong(Long::longValue).toArray())) {
            if (info == null || info.getThreadId() == self) {
                continue;
            }
            long[] now = after.get(info.getThreadId());
            long[] then = before.getOrDefault(info.getThreadId(), new long[2]);
            long[] sum = groups.computeIfAbsent(info.getThreadName().replaceAll("[0-9]+", "#"), name -> new long[2]);
            sum[0] += now[0] - then[0];
            sum[1] += now[1] - then[1];
        }
        return groups;
    }

    /**
     * Restarts the test JVM's embedded PostgreSQL with {@code pg_stat_statements} preloaded (an {@code ALTER SYSTEM}
     * setting: the command line's settings, which {@code pg_ctl restart} repeats, do not name it) and its planning
     * times tracked; returns the URL of the server's {@code postgres} database, where the extension is created.
     */
    private static String withStatementStatistics() throws SQLException, IOException, InterruptedException {
        if (System.getenv("TEST_DB_URL") != null) {
            throw new IllegalStateException("the probe restarts the embedded PostgreSQL: run it without TEST_DB_URL");
        }
        String adminUrl = TestDatabases.newEmptyDatabase().replaceFirst("/empty_[0-9_]+", "/postgres");
        Path data;
        long postmaster;
        try (Connection admin = DriverManager.getConnection(adminUrl); Statement statement = admin.createStatement()) {
            statement.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
            data = Path.of(single(admin, "SHOW data_directory", String.class));
            postmaster = postmasterPid(admin);
        }
        Path pgCtl = Files.readSymbolicLink(Path.of("/proc", Long.toString(postmaster), "exe"))
                .resolveSibling("pg_ctl");
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("unshare", "-U")); // pg_ctl refuses root; the library and PostmasterRestart do this
        }
        command.addAll(List.of(pgCtl.toString(), "-D", data.toString(), "-l", data.resolve("probe-restart.log")
                .toString(), "-w", "-m", "fast", "restart"));
        Process restart = new ProcessBuilder(command).inheritIO().start();
        if (restart.waitFor() != 0) {
            throw new IllegalStateException("pg_ctl restart failed: see " + data.resolve("probe-restart.log"));
        }
        try (Connection admin = DriverManager.getConnection(adminUrl); Statement statement = admin.createStatement()) {
            statement.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            statement.execute("ALTER SYSTEM SET pg_stat_statements.track_planning = on");
            statement.execute("SELECT pg_reload_conf()");
        }
        return adminUrl;
    }

    private static <T> T single(Connection connection, String sql, Class<T> type) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getObject(1, type);
        }
    }

    /** The postmaster's process id: the first line of its {@code postmaster.pid}. */
    private static long postmasterPid(Connection admin) throws SQLException, IOException {
        Path data = Path.of(single(admin, "SHOW data_directory", String.class));
        return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).getFirst().strip());
    }

    /**
     * CPU clock ticks (1/100 s) of the postmaster, its reaped children (backends and autovacuum workers that ended)
     * and its live descendants but the probe's own backend; and of these, the backends of {@code database} alone (by
     * their process titles).
     */
    private static long[] postgresTicks(long postmaster, long excluded, String database) {
        long[] ticks = new long[2];
        ProcessHandle.of(postmaster).orElseThrow().descendants().forEach(child -> {
            if (child.pid() == excluded) {
                return;
            }
            try {
                long used = statTicks(child.pid(), 2);
                ticks[0] += used;
                String title = Files.readString(Path.of("/proc", Long.toString(child.pid()), "cmdline"));
                if (title.contains(" " + database + " ")) {
                    ticks[1] += used;
                }
            } catch (IOException gone) {
                // a backend that ended meanwhile: its time is the postmaster's now
            }
        });
        try {
            ticks[0] += statTicks(postmaster, 4);
        } catch (IOException e) {
            throw new IllegalStateException("the postmaster is gone", e);
        }
        return ticks;
    }

    /** The sum of the first {@code fields} CPU fields of {@code /proc/<pid>/stat}: utime, stime, cutime, cstime. */
    private static long statTicks(long pid, int fields) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long sum = 0;
        for (int i = 0; i < fields; i++) {
            sum += Long.parseLong(after[11 + i]);
        }
        return sum;
    }

    private static double ticksMicros(long ticks, int leases) {
        return ticks * 10_000.0 / leases;
    }

    /** One statement's cumulative figures in {@code pg_stat_statements}. */
    private record Statistics(String query, long calls, long plans, double execMillis, double planMillis, long hit,
            long read, long dirtied, long written, long walBytes) {

        Statistics minus(Statistics before) {
            return before == null ? this : new Statistics(query, calls - before.calls, plans - before.plans,
                    execMillis - before.execMillis, planMillis - before.planMillis, hit - before.hit,
                    read - before.read, dirtied - before.dirtied, written - before.written, walBytes - before.walBytes);
        }
    }

    private static Map<Long, Statistics> statements(Connection admin, String database) throws SQLException {
        Map<Long, Statistics> statements = new HashMap<>();
        try (PreparedStatement select = admin.prepareStatement("""
                SELECT queryid, query, calls, plans, total_exec_time, total_plan_time, shared_blks_hit,
                       shared_blks_read, shared_blks_dirtied, shared_blks_written, wal_bytes
                  FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = ?)""")) {
            select.setString(1, database);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    statements.put(rows.getLong(1), new Statistics(rows.getString(2).replaceAll("\\s+", " "),
                            rows.getLong(3), rows.getLong(4), rows.getDouble(5), rows.getDouble(6), rows.getLong(7),
                            rows.getLong(8), rows.getLong(9), rows.getLong(10), rows.getLong(11)));
                }
            }
        }
        return statements;
    }

    /** The statements a phase ran, the costliest first, per lease and per call. */
    private static void printStatements(String phase, Map<Long, Statistics> before, Map<Long, Statistics> after,
            int leases) {
        List<Statistics> ran = after.entrySet().stream().map(e -> e.getValue().minus(before.get(e.getKey())))
                .filter(s -> s.calls() > 0)
                .sorted((a, b) -> Double.compare(b.execMillis() + b.planMillis(), a.execMillis() + a.planMillis()))
                .toList();
        System.out.printf(Locale.ROOT, "  %s: %.2f statements, %.1f µs executing, %.1f µs planning, %.1f blocks hit, "
                        + "%.2f read, %.2f dirtied, %.0f WAL bytes per lease%n", phase,
                ran.stream().mapToLong(Statistics::calls).sum() / (double) leases,
                ran.stream().mapToDouble(Statistics::execMillis).sum() * 1e3 / leases,
                ran.stream().mapToDouble(Statistics::planMillis).sum() * 1e3 / leases,
                ran.stream().mapToLong(Statistics::hit).sum() / (double) leases,
                ran.stream().mapToLong(Statistics::read).sum() / (double) leases,
                ran.stream().mapToLong(Statistics::dirtied).sum() / (double) leases,
                ran.stream().mapToLong(Statistics::walBytes).sum() / (double) leases);
        ran.stream().limit(16).forEach(s -> System.out.printf(Locale.ROOT,
                "    %6.2f/lease %7.1f µs exec %6.1f µs plan (%d plans) %6.1f hit %5.2f dirtied %6.0f WAL B per call"
                        + "  %s%n",
                s.calls() / (double) leases, s.execMillis() * 1e3 / s.calls(), s.planMillis() * 1e3 / s.calls(),
                s.plans(), s.hit() / (double) s.calls(), s.dirtied() / (double) s.calls(),
                s.walBytes() / (double) s.calls(), s.query().length() > 110 ? s.query().substring(0, 110) : s.query()));
    }
}
