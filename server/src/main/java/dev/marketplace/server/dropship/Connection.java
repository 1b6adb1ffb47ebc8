package dev.marketplace.server.dropship;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A merchant's account at a supplier (never its credentials, which stay sealed).
 *
 * @param categoryMappings supplier category → marketplace category; unmapped ones go to {@code defaultCategoryId}
 * @param locationId       the merchant's stock location holding what the supplier can ship
 * @param staleSince       when the freshness guard took its listings off sale; empty while fresh
 * @param quota            the supplier's call quota, when it has one
 */
public record Connection(UUID id, UUID merchantId, String name, ConnectorKind kind, Optional<String> baseUrl,
                         String currency, PricingRule pricing, StockBuffer buffer, boolean autoForward,
                         Map<String, UUID> categoryMappings, UUID defaultCategoryId, UUID locationId,
                         Duration syncEvery, OffsetDateTime nextSyncAt, OffsetDateTime lastSuccessAt,
                         Optional<OffsetDateTime> staleSince, Optional<String> syncMarker, long syncSequence,
                         long version, OffsetDateTime createdAt, Optional<Quota> quota) {

    public Connection {
        categoryMappings = Map.copyOf(categoryMappings);
    }

    public UUID categoryOf(String supplierCategory) {
        return supplierCategory == null ? defaultCategoryId
                : categoryMappings.getOrDefault(supplierCategory, defaultCategoryId);
    }
}
