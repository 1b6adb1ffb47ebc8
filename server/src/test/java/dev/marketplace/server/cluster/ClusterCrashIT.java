package dev.marketplace.server.cluster;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderStatus;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.server.cluster.ClusterShop.Item;
import dev.marketplace.server.cluster.ClusterShop.Seller;
import dev.marketplace.server.platform.crash.CrashPoints;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.ClusterNodes;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * SIGKILL at chosen points (issue 21, decision 51): a node of three halts at a crash point ({@link CrashPoints}) —
 * inside a checkout, between the payment provider's capture and its record, between a refund's provider call and
 * its record, between a webhook's answer and its record, between a payout and its record — and is started again.
 * No money movement lost or doubled (the provider sees one charge, one refund and one payout per key), no stock
 * leaked, every pending item resolved by the
 * recovery jobs of the surviving nodes, the ledger reconciled. Opt-in ({@code -Dcluster.crash=true}): five restarts
 * of a JVM take minutes on a loaded machine.
 */
@EnabledIfSystemProperty(named = "cluster.crash", matches = "true")
class ClusterCrashIT {

    private static final Duration CRASH = Duration.ofSeconds(60);
    private static final Duration RECOVERY = Duration.ofSeconds(60);

    private static final ProviderRecords provider = new ProviderRecords();
    private static WireMockServer outside;
    private static ClusterNodes cluster;
    private static DSLContext db;
    private static ClusterShop shop;
    private static Seller seller;

    @BeforeAll
    static void startCluster() throws Exception {
        outside = ClusterIT.provider(provider);
        String databaseUrl = TestDatabases.newDatabase();
        db = TestDatabases.dsl(databaseUrl);
        Map<String, String> settings = new HashMap<>(ClusterIT.providerSettings(outside));
        settings.put("payments.reconcile.after", "PT2S");
        settings.put("payments.reconcile.every", "PT1S");
        settings.put("orders.acceptance.timeout", "PT1H");
        settings.put("orders.jobs.every", "PT1S");
        settings.put("webhooks.delivery.lease", "PT3S");
        // Payouts through the provider above, at once (no T+7 hold), the run and its reconciliation every second.
        settings.put("settlement.payouts.provider", "http");
        settings.put("settlement.payouts.http.base.url", "http://127.0.0.1:" + outside.port());
        settings.put("settlement.payouts.http.api.key", "sk_test_cluster_payouts");
        settings.put("settlement.payouts.hold", "PT0S");
        settings.put("settlement.payouts.run.every", "PT1S");
        settings.put("settlement.payouts.reconcile.every", "PT1S");
        settings.put("settlement.payouts.reconcile.after", "PT2S");
        cluster = ClusterNodes.start(3, databaseUrl, settings);
        shop = new ClusterShop(cluster, db);
        seller = shop.seller("Crash Test Goods K.K.");
    }

    @AfterAll
    static void stopCluster() {
        ClusterIT.stop(cluster, outside);
    }

    @AfterEach
    void ledgerReconciles() throws Exception {
        ClusterIT.assertLedgerReconciles(shop.operator());
    }

    @Test
    void aNodeKilledInsideACheckoutLeaksNoStockAndTheRetryPlacesOneOrder() throws Exception {
        Item item = shop.item(seller, "CRASH-CHECKOUT", 1_000, 3);
        MarketplaceClient customer = shop.customer();
        UUID cart = ClusterShop.cartWith(customer, item, 2);
        RequestOptions key = RequestOptions.builder().idempotencyKey("crash-checkout-" + cart).build();

        cluster.arm(CrashPoints.CHECKOUT_RESERVED);
        Order order = retried(() -> customer.orders().checkout(ClusterShop.checkoutOf(cart), key));
        int crashed = cluster.awaitCrash(CrashPoints.CHECKOUT_RESERVED, CRASH);

        assertThat(shop.count("SELECT count(*) FROM customer_order WHERE cart_id = ?", cart)).isEqualTo(1);
        assertThat(order.getStatus()).isEqualTo(OrderStatus.PLACED);
        assertThat(shop.stock(item)).as("only the retried checkout's reservation").containsExactly(3L, 2L);
        restart(crashed);
        assertThat(shop.stock(item)).containsExactly(3L, 2L);
    }

    @Test
    void aNodeKilledBetweenTheCaptureAndItsRecordIsReconciledToOneCapture() throws Exception {
        Item item = shop.item(seller, "CRASH-PAY", 2_000, 5);
        MarketplaceClient customer = shop.customer();
        Order order = customer.orders().checkout(ClusterShop.checkoutOf(ClusterShop.cartWith(customer, item, 1)));
        long total = order.getTotal().getAmount();

        // Sent to node 0 alone, which dies before it answers (the client's retries find it gone).
        cluster.arm(CrashPoints.PAYMENT_CAPTURED);
        MarketplaceClient onNode0 = cluster.withToken(shop.customerToken(customerOf(order.getId())), 0);
        try {
            onNode0.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_visa"));
        } catch (RuntimeException lost) {
            // the node died before it answered
        }
        assertThat(cluster.awaitCrash(CrashPoints.PAYMENT_CAPTURED, CRASH)).isZero();
        int crashed = 0;
        String chargeKey = db.fetchValue("SELECT idempotency_key FROM payment WHERE order_id = ?", order.getId()).toString();
        List<LoggedRequest> charges = outside.findAll(postRequestedFor(urlPathEqualTo("/v1/payments"))).stream()
                .filter(request -> chargeKey.equals(request.getHeader("Idempotency-Key"))).toList();
        assertThat(charges).as("the provider charged before the node died").isNotEmpty();
        assertThat(provider.charges()).as("the provider knows the charge by its key")
                .containsEntry(chargeKey, new ProviderRecords.Movement(total, "JPY"));

        Await.until(RECOVERY, "the surviving nodes reconcile the payment", () ->
                shop.count("SELECT count(*) FROM customer_order WHERE id = ? AND status = 'paid'", order.getId()) == 1);
        assertThat(shop.count("SELECT count(*) FROM payment WHERE order_id = ?", order.getId())).as("one payment").isEqualTo(1);
        assertThat(outside.findAll(postRequestedFor(urlPathEqualTo("/v1/payments"))).stream()
                .filter(request -> chargeKey.equals(request.getHeader("Idempotency-Key"))))
                .as("no charge after the crash: reconciliation asked by the key").hasSameSizeAs(charges);
        assertThat(shop.count("SELECT count(*) FROM domain_event WHERE order_id = ? AND type = 'payment_captured'",
                order.getId())).isEqualTo(1);
        Await.until(RECOVERY, "the paid unit is sold", () -> shop.stock(item).equals(List.of(4L, 0L)));
        restart(crashed);
    }

    @Test
    void aNodeKilledBetweenARefundAndItsRecordIsResentUnderItsKeyAndRecordedOnce() throws Exception {
        Item item = shop.item(seller, "CRASH-REFUND", 3_000, 5);
        MarketplaceClient customer = shop.customer();
        Order order = customer.orders().checkout(ClusterShop.checkoutOf(ClusterShop.cartWith(customer, item, 1)));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_visa"));

        cluster.arm(CrashPoints.REFUND_SENT);
        seller.client().fulfilment().rejectSubOrder(order.getSubOrders().getFirst().getId(),
                new dev.marketplace.sdk.model.Rejection().reason("sold out"));
        int crashed = cluster.awaitCrash(CrashPoints.REFUND_SENT, CRASH);

        Await.until(RECOVERY, "a surviving node resends the refund", () -> shop.count("""
                SELECT count(*) FROM payment_refund r JOIN payment p ON p.id = r.payment_id
                 WHERE p.order_id = ? AND r.status = 'succeeded'""", order.getId()) == 1);
        List<LoggedRequest> refunds = outside.findAll(postRequestedFor(urlPathMatching("/v1/payments/.*/refunds")))
                .stream().filter(request -> request.getUrl().contains(chargeIdOf(order.getId()))).toList();
        assertThat(refunds).as("sent again after the crash").hasSizeGreaterThanOrEqualTo(2);
        assertThat(refunds.stream().map(request -> request.getHeader("Idempotency-Key")).collect(Collectors.toSet()))
                .as("under one key: one refund at the provider").hasSize(1);
        assertThat(shop.count("SELECT count(*) FROM domain_event WHERE order_id = ? AND type = 'payment_refunded'",
                order.getId())).isEqualTo(1);
        restart(crashed);
    }

    @Test
    void aNodeKilledMidWebhookDeliveryLeavesItToAnotherWhichDeliversEveryEvent() throws Exception {
        UUID endpoint = shop.operatorWebhookEndpoint("http://127.0.0.1:" + outside.port() + "/hooks/crash", "[\"order.*\"]");
        Item item = shop.item(seller, "CRASH-HOOK", 500, 10);

        cluster.arm(CrashPoints.WEBHOOK_SENT);
        for (int i = 0; i < 4; i++) {
            MarketplaceClient customer = shop.customer();
            customer.orders().checkout(ClusterShop.checkoutOf(ClusterShop.cartWith(customer, item, 1)));
        }
        int crashed = cluster.awaitCrash(CrashPoints.WEBHOOK_SENT, CRASH);

        Await.until(RECOVERY, "every delivery made after the endpoint's lease passed", () ->
                shop.count("SELECT count(*) FROM webhook_delivery WHERE endpoint_id = ? AND status <> 'delivered'",
                        endpoint) == 0
                && shop.count("SELECT count(*) FROM webhook_delivery WHERE endpoint_id = ?", endpoint) >= 4);
        List<String> received = outside.findAll(postRequestedFor(urlPathEqualTo("/hooks/crash"))).stream()
                .map(request -> request.getHeader("webhook-id")).toList();
        Set<String> events = Set.copyOf(db.fetch("SELECT event_id::text FROM webhook_delivery WHERE endpoint_id = ?",
                endpoint).getValues(0, String.class));
        assertThat(Set.copyOf(received)).as("every event delivered").isEqualTo(events);
        assertThat(received.size()).as("the one the killed node had sent, sent again under its id")
                .isGreaterThan(events.size());
        restart(crashed);
    }

    @Test
    void aNodeKilledBetweenAPayoutAndItsRecordIsReconciledToOnePayout() throws Exception {
        Seller payee = shop.seller("Payout Crash K.K.");
        // Dear enough that what is owed passes the payout minimum after the month's plan fee.
        Item item = shop.item(payee, "CRASH-PAYOUT", 200_000, 2);
        MarketplaceClient customer = shop.customer();
        Order order = customer.orders().checkout(ClusterShop.checkoutOf(ClusterShop.cartWith(customer, item, 1)));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_visa"));
        UUID subOrder = order.getSubOrders().getFirst().getId();

        cluster.arm(CrashPoints.PAYOUT_SENT);
        payee.client().fulfilment().acceptSubOrder(subOrder, new StatusChangeReason());
        payee.client().fulfilment().shipSubOrder(subOrder, new ShipmentCreate().carrier("Yamato").trackingNumber("PO-1"));
        payee.client().fulfilment().deliverSubOrder(subOrder, new StatusChangeReason());
        int crashed = cluster.awaitCrash(CrashPoints.PAYOUT_SENT, CRASH);

        Await.until(RECOVERY, "a surviving node reconciles the payout", () -> shop.count(
                "SELECT count(*) FROM payout WHERE merchant_id = ? AND status = 'paid'", payee.id()) == 1);
        Await.until(RECOVERY, "the ledger posts the payout and nothing is left to pay", () -> shop.count("""
                SELECT coalesce(sum(balance), 0) FROM ledger_account WHERE name = 'merchant_payable:' || ?::text""",
                payee.id()) == 0);
        var payout = db.fetchOne("SELECT id, amount FROM payout WHERE merchant_id = ?", payee.id());
        String key = "payout:" + payout.get(0);
        assertThat(shop.count("SELECT count(*) FROM payout WHERE merchant_id = ?", payee.id())).as("one payout").isEqualTo(1);
        assertThat(provider.payouts()).as("paid by the provider before the node died")
                .containsEntry(key, new ProviderRecords.Movement(payout.get(1, Long.class), "JPY"));
        assertThat(outside.findAll(postRequestedFor(urlPathEqualTo("/v1/payouts"))).stream()
                .filter(request -> key.equals(request.getHeader("Idempotency-Key"))))
                .as("not sent again: the reconciliation found it by its key").hasSize(1);
        assertThat(shop.count("SELECT count(*) FROM domain_event WHERE type = 'payout_paid' AND merchant_id = ?",
                payee.id())).as("one payout_paid").isEqualTo(1);
        restart(crashed);
    }

    private static UUID customerOf(UUID orderId) {
        return (UUID) db.fetchValue("SELECT customer_id FROM customer_order WHERE id = ?", orderId);
    }

    private static String chargeIdOf(UUID orderId) {
        return db.fetchValue("SELECT provider_payment_id FROM payment WHERE order_id = ?", orderId).toString();
    }

    /** Starts the crashed node again and checks that it serves. */
    private static void restart(int crashed) throws Exception {
        cluster.restart(crashed);
        MarketplaceClient onRestarted = cluster.withToken(
                cluster.token(TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET), crashed);
        assertThat(onRestarted.settlement().getLedgerReconciliation().getReconciled()).isTrue();
    }

    /**
     * A request whose node may die under it, retried with its idempotency key until a node answers. The key of a
     * request whose node died is held until its lease ends (one minute: 409 idempotency_request_in_progress until
     * then), so the retry succeeds after that.
     */
    private static <T> T retried(java.util.concurrent.Callable<T> request) {
        java.util.concurrent.atomic.AtomicReference<T> answer = new java.util.concurrent.atomic.AtomicReference<>();
        Await.until(Duration.ofSeconds(120), "a retry is answered", () -> {
            try {
                answer.set(request.call());
                return true;
            } catch (Exception lost) {
                return false;
            }
        });
        return answer.get();
    }
}
