package dev.marketplace.server.orders;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static dev.marketplace.schema.Tables.LEDGER_TRANSACTION;
import static dev.marketplace.schema.Tables.PAYMENT;
import static dev.marketplace.schema.Tables.PAYMENT_REFUND;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.HttpPaymentProviderStub;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.util.UUID;
import org.jooq.Record4;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Refunds through the HTTP provider (decision 52), against WireMock, each caused by a rejection: a refund declined on
 * every attempt is sent on the retry schedule with the same key and then given up ({@code refund_failed}, nothing
 * posted: a rejected sub-order's money stays in escrow); a 5xx or a timeout is an unknown outcome, sent again with
 * the same key after the lease without counting as a refusal, and recorded when the provider answers. The ledger
 * reconciles after each.
 */
class HttpRefundRetryIT {

    private static final WireMockServer provider = LoopbackWireMock.started();
    private static final MovableClock clock = new MovableClock();

    @RegisterExtension
    static final TestServer server = HttpPaymentProviderStub.payingThrough(new TestServer().withClock(clock), provider)
            // One attempt per call: the refund job's own resend is what is tested.
            .with("outbound.targets.payments.max-attempts", "1")
            // Long enough for the payment's own call on a loaded machine (at 1 s it sometimes timed out, leaving the
            // order unpaid and its rejection refused); the slow refund's answer comes well after it.
            .with("outbound.targets.payments.timeout", "PT2S")
            .with("payments.refunds.retry.attempts", "2")
            .with("payments.refunds.retry.backoff", "PT5M");

    private static Shop shop;
    private static ActiveMerchant tea;

    @BeforeAll
    static void openShop() throws Exception {
        shop = new Shop(server, 1000);
        tea = shop.merchant("Uji Tea Co., Ltd.");
    }

    @AfterAll
    static void stopProvider() {
        provider.stop();
    }

    @Test
    void aRefundDeclinedOnEveryAttemptIsGivenUpAfterThePolicysAttempts() throws Exception {
        Order order = paid("pay_declined_refund", "DECL-1");
        provider.stubFor(post(urlPathEqualTo("/v1/payments/pay_declined_refund/refunds")).willReturn(json(402, """
                {"error": {"code": "card_closed", "message": "the card was closed"}}""")));
        rejected(order);
        awaitRefund(order.getId(), r -> r.value2() == 1);
        assertThat(refund(order.getId()).value1()).isEqualTo("pending");
        assertThat(refund(order.getId()).value3()).isEqualTo("card_closed");
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        awaitRefund(order.getId(), r -> r.value1().equals("failed"));
        assertThat(refund(order.getId()).value2()).isEqualTo(2);
        provider.verify(2, postRequestedFor(urlPathEqualTo("/v1/payments/pay_declined_refund/refunds"))
                .withHeader("Idempotency-Key", equalTo(refund(order.getId()).value4())));

        postLedger();
        UUID refundEvent = server.db().select(DOMAIN_EVENT.EVENT_ID).from(DOMAIN_EVENT)
                .where(DOMAIN_EVENT.TYPE.eq("refund_failed"), DOMAIN_EVENT.ORDER_ID.eq(order.getId())).fetchSingle().value1();
        assertThat(server.db().fetchCount(LEDGER_TRANSACTION, LEDGER_TRANSACTION.EVENT_ID.eq(refundEvent)))
                .as("a rejection's refund undoes nothing: its money stays in escrow").isZero();
        assertThat(server.db().fetchCount(LEDGER_TRANSACTION, LEDGER_TRANSACTION.ORDER_ID.eq(order.getId()),
                LEDGER_TRANSACTION.EVENT_TYPE.eq("payment_refunded"))).isZero();
        assertThat(server.client().settlement().getLedgerReconciliation().getReconciled()).isTrue();
    }

    @Test
    void aRefundAnswered503IsSentAgainWithTheSameKeyAndRecordedWhenItSucceeds() throws Exception {
        Order order = paid("pay_flaky_refund", "FLAKY-1");
        provider.stubFor(post(urlPathEqualTo("/v1/payments/pay_flaky_refund/refunds")).inScenario("flaky")
                .whenScenarioStateIs(Scenario.STARTED).willReturn(json(503, "{}")).willSetStateTo("up"));
        provider.stubFor(post(urlPathEqualTo("/v1/payments/pay_flaky_refund/refunds")).inScenario("flaky")
                .whenScenarioStateIs("up").willReturn(succeeded("pay_flaky_refund", order)));
        rejected(order);
        assertRecoveredWithTheSameKey(order, "pay_flaky_refund");
    }

    @Test
    void aRefundThatTimesOutIsSentAgainWithTheSameKeyAndRecordedWhenItSucceeds() throws Exception {
        Order order = paid("pay_slow_refund", "SLOW-1");
        provider.stubFor(post(urlPathEqualTo("/v1/payments/pay_slow_refund/refunds")).inScenario("slow")
                .whenScenarioStateIs(Scenario.STARTED).willReturn(json(200, "{}").withFixedDelay(5_000))
                .willSetStateTo("fast"));
        provider.stubFor(post(urlPathEqualTo("/v1/payments/pay_slow_refund/refunds")).inScenario("slow")
                .whenScenarioStateIs("fast").willReturn(succeeded("pay_slow_refund", order)));
        rejected(order);
        assertRecoveredWithTheSameKey(order, "pay_slow_refund");
    }

    private static void assertRecoveredWithTheSameKey(Order order, String paymentId) {
        Await.until(Duration.ofSeconds(10), "the first send", () -> provider.countRequestsMatching(
                postRequestedFor(urlPathEqualTo("/v1/payments/" + paymentId + "/refunds")).build()).getCount() >= 1);
        assertThat(refund(order.getId()).value1()).isEqualTo("pending");
        clock.advance(Duration.ofMinutes(1).plusSeconds(1)); // the claim's lease (payments.reconcile.after)
        awaitRefund(order.getId(), r -> r.value1().equals("succeeded"));
        assertThat(refund(order.getId()).value2()).as("an unknown outcome is no refusal").isZero();
        provider.verify(2, postRequestedFor(urlPathEqualTo("/v1/payments/" + paymentId + "/refunds"))
                .withHeader("Idempotency-Key", equalTo(refund(order.getId()).value4())));
        postLedger();
        assertThat(server.db().fetchCount(LEDGER_TRANSACTION, LEDGER_TRANSACTION.ORDER_ID.eq(order.getId()),
                LEDGER_TRANSACTION.EVENT_TYPE.eq("payment_refunded"))).isEqualTo(1);
        assertThat(server.client().settlement().getLedgerReconciliation().getReconciled()).isTrue();
    }

    /** Paid through the stubbed provider. */
    private static Order paid(String paymentId, String sku) throws Exception {
        Item item = shop.item(tea, sku, 2_000, 5, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, item)));
        long total = order.getTotal().getAmount();
        provider.stubFor(post(urlPathEqualTo("/v1/payments")).willReturn(json(200, """
                {"id": "%s", "status": "captured", "currency": "JPY", "authorized": %d, "captured": %d,
                 "refunded": 0}""".formatted(paymentId, total, total))));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_visa"));
        return order;
    }

    /**
     * Rejected by the merchant: its whole total is refunded by the refund job, which may send at once, so every stub
     * of the refund is set before (a stub set after this raced with the first send: once, under load, both sends of
     * the 503 scenario were answered 503 and the test's one step of the clock found nothing more to resend).
     */
    private static void rejected(Order order) {
        tea.client().fulfilment().rejectSubOrder(order.getSubOrders().getFirst().getId(), new Rejection().reason("sold out"));
    }

    private static ResponseDefinitionBuilder succeeded(String paymentId, Order order) {
        return json(200, """
                {"id": "re_%s", "paymentId": "%s", "amount": %d, "currency": "JPY", "status": "succeeded"}"""
                .formatted(paymentId, paymentId, order.getTotal().getAmount()));
    }

    private static void awaitRefund(UUID orderId, java.util.function.Predicate<Record4<String, Integer, String, String>> until) {
        Await.until(Duration.ofSeconds(15), "the refund of order " + orderId, () -> until.test(refund(orderId)));
    }

    /** Status, attempts refused, the provider's last code, the idempotency key. */
    private static Record4<String, Integer, String, String> refund(UUID orderId) {
        return server.db().select(PAYMENT_REFUND.STATUS, PAYMENT_REFUND.ATTEMPTS, PAYMENT_REFUND.FAILURE_CODE,
                        PAYMENT_REFUND.IDEMPOTENCY_KEY)
                .from(PAYMENT_REFUND).join(PAYMENT).on(PAYMENT.ID.eq(PAYMENT_REFUND.PAYMENT_ID))
                .where(PAYMENT.ORDER_ID.eq(orderId)).fetchSingle();
    }

    private static void postLedger() {
        server.catchUp(SettlementModule.LEDGER_POSTING);
    }

    private static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }
}
