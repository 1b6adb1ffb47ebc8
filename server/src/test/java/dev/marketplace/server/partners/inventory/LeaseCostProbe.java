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
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.SubscriberBacklog;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestPartners;
import dev.marketplace.server.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The JVM's CPU time and allocation per lease create and per lease commit of one line, on the calling thread
 * ({@link LeaseService} called directly: the statements' building, binding, sending and reading, the order's
 * assembly; not the HTTP layer, not the subscribers' later work), figures that survive a loaded machine where
 * throughput does not (decision 108). Beside them, what the round cost the other threads of the process, from the
 * round's start until every subscriber has handled the round's events (a closed-loop bench's JVM figure includes
 * them), by thread group: the jobs and subscribers run on virtual threads, so their CPU shows on the carriers
 * ({@code ForkJoinPool-1-worker-}); a JFR recording tells them apart. Not a test: run it by hand like
 * {@code VariantsForSaleCostProbe}, with the leases per round (default 1,000) as its argument:
 * {@code java -cp server/target/test-classes:server/target/classes:<test classpath>
 * dev.marketplace.server.partners.inventory.LeaseCostProbe 1000}.
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
            com.sun.management.OperatingSystemMXBean process =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            for (int round = -1; round < ROUNDS; round++) { // round -1 warms up: JIT, the pool, plan caches
                List<UUID> created = new ArrayList<>();
                Map<Long, long[]> before = threadCosts(threads);
                long processCpu = process.getProcessCpuTime();
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
                Await.until(Duration.ofMinutes(5), "every subscriber caught up", () -> Boolean.TRUE.equals(server.db()
                        .fetchValue("SELECT NOT bool_or(" + SubscriberBacklog.BEHIND + ") FROM event_subscription s")));
                long processUsed = process.getProcessCpuTime() - processCpu;
                Map<String, long[]> others = othersByGroup(threads, before, thread);
                if (round >= 0) {
                    System.out.printf(Locale.ROOT, "round %d, %d leases: create %6.1f µs CPU %6.1f KB, "
                                    + "commit %6.1f µs CPU %6.1f KB (load %s)%n", round, perRound,
                            createCpu / 1e3 / perRound, createBytes / 1024.0 / perRound,
                            commitCpu / 1e3 / perRound, commitBytes / 1024.0 / perRound,
                            java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
                    System.out.printf(Locale.ROOT, "  process %6.1f µs CPU per create+commit, of which other threads:%n",
                            processUsed / 1e3 / perRound);
                    others.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                            .limit(8).forEach(e -> System.out.printf(Locale.ROOT, "    %-40s %6.1f µs CPU %6.1f KB%n",
                                    e.getKey(), e.getValue()[0] / 1e3 / perRound,
                                    e.getValue()[1] / 1024.0 / perRound));
                }
            }
        } finally {
            server.afterAll(null);
        }
    }

    /** Each live thread's CPU time and allocated bytes, by id. */
    private static Map<Long, long[]> threadCosts(com.sun.management.ThreadMXBean threads) {
        long[] ids = threads.getAllThreadIds();
        long[] cpu = threads.getThreadCpuTime(ids);
        long[] bytes = threads.getThreadAllocatedBytes(ids);
        Map<Long, long[]> costs = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            costs.put(ids[i], new long[] {cpu[i], bytes[i]});
        }
        return costs;
    }

    /**
     * The other threads' CPU and allocation since {@code before}, summed by name with its digits dropped (a thread
     * that ended in between is not counted; the process figure has it).
     */
    private static Map<String, long[]> othersByGroup(com.sun.management.ThreadMXBean threads,
            Map<Long, long[]> before, long self) {
        Map<Long, long[]> after = threadCosts(threads);
        Map<String, long[]> groups = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(after.keySet().stream().mapToLong(Long::longValue).toArray())) {
            if (info == null || info.getThreadId() == self) {
                continue;
            }
            long[] now = after.get(info.getThreadId());
            long[] then = before.getOrDefault(info.getThreadId(), new long[2]);
            long[] sum = groups.computeIfAbsent(info.getThreadName().replaceAll("[0-9]+", "#"), name -> new long[2]);
            sum[0] += now[0] - then[0];
            sum[1] += now[1] - then[1];
        }
        return groups;
    }
}
