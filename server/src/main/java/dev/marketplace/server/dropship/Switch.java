package dev.marketplace.server.dropship;

import java.time.OffsetDateTime;
import java.util.UUID;

/** One change of direction of a primary connection's traffic: {@code to_backup} or {@code to_primary}, and why. */
public record Switch(UUID id, UUID connectionId, UUID backupConnectionId, String direction, String reason,
                     OffsetDateTime switchedAt) {
}
