package dev.marketplace.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The benchmark of issue 7 (run by {@code bench/run.sh}; design and figures in decision 15): starts the server jar
 * on a fresh database with the demo marketplace, runs every scenario against it, restarts it on the existing
 * database for start-up time and idle memory, and writes {@code results.json} and {@code comparison.md}.
 *
 * <p>System properties: {@code bench.server.jar}, {@code bench.results} (directory), {@code bench.server.jvm}
 * (the server's JVM options, space-separated), {@code bench.quick=true} (short load phases: a smoke run whose
 * figures mean little), {@code bench.only} (comma-separated scenario names: only these, for working on one figure;
 * start-up is the scenario {@code start-up}), {@code bench.demo-data=false} (no demo marketplace: for the scenarios
 * that make their own data, such as {@code dropship-import} and {@code dropship-stock-sync}).
 */
public final class Bench {

    /** In order; pgbench of the checkout's SQL last (it places orders of its own, see {@link PgbenchCheckout}). */
    static final List<Scenario> SCENARIOS = List.of(
            new StorefrontScenarios.ProductById(),
            new StorefrontScenarios.SearchPage(),
            new RealisticStorefrontScenarios.Ceiling(),
            new RealisticStorefrontScenarios.ProductByIdUniform(),
            new RealisticStorefrontScenarios.SearchMix(),
            new SearchUnderWritesScenarios.SearchMixWithWrites(),
            new SearchUnderWritesScenarios.NoCliff(),
            new IntegrationScenarios.BulkStockUpdate(),
            new IntegrationScenarios.ChangeFeedCatchUp(),
            new OrderScenarios.Checkout(),
            new OrderScenarios.DiscountedCheckout(),
            new OrderScenarios.FlashSale(),
            new WebhookScenarios.Delivery(),
            new PgbenchCheckout(),
            new SettlementScenarios.LedgerPostingThroughput(),
            new SettlementScenarios.LedgerReconciliation(),
            new StatementScenarios.StatementCsv(),
            new PartnerScenarios.InboundExchange(),
            new PartnerLeaseScenarios.LeaseCreateCommit(),
            new DropshipScenarios.Import(),
            new DropshipScenarios.StockSync());

    private static final int RESTARTS = 3;
    private static final Duration IDLE_BEFORE_MEASURING_MEMORY = Duration.ofSeconds(10);

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(System.getProperty("bench.server.jar", "server/target/marketplace-server.jar"));
        Path results = Path.of(System.getProperty("bench.results", "bench/target/results"));
        List<String> jvm = Arrays.stream(System.getProperty("bench.server.jvm", "").trim().split("\\s+"))
                .filter(option -> !option.isEmpty()).toList();
        boolean quick = Boolean.getBoolean("bench.quick");
        List<String> only = Arrays.stream(System.getProperty("bench.only", "").split(","))
                .map(String::trim).filter(name -> !name.isEmpty()).toList();
        // A name that is no scenario would otherwise run nothing and say nothing (run.sh's comment named "pgbench").
        // memory-after-load ends every run; naming it is allowed and changes nothing.
        List<String> scenarios = Stream.concat(SCENARIOS.stream().map(Scenario::name),
                Stream.of("start-up", "memory-after-load")).toList();
        List<String> unknown = only.stream().filter(name -> !scenarios.contains(name)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("bench.only names no scenario: " + unknown + "; the scenarios: "
                    + scenarios);
        }
        Scenario.Timing timing = quick
                ? new Scenario.Timing(Duration.ofSeconds(2), Duration.ofSeconds(5))
                : new Scenario.Timing(Duration.ofSeconds(10), Duration.ofSeconds(30));

        Files.createDirectories(results);
        Path dataDir = Files.createTempDirectory(results.toAbsolutePath(), "data-");
        int port = freePort();
        String operatorId = "bench-operator";
        String operatorSecret = randomSecret();
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("DATA_DIR", dataDir.toString());
        // As the README's run command: two malloc arenas, not one per thread (decision 78); BENCH_MALLOC_ARENA_MAX
        // measures another count (decision 97).
        environment.put("MALLOC_ARENA_MAX", System.getProperty("bench.server.malloc-arena-max", "2"));
        environment.put("SERVER_PORT", Integer.toString(port));
        // The demo marketplace most scenarios read; bench.demo-data=false skips it for scenarios that make their own
        // data (the drop-ship ones), which saves its minutes of loading on a busy machine.
        environment.put("DEMO_DATA_ENABLED", System.getProperty("bench.demo-data", "true"));
        environment.put("SECURITY_OPERATOR_CLIENT_ID", operatorId);
        environment.put("SECURITY_OPERATOR_CLIENT_SECRET", operatorSecret);
        // Test clients send far more than a real one may: their quotas are raised by configuration, limits stay on.
        environment.put("RATE_LIMITS_OPERATOR", "100000000");
        environment.put("RATE_LIMITS_STOREFRONT", "100000000");
        environment.put("RATE_LIMITS_PARTNER", "100000000");
        // Signing the bench customers in walks the hosted pages and the token endpoint from one address.
        environment.put("RATE_LIMITS_ANONYMOUS", "100000000");
        environment.put("RATE_LIMITS_TOKEN_ENDPOINT", "100000000");
        // The customers' tokens come from the authorization code flow once, at set-up: they must outlast the run.
        environment.put("SECURITY_TOKEN_LIFETIME", "PT2H");
        // Webhooks go to a receiver in the benchmark's process: plain http to loopback (lists need the YAML file).
        Path serverConfig = results.toAbsolutePath().resolve("marketplace-bench.yaml");
        Files.writeString(serverConfig, "webhooks:\n  require-https: false\noutbound:\n"
                + "  allowed-private-networks: [127.0.0.1/32]\n" + DropshipScenarios.serverConfig());
        environment.put("MARKETPLACE_CONFIG", serverConfig.toString());

        Report report = new Report();
        report.environment("startedAt", Instant.now().toString());
        report.environment("cores", Machine.cores());
        report.environment("loadAverage1mAtStart", Machine.loadAverage());
        report.environment("serverJvmOptions", jvm);
        report.environment("serverMallocArenaMax", environment.get("MALLOC_ARENA_MAX"));
        report.environment("java", System.getProperty("java.version"));
        report.environment("quick", quick);
        report.environment("only", only);
        report.environment("warmUpSeconds", timing.warmUp().toSeconds());
        report.environment("measuredSeconds", timing.measured().toSeconds());
        Path log = results.resolve("server.log");
        System.out.printf("Starting the server on a fresh database with demo data (log: %s)...%n", log);

        Api api = new Api(URI.create("http://127.0.0.1:" + port));
        Api.Credentials operator = new Api.Credentials(operatorId, operatorSecret);
        // The first start makes the demo marketplace: minutes on a quiet machine, more than ten on a loaded one.
        Duration firstStartWithin = Duration.ofMinutes(Long.getLong("bench.first-start-minutes", 10));
        try (ServerProcess server = ServerProcess.start(jar, jvm, environment, log, firstStartWithin)) {
            Map<String, Object> firstStart = new LinkedHashMap<>();
            firstStart.put("readyMillisIncludingDemoData", server.readyMillis());
            // The ready line says the node serves; its readiness probe says it also has its search index (decision 59):
            // scenarios measure a node a load balancer would send traffic to.
            firstStart.put("readinessProbeUpAfterReadyLineMillis", awaitReadiness(api, Duration.ofMinutes(10)));
            report.add(new Report.Scenario("first-start", "measured", "fresh database, migrations and demo data",
                    firstStart, List.of()));
            List<String> postmaster = Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid"));
            long postgresPid = Long.parseLong(postmaster.get(0).trim());
            String jdbcUrl = "jdbc:postgresql://127.0.0.1:" + postmaster.get(3).trim() + "/postgres";
            Scenario.Context context = new Scenario.Context(api, operator, server.pid(), postgresPid, jdbcUrl, timing,
                    log);
            for (Scenario scenario : SCENARIOS) {
                if (!only.isEmpty() && !only.contains(scenario.name())) {
                    continue;
                }
                System.out.printf(Locale.ROOT, "%nRunning %s (load average %.2f)...%n", scenario.name(), Machine.loadAverage());
                try {
                    report.add(scenario.run(context));
                } catch (Exception | AssertionError e) {
                    e.printStackTrace();
                    report.add(new Report.Scenario(scenario.name(), "failed", e.toString(), Map.of(), List.of(
                            new Report.Check(scenario.name(), "failed: " + e.getMessage(), false))));
                }
            }
            Map<String, Object> afterLoad = new LinkedHashMap<>();
            afterLoad.put("serverRssMiB", Report.round(Machine.residentMiB(server.pid(), false)));
            afterLoad.put("serverPeakRssMiB", Report.round(Machine.residentMiB(server.pid(), true)));
            afterLoad.put("postgresPssMiB", Report.round(Machine.treeProportionalMiB(postgresPid)));
            report.add(new Report.Scenario("memory-after-load", "measured", null, afterLoad, List.of()));
        }
        if (only.isEmpty() || only.contains("start-up")) {
            report.add(startUp(jar, jvm, environment, log, dataDir, api));
        }
        report.environment("loadAverage1mAtEnd", Machine.loadAverage());
        Path json = report.write(results);
        System.out.printf("Results: %s and %s%n", json, results.resolve("comparison.md"));
        deleteRecursively(dataDir);
    }

    /**
     * Restarts on the existing database; each time, the ready time and the memory after idling. Ready is what a load
     * balancer waits for: the readiness probe up, which includes the search index's first fill (decision 59); the
     * server's ready line (it serves, PostgreSQL answering searches) is reported beside it (decision 71).
     */
    private static Report.Scenario startUp(Path jar, List<String> jvm, Map<String, String> environment, Path log,
                                           Path dataDir, Api api) throws InterruptedException, IOException {
        List<Long> ready = new ArrayList<>();
        List<Long> launchToReady = new ArrayList<>();
        List<Long> launchToReadinessProbe = new ArrayList<>();
        List<Double> idleRss = new ArrayList<>();
        List<Double> postgres = new ArrayList<>();
        for (int i = 0; i < RESTARTS; i++) {
            System.out.printf("%nRestart %d of %d on the existing database...%n", i + 1, RESTARTS);
            try (ServerProcess server = ServerProcess.start(jar, jvm, environment, log, Duration.ofMinutes(2))) {
                ready.add(server.readyMillis());
                launchToReady.add(server.launchToReadyMillis());
                launchToReadinessProbe.add(server.launchToReadyMillis() + awaitReadiness(api, Duration.ofMinutes(10)));
                Thread.sleep(IDLE_BEFORE_MEASURING_MEMORY); // idle means: no request for a while, nothing to await
                idleRss.add(Report.round(Machine.residentMiB(server.pid(), false)));
                postgres.add(Report.round(Machine.treeProportionalMiB(postmasterPid(dataDir))));
            }
        }
        long medianReadinessProbe = median(launchToReadinessProbe);
        double medianRss = median(idleRss);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("readyMillis", ready);
        figures.put("launchToReadyMillis", launchToReady);
        figures.put("launchToReadinessProbeUpMillis", launchToReadinessProbe);
        figures.put("idleRssMiB", idleRss);
        figures.put("postgresPssMiB", postgres);
        return new Report.Scenario("start-up", "measured", "existing database, median of " + RESTARTS, figures, List.of(
                new Report.Check("ready (readiness probe up) < 1 s from launch with an existing database",
                        String.format(Locale.ROOT, "%d ms (the ready line after %d ms; %d ms by the server's own "
                                + "count from main)", medianReadinessProbe, median(launchToReady), median(ready)),
                        medianReadinessProbe < 1_000),
                new Report.Check("idle RSS < 256 MB", String.format(Locale.ROOT, "%.0f MiB (JVM; embedded PostgreSQL %.0f MiB more)",
                        medianRss, median(postgres)), medianRss < 256)));
    }

    /** The embedded PostgreSQL's postmaster (first line of its postmaster.pid; the fourth is its port). */
    private static long postmasterPid(Path dataDir) throws IOException {
        return Long.parseLong(Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid")).get(0).trim());
    }

    private static <T extends Comparable<T>> T median(List<T> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    private static String randomSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        try (var paths = Files.walk(directory)) {
            for (Path path : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** Milliseconds until {@code /observe/health/ready} answers 200 (or {@code atMost} passed). */
    private static long awaitReadiness(Api api, Duration atMost) throws InterruptedException {
        long started = System.nanoTime();
        while (System.nanoTime() - started < atMost.toNanos()) {
            HttpResponse<String> ready = api.exchange(HttpRequest.newBuilder(api.base().resolve("/observe/health/ready"))
                    .GET().build());
            if (ready.statusCode() == 200) {
                break;
            }
            Thread.sleep(20); // polling another process's state: nothing to await on (fine-grained: start-up is < 1 s)
        }
        return (System.nanoTime() - started) / 1_000_000;
    }

}
