package dev.marketplace.server.payments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.marketplace.server.payments.PaymentProvider.AuthorizationRequest;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.platform.webhooks.StandardWebhooks.InvalidWebhookException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TestPaymentProviderTest {

    private static final String SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
    private static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");
    private final StandardWebhooks webhooks = new StandardWebhooks(SECRET, Duration.ofMinutes(5));
    private final TestPaymentProvider provider = new TestPaymentProvider(webhooks, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void authorizesCapturesAndRefundsOnceEachPerKey() {
        ProviderPayment authorized = provider.authorize(request("k1", 5_000, TestPaymentProvider.OK, false));
        assertEquals(authorized, provider.authorize(request("k1", 5_000, TestPaymentProvider.OK, false)), "same key, same payment");
        assertEquals(Optional.of(authorized), provider.findByIdempotencyKey("k1"));

        ProviderPayment captured = provider.capture(authorized.id(), Money.of(5_000, "JPY"), "c1");
        assertEquals(ProviderPayment.Status.CAPTURED, captured.status());
        assertEquals(captured, provider.capture(authorized.id(), Money.of(5_000, "JPY"), "c1"), "a retried capture");

        ProviderRefund refund = provider.refund(authorized.id(), Money.of(2_000, "JPY"), "r1");
        assertEquals(refund, provider.refund(authorized.id(), Money.of(2_000, "JPY"), "r1"), "a retried refund");
        provider.refund(authorized.id(), Money.of(3_000, "JPY"), "r2");
        PaymentProviderException tooMuch = assertThrows(PaymentProviderException.class,
                () -> provider.refund(authorized.id(), Money.of(1, "JPY"), "r3"));
        assertEquals("amount_exceeds_capture", tooMuch.code());
    }

    @Test
    void declinesAreOutcomesAndVoidsReleaseAuthorizations() {
        ProviderPayment declined = provider.authorize(request("k2", 100, TestPaymentProvider.INSUFFICIENT_FUNDS, true));
        assertEquals(ProviderPayment.Status.DECLINED, declined.status());
        assertEquals("insufficient_funds", declined.declineCode());

        ProviderPayment authorized = provider.authorize(request("k3", 100, TestPaymentProvider.OK, false));
        assertEquals(ProviderPayment.Status.VOIDED, provider.voidAuthorization(authorized.id(), "v1").status());
        assertEquals("payment_not_authorized", assertThrows(PaymentProviderException.class,
                () -> provider.capture(authorized.id(), Money.of(100, "JPY"), "c2")).code());
        assertThrows(PaymentProviderException.class, () -> provider.authorize(request("k4", 100, "tok_visa", true)));
    }

    @Test
    void readsSignedWebhooksOnly() throws InvalidWebhookException {
        byte[] body = """
                {"type":"refund.succeeded","data":{"paymentId":"p1","refundId":"r1","amount":700,"currency":"JPY"}}"""
                .getBytes(StandardCharsets.UTF_8);
        Map<String, List<String>> headers = new HashMap<>();
        webhooks.sign("evt_1", NOW, body).forEach((name, value) -> headers.put(name, List.of(value)));

        ProviderEvent event = provider.readWebhook(headers, body);
        assertEquals(new ProviderEvent("evt_1", ProviderEvent.Type.REFUND_SUCCEEDED, "p1", "r1", Money.of(700, "JPY"), null), event);

        byte[] unknownType = "{\"type\":\"payment.exploded\",\"data\":{}}".getBytes(StandardCharsets.UTF_8);
        Map<String, List<String>> signed = new HashMap<>();
        webhooks.sign("evt_2", NOW, unknownType).forEach((name, value) -> signed.put(name, List.of(value)));
        assertThrows(InvalidWebhookException.class, () -> provider.readWebhook(signed, unknownType));
    }

    private static AuthorizationRequest request(String key, long amount, String method, boolean capture) {
        return new AuthorizationRequest(key, Money.of(amount, "JPY"), method, "ref", capture);
    }
}
