package dev.marketplace.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.CartLineSet;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.OrderCreate;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.MarketplaceServer;
import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.payments.TestPaymentProvider;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.RecordingMailSender;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.TokenForge;
import dev.marketplace.server.testing.ValidatingHttpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Nodes whose clocks differ by a few seconds, on one database (issue 21, decision 62): one node keeps true time, one
 * runs 4 s ahead and one 4 s behind (their whole clock: the wall clock tokens are issued and checked by, and the
 * clock of the business rules). Tokens issued by one are accepted by the others (the bound is 5 s between issuer and
 * checker); a key's lease is set on PostgreSQL's clock whichever node claims it, so none takes it early; an unpaid
 * order's deadline is set on PostgreSQL's clock by the node ahead, and when both skewed nodes run the expiry job it
 * fires once, not before the deadline by the database's clock (decision 72); so are its reservation's expiry and, once
 * paid on the node behind, its ship-by time, and the node behind commits its stock (decision 80).
 */
class ClockSkewIT {

    private static final Duration SKEW = Duration.ofSeconds(4);
    /** Short, so that the deadline comes within the test; every node has it. */
    private static final String PAYMENT_TIMEOUT = "PT3S";
    /** The jobs run when the test says (runNow), not on their own schedule. */
    private static final String JOBS_EVERY = "PT1H";

    @RegisterExtension
    static final TestServer trueTime = new TestServer().with("orders.payment.timeout", PAYMENT_TIMEOUT)
            .with("orders.jobs.every", JOBS_EVERY);

    private static DSLContext db;
    private static MarketplaceServer ahead;
    private static MarketplaceServer behind;
    private static final HttpClient HTTP = ValidatingHttpClient.create();

    @BeforeAll
    static void startNodes() throws Exception {
        String databaseUrl = trueTime.databaseUrl();
        db = TestDatabases.dsl(databaseUrl);
        ahead = node(databaseUrl, Clock.offset(Clock.systemUTC(), SKEW));
        behind = node(databaseUrl, Clock.offset(Clock.systemUTC(), SKEW.negated()));
    }

    @AfterAll
    static void stopNodes() {
        for (MarketplaceServer node : new MarketplaceServer[] {behind, ahead}) {
            if (node != null) {
                node.close();
            }
        }
    }

    @Test
    void aTokenIssuedByANodeAheadOrBehindIsAcceptedByOneKeepingTrueTimeAndTheOtherWayRound() {
        for (MarketplaceServer skewed : new MarketplaceServer[] {ahead, behind}) {
            assertThat(categories(trueTime.baseUri(), tokenFrom(uri(skewed))).statusCode()).isEqualTo(200);
            assertThat(categories(uri(skewed), tokenFrom(trueTime.baseUri())).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aKeyClaimedOnANodeBehindIsLeasedOnTheDatabasesClockAndNotTakenByANodeAhead() throws Exception {
        String key = UUID.randomUUID().toString();
        String body = "{\"name\":\"Skewed " + key.substring(0, 8) + "\",\"commissionRateBasisPoints\":1000}";
        String behindToken = tokenFrom(uri(behind));
        CompletableFuture<HttpResponse<String>> first = new CompletableFuture<>();
        db.transaction(blocking -> {
            // Holds the category tree's lock (CategoryRepository): the request on the node behind claims its key and
            // waits here, in flight.
            blocking.dsl().fetch("SELECT pg_advisory_xact_lock(x'6361745f74726565'::bigint)");
            Thread.ofVirtual().start(() -> first.complete(createCategory(behind, behindToken, key, body)));
            Await.until(Duration.ofSeconds(10), "the node behind claimed the key", () ->
                    db.fetchExists(db.selectOne().from("idempotency_record").where("idempotency_key = ?", key)));
            double leaseSeconds = ((Number) db.fetchValue(
                    "SELECT extract(epoch FROM locked_until - created_at) FROM idempotency_record WHERE idempotency_key = ?",
                    key)).doubleValue();
            assertThat(leaseSeconds).as("a minute on the database's clock, not 56 s by the node's").isBetween(59.9, 60.5);

            HttpResponse<String> duplicate = createCategory(ahead, tokenFrom(uri(ahead)), key, body);
            assertThat(duplicate.statusCode()).isEqualTo(409);
            assertThat(duplicate.body()).contains("\"code\":\"idempotency_request_in_progress\"");
        });
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
        assertThat(db.fetchValue("SELECT count(*) FROM catalog_category WHERE name = ?", "Skewed " + key.substring(0, 8)))
                .isEqualTo(1L);
    }

    @Test
    void anUnpaidOrdersDeadlineIsOnTheDatabasesClockAndBothSkewedNodesRunningTheJobExpireItOnceWhenItIsDue()
            throws Exception {
        UUID order = placedOnTheNodeAhead("SKEW-1").order();

        double deadline = ((Number) db.fetchValue(
                "SELECT extract(epoch FROM payment_due_at - created_at) FROM customer_order WHERE id = ?", order))
                .doubleValue();
        assertThat(deadline).as("the payment timeout from the checkout on the database's clock").isBetween(3.0, 3.9);
        for (MarketplaceServer skewed : new MarketplaceServer[] {ahead, behind}) {
            skewed.jobs().runNow(OrderService.UNPAID_EXPIRY_JOB);
        }
        assertThat(db.fetchValue("SELECT status FROM customer_order WHERE id = ?", order)).as("not due yet")
                .isEqualTo("placed");

        Await.until(Duration.ofSeconds(10), "the deadline passed on the database's clock", () -> Boolean.TRUE.equals(
                db.fetchValue("SELECT payment_due_at < clock_timestamp() FROM customer_order WHERE id = ?", order)));
        long expired = 0;
        try (ExecutorService both = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> runs = new ArrayList<>();
            for (MarketplaceServer skewed : new MarketplaceServer[] {ahead, behind}) {
                runs.add(both.submit(() -> skewed.jobs().runNow(OrderService.UNPAID_EXPIRY_JOB)));
            }
            for (Future<Long> run : runs) {
                expired += run.get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(expired).as("orders the two runs expired").isEqualTo(1);
        assertThat(db.fetchValue("SELECT status FROM customer_order WHERE id = ?", order)).isEqualTo("expired");
        assertThat(db.fetchValue("SELECT count(*) FROM order_transition WHERE order_id = ? AND sub_order_id IS NULL "
                + "AND to_status = 'expired'", order)).as("one expiry").isEqualTo(1L);
        assertThat(db.fetchValue("SELECT count(*) FROM domain_event WHERE order_id = ? AND type = 'order_expired'",
                order)).as("one order_expired event").isEqualTo(1L);
        assertThat(db.fetchValue("SELECT bool_and(t.occurred_at >= o.payment_due_at) FROM order_transition t "
                + "JOIN customer_order o ON o.id = t.order_id WHERE t.order_id = ? AND t.to_status = 'expired'", order))
                .as("expired at or after the deadline by the database's clock").isEqualTo(true);
    }

    @Test
    void aReservationsExpiryAndAPaidOrdersShipByTimeAreSetOnTheDatabasesClockAndItsStockCommittedByANodeBehind()
            throws Exception {
        Placed placed = placedOnTheNodeAhead("SKEW-2");
        double held = ((Number) db.fetchValue("SELECT extract(epoch FROM r.expires_at - r.created_at) FROM "
                + "stock_reservation r JOIN customer_order o ON o.reservation_id = r.id WHERE o.id = ?", placed.order()))
                .doubleValue();
        assertThat(held).as("the payment timeout and 15 minutes' grace from the checkout on the database's clock, "
                + "not 4 s more by the node's").isBetween(903.0, 903.9);

        // The test gives the customer time to pay: the 3-s deadline is the other test's, and this machine may be slow.
        db.execute("UPDATE customer_order SET payment_due_at = clock_timestamp() + interval '1 hour' WHERE id = ?",
                placed.order());
        TestServer.clientWithToken(uri(behind), placed.customerToken()).payments().payOrder(placed.order(),
                new PaymentCreate().paymentMethod(TestPaymentProvider.OK));
        Await.until(Duration.ofSeconds(10), "the paid order's stock committed by the node behind", () -> "committed".equals(
                db.fetchValue("SELECT r.status FROM stock_reservation r JOIN customer_order o ON o.reservation_id = r.id "
                        + "WHERE o.id = ?", placed.order())));
        double shipByAfterAcceptanceDue = ((Number) db.fetchValue(
                "SELECT extract(epoch FROM ship_by_at - acceptance_due_at) FROM sub_order WHERE order_id = ?",
                placed.order())).doubleValue();
        assertThat(shipByAfterAcceptanceDue)
                .as("ship-by (3 days' handling) and the acceptance deadline (2 days) both from the payment on the "
                        + "database's clock, one day apart to the millisecond")
                .isBetween(86_399.99, 86_400.1);
    }

    /** A customer's token and its order, placed on the node ahead. */
    private record Placed(String customerToken, UUID order) {
    }

    /** One unit of a new product, ordered by a customer shopping on the node ahead (its clock would put deadlines late). */
    private static Placed placedOnTheNodeAhead(String sku) throws Exception {
        UUID category = trueTime.client().categories().createCategory(new CategoryCreate().name("Skewed goods " + sku)
                .commissionRateBasisPoints(1000)).getId();
        TestCatalog catalog = new TestCatalog(trueTime);
        ActiveMerchant merchant = catalog.activeMerchant("Skewed Tea K.K. " + sku, category);
        Product product = catalog.published(merchant, TestCatalog.product(category, "Skewed tea", sku, 1_000, "JPY"));
        UUID variant = product.getVariants().getFirst().getId();
        UUID location = merchant.client().inventory().createLocation(new LocationCreate().code("WH-" + sku).name("Skew"))
                .getId();
        merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                .variantId(variant).locationId(location).onHand(5L).sourceSequence(1L))));
        ClientCredentials storefront = trueTime.storefrontClient(new ClientCreate().name("Skewed storefront " + sku)
                .scopes(List.of(Scope.CART_WRITE, Scope.ORDERS_READ, Scope.ORDERS_WRITE)));
        ECKey key = TokenForge.activeKey(trueTime.db());
        String token = TokenForge.sign(key, TokenForge.header(key).build(), TokenForge.customerClaims(
                storefront.getClient().getClientId(), storefront.getClient().getPrincipalId(), UUID.randomUUID(),
                "cart:write", "orders:read", "orders:write").build());
        MarketplaceClient customer = TestServer.clientWithToken(uri(ahead), token);
        UUID cart = customer.carts().createCart(Map.of()).getId();
        customer.carts().setCartLine(cart, variant, new CartLineSet().quantity(1));
        return new Placed(token, customer.orders().checkout(new OrderCreate().cartId(cart).shippingAddress(
                new ShippingAddress().name("Sato Yui").country("JP").postalCode("150-0001").region("Tokyo")
                        .locality("Shibuya-ku").line1("1-2-3 Jingumae").phone("+81 3-1234-5678"))).getId());
    }

    private static MarketplaceServer node(String databaseUrl, Clock clock) throws Exception {
        Map<String, String> settings = Map.of("server.port", "0", "server.host", "127.0.0.1", "db.url", databaseUrl,
                "db.pool.size", "4", "orders.payment.timeout", PAYMENT_TIMEOUT, "orders.jobs.every", JOBS_EVERY,
                "data.dir", Files.createTempDirectory("clock-skew").toString());
        return MarketplaceServer.start(TestServer.config(settings), new RecordingMailSender(), clock, clock);
    }

    private static URI uri(MarketplaceServer node) {
        return URI.create("http://127.0.0.1:" + node.port());
    }

    private static String tokenFrom(URI node) {
        return TestServer.token(node, TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET);
    }

    private static HttpResponse<String> categories(URI node, String token) {
        return send(HttpRequest.newBuilder(node.resolve("/v1/categories")).header("Authorization", "Bearer " + token)
                .GET().build());
    }

    private static HttpResponse<String> createCategory(MarketplaceServer node, String token, String key, String body) {
        return send(HttpRequest.newBuilder(uri(node).resolve("/v1/categories")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
