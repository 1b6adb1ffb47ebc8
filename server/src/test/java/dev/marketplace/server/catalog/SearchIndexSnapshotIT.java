package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.MarketplaceServer;
import dev.marketplace.server.catalog.ListingQuery.ListingSort;
import dev.marketplace.server.demo.DemoData;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.RecordingMailSender;
import dev.marketplace.server.testing.StatementRecorder;
import dev.marketplace.server.testing.TestServer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node started on its saved search index answers as one whose index was filled from scratch (decision 78): after
 * listings changed while it was down (text, price, stock, a merchant suspended and one reinstated, a category's
 * ancestors), and when the saved index may not be used (older document format, damaged file, a database that does
 * not know it), in which case it is filled again. Nodes here are second servers on the test class's database, each
 * with a data directory of its own.
 */
class SearchIndexSnapshotIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final int PAGE = SearchIndexPages.PAGE;
    private static ProductService products;
    private static List<ListingQuery> queries;

    @BeforeAll
    static void generatedCatalog() {
        DemoData.fill(server.dataSource(), new DemoData.Size(12, 1_500, 2), 78);
        products = server.module(CatalogModule.class).products();
        List<UUID> roots = server.db().fetch("SELECT id FROM catalog_category WHERE parent_id IS NULL ORDER BY id")
                .getValues(0, UUID.class);
        UUID merchant = uuid("SELECT merchant_id FROM listing_search ORDER BY product_id LIMIT 1");
        List<String> words = server.db().fetch("SELECT word FROM ts_stat('SELECT document FROM listing_search') "
                + "ORDER BY ndoc DESC, word LIMIT 12").getValues(0, String.class);
        queries = new ArrayList<>();
        for (ListingSort sort : ListingSort.values()) {
            queries.add(query(Optional.empty(), Optional.empty(), Optional.empty(), false, sort));
            queries.add(query(Optional.empty(), Optional.of(roots.getFirst()), Optional.empty(), true, sort));
            queries.add(query(Optional.empty(), Optional.of(roots.getLast()), Optional.of(merchant), false, sort));
            for (String word : words) {
                queries.add(query(Optional.of(word), Optional.empty(), Optional.empty(), false, sort));
            }
        }
        for (UUID root : roots) {
            queries.add(query(Optional.empty(), Optional.of(root), Optional.empty(), false, ListingSort.NEWEST));
        }
        queries.add(query(Optional.of("snapshot zebra"), Optional.empty(), Optional.empty(), false,
                ListingSort.RELEVANCE));
    }

    @Test
    void aRestartCatchesUpWithChangesMadeWhileItWasDown(@TempDir Path dataDirectory) throws IOException {
        List<UUID> listed = server.db().fetch("SELECT product_id FROM listing_search ORDER BY product_id")
                .getValues(0, UUID.class);
        UUID reinstated = merchantOf(listed.get(10));
        setMerchantStatus(reinstated, "suspended"); // not in the saved index
        ListedVersions saved;
        try (MarketplaceServer node = startNode(dataDirectory)) {
            assertThat(listingSearch(node).rebuilds.sum()).as("no saved index yet: filled").isEqualTo(1);
            saved = listingSearch(node).index().versions();
        }
        assertThat(dataDirectory.resolve("search-index/current")).isDirectory();
        try (FSDirectory files = FSDirectory.open(dataDirectory.resolve("search-index/current"))) {
            assertThat(ListedVersions.readFrom(files)).as("the versions saved beside the index are its own")
                    .isEqualTo(saved);
        }

        // While the node is down:
        UUID retitled = listed.get(0);
        server.db().execute("UPDATE product SET title = jsonb_build_object('en', 'Snapshot zebra teapot') "
                + "WHERE id = ?", retitled);
        server.db().execute("UPDATE product_variant SET price_amount = price_amount + 7 WHERE product_id = ?",
                listed.get(1));
        server.db().execute("UPDATE stock_level SET on_hand = 0 WHERE variant_id IN "
                + "(SELECT id FROM product_variant WHERE product_id = ?)", listed.get(2));
        UUID suspended = merchantOf(listed.get(listed.size() - 1));
        setMerchantStatus(suspended, "suspended");
        setMerchantStatus(reinstated, "active");
        // A category moved under another root: its products' ancestors change, their listing rows do not.
        UUID moved = uuid("SELECT category_id FROM listing_search WHERE product_id = ?", listed.get(3));
        UUID otherRoot = uuid("SELECT id FROM catalog_category WHERE parent_id IS NULL AND id <> ? AND "
                + "id <> ALL ((SELECT ancestor_ids FROM catalog_category WHERE id = ?)::uuid[]) ORDER BY id LIMIT 1",
                moved, moved);
        server.db().execute("UPDATE catalog_category SET parent_id = ?, ancestor_ids = ARRAY[?]::uuid[] WHERE id = ?",
                otherRoot, otherRoot, moved);
        ListedVersions scratchVersions = scratch().versions();
        assertThat(scratchVersions).as("the changes reached the read model").isNotEqualTo(saved);
        assertThat(scratchVersions.holds(retitled)).isTrue();

        try (MarketplaceServer node = startNode(dataDirectory)) {
            assertThat(listingSearch(node).rebuilds.sum()).as("started from the saved index").isZero();
            assertSameAnswers(listingSearch(node).index(), scratch());
        }
    }

    @Test
    void aSavedIndexOfAnotherFormatIsFilledAgain(@TempDir Path dataDirectory) throws IOException {
        try (SearchIndex index = scratch()) {
            new SearchIndexSnapshots(dataDirectory.resolve("search-index"), server.db(), "0").save(index);
        }
        // as formats before 3 saved it: no versions beside the index
        Files.delete(dataDirectory.resolve("search-index/current").resolve(ListedVersions.FILE));
        assertThat(dataDirectory.resolve("search-index/current")).isDirectory();
        try (MarketplaceServer node = startNode(dataDirectory)) {
            assertThat(listingSearch(node).rebuilds.sum()).isEqualTo(1);
            assertSameAnswers(listingSearch(node).index(), scratch());
        }
        try (MarketplaceServer node = startNode(dataDirectory)) {
            assertThat(listingSearch(node).rebuilds.sum()).as("the fill's own save is used").isZero();
        }
    }

    @Test
    void aDamagedOrUnknownSavedIndexIsFilledAgain(@TempDir Path dataDirectory) throws IOException {
        startNode(dataDirectory).close();
        Path largest;
        try (Stream<Path> files = Files.list(dataDirectory.resolve("search-index/current"))) {
            largest = files.max(Comparator.comparingLong(SearchIndexSnapshotIT::size)).orElseThrow();
        }
        try (RandomAccessFile file = new RandomAccessFile(largest.toFile(), "rw")) {
            file.seek(file.length() / 2);
            int b = file.read();
            file.seek(file.length() / 2);
            file.write(b ^ 0xff);
        }
        try (MarketplaceServer node = startNode(dataDirectory)) {
            assertThat(listingSearch(node).rebuilds.sum()).as("damaged: filled").isEqualTo(1);
            assertSameAnswers(listingSearch(node).index(), scratch());
        }

        server.db().execute("DELETE FROM search_index_snapshot"); // as a database restored from before the save
        try (MarketplaceServer node = startNode(dataDirectory)) {
            assertThat(listingSearch(node).rebuilds.sum()).as("unknown token: filled").isEqualTo(1);
        }
        assertThat(server.db().fetchCount(server.db().selectFrom("search_index_snapshot")))
                .as("one token per saved index").isEqualTo(1);
    }

    /**
     * Decision 89: the catch-up's statement reads the narrow listing_search_version and the categories, not the read
     * model's rows with their documents; and every write of a listing_search row, in a savepoint too, rewrites its twin
     * in the same (sub)transaction: the two rows' xmin are equal, so a twin's version changes whenever its row does.
     */
    @Test
    void theCatchUpReadsOnlyTheNarrowTwinWhichEveryWriteOfTheReadModelRewrites() throws Exception {
        List<UUID> listed = server.db().fetch("SELECT product_id FROM listing_search WHERE published_at IS NOT NULL "
                + "AND merchant_active ORDER BY product_id DESC LIMIT 3").getValues(0, UUID.class);
        server.db().transaction(tx -> tx.dsl().transaction(savepoint -> savepoint.dsl().execute(
                "UPDATE product SET title = jsonb_build_object('en', 'Savepoint kettle') WHERE id = ?", listed.get(0))));
        server.db().execute("UPDATE stock_level SET on_hand = 0 WHERE variant_id IN "
                + "(SELECT id FROM product_variant WHERE product_id = ?)", listed.get(1));
        setMerchantStatus(merchantOf(listed.get(2)), "suspended");

        assertThat(server.db().fetchSingle("SELECT count(*) FROM listing_search ls "
                + "LEFT JOIN listing_search_version v USING (product_id) WHERE v.product_id IS NULL "
                + "OR v.xmin::text <> ls.xmin::text OR v.category_id <> ls.category_id "
                + "OR v.listed <> (ls.published_at IS NOT NULL AND ls.merchant_active)").get(0, Long.class))
                .as("listing_search rows whose twin is missing, stale or written by another transaction").isZero();

        Map<UUID, Long> versions = new HashMap<>();
        StatementRecorder recorder = new StatementRecorder(server);
        List<String> statements;
        try {
            statements = recorder.recordedDuring("listing_search_version", () -> {
                new ProductRepository().forEachListedVersion(server.db(), versions::put);
                return null;
            });
        } finally {
            recorder.stop();
        }
        assertThat(versions).hasSize(server.db().fetchCount(server.db().selectFrom("listing_search")
                .where("published_at IS NOT NULL AND merchant_active")));
        // the versions combined from the two transaction ids are those the index's rows carry (rowVersion's casts)
        Map<UUID, Long> asTheIndexRowsCarryThem = new HashMap<>();
        server.db().fetch("SELECT v.product_id, (v.xmin::text::bigint << 32) | c.xmin::text::bigint "
                        + "FROM listing_search_version v JOIN catalog_category c ON c.id = v.category_id WHERE v.listed")
                .forEach(row -> asTheIndexRowsCarryThem.put(row.get(0, UUID.class), row.get(1, Long.class)));
        assertThat(versions).isEqualTo(asTheIndexRowsCarryThem);
        assertThat(statements).hasSize(1);
        String plan = server.db().fetchSingle("EXPLAIN (FORMAT JSON) " + statements.getFirst()).get(0, String.class);
        assertThat(plan).contains("\"Relation Name\": \"listing_search_version\"")
                .doesNotContain("\"Relation Name\": \"listing_search\"");
        setMerchantStatus(merchantOf(listed.get(2)), "active");
    }

    private static void assertSameAnswers(SearchIndex restarted, SearchIndex scratch) {
        try (scratch) {
            assertThat(restarted.versions()).isEqualTo(scratch.versions());
            for (ListingQuery query : queries) {
                assertThat(all(restarted, query)).as("%s", query).isEqualTo(all(scratch, query));
            }
        }
    }

    private static SearchIndex scratch() {
        SearchIndex index = new SearchIndex();
        products.forEachSearchRow(Optional.empty(), index::put);
        index.publish();
        return index;
    }

    private static List<SearchIndex.Hit> all(SearchIndex index, ListingQuery query) {
        return SearchIndexPages.all(index, products, query);
    }

    private static ListingQuery query(Optional<String> text, Optional<UUID> category, Optional<UUID> merchant,
                                      boolean inStockOnly, ListingSort sort) {
        return new ListingQuery(text, category, merchant, Optional.empty(), Optional.empty(), Optional.empty(),
                inStockOnly, Optional.empty(), sort == ListingSort.RELEVANCE && text.isEmpty() ? ListingSort.NEWEST : sort);
    }

    private static MarketplaceServer startNode(Path dataDirectory) {
        Map<String, String> settings = new HashMap<>();
        settings.put("server.port", "0");
        settings.put("server.host", "127.0.0.1");
        settings.put("db.url", server.databaseUrl());
        settings.put("db.pool.size", "4");
        settings.put("data.dir", dataDirectory.toString());
        MarketplaceServer node = MarketplaceServer.start(TestServer.config(settings), new RecordingMailSender(),
                Clock.systemUTC());
        Await.until(Duration.ofSeconds(60), "the node's search index ready", () -> node.module(CatalogModule.class)
                .orElseThrow().searchIndexFilled());
        return node;
    }

    private static ListingSearch listingSearch(MarketplaceServer node) {
        return node.module(CatalogModule.class).orElseThrow().listingSearch();
    }

    private static UUID merchantOf(UUID productId) {
        return uuid("SELECT merchant_id FROM product WHERE id = ?", productId);
    }

    private static UUID uuid(String sql, Object... bindings) {
        return server.db().fetchSingle(sql, bindings).get(0, UUID.class);
    }

    private static void setMerchantStatus(UUID merchantId, String status) {
        server.db().execute("UPDATE merchant SET status = ? WHERE id = ?", status, merchantId);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
