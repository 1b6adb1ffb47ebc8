package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The no-cliff rule of issue 20 (decisions 47 and 69): an expensive operation runs at most so many at once, and one
 * more is refused at once with 503 problem+json and {@code Retry-After} instead of queueing behind them. Proven
 * without timing: each operation is allowed one at a time with no queueing, the one permit is held by a request that
 * the test blocks on a PostgreSQL lock (seen waiting in {@code pg_stat_activity}), and the next request is refused;
 * once the lock is released the held request completes and the operation is served again.
 */
class OverloadSheddingIT {

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("orders.checkout.concurrency", "1")
            .with("orders.checkout.queue", "PT0S")
            .with("catalog.listings.concurrent-memory-searches", "1")
            .with("catalog.listings.memory-search-queue", "PT0S");

    private static final String ADDRESS = """
            {"name":"Sato Yui","country":"JP","postalCode":"150-0001","region":"Tokyo","locality":"Shibuya-ku",\
            "line1":"1-2-3 Jingumae","phone":"+81 3-1234-5678"}""";

    private static Shop shop;
    private static ActiveMerchant merchant;
    private static final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void openShop() throws Exception {
        shop = new Shop(server, 1000);
        merchant = shop.merchant("Kyoto Tea Co., Ltd.");
    }

    @AfterAll
    static void stopRequests() {
        requests.close();
    }

    @Test
    void aCheckoutBeyondTheConcurrencyLimitIsRefusedWith503AndRetryAfter() throws Exception {
        Item matcha = shop.item(merchant, "SHED-MATCHA", 2_000, 10, true);
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        UUID firstCart = shop.cartWith(shop.customer(first), 1, matcha);
        UUID secondCart = shop.cartWith(shop.customer(second), 1, matcha);

        HttpResponse<String> refused;
        CompletableFuture<HttpResponse<String>> held;
        try (Connection lock = server.dataSource().getConnection()) {
            lock.setAutoCommit(false);
            try (PreparedStatement level = lock.prepareStatement(
                    "SELECT 1 FROM stock_level WHERE variant_id = ? FOR UPDATE")) {
                level.setObject(1, matcha.variantId());
                level.executeQuery().close();
            }
            held = CompletableFuture.supplyAsync(() -> server.send(checkout(first, firstCart)), requests);
            awaitWaitingOnALock("stock_level");

            try (Connection keys = server.dataSource().getConnection()) {
                keys.setAutoCommit(false);
                try (Statement statement = keys.createStatement()) {
                    // Shed before its Idempotency-Key is claimed (decision 83): a claim would wait for this lock.
                    statement.execute("LOCK TABLE idempotency_record IN ACCESS EXCLUSIVE MODE");
                }
                refused = requests.submit(() -> server.send(checkout(second, secondCart))).get(30, TimeUnit.SECONDS);
                keys.rollback();
            }
            lock.rollback();
        }

        assertShed(refused);
        assertThat(held.get().statusCode()).as(held.get().body()).isEqualTo(201);
        assertThat(server.send(checkout(second, secondCart)).statusCode()).as("served again once the permit is free")
                .isEqualTo(201);
    }

    @Test
    void aSearchBeyondTheConcurrencyLimitIsRefusedWith503AndRetryAfter() throws Exception {
        Item hojicha = shop.item(merchant, "HOJICHA", 1_500, 10, true);
        // Never read yet: the search that finds it loads its listing from PostgreSQL, where the lock holds it.
        String search = "/v1/listings?q=hojicha";

        HttpResponse<String> refused;
        CompletableFuture<HttpResponse<String>> held;
        try (Connection lock = server.dataSource().getConnection()) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                statement.execute("LOCK TABLE product IN ACCESS EXCLUSIVE MODE");
            }
            held = CompletableFuture.supplyAsync(() -> server.send(server.request(search).GET().build()), requests);
            awaitWaitingOnALock("merchant_rating"); // the listings' load (product joined with ratings), no job's

            refused = server.send(server.request(search).GET().build());
            lock.rollback();
        }

        assertShed(refused);
        assertThat(held.get().statusCode()).as(held.get().body()).isEqualTo(200);
        assertThat(held.get().body()).contains(hojicha.productId().toString());
        assertThat(server.send(server.request(search).GET().build()).statusCode())
                .as("served again once the permit is free").isEqualTo(200);
    }

    private static HttpRequest checkout(UUID customer, UUID cart) {
        return HttpRequest.newBuilder(server.uri("/v1/orders"))
                .header("Authorization", "Bearer " + shop.customerToken(customer))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"cartId\":\"" + cart + "\",\"shippingAddress\":" + ADDRESS + "}"))
                .build();
    }

    /** Until a server's statement naming {@code table} waits for the test's lock: the permit is then held. */
    private static void awaitWaitingOnALock(String table) {
        Await.until(Duration.ofSeconds(30), "a statement naming " + table + " waits for the test's lock",
                () -> !server.db().fetch("""
                        SELECT 1 FROM pg_stat_activity
                        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE ?""",
                        "%" + table + "%").isEmpty());
    }

    private static void assertShed(HttpResponse<String> refused) {
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.body()).contains("\"code\":\"service_unavailable\"");
    }
}
