package dev.marketplace.bench;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * server can do at that concurrency, and its latencies are only the service times. In both, a request answered 503
 * with {@code Retry-After} is sent again after it (at most {@link #SENT_AGAIN_AFTER_503} times), as a client would.
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

    /**
     * How many times a request answered 503 with {@code Retry-After} is sent again, that many seconds after the
     * answer, as a client's app would (the flash-sale buyers do, decision 77): shedding defers work, it does not end
     * it, and what is sent again is load too. Then the 503 is the request's answer (decision 83).
     */
    static final int SENT_AGAIN_AFTER_503 = 2;

    /**
     * A request to send when due: {@code attempt} 0 is its first sending (its bytes, null, are chosen when it is sent),
     * higher ones after a 503's Retry-After.
     */
    private record Send(byte[] request, long due, int attempt) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }
    }

    private Report.Load run(Duration warmUp, Duration measured, Requests requests, double intendedRate, Pacer pacer) {
        long start = System.nanoTime() + 50_000_000L; // every connection's thread is running by then
        long measuredFrom = start + warmUp.toNanos();
        long end = measuredFrom + measured.toNanos();
        boolean openLoop = intendedRate > 0;
        Histogram latencyMicros = new ConcurrentHistogram(3);
        LongAdder completed = new LongAdder();
        LongAdder firstSendings = new LongAdder();
        LongAdder answeredInWarmUp = new LongAdder();
        Map<Integer, LongAdder> httpErrors = new ConcurrentHashMap<>();
        LongAdder ioErrors = new LongAdder();
        LongAdder unavailableWithoutRetryAfter = new LongAdder();
        LongAdder retriedAfter503 = new LongAdder();
        // Open loop: requests to send again, taken by whichever connection is free (a client's app, not its
        // connection, waits out the Retry-After); closed loop: each connection sends its own again.
        DelayQueue<Send> sendAgain = new DelayQueue<>();
        AtomicInteger toSendAgain = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            threads.add(Thread.ofVirtual().name("load-" + c).start(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                Send own = null;
                try (HttpConnection connection = new HttpConnection(base)) {
                    while (true) {
                        Send send;
                        if (openLoop) {
                            send = nextOpenLoop(sendAgain, toSendAgain, pacer, start, end);
                        } else if (own != null) {
                            send = own.due() < end ? own : null; // not sent again after the run
                            own = null;
                            for (long wait = send == null ? 0 : send.due() - System.nanoTime(); wait > 0;
                                 wait = send.due() - System.nanoTime()) {
                                LockSupport.parkNanos(wait);
                            }
                        } else {
                            long due = pacer.nextDue(start, end);
                            send = due < 0 ? null : new Send(null, due, 0);
                        }
                        if (send == null) {
                            break;
                        }
                        int status;
                        byte[] request = send.request();
                        try {
                            if (request == null) {
                                request = requests.next(random);
                            }
                            status = connection.exchange(request);
                        } catch (IOException | RuntimeException e) {
                            connection.close();
                            status = -1;
                        }
                        long done = System.nanoTime();
                        int retryAfter = status == 503 ? connection.lastRetryAfterSeconds() : -1;
                        boolean again = retryAfter >= 0 && send.attempt() < SENT_AGAIN_AFTER_503;
                        if (again) {
                            Send later = new Send(request, done + retryAfter * 1_000_000_000L,
                                    send.attempt() + 1);
                            if (openLoop) {
                                toSendAgain.incrementAndGet();
                                sendAgain.add(later);
                            } else {
                                own = later;
                            }
                        }
                        if (send.due() < measuredFrom) {
                            if (status >= 0) {
                                answeredInWarmUp.increment();
                            }
                            continue;
                        }
                        if (send.attempt() == 0) {
                            firstSendings.increment();
                        }
                        if (status < 0) {
                            ioErrors.increment();
                        } else if (again) {
                            retriedAfter503.increment();
                        } else if (status >= 400) {
                            httpErrors.computeIfAbsent(status, key -> new LongAdder()).increment();
                            if (status == 503 && !connection.lastHadRetryAfter()) {
                                unavailableWithoutRetryAfter.increment();
                            }
                        } else {
                            completed.increment();
                        }
                        latencyMicros.recordValue(Math.max(1, (done - send.due()) / 1_000));
                    }
                }
            }));
        }
        joinAll(threads);
        // Late answers to requests due before the end lengthen the run: throughput is over the real time taken.
        double seconds = (System.nanoTime() - measuredFrom) / 1e9;
        Map<Integer, Long> httpErrorsByStatus = new TreeMap<>();
        httpErrors.forEach((status, count) -> httpErrorsByStatus.put(status, count.sum()));
        // Given up on: first sendings the schedule did not get to, and requests not sent again in time.
        long unsent = openLoop ? Math.max(0, Math.round(measured.toNanos() / 1e9 * intendedRate)
                - firstSendings.sum()) + toSendAgain.get() : 0;
        return Report.Load.of(connections, intendedRate, seconds, completed.sum(), httpErrorsByStatus, ioErrors.sum(),
                unsent, answeredInWarmUp.sum(), unavailableWithoutRetryAfter.sum(), retriedAfter503.sum(),
                latencyMicros);
    }

    /**
     * The open loop's next request: one due to be sent again, else the schedule's next; after the schedule's end, those
     * still to be sent again until {@link #MAX_OVERRUN} after it. Null when there is nothing more to send.
     */
    private static Send nextOpenLoop(DelayQueue<Send> sendAgain, AtomicInteger toSendAgain, Pacer pacer, long start,
                                     long end) {
        Send again = sendAgain.poll();
        if (again != null) {
            toSendAgain.decrementAndGet();
            return again;
        }
        long due = pacer.nextDue(start, end);
        if (due >= 0) {
            return new Send(null, due, 0);
        }
        while (toSendAgain.get() > 0 && System.nanoTime() < end + MAX_OVERRUN.toNanos()) {
            try {
                again = sendAgain.poll(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            if (again != null) {
                toSendAgain.decrementAndGet();
                return again;
            }
        }
        return null;
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
