package dev.marketplace.bench;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * An open loop that keeps sending on time, however slowly the server answers (decision 110): request {@code i} is
 * sent at {@code start + i / rate} on a connection free then, and when none is, on a new one (up to {@code
 * maxConnections}; with all of those waiting for answers it is not sent, and counted so), as a storefront's many
 * independent clients would. {@link LoadGenerator#atRate}'s fixed connections fall behind once they all wait for
 * answers, and while behind its latencies are the backlog's age and what is due in the measured window is partly sent
 * after it; here the server's answers are what is measured (the sendings left late, and those not sent because every
 * connection was waiting, are counted).
 *
 * <p>A request answered 503 with {@code Retry-After} is sent again that many seconds after the answer (at most
 * {@link LoadGenerator#SENT_AGAIN_AFTER_503} times) by its client, not on a connection held meanwhile. Every answer is
 * counted under the window its request's <em>first</em> sending was due in; each answer's latency is from when that
 * sending was due. Served and shed answers have latencies of their own: the no-cliff target asks that what is served
 * be answered within 1 s and that what is refused be refused fast.
 */
final class OnTimeLoad {

    /** How late after its due time a sending still counts as on time (the generator's own scheduling noise). */
    private static final Duration ON_TIME = Duration.ofMillis(10);
    /** Answers still outstanding this long after the schedule's end are not waited for: counted as unanswered. */
    private static final Duration MAX_OVERRUN = Duration.ofSeconds(10);

    /**
     * What was due in the measured window and what became of it. {@code servedPerSecond} is the requests due in the
     * window that were served (2xx, possibly after a resend) over the window's length; {@code sentLate} the sendings
     * (first or again) that left more than {@link #ON_TIME} after they were due (none when the generator kept up).
     */
    record Result(double intendedRate, double windowSeconds, int connectionsOpened, long due, long sentLate,
                  double maxSendDelayMs, long served, long servedAfterResend, long finallyShed, long otherHttpErrors,
                  long ioErrors, long unsent, long unanswered, long shedWithoutRetryAfter, long answers503,
                  double servedPerSecond, Report.Latency servedLatencyMs, Report.Latency shedLatencyMs) {

        /** Every request due was answered: served, or refused with 503 and Retry-After; nothing else. */
        boolean onlyShedding() {
            return otherHttpErrors == 0 && ioErrors == 0 && unsent == 0 && unanswered == 0
                    && shedWithoutRetryAfter == 0;
        }

        double shedShare() {
            return due == 0 ? 0 : Report.round((double) finallyShed / due);
        }

        /** Whether the served answers' p99 is below {@code millis} and every request due was served. */
        boolean allServedWithP99Below(double millis) {
            return servedLatencyMs != null && servedLatencyMs.p99() < millis && served == due;
        }

        String describe() {
            return String.format(Locale.ROOT, "%d due at %.0f/s: %d served (%.0f/s, %d after a resend), %d finally "
                            + "refused 503, %d other HTTP errors, %d I/O errors, %d not sent (every connection "
                            + "waiting for an answer), %d unanswered; served p99 %s, 503 p99 %s; %d sendings late "
                            + "(max %.0f ms), %d connections",
                    due, intendedRate, served, servedPerSecond, servedAfterResend, finallyShed, otherHttpErrors,
                    ioErrors, unsent, unanswered, p99(servedLatencyMs), p99(shedLatencyMs), sentLate, maxSendDelayMs,
                    connectionsOpened);
        }

        private static String p99(Report.Latency latency) {
            return latency == null ? "n/a" : String.format(Locale.ROOT, "%.1f ms", latency.p99());
        }
    }

    private final URI base;
    private final ConcurrentLinkedDeque<HttpConnection> idle = new ConcurrentLinkedDeque<>();
    /** Every connection opened, to be closed at the end (answers not waited for included). */
    private final ConcurrentLinkedQueue<HttpConnection> all = new ConcurrentLinkedQueue<>();
    private final Semaphore connections;
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicBoolean over = new AtomicBoolean();
    private final Histogram servedMicros = new ConcurrentHistogram(3);
    private final Histogram shedMicros = new ConcurrentHistogram(3);
    private final Histogram sendDelayMicros = new ConcurrentHistogram(3);
    private final LongAdder due = new LongAdder();
    private final LongAdder sentLate = new LongAdder();
    private final LongAdder served = new LongAdder();
    private final LongAdder servedAfterResend = new LongAdder();
    private final LongAdder finallyShed = new LongAdder();
    private final LongAdder otherHttpErrors = new LongAdder();
    private final LongAdder ioErrors = new LongAdder();
    private final LongAdder shedWithoutRetryAfter = new LongAdder();
    private final LongAdder answers503 = new LongAdder();
    private final LongAdder unansweredInWindow = new LongAdder();
    private final LongAdder unsent = new LongAdder();

    OnTimeLoad(URI base, int maxConnections) {
        this.base = base;
        this.connections = new Semaphore(maxConnections);
    }

    Result atRate(double perSecond, Duration warmUp, Duration measured, LoadGenerator.Requests requests) {
        long intervalNanos = Math.round(1e9 / perSecond);
        long start = System.nanoTime() + 50_000_000L;
        long measuredFrom = start + warmUp.toNanos();
        long end = measuredFrom + measured.toNanos();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (long i = 0, dueAt = start; dueAt < end; i++, dueAt = start + i * intervalNanos) {
            for (long wait = dueAt - System.nanoTime(); wait > 0; wait = dueAt - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            boolean inWindow = dueAt >= measuredFrom;
            if (inWindow) {
                due.increment();
            }
            send(requests.next(random), dueAt, 0, inWindow);
        }
        long giveUpAt = end + MAX_OVERRUN.toNanos();
        while (outstanding.get() > 0 && System.nanoTime() < giveUpAt) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // a bench's end: nothing to be signalled by
        }
        over.set(true);
        all.forEach(HttpConnection::close);
        return new Result(perSecond, Report.round(measured.toNanos() / 1e9), all.size(), due.sum(),
                sentLate.sum(), Report.round(sendDelayMicros.getMaxValue() / 1e3), served.sum(),
                servedAfterResend.sum(), finallyShed.sum(), otherHttpErrors.sum(), ioErrors.sum(), unsent.sum(),
                unansweredInWindow.sum(), shedWithoutRetryAfter.sum(), answers503.sum(),
                Report.round(served.sum() / (measured.toNanos() / 1e9)), Report.Latency.of(servedMicros),
                Report.Latency.of(shedMicros));
    }

    /** Sends {@code request} at {@code dueAt} on a thread of its own (a client of its own). */
    private void send(byte[] request, long dueAt, int attempt, boolean inWindow) {
        outstanding.incrementAndGet();
        if (inWindow) {
            unansweredInWindow.increment(); // until answered
        }
        Thread.ofVirtual().start(() -> {
            try {
                for (long wait = dueAt - System.nanoTime(); wait > 0; wait = dueAt - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                exchange(request, dueAt, attempt, inWindow);
            } finally {
                outstanding.decrementAndGet();
            }
        });
    }

    private void exchange(byte[] request, long dueAt, int attempt, boolean inWindow) {
        HttpConnection connection = take(); // a resend due after the run is not sent
        if (connection == null) {
            if (inWindow && !over.get()) {
                unansweredInWindow.decrement();
                unsent.increment();
            }
            return;
        }
        long sentAt = System.nanoTime();
        int status;
        boolean retryAfter;
        int retryAfterSeconds;
        try {
            status = connection.exchange(request);
            retryAfter = connection.lastHadRetryAfter();
            retryAfterSeconds = connection.lastRetryAfterSeconds();
        } catch (IOException | RuntimeException e) {
            connection.close(); // opened again by its next exchange
            status = -1;
            retryAfter = false;
            retryAfterSeconds = -1;
        } finally {
            idle.push(connection);
            connections.release();
        }
        long answeredAt = System.nanoTime();
        if (over.get() || !inWindow) {
            if (status == 503 && retryAfter && attempt < LoadGenerator.SENT_AGAIN_AFTER_503 && !over.get()) {
                send(request, answeredAt + retryAfterSeconds * 1_000_000_000L, attempt + 1, false);
            }
            return;
        }
        long sendDelay = Math.max(0, sentAt - dueAt);
        sendDelayMicros.recordValue(sendDelay / 1_000);
        if (sendDelay > ON_TIME.toNanos()) {
            sentLate.increment();
        }
        long latencyMicros = Math.max(1, (answeredAt - dueAt) / 1_000);
        unansweredInWindow.decrement();
        if (status >= 200 && status < 300) {
            servedMicros.recordValue(latencyMicros);
            served.increment();
            if (attempt > 0) {
                servedAfterResend.increment();
            }
        } else if (status == 503) {
            shedMicros.recordValue(latencyMicros);
            answers503.increment();
            if (!retryAfter) {
                shedWithoutRetryAfter.increment();
                finallyShed.increment();
            } else if (attempt < LoadGenerator.SENT_AGAIN_AFTER_503) {
                send(request, answeredAt + retryAfterSeconds * 1_000_000_000L, attempt + 1, true);
            } else {
                finallyShed.increment();
            }
        } else if (status < 0) {
            ioErrors.increment();
        } else {
            otherHttpErrors.increment();
        }
    }

    /**
     * A free connection, a new one if none is free and fewer than the most are open; null when all the most are
     * waiting for answers (the sending is counted as unsent: waiting for a connection would make the generator's own
     * queue the thing measured, and tens of thousands of waiting senders took the cores from the server) or once the
     * run is over.
     */
    private HttpConnection take() {
        if (over.get() || !connections.tryAcquire()) {
            return null;
        }
        HttpConnection connection = idle.poll();
        if (connection == null) {
            connection = new HttpConnection(base);
            all.add(connection);
        }
        return connection;
    }
}
