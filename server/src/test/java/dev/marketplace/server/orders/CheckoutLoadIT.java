package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A small load run, not a test of speed: {@code checkout.load.checkouts} checkouts (default 1,000) of two-merchant
 * carts from {@code checkout.load.clients} concurrent clients (default 16), spread over {@code checkout.load.skus}
 * pairs of SKUs (default 1: every checkout competes for the same two stock rows), each timed from request to response
 * over plain HTTP (no client-side contract validation); prints throughput, latency percentiles and the answers'
 * statuses, and checks that stock matches the orders placed. Skipped unless {@code -Dcheckout.load=true}:
 * {@code ./mvnw -q -B verify -pl server -am -Dtest=none -Dit.test=CheckoutLoadIT -Dcheckout.load=true
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "checkout.load", matches = "true")
class CheckoutLoadIT {

    @RegisterExtension
    static final TestServer server = new TestServer().with("db.pool.size", "16");

    @Test
    void checkoutThroughputAndLatency() throws Exception {
        int checkouts = Integer.getInteger("checkout.load.checkouts", 1_000);
        int clients = Integer.getInteger("checkout.load.clients", 16);
        Shop shop = new Shop(server, 1000);
        ActiveMerchant tea = shop.merchant("Kyoto Tea Co., Ltd.");
        ActiveMerchant pottery = shop.merchant("Arita Pottery K.K.");
        int skus = Integer.getInteger("checkout.load.skus", 1);
        List<Item[]> pairs = new ArrayList<>();
        for (int i = 0; i < skus; i++) {
            pairs.add(new Item[] {shop.item(tea, "LOAD-GYO-" + i, 3_000, checkouts, true),
                    shop.item(pottery, "LOAD-BOWL-" + i, 5_000, checkouts, false)});
        }

        List<HttpRequest> requests = new ArrayList<>();
        for (int i = 0; i < checkouts; i++) {
            UUID customerId = UUID.randomUUID();
            MarketplaceClient customer = shop.customer(customerId);
            UUID cart = shop.cartWith(customer, 1, pairs.get(i % skus));
            requests.add(HttpRequest.newBuilder(URI.create(server.baseUri() + "/v1/orders"))
                    .header("Authorization", "Bearer " + shop.customerToken(customerId))
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", "load-" + cart)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"cartId\":\"" + cart + "\",\"shippingAddress\":"
                            + "{\"name\":\"Sato Yui\",\"country\":\"JP\",\"postalCode\":\"150-0001\",\"region\":\"Tokyo\","
                            + "\"locality\":\"Shibuya-ku\",\"line1\":\"1-2-3 Jingumae\",\"phone\":\"+81 3-1234-5678\"}}"))
                    .build());
        }

        HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        long[] latencies = new long[checkouts];
        AtomicInteger next = new AtomicInteger();
        java.util.Map<Integer, AtomicInteger> statuses = new java.util.concurrent.ConcurrentSkipListMap<>();
        long started = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                workers.add(threads.submit(() -> {
                    for (int i = next.getAndIncrement(); i < checkouts; i = next.getAndIncrement()) {
                        long sent = System.nanoTime();
                        HttpResponse<String> response = http.send(requests.get(i), HttpResponse.BodyHandlers.ofString());
                        latencies[i] = System.nanoTime() - sent;
                        statuses.computeIfAbsent(response.statusCode(), status -> new AtomicInteger()).incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        Arrays.sort(latencies);
        System.out.printf("checkout load: %d checkouts (2 merchants, 2 lines each, %d SKU pair(s)) from %d clients in "
                        + "%.1f s: %.1f checkouts/s; latency ms p50 %.1f, p90 %.1f, p99 %.1f, max %.1f; statuses %s%n",
                checkouts, skus, clients, seconds, checkouts / seconds, percentile(latencies, 50),
                percentile(latencies, 90), percentile(latencies, 99), latencies[checkouts - 1] / 1e6, statuses);
        long placed = statuses.getOrDefault(201, new AtomicInteger()).get();
        long reserved = 0;
        for (Item[] pair : pairs) {
            reserved += shop.stock(pair[0]).getReserved();
        }
        assertThat(reserved).as("stock reserved for exactly the orders placed").isEqualTo(placed);
    }

    private static double percentile(long[] sorted, int percent) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percent / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
