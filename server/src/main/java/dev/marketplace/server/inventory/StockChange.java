package dev.marketplace.server.inventory;

import dev.marketplace.server.platform.changes.ChangeKind;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/**
 * One entry of the stock change feed: the level of a variant at a location. An upsert carries the level as it is
 * now; an upsert of a level deleted since (its variant was removed) is left out, its tombstone follows. What
 * happened — the reason and how {@code onHand} and {@code reserved} moved — is empty for changes recorded before
 * V32, the SKU and the location code for those of levels removed before V39.
 */
public record StockChange(long position, ChangeKind kind, UUID variantId, Optional<String> sku, UUID locationId,
                          Optional<String> locationCode, OffsetDateTime changedAt,
                          Optional<StockLevel> stock, Optional<What> what) {

    /** The change itself: why, and by how much each count moved (signed). */
    public record What(StockChangeReason reason, long onHandDelta, long reservedDelta) {
    }
}
