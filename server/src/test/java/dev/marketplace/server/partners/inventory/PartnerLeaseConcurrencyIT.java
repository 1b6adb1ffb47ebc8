package dev.marketplace.server.partners.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.api.InventoryApi.ListStockParams;
import dev.marketplace.sdk.api.PartnerInventoryApi;
import dev.marketplace.sdk.model.AssortmentShareCreate;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.LeaseCreate;
import dev.marketplace.sdk.model.LeaseLimitsSet;
import dev.marketplace.sdk.model.LeaseLineInput;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.PartnerOptInCreate;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.StockLevel;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestPartners;
import dev.marketplace.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 50 leases at once from two partners on 20 units: never oversold, and the limited partner never holds more open
 * leases than the operator allows, whatever the interleaving.
 */
class PartnerLeaseConcurrencyIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final long STOCK = 20;
    private static final int LIMITED_PARTNER_MAX_LEASES = 6;

    @Test
    void concurrentLeasesNeverOversellNorPassTheLimits() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        UUID category = server.client().categories().createCategory(new CategoryCreate().name("Tea " + UUID.randomUUID())
                .commissionRateBasisPoints(1000)).getId();
        ActiveMerchant merchant = catalog.activeMerchant("Scarce Tea KK", category);
        Product product = catalog.published(merchant, TestCatalog.product(category, "Gyokuro", "GYO-1", 5000, "JPY"));
        UUID variant = product.getVariants().getFirst().getId();
        UUID location = merchant.client().inventory().createLocation(new LocationCreate().code("WH").name("WH")).getId();
        merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                .variantId(variant).locationId(location).onHand(STOCK).sourceSequence(1L))));

        PartnerInventoryApi operator = server.client().partnerInventory();
        UUID limited = UUID.randomUUID();
        UUID unlimited = UUID.randomUUID();
        List<PartnerInventoryApi> partners = new ArrayList<>();
        for (UUID partner : List.of(limited, unlimited)) {
            TestPartners.register(server, partner);
            merchant.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(partner));
            operator.createAssortmentShare(new AssortmentShareCreate().partnerId(partner).merchantId(merchant.id()));
            partners.add(partnerApi(partner));
        }
        operator.setLeaseLimits(limited, new LeaseLimitsSet().maxUnitsHeld(1000L).maxOpenLeases(LIMITED_PARTNER_MAX_LEASES));

        int requests = 50;
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentHashMap<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        AtomicInteger limitedHeld = new AtomicInteger();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                boolean fromLimited = i % 2 == 0;
                PartnerInventoryApi api = partners.get(fromLimited ? 0 : 1);
                done.add(threads.submit(() -> {
                    start.await();
                    try {
                        api.createLease(new LeaseCreate().lines(List.of(
                                new LeaseLineInput().variantId(variant).quantity(1L))));
                        if (fromLimited) {
                            limitedHeld.incrementAndGet();
                        }
                        outcomes.computeIfAbsent("leased", k -> new AtomicInteger()).incrementAndGet();
                    } catch (MarketplaceException e) {
                        outcomes.computeIfAbsent(e.status() + " " + e.code(), k -> new AtomicInteger()).incrementAndGet();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get();
            }
        }

        assertThat(outcomes.keySet()).as("outcomes: " + outcomes)
                .allMatch(outcome -> outcome.equals("leased") || outcome.startsWith("409 "));
        assertThat(outcomes.get("leased").get()).as("every unit leased, none twice: " + outcomes).isEqualTo((int) STOCK);
        assertThat(limitedHeld.get()).isLessThanOrEqualTo(LIMITED_PARTNER_MAX_LEASES);
        assertThat(operator.getLeaseLimits(limited).getOpenLeases()).isEqualTo(limitedHeld.get());
        assertThat(operator.getLeaseLimits(unlimited).getUnitsHeld()).isEqualTo(STOCK - limitedHeld.get());
        StockLevel level = merchant.client().inventory().listStock(ListStockParams.builder().variantId(variant)
                .locationId(location).build()).getItems().getFirst();
        assertThat(level.getOnHand()).isEqualTo(STOCK);
        assertThat(level.getReserved()).isEqualTo(STOCK);
    }

    private static PartnerInventoryApi partnerApi(UUID partner) {
        ClientCredentials credentials = server.client().clients().createClient(new ClientCreate().name("Partner")
                .principalType(PrincipalType.PARTNER).principalId(partner)
                .scopes(List.of(Scope.PARTNER_INVENTORY_READ, Scope.LEASES_WRITE)));
        return server.clientWithToken(server.token(credentials.getClient().getClientId(),
                credentials.getClientSecret())).partnerInventory();
    }
}
