package dev.marketplace.server.orders;

import dev.marketplace.server.platform.money.Money;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A cart as stored: lines by variant with the price the shopper last saw.
 *
 * @param customerId        null while the cart is anonymous
 * @param checkedOutOrderId the order it became; null while it is open
 */
public record Cart(UUID id, UUID storefrontId, UUID customerId, UUID checkedOutOrderId, List<Line> lines, long version,
                   OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    public Cart {
        lines = List.copyOf(lines);
    }

    public record Line(UUID variantId, long quantity, Money seenPrice) {
    }
}
