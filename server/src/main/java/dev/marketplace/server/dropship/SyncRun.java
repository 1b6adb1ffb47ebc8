package dev.marketplace.server.dropship;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * One stock sync of a connection: {@code items} read from the supplier, {@code changes} of the marketplace's stock,
 * {@code failures} (items unreadable or not applicable); {@code outcome} {@code succeeded}, {@code unchanged} (the
 * supplier had nothing new: a feed's 304) or {@code failed} with its {@code error}.
 */
public record SyncRun(UUID id, UUID connectionId, UUID merchantId, OffsetDateTime startedAt, long durationMillis,
                      String outcome, boolean incremental, int items, int changes, int failures, UUID servedBy,
                      String error) {
}
