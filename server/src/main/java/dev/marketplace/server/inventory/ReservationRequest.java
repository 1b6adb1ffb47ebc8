package dev.marketplace.server.inventory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** What a checkout asks to reserve: every line or nothing, held for {@code holdFor}. */
public record ReservationRequest(List<Line> lines, Duration holdFor) {

    /** A quantity of a variant, from the given location or, when absent, from whichever location covers it. */
    public record Line(UUID variantId, long quantity, Optional<UUID> locationId) {
    }
}
