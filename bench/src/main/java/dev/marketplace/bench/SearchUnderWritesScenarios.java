package dev.marketplace.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Issue 20's search targets while the marketplace is being written to, and its no-cliff rule (decision 69). The
 * writes go through the API as their senders make them: a merchant's ERP setting a product's stock to nothing and
 * back (each a listing change: the product leaves and re-enters {@code inStock=true} searches), and shoppers checking
 * out carts of five lines from three merchants. Every stock change is then looked for in search, so the freshness
 * bound (a committed change visible within 1 s) is measured where storefronts see it.
 */
final class SearchUnderWritesScenarios {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_THROUGHPUT_CONNECTIONS = 32;
    private static final int OPEN_LOOP_CONNECTIONS = 128;
    /** ERP stock updates per second, each taking a product out of stock or putting it back. */
    private static final double STOCK_FLIPS_PER_SECOND = 5;
    private static final double CHECKOUTS_PER_SECOND = 5;
    private static final long RESTOCKED = 50;
    private static final Duration FRESHNESS_BOUND = Duration.ofSeconds(1);
    /** How long a change is looked for before it counts as never seen. */
    private static final Duration LOOK_FOR_CHANGE = Duration.ofSeconds(10);
    /** Merchants whose products the writers change: after those of the checkout, flash-sale and lease scenarios. */
    private static final int FLIPPED_MERCHANTS_FROM = 300;
    private static final int CHECKOUT_MERCHANTS_FROM = 200;
    /** The closed-loop maximum of the search mix while writes went on, in this run (no-cliff's sustainable rate). */
    private static volatile Double searchesPerSecondWithWrites;

    private SearchUnderWritesScenarios() {
    }

    /** A listed product whose every variant is stocked at one location: its ERP can take it out of stock entirely. */
    record Flippable(String productId, String merchantId, String currency, long price, List<OrderScenarios.Sku> skus) {
        /** The search that shows the product while it is in stock: its merchant's in-stock listings at its price. */
        String inStockSearch() {
            return "/v1/listings?limit=200&merchantId=" + merchantId + "&inStock=true&currency=" + currency
                    + "&minPrice=" + price + "&maxPrice=" + price + "&sort=price_asc";
        }
    }

    static List<Flippable> flippable(Scenario.Context context, int count) throws Exception {
        String sql = """
                SELECT s.product_id, s.merchant_id, s.currency, s.min_price_amount,
                       array_agg(v.id::text ORDER BY v.id), array_agg(l.location_id::text ORDER BY v.id)
                FROM listing_search s
                JOIN product_variant v ON v.product_id = s.product_id
                JOIN stock_level l ON l.variant_id = v.id
                WHERE s.published_at IS NOT NULL AND s.merchant_active
                  AND s.merchant_id IN (SELECT id FROM merchant WHERE status = 'active' ORDER BY id OFFSET %d LIMIT 50)
                GROUP BY s.product_id, s.merchant_id, s.currency, s.min_price_amount
                HAVING count(*) = count(DISTINCT v.id)
                ORDER BY s.product_id LIMIT %d""".formatted(FLIPPED_MERCHANTS_FROM, count);
        List<Flippable> products = new ArrayList<>();
        try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
             Statement statement = db.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                String merchant = rows.getString(2);
                String[] variants = (String[]) rows.getArray(5).getArray();
                String[] locations = (String[]) rows.getArray(6).getArray();
                List<OrderScenarios.Sku> skus = new ArrayList<>();
                for (int i = 0; i < variants.length; i++) {
                    skus.add(new OrderScenarios.Sku(merchant, variants[i], locations[i]));
                }
                products.add(new Flippable(rows.getString(1), merchant, rows.getString(3), rows.getLong(4), skus));
            }
        }
        if (products.size() < 10) {
            throw new IllegalStateException("too few products stocked at one location: is the demo data there?");
        }
        return products;
    }

    /**
     * The writers' set-up: products to flip (all put in stock), signed-in shoppers and carts written by SQL for the
     * checkouts (enough for {@code checkoutSeconds} at {@link #CHECKOUTS_PER_SECOND}).
     */
    record WriteLoad(Scenario.Context context, List<Flippable> products, String erpToken, String storefrontToken,
                     List<HttpRequest> checkouts) {

        static WriteLoad prepare(Scenario.Context context, String storefrontToken, double checkoutSeconds)
                throws Exception {
            List<Flippable> products = flippable(context, 200);
            OrderScenarios.setStock(context, products.stream().flatMap(product -> product.skus().stream()).toList(),
                    RESTOCKED);
            String erp = context.api().token(context.api().createClient(context.operatorToken(),
                    "bench ERP " + UUID.randomUUID(), "operator", null, List.of("inventory:write")));
            List<HttpRequest> checkouts = new ArrayList<>();
            if (checkoutSeconds > 0) {
                List<String> customers = OrderScenarios.customerTokens(context);
                List<List<OrderScenarios.Sku>> merchants = new ArrayList<>(
                        OrderScenarios.skus(context, CHECKOUT_MERCHANTS_FROM, 60, 20).values());
                OrderScenarios.setStock(context, merchants.stream().flatMap(List::stream).toList(), 1_000_000);
                for (OrderScenarios.PreparedCart cart : OrderScenarios.sqlCarts(context, customers, merchants,
                        (int) Math.ceil(CHECKOUTS_PER_SECOND * checkoutSeconds * 1.2))) {
                    checkouts.add(HttpRequest.newBuilder(context.base().resolve("/v1/orders"))
                            .header("Authorization", "Bearer " + customers.get(cart.customer()))
                            .header("Content-Type", "application/json")
                            .header("Idempotency-Key", UUID.randomUUID().toString())
                            .timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    OrderScenarios.checkoutBody(cart.id().toString()))).build());
                }
            }
            return new WriteLoad(context, products, erp, storefrontToken, checkouts);
        }

        Writes start(boolean withCheckouts) {
            return new Writes(this, withCheckouts);
        }
    }

    /**
     * The writers at work: stock flips at {@link #STOCK_FLIPS_PER_SECOND}, each looked for in search until it shows
     * (its lag counted from when the update was sent: the change committed after that), and checkouts at
     * {@link #CHECKOUTS_PER_SECOND}. Counts are read while they run; {@link #close} stops them.
     */
    static final class Writes implements AutoCloseable {
        private final WriteLoad load;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();
        final LongAdder stockUpdates = new LongAdder();
        final LongAdder checkouts = new LongAdder();
        final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
        final Histogram freshnessMicros = new ConcurrentHistogram(3);
        /** The same lag counted from the update's answer (its change had committed by then). */
        final Histogram freshnessFromAnswerMicros = new ConcurrentHistogram(3);
        /**
         * From the update's answer to the <em>sending</em> of the first search that showed the change: the lag above
         * less that search's own time (under overload it may wait at the door up to half a second, decision 110).
         */
        final Histogram freshnessToShowingSearchSentMicros = new ConcurrentHistogram(3);
        /**
         * Searches answered 200 without the change although sent more than the bound after the update's answer:
         * served more than 1 s behind a committed change, whatever the update's own time (the guarantee broken).
         */
        final LongAdder staleAnswers = new LongAdder();
        final LongAdder neverSeen = new LongAdder();
        final LongAdder seenAtFirstLook = new LongAdder();
        private final long startedNanos = System.nanoTime();
        private volatile long stoppedNanos;
        private final AtomicInteger nextCart = new AtomicInteger();

        private Writes(WriteLoad load, boolean withCheckouts) {
            this.load = load;
            threads.add(Thread.ofVirtual().name("bench-erp").start(this::flipStock));
            if (withCheckouts && !load.checkouts().isEmpty()) {
                threads.add(Thread.ofVirtual().name("bench-shoppers").start(this::checkOut));
            }
        }

        private void flipStock() {
            boolean[] out = new boolean[load.products().size()];
            long sequence = System.currentTimeMillis() * 1_000 + 500_000; // after the set-up's updates
            long interval = Math.round(1e9 / STOCK_FLIPS_PER_SECOND);
            for (long next = System.nanoTime(), i = 0; running.get(); next += interval, i++) {
                int p = (int) (i % out.length);
                Flippable product = load.products().get(p);
                out[p] = !out[p];
                var body = JSON.createObjectNode();
                var items = body.putArray("items");
                for (OrderScenarios.Sku sku : product.skus()) {
                    items.addObject().put("variantId", sku.variantId()).put("locationId", sku.locationId())
                            .put("setOnHand", out[p] ? 0 : RESTOCKED).put("sourceSequence", ++sequence);
                }
                long sentAt = System.nanoTime();
                HttpResponse<String> answer = load.context().api().exchange(HttpRequest.newBuilder(
                                load.context().base().resolve("/v1/stock/updates"))
                        .header("Authorization", "Bearer " + load.erpToken())
                        .header("Content-Type", "application/json")
                        .header("Idempotency-Key", UUID.randomUUID().toString())
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
                long answeredAt = System.nanoTime();
                if (answer.statusCode() != 200 || !allApplied(answer.body())) {
                    refused("stock update " + answer.statusCode() + " " + abbreviated(answer.body()));
                    out[p] = !out[p];
                } else {
                    stockUpdates.increment();
                    lookFor(product, !out[p], sentAt, answeredAt);
                }
                pace(next + interval);
            }
        }

        /** Searches until the product's presence in in-stock searches is {@code inStock}; records the lag. */
        private void lookFor(Flippable product, boolean inStock, long sentAt, long answeredAt) {
            HttpRequest search = HttpRequest.newBuilder(load.context().base().resolve(product.inStockSearch()))
                    .header("Authorization", "Bearer " + load.storefrontToken()).GET().build();
            for (int look = 0; System.nanoTime() - sentAt < LOOK_FOR_CHANGE.toNanos(); look++) {
                long lookedAt = System.nanoTime();
                HttpResponse<String> page = load.context().api().exchange(search);
                if (page.statusCode() == 200 && page.body().contains(product.productId()) == inStock) {
                    long seenAt = System.nanoTime();
                    freshnessMicros.recordValue(Math.max(1, (seenAt - sentAt) / 1_000));
                    freshnessFromAnswerMicros.recordValue(Math.max(1, (seenAt - answeredAt) / 1_000));
                    freshnessToShowingSearchSentMicros.recordValue(Math.max(1, (lookedAt - answeredAt) / 1_000));
                    if (look == 0) {
                        seenAtFirstLook.increment();
                    }
                    return;
                }
                if (page.statusCode() == 200 && lookedAt - answeredAt > FRESHNESS_BOUND.toNanos()) {
                    staleAnswers.increment();
                }
                LockSupport.parkNanos(Duration.ofMillis(20).toNanos()); // polling what another process shows
            }
            neverSeen.increment();
        }

        private void checkOut() {
            long interval = Math.round(1e9 / CHECKOUTS_PER_SECOND);
            for (long next = System.nanoTime(); running.get(); next += interval) {
                int cart = nextCart.getAndIncrement();
                if (cart >= load.checkouts().size()) {
                    refused("out of prepared carts");
                    return;
                }
                HttpResponse<String> answer = load.context().api().exchange(load.checkouts().get(cart));
                if (answer.statusCode() == 201) {
                    checkouts.increment();
                } else {
                    refused("checkout " + answer.statusCode() + " " + abbreviated(answer.body()));
                }
                pace(next + interval);
            }
        }

        private void pace(long until) {
            for (long wait = until - System.nanoTime(); wait > 0 && running.get(); wait = until - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
        }

        private void refused(String what) {
            refusals.computeIfAbsent(what, key -> new LongAdder()).increment();
        }

        private static boolean allApplied(String body) {
            try {
                for (JsonNode result : JSON.readTree(body).get("results")) {
                    if (!"applied".equals(result.get("outcome").asText())) {
                        return false;
                    }
                }
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        }

        private static String abbreviated(String body) {
            return body.length() <= 100 ? body : body.substring(0, 100);
        }

        /** Writes so far: stock updates and checkouts answered. */
        long writes() {
            return stockUpdates.sum() + checkouts.sum();
        }

        /** What the writers did and how fresh search stayed. */
        Map<String, Object> figures() {
            double seconds = ((stoppedNanos == 0 ? System.nanoTime() : stoppedNanos) - startedNanos) / 1e9;
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("seconds", Report.round(seconds));
            figures.put("stockUpdatesPerSecond", Report.round(stockUpdates.sum() / seconds));
            figures.put("checkoutsPerSecond", Report.round(checkouts.sum() / seconds));
            Map<String, Long> refused = new TreeMap<>();
            refusals.forEach((what, count) -> refused.put(what, count.sum()));
            figures.put("refusedWrites", refused);
            figures.put("stockChangesLookedFor", freshnessMicros.getTotalCount() + neverSeen.sum());
            figures.put("freshnessLagMs", Report.Latency.of(freshnessMicros));
            figures.put("freshnessLagFromAnswerMs", Report.Latency.of(freshnessFromAnswerMicros));
            figures.put("fromAnswerToSendingTheSearchThatShowedItMs",
                    Report.Latency.of(freshnessToShowingSearchSentMicros));
            figures.put("staleAnswersMoreThan1sAfterTheAnswer", staleAnswers.sum());
            figures.put("seenAtFirstSearchAfterTheAnswer", seenAtFirstLook.sum());
            figures.put("neverSeenWithin10s", neverSeen.sum());
            return figures;
        }

        /**
         * No search answered without a committed change more than the bound after it (the guarantee), and every change
         * looked for was seen. The change committed between the update's sending and its answer, so a search sent
         * more than 1 s after the answer must show it: one answered 200 without it is the guarantee broken. The lags
         * are shown, not judged: from the update's answer to the answer of the first search that showed it includes
         * that search's own time (under overload up to half a second queued at the door, and the looks shed
         * meanwhile), which is no staleness (decision 110); from the update's answer to that search's sending does not;
         * from the update's sending includes the update's own time (decision 83).
         */
        Report.Check freshnessCheck() {
            long bound = FRESHNESS_BOUND.toNanos() / 1_000;
            long lateFromSending = freshnessMicros.getTotalCount() - freshnessMicros.getCountBetweenValues(0, bound);
            long lateFromAnswer = freshnessFromAnswerMicros.getTotalCount()
                    - freshnessFromAnswerMicros.getCountBetweenValues(0, bound);
            long lateToShowingSearchSent = freshnessToShowingSearchSentMicros.getTotalCount()
                    - freshnessToShowingSearchSentMicros.getCountBetweenValues(0, bound);
            long looked = freshnessMicros.getTotalCount() + neverSeen.sum();
            return new Report.Check("a committed change visible in search within 1 s: no search sent more than 1 s "
                    + "after the update's answer answered without it, none never seen", String.format(Locale.ROOT,
                    "%d stock changes looked for: %d searches answered without the change more than 1 s after the "
                            + "answer, %d never seen; from the update's answer to the sending of the first search "
                            + "that showed it max %.0f ms (%d later than 1 s), to its answer max %.0f ms (%d later "
                            + "than 1 s); from the update's sending max %.0f ms (%d later than 1 s)", looked,
                    staleAnswers.sum(), neverSeen.sum(), freshnessToShowingSearchSentMicros.getMaxValue() / 1e3,
                    lateToShowingSearchSent, freshnessFromAnswerMicros.getMaxValue() / 1e3, lateFromAnswer,
                    freshnessMicros.getMaxValue() / 1e3, lateFromSending),
                    looked > 0 && staleAnswers.sum() == 0 && neverSeen.sum() == 0);
        }

        @Override
        public void close() {
            running.set(false);
            LoadGenerator.joinAll(threads);
            stoppedNanos = System.nanoTime();
        }
    }

    /**
     * How the listing copies' freshness counters (decision 83: heartbeats and their time by part, time not proven
     * current, reads answered by PostgreSQL or shed meanwhile) grew between two readings of the metrics.
     */
    static Map<String, Double> freshnessCounters(List<String> before, List<String> after) {
        return grownCounters(before, after, "catalog_listings_freshness_", "catalog_listings_unproven_");
    }

    /** How the counters named with one of {@code prefixes} grew between two readings of the metrics. */
    private static Map<String, Double> grownCounters(List<String> before, List<String> after, String... prefixes) {
        Map<String, Double> earlier = counters(before);
        Map<String, Double> grown = new TreeMap<>();
        counters(after).forEach((name, value) -> {
            if (List.of(prefixes).stream().anyMatch(name::startsWith)) {
                grown.put(name, Report.round(value - earlier.getOrDefault(name, 0.0)));
            }
        });
        return grown;
    }

    /** Samples by name and labels, without Helidon's {@code scope} label: {@code name{a="x",b="y"}}. */
    private static Map<String, Double> counters(List<String> metrics) {
        Map<String, Double> values = new TreeMap<>();
        for (String line : metrics) {
            int space = line.lastIndexOf(' ');
            if (space > 0 && !line.startsWith("#")) {
                String name = line.substring(0, space).replace("scope=\"application\",", "").replace(",}", "}")
                        .replace("{}", "");
                try {
                    values.put(name, Double.parseDouble(line.substring(space + 1)));
                } catch (NumberFormatException e) {
                    // not a sample line
                }
            }
        }
        return values;
    }

    /** Server CPU (its JVM and PostgreSQL) per request, in milliseconds, over every request of a phase. */
    private static double cpuMsPer(double serverCpuSeconds, Report.Load load) {
        long requests = load.ok() + load.httpErrors() + load.answeredInWarmUp();
        return requests == 0 ? Double.NaN : Report.round(serverCpuSeconds * 1_000 / requests);
    }

    /**
     * The search mix of {@code search-mix} as fast as 32 connections go and at 1,000 req/s, first without writes and
     * then while the ERP and shoppers write; the server's CPU per search both ways, the writes' own CPU measured alone.
     */
    static final class SearchMixWithWrites implements Scenario {
        @Override
        public String name() {
            return "search-mix-with-writes";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            String token = StorefrontScenarios.storefrontToken(context);
            byte[][] requests = RealisticStorefrontScenarios.SearchMix.requests(context, token);
            LoadGenerator.Requests anySearch = random -> requests[random.nextInt(requests.length)];
            Duration warmUp = context.timing().warmUp();
            Duration measured = context.timing().measured();
            long writeSeconds = warmUp.toSeconds() * 3 + measured.toSeconds() * 2 + 30;
            WriteLoad writeLoad = WriteLoad.prepare(context, token, writeSeconds);
            long waitedForIndex = RealisticStorefrontScenarios.SearchMix.awaitSearchIndex(context, Duration.ofMinutes(10));
            List<String> indexBefore = RealisticStorefrontScenarios.catalogMetrics(context);

            // Without writes: the first pass over the mix, then its maximum and the server's CPU per search.
            new LoadGenerator(context.base(), MAX_THROUGHPUT_CONNECTIONS).asFastAsPossible(warmUp, measured, anySearch);
            Machine.CpuMeter quietCpu = new Machine.CpuMeter(context);
            Report.Load quiet = new LoadGenerator(context.base(), MAX_THROUGHPUT_CONNECTIONS)
                    .asFastAsPossible(warmUp, measured, anySearch);
            double quietCpuMs = cpuMsPer(quietCpu.serverSeconds(), quiet);
            Report.CpuShares quietShares = quietCpu.stop();

            Map<String, Object> figures = new LinkedHashMap<>();
            Report.Load max;
            Report.Load atRate;
            Report.CpuShares maxShares;
            double writesAloneCpuPerSecond;
            double withWritesCpuMs;
            double withWritesNetCpuMs;
            Writes writes = writeLoad.start(true);
            try {
                // The writes alone: what they cost the server per second, to tell it from the searches' cost.
                Machine.CpuMeter writesCpu = new Machine.CpuMeter(context);
                long from = System.nanoTime();
                LockSupport.parkNanos(warmUp.toNanos()); // the writers write meanwhile; nothing to await
                writesAloneCpuPerSecond = writesCpu.serverSeconds() / ((System.nanoTime() - from) / 1e9);
                Machine.CpuMeter maxCpu = new Machine.CpuMeter(context);
                from = System.nanoTime();
                max = new LoadGenerator(context.base(), MAX_THROUGHPUT_CONNECTIONS)
                        .asFastAsPossible(warmUp, measured, anySearch);
                double seconds = (System.nanoTime() - from) / 1e9;
                double serverSeconds = maxCpu.serverSeconds();
                maxShares = maxCpu.stop();
                withWritesCpuMs = cpuMsPer(serverSeconds, max);
                withWritesNetCpuMs = cpuMsPer(Math.max(0, serverSeconds - writesAloneCpuPerSecond * seconds), max);
                searchesPerSecondWithWrites = max.errors() == 0 ? max.throughput() : null;
                atRate = new LoadGenerator(context.base(), OPEN_LOOP_CONNECTIONS)
                        .atRate(1_000, warmUp, measured, anySearch);
            } finally {
                writes.close();
            }
            figures.put("distinctRequests", requests.length);
            figures.put("withoutWritesMaxClosedLoop", quiet);
            figures.put("withoutWritesMaxClosedLoopCpu", quietShares);
            figures.put("maxClosedLoop", max);
            figures.put("maxClosedLoopCpu", maxShares);
            figures.put("openLoop1000", atRate);
            figures.put("serverCpuMsPerSearch", Map.of("withoutWrites", quietCpuMs,
                    "withWritesAll", withWritesCpuMs,
                    "withWritesLessTheWritesOwn", withWritesNetCpuMs,
                    "writesAloneServerCpuSecondsPerSecond", Report.round(writesAloneCpuPerSecond)));
            Map<String, Object> written = writes.figures();
            figures.put("writes", written);
            figures.put("waitedForSearchIndexMillis", waitedForIndex);
            List<String> indexAfter = RealisticStorefrontScenarios.catalogMetrics(context);
            figures.put("listingFreshness", freshnessCounters(indexBefore, indexAfter));
            figures.put("searchIndexMetricsBefore", indexBefore);
            figures.put("searchIndexMetricsAfter", indexAfter);
            figures.put("serverRssMiB", Report.round(Machine.residentMiB(context.serverPid(), false)));
            figures.put("loadAverage", Machine.loadAverage());
            double writesPerSecond = Report.round(writes.writes() / (Double) written.get("seconds"));
            return new Report.Scenario(name(), "measured", "search mix while an ERP flips stock ("
                    + STOCK_FLIPS_PER_SECOND + "/s, each a listing change) and shoppers check out ("
                    + CHECKOUTS_PER_SECOND + "/s), through the API", figures, List.of(
                    new Report.Check("≥ 1,500 req/s max while writes go on", String.format(Locale.ROOT,
                            "%.0f req/s (%d errors) with %.1f writes/s; %.0f req/s without writes", max.throughput(),
                            max.errors(), writesPerSecond, quiet.throughput()),
                            max.throughput() >= 1_500 && max.errors() == 0),
                    new Report.Check("p99 < 50 ms at 1,000 req/s while writes go on", atRate.describeP99(),
                            atRate.p99Below(50)),
                    new Report.Check("writes several times a second", String.format(Locale.ROOT,
                            "%.1f writes/s (stock updates and checkouts), refused: %s", writesPerSecond,
                            written.get("refusedWrites")), writesPerSecond >= 5),
                    writes.freshnessCheck()));
        }
    }

    /**
     * Twice the sustainable load of the expensive operations — search pages and checkouts, each at twice its own
     * closed-loop maximum — while cached reads (product by id over 3,000 ids, read once before) go on at 1,000 req/s
     * and the ERP's stock changes are looked for in search: what cannot be served must be refused at once with 503 and
     * Retry-After (bounded concurrency per expensive operation), the cached reads must keep flowing, the served
     * searches must not collapse, and the freshness bound must hold.
     */
    static final class NoCliff implements Scenario {
        private static final int CHECKOUT_CONNECTIONS = 32;
        /**
         * The open loops' most connections at once (each about 90 KB of the bench's 512 MB heap: 2,048 for each loop
         * ran it out of memory, decision 110). Searches at twice the sustainable rate (about 3,900/s quiet) answered
         * within a quarter second need about 1,000; beyond its most a loop's sendings are late, and the first check
         * says so.
         */
        private static final int MOST_SEARCH_CONNECTIONS = 1_024;
        private static final int MOST_OTHER_CONNECTIONS = 256;
        private static final double CACHED_READS_PER_SECOND = 1_000;

        @Override
        public String name() {
            return "no-cliff";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            String token = StorefrontScenarios.storefrontToken(context);
            byte[][] searches = RealisticStorefrontScenarios.SearchMix.requests(context, token);
            LoadGenerator.Requests anySearch = random -> searches[random.nextInt(searches.length)];
            Duration warmUp = context.timing().warmUp();
            Duration measured = context.timing().measured();
            WriteLoad writeLoad = WriteLoad.prepare(context, token, 0);
            RealisticStorefrontScenarios.SearchMix.awaitSearchIndex(context, Duration.ofMinutes(10));
            byte[][] cachedReads = hotListings(context, token);
            LoadGenerator.Requests anyCachedRead = random -> cachedReads[random.nextInt(cachedReads.length)];
            new LoadGenerator(context.base(), MAX_THROUGHPUT_CONNECTIONS).asFastAsPossible(Duration.ZERO, warmUp,
                    anyCachedRead); // read once, as a running storefront's would have been

            // Sustainable: each operation's closed-loop maximum (the search mix's from search-mix-with-writes when
            // it ran in this run, measured with writes going on).
            double searchRate = searchesPerSecondWithWrites != null ? searchesPerSecondWithWrites
                    : new LoadGenerator(context.base(), MAX_THROUGHPUT_CONNECTIONS)
                            .asFastAsPossible(warmUp, measured, anySearch).throughput();
            List<String> customers = OrderScenarios.customerTokens(context);
            List<List<OrderScenarios.Sku>> merchants = new ArrayList<>(
                    OrderScenarios.skus(context, CHECKOUT_MERCHANTS_FROM, 60, 20).values());
            OrderScenarios.setStock(context, merchants.stream().flatMap(List::stream).toList(), 1_000_000);
            Checkouts sustainable = new Checkouts(context, customers, merchants, 1_000 * (int) (warmUp.toSeconds()
                    + measured.toSeconds()));
            Report.Load checkoutMax = new LoadGenerator(context.base(), CHECKOUT_CONNECTIONS)
                    .asFastAsPossible(warmUp, measured, sustainable);
            List<String> checkoutLimitAfterClosedLoop =
                    RealisticStorefrontScenarios.metrics(context, "orders_checkout");
            double checkoutRate = Math.max(1, checkoutMax.throughput());
            Checkouts overloadCheckouts = new Checkouts(context, customers, merchants,
                    (int) Math.ceil(2 * checkoutRate * (warmUp.toSeconds() + measured.toSeconds()) * 1.1));

            List<String> indexBefore = RealisticStorefrontScenarios.catalogMetrics(context);
            List<String> admissionBefore = RealisticStorefrontScenarios.metrics(context, "http_admission_");
            // Open loops that keep their schedules whatever the server does (decision 110): each request is sent when
            // due, on a new connection when none is free, so what is measured is the server's answers, not the
            // generator's backlog.
            OnTimeLoad.Result[] loads = new OnTimeLoad.Result[3];
            Machine.CpuMeter overloadCpu = new Machine.CpuMeter(context);
            Writes writes = writeLoad.start(false);
            try {
                List<Thread> phases = List.of(
                        Thread.ofVirtual().start(() -> loads[0] = new OnTimeLoad(context.base(), MOST_SEARCH_CONNECTIONS)
                                .atRate(2 * searchRate, warmUp, measured, anySearch)),
                        Thread.ofVirtual().start(() -> loads[1] = new OnTimeLoad(context.base(), MOST_OTHER_CONNECTIONS)
                                .atRate(2 * checkoutRate, warmUp, measured, overloadCheckouts)),
                        Thread.ofVirtual().start(() -> loads[2] = new OnTimeLoad(context.base(), MOST_OTHER_CONNECTIONS)
                                .atRate(CACHED_READS_PER_SECOND, warmUp, measured, anyCachedRead)));
                LoadGenerator.joinAll(phases);
            } finally {
                writes.close();
            }
            Report.CpuShares overloadShares = overloadCpu.stop();
            OnTimeLoad.Result search = loads[0];
            OnTimeLoad.Result checkout = loads[1];
            OnTimeLoad.Result cached = loads[2];

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("sustainableSearchesPerSecond", Report.round(searchRate));
            figures.put("sustainableSearchesFrom", searchesPerSecondWithWrites != null
                    ? "search-mix-with-writes (closed loop, writes going on)" : "closed loop in this scenario");
            figures.put("checkoutClosedLoop", checkoutMax);
            figures.put("checkoutLimitAfterClosedLoop", checkoutLimitAfterClosedLoop);
            figures.put("checkoutLimitAfterOverload", RealisticStorefrontScenarios.metrics(context, "orders_checkout"));
            figures.put("searchesAtTwiceSustainable", search);
            figures.put("checkoutsAtTwiceSustainable", checkout);
            figures.put("cachedReadsAt1000", cached);
            figures.put("overloadCpu", overloadShares);
            figures.put("writes", writes.figures());
            List<String> indexAfter = RealisticStorefrontScenarios.catalogMetrics(context);
            Map<String, Double> freshness = freshnessCounters(indexBefore, indexAfter);
            figures.put("listingFreshnessDuringOverload", freshness);
            // The door (decision 92): what it shed by class and how often a request gave its slot back to wait for
            // an operation's permit, over the overload, and per class how many it let in, how long they waited
            // first, how long a waiter let in took to run (its turn for a carrier, decision 119) and how long they
            // held their slot (decision 102: where a search's time goes); its gauges as they were at the end.
            List<String> admissionAfter = RealisticStorefrontScenarios.metrics(context, "http_admission_");
            figures.put("admissionDuringOverload", grownCounters(admissionBefore, admissionAfter,
                    "http_admission_shed_total", "http_admission_stepped_aside_total",
                    "http_admission_waited_seconds_count", "http_admission_waited_seconds_sum",
                    "http_admission_woken_seconds_count", "http_admission_woken_seconds_sum",
                    "http_admission_held_seconds_count", "http_admission_held_seconds_sum"));
            figures.put("admissionAfterOverload", admissionAfter);
            figures.put("searchIndexMetricsBefore", indexBefore);
            figures.put("searchIndexMetricsAfter", indexAfter);
            figures.put("serverRssMiB", Report.round(Machine.residentMiB(context.serverPid(), false)));
            figures.put("loadAverage", Machine.loadAverage());
            long late = search.sentLate() + checkout.sentLate() + cached.sentLate();
            long sendings = search.due() + checkout.due() + cached.due();
            return new Report.Scenario(name(), "measured", String.format(Locale.ROOT,
                    "searches at %.0f/s and checkouts at %.0f/s (twice their closed-loop maxima) with cached reads at "
                            + "%.0f/s and the ERP's stock changes, each sent on time on as many connections as it "
                            + "takes; requests counted by the window they were due in", 2 * searchRate,
                    2 * checkoutRate, CACHED_READS_PER_SECOND), figures, List.of(
                    new Report.Check("the load was offered as scheduled: under 1 % of the sendings due in the "
                            + "measured window left more than 10 ms late (otherwise the figures below are partly "
                            + "the generator's)", String.format(Locale.ROOT, "%d of %d late (searches max %.0f ms, "
                                    + "checkouts %.0f ms, cached reads %.0f ms)", late, sendings,
                            search.maxSendDelayMs(), checkout.maxSendDelayMs(), cached.maxSendDelayMs()),
                            late < 0.01 * sendings),
                    new Report.Check("what is not served is refused: every search and checkout due was answered, "
                            + "served or 503 with Retry-After (no other error); the 503s' p99 shows how fast",
                            String.format(Locale.ROOT, "searches: %s; checkouts: %s", search.describe(),
                                    checkout.describe()),
                            search.onlyShedding() && checkout.onlyShedding()),
                    new Report.Check("cached reads keep flowing: every one due served, p99 < 50 ms at 1,000 req/s",
                            String.format(Locale.ROOT, "%s; the cache not proven current for %.0f ms (%.0f times), "
                                            + "listing reads meanwhile %.0f from PostgreSQL, %.0f shed",
                                    cached.describe(),
                                    freshness.getOrDefault(
                                            "catalog_listings_freshness_unproven_millis_total{copy=\"cache\"}",
                                            Double.NaN),
                                    freshness.getOrDefault(
                                            "catalog_listings_freshness_unproven_spells_total{copy=\"cache\"}",
                                            Double.NaN),
                                    freshness.getOrDefault("catalog_listings_unproven_reads_total{result=\"database\"}",
                                            Double.NaN),
                                    freshness.getOrDefault("catalog_listings_unproven_reads_total{result=\"shed\"}",
                                            Double.NaN)),
                            cached.allServedWithP99Below(50)),
                    new Report.Check("no collapse: the searches due in the measured window are served at ≥ 80 % of "
                            + "the sustainable rate, and the served ones answered with p99 < 1 s from when they were "
                            + "due", String.format(Locale.ROOT, "%.0f of %.0f searches/s served (%.0f %%), served "
                                    + "p99 %s, %.0f %% finally refused",
                            search.servedPerSecond(), searchRate, 100 * search.servedPerSecond() / searchRate,
                            search.servedLatencyMs() == null ? "n/a"
                                    : String.format(Locale.ROOT, "%.1f ms", search.servedLatencyMs().p99()),
                            100 * search.shedShare()),
                            search.servedPerSecond() >= 0.8 * searchRate && search.servedLatencyMs() != null
                                    && search.servedLatencyMs().p99() < 1_000),
                    writes.freshnessCheck()));
        }

        /** The first 3,000 listed products by id, as {@code GET /v1/listings/{id}}. */
        private static byte[][] hotListings(Context context, String token) throws Exception {
            List<byte[]> requests = new ArrayList<>();
            try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 Statement statement = db.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT product_id FROM listing_search "
                         + "WHERE published_at IS NOT NULL AND merchant_active ORDER BY product_id LIMIT 3000")) {
                while (rows.next()) {
                    requests.add(HttpConnection.get(context.base(), "/v1/listings/" + rows.getString(1), token));
                }
            }
            return requests.toArray(byte[][]::new);
        }
    }

    /** Checkouts of carts written by SQL beforehand, each sent once; running out is an error, never a replay. */
    private static final class Checkouts implements LoadGenerator.Requests {
        private final byte[][] requests;
        private final AtomicInteger next = new AtomicInteger();

        Checkouts(Scenario.Context context, List<String> customers, List<List<OrderScenarios.Sku>> merchants,
                  int count) throws Exception {
            this.requests = OrderScenarios.sqlCarts(context, customers, merchants, count).stream()
                    .map(cart -> HttpConnection.post(context.base(), "/v1/orders", customers.get(cart.customer()),
                            OrderScenarios.checkoutBody(cart.id().toString()))).toArray(byte[][]::new);
        }

        @Override
        public byte[] next(java.util.concurrent.ThreadLocalRandom random) {
            int taken = next.getAndIncrement();
            if (taken >= requests.length) {
                throw new IllegalStateException("out of prepared carts (" + requests.length + ")");
            }
            return requests[taken];
        }
    }
}
