package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.inventory.InventoryModule;
import dev.marketplace.server.inventory.ReservationRequest;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.StatementRecorder;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Decision 88: a checkout waits for its turn before it claims its Idempotency-Key or reads its cart, and while it
 * waits it is refused 409 from memory the moment its variant is known sold out: a flash sale's buyers waiting for the
 * last units cost no statement and are not shed. Proven without timing: the one turn is held by a checkout the test
 * blocks on a stock level's lock, the waiter is seen waiting on {@code /observe/metrics}, then its variant is read
 * sold out by another request.
 */
class CheckoutWaitingIT {

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("orders.checkout.concurrency", "1")
            .with("orders.checkout.queue", "PT60S");

    private static final String ADDRESS = """
            {"name":"Sato Yui","country":"JP","postalCode":"150-0001","region":"Tokyo","locality":"Shibuya-ku",\
            "line1":"1-2-3 Jingumae","phone":"+81 3-1234-5678"}""";

    private static Shop shop;
    private static ActiveMerchant merchant;
    private static StatementRecorder recorder;
    private static final ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void openShop() throws Exception {
        shop = new Shop(server, 1000);
        merchant = shop.merchant("Kyoto Tea Co., Ltd.");
        recorder = new StatementRecorder(server);
    }

    @AfterAll
    static void stop() {
        recorder.stop();
        requests.close();
    }

    @Test
    void aWaitingCheckoutIsRefusedTheMomentItsVariantIsKnownSoldOutHavingRunNoStatement() throws Exception {
        Item held = shop.item(merchant, "WAIT-HELD", 2_000, 10, true);
        Item last = shop.item(merchant, "WAIT-LAST", 2_000, 1, true);
        UUID winner = UUID.randomUUID();
        assertThat(server.send(checkout(winner, shop.cartWith(shop.customer(winner), 1, last))).statusCode())
                .isEqualTo(201);
        UUID holder = UUID.randomUUID();
        UUID holdersCart = shop.cartWith(shop.customer(holder), 1, held);
        UUID waiter = UUID.randomUUID();
        UUID waitersCart = shop.cartWith(shop.customer(waiter), 1, last);

        CompletableFuture<HttpResponse<String>> holding;
        HttpResponse<String> refused;
        List<String> statements;
        try (Connection lock = server.dataSource().getConnection()) {
            lock.setAutoCommit(false);
            try (PreparedStatement level = lock.prepareStatement(
                    "SELECT 1 FROM stock_level WHERE variant_id = ? FOR UPDATE")) {
                level.setObject(1, held.variantId());
                level.executeQuery().close();
            }
            holding = CompletableFuture.supplyAsync(() -> server.send(checkout(holder, holdersCart)), requests);
            Await.until(Duration.ofSeconds(30), "the one turn held by a checkout waiting for the test's lock",
                    () -> !server.db().fetch("""
                            SELECT 1 FROM pg_stat_activity
                            WHERE datname = current_database() AND wait_event_type = 'Lock'
                              AND query ILIKE '%stock_level%'""").isEmpty());

            assertThat(metric("http_admission_in_flight")).as("a checkout with its turn holds no door slot: the "
                    + "checkouts' limit bounds it (decision 143)").isZero();

            AtomicReference<HttpResponse<String>> answer = new AtomicReference<>();
            statements = recorder.allDuring(() -> {
                CompletableFuture<HttpResponse<String>> waiting = CompletableFuture.supplyAsync(
                        () -> server.send(checkout(waiter, waitersCart)), requests);
                Await.until(Duration.ofSeconds(30), "the checkout waiting for its turn",
                        () -> checkoutsWaiting() == 1);
                // Another request finds the variant sold out (a partner's lease, a checkout of another cart).
                assertThatThrownBy(() -> server.module(InventoryModule.class).reservations()
                        .refuseIfVisiblyShort(new ReservationRequest(List.of(new ReservationRequest.Line(
                                last.variantId(), 1, Optional.empty())), Duration.ofMinutes(1))))
                        .isInstanceOf(ProblemException.class);
                answer.set(waiting.get(30, TimeUnit.SECONDS));
                return null;
            });
            refused = answer.get();
            assertThat(holding).as("the turn is still held").isNotDone();
            lock.rollback();
        }

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        assertThat(refused.body()).contains("\"code\":\"insufficient_stock\"");
        assertThat(statements).as("no Idempotency-Key claimed, no cart read")
                .noneMatch(sql -> sql.contains("\"idempotency_record\"") || sql.contains("\"cart\""));
        assertThat(checkoutsWaiting()).isZero();
        assertThat(holding.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
    }

    private static double checkoutsWaiting() {
        return metric("orders_checkouts_waiting");
    }

    /** A value on {@code /observe/metrics} (Prometheus text), the first line of that name. */
    private static double metric(String name) {
        HttpResponse<String> metrics = server.send(server.request("/observe/metrics")
                .header("Accept", "text/plain").GET().build());
        Matcher line = Pattern.compile("(?m)^" + name + "(\\{[^}]*})? ([-0-9.E+]+)$").matcher(metrics.body());
        assertThat(line.find()).as(metrics.body()).isTrue();
        return Double.parseDouble(line.group(2));
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
}
