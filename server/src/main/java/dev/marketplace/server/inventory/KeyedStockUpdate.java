package dev.marketplace.server.inventory;

import java.util.Optional;
import java.util.UUID;

/**
 * A stock update as an ERP names it: the variant by id or by the merchant's own SKU code, the location by id or by
 * its code (exactly one of each). {@link InventoryService#applyKeyedUpdates} resolves the keys into a
 * {@link StockUpdate}.
 */
public record KeyedStockUpdate(Optional<UUID> variantId, Optional<String> sku, Optional<UUID> locationId,
                               Optional<String> locationCode, Optional<StockUpdate.AbsoluteCount> setOnHand,
                               Optional<Long> adjustBy, Optional<Optional<Long>> lowStockThreshold) {
}
