package dev.marketplace.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The storefront as real traffic looks (issue 20, decision 47): product views uniform over the whole catalog, search
 * pages drawn from the catalog's own vocabulary with a Zipf-like popularity while listings change several times a
 * second, and the stack's ceiling (a bare Helidon handler) measured in the same run, so that figures can be read as
 * ratios on a shared machine.
 */
final class RealisticStorefrontScenarios {

    private static final int MAX_THROUGHPUT_CONNECTIONS = 32;
    private static final int OPEN_LOOP_CONNECTIONS = 128;
    /** The bare handler's closed-loop maximum in this run (0 until measured). */
    private static volatile double ceiling;

    private RealisticStorefrontScenarios() {
    }

    private static Object ratioToCeiling(Report.Load load) {
        return ceiling > 0 ? Report.round(load.throughput() / ceiling) : "ceiling not measured in this run";
    }

    /** The server's catalog_* metrics lines (search index, listing cache, engines, shedding); empty if unreadable. */
    static List<String> catalogMetrics(Scenario.Context context) {
        return metrics(context, "catalog_");
    }

    /** The server's metrics lines whose names start so. */
    static List<String> metrics(Scenario.Context context, String prefix) {
        try {
            HttpResponse<String> metrics = context.api().exchange(HttpRequest.newBuilder(
                            context.base().resolve("/observe/metrics"))
                    .header("Authorization", "Bearer " + context.operatorToken())
                    .header("Accept", "text/plain").GET().build());
            return metrics.body().lines().filter(line -> line.startsWith(prefix)).toList();
        } catch (RuntimeException e) {
            return List.of("metrics not read: " + e);
        }
    }

    /** The listing cache's hits and misses so far (decision 68): {@code catalog_listings_lookups_total}. */
    private static long listingLookups(Scenario.Context context, String result) {
        return catalogMetrics(context).stream()
                .filter(line -> line.startsWith("catalog_listings_lookups_total{"))
                .filter(line -> line.contains("result=\"" + result + "\""))
                .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElse(-1);
    }

    /** A Helidon SE server answering a fixed 1 KB JSON, in a process of its own: what this machine allows now. */
    static final class Ceiling implements Scenario {
        @Override
        public String name() {
            return "bare-handler";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process bare = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                    BareHandler.class.getName()).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(bare.getInputStream(), StandardCharsets.UTF_8));
                String line;
                int port = -1;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("port ")) {
                        port = Integer.parseInt(line.substring(5).trim());
                        break;
                    }
                }
                if (port < 0) {
                    throw new IllegalStateException("the bare handler did not start");
                }
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        out.lines().forEach(ignored -> { });
                    } catch (UncheckedIOException closedWhenTheHandlerStops) {
                        // nothing more to drain
                    }
                });
                URI base = URI.create("http://127.0.0.1:" + port);
                byte[] request = HttpConnection.get(base, "/bare", "unused");
                Report.Load max = new LoadGenerator(base, MAX_THROUGHPUT_CONNECTIONS)
                        .asFastAsPossible(context.timing().warmUp(), context.timing().measured(), random -> request);
                ceiling = max.throughput();
                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("maxClosedLoop", max);
                figures.put("loadAverage", Machine.loadAverage());
                return new Report.Scenario(name(), "measured", null, figures, List.of());
            } finally {
                bare.destroy();
            }
        }
    }

    /** {@code GET /v1/listings/{id}} uniform over every listed product of the demo catalog. */
    static final class ProductByIdUniform implements Scenario {
        @Override
        public String name() {
            return "product-by-id-uniform";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            String token = StorefrontScenarios.storefrontToken(context);
            List<String> ids = new ArrayList<>();
            try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 Statement statement = db.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT product_id FROM listing_search "
                         + "WHERE published_at IS NOT NULL AND merchant_active")) {
                while (rows.next()) {
                    ids.add(rows.getString(1));
                }
            }
            byte[][] requests = ids.stream().map(id -> HttpConnection.get(context.base(), "/v1/listings/" + id, token))
                    .toArray(byte[][]::new);
            LoadGenerator.Requests anyProduct = random -> requests[random.nextInt(requests.length)];
            // A first pass over the catalog, as a storefront that has run a while would have had.
            new LoadGenerator(context.base(), MAX_THROUGHPUT_CONNECTIONS)
                    .asFastAsPossible(context.timing().warmUp(), context.timing().measured(), anyProduct);
            long hitsBefore = listingLookups(context, "hit");
            long missesBefore = listingLookups(context, "miss");
            Machine.CpuMeter maxCpu = new Machine.CpuMeter(context);
            Report.Load max = new LoadGenerator(context.base(), MAX_THROUGHPUT_CONNECTIONS)
                    .asFastAsPossible(context.timing().warmUp(), context.timing().measured(), anyProduct);
            double serverCpuSeconds = maxCpu.serverSeconds();
            Report.CpuShares maxShares = maxCpu.stop();
            long hits = listingLookups(context, "hit") - hitsBefore;
            long misses = listingLookups(context, "miss") - missesBefore;
            Report.Load atRate = new LoadGenerator(context.base(), OPEN_LOOP_CONNECTIONS)
                    .atRate(5_000, context.timing().warmUp(), context.timing().measured(), anyProduct);
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("products", requests.length);
            figures.put("maxClosedLoop", max);
            figures.put("maxClosedLoopCpu", maxShares);
            // What survives a loaded machine: CPU of the server's JVM and PostgreSQL per request, and how many of the
            // requests the listing cache answered (warm-up included, as the meter's interval is).
            figures.put("maxClosedLoopServerCpuMicrosPerRequest",
                    Report.round(serverCpuSeconds * 1e6 / Math.max(1, hits + misses)));
            figures.put("maxClosedLoopCacheHitRatio", hits < 0 || misses < 0 || hits + misses == 0
                    ? "not measured" : Report.round((double) hits / (hits + misses)));
            figures.put("ratioToCeiling", ratioToCeiling(max));
            figures.put("openLoop5000", atRate);
            figures.put("serverRssMiB", Report.round(Machine.residentMiB(context.serverPid(), false)));
            figures.put("serverPeakRssMiB", Report.round(Machine.residentMiB(context.serverPid(), true)));
            figures.put("loadAverage", Machine.loadAverage());
            return new Report.Scenario(name(), "measured", null, figures, List.of(
                    new Report.Check("≥ 20,000 req/s max", String.format(Locale.ROOT, "%.0f req/s (%d errors)",
                            max.throughput(), max.errors()), max.throughput() >= 20_000 && max.errors() == 0),
                    new Report.Check("p99 < 20 ms at 5,000 req/s", atRate.describeP99(), atRate.p99Below(20))));
        }
    }

    /**
     * Search pages over the catalog's own vocabulary (the search documents' lexemes — English stems, Japanese and
     * Chinese bigrams and characters — by how many products contain them, drawn with Zipf popularity), alone, two
     * words, with a category, a price range, in stock, or sorted by price or newest, while another writer changes
     * listings (a variant's price, a stock level crossing zero) five times a second each, by SQL as another node or
     * an ERP's sync would.
     */
    static final class SearchMix implements Scenario {
        private static final int VOCABULARY = 400;
        private static final int WRITES_PER_SECOND = 5;

        @Override
        public String name() {
            return "search-mix";
        }

        @Override
        public Report.Scenario run(Context context) throws Exception {
            String token = StorefrontScenarios.storefrontToken(context);
            byte[][] requests = requests(context, token);
            List<String> variants = new ArrayList<>();
            try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 Statement statement = db.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT variant_id FROM stock_level "
                         + "ORDER BY variant_id LIMIT 20000")) {
                while (rows.next()) {
                    variants.add(rows.getString(1));
                }
            }
            LoadGenerator.Requests anySearch = random -> requests[random.nextInt(requests.length)];

            // The index is filled after the server reports ready (100,000 documents: minutes on a loaded machine);
            // until then PostgreSQL answers and sheds. Measure the index, and say how long it took to be ready.
            long waitedForIndex = awaitSearchIndex(context, Duration.ofMinutes(10));
            List<String> indexBefore = catalogMetrics(context);
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong writes = new AtomicLong();
            Thread writer = Thread.ofPlatform().daemon().start(() -> write(context, variants, writing, writes));
            try {
                // First pass: every distinct request once in a while, as a running storefront would have had.
                new LoadGenerator(context.base(), MAX_THROUGHPUT_CONNECTIONS)
                        .asFastAsPossible(context.timing().warmUp(), context.timing().measured(), anySearch);
                Machine.CpuMeter maxCpu = new Machine.CpuMeter(context);
                long writesBefore = writes.get();
                long startedAt = System.nanoTime();
                Report.Load max = new LoadGenerator(context.base(), MAX_THROUGHPUT_CONNECTIONS)
                        .asFastAsPossible(context.timing().warmUp(), context.timing().measured(), anySearch);
                double writesPerSecond = (writes.get() - writesBefore) / ((System.nanoTime() - startedAt) / 1e9);
                Report.CpuShares maxShares = maxCpu.stop();
                Report.Load atRate = new LoadGenerator(context.base(), OPEN_LOOP_CONNECTIONS)
                        .atRate(1_000, context.timing().warmUp(), context.timing().measured(), anySearch);
                Report.Load overload = new LoadGenerator(context.base(), OPEN_LOOP_CONNECTIONS)
                        .atRate(Math.max(2_000, 2 * max.throughput()), context.timing().warmUp(),
                                context.timing().measured(), anySearch);
                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("distinctRequests", requests.length);
                figures.put("vocabulary", VOCABULARY);
                figures.put("exampleRequests", List.of(firstLine(requests[0]), firstLine(requests[1]),
                        firstLine(requests[2])));
                figures.put("listingWritesPerSecond", Report.round(writesPerSecond));
                figures.put("maxClosedLoop", max);
                figures.put("maxClosedLoopCpu", maxShares);
                figures.put("ratioToCeiling", ratioToCeiling(max));
                figures.put("openLoop1000", atRate);
                figures.put("openLoopTwiceMax", overload);
                figures.put("serverRssMiB", Report.round(Machine.residentMiB(context.serverPid(), false)));
                figures.put("loadAverage", Machine.loadAverage());
                // Which engine answered and why not the index (decision 57): the server's own counts, before and after.
                figures.put("waitedForSearchIndexMillis", waitedForIndex);
                figures.put("searchIndexMetricsBefore", indexBefore);
                figures.put("searchIndexMetricsAfter", catalogMetrics(context));
                return new Report.Scenario(name(), "measured", null, figures, List.of(
                        new Report.Check("≥ 1,500 req/s max", String.format(Locale.ROOT, "%.0f req/s (%d errors)",
                                max.throughput(), max.errors()), max.throughput() >= 1_500 && max.errors() == 0),
                        new Report.Check("p99 < 50 ms at 1,000 req/s", atRate.describeP99(), atRate.p99Below(50))));
            } finally {
                writing.set(false);
                writer.join();
            }
        }

        /**
         * The mix's 20,000 requests with this storefront token: the catalog's {@value #VOCABULARY} most frequent
         * lexemes and its categories, read from the embedded database.
         */
        static byte[][] requests(Context context, String token) throws SQLException {
            List<String> words = new ArrayList<>();
            List<String> categories = new ArrayList<>();
            try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 Statement statement = db.createStatement()) {
                try (ResultSet rows = statement.executeQuery("SELECT word FROM ts_stat('SELECT document FROM "
                        + "listing_search') ORDER BY ndoc DESC, word LIMIT " + VOCABULARY)) {
                    while (rows.next()) {
                        words.add(rows.getString(1));
                    }
                }
                try (ResultSet rows = statement.executeQuery("SELECT id FROM catalog_category ORDER BY id")) {
                    while (rows.next()) {
                        categories.add(rows.getString(1));
                    }
                }
            }
            return mix(context.base(), token, words, categories, new Random(20));
        }

        /** Milliseconds until the server's search index is filled and current (or {@code atMost} passed). */
        static long awaitSearchIndex(Context context, Duration atMost) throws InterruptedException {
            long started = System.nanoTime();
            while (System.nanoTime() - started < atMost.toNanos()) {
                List<String> metrics = catalogMetrics(context);
                if (metrics.stream().anyMatch(line -> line.matches("catalog_search_index_ready(\\{.*})? 1(\\.0)?"))
                        && metrics.stream().anyMatch(line -> line.matches("catalog_search_index_current(\\{.*})? 1(\\.0)?"))) {
                    break;
                }
                Thread.sleep(1_000); // polling another process's state: nothing to await on
            }
            return (System.nanoTime() - started) / 1_000_000;
        }

        private static String firstLine(byte[] request) {
            return new String(request, StandardCharsets.UTF_8).lines().findFirst().orElse("");
        }

        /** 20,000 requests drawn from the mix; the load generator picks among them uniformly. */
        private static byte[][] mix(URI base, String token, List<String> words, List<String> categories, Random random) {
            double[] cumulative = new double[words.size()];
            double sum = 0;
            for (int rank = 0; rank < words.size(); rank++) {
                sum += 1.0 / (rank + 1);
                cumulative[rank] = sum;
            }
            byte[][] requests = new byte[20_000][];
            for (int i = 0; i < requests.length; i++) {
                String q = zipf(words, cumulative, random);
                if (random.nextInt(5) == 0) {
                    q = q + " " + zipf(words, cumulative, random);
                }
                StringBuilder path = new StringBuilder("/v1/listings?limit=20&q=").append(Api.encode(q));
                switch (random.nextInt(10)) {
                    case 0, 1 -> path.append("&categoryId=").append(categories.get(random.nextInt(categories.size())));
                    case 2 -> path.append("&currency=JPY&minPrice=1000&maxPrice=5000");
                    case 3 -> path.append("&currency=JPY&sort=price_asc");
                    case 4 -> path.append("&sort=newest");
                    case 5 -> path.append("&inStock=true");
                    default -> { }
                }
                requests[i] = HttpConnection.get(base, path.toString(), token);
            }
            return requests;
        }

        private static String zipf(List<String> words, double[] cumulative, Random random) {
            double draw = random.nextDouble() * cumulative[cumulative.length - 1];
            int low = 0;
            int high = cumulative.length - 1;
            while (low < high) {
                int middle = (low + high) >>> 1;
                if (cumulative[middle] < draw) {
                    low = middle + 1;
                } else {
                    high = middle;
                }
            }
            return words.get(low);
        }

        /** A variant's price, then a stock level across zero, each {@link #WRITES_PER_SECOND} times a second. */
        private static void write(Context context, List<String> variants, AtomicBoolean writing, AtomicLong writes) {
            try (Connection db = DriverManager.getConnection(context.jdbcUrl(), "postgres", "");
                 PreparedStatement price = db.prepareStatement("UPDATE product_variant "
                         + "SET price_amount = price_amount + 1 WHERE id = ?::uuid");
                 PreparedStatement stock = db.prepareStatement("UPDATE stock_level SET on_hand = "
                         + "CASE WHEN on_hand > reserved THEN reserved ELSE reserved + 5 END WHERE variant_id = ?::uuid")) {
                long interval = 1_000_000_000L / (2 * WRITES_PER_SECOND);
                for (long next = System.nanoTime(); writing.get(); next += interval) {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    PreparedStatement statement = writes.get() % 2 == 0 ? price : stock;
                    statement.setString(1, variants.get(random.nextInt(variants.size())));
                    statement.executeUpdate();
                    writes.incrementAndGet();
                    long wait = next + interval - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("the listing writer failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
