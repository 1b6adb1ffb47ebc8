package dev.marketplace.server.platform.http;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * At most so many of one expensive operation at once (decision 47). A request that finds every permit taken waits
 * at most {@code queueFor} and is then refused with 503 {@code service_unavailable} and {@code Retry-After}: under
 * more load than the operation can take, the excess is shed at once instead of queueing on the connection pool,
 * where it would slow everything else down with it (the cliff of issue 20).
 */
public final class ConcurrencyLimit {

    /** How often a waiting request's {@code whileWaiting} runs. */
    private static final Duration RECHECK = Duration.ofMillis(20);

    private final String operation;
    private final Semaphore permits;
    private final long queueNanos;
    private final LongAdder refused = new LongAdder();

    public ConcurrencyLimit(String operation, int permits, Duration queueFor) {
        if (permits < 1) {
            throw new IllegalArgumentException(operation + ": at least one at a time, not " + permits);
        }
        this.operation = operation;
        this.permits = new Semaphore(permits);
        this.queueNanos = queueFor.toNanos();
    }

    /** How many requests were refused so far (shed: a metric). */
    public long refused() {
        return refused.sum();
    }

    /** {@code work}'s result, run once a permit is free; 503 if none frees up in time. */
    public <T> T call(Supplier<T> work) {
        return call(work, () -> { });
    }

    /**
     * {@link #call(Supplier)}, running {@code whileWaiting} every {@link #RECHECK} while the request waits for a
     * permit: it may throw to answer the request without one (a checkout whose variant became known sold out while it
     * waited, decision 79).
     */
    public <T> T call(Supplier<T> work, Runnable whileWaiting) {
        boolean acquired;
        long deadline = System.nanoTime() + queueNanos;
        try {
            acquired = permits.tryAcquire(Math.min(queueNanos, RECHECK.toNanos()), TimeUnit.NANOSECONDS);
            for (long left = deadline - System.nanoTime(); !acquired && left > 0; left = deadline - System.nanoTime()) {
                whileWaiting.run();
                acquired = permits.tryAcquire(Math.min(left, RECHECK.toNanos()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            refused.increment();
            throw ProblemException.serviceUnavailable("The server is running as many " + operation
                    + " as it can at once; retry shortly.").retryAfter(1);
        }
        try {
            return work.get();
        } finally {
            permits.release();
        }
    }
}
