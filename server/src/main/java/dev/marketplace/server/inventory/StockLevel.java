package dev.marketplace.server.inventory;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/**
 * The stock of one variant at one location, with the variant's SKU and the location's code (copied when the level is
 * created, V39). {@code reserved <= onHand} always (a CHECK in the database).
 */
public record StockLevel(UUID variantId, String sku, UUID locationId, String locationCode, UUID merchantId,
                         long onHand, long reserved,
                         Optional<Long> lastSourceSequence, Optional<Long> lowStockThreshold,
                         OffsetDateTime updatedAt) {

    public long available() {
        return onHand - reserved;
    }

    StockKey key() {
        return new StockKey(variantId, locationId);
    }

    StockLevel withCounts(long newOnHand, long newReserved) {
        return new StockLevel(variantId, sku, locationId, locationCode, merchantId, newOnHand, newReserved, lastSourceSequence,
                lowStockThreshold, updatedAt);
    }

    StockLevel withOnHandFromSource(long newOnHand, long sourceSequence) {
        return new StockLevel(variantId, sku, locationId, locationCode, merchantId, newOnHand, reserved, Optional.of(sourceSequence),
                lowStockThreshold, updatedAt);
    }

    StockLevel withLowStockThreshold(Optional<Long> threshold) {
        return new StockLevel(variantId, sku, locationId, locationCode, merchantId, onHand, reserved, lastSourceSequence, threshold,
                updatedAt);
    }

    StockLevel withUpdatedAt(OffsetDateTime time) {
        return new StockLevel(variantId, sku, locationId, locationCode, merchantId, onHand, reserved, lastSourceSequence,
                lowStockThreshold, time);
    }

    /**
     * Whether going from {@code before} to this level makes available stock fall below the threshold: the moment a
     * low-stock event is due, once, not on every change while it stays below.
     */
    boolean fellBelowThresholdSince(StockLevel before) {
        return lowStockThreshold.filter(threshold -> available() < threshold && before.available() >= threshold)
                .isPresent();
    }
}
