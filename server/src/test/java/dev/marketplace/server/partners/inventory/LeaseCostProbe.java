package dev.marketplace.server.partners.inventory;

import dev.marketplace.sdk.model.AssortmentShareCreate;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.PartnerOptInCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.orders.Order;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestPartners;
import dev.marketplace.server.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The JVM's CPU time and allocation per lease create and per lease commit of one line, on the calling thread
 * ({@link LeaseService} called directly: the statements' building, binding, sending and reading, the order's
 * assembly; not the HTTP layer, not the subscribers' later work), figures that survive a loaded machine where
 * throughput does not (decision 108). Not a test: run it by hand like {@code VariantsForSaleCostProbe}, with the leases
 * per round (default 1,000) as its argument.
 */
final class LeaseCostProbe {

    private static final int ROUNDS = 3;
    private static final Order.ShippingAddress ADDRESS = new Order.ShippingAddress("Sato Yui", "JP", "150-0001",
            "Tokyo", "Shibuya-ku", "1-2-3 Jingumae", null, "+81 3-1234-5678");

    private LeaseCostProbe() {
    }

    public static void main(String[] args) throws Exception {
        int perRound = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        TestServer server = new TestServer().with("partner-inventory.lease.lapse-every", "PT24H")
                .with("partner-inventory.limits.max-units-held", "100000000")
                .with("partner-inventory.limits.max-open-leases", "100000000");
        server.beforeAll(null);
        try {
            TestCatalog catalog = new TestCatalog(server);
            UUID category = server.client().categories().createCategory(new CategoryCreate()
                    .name("Goods " + UUID.randomUUID()).commissionRateBasisPoints(1000)).getId();
            ActiveMerchant shop = catalog.activeMerchant("Probe Tea KK", category);
            Product product = catalog.published(shop, TestCatalog.product(category, "Probe tea", "PR-TEA", 1000,
                    "JPY"));
            UUID variant = product.getVariants().getFirst().getId();
            UUID location = shop.client().inventory().createLocation(new LocationCreate().code("WH-PR")
                    .name("Warehouse")).getId();
            shop.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                    .variantId(variant).locationId(location).onHand(100_000_000L).sourceSequence(1L))));
            UUID partnerId = UUID.randomUUID();
            TestPartners.register(server, partnerId);
            shop.client().partnerInventory().optInToPartner(new PartnerOptInCreate().partnerId(partnerId));
            server.client().partnerInventory().createAssortmentShare(new AssortmentShareCreate().partnerId(partnerId)
                    .merchantId(shop.id()));
            java.lang.reflect.Field field = PartnerInventoryModule.class.getDeclaredField("leases");
            field.setAccessible(true);
            LeaseService leases = (LeaseService) field.get(server.module(PartnerInventoryModule.class));
            Principal partner = new Principal(PrincipalType.PARTNER, partnerId, "probe", Set.of());
            List<LeaseService.LineRequest> line = List.of(new LeaseService.LineRequest(variant, 1));

            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long thread = Thread.currentThread().threadId();
            for (int round = -1; round < ROUNDS; round++) { // round -1 warms up: JIT, the pool, plan caches
                List<UUID> created = new ArrayList<>();
                long cpu = threads.getCurrentThreadCpuTime();
                long bytes = threads.getThreadAllocatedBytes(thread);
                for (int i = 0; i < perRound; i++) {
                    created.add(leases.create(partner, line, Duration.ofMinutes(10), Optional.empty()).lease().id());
                }
                long createCpu = threads.getCurrentThreadCpuTime() - cpu;
                long createBytes = threads.getThreadAllocatedBytes(thread) - bytes;
                cpu = threads.getCurrentThreadCpuTime();
                bytes = threads.getThreadAllocatedBytes(thread);
                for (UUID lease : created) {
                    if (leases.commit(partner, lease, ADDRESS, Optional.empty()).view().order().isEmpty()) {
                        throw new IllegalStateException("lease " + lease + " not committed");
                    }
                }
                long commitCpu = threads.getCurrentThreadCpuTime() - cpu;
                long commitBytes = threads.getThreadAllocatedBytes(thread) - bytes;
                if (round >= 0) {
                    System.out.printf(Locale.ROOT, "round %d, %d leases: create %6.1f µs CPU %6.1f KB, "
                                    + "commit %6.1f µs CPU %6.1f KB (load %s)%n", round, perRound,
                            createCpu / 1e3 / perRound, createBytes / 1024.0 / perRound,
                            commitCpu / 1e3 / perRound, commitBytes / 1024.0 / perRound,
                            java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
                }
            }
        } finally {
            server.afterAll(null);
        }
    }
}
