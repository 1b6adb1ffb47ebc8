package dev.marketplace.server.inventory;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** Stock held for a checkout: every line at the location it was taken from. */
public record Reservation(UUID id, ReservationStatus status, List<Line> lines, OffsetDateTime expiresAt,
                          OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    public record Line(UUID variantId, UUID locationId, long quantity) {
        StockKey key() {
            return new StockKey(variantId, locationId);
        }
    }
}
