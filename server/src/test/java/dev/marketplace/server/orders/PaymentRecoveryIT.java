package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.PAYMENT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderStatus;
import dev.marketplace.sdk.model.Payment;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.SubOrderStatus;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.payments.PaymentService;
import dev.marketplace.server.payments.PaymentProvider;
import dev.marketplace.server.payments.ProviderPayment;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The crash window between a provider call and recording its outcome, and webhooks delivered twice: a payment is
 * never lost and never charged twice.
 */
class PaymentRecoveryIT {

    private static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @RegisterExtension
    // Points earning off: its points_funded follows a payment asynchronously, beside the exact money events checked.
    static final TestServer server = new TestServer()
            .with("points.base-rate-bp", "0")
            .with("payments.test.webhook.secret", WEBHOOK_SECRET)
            .with("payments.reconcile.after", "PT0S");

    private static Shop shop;
    private static ActiveMerchant tea;

    @BeforeAll
    static void openShop() throws Exception {
        shop = new Shop(server, 1000);
        tea = shop.merchant("Kyoto Tea Co., Ltd.");
    }

    @Test
    void aChargeWhoseOutcomeWasNeverRecordedIsFoundByItsKeyAndCompletedExactlyOnce() throws Exception {
        Item item = shop.item(tea, "CRASH-1", 3_000, 5, true);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 2, item)));
        // The intent was committed and the provider charged, then the process died before recording the outcome.
        UUID paymentId = pendingIntent(order);
        String key = "payment-" + paymentId;
        ProviderPayment charged = server.paymentProvider().authorize(new PaymentProvider.AuthorizationRequest(key,
                Money.of(order.getTotal().getAmount(), "JPY"), "pm_card_ok", paymentId.toString(), true));
        assertThat(charged.status()).isEqualTo(ProviderPayment.Status.CAPTURED);
        assertThatThrownBy(() -> customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok")))
                .as("no second payment while one is unresolved")
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYMENT_IN_PROGRESS));

        server.runJob(PaymentService.RECONCILIATION_JOB);
        server.runJob(PaymentService.RECONCILIATION_JOB);

        Order paid = customer.orders().getOrder(order.getId());
        assertThat(paid.getStatus()).isEqualTo(OrderStatus.PAID);
        assertThat(paid.getSubOrders()).allSatisfy(sub -> assertThat(sub.getStatus()).isEqualTo(SubOrderStatus.AWAITING_ACCEPTANCE));
        assertThat(customer.payments().listOrderPayments(order.getId()).getItems()).singleElement().satisfies(payment -> {
            assertThat(payment.getStatus()).isEqualTo(Payment.StatusEnum.CAPTURED);
            assertThat(payment.getAmount()).isEqualTo(order.getTotal());
        });
        assertThat(server.paymentProvider().findByIdempotencyKey(key)).get()
                .extracting(ProviderPayment::id).as("the provider's one charge").isEqualTo(charged.id());
        assertThat(shop.moneyEvents(order.getId())).containsExactly("payment_authorized", "payment_captured",
                "commission_accrued");
        assertThat(shop.stock(item).getOnHand()).isEqualTo(3);
        assertThat(shop.stock(item).getReserved()).isZero();
    }

    @Test
    void aChargeThatNeverReachedTheProviderIsSentAgainWithTheSameKey() throws Exception {
        Item item = shop.item(tea, "CRASH-2", 1_000, 5, true);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, item)));
        UUID paymentId = pendingIntent(order);
        assertThat(server.paymentProvider().findByIdempotencyKey("payment-" + paymentId)).isEmpty();

        server.runJob(PaymentService.RECONCILIATION_JOB);
        server.runJob(PaymentService.RECONCILIATION_JOB);

        assertThat(customer.orders().getOrder(order.getId()).getStatus()).isEqualTo(OrderStatus.PAID);
        assertThat(server.paymentProvider().findByIdempotencyKey("payment-" + paymentId)).get()
                .extracting(ProviderPayment::captured).isEqualTo(Money.of(order.getTotal().getAmount(), "JPY"));
        assertThat(shop.moneyEvents(order.getId())).containsOnlyOnce("payment_captured");
    }

    @Test
    void aDuplicateWebhookChangesNothingTheSecondTime() throws Exception {
        Item item = shop.item(tea, "HOOK-1", 2_000, 5, true);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, item)));
        // The provider accepted the charge and will report the capture by webhook.
        UUID paymentId = pendingIntent(order);
        ProviderPayment charged = server.paymentProvider().authorize(new PaymentProvider.AuthorizationRequest(
                "payment-" + paymentId, Money.of(order.getTotal().getAmount(), "JPY"), "pm_card_ok",
                paymentId.toString(), true));
        server.db().update(PAYMENT).set(PAYMENT.PROVIDER_PAYMENT_ID, charged.id()).where(PAYMENT.ID.eq(paymentId)).execute();
        String event = "{\"type\":\"payment.captured\",\"data\":{\"paymentId\":\"" + charged.id() + "\",\"amount\":"
                + order.getTotal().getAmount() + ",\"currency\":\"JPY\"}}";

        HttpResponse<String> first = server.send(webhook("msg_" + paymentId, event));
        Order afterFirst = customer.orders().getOrder(order.getId());
        List<String> eventsAfterFirst = shop.moneyEvents(order.getId());
        HttpResponse<String> second = server.send(webhook("msg_" + paymentId, event));

        assertThat(first.statusCode()).isEqualTo(204);
        assertThat(second.statusCode()).isEqualTo(204);
        assertThat(afterFirst.getStatus()).isEqualTo(OrderStatus.PAID);
        Order afterSecond = customer.orders().getOrder(order.getId());
        assertThat(afterSecond.getVersion()).isEqualTo(afterFirst.getVersion());
        assertThat(afterSecond.getHistory()).isEqualTo(afterFirst.getHistory());
        assertThat(shop.moneyEvents(order.getId())).isEqualTo(eventsAfterFirst)
                .containsExactly("payment_authorized", "payment_captured", "commission_accrued");
        assertThat(shop.stock(item).getOnHand()).isEqualTo(4);
    }

    @Test
    void aWebhookWithABadSignatureIsRefusedAndChangesNothing() throws Exception {
        Item item = shop.item(tea, "HOOK-2", 2_000, 5, true);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, item)));
        UUID paymentId = pendingIntent(order);
        server.db().update(PAYMENT).set(PAYMENT.PROVIDER_PAYMENT_ID, "test_pay_forged").where(PAYMENT.ID.eq(paymentId)).execute();
        String event = "{\"type\":\"payment.captured\",\"data\":{\"paymentId\":\"test_pay_forged\",\"amount\":"
                + order.getTotal().getAmount() + ",\"currency\":\"JPY\"}}";
        StandardWebhooks forger = new StandardWebhooks("whsec_" + java.util.Base64.getEncoder()
                .encodeToString("another secret of 32 bytes......".getBytes(StandardCharsets.UTF_8)), java.time.Duration.ofMinutes(5));

        HttpResponse<String> forged = server.send(webhook("msg_forged", event, forger));
        HttpResponse<String> unknownProvider = server.send(HttpRequest.newBuilder(server.uri("/webhooks/payments/acme"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(event)).build());

        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(forged.body()).contains("invalid_webhook");
        assertThat(unknownProvider.statusCode()).isEqualTo(404);
        assertThat(customer.orders().getOrder(order.getId()).getStatus()).isEqualTo(OrderStatus.PLACED);
    }

    /** Records a pending payment intent for the order as the payment service does before calling the provider. */
    private static UUID pendingIntent(Order order) {
        UUID paymentId = UUID.randomUUID();
        server.db().insertInto(PAYMENT)
                .set(PAYMENT.ID, paymentId)
                .set(PAYMENT.ORDER_ID, order.getId())
                .set(PAYMENT.PROVIDER, "test")
                .set(PAYMENT.IDEMPOTENCY_KEY, "payment-" + paymentId)
                .set(PAYMENT.PAYMENT_METHOD, "pm_card_ok")
                .set(PAYMENT.STATUS, "pending")
                .set(PAYMENT.AMOUNT, order.getTotal().getAmount())
                .set(PAYMENT.CURRENCY, "JPY")
                .set(PAYMENT.UPDATED_AT, OffsetDateTime.now().minusMinutes(5))
                .execute();
        return paymentId;
    }

    private static HttpRequest webhook(String id, String body) {
        return webhook(id, body, new StandardWebhooks(WEBHOOK_SECRET, java.time.Duration.ofMinutes(5)));
    }

    private static HttpRequest webhook(String id, String body, StandardWebhooks signer) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/webhooks/payments/test"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        Map<String, String> headers = signer.sign(id, Instant.now(), bytes);
        headers.forEach(request::header);
        return request.build();
    }
}
