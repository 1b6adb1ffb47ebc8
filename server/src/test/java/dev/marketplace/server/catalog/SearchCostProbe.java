package dev.marketplace.server.catalog;

import dev.marketplace.server.catalog.ListingQuery.ListingSort;
import dev.marketplace.server.demo.DemoData;
import dev.marketplace.server.platform.http.ConcurrencyLimit;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * CPU time and allocation per in-memory search (decision 59), figures that survive a loaded machine where throughput
 * does not: a generated demo catalog, the search-mix benchmark's requests (the catalog's 400 most frequent lexemes
 * with Zipf popularity, a fifth of them two words, with its filters and sorts), each answered by
 * {@link ListingSearch#page} on this thread, measured with the thread's CPU clock and allocation counter. Not a test:
 * run it by hand (see decision 59 for the command) with the number of products as its argument, and optionally the
 * listing changes per second to apply meanwhile (decision 69): a second thread then re-reads that many random
 * products a second into the index and drops their kept listings, as the change listener does for each announced
 * change, and the whole mix is measured again beside it.
 */
final class SearchCostProbe {

    private static final int VOCABULARY = 400;
    private static final int REQUESTS = 2_000;
    private static final int ROUNDS = 5;

    private SearchCostProbe() {
    }

    public static void main(String[] args) throws Exception {
        int productCount = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int changesPerSecond = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        // "index": the changes reach the index only, the kept listings stay (to tell the two costs apart).
        boolean indexOnly = args.length > 2 && args[2].equals("index");
        TestServer server = new TestServer();
        server.beforeAll(null);
        try {
            long started = System.nanoTime();
            DemoData.fill(server.dataSource(), new DemoData.Size(Math.max(20, productCount / 100), productCount, 1), 1);
            System.out.printf(Locale.ROOT, "demo data: %,d products in %d s%n", productCount,
                    (System.nanoTime() - started) / 1_000_000_000);
            server.db().execute("VACUUM ANALYZE listing_search");
            List<String> words = server.db().fetch("SELECT word FROM ts_stat('SELECT document FROM listing_search') "
                    + "ORDER BY ndoc DESC, word LIMIT " + VOCABULARY).getValues(0, String.class);
            List<UUID> categories = server.db().fetch("SELECT id FROM catalog_category ORDER BY id")
                    .getValues(0, UUID.class);
            ProductService products = server.module(CatalogModule.class).products();
            Path snapshots = Files.createTempDirectory("search-cost-probe");
            ListingCache cache = new ListingCache(48L << 20, 16L << 20, batch -> Optional.empty(),
                    new ConcurrencyLimit("probe's reads while unproven", 4, Duration.ofMillis(100)));
            cache.servedWhile(() -> true);
            try (ListingSearch search = new ListingSearch(products, cache, () -> {
                try {
                    return server.dataSource().getConnection();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }, new SearchIndexSnapshots(snapshots, server.db()),
                    CompletableFuture.completedFuture(SavedSearchIndex.read(snapshots, part -> { })), 2_000_000)) {
                search.servedWhile(() -> true);
                started = System.nanoTime();
                search.mayHaveMissedChanges();
                System.out.printf(Locale.ROOT, "index filled: %,d documents in %d ms%n", search.size(),
                        (System.nanoTime() - started) / 1_000_000);
                List<ListingQuery> queries = mix(words, categories, new Random(20));
                PageRequest page = PageRequest.first(20);
                for (int round = 0; round < ROUNDS; round++) { // warm-up: JIT, the tsquery and listing caches
                    queries.forEach(query -> search.page(query, page));
                }
                Map<String, List<ListingQuery>> byKind = new LinkedHashMap<>();
                byKind.put("all", queries);
                for (ListingQuery query : queries) {
                    byKind.computeIfAbsent(kind(query), k -> new ArrayList<>()).add(query);
                }
                byKind.forEach((kind, some) -> measure(kind, some, query -> search.page(query, page)));
                System.out.printf(Locale.ROOT, "index segments: %d%n", search.segments());
                if (changesPerSecond > 0) {
                    List<UUID> listed = server.db().fetch("SELECT product_id FROM listing_search "
                            + "WHERE published_at IS NOT NULL AND merchant_active").getValues(0, UUID.class);
                    measureWhileChanging(search, indexOnly ? null : cache, listed, changesPerSecond,
                            () -> measure("all, " + changesPerSecond + " changes/s", queries,
                                    query -> search.page(query, page)));
                    System.out.printf(Locale.ROOT, "index segments: %d%n", search.segments());
                }
                System.out.printf(Locale.ROOT, "search index of %d listings: %.1f MB; listing cache: %.1f MB%n",
                        search.size(), search.indexBytes() / 1e6, cache.weighedBytes() / 1e6);
            }
        } finally {
            server.afterAll(null);
        }
    }

    /**
     * Runs {@code measurement} while another thread applies {@code perSecond} listing changes a second (to the index,
     * and to the kept listings unless {@code cache} is null).
     */
    private static void measureWhileChanging(ListingSearch search, ListingCache cache, List<UUID> listed, int perSecond,
                                             Runnable measurement) throws InterruptedException {
        java.util.concurrent.atomic.AtomicBoolean changing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicLong applied = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong writerCpu = new java.util.concurrent.atomic.AtomicLong();
        Thread writer = Thread.ofPlatform().start(() -> {
            Random random = new Random(69);
            long interval = 1_000_000_000L / perSecond;
            long cpuBefore = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            for (long next = System.nanoTime(); changing.get(); next += interval) {
                String id = listed.get(random.nextInt(listed.size())).toString();
                if (cache != null) {
                    cache.changed(id);
                }
                search.changed(id);
                applied.incrementAndGet();
                java.util.concurrent.locks.LockSupport.parkNanos(next + interval - System.nanoTime());
            }
            writerCpu.set(ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuBefore);
        });
        long started = System.nanoTime();
        measurement.run();
        double seconds = (System.nanoTime() - started) / 1e9;
        changing.set(false);
        writer.join();
        System.out.printf(Locale.ROOT, "changes applied: %d in %.1f s (%.1f/s), %.1f µs CPU of the applying thread each%n",
                applied.get(), seconds, applied.get() / seconds, writerCpu.get() / 1e3 / Math.max(1, applied.get()));
    }

    private static void measure(String kind, List<ListingQuery> queries, Function<ListingQuery, byte[]> answer) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        long cpuBefore = threads.getCurrentThreadCpuTime();
        long bytesBefore = threads.getThreadAllocatedBytes(thread);
        long wallBefore = System.nanoTime();
        long answered = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (ListingQuery query : queries) {
                answer.apply(query);
                answered++;
            }
        }
        System.out.printf(Locale.ROOT, "%-28s %6d searches: %8.1f µs CPU, %8.1f µs wall, %9.1f KB allocated per search%n",
                kind, answered, (threads.getCurrentThreadCpuTime() - cpuBefore) / 1e3 / answered,
                (System.nanoTime() - wallBefore) / 1e3 / answered,
                (threads.getThreadAllocatedBytes(thread) - bytesBefore) / 1024.0 / answered);
    }

    private static String kind(ListingQuery query) {
        String words = query.text().orElse("").contains(" ") ? "two words" : "one word";
        String filter = query.categoryId().isPresent() ? "category" : query.minPrice().isPresent() ? "price range"
                : query.inStockOnly() ? "in stock" : "";
        return words + " " + query.sort().wireName() + (filter.isEmpty() ? "" : " " + filter);
    }

    /** The search-mix benchmark's requests (bench RealisticStorefrontScenarios.SearchMix), as listings queries. */
    private static List<ListingQuery> mix(List<String> words, List<UUID> categories, Random random) {
        double[] cumulative = new double[words.size()];
        double sum = 0;
        for (int rank = 0; rank < words.size(); rank++) {
            sum += 1.0 / (rank + 1);
            cumulative[rank] = sum;
        }
        List<ListingQuery> queries = new ArrayList<>(REQUESTS);
        for (int i = 0; i < REQUESTS; i++) {
            String q = zipf(words, cumulative, random);
            if (random.nextInt(5) == 0) {
                q = q + " " + zipf(words, cumulative, random);
            }
            Optional<UUID> category = Optional.empty();
            Optional<String> currency = Optional.empty();
            Optional<Long> minPrice = Optional.empty();
            Optional<Long> maxPrice = Optional.empty();
            boolean inStock = false;
            ListingSort sort = ListingSort.RELEVANCE;
            switch (random.nextInt(10)) {
                case 0, 1 -> category = Optional.of(categories.get(random.nextInt(categories.size())));
                case 2 -> {
                    currency = Optional.of("JPY");
                    minPrice = Optional.of(1_000L);
                    maxPrice = Optional.of(5_000L);
                }
                case 3 -> {
                    currency = Optional.of("JPY");
                    sort = ListingSort.PRICE_ASC;
                }
                case 4 -> sort = ListingSort.NEWEST;
                case 5 -> inStock = true;
                default -> { }
            }
            queries.add(new ListingQuery(Optional.of(q), category, Optional.empty(), currency, minPrice, maxPrice,
                    inStock, Optional.empty(), sort));
        }
        return queries;
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
}
