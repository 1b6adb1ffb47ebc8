package dev.marketplace.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's own pgbench running the SQL one checkout executes against the embedded database at the checkout's
 * client count (32), in one run: issue 20's baseline ({@code bench/pgbench/checkout-baseline.sql}, the checkout's SQL
 * of the day the issue was filed) and today's ({@code bench/pgbench/checkout.sql}, statement for statement the
 * server's, decision 74). It reports what PostgreSQL alone can do with each on this machine, today's against the
 * baseline (issue 20: at least twice its transactions/s), the server's CPU (PostgreSQL's, and the JVM's following the
 * events) per transaction, and the API's checkouts/s (closed loop, same client count) as a share of today's (issue 20:
 * at least 70 %). Each script's statements are also timed at one client.
 *
 * <p>Each pgbench transaction checks out its own cart, written by SQL beforehand with a plan row holding what the
 * server would hold in memory (ids it generates, the cart's variants and locations). The orders it places are real
 * rows in the marketplace's tables, so it runs last: no scenario after it reads the stock levels or carts it changed,
 * and its plan schema is dropped at the end. Committing them, not rolling back, keeps the figure fair: the commit is
 * part of what a checkout costs PostgreSQL.
 */
final class PgbenchCheckout implements Scenario {

    static final Path BASELINE = Path.of("bench/pgbench/checkout-baseline.sql");
    static final Path TODAY = Path.of("bench/pgbench/checkout.sql");
    private static final int CLIENTS = 32;
    private static final Duration STATEMENT_PROFILE = Duration.ofSeconds(5);
    /** Plans written per second of pgbench run: above what two cores can do, so pgbench never runs out. */
    private static final int PLANS_PER_SECOND = 2_500;
    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");
    private static final Pattern FAILED = Pattern.compile("number of failed transactions: ([0-9]+)");
    /** A line of pgbench -r's report: the statement's average latency (ms), its failures, its first line. */
    private static final Pattern STATEMENT_LATENCY = Pattern.compile("^\\s+([0-9.]+)\\s+[0-9]+\\s+(\\S.*)$",
            Pattern.MULTILINE);
    private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: ([0-9]+)");
    private static final String TARGET = "checkout throughput ≥ 70 % of pgbench with the checkout's SQL";
    private static final String HALF_THE_CPU = "the checkout's SQL ≥ 2× the baseline's pgbench transactions/s";

    @Override
    public String name() {
        return "pgbench-checkout-sql";
    }

    @Override
    public Report.Scenario run(Context context) throws Exception {
        Optional<Path> pgbench = executable();
        if (pgbench.isEmpty()) {
            return notRun("pgbench is not installed (Debian: apt-get install postgresql-client)");
        }
        for (Path script : List.of(BASELINE, TODAY)) {
            if (!Files.isRegularFile(script)) {
                return notRun("the script " + script + " is missing (run from the repository's root)");
            }
        }
        List<String> customers = OrderScenarios.customerTokens(context);
        List<List<OrderScenarios.Sku>> merchants = new ArrayList<>(OrderScenarios.skus(context, 0, 60, 20).values());
        // Both scripts take their carts from the same plans.
        int plans = 2 * PLANS_PER_SECOND
                * (int) (context.timing().warmUp().toSeconds() + context.timing().measured().toSeconds());
        long preparing = System.nanoTime();
        List<OrderScenarios.PreparedCart> carts = OrderScenarios.sqlCarts(context, customers, merchants, plans);
        writePlans(context, carts);
        double preparingSeconds = (System.nanoTime() - preparing) / 1e9;

        String port = context.jdbcUrl().replaceAll(".*://[^:]+:([0-9]+)/.*", "$1");
        // Both warmed before either is measured, so neither pays for the other's first run.
        run(pgbench.get(), port, BASELINE, context.timing().warmUp(), CLIENTS);
        run(pgbench.get(), port, TODAY, context.timing().warmUp(), CLIENTS);
        Script baseline = Script.measure(context, pgbench.get(), port, BASELINE);
        Script today = Script.measure(context, pgbench.get(), port, TODAY);
        // One client alone, each statement's latency: where a checkout's time in PostgreSQL goes, without the
        // queueing of 32 clients on two cores (pgbench -r).
        Map<String, Object> statements = new LinkedHashMap<>();
        for (Path script : List.of(BASELINE, TODAY)) {
            statements.put(script.getFileName().toString(),
                    statementLatencies(run(pgbench.get(), port, script, STATEMENT_PROFILE, 1, "-r")));
        }
        dropPlans(context);

        Optional<Double> api = OrderScenarios.checkoutsPerSecondClosedLoop();
        double speedUp = today.tps() / baseline.tps();
        boolean clean = baseline.failed() == 0 && today.failed() == 0;
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("clients", CLIENTS);
        figures.put("plansWritten", plans);
        figures.put("preparedSeconds", Report.round(preparingSeconds));
        figures.put("baseline", baseline.figures());
        figures.put("today", today.figures());
        figures.put("todayOverBaselineTps", Report.round(speedUp));
        figures.put("todayOverBaselineCpuPerTransaction", Report.round(today.cpuMs() / baseline.cpuMs()));
        figures.put("oneClientStatementLatenciesMs", statements);
        figures.put("apiCheckoutsPerSecond", api.map(Report::round).orElse(null));
        figures.put("apiShareOfPgbench", api.map(rate -> Report.round(rate / today.tps())).orElse(null));
        String share = api.map(rate -> String.format(Locale.ROOT,
                        "API %.0f checkouts/s = %.0f %% of pgbench's %.0f transactions/s of today's checkout SQL "
                        + "(%d clients, %d failed)", rate, 100 * rate / today.tps(), today.tps(), CLIENTS,
                        today.failed()))
                .orElse(String.format(Locale.ROOT, "pgbench %.0f transactions/s of today's checkout SQL; no valid "
                        + "API figure this run (the checkout scenario's closed loop did not run or had errors)",
                        today.tps()));
        String halved = String.format(Locale.ROOT, "today's checkout SQL %.0f transactions/s (server CPU %.2f ms "
                        + "each) against the baseline's %.0f/s (%.2f ms): %.2f× (%d and %d failed)", today.tps(),
                today.cpuMs(), baseline.tps(), baseline.cpuMs(), speedUp, today.failed(), baseline.failed());
        return new Report.Scenario(name(), "measured", "pgbench -M prepared -c " + CLIENTS + " over " + BASELINE
                + " then " + TODAY + " (each warmed, then each measured), after the checkout scenario", figures,
                List.of(new Report.Check(HALF_THE_CPU, halved, clean ? speedUp >= 2 : null),
                        new Report.Check(TARGET, share,
                                clean && api.isPresent() ? api.get() / today.tps() >= 0.7 : null)));
    }

    /** One script's measured pgbench run and the server's CPU (PostgreSQL's and the JVM's) meanwhile. */
    private record Script(double tps, long transactions, long failed, double latencyMs, double cpuMs,
                          Report.CpuShares cpu) {
        static Script measure(Context context, Path pgbench, String port, Path script) throws Exception {
            Machine.CpuMeter meter = new Machine.CpuMeter(context);
            String output = run(pgbench, port, script, context.timing().measured(), CLIENTS);
            Machine.awaitBackendsReaped(context, "pgbench");
            double serverSeconds = meter.serverSeconds();
            Report.CpuShares shares = meter.stop();
            double tps = number(TPS, output).orElseThrow(() -> new IllegalStateException("no tps in: " + output));
            long transactions = number(PROCESSED, output).map(Double::longValue).orElse(0L);
            return new Script(tps, transactions, number(FAILED, output).map(Double::longValue).orElse(0L),
                    number(LATENCY, output).orElse(Double.NaN),
                    transactions == 0 ? Double.NaN : serverSeconds * 1_000 / transactions, shares);
        }

        Map<String, Object> figures() {
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("pgbenchTps", Report.round(tps));
            figures.put("transactions", transactions);
            figures.put("failedTransactions", failed);
            figures.put("latencyAverageMs", latencyMs);
            figures.put("serverCpuMsPerTransaction", Report.round(cpuMs));
            figures.put("cpu", cpu);
            return figures;
        }
    }

    private Report.Scenario notRun(String why) {
        return new Report.Scenario(name(), "not_run", why, Map.of(),
                List.of(new Report.Check(HALF_THE_CPU, "not measured: " + why, null),
                        new Report.Check(TARGET, "not measured: " + why, null)));
    }

    private static Optional<Path> executable() {
        List<Path> candidates = new ArrayList<>();
        Optional.ofNullable(System.getenv("PGBENCH")).map(Path::of).ifPresent(candidates::add);
        for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!directory.isEmpty()) {
                candidates.add(Path.of(directory, "pgbench"));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * One plan row per cart: what the server holds in memory between the checkout's statements. Lines are grouped by
     * merchant as the server's sub-orders are (two, two and one line).
     */
    private static void writePlans(Context context, List<OrderScenarios.PreparedCart> carts) throws Exception {
        try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "")) {
            try (Statement ddl = db.createStatement()) {
                ddl.execute("DROP SCHEMA IF EXISTS pgbench_checkout CASCADE");
                ddl.execute("CREATE SCHEMA pgbench_checkout");
                ddl.execute("""
                        CREATE TABLE pgbench_checkout.plan (
                            n bigint PRIMARY KEY, cart_id uuid, storefront_id uuid, customer_id uuid, variants uuid[],
                            locations uuid[], products uuid[], categories uuid[], skus text[], line_sub_orders uuid[],
                            line_merchants uuid[], line_numbers int[], merchants uuid[], sub_orders uuid[],
                            order_id uuid, reservation_id uuid, pii_key_id text)""");
                ddl.execute("CREATE SEQUENCE pgbench_checkout.next");
            }
            String piiKeyId;
            try (Statement query = db.createStatement();
                 ResultSet row = query.executeQuery(
                         "SELECT pii_key_id FROM customer_order ORDER BY created_at DESC LIMIT 1")) {
                if (!row.next()) {
                    throw new IllegalStateException("no order yet to take the current PII key id from: run checkout first");
                }
                piiKeyId = row.getString(1);
            }
            Map<String, String[]> variants = new HashMap<>();
            try (PreparedStatement query = db.prepareStatement(
                    """
                    SELECT v.id::text, v.product_id::text, v.sku, p.category_id::text
                    FROM product_variant v JOIN product p ON p.id = v.product_id WHERE v.id = ANY (?::uuid[])""")) {
                query.setArray(1, db.createArrayOf("uuid", carts.stream().flatMap(cart -> cart.lines().stream())
                        .map(OrderScenarios.Sku::variantId).distinct().toArray()));
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        variants.put(rows.getString(1),
                                new String[] {rows.getString(2), rows.getString(3), rows.getString(4)});
                    }
                }
            }
            try (PreparedStatement insert = db.prepareStatement("""
                    INSERT INTO pgbench_checkout.plan
                    SELECT ?, c.id, c.storefront_id, c.customer_id, ?::uuid[], ?::uuid[], ?::uuid[], ?::uuid[],
                           ?::text[], ?::uuid[], ?::uuid[], ?::int[], ?::uuid[], ?::uuid[], ?, ?, ?
                    FROM cart c WHERE c.id = ?""")) {
                long n = 0;
                for (OrderScenarios.PreparedCart cart : carts) {
                    List<OrderScenarios.Sku> lines = new ArrayList<>(cart.lines());
                    List<String> merchantIds = lines.stream().map(OrderScenarios.Sku::merchantId).distinct().toList();
                    List<UUID> subOrders = merchantIds.stream().map(merchant -> UUID.randomUUID()).toList();
                    List<UUID> lineSubOrders = new ArrayList<>();
                    List<Integer> lineNumbers = new ArrayList<>();
                    Map<String, Integer> nextLine = new HashMap<>();
                    for (OrderScenarios.Sku line : lines) {
                        lineSubOrders.add(subOrders.get(merchantIds.indexOf(line.merchantId())));
                        lineNumbers.add(nextLine.merge(line.merchantId(), 1, Integer::sum) - 1);
                    }
                    insert.setLong(1, ++n);
                    insert.setArray(2, db.createArrayOf("uuid", lines.stream().map(OrderScenarios.Sku::variantId).toArray()));
                    insert.setArray(3, db.createArrayOf("uuid", lines.stream().map(OrderScenarios.Sku::locationId).toArray()));
                    insert.setArray(4, db.createArrayOf("uuid", lines.stream().map(l -> variants.get(l.variantId())[0]).toArray()));
                    insert.setArray(5, db.createArrayOf("uuid", lines.stream().map(l -> variants.get(l.variantId())[2]).toArray()));
                    insert.setArray(6, db.createArrayOf("text", lines.stream().map(l -> variants.get(l.variantId())[1]).toArray()));
                    insert.setArray(7, db.createArrayOf("uuid", lineSubOrders.toArray()));
                    insert.setArray(8, db.createArrayOf("uuid", lines.stream().map(OrderScenarios.Sku::merchantId).toArray()));
                    insert.setArray(9, db.createArrayOf("int4", lineNumbers.toArray()));
                    insert.setArray(10, db.createArrayOf("uuid", merchantIds.toArray()));
                    insert.setArray(11, db.createArrayOf("uuid", subOrders.toArray()));
                    insert.setObject(12, UUID.randomUUID());
                    insert.setObject(13, UUID.randomUUID());
                    insert.setString(14, piiKeyId);
                    insert.setObject(15, cart.id());
                    insert.addBatch();
                    if (n % 5_000 == 0) {
                        insert.executeBatch();
                    }
                }
                insert.executeBatch();
            }
            try (Statement analyze = db.createStatement()) {
                analyze.execute("ANALYZE pgbench_checkout.plan");
            }
        }
    }

    private static void dropPlans(Context context) throws Exception {
        try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
             Statement ddl = db.createStatement()) {
            ddl.execute("DROP SCHEMA pgbench_checkout CASCADE");
        }
    }

    /**
     * Runs pgbench over {@code script} for {@code duration} with {@code clients} (and {@code options}); its report, or
     * an exception with its output when it failed.
     */
    private static String run(Path pgbench, String port, Path script, Duration duration, int clients,
                              String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(pgbench.toString(), "-h", "127.0.0.1", "-p", port, "-U",
                "postgres", "-n", "-M", "prepared", "-c", Integer.toString(clients),
                "-j", Integer.toString(Math.min(clients, 2)), "-T", Long.toString(duration.toSeconds())));
        command.addAll(List.of(options));
        command.addAll(List.of("-f", script.toString(), "postgres"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("pgbench did not end");
        }
        String text = new String(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IllegalStateException("pgbench failed (exit " + process.exitValue() + "): " + text);
        }
        return text;
    }

    /** pgbench -r's statements in the script's order, each "latency ms  first line". */
    private static List<String> statementLatencies(String report) {
        int start = report.indexOf("statement latencies in milliseconds");
        List<String> statements = new ArrayList<>();
        if (start >= 0) {
            Matcher matcher = STATEMENT_LATENCY.matcher(report.substring(start));
            while (matcher.find()) {
                String line = matcher.group(2).strip();
                statements.add(String.format(Locale.ROOT, "%7.3f  %s", Double.parseDouble(matcher.group(1)),
                        line.length() > 90 ? line.substring(0, 90) : line));
            }
        }
        return statements;
    }

    private static Optional<Double> number(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? Optional.of(Double.parseDouble(matcher.group(1))) : Optional.empty();
    }
}
