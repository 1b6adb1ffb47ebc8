package dev.marketplace.server.platform.events;

import jakarta.json.JsonObject;

/**
 * A fact one domain records for others to react to, appended with {@link DomainEvents#append} in the transaction of
 * the change. Its {@link EventType} documents the payload.
 */
public sealed interface DomainEvent permits MoneyMovement, RefundRequested, OrderLifecycleEvent, DomainFact {

    EventType type();

    /** Names the fact: appending it again keeps the first event, so a retried step records it once. */
    String idempotencyId();

    Parties parties();

    /** The payload as stored ({@code domain_event.payload}). */
    JsonObject payload();

    /** The event as stored back into its type. */
    static DomainEvent of(EventType type, String idempotencyId, Parties parties, JsonObject payload) {
        if (OrderLifecycleEvent.TYPES.contains(type)) {
            return OrderLifecycleEvent.fromPayload(type, idempotencyId, parties, payload);
        }
        if (DomainFact.isFact(type)) {
            return new DomainFact(type, idempotencyId, parties, payload);
        }
        return type.isMoneyMovement()
                ? MoneyMovement.fromPayload(type, idempotencyId, parties, payload)
                : switch (type) {
                    case REFUND_REQUESTED -> RefundRequested.fromPayload(parties, payload);
                    default -> throw new IllegalArgumentException("no payload reader for " + type);
                };
    }
}
