package dev.marketplace.server.partners.inventory;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/**
 * What the operator shares with a partner: one merchant's products or one category's (descendants included), at the
 * list price adjusted by {@code priceAdjustmentBasisPoints} of it.
 */
public record AssortmentShare(UUID id, UUID partnerId, Optional<UUID> merchantId, Optional<UUID> categoryId,
                              int priceAdjustmentBasisPoints, OffsetDateTime createdAt) {
}
