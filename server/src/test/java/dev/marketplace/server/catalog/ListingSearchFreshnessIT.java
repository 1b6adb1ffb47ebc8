package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.demo.DemoData;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The search index's state on {@code /observe/metrics}, and a statement changing more than 100 listings applied to
 * it product by product from its change batch (V47), not by filling the whole index again (decision 57).
 */
class ListingSearchFreshnessIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @BeforeAll
    static void generatedCatalog() {
        DemoData.fill(server.dataSource(), new DemoData.Size(5, 400, 1), 57);
        // Its categories are announced as '*': the index is filled again, which takes longer than awaitDelivery waits.
        Await.until(Duration.ofSeconds(60), "the search index filled and current",
                () -> value(metrics(), "catalog_search_index_ready") == 1
                        && value(metrics(), "catalog_search_index_current") == 1);
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

        String metrics = metrics();
        assertThat(value(metrics, "catalog_search_index_rebuilds_total")).as("no rebuild").isEqualTo(rebuildsBefore);
        assertThat(value(metrics, "catalog_search_index_changes_applied_total") - appliedBefore)
                .as("the batch's products re-read").isGreaterThanOrEqualTo(100);
        UUID product = repriced.getFirst();
        long lowest = server.db().fetchSingle("SELECT min_price_amount FROM listing_search WHERE product_id = ?",
                product).get(0, Long.class);
        String page = search("currency=JPY&minPrice=" + lowest + "&maxPrice=" + lowest + "&limit=100");
        assertThat(page).as("the index filters by the read model's new price at once").contains(product.toString());
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
