package dev.marketplace.server.inventory;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A merchant's stock location, such as a warehouse; {@code code} is unique among the merchant's locations. */
public record Location(UUID id, UUID merchantId, String code, String name, OffsetDateTime createdAt) {
}
