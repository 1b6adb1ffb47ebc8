package dev.marketplace.server.payments;

import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.platform.webhooks.StandardWebhooks.InvalidWebhookException;
import jakarta.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Reads the event body our providers send:
 * {@code {"type":"payment.captured","data":{"paymentId":"…","refundId":"…","amount":1200,"currency":"JPY","declineCode":"…"}}}
 * ({@code refundId} and {@code declineCode} only where they apply).
 */
final class WebhookEvents {

    private WebhookEvents() {
    }

    /** Checks the webhook's Standard Webhooks signature and reads its event; the event's id is the webhook's id. */
    static ProviderEvent readSigned(StandardWebhooks webhooks, Map<String, List<String>> headers, byte[] body, Instant now)
            throws InvalidWebhookException {
        String webhookId = webhooks.verify(headers, body, now);
        try {
            return read(webhookId, body);
        } catch (MalformedEventException e) {
            throw new InvalidWebhookException(e.getMessage());
        }
    }

    /**
     * The event in {@code body}; the body is read as a request body is ({@link JsonBody}: valid JSON, bounded depth,
     * text that can be stored). What is wrong with an event is said in our words, never in an exception's: those named
     * internal classes.
     */
    private static ProviderEvent read(String webhookId, byte[] body) throws MalformedEventException {
        JsonObject event = JsonBody.parseObject(body);
        try {
            ProviderEvent.Type type = ProviderEvent.Type.fromWireName(event.getString("type"))
                    .orElseThrow(() -> new MalformedEventException("unknown event type " + event.getString("type")));
            JsonObject data = event.getJsonObject("data");
            boolean aboutRefund = type == ProviderEvent.Type.REFUND_SUCCEEDED || type == ProviderEvent.Type.REFUND_FAILED;
            if (aboutRefund && data.getString("refundId", null) == null) {
                throw new MalformedEventException("a refund event without data.refundId");
            }
            return new ProviderEvent(webhookId, type, data.getString("paymentId"), data.getString("refundId", null),
                    Money.of(data.getJsonNumber("amount").longValueExact(), data.getString("currency")),
                    data.getString("declineCode", null));
        } catch (ClassCastException | NullPointerException | ArithmeticException | IllegalArgumentException e) {
            throw new MalformedEventException("the event body is not a payment event: it needs a string type and data"
                    + " with a string paymentId, a whole amount and an ISO 4217 currency");
        }
    }

    private static final class MalformedEventException extends Exception {
        MalformedEventException(String message) {
            super(message, null, false, false);
        }
    }
}
