package dev.marketplace.server.platform.events;

import dev.marketplace.server.platform.http.JsonP;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * An order, sub-order or return changed status (the lifecycle block of {@link EventType}). Written by the orders
 * domain's transition function with the history row it stands for, so each transition is one event.
 *
 * @param returnId     the return, for {@code return_*} events; null otherwise
 * @param storefrontId the storefront (API client) that placed the order: webhooks give it the orders it placed
 * @param channelId    the channel the order is attributed to (decision 41); null when none
 * @param fromStatus   null when the order or return was created
 * @param reason       why, as recorded in the order's history; null when none was given
 */
public record OrderLifecycleEvent(EventType type, String idempotencyId, Parties parties, UUID returnId,
                                  UUID storefrontId, UUID channelId, String fromStatus, String toStatus,
                                  String reason)
        implements DomainEvent {

    /** The lifecycle block of the catalogue. */
    public static final Set<EventType> TYPES = EnumSet.range(EventType.ORDER_PLACED, EventType.RETURN_REFUNDED);

    /** An event's idempotency id is its history row's id after this. */
    private static final String OF_TRANSITION = "order_transition:";

    public OrderLifecycleEvent {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException(type + " is not an order lifecycle event");
        }
        Objects.requireNonNull(idempotencyId);
        Objects.requireNonNull(parties.orderId(), "order");
        Objects.requireNonNull(storefrontId, "storefront");
        Objects.requireNonNull(toStatus);
    }

    /** The event of history row {@code transitionId} of {@code order_transition}: one event per row. */
    public static OrderLifecycleEvent ofTransition(EventType type, long transitionId, Parties parties, UUID returnId,
                                                   UUID storefrontId, UUID channelId, String fromStatus,
                                                   String toStatus, String reason) {
        return new OrderLifecycleEvent(type, OF_TRANSITION + transitionId, parties, returnId, storefrontId,
                channelId, fromStatus, toStatus, reason);
    }

    /**
     * {@link #ofTransition}'s idempotency id computed by SQL from the history row's id, for a statement that writes
     * the row and its event together (the id read from the row's insert's {@code RETURNING}).
     */
    public static Field<String> idempotencyIdOf(Field<Long> transitionId) {
        return DSL.inline(OF_TRANSITION).concat(transitionId.cast(SQLDataType.CLOB));
    }

    @Override
    public JsonObject payload() {
        return payload(returnId, storefrontId, channelId, fromStatus, toStatus, reason);
    }

    /** The payload of the event with these values, whatever its idempotency id (see {@link #idempotencyIdOf}). */
    public static JsonObject payload(UUID returnId, UUID storefrontId, UUID channelId, String fromStatus,
                                     String toStatus, String reason) {
        JsonObjectBuilder json = JsonP.JSON.createObjectBuilder().add("storefrontId", storefrontId.toString())
                .add("toStatus", toStatus);
        if (returnId != null) {
            json.add("returnId", returnId.toString());
        }
        if (channelId != null) {
            json.add("channelId", channelId.toString());
        }
        if (fromStatus != null) {
            json.add("fromStatus", fromStatus);
        }
        if (reason != null) {
            json.add("reason", reason);
        }
        return json.build();
    }

    static OrderLifecycleEvent fromPayload(EventType type, String idempotencyId, Parties parties, JsonObject payload) {
        return new OrderLifecycleEvent(type, idempotencyId, parties,
                payload.containsKey("returnId") ? UUID.fromString(payload.getString("returnId")) : null,
                UUID.fromString(payload.getString("storefrontId")),
                payload.containsKey("channelId") ? UUID.fromString(payload.getString("channelId")) : null,
                payload.getString("fromStatus", null),
                payload.getString("toStatus"), payload.getString("reason", null));
    }
}
