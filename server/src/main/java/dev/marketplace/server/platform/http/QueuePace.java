package dev.marketplace.server.platform.http;

/**
 * The smoothed time a permit or slot is held, and decision 77's rule built on it: a newcomer is queued only if those
 * ahead of it and itself would be served within the queue time at that pace, otherwise refused at once (a refusal that
 * waits out the queue first holds the client as long as a slow answer). Used by {@link ConcurrencyLimit} and
 * {@link Admission}; not thread-safe (each guards it with its own lock). Times are nanoseconds, not amounts.
 */
final class QueuePace {

    private final double smoothing;
    private double holdingNanos = Double.NaN;

    /** {@code smoothing}: the weight of each new holding time in the mean (0..1). */
    QueuePace(double smoothing) {
        this.smoothing = smoothing;
    }

    /** One more holding time (or a window's mean of them) into the smoothed mean. */
    void held(double nanos) {
        holdingNanos = Double.isNaN(holdingNanos) ? nanos : smoothing * nanos + (1 - smoothing) * holdingNanos;
    }

    /** Whether one more behind {@code ahead} waiters gets one of {@code slots} within {@code queueNanos}. */
    boolean servedInTime(int ahead, int slots, long queueNanos) {
        if (queueNanos <= 0) {
            return false;
        }
        return Double.isNaN(holdingNanos) || (ahead + 1) * holdingNanos / slots <= queueNanos;
    }
}
