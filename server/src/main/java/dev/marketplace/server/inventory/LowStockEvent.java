package dev.marketplace.server.inventory;

import java.time.OffsetDateTime;
import java.util.UUID;

/** The available stock of a variant at a location fell below its threshold. */
public record LowStockEvent(UUID id, UUID merchantId, UUID variantId, UUID locationId, long available, long threshold,
                            OffsetDateTime occurredAt) {
}
