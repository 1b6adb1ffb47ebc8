package dev.marketplace.bench;

import dev.marketplace.bench.OrderScenarios.Sku;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Partner leases (issue 17, decision 38): a partner holds one unit of a shared SKU and commits it into a partner
 * order. Four partners share the demo merchants' products (opt-ins, shares and limits written by SQL at set-up); each
 * lease of a partner queues on its holding row, so more partners spread that lock as separate platforms would.
 */
final class PartnerLeaseScenarios {

    private static final int PARTNERS = 4;
    private static final int CONNECTIONS = 32;
    private static final int OPEN_LOOP_RATE = 300;
    private static final String ADDRESS = "{\"shippingAddress\":{\"name\":\"Sato Yui\",\"country\":\"JP\","
            + "\"postalCode\":\"150-0001\",\"region\":\"Tokyo\",\"locality\":\"Shibuya-ku\",\"line1\":\"1-2-3 Jingumae\","
            + "\"phone\":\"+81 3-1234-5678\"}}";

    private PartnerLeaseScenarios() {
    }

    static final class LeaseCreateCommit implements Scenario {
        @Override
        public String name() {
            return "partner-lease";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            List<Sku> skus = OrderScenarios.skus(context, 120, 60, 20).values().stream().flatMap(List::stream).toList();
            OrderScenarios.setStock(context, skus, 1_000_000);
            List<String> partners = partners(context, skus);
            Api api = context.api();

            // Closed loop: create and commit as fast as 32 connections go, each lease committed at once.
            Map<String, Histogram> steps = new LinkedHashMap<>();
            steps.put("create", new ConcurrentHistogram(3));
            steps.put("commit", new ConcurrentHistogram(3));
            LongAdder pairs = new LongAdder();
            Map<String, LongAdder> failures = new ConcurrentHashMap<>();
            long start = System.nanoTime();
            long measuredFrom = start + context.timing().warmUp().toNanos();
            long end = measuredFrom + context.timing().measured().toNanos();
            long ordersBefore = Machine.CpuMeter.rows(context, "customer_order");
            Machine.CpuMeter closedCpu = new Machine.CpuMeter(context);
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                String partner = partners.get(c % partners.size());
                threads.add(Thread.ofVirtual().start(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (System.nanoTime() < end) {
                        boolean measured = System.nanoTime() >= measuredFrom;
                        try {
                            long t0 = System.nanoTime();
                            String lease = api.post(partner, "/v1/partner-inventory/leases",
                                    leaseBody(skus.get(random.nextInt(skus.size()))), 201).get("id").asText();
                            long t1 = System.nanoTime();
                            api.post(partner, "/v1/partner-inventory/leases/" + lease + "/commit", ADDRESS, 200);
                            long t2 = System.nanoTime();
                            if (measured && t2 <= end) {
                                pairs.increment();
                                steps.get("create").recordValue(Math.max(1, (t1 - t0) / 1_000));
                                steps.get("commit").recordValue(Math.max(1, (t2 - t1) / 1_000));
                            }
                        } catch (RuntimeException e) {
                            if (measured) {
                                countFailure(failures, e);
                            }
                        }
                    }
                }));
            }
            LoadGenerator.joinAll(threads);
            // A lease created and committed: its partner order.
            Map<String, Object> perPair = closedCpu.perRequest(
                    Machine.CpuMeter.rows(context, "customer_order") - ordersBefore);
            Report.CpuShares closedShares = closedCpu.stop();
            double seconds = context.timing().measured().toNanos() / 1e9;
            double requestsPerSecond = pairs.sum() * 2 / seconds;
            Map<String, Report.Latency> latencies = new LinkedHashMap<>();
            steps.forEach((step, histogram) -> latencies.put(step, Report.Latency.of(histogram)));

            // Open loop, 300/s: lease creations alone (prepared requests), then commits alone of leases taken
            // beforehand through the API.
            AtomicInteger nextCreate = new AtomicInteger();
            int creations = (int) Math.ceil(OPEN_LOOP_RATE * (context.timing().warmUp().toSeconds()
                    + context.timing().measured().toSeconds()) * 1.05);
            byte[][] creates = new byte[creations][];
            for (int i = 0; i < creations; i++) {
                creates[i] = HttpConnection.post(context.base(), "/v1/partner-inventory/leases",
                        partners.get(i % partners.size()), leaseBody(skus.get(i % skus.size())));
            }
            long leasesBefore = Machine.CpuMeter.rows(context, "partner_lease");
            Machine.CpuMeter createCpu = new Machine.CpuMeter(context);
            Report.Load createAtRate = new LoadGenerator(context.base(), CONNECTIONS).atRate(OPEN_LOOP_RATE,
                    context.timing().warmUp(), context.timing().measured(),
                    random -> creates[nextCreate.getAndIncrement() % creates.length]);
            Map<String, Object> perCreate = createCpu.perRequest(
                    Machine.CpuMeter.rows(context, "partner_lease") - leasesBefore);
            Report.CpuShares createShares = createCpu.stop();

            // A lease that could not be taken is counted, not fatal to its thread: a thread that died here left the
            // commit phase with fewer leases than it sends, and its figures said nothing of why.
            List<byte[]> commits = Collections.synchronizedList(new ArrayList<>());
            List<Thread> preparing = new ArrayList<>();
            AtomicInteger attempts = new AtomicInteger();
            Map<String, LongAdder> preparationFailures = new ConcurrentHashMap<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                int connection = c;
                preparing.add(Thread.ofVirtual().start(() -> {
                    String partner = partners.get(connection % partners.size());
                    while (attempts.getAndIncrement() < creations * 2 && commits.size() < creations) {
                        try {
                            String lease = api.post(partner, "/v1/partner-inventory/leases",
                                    leaseBody(skus.get(ThreadLocalRandom.current().nextInt(skus.size()))), 201)
                                    .get("id").asText();
                            commits.add(HttpConnection.post(context.base(),
                                    "/v1/partner-inventory/leases/" + lease + "/commit", partner, ADDRESS));
                        } catch (RuntimeException e) {
                            countFailure(preparationFailures, e);
                        }
                    }
                }));
            }
            LoadGenerator.joinAll(preparing);
            if (commits.size() < creations) {
                throw new IllegalStateException("only " + commits.size() + " of " + creations
                        + " leases to commit could be taken: " + new TreeMap<>(preparationFailures));
            }
            AtomicInteger nextCommit = new AtomicInteger();
            long ordersBeforeCommits = Machine.CpuMeter.rows(context, "customer_order");
            Machine.CpuMeter commitCpu = new Machine.CpuMeter(context);
            Report.Load commitAtRate = new LoadGenerator(context.base(), CONNECTIONS).atRate(OPEN_LOOP_RATE,
                    context.timing().warmUp(), context.timing().measured(),
                    random -> commits.get(nextCommit.getAndIncrement() % commits.size()));
            Map<String, Object> perCommit = commitCpu.perRequest(
                    Machine.CpuMeter.rows(context, "customer_order") - ordersBeforeCommits);
            Report.CpuShares commitShares = commitCpu.stop();

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("partners", partners.size());
            figures.put("skus", skus.size());
            figures.put("closedLoop", Map.of("connections", CONNECTIONS, "leasesCommittedPerSecond",
                    Report.round(pairs.sum() / seconds), "requestsPerSecond", Report.round(requestsPerSecond),
                    "failures", new TreeMap<>(failures), "latencyMsByStep", latencies));
            figures.put("closedLoopCpu", closedShares);
            figures.put("closedLoopCpuPerLeaseCreatedAndCommitted", perPair);
            figures.put("createOpenLoop300", createAtRate);
            figures.put("createOpenLoop300Cpu", createShares);
            figures.put("createOpenLoop300CpuPerRequest", perCreate);
            figures.put("commitPreparationFailures", new TreeMap<>(preparationFailures));
            figures.put("commitOpenLoop300", commitAtRate);
            figures.put("commitOpenLoop300Cpu", commitShares);
            figures.put("commitOpenLoop300CpuPerRequest", perCommit);
            long failed = failures.values().stream().mapToLong(LongAdder::sum).sum();
            return new Report.Scenario(name(), "measured",
                    "closed loop: a lease of one unit then its commit, 32 connections over 4 partners; open loop: "
                    + "creations alone, then commits alone, each at 300/s", figures, List.of(
                    new Report.Check("≥ 500 lease requests/s (closed loop, create + commit)", String.format(Locale.ROOT,
                            "%.0f requests/s (%.0f leases created and committed/s), create p99 %.1f ms, commit p99 "
                            + "%.1f ms, %d failures", requestsPerSecond, pairs.sum() / seconds,
                            latencies.get("create").p99(), latencies.get("commit").p99(), failed),
                            requestsPerSecond >= 500 && failed == 0),
                    new Report.Check("p99 < 50 ms at 300 lease creations/s (open loop)", createAtRate.describeP99(),
                            createAtRate.p99Below(50)),
                    new Report.Check("p99 < 50 ms at 300 lease commits/s (open loop)", commitAtRate.describeP99(),
                            commitAtRate.p99Below(50))));
        }
    }

    /** Failures by the start of their message (the status and the problem's type), each lease's own id cut off. */
    private static void countFailure(Map<String, LongAdder> failures, RuntimeException e) {
        String message = String.valueOf(e.getMessage()).replaceAll("leases/[0-9a-f-]{36}/", "leases/{id}/");
        failures.computeIfAbsent(message.substring(0, Math.min(160, message.length())), key -> new LongAdder())
                .increment();
    }

    private static String leaseBody(Sku sku) {
        return "{\"holdSeconds\":1800,\"lines\":[{\"variantId\":\"" + sku.variantId() + "\",\"quantity\":1}]}";
    }

    /**
     * Registered partners whose clients hold the lease scopes, each with every merchant of the SKUs opted in and shared (by
     * SQL, as an operator and the merchants would through the API) and limits no run reaches; their tokens.
     */
    private static List<String> partners(Scenario.Context context, List<Sku> skus) throws Exception {
        List<String> tokens = new ArrayList<>();
        List<String> merchants = skus.stream().map(Sku::merchantId).distinct().toList();
        try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "")) {
            for (int p = 0; p < PARTNERS; p++) {
                UUID partner = UUID.randomUUID();
                // Leases are taken by registered partners only.
                context.api().post(context.operatorToken(), "/v1/partners", """
                        {"partnerId": "%s", "name": "bench lease partner", "apiBaseUrl": "https://partner.invalid/api",
                         "authType": "api_key", "secret": "bench-api-key",
                         "webhookSecret": "whsec_YmVuY2gtcGFydG5lci13ZWJob29rLXNlY3JldA=="}""".formatted(partner), 201);
                try (PreparedStatement optIn = db.prepareStatement(
                        "INSERT INTO partner_merchant_opt_in (merchant_id, partner_id) VALUES (?::uuid, ?)");
                     PreparedStatement share = db.prepareStatement("INSERT INTO partner_assortment_share "
                             + "(id, partner_id, merchant_id, price_adjustment_bp) VALUES (?, ?, ?::uuid, -500)")) {
                    for (String merchant : merchants) {
                        optIn.setString(1, merchant);
                        optIn.setObject(2, partner);
                        optIn.addBatch();
                        share.setObject(1, UUID.randomUUID());
                        share.setObject(2, partner);
                        share.setString(3, merchant);
                        share.addBatch();
                    }
                    optIn.executeBatch();
                    share.executeBatch();
                }
                try (PreparedStatement limits = db.prepareStatement("INSERT INTO partner_lease_limit "
                        + "(partner_id, max_units_held, max_open_leases) VALUES (?, 1000000000, 1000000)")) {
                    limits.setObject(1, partner);
                    limits.executeUpdate();
                }
                tokens.add(context.api().token(context.api().createClient(context.operatorToken(),
                        "bench partner " + partner, "partner", partner,
                        List.of("partner_inventory:read", "leases:write"))));
            }
        }
        return tokens;
    }
}
