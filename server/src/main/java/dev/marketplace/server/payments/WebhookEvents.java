package dev.marketplace.server.payments;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.platform.webhooks.StandardWebhooks.InvalidWebhookException;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.ByteArrayInputStream;
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

    private static ProviderEvent read(String webhookId, byte[] body) throws MalformedEventException {
        try (JsonReader reader = JSON.createReader(new ByteArrayInputStream(body))) {
            JsonObject event = reader.readObject();
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
        } catch (JsonException | ClassCastException | NullPointerException | ArithmeticException | IllegalArgumentException e) {
            throw new MalformedEventException("the event body is not a payment event: " + e.getMessage());
        }
    }

    private static final class MalformedEventException extends Exception {
        MalformedEventException(String message) {
            super(message, null, false, false);
        }
    }
}
