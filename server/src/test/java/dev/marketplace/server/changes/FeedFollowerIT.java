package dev.marketplace.server.changes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.CursorStore;
import dev.marketplace.sdk.FeedFollower;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductChange;
import dev.marketplace.sdk.model.StockChange;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The SDK's feed followers against the real server: following, stopping, resuming from a file cursor, draining. */
class FeedFollowerIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static TestCatalog catalog;
    private static Category tea;

    @BeforeAll
    static void category() throws Exception {
        catalog = new TestCatalog(server);
        tea = server.client().categories().createCategory(
                new CategoryCreate().name("Followed tea").commissionRateBasisPoints(1000));
    }

    @Test
    void aFollowerMirrorsTheProductFeedAndAfterARestartResumesFromItsFileCursor(@TempDir Path folder) throws Exception {
        ActiveMerchant merchant = catalog.activeMerchant("Followed Tea KK", tea.getId());
        CursorStore cursor = CursorStore.file(folder.resolve("products.cursor"));
        List<UUID> seen = new CopyOnWriteArrayList<>();
        Product sencha = merchant.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Sencha", "FOLLOW-SEN", 1200, "JPY"));
        Product gyokuro;

        try (FeedFollower follower = merchant.client().feeds().products()
                .pollingBetween(Duration.ofMillis(20), Duration.ofMillis(200))
                .follow(cursor, changes -> changes.forEach(change -> seen.add(change.getProductId())))) {
            Await.until(Duration.ofSeconds(10), "the follower saw the first product", () -> seen.contains(sencha.getId()));
            gyokuro = merchant.client().products().createProduct(
                    TestCatalog.product(tea.getId(), "Gyokuro", "FOLLOW-GYO", 3000, "JPY"));
            Await.until(Duration.ofSeconds(10), "the follower saw a product created while it polled",
                    () -> seen.contains(gyokuro.getId()));
            assertThat(follower.isRunning()).isTrue();
        }
        Product matcha = merchant.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Matcha", "FOLLOW-MAT", 2000, "JPY"));

        List<UUID> afterRestart = new CopyOnWriteArrayList<>();
        long drained = merchant.client().feeds().products().drain(CursorStore.file(folder.resolve("products.cursor")),
                changes -> changes.forEach(change -> afterRestart.add(change.getProductId())));

        assertThat(seen).containsExactly(sencha.getId(), gyokuro.getId());
        assertThat(afterRestart).as("only what came after the saved cursor").containsExactly(matcha.getId());
        assertThat(drained).isEqualTo(1);
    }

    @Test
    void drainingTheStockFeedCatchesUpWithTheMerchantsOwnStockOnly() throws Exception {
        ActiveMerchant merchant = catalog.activeMerchant("Drained Stock KK", tea.getId());
        ActiveMerchant other = catalog.activeMerchant("Other Stock KK", tea.getId());
        Product hojicha = merchant.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Hojicha", "DRAIN-HOJ", 900, "JPY"));
        UUID variant = hojicha.getVariants().getFirst().getId();
        UUID warehouse = merchant.client().inventory().createLocation(
                new LocationCreate().code("UJI").name("Uji warehouse")).getId();
        merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(
                new StockUpdate().variantId(variant).locationId(warehouse).onHand(12L).sourceSequence(1L))));
        CursorStore cursor = CursorStore.inMemory();
        List<StockChange> changes = new CopyOnWriteArrayList<>();

        long first = merchant.client().feeds().stock().drain(cursor, changes::addAll);
        long again = merchant.client().feeds().stock().drain(cursor, changes::addAll);
        long othersChanges = other.client().feeds().stock().drain(CursorStore.inMemory(), page -> { });

        assertThat(first).isPositive().isEqualTo(changes.size());
        assertThat(again).as("caught up: nothing twice").isZero();
        assertThat(changes).extracting(StockChange::getVariantId).containsOnly(variant);
        assertThat(changes.getLast().getStock().getOnHand()).isEqualTo(12L);
        assertThat(cursor.load()).isPresent();
        assertThat(othersChanges).isZero();
    }
}
