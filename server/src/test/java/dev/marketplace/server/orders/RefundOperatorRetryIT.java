package dev.marketplace.server.orders;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.PAYMENT;
import static dev.marketplace.schema.Tables.PAYMENT_REFUND;
import static dev.marketplace.schema.Tables.SUB_ORDER;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderReturn;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.Refund;
import dev.marketplace.sdk.model.ReturnCreate;
import dev.marketplace.sdk.model.ReturnReceipt;
import dev.marketplace.sdk.model.ReturnRefund;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.ShipmentLine;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.HttpPaymentProviderStub;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator retries a return's refund the provider finally refused (decision 60), against WireMock: the
 * provider refuses the refund's own key and accepts the retry's new one. The retry refunds the customer once, posts
 * again the commission reversal the failure undid, and the ledger reconciles; a second retry is 409
 * {@code refund_not_failed}, and the same Idempotency-Key replays the first answer.
 */
class RefundOperatorRetryIT {

    private static final WireMockServer provider = LoopbackWireMock.started();

    @RegisterExtension
    static final TestServer server = HttpPaymentProviderStub.payingThrough(new TestServer(), provider)
            .with("points.base-rate-bp", "0")
            .with("outbound.targets.payments.max-attempts", "1")
            // Given up at the first refusal: the policy's schedule is RefundFailureIT's; the retry is tested here.
            .with("payments.refunds.retry.attempts", "1");

    @AfterAll
    static void stopProvider() {
        provider.stop();
    }

    @Test
    void aRefusedRefundRetriedByTheOperatorIsRefundedOnceAndItsCommissionReversalPostedAgain() throws Exception {
        Shop shop = new Shop(server, 1_500);
        ActiveMerchant kimono = shop.merchant("Kyoto Retry Kimono K.K.");
        Item obi = shop.item(kimono, "RR-OBI", 10_000, 10, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 2, obi)));
        long total = order.getTotal().getAmount();
        provider.stubFor(post(urlPathEqualTo("/v1/payments")).willReturn(json(200, """
                {"id": "pay_retried", "status": "captured", "currency": "JPY", "authorized": %d, "captured": %d,
                 "refunded": 0}""".formatted(total, total))));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_visa"));
        UUID subOrder = order.getSubOrders().getFirst().getId();
        var fulfilment = kimono.client().fulfilment();
        fulfilment.acceptSubOrder(subOrder, new StatusChangeReason());
        fulfilment.shipSubOrder(subOrder, new ShipmentCreate().carrier("Yamato").trackingNumber("RR-1"));
        fulfilment.deliverSubOrder(subOrder, new StatusChangeReason());
        postLedger();
        long released = server.db().select(SUB_ORDER.TOTAL_AMOUNT).from(SUB_ORDER).where(SUB_ORDER.ID.eq(subOrder))
                .fetchSingle().value1();
        long payableBeforeTheReturn = balance("merchant_payable:" + kimono.id());
        assertThat(payableBeforeTheReturn).as("released less 15 %% of 20,000").isEqualTo(-(released - 3_000));
        long revenueBeforeTheReturn = balance("platform_commission_revenue");

        // The refund's own key is refused; a retry's key is accepted.
        String refunds = "/v1/payments/pay_retried/refunds";
        provider.stubFor(post(urlPathEqualTo(refunds)).atPriority(2).willReturn(json(402, """
                {"error": {"code": "card_closed", "message": "the card was closed"}}""")));
        OrderReturn requested = customer.returns().requestReturn(order.getId(), new ReturnCreate().subOrderId(subOrder)
                .reason("too long").lines(List.of(new ShipmentLine().lineNumber(0).quantity(1))));
        kimono.client().returns().approveReturn(requested.getId(), new StatusChangeReason());
        kimono.client().returns().receiveReturn(requested.getId(), new ReturnReceipt().locationId(obi.locationId()));
        kimono.client().returns().refundReturn(requested.getId(), new ReturnRefund());
        UUID refundId = refundOf(order.getId());
        long refunded = server.client().payments().getRefund(refundId).getAmount().getAmount();
        provider.stubFor(post(urlPathEqualTo(refunds)).atPriority(1)
                .withHeader("Idempotency-Key", matching("refund-" + refundId + ":retry:\\d+"))
                .willReturn(json(200, """
                        {"id": "re_retried", "paymentId": "pay_retried", "amount": %d, "currency": "JPY",
                         "status": "succeeded"}""".formatted(refunded))));

        Await.until(Duration.ofSeconds(15), "the refund given up", () -> status(refundId).equals("failed"));
        postLedger();
        assertThat(balance("merchant_payable:" + kimono.id())).as("the return's commission reversal undone")
                .isEqualTo(payableBeforeTheReturn);

        String key = UUID.randomUUID().toString();
        HttpResponse<String> retried = retry(refundId, key);
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(202);
        assertThat(retried.body()).contains("\"status\":\"pending\"", "\"retries\":1");
        HttpResponse<String> replayed = retry(refundId, key);
        assertThat(replayed.statusCode()).isEqualTo(202);
        assertThat(replayed.body()).isEqualTo(retried.body());
        assertThat(replayed.headers().firstValue("Idempotent-Replayed")).contains("true");

        Await.until(Duration.ofSeconds(15), "the retried refund done", () -> status(refundId).equals("succeeded"));
        Refund done = server.client().payments().getRefund(refundId);
        assertThat(done.getRetries()).isEqualTo(1);
        assertThat(done.getAttempts()).as("the one refusal before the retry").isEqualTo(1);
        provider.verify(1, postRequestedFor(urlPathEqualTo(refunds))
                .withHeader("Idempotency-Key", equalTo("refund-" + refundId)));
        provider.verify(1, postRequestedFor(urlPathEqualTo(refunds))
                .withHeader("Idempotency-Key", equalTo("refund-" + refundId + ":retry:1")));
        assertThat(customer.payments().listOrderPayments(order.getId()).getItems().getFirst().getRefunded().getAmount())
                .isEqualTo(refunded);

        postLedger();
        assertThat(server.db().fetchCount(DOMAIN_EVENT, DOMAIN_EVENT.TYPE.eq("refund_retried"),
                DOMAIN_EVENT.IDEMPOTENCY_ID.eq("refund_retried:" + refundId + ":1:return:" + requested.getId())))
                .isEqualTo(1);
        assertThat(balance("merchant_payable:" + kimono.id()))
                .as("the refund charged to the merchant, the 1,500 commission given back again")
                .isEqualTo(payableBeforeTheReturn + refunded - 1_500);
        assertThat(balance("platform_commission_revenue")).isEqualTo(revenueBeforeTheReturn + 1_500);
        assertThat(balance("refunds_clearing")).isZero();
        assertThat(server.client().settlement().getLedgerReconciliation().getReconciled()).isTrue();

        HttpResponse<String> again = retry(refundId, UUID.randomUUID().toString());
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("\"code\":\"refund_not_failed\"");
        assertThat(retry(UUID.randomUUID(), UUID.randomUUID().toString()).statusCode()).isEqualTo(404);
    }

    private static HttpResponse<String> retry(UUID refundId, String idempotencyKey) {
        return server.send(server.request("/v1/refunds/" + refundId + "/retry")
                .header("Content-Type", "application/json").header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\": \"the customer's card was replaced\"}"))
                .build());
    }

    private static UUID refundOf(UUID orderId) {
        return server.db().select(PAYMENT_REFUND.ID).from(PAYMENT_REFUND).join(PAYMENT)
                .on(PAYMENT.ID.eq(PAYMENT_REFUND.PAYMENT_ID)).where(PAYMENT.ORDER_ID.eq(orderId)).fetchSingle().value1();
    }

    private static String status(UUID refundId) {
        return server.db().select(PAYMENT_REFUND.STATUS).from(PAYMENT_REFUND).where(PAYMENT_REFUND.ID.eq(refundId))
                .fetchSingle().value1();
    }

    private static void postLedger() {
        server.catchUp(SettlementModule.LEDGER_POSTING);
    }

    private static long balance(String account) {
        return server.db().select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.NAME.eq(account))
                .and(LEDGER_ACCOUNT.CURRENCY.eq("JPY")).fetchOptional(LEDGER_ACCOUNT.BALANCE).orElse(0L);
    }

    private static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }
}
