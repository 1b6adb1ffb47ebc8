package dev.marketplace.server.orders;

import dev.marketplace.server.platform.money.Money;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

/**
 * A return (RMA) of shipped units of one sub-order's lines.
 *
 * @param quantitiesByLine    units returned, by the sub-order's line number
 * @param restockedLocationId where the goods went back into stock; null until received, or when written off
 * @param refunded            null until refunded
 */
public record OrderReturn(UUID id, UUID orderId, UUID subOrderId, UUID merchantId, UUID customerId, ReturnStatus status,
                          String reason, Map<Integer, Long> quantitiesByLine, UUID restockedLocationId, Money refunded,
                          long version, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    public OrderReturn {
        quantitiesByLine = Map.copyOf(quantitiesByLine);
    }
}
