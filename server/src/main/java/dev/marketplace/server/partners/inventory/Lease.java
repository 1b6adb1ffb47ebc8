package dev.marketplace.server.partners.inventory;

import dev.marketplace.server.platform.money.Money;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Units of SKUs a partner holds through one inventory reservation until it commits them into a partner order
 * ({@code orderId}), releases them, or lets them lapse at {@code expiresAt}.
 */
public record Lease(UUID id, UUID partnerId, LeaseStatus status, UUID reservationId, List<Line> lines,
                    OffsetDateTime expiresAt, Optional<UUID> orderId, OffsetDateTime createdAt,
                    OffsetDateTime updatedAt) {

    public Lease {
        lines = List.copyOf(lines);
    }

    /** A variant held, at the partner's price when the lease was taken. */
    public record Line(UUID variantId, UUID merchantId, long quantity, Money unitPrice) {
    }

    long units() {
        return lines.stream().mapToLong(Line::quantity).sum();
    }
}
