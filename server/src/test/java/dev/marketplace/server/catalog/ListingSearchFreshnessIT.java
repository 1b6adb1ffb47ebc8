package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.api.CategoriesApi;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.CategoryMove;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.ProductBulkUpsert;
import dev.marketplace.sdk.model.ProductUpsertItem;
import dev.marketplace.sdk.model.ProductUpsertResult;
import dev.marketplace.sdk.model.ProductVariantInput;
import dev.marketplace.sdk.model.UpsertOutcome;
import dev.marketplace.server.demo.DemoData;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestServer;
import jakarta.json.Json;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The search index's state on {@code /observe/metrics}, and a statement changing more than 100 listings applied to
 * it product by product from its change batch (V47), not by filling the whole index again (decision 57); so is a
 * category move (V49). A variant price changed by SQL reaches the read model's price (V49, decision 59).
 */
class ListingSearchFreshnessIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @BeforeAll
    static void generatedCatalog() {
        DemoData.fill(server.dataSource(), new DemoData.Size(5, 400, 1), 57);
        // Its products are announced as batches of changes, which the index re-reads after the commit.
        Await.until(Duration.ofSeconds(60), "the search index holding the catalog and current",
                () -> value(metrics(), "catalog_search_index_ready") == 1
                        && value(metrics(), "catalog_search_index_current") == 1
                        && value(metrics(), "catalog_search_index_documents") >= 300);
    }

    @Test
    void theIndexStateIsOnTheMetrics() {
        search("currency=JPY&sort=price_asc&limit=5");

        String metrics = metrics();

        assertThat(value(metrics, "catalog_search_index_ready")).isEqualTo(1);
        assertThat(value(metrics, "catalog_search_index_current")).isEqualTo(1);
        assertThat(value(metrics, "catalog_search_index_documents")).isGreaterThanOrEqualTo(300);
        assertThat(value(metrics, "catalog_search_index_confirmed_age_seconds")).isBetween(0.0, 1.0);
        assertThat(value(metrics, "catalog_listings_searches_total", "engine=\"memory\""))
                .as(metrics.lines().filter(line -> line.startsWith("catalog_")).toList().toString())
                .isGreaterThanOrEqualTo(1);
        assertThat(metrics).contains("catalog_listings_searches_total").contains("catalog_listings_shed_total")
                .contains("catalog_search_index_rebuilds_total");
    }

    @Test
    void theProofOfFreshnessIsTimedOnTheMetrics() {
        for (String copy : List.of("cache", "index")) {
            String tag = "copy=\"" + copy + "\"";
            double before = value(metrics(), "catalog_listings_freshness_heartbeats_total", tag);
            Await.until(Duration.ofSeconds(10), "a heartbeat of the " + copy + "'s notifications coming back",
                    () -> value(metrics(), "catalog_listings_freshness_heartbeats_total", tag) > before);
        }

        String metrics = metrics();

        for (String copy : List.of("cache", "index")) {
            String tag = "copy=\"" + copy + "\"";
            for (String part : List.of("send_delay", "commit", "come_back")) {
                assertThat(value(metrics, "catalog_listings_freshness_heartbeat_millis_total", tag,
                        "part=\"" + part + "\"")).isGreaterThanOrEqualTo(0);
            }
            assertThat(value(metrics, "catalog_listings_freshness_unproven_millis_total", tag))
                    .isGreaterThanOrEqualTo(0);
            assertThat(value(metrics, "catalog_listings_freshness_unproven_spells_total", tag))
                    .isGreaterThanOrEqualTo(0);
        }
        assertThat(value(metrics, "catalog_listings_cache_confirmed_age_seconds")).isBetween(0.0, 1.0);
        assertThat(value(metrics, "catalog_listings_unproven_reads_total", "result=\"database\""))
                .isGreaterThanOrEqualTo(0);
        assertThat(value(metrics, "catalog_listings_unproven_reads_total", "result=\"shed\"")).isZero();
    }

    @Test
    void aStatementChangingMoreThanAHundredListingsIsAppliedWithoutRebuildingTheIndex() {
        double rebuildsBefore = value(metrics(), "catalog_search_index_rebuilds_total");
        double appliedBefore = value(metrics(), "catalog_search_index_changes_applied_total");
        List<UUID> repriced = server.db().fetch("""
                UPDATE product_variant SET price_amount = price_amount - 1
                WHERE price_amount > 1 AND product_id IN (SELECT product_id FROM listing_search WHERE currency = 'JPY'
                                     ORDER BY product_id LIMIT 150)
                RETURNING product_id""").getValues(0, UUID.class).stream().distinct().toList();
        assertThat(repriced).hasSizeGreaterThan(100);

        server.module(CatalogModule.class).listingChanges().forEach(ChangeNotifications::awaitDelivery);
        // awaitDelivery gives up after the 1 s bound; on a loaded machine the re-read can take longer.
        Await.until(Duration.ofSeconds(30), "the batch's products re-read", () ->
                value(metrics(), "catalog_search_index_changes_applied_total") - appliedBefore >= 100);

        assertThat(value(metrics(), "catalog_search_index_rebuilds_total")).as("no rebuild").isEqualTo(rebuildsBefore);
        UUID product = repriced.getFirst();
        long lowest = server.db().fetchSingle("SELECT min(price_amount) FROM product_variant WHERE product_id = ?",
                product).get(0, Long.class);
        assertThat(server.db().fetchSingle("SELECT min_price_amount FROM listing_search WHERE product_id = ?", product)
                .get(0, Long.class)).as("the read model's price is the lowest variant price (V49)").isEqualTo(lowest);
        assertThat(search("currency=JPY&minPrice=" + lowest + "&maxPrice=" + lowest + "&limit=100"))
                .as("the index filters by the new price at once").contains(product.toString());
        assertThat(search("currency=JPY&minPrice=" + (lowest + 1) + "&maxPrice=" + (lowest + 1) + "&limit=100"))
                .as("and no longer by the old one").doesNotContain(product.toString());
    }

    @Test
    void aVariantPriceChangedBySqlReachesTheReadModelTheListingAndTheIndex() {
        UUID product = server.db().fetchSingle("SELECT product_id FROM listing_search WHERE currency = 'JPY' "
                + "AND published_at IS NOT NULL AND merchant_active ORDER BY product_id DESC LIMIT 1").get(0, UUID.class);
        long lowered = server.db().fetchSingle("""
                UPDATE product_variant SET price_amount = price_amount / 2
                WHERE id = (SELECT id FROM product_variant WHERE product_id = ? ORDER BY price_amount LIMIT 1)
                RETURNING price_amount""", product).get(0, Long.class);

        server.module(CatalogModule.class).listingChanges().forEach(ChangeNotifications::awaitDelivery);

        assertThat(server.db().fetchSingle("SELECT min_price_amount FROM listing_search WHERE product_id = ?", product)
                .get(0, Long.class)).isEqualTo(lowered);
        HttpResponse<String> listing = server.send(server.request("/v1/listings/" + product).GET().build());
        assertThat(Json.createReader(new StringReader(listing.body())).readObject().getJsonObject("price")
                .getJsonNumber("amount").longValue()).isEqualTo(lowered);
        Await.until(Duration.ofSeconds(30), "the index filters by the new price", () ->
                search("currency=JPY&minPrice=" + lowered + "&maxPrice=" + lowered + "&limit=100")
                        .contains(product.toString()));
    }

    @Test
    void movingACategoryReReadsItsProductsWithoutRebuildingTheIndex() {
        double rebuildsBefore = value(metrics(), "catalog_search_index_rebuilds_total");
        double fromDatabaseBefore = value(metrics(), "catalog_listings_searches_total", "engine=\"database\"");
        UUID category = server.db().fetchSingle("SELECT category_id FROM listing_search WHERE published_at IS NOT NULL "
                + "AND merchant_active GROUP BY category_id ORDER BY count(*) DESC, category_id LIMIT 1")
                .get(0, UUID.class);
        List<UUID> inCategory = server.db().fetch("SELECT product_id FROM listing_search WHERE category_id = ? "
                + "AND published_at IS NOT NULL AND merchant_active", category).getValues(0, UUID.class);
        CategoriesApi categories = server.client().categories();
        Category outlet = categories.createCategory(new CategoryCreate().name("Outlet " + UUID.randomUUID())
                .commissionRateBasisPoints(1000));
        Category moved = categories.getCategory(category);
        assertThat(search("categoryId=" + outlet.getId() + "&limit=200")).isEqualTo("{\"items\":[]}");

        categories.moveCategory(category, new CategoryMove().parentId(outlet.getId()).version(moved.getVersion()));
        server.module(CatalogModule.class).listingChanges().forEach(ChangeNotifications::awaitDelivery);

        assertThat(inCategory).isNotEmpty();
        Await.until(Duration.ofSeconds(30), "the moved category's products found under the new parent", () -> {
            String underOutlet = search("categoryId=" + outlet.getId() + "&limit=200");
            return inCategory.stream().allMatch(product -> underOutlet.contains(product.toString()));
        });
        assertThat(value(metrics(), "catalog_search_index_rebuilds_total")).as("no rebuild").isEqualTo(rebuildsBefore);
        assertThat(value(metrics(), "catalog_listings_searches_total", "engine=\"database\""))
                .as("answered by the index").isEqualTo(fromDatabaseBefore);
    }

    /**
     * V54 folded V47's two trigger functions (inserted or updated rows, deleted rows) into one: each trigger still
     * announces the products its statement touched, up to 100 by id and more through a listing_change_batch row.
     */
    @Test
    void everyListingTriggerStillAnnouncesItsProductsByIdOrThroughABatch() throws Exception {
        listeningToListingChanges(ListingSearchFreshnessIT::announcements);
    }

    /**
     * A price change reaches listing_search through the product's lowest price (V49) on top of the variants' own
     * announcement: each product must still be announced once, or every node re-reads it twice (two batches are not
     * folded by PostgreSQL as identical payloads are).
     */
    @Test
    void aBulkPriceChangeAnnouncesEachProductOnce() throws Exception {
        listeningToListingChanges(notifications -> {
            List<UUID> bySql = server.db().fetch("""
                    UPDATE product_variant SET price_amount = price_amount + 1
                    WHERE product_id IN (SELECT id FROM product ORDER BY id DESC LIMIT 150)
                    RETURNING product_id""").getValues(0, UUID.class).stream().distinct().toList();
            assertThat(bySql).hasSize(150);
            assertThat(announcedEach(notifications)).as("one statement repricing 150 products")
                    .containsAll(bySql).doesNotHaveDuplicates();

            UUID oneProduct = bySql.getFirst();
            server.db().execute("UPDATE product_variant SET price_amount = price_amount + 1 WHERE product_id = ?",
                    oneProduct);
            assertThat(announcedEach(notifications)).as("one product repriced").containsExactly(oneProduct);

            TestCatalog.ActiveMerchant erp = new TestCatalog(server).activeMerchant("Reprice KK", category());
            List<UUID> byApi = upsertPriced(erp, 1_000).stream().map(ProductUpsertResult::getProductId).toList();
            assertThat(announcedEach(notifications)).as("a bulk upsert creating 120 products, variants and stock")
                    .containsAll(byApi).doesNotHaveDuplicates();
            assertThat(upsertPriced(erp, 900)).extracting(ProductUpsertResult::getOutcome)
                    .containsOnly(UpsertOutcome.UPDATED);
            assertThat(announcedEach(notifications)).as("a bulk upsert repricing 120 products")
                    .containsAll(byApi).doesNotHaveDuplicates();
        });
    }

    /** 120 products of the merchant's ERP at this price, created or repriced by one bulk upsert. */
    private static List<ProductUpsertResult> upsertPriced(TestCatalog.ActiveMerchant erp, long price) throws Exception {
        UUID category = category();
        return erp.client().products().upsertProducts(new ProductBulkUpsert().products(IntStream.range(0, 120)
                .mapToObj(p -> new ProductUpsertItem().externalId("REPRICE-" + p).categoryId(category)
                        .title(Map.of("en", "Tea " + p)).variants(List.of(new ProductVariantInput().sku("REPRICE-" + p)
                                .price(new Money().amount(price).currency("JPY")))))
                .toList())).getResults();
    }

    private static UUID category() {
        return server.db().fetchSingle("SELECT id FROM catalog_category ORDER BY id LIMIT 1").get(0, UUID.class);
    }

    /**
     * Runs {@code check} on a connection of the server's pool listening on listing_changes, and gives the connection
     * back not listening, nothing left unread.
     */
    private static void listeningToListingChanges(ListeningCheck check) throws Exception {
        try (Connection listening = server.dataSource().getConnection()) {
            listening.setAutoCommit(true);
            try (Statement listen = listening.createStatement()) {
                listen.execute("LISTEN listing_changes");
                check.run(listening.unwrap(PGConnection.class));
            } finally {
                try (Statement unlisten = listening.createStatement()) {
                    unlisten.execute("UNLISTEN listing_changes");
                }
                listening.unwrap(PGConnection.class).getNotifications();
            }
        }
        server.module(CatalogModule.class).listingChanges().forEach(ChangeNotifications::awaitDelivery);
    }

    private interface ListeningCheck {
        void run(PGConnection notifications) throws Exception;
    }

    /** Each kind of statement the triggers watch, and what it announces. */
    private static void announcements(PGConnection notifications) throws Exception {
        UUID product = server.db().fetchSingle("SELECT product_id FROM listing_search ORDER BY product_id LIMIT 1")
                .get(0, UUID.class);

        server.db().execute("UPDATE listing_search SET in_stock = in_stock WHERE product_id = ?", product);
        assertThat(announced(notifications)).as("an updated listing_search row").contains(product);

        // One extra variant for each of 150 products, inserted in one statement and deleted in another.
        List<UUID> products = server.db().fetch("""
                INSERT INTO product_variant (id, product_id, merchant_id, position, sku, price_amount, price_currency)
                SELECT gen_random_uuid(), p.id, p.merchant_id, 1000, 'V54-' || p.id, 100, p.currency
                FROM (SELECT id, merchant_id, currency FROM product ORDER BY id LIMIT 150) p
                RETURNING product_id""").getValues(0, UUID.class);
        assertThat(products).hasSize(150);
        // Each product once (decision 81): the variants' own trigger, not again through their lowest price.
        assertThat(announcedEach(notifications)).as("inserted variants, through a batch").containsAll(products)
                .doesNotHaveDuplicates();

        server.db().execute("DELETE FROM product_variant WHERE position = 1000 AND sku LIKE 'V54-%'");
        assertThat(announcedEach(notifications)).as("deleted variants, through a batch").containsAll(products)
                .doesNotHaveDuplicates();

        server.db().execute("UPDATE product_variant SET price_amount = price_amount WHERE product_id = ?", product);
        assertThat(announced(notifications)).as("updated variants").contains(product);
    }

    /** A payload naming products or a batch; the listeners' own heartbeats on the channel are neither. */
    private static final Pattern ANNOUNCEMENT = Pattern.compile("#\\d+|[0-9a-f-]{36}(,[0-9a-f-]{36})*");

    /**
     * The products announced on listing_changes by the last statement: named in a payload, or in the
     * listing_change_batch a payload {@code #<id>} names. Waits up to 10 s for the first announcement, then a moment
     * for any other the same commit sent.
     */
    private static Set<UUID> announced(PGConnection notifications) throws Exception {
        return new HashSet<>(announcedEach(notifications));
    }

    /** As {@link #announced}, a product as many times as it was announced. */
    private static List<UUID> announcedEach(PGConnection notifications) throws Exception {
        List<String> payloads = new ArrayList<>();
        for (int attempt = 0; attempt < 10 && payloads.isEmpty(); attempt++) {
            payloads.addAll(announcements(notifications.getNotifications(1_000)));
        }
        assertThat(payloads).as("announced on listing_changes within 10 s").isNotEmpty();
        payloads.addAll(announcements(notifications.getNotifications(200)));
        List<UUID> products = new ArrayList<>();
        for (String payload : payloads) {
            if (payload.startsWith("#")) {
                products.addAll(List.of(server.db().fetchSingle("SELECT product_ids FROM listing_change_batch WHERE id = ?",
                        Long.parseLong(payload.substring(1))).get(0, UUID[].class)));
            } else {
                Arrays.stream(payload.split(",")).map(UUID::fromString).forEach(products::add);
            }
        }
        return products;
    }

    private static List<String> announcements(PGNotification[] received) {
        return received == null ? List.of() : Arrays.stream(received).map(PGNotification::getParameter)
                .filter(payload -> ANNOUNCEMENT.matcher(payload).matches()).toList();
    }

    private static String search(String query) {
        HttpResponse<String> response = server.send(server.request("/v1/listings?" + query).GET().build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    private static String metrics() {
        HttpResponse<String> response = server.send(server.request("/observe/metrics")
                .header("Accept", "text/plain").GET().build());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static double value(String metrics, String name, String... tags) {
        Matcher line = Pattern.compile("(?m)^" + name + "(\\{[^}]*})? ([-0-9.E+]+)$").matcher(metrics);
        while (line.find()) {
            String labels = line.group(1) == null ? "" : line.group(1);
            if (List.of(tags).stream().allMatch(labels::contains)) {
                return Double.parseDouble(line.group(2));
            }
        }
        throw new AssertionError("no " + name + " " + List.of(tags) + " in the metrics:\n" + metrics);
    }
}
