package dev.marketplace.server.orders;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderStatus;
import dev.marketplace.sdk.model.Payment;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.payments.PaymentService;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.HttpPaymentProviderStub;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Paying orders through the http payment provider, played by WireMock: a provider that times out leaves the order
 * placed with its payment pending, and reconciliation by the same idempotency key completes it exactly once; an
 * asynchronous capture reported by a webhook delivered twice pays the order once; so is a refund settled later.
 */
class HttpProviderPaymentIT {

    private static final String PAYMENTS = "/v1/payments";

    private static final WireMockServer provider = LoopbackWireMock.started();

    @RegisterExtension
    // The money events pinned here are the payments domain's; points earning (decision 35) is off.
    static final TestServer server = HttpPaymentProviderStub.payingThrough(new TestServer(), provider)
            .with("points.base-rate-bp", "0")
            .with("payments.reconcile.after", "PT0S")
            .with("outbound.targets.payments.timeout", "PT0.3S")
            .with("outbound.targets.payments.initial-backoff", "PT0.001S")
            .with("outbound.targets.payments.max-backoff", "PT0.002S");

    private static Shop shop;
    private static ActiveMerchant tea;

    @BeforeAll
    static void openShop() throws Exception {
        shop = new Shop(server, 1000);
        tea = shop.merchant("Kyoto Tea Co., Ltd.");
    }

    @AfterAll
    static void stopProvider() {
        provider.stop();
    }

    @BeforeEach
    void resetProvider() {
        provider.resetAll();
    }

    @Test
    void aProviderTimeoutLeavesThePaymentPendingAndReconciliationCompletesItOnce() throws Exception {
        Item item = shop.item(tea, "SLOW-1", 3_000, 5, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 2, item)));
        long total = order.getTotal().getAmount();
        // The provider charges but answers too late, every time it is asked.
        provider.stubFor(post(urlPathEqualTo(PAYMENTS)).willReturn(json(201, payment("pay_slow", "captured", total))
                .withFixedDelay(1_000)));

        Payment pending = customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_visa"));

        assertThat(pending.getStatus()).isEqualTo(Payment.StatusEnum.PENDING);
        assertThat(customer.orders().getOrder(order.getId()).getStatus()).isEqualTo(OrderStatus.PLACED);
        List<LoggedRequest> attempts = provider.findAll(postRequestedFor(urlPathEqualTo(PAYMENTS)));
        assertThat(attempts).isNotEmpty();
        String key = attempts.getFirst().getHeader("Idempotency-Key");
        assertThat(attempts).allSatisfy(attempt -> assertThat(attempt.getHeader("Idempotency-Key")).isEqualTo(key));

        // Reconciliation asks by the same key and finds the charge the provider made.
        provider.stubFor(get(urlPathEqualTo(PAYMENTS)).withQueryParam("idempotencyKey", equalTo(key))
                .willReturn(json(200, "{\"data\": [" + payment("pay_slow", "captured", total) + "]}")));
        server.runJob(PaymentService.RECONCILIATION_JOB);
        server.runJob(PaymentService.RECONCILIATION_JOB);

        assertThat(customer.orders().getOrder(order.getId()).getStatus()).isEqualTo(OrderStatus.PAID);
        assertThat(customer.payments().listOrderPayments(order.getId()).getItems()).singleElement()
                .satisfies(payment -> assertThat(payment.getStatus()).isEqualTo(Payment.StatusEnum.CAPTURED));
        assertThat(shop.moneyEvents(order.getId())).containsOnlyOnce("payment_captured");
        assertThat(provider.findAll(postRequestedFor(urlPathEqualTo(PAYMENTS))))
                .as("no new charge after the timeouts").hasSameSizeAs(attempts);
        assertThat(shop.stock(item).getOnHand()).isEqualTo(3);
        assertThat(shop.stock(item).getReserved()).isZero();
    }

    @Test
    void anAsynchronousCaptureReportedTwiceByWebhookPaysTheOrderOnce() throws Exception {
        Item item = shop.item(tea, "ASYNC-1", 1_500, 5, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, item)));
        long total = order.getTotal().getAmount();
        provider.stubFor(post(urlPathEqualTo(PAYMENTS)).withHeader("Idempotency-Key", matching(".+"))
                .willReturn(json(202, payment("pay_async", "pending", total))));

        Payment pending = customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_visa"));
        assertThat(pending.getStatus()).isEqualTo(Payment.StatusEnum.PENDING);

        String event = "{\"type\":\"payment.captured\",\"data\":{\"paymentId\":\"pay_async\",\"amount\":" + total
                + ",\"currency\":\"JPY\"}}";
        HttpResponse<String> first = server.send(webhook("msg_async_1", event));
        Order afterFirst = customer.orders().getOrder(order.getId());
        List<String> eventsAfterFirst = shop.moneyEvents(order.getId());
        HttpResponse<String> duplicate = server.send(webhook("msg_async_1", event));

        assertThat(first.statusCode()).isEqualTo(204);
        assertThat(duplicate.statusCode()).isEqualTo(204);
        assertThat(afterFirst.getStatus()).isEqualTo(OrderStatus.PAID);
        Order afterDuplicate = customer.orders().getOrder(order.getId());
        assertThat(afterDuplicate.getVersion()).isEqualTo(afterFirst.getVersion());
        assertThat(shop.moneyEvents(order.getId())).isEqualTo(eventsAfterFirst).containsOnlyOnce("payment_captured");
        assertThat(shop.stock(item).getOnHand()).isEqualTo(4);
    }

    @Test
    void aRefundTheProviderSettlesLaterIsRecordedOnceByItsWebhook() throws Exception {
        Item item = shop.item(tea, "REFUND-1", 2_000, 5, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, item)));
        long total = order.getTotal().getAmount();
        provider.stubFor(post(urlPathEqualTo(PAYMENTS)).willReturn(json(201, payment("pay_refunded", "captured", total))));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_visa"));
        // The provider accepts the refund but settles it later.
        provider.stubFor(post(urlPathEqualTo(PAYMENTS + "/pay_refunded/refunds")).willReturn(json(202, """
                {"id": "re_later", "paymentId": "pay_refunded", "amount": %d, "currency": "JPY", "status": "pending"}"""
                .formatted(total))));

        tea.client().fulfilment().rejectSubOrder(order.getSubOrders().getFirst().getId(), new Rejection().reason("sold out"));
        shop.awaitRefundsSent(order.getId());
        assertThat(refundedOf(customer, order)).isZero();
        assertThat(shop.moneyEvents(order.getId())).doesNotContain("payment_refunded");

        String event = "{\"type\":\"refund.succeeded\",\"data\":{\"paymentId\":\"pay_refunded\",\"refundId\":\"re_later\","
                + "\"amount\":" + total + ",\"currency\":\"JPY\"}}";
        assertThat(server.send(webhook("msg_refund_1", event)).statusCode()).isEqualTo(204);
        assertThat(server.send(webhook("msg_refund_1", event)).statusCode()).isEqualTo(204);
        assertThat(server.send(webhook("msg_refund_2", event)).statusCode()).as("a second delivery under a new id").isEqualTo(204);

        assertThat(refundedOf(customer, order)).isEqualTo(total);
        assertThat(shop.moneyEvents(order.getId())).containsOnlyOnce("payment_refunded");
        String withoutRefundId = "{\"type\":\"refund.succeeded\",\"data\":{\"paymentId\":\"pay_refunded\",\"amount\":1,\"currency\":\"JPY\"}}";
        assertThat(server.send(webhook("msg_refund_3", withoutRefundId)).statusCode()).isEqualTo(400);
    }

    private static long refundedOf(MarketplaceClient customer, Order order) throws Exception {
        return customer.payments().listOrderPayments(order.getId()).getItems().getFirst().getRefunded().getAmount();
    }

    private static HttpRequest webhook(String id, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/webhooks/payments/http"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        new StandardWebhooks(HttpPaymentProviderStub.WEBHOOK_SECRET, Duration.ofMinutes(5)).sign(id, Instant.now(), bytes).forEach(request::header);
        return request.build();
    }

    private static String payment(String id, String status, long amount) {
        long captured = status.equals("captured") ? amount : 0;
        long authorized = status.equals("pending") ? 0 : amount;
        return """
                {"id": "%s", "status": "%s", "currency": "JPY", "authorized": %d, "captured": %d, "refunded": 0}"""
                .formatted(id, status, authorized, captured);
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }
}
