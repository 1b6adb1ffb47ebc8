package dev.marketplace.server.webhooks;

import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.events.StoredEvent;
import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.security.PrincipalType;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * The body of a webhook message (the OpenAPI document's {@code WebhookMessage}):
 * {@code {"id", "type", "version", "timestamp", "sequence", "data"}}. {@code data} holds the parties the receiver may
 * see and the event's payload as {@link dev.marketplace.server.platform.events.EventType} documents it.
 * {@code version} is {@value #PAYLOAD_VERSION}; a change to any payload that could break a receiver (a field
 * removed, renamed or retyped) raises it, and the {@code webhook-payload-version} header carries it too.
 */
final class WebhookMessages {

    static final int PAYLOAD_VERSION = 1;

    private WebhookMessages() {
    }

    static String of(StoredEvent stored, String topic, long sequence, PrincipalType receiver) {
        Parties parties = stored.event().parties();
        JsonObjectBuilder data = JsonP.JSON.createObjectBuilder();
        add(data, "orderId", parties.orderId());
        add(data, "subOrderId", parties.subOrderId());
        add(data, "merchantId", parties.merchantId());
        if (receiver != PrincipalType.MERCHANT) { // a merchant reads its sub-orders, not who its customers are
            add(data, "customerId", parties.customerId());
        }
        stored.event().payload().forEach(data::add);
        return message(stored.eventId(), topic, stored.occurredAt(), sequence, data.build());
    }

    static String ping(UUID pingId, UUID endpointId, OffsetDateTime at) {
        return message(pingId, WebhookTopics.PING, at, 0,
                JsonP.JSON.createObjectBuilder().add("endpointId", endpointId.toString()).build());
    }

    private static String message(UUID id, String topic, OffsetDateTime at, long sequence, JsonObject data) {
        return JsonP.JSON.createObjectBuilder()
                .add("id", id.toString())
                .add("type", topic)
                .add("version", PAYLOAD_VERSION)
                .add("timestamp", at.toInstant().toString())
                .add("sequence", sequence)
                .add("data", data)
                .build().toString();
    }

    private static void add(JsonObjectBuilder data, String name, UUID id) {
        if (id != null) {
            data.add(name, id.toString());
        }
    }
}
