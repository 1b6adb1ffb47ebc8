package dev.marketplace.server.platform.events;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A settled event as a subscriber gets it: its position in the outbox, its id for the outside, the event. */
public record StoredEvent(long position, UUID eventId, OffsetDateTime occurredAt, DomainEvent event) {
}
