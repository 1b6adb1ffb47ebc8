package dev.marketplace.server.dropship;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * A supplier's call quota as the connection records it (decision 39, amended): at most {@code calls} calls per
 * {@code window}, the window starting at the first call after the previous one ended, counted in the database so
 * every node takes from the same count ({@code DropshipService#takeSupplierCall}).
 */
public record Quota(int calls, Duration window, int used, Optional<OffsetDateTime> windowStartedAt) {

    /** The calls left now: all of them once the window has ended. */
    public int remaining(OffsetDateTime now) {
        return windowEndsAt(now).isPresent() ? Math.max(0, calls - used) : calls;
    }

    /** When the running window ends; empty when none runs (the next call starts one). */
    public Optional<OffsetDateTime> windowEndsAt(OffsetDateTime now) {
        return windowStartedAt.map(started -> started.plus(window)).filter(end -> end.isAfter(now));
    }
}
