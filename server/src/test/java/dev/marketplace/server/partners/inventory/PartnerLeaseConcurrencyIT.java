package dev.marketplace.server.partners.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.api.InventoryApi.ListStockParams;
import dev.marketplace.sdk.api.PartnerInventoryApi;
import dev.marketplace.sdk.model.AssortmentShareCreate;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.LeaseCommit;
import dev.marketplace.sdk.model.LeaseCreate;
import dev.marketplace.sdk.model.LeaseLimitsSet;
import dev.marketplace.sdk.model.LeaseLineInput;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.PartnerOptInCreate;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.ShippingAddress;
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
 * leases than the operator allows, whatever the interleaving, also while its leases end.
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
                    if (leaseOneUnit(api, variant, outcomes) && fromLimited) {
                        limitedHeld.incrementAndGet();
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

    /**
     * Ends no longer take the holding row (decision 82): a partner at its limit ends its five leases (three commits,
     * two releases) while 50 creates run; none passes the limit at any time, so at most five pass, and what the
     * partner holds afterwards is exactly what those hold.
     */
    @Test
    void leasesEndingWhileOthersOpenKeepThePartnersLimitsExact() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        UUID category = server.client().categories().createCategory(new CategoryCreate().name("Tea " + UUID.randomUUID())
                .commissionRateBasisPoints(1000)).getId();
        ActiveMerchant merchant = catalog.activeMerchant("Plenty Tea KK", category);
        Product product = catalog.published(merchant, TestCatalog.product(category, "Bancha", "BAN-1", 800, "JPY"));
        UUID variant = product.getVariants().getFirst().getId();
        UUID location = merchant.client().inventory().createLocation(new LocationCreate().code("WH").name("WH")).getId();
        merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                .variantId(variant).locationId(location).onHand(200L).sourceSequence(1L))));
        PartnerInventoryApi operator = server.client().partnerInventory();
        UUID partnerId = UUID.randomUUID();
        TestPartners.register(server, partnerId);
        merchant.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(partnerId));
        operator.createAssortmentShare(new AssortmentShareCreate().partnerId(partnerId).merchantId(merchant.id()));
        int maxOpen = 5;
        operator.setLeaseLimits(partnerId, new LeaseLimitsSet().maxUnitsHeld(1000L).maxOpenLeases(maxOpen));
        PartnerInventoryApi partner = partnerApi(partnerId);
        List<UUID> held = new ArrayList<>();
        for (int i = 0; i < maxOpen; i++) {
            held.add(partner.createLease(new LeaseCreate().lines(List.of(
                    new LeaseLineInput().variantId(variant).quantity(1L)))).getId());
        }

        CountDownLatch start = new CountDownLatch(1);
        ConcurrentHashMap<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < held.size(); i++) {
                UUID lease = held.get(i);
                boolean commit = i < 3;
                done.add(threads.submit(() -> {
                    start.await();
                    if (commit) {
                        partner.commitLease(lease, new LeaseCommit().shippingAddress(new ShippingAddress()
                                .name("Sato Yui").country("JP").postalCode("150-0001").region("Tokyo")
                                .locality("Shibuya-ku").line1("1-2-3 Jingumae").phone("+81 3-1234-5678")));
                    } else {
                        partner.releaseLease(lease);
                    }
                    return null;
                }));
            }
            for (int i = 0; i < 50; i++) {
                done.add(threads.submit(() -> {
                    start.await();
                    leaseOneUnit(partner, variant, outcomes);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get();
            }
        }

        assertThat(outcomes.keySet()).as("outcomes: " + outcomes)
                .allMatch(outcome -> outcome.equals("leased") || outcome.equals("409 lease_limit_reached"));
        int leased = outcomes.getOrDefault("leased", new AtomicInteger()).get();
        assertThat(leased).as("never more open leases than the limit: " + outcomes).isLessThanOrEqualTo(maxOpen);
        assertThat(operator.getLeaseLimits(partnerId).getOpenLeases()).isEqualTo(leased);
        assertThat(operator.getLeaseLimits(partnerId).getUnitsHeld()).isEqualTo(leased);
        StockLevel level = merchant.client().inventory().listStock(ListStockParams.builder().variantId(variant)
                .locationId(location).build()).getItems().getFirst();
        assertThat(level.getOnHand()).as("three units sold").isEqualTo(200 - 3);
        assertThat(level.getReserved()).isEqualTo(leased);
    }

    /** One lease of one unit; its outcome counted ("leased", or the refusal's status and code). */
    private static boolean leaseOneUnit(PartnerInventoryApi partner, UUID variant,
                                        ConcurrentHashMap<String, AtomicInteger> outcomes) {
        String outcome;
        try {
            partner.createLease(new LeaseCreate().lines(List.of(new LeaseLineInput().variantId(variant).quantity(1L))));
            outcome = "leased";
        } catch (MarketplaceException e) {
            outcome = e.status() + " " + e.code();
        }
        outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
        return outcome.equals("leased");
    }

    private static PartnerInventoryApi partnerApi(UUID partner) {
        ClientCredentials credentials = server.client().clients().createClient(new ClientCreate().name("Partner")
                .principalType(PrincipalType.PARTNER).principalId(partner)
                .scopes(List.of(Scope.PARTNER_INVENTORY_READ, Scope.LEASES_WRITE)));
        return server.clientWithToken(server.token(credentials.getClient().getClientId(),
                credentials.getClientSecret())).partnerInventory();
    }
}
