package dev.marketplace.bench;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * HTTP load over a fixed set of keep-alive connections, each served by one virtual thread.
 *
 * <p>Open loop ({@link #atRate}): request {@code i} is due at {@code start + i / rate}, whatever happened to the
 * previous ones; a free connection sends the next due request and its latency is counted from when it was due,
 * not from when it could be sent, so time spent queueing behind a slow server is part of the figure (no
 * coordinated omission — the method of wrk2 and Gatling's open injection). Closed loop ({@link #asFastAsPossible}):
 * every connection sends its next request as soon as the previous answer arrived; that measures the most the
 * server can do at that concurrency, and its latencies are only the service times.
 */
final class LoadGenerator {

    /** Chooses the prepared request bytes for each request (thread-safe). */
    interface Requests {
        byte[] next(ThreadLocalRandom random);
    }

    private final URI base;
    private final int connections;

    LoadGenerator(URI base, int connections) {
        this.base = base;
        this.connections = connections;
    }

    /**
     * A server slower than the rate builds a backlog; requests still queued {@link #MAX_OVERRUN} after the end are
     * not sent and are reported as {@code unsent}, so an overloaded run ends in bounded time and says so.
     */
    private static final Duration MAX_OVERRUN = Duration.ofSeconds(10);

    Report.Load atRate(double perSecond, Duration warmUp, Duration measured, Requests requests) {
        long intervalNanos = Math.round(1e9 / perSecond);
        AtomicLong sequence = new AtomicLong();
        return run(warmUp, measured, requests, perSecond, (start, end) -> {
            long due = start + sequence.getAndIncrement() * intervalNanos;
            if (due >= end || System.nanoTime() > end + MAX_OVERRUN.toNanos()) {
                return -1;
            }
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            return due;
        });
    }

    Report.Load asFastAsPossible(Duration warmUp, Duration measured, Requests requests) {
        return run(warmUp, measured, requests, 0, (start, end) -> {
            long now = System.nanoTime();
            return now >= end ? -1 : now;
        });
    }

    /** When the next request of a connection is due; negative when the run is over. */
    private interface Pacer {
        long nextDue(long start, long end);
    }

    private Report.Load run(Duration warmUp, Duration measured, Requests requests, double intendedRate, Pacer pacer) {
        long start = System.nanoTime() + 50_000_000L; // every connection's thread is running by then
        long measuredFrom = start + warmUp.toNanos();
        long end = measuredFrom + measured.toNanos();
        Histogram latencyMicros = new ConcurrentHistogram(3);
        LongAdder completed = new LongAdder();
        LongAdder answeredInWarmUp = new LongAdder();
        Map<Integer, LongAdder> httpErrors = new ConcurrentHashMap<>();
        LongAdder ioErrors = new LongAdder();
        LongAdder unavailableWithoutRetryAfter = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            threads.add(Thread.ofVirtual().name("load-" + c).start(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                try (HttpConnection connection = new HttpConnection(base)) {
                    for (long due = pacer.nextDue(start, end); due >= 0; due = pacer.nextDue(start, end)) {
                        int status;
                        try {
                            status = connection.exchange(requests.next(random));
                        } catch (IOException | RuntimeException e) {
                            connection.close();
                            status = -1;
                        }
                        long done = System.nanoTime();
                        if (due < measuredFrom) {
                            if (status >= 0) {
                                answeredInWarmUp.increment();
                            }
                            continue;
                        }
                        if (status < 0) {
                            ioErrors.increment();
                        } else if (status >= 400) {
                            httpErrors.computeIfAbsent(status, key -> new LongAdder()).increment();
                            if (status == 503 && !connection.lastHadRetryAfter()) {
                                unavailableWithoutRetryAfter.increment();
                            }
                        } else {
                            completed.increment();
                        }
                        latencyMicros.recordValue(Math.max(1, (done - due) / 1_000));
                    }
                }
            }));
        }
        joinAll(threads);
        // Late answers to requests due before the end lengthen the run: throughput is over the real time taken.
        double seconds = (System.nanoTime() - measuredFrom) / 1e9;
        Map<Integer, Long> httpErrorsByStatus = new TreeMap<>();
        httpErrors.forEach((status, count) -> httpErrorsByStatus.put(status, count.sum()));
        long sent = completed.sum() + httpErrorsByStatus.values().stream().mapToLong(Long::longValue).sum()
                + ioErrors.sum();
        long unsent = intendedRate > 0 ? Math.max(0, Math.round(measured.toNanos() / 1e9 * intendedRate) - sent) : 0;
        return Report.Load.of(connections, intendedRate, seconds, completed.sum(), httpErrorsByStatus, ioErrors.sum(),
                unsent, answeredInWarmUp.sum(), unavailableWithoutRetryAfter.sum(), latencyMicros);
    }

    /** Waits for every thread to end. */
    static void joinAll(List<Thread> threads) {
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
