package dev.marketplace.server.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.api.InventoryApi;
import dev.marketplace.sdk.api.InventoryApi.ListStockParams;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ReservationCreate;
import dev.marketplace.sdk.model.ReservationLineInput;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.StockLevel;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stock is never oversold: many checkouts racing for the last units, through the SDK and the validating client. */
class InventoryConcurrencyIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final int CHECKOUTS = 200;
    private static final long STOCK = 10;

    @Test
    void twoHundredConcurrentReservationsOfOneUnitWithTenAvailableReserveExactlyTen() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        UUID tea = server.client().categories().createCategory(
                new CategoryCreate().name("Tea").commissionRateBasisPoints(1000)).getId();
        ActiveMerchant merchant = catalog.activeMerchant("Kyoto Tea Co., Ltd.", tea);
        Product product = merchant.client().products().createProduct(
                TestCatalog.product(tea, "Gyokuro", "GYO-50G", 3_000, "JPY"));
        UUID variant = product.getVariants().getFirst().getId();
        UUID warehouse = merchant.client().inventory().createLocation(
                new LocationCreate().code("KYOTO-1").name("Kyoto warehouse")).getId();
        merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                .variantId(variant).locationId(warehouse).onHand(STOCK).sourceSequence(1L))));
        ClientCredentials credentials = server.storefrontClient(new ClientCreate().name("Storefront")
                .scopes(List.of(Scope.INVENTORY_RESERVE)));
        MarketplaceClient storefront = server.clientWithToken(
                server.token(credentials.getClient().getClientId(), credentials.getClientSecret()));

        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> checkouts = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CHECKOUTS; i++) {
                checkouts.add(threads.submit(() -> {
                    start.await();
                    try {
                        storefront.reservations().createReservation(new ReservationCreate().lines(List.of(
                                new ReservationLineInput().variantId(variant).quantity(1L))));
                        return true;
                    } catch (ConflictException e) {
                        assertThat(e.code()).isEqualTo(ErrorCode.INSUFFICIENT_STOCK);
                        return false;
                    }
                }));
            }
            start.countDown();
        }
        long succeeded = 0;
        for (Future<Boolean> checkout : checkouts) {
            succeeded += checkout.get() ? 1 : 0;
        }

        StockLevel level = merchant.client().inventory().listStock(
                ListStockParams.builder().variantId(variant).locationId(warehouse).build()).getItems().getFirst();
        assertThat(succeeded).isEqualTo(STOCK);
        assertThat(level.getAvailable()).isZero();
        assertThat(level.getReserved()).isEqualTo(STOCK);
        assertThat(level.getOnHand()).isEqualTo(STOCK);
    }
}
