package dev.marketplace.server.inventory;

import java.util.Optional;
import java.util.UUID;

/**
 * One item of a stock update: an absolute count from the source system ({@code setOnHand} with the source's
 * {@code sourceSequence}) or a delta ({@code adjustBy}), and/or a new low-stock threshold (an empty inner
 * optional clears it).
 */
public record StockUpdate(UUID variantId, UUID locationId, Optional<AbsoluteCount> setOnHand, Optional<Long> adjustBy,
                          Optional<Optional<Long>> lowStockThreshold) {

    /** The count the source system holds, and the position of that count in the source's sequence of updates. */
    public record AbsoluteCount(long onHand, long sourceSequence) {
    }

    StockKey key() {
        return new StockKey(variantId, locationId);
    }
}
