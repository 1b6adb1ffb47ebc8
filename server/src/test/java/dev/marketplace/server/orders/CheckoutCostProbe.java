package dev.marketplace.server.orders;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The JVM's CPU time and allocation per checkout of the benchmark's cart (five lines from three merchants) on the
 * calling thread ({@link OrderService#checkout} called directly: no HTTP layer, no Idempotency-Key, no audit line),
 * figures that survive a loaded machine where throughput does not (decision 108). The carts are made through the API
 * before each round, outside what is measured. Beside it, the whole process's CPU over the same checkouts (the
 * subscribers' and jobs' threads included; any work they leave past the round's end is not). Not a test: run it by hand
 * like {@code VariantsForSaleCostProbe}, with the checkouts per round (default 150) as its argument:
 * {@code java -cp server/target/test-classes:server/target/classes:<test classpath>
 * dev.marketplace.server.orders.CheckoutCostProbe 150}.
 */
final class CheckoutCostProbe {

    private static final int ROUNDS = 3;
    private static final Order.ShippingAddress ADDRESS = new Order.ShippingAddress("Sato Yui", "JP", "150-0001",
            "Tokyo", "Shibuya-ku", "1-2-3 Jingumae", null, "+81 3-1234-5678");

    private CheckoutCostProbe() {
    }

    public static void main(String[] args) throws Exception {
        int perRound = args.length > 0 ? Integer.parseInt(args[0]) : 150;
        TestServer server = new TestServer().with("points.base-rate-bp", "0");
        server.beforeAll(null);
        try {
            Shop shop = new Shop(server, 1000);
            ActiveMerchant tea = shop.merchant("Kyoto Tea Co., Ltd.");
            ActiveMerchant pottery = shop.merchant("Arita Pottery K.K.");
            ActiveMerchant books = shop.merchant("Kanda Books Ltd.");
            Item[] fiveLines = {shop.item(tea, "P-GYO", 3_000, 100_000_000, true),
                    shop.item(tea, "P-SEN", 1_200, 100_000_000, true),
                    shop.item(pottery, "P-BOWL", 4_999, 100_000_000, false),
                    shop.item(pottery, "P-CUP", 2_500, 100_000_000, false),
                    shop.item(books, "P-NOVEL", 1_500, 100_000_000, false)};
            UUID customerId = UUID.randomUUID();
            OrderService orders = server.module(OrdersModule.class).orders();
            Principal caller = new Principal(PrincipalType.STOREFRONT, shop.storefrontId, "probe",
                    Set.of("cart:write", "orders:read", "orders:write"), customerId);

            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long thread = Thread.currentThread().threadId();
            // The whole process's CPU too: the subscribers and jobs an order_placed wakes run on other threads, and a
            // closed-loop bench's JVM figure includes them (PostgreSQL runs in processes of its own).
            com.sun.management.OperatingSystemMXBean process =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            for (int round = -1; round < ROUNDS; round++) { // round -1 warms up: JIT, the pool, plan caches
                MarketplaceClient customer = shop.customer(customerId); // a fresh token: a round outlasts one
                List<UUID> carts = new ArrayList<>();
                for (int i = 0; i < perRound; i++) {
                    carts.add(shop.cartWith(customer, 1, fiveLines));
                }
                long cpu = threads.getCurrentThreadCpuTime();
                long bytes = threads.getThreadAllocatedBytes(thread);
                long processCpu = process.getProcessCpuTime();
                for (UUID cart : carts) {
                    orders.checkout(caller, new CheckoutRequest(cart, ADDRESS, 0, List.of(),
                            Optional.empty()));
                }
                long used = threads.getCurrentThreadCpuTime() - cpu;
                long allocated = threads.getThreadAllocatedBytes(thread) - bytes;
                long processUsed = process.getProcessCpuTime() - processCpu;
                if (round >= 0) {
                    System.out.printf(Locale.ROOT, "round %d, %d checkouts: %6.1f µs CPU %6.1f KB each, process"
                                    + " %6.1f µs CPU each (load %s)%n", round, perRound, used / 1e3 / perRound,
                            allocated / 1024.0 / perRound, processUsed / 1e3 / perRound,
                            Files.readString(Path.of("/proc/loadavg")).trim());
                }
            }
        } finally {
            server.afterAll(null);
        }
    }
}
