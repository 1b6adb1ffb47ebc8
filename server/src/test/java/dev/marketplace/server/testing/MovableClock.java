package dev.marketplace.server.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The system clock moved forward by what a test says: waiting out a return window, a payout's hold or a retry
 * schedule without waiting. Never behind the real time, so it agrees with what the database and other clocks wrote.
 */
public final class MovableClock extends Clock {

    private final AtomicReference<Duration> ahead;
    private final ZoneId zone;

    public MovableClock() {
        this(new AtomicReference<>(Duration.ZERO), ZoneOffset.UTC);
    }

    private MovableClock(AtomicReference<Duration> ahead, ZoneId zone) {
        this.ahead = ahead;
        this.zone = zone;
    }

    public void advance(Duration by) {
        ahead.updateAndGet(current -> current.plus(by));
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** The same moving time seen in another zone: advancing either moves both. */
    @Override
    public Clock withZone(ZoneId other) {
        return new MovableClock(ahead, other);
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(ahead.get());
    }
}
