package dev.marketplace.server.platform.http;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * At most so many of one expensive operation at once (decisions 47, 69 and 77). A request that finds every permit
 * taken waits at most {@code queueFor} and is then refused with 503 {@code service_unavailable} and
 * {@code Retry-After}: under more load than the operation can take, the excess is shed instead of queueing on the
 * cores or the connection pool, where it would slow everything else down with it (the cliff of issue 20).
 *
 * <p>The number of permits follows the node's real capacity (decision 77), a gradient limit in the manner of
 * Netflix's concurrency-limits: the mean time a permit is held, over each {@link #WINDOW} completions, is compared
 * with the lowest such mean seen (the operation's time without queueing). While it stays within {@link #TOLERANCE}
 * of it the limit grows towards {@code maxPermits}; beyond it the limit shrinks in proportion, because more at
 * once then only queue for the cores or the pool, taking them from cheaper requests. And a request that would not
 * get a permit within {@code queueFor} at the recent pace (waiters ahead of it times the mean holding time, over
 * the permits) is refused at once: a shed answer costs its client no queueing either.
 *
 * <p>A caller may ask to wait patiently (decision 93): up to {@code patience} instead of the queue time, without the
 * refusal at once, in a queue of its own of at most {@code mostPatient}, served only when no other waiter is (a
 * flash sale's buyers do not take the turns of other checkouts). Its {@code whileWaiting} is what ends such a wait
 * early; when it does, the other patient waiters run theirs at once (a sold-out variant found by one is found by
 * all). Beyond {@code mostPatient} it waits as any other.
 *
 * <p>A waiter sleeps until a permit is freed for it, its time is up, or {@link #recheckWaiting()} says that what its
 * {@code whileWaiting} looks at has changed (decision 110): hundreds of waiters each waking on a timer to look would
 * take the lock and a carrier thread many times a second for nothing, as the door's did (decision 102's amendment).
 */
public final class ConcurrencyLimit {

    /** Completions whose mean holding time is one measurement of the gradient. */
    static final int WINDOW = 16;
    /** The holding time may grow to this multiple of the unqueued one before the limit shrinks. */
    static final double TOLERANCE = 2.0;
    /** The share of each measurement in the limit (the rest is the limit so far): changes follow over a few windows. */
    private static final double SMOOTHING = 0.2;
    /**
     * How much the unqueued time may rise per window (about e in 4,000 completions), so that a lasting change of the
     * operation's cost (a grown catalog) is followed, while overload, which lasts seconds, is not taken for one.
     */
    private static final double NO_LOAD_DRIFT = 1.0 / 256;

    private final String operation;
    private final int maxPermits;
    private final long queueNanos;
    private final long patienceNanos;
    private final int mostPatient;
    private final LongSupplier nanoClock;
    private final LongAdder refused = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition permitFreed = lock.newCondition();
    private final Condition patientTurn = lock.newCondition();
    // Guarded by lock.
    private double limit;
    private int running;
    /** Waiting for a permit within the queue time: served before the patient. */
    private int waiting;
    private int waitingPatiently;
    /** How many times waiters were told to run their checks again ({@link #recheckWaiting()}). */
    private long rechecks;
    private long windowNanos;
    private int windowCompletions;
    private final QueuePace pace = new QueuePace(SMOOTHING);
    private double unqueuedNanos = Double.NaN;

    public ConcurrencyLimit(String operation, int maxPermits, Duration queueFor) {
        this(operation, maxPermits, queueFor, Duration.ZERO, 0);
    }

    /** With {@code mostPatient} callers at most waiting up to {@code patience} each when they ask to. */
    public ConcurrencyLimit(String operation, int maxPermits, Duration queueFor, Duration patience, int mostPatient) {
        this(operation, maxPermits, queueFor, patience, mostPatient, System::nanoTime);
    }

    /** With the clock that times the holding of permits (a test's, to give the limit chosen holding times). */
    ConcurrencyLimit(String operation, int maxPermits, Duration queueFor, LongSupplier nanoClock) {
        this(operation, maxPermits, queueFor, Duration.ZERO, 0, nanoClock);
    }

    private ConcurrencyLimit(String operation, int maxPermits, Duration queueFor, Duration patience, int mostPatient,
                             LongSupplier nanoClock) {
        if (maxPermits < 1) {
            throw new IllegalArgumentException(operation + ": at least one at a time, not " + maxPermits);
        }
        this.operation = operation;
        this.maxPermits = maxPermits;
        this.queueNanos = queueFor.toNanos();
        this.patienceNanos = patience.toNanos();
        this.mostPatient = mostPatient;
        this.nanoClock = nanoClock;
        this.limit = maxPermits;
    }

    /** How many requests were refused so far (shed: a metric). */
    public long refused() {
        return refused.sum();
    }

    /** How many may run at once now (between 1 and the configured most: a metric). */
    public int permits() {
        lock.lock();
        try {
            return currentPermits();
        } finally {
            lock.unlock();
        }
    }

    /** How many requests wait for a permit now, patiently or not (a metric). */
    public int waiting() {
        lock.lock();
        try {
            return waiting + waitingPatiently;
        } finally {
            lock.unlock();
        }
    }

    /** {@code work}'s result, run once a permit is free; 503 if none frees up in time. */
    public <T> T call(Supplier<T> work) {
        return call(work, () -> { });
    }

    /**
     * {@link #call(Supplier)}, running {@code whileWaiting} whenever the request, waiting for a permit, is woken without
     * one ({@link #recheckWaiting()}): it may throw to answer the request without one (a checkout whose variant became
     * known sold out while it waited, decision 79).
     */
    public <T> T call(Supplier<T> work, Runnable whileWaiting) {
        return call(work, whileWaiting, false);
    }

    /**
     * {@link #call(Supplier, Runnable)}; if {@code patient} and fewer than {@code mostPatient} wait so, waiting up to
     * {@code patience} in the patient queue (decision 93) instead.
     */
    public <T> T call(Supplier<T> work, Runnable whileWaiting, boolean patient) {
        acquire(whileWaiting, patient);
        long started = nanoClock.getAsLong();
        try {
            return work.get();
        } finally {
            release(nanoClock.getAsLong() - started);
        }
    }

    private void acquire(Runnable whileWaiting, boolean patient) {
        lock.lock();
        try {
            boolean patiently = patient && waitingPatiently < mostPatient;
            if (permitFor(patiently)) {
                running++;
                return;
            }
            if (!patiently && !permitExpectedInTime()) {
                throw refusal();
            }
            Condition turn = patiently ? patientTurn : permitFreed;
            if (patiently) {
                waitingPatiently++;
            } else {
                waiting++;
            }
            Admission.stepAside(); // waiting here runs nothing: the door's slot goes to another request (decision 92)
            try {
                long deadline = System.nanoTime() + (patiently ? patienceNanos : queueNanos);
                // Checked once at first (a recheck may have come between the caller's own check and this wait), then
                // after each recheck, including those that came while the check ran without the lock.
                long checkedAt = rechecks - 1;
                while (!permitFor(patiently)) {
                    if (checkedAt != rechecks) {
                        checkedAt = rechecks;
                        checkWhileWaiting(whileWaiting, patiently);
                        continue;
                    }
                    long left = deadline - System.nanoTime(); // the checks' own time counts too
                    if (left <= 0) {
                        throw refusal();
                    }
                    turn.awaitNanos(left);
                }
                running++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw refusal();
            } finally {
                if (patiently) {
                    waitingPatiently--;
                } else {
                    waiting--;
                }
                passFreePermitsOn(); // a signal this waiter took and did not use goes to the next
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Wakes every waiter to run its {@code whileWaiting} now: for whoever changed what those checks look at (a variant
     * marked sold out, the carts' announcements confirmed up to the mark).
     */
    public void recheckWaiting() {
        lock.lock();
        try {
            rechecks++;
            permitFreed.signalAll();
            patientTurn.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code whileWaiting} outside the limit's lock (it is the caller's code); lock held before and after. */
    private void checkWhileWaiting(Runnable whileWaiting, boolean patiently) {
        lock.unlock();
        boolean answered = true;
        try {
            whileWaiting.run();
            answered = false;
        } finally {
            lock.lock();
            if (answered && patiently) {
                rechecks++; // what answered this one may answer the others: let them look now
                patientTurn.signalAll();
            }
        }
    }

    /** Whether a free permit is this waiter's: a patient one's only when no other waits (they may take it first). */
    private boolean permitFor(boolean patiently) {
        return (patiently ? running + waiting : running) < currentPermits();
    }

    /** Whether one more waiter would get a permit within the queue time at the recent pace. */
    private boolean permitExpectedInTime() {
        return pace.servedInTime(waiting, currentPermits(), queueNanos);
    }

    private ProblemException refusal() {
        refused.increment();
        return ProblemException.serviceUnavailable("The server is running as many " + operation
                + " as it can at once; retry shortly.").retryAfter(1);
    }

    private void release(long heldNanos) {
        lock.lock();
        try {
            running--;
            measured(heldNanos);
            passFreePermitsOn();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes a waiter for each free permit, those waiting within the queue time first. */
    private void passFreePermitsOn() {
        int free = currentPermits() - running;
        int queued = Math.min(free, waiting);
        for (int i = 0; i < queued; i++) {
            permitFreed.signal();
        }
        for (int i = 0; i < Math.min(free - queued, waitingPatiently); i++) {
            patientTurn.signal();
        }
    }

    /** One more holding time; every {@link #WINDOW} of them move the limit by the gradient of their mean. */
    private void measured(long heldNanos) {
        windowNanos += Math.max(1, heldNanos);
        if (++windowCompletions < WINDOW) {
            return;
        }
        double mean = (double) windowNanos / windowCompletions;
        windowNanos = 0;
        windowCompletions = 0;
        pace.held(mean);
        unqueuedNanos = Double.isNaN(unqueuedNanos) ? mean : Math.min(mean, unqueuedNanos * (1 + NO_LOAD_DRIFT));
        double gradient = Math.clamp(TOLERANCE * unqueuedNanos / mean, 0.5, 1.0);
        double target = limit * gradient + Math.sqrt(limit); // the square root: room to find out whether more fit
        limit = Math.clamp((1 - SMOOTHING) * limit + SMOOTHING * target, 1, maxPermits);
    }

    private int currentPermits() {
        return Math.max(1, (int) limit);
    }
}
