package dev.marketplace.server.platform.events;

import jakarta.json.JsonObject;
import java.util.Objects;
import java.util.Set;

/**
 * A change another domain only reports (nobody in the server reacts to it but webhooks): the owning domain builds
 * the payload its {@link EventType} documents. Used for {@link EventType#PRODUCT_PUBLISHED},
 * {@link EventType#PRODUCT_REJECTED}, {@link EventType#STOCK_LOW}, {@link EventType#MERCHANT_STATUS_CHANGED} and
 * {@link EventType#WEBHOOK_ENDPOINT_DISABLED}, {@link EventType#DROPSHIP_STALE}, the exchanges' {@code EXCHANGE_*} and
 * the reviews' {@code REVIEW_*}, the leases' {@code LEASE_*} and the service-level warnings' {@code MERCHANT_WARN*}.
 */
public record DomainFact(EventType type, String idempotencyId, Parties parties, JsonObject payload)
        implements DomainEvent {

    private static final Set<EventType> TYPES = Set.of(EventType.PRODUCT_PUBLISHED, EventType.PRODUCT_REJECTED,
            EventType.STOCK_LOW, EventType.MERCHANT_STATUS_CHANGED, EventType.WEBHOOK_ENDPOINT_DISABLED,
            EventType.DROPSHIP_STALE, EventType.EXCHANGE_COMPLETED, EventType.EXCHANGE_FAILED,
            EventType.EXCHANGE_REVERSED, EventType.REVIEW_CREATED, EventType.REVIEW_PUBLISHED,
            EventType.REVIEW_REPLY_OVERDUE, EventType.LEASE_COMMITTED, EventType.LEASE_RELEASED,
            EventType.LEASE_LAPSED, EventType.MERCHANT_WARNED, EventType.MERCHANT_WARNING_CLEARED);

    /** Whether events of this type are DomainFacts (read back from the outbox as one). */
    static boolean isFact(EventType type) {
        return TYPES.contains(type);
    }

    public DomainFact {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException(type + " is not reported as a DomainFact");
        }
        Objects.requireNonNull(idempotencyId);
        Objects.requireNonNull(parties);
        Objects.requireNonNull(payload);
    }
}
