package dev.marketplace.server.platform.http;

import dev.marketplace.server.platform.security.AuditTrail;
import io.helidon.config.Config;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Admission at the door (decision 92): at most {@code http.admission.in.flight} requests run at once on the node, a few more wait a
 * short while in a bounded queue, and the rest are answered 503 {@code service_unavailable} with {@code Retry-After}
 * before authentication or any handler work. Under twice the load the node can serve, thousands of runnable virtual
 * threads sharing two carriers would otherwise slow every request down together and shed nothing (issue 20).
 *
 * <p>Cheapest first: a request's {@link Cost} (from its operation) decides how full the door may be when it is let in
 * — a cached read while any slot is free, a search while a quarter of the door is, anything else while half is — and in
 * what order waiters are let in. So the expensive requests are turned away first and can never take the slots the
 * cached reads need; a cheaper arrival facing a full queue takes the place of the dearest waiter, and one that would
 * not be let in within the queue time at the recent pace is refused at once rather than after waiting it out.
 *
 * <p>A queue for bursts, not for overload (decision 102, CoDel's rule as Facebook's servers apply it): while a class's
 * queue has not been empty for {@link #STANDING_AFTER}, it is standing — more keeps arriving than the door lets in —
 * and its newcomers may wait only {@code queue.standing.time}. Under lasting overload a long queue serves no more; it
 * only makes every admitted request wait its whole length first, and clients whose connections all wait there send
 * nothing else (issue 20's no-cliff run: 256 connections each holding a search 181 ms, 24 s behind their schedule).
 *
 * <p>The recent pace of each class's queue (Little's law): while a class's queue has waiters, the smoothed interval
 * between its waiters being let in, since it last began to fill, says how long a newcomer behind them would wait; one
 * that would not be let in within its queue time at that pace is refused at once. A queue's length is thus bounded by
 * what it actually serves, not by a count, nor by the time a slot is held alone (decision 119: a search let in holds
 * its slot from the moment it is handed one, including its wait for a carrier thread, which under overload is most
 * of it). A search may wait only {@code queue.search.time}: it is a few milliseconds of work, and a search connection
 * held longer is one a storefront's client cannot send on.
 *
 * <p>What counts as in flight: a request from its admission to its answer, including its waits on I/O (the pool and
 * PostgreSQL bound those, and the shares above keep room for cached reads whatever the others wait for), but not
 * while it waits for a permit of a per-operation {@link ConcurrencyLimit}: it {@linkplain #stepAside() steps aside}
 * when that wait begins and does not come back, since with its permit the operation's own limit bounds it. A checkout
 * waiting its turn behind a flash sale's buyers thus holds no door slot however long that limit lets it wait, and a
 * checkout steps aside once it has its turn too (decision 143): its time from there is the database's, which the
 * checkouts' limit judges; in the door it set the pace the cheap requests behind it were refused by.
 *
 * <p>Never queued nor shed, nor counted: the operator's health, readiness and metrics ({@code /observe/…}), which
 * must answer most of all when the node is overloaded, and the OAuth token endpoints that clients need to carry on at
 * all ({@code /oauth2/token}, {@code /revoke}, {@code /jwks} and the server's metadata), which are cheap and have
 * their own rate limits.
 */
public final class Admission implements Filter, AutoCloseable {

    /** What a request costs the node, cheapest first: a cheaper class is let in sooner and queued ahead. */
    public enum Cost {
        /** Answered from memory in microseconds: a listing by id. Let in while any slot is free. */
        CACHED_READ(1.0),
        /** Answered from the search index, about a millisecond of a core. Let in while a quarter of the door is free. */
        SEARCH(0.75),
        /** Anything else: writes, checkouts, reads PostgreSQL answers. Let in while half of the door is free. */
        OTHER(0.5);

        private final double shareOfTheDoor;

        Cost(double shareOfTheDoor) {
            this.shareOfTheDoor = shareOfTheDoor;
        }

        String metricTag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * {@code http.admission}: the most in flight, the most waiting, how long one may wait, how long a search may (at
     * most {@code queueTime}), and how long while its class's queue is standing (at most {@code queueTime}).
     */
    public record Settings(int inFlight, int queueLength, Duration queueTime, Duration searchQueueTime,
                           Duration standingQueueTime) {

        public Settings {
            if (inFlight < 1 || queueLength < 0 || queueTime.isNegative() || searchQueueTime.isNegative()
                    || searchQueueTime.compareTo(queueTime) > 0 || standingQueueTime.isNegative()
                    || standingQueueTime.compareTo(queueTime) > 0) {
                throw new IllegalArgumentException("http.admission: in.flight >= 1, queue.length >= 0, "
                        + "0 <= queue.search.time <= queue.time and 0 <= queue.standing.time <= queue.time, not "
                        + inFlight + ", " + queueLength + ", " + searchQueueTime + ", " + standingQueueTime + ", "
                        + queueTime);
            }
        }

        public static Settings from(Config admission) {
            return new Settings(admission.get("in.flight").asInt().get(), admission.get("queue.length").asInt().get(),
                    admission.get("queue.time").as(Duration.class).get(),
                    admission.get("queue.search.time").as(Duration.class).get(),
                    admission.get("queue.standing.time").as(Duration.class).get());
        }

        /** How long a newcomer of this class may wait while its queue is not standing. */
        Duration queueTime(Cost cost) {
            return cost == Cost.SEARCH ? searchQueueTime : queueTime;
        }
    }

    /** The operator's paths (see above): everything under it. */
    private static final String OBSERVE_PREFIX = "/observe/";
    /** The token endpoints and what clients read to use them (the only operations whose 503 the spec leaves out). */
    private static final Set<String> TOKEN_PATHS = Set.of("/oauth2/token", "/oauth2/revoke", "/oauth2/jwks",
            "/.well-known/oauth-authorization-server");
    /**
     * How often a waiter under a test's clock looks at it: that clock moves without waking anyone. Under the system's
     * clock a waiter sleeps until it is let in, displaced or its time is up — a periodic look would wake every waiter
     * of a long queue 100 times a second for nothing, each taking the lock and a carrier thread the admitted need.
     */
    private static final long TEST_CLOCK_RECHECK_NANOS = Duration.ofMillis(10).toNanos();
    /**
     * The weight of each request's holding time in the mean, and of each interval between a queue's waiters being let
     * in (about the last 20 count).
     */
    private static final double SMOOTHING = 0.05;
    /**
     * How long a class's queue must have had waiters without a break to be standing: CoDel's interval, a few times
     * the longest a request holds a slot unqueued (a search: milliseconds), far shorter than a burst's queue time.
     */
    static final Duration STANDING_AFTER = Duration.ofMillis(100);
    /**
     * The request's slot while it runs on its thread: how a {@link ConcurrencyLimit} it waits on gives the slot back
     * (a thread-local, not a {@code ScopedValue}: the build targets Java 21, where that is a preview).
     */
    private static final ThreadLocal<Slot> SLOT = new ThreadLocal<>();

    private final Settings settings;
    private final Map<String, Cost> costsByOperation;
    private final LongSupplier nanoClock;
    private final long recheckNanos;
    private final Map<Cost, LongAdder> shed = new EnumMap<>(Cost.class);
    private final LongAdder steppedAside = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private final Map<Cost, ArrayDeque<Waiter>> waiters = new EnumMap<>(Cost.class);
    /** Since when each class's queue has had waiters without a break; absent while it is empty. */
    private final Map<Cost, Long> queuedSince = new EnumMap<>(Cost.class);
    /**
     * Per class, since its queue last began to fill: the pace its waiters are let in at (one "slot", holding for the
     * interval between two of them), and when the last was let in (absent before the first).
     */
    private final Map<Cost, QueuePace> queuePace = new EnumMap<>(Cost.class);
    private final Map<Cost, Long> lastLetIn = new EnumMap<>(Cost.class);
    private int inFlight;
    private int queued;
    private final QueuePace pace = new QueuePace(SMOOTHING);
    private final MeterRegistry meters;
    private final List<Meter> registered = new ArrayList<>();
    /**
     * Per class: how long requests let in waited at the door (0 when let in at once), how long a waiter let in took to
     * run (its turn for a carrier thread), and how long they held their slot once running.
     */
    private final Map<Cost, Timer> waited = new EnumMap<>(Cost.class);
    private final Map<Cost, Timer> woken = new EnumMap<>(Cost.class);
    private final Map<Cost, Timer> held = new EnumMap<>(Cost.class);

    /**
     * @param costsByOperation the operations cheaper than {@link Cost#OTHER}, by {@code "METHOD /path/{template}"} as
     *                         the OpenAPI document names them (the modules' {@code admissionCosts})
     */
    public Admission(Settings settings, Map<String, Cost> costsByOperation, MeterRegistry meters) {
        this(settings, costsByOperation, System::nanoTime, Long.MAX_VALUE, meters);
        registerMetrics();
    }

    /** With the clock queue time is measured by (a test's, to run a waiter's time out without waiting); no metrics. */
    Admission(Settings settings, Map<String, Cost> costsByOperation, LongSupplier nanoClock) {
        this(settings, costsByOperation, nanoClock, TEST_CLOCK_RECHECK_NANOS, null);
    }

    private Admission(Settings settings, Map<String, Cost> costsByOperation, LongSupplier nanoClock,
                      long recheckNanos, MeterRegistry meters) {
        this.settings = settings;
        this.costsByOperation = Map.copyOf(costsByOperation);
        this.nanoClock = nanoClock;
        this.recheckNanos = recheckNanos;
        this.meters = meters;
        for (Cost cost : Cost.values()) {
            shed.put(cost, new LongAdder());
            waiters.put(cost, new ArrayDeque<>());
        }
    }

    /**
     * Gives back the calling request's slot: it is about to wait for a per-operation permit or a delivery, during
     * which it runs nothing, or a per-operation limit bounds the rest of it (see above). Nothing when the caller holds
     * no slot (an exempt request, a job, a test).
     */
    public static void stepAside() {
        Slot slot = SLOT.get();
        if (slot != null) {
            slot.leave(true);
        }
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = CanonicalPaths.rawPath(req);
        if (path.startsWith(OBSERVE_PREFIX) || TOKEN_PATHS.contains(path)) {
            chain.proceed();
            return;
        }
        Cost cost = CanonicalPaths.resolvedOperation(req)
                .map(operation -> costsByOperation.getOrDefault(operation.method() + " " + operation.path(), Cost.OTHER))
                .orElse(Cost.OTHER);
        Slot slot;
        try {
            slot = enter(cost);
        } catch (ProblemException refused) {
            AuditTrail.recordInBatch(req); // a write shed here changed and read nothing
            throw refused;
        }
        slot.run(chain::proceed);
    }

    private void record(Map<Cost, Timer> timers, Cost cost, long nanos) {
        Timer timer = timers.get(cost);
        if (timer != null) {
            timer.record(Duration.ofNanos(nanos));
        }
    }

    /** A slot once one is free for {@code cost} (at once, or within the queue time); 503 otherwise. */
    Slot enter(Cost cost) {
        Slot slot;
        lock.lock();
        try {
            long now = nanoClock.getAsLong();
            if (inFlight < admittedBelow(cost) && noneWaitingAtOrBelow(cost)) {
                inFlight++;
                slot = new Slot(cost, now);
            } else {
                long queueNanos = queueNanos(cost, now);
                if (!slotExpectedInTime(cost, queueNanos)
                        || queued >= settings.queueLength() && !shedDearerWaiterThan(cost)) {
                    throw refusal(cost);
                }
                slot = waitForSlot(cost, now, now + queueNanos);
            }
        } finally {
            lock.unlock();
        }
        record(waited, cost, slot.letInNanos - slot.arrivedNanos);
        if (slot.letInNanos != slot.arrivedNanos) {
            record(woken, cost, slot.runningNanos - slot.letInNanos);
        }
        return slot;
    }

    /** How long a newcomer of this class may wait: its queue time, or at most the standing time (see above). */
    private long queueNanos(Cost cost, long now) {
        long queueNanos = settings.queueTime(cost).toNanos();
        return standing(cost, now) ? Math.min(queueNanos, settings.standingQueueTime().toNanos()) : queueNanos;
    }

    private boolean standing(Cost cost, long now) {
        Long since = queuedSince.get(cost);
        return since != null && now - since >= STANDING_AFTER.toNanos();
    }

    /** Whether this class's queue is standing now: its newcomers may wait only the standing time (a metric). */
    public boolean standing(Cost cost) {
        lock.lock();
        try {
            return standing(cost, nanoClock.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    private Slot waitForSlot(Cost cost, long arrived, long deadline) {
        Waiter waiter = new Waiter(lock.newCondition());
        ArrayDeque<Waiter> queue = waiters.get(cost);
        if (queue.isEmpty()) {
            queuedSince.put(cost, arrived);
            queuePace.put(cost, new QueuePace(SMOOTHING)); // a new busy period: an earlier one's pace says nothing
        }
        queue.addLast(waiter);
        queued++;
        try {
            while (!waiter.admitted && !waiter.displaced) {
                long left = deadline - nanoClock.getAsLong();
                if (left <= 0) {
                    break;
                }
                waiter.turn.awaitNanos(Math.min(left, recheckNanos));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (waiter.admitted) {
            return new Slot(cost, arrived, waiter.letInNanos, nanoClock.getAsLong());
        }
        if (!waiter.displaced) {
            queue.remove(waiter);
            queued--;
            emptied(cost);
        }
        throw refusal(cost);
    }

    /** Notes that a waiter of this class left its queue: once the queue is empty, it is no longer standing. */
    private void emptied(Cost cost) {
        if (waiters.get(cost).isEmpty()) {
            queuedSince.remove(cost);
        }
    }

    /**
     * Whether a request of this cost would be let in within the queue time at the recent pace: those queued ahead of
     * it (its class and the cheaper ones), and itself, times the mean time a slot is held over the slots its class
     * may take, and times the interval its class's waiters have been let in at since its queue began to fill
     * (Little's law; see above). One that would not is refused at once, so a shed client's connection is free at once
     * (decision 77's lesson: a refusal that waits out the queue first holds the client as long as a slow answer).
     */
    private boolean slotExpectedInTime(Cost cost, long queueNanos) {
        int ahead = 0;
        for (Cost other : Cost.values()) {
            if (other.ordinal() <= cost.ordinal()) {
                ahead += waiters.get(other).size();
            }
        }
        QueuePace queued = waiters.get(cost).isEmpty() ? null : queuePace.get(cost);
        return pace.servedInTime(ahead, admittedBelow(cost), queueNanos)
                && (queued == null || queued.servedInTime(ahead, 1, queueNanos));
    }

    /** The total in flight below which a request of this cost is let in. */
    private int admittedBelow(Cost cost) {
        return Math.max(1, (int) (settings.inFlight() * cost.shareOfTheDoor));
    }

    private boolean noneWaitingAtOrBelow(Cost cost) {
        for (Cost other : Cost.values()) {
            if (!waiters.get(other).isEmpty()) {
                return false;
            }
            if (other == cost) {
                return true;
            }
        }
        return true;
    }

    /** Sheds the newest waiter of the dearest class dearer than {@code cost}, making room for it; false if none. */
    private boolean shedDearerWaiterThan(Cost cost) {
        Cost[] costs = Cost.values();
        for (int dearer = costs.length - 1; dearer > cost.ordinal(); dearer--) {
            Waiter newest = waiters.get(costs[dearer]).pollLast();
            if (newest != null) {
                queued--;
                emptied(costs[dearer]);
                newest.displaced = true;
                newest.turn.signal();
                return true;
            }
        }
        return false;
    }

    /** Lets waiters in, cheapest first, while the door has room for their class; notes each queue's pace. */
    private void admitWaiters(long now) {
        for (Cost cost : Cost.values()) {
            ArrayDeque<Waiter> queue = waiters.get(cost);
            while (!queue.isEmpty() && inFlight < admittedBelow(cost)) {
                long since = Math.max(queuedSince.get(cost), lastLetIn.getOrDefault(cost, Long.MIN_VALUE));
                queuePace.get(cost).held(now - since);
                lastLetIn.put(cost, now);
                Waiter next = queue.pollFirst();
                queued--;
                emptied(cost);
                inFlight++;
                next.admitted = true;
                next.letInNanos = now;
                next.turn.signal();
            }
        }
    }

    private ProblemException refusal(Cost cost) {
        shed.get(cost).increment();
        return ProblemException.serviceUnavailable("The server is answering as many requests as it can at once; "
                + "retry shortly.").retryAfter(1);
    }

    /** Requests in flight now (a metric). */
    public int inFlight() {
        return underLock(() -> inFlight);
    }

    /** Requests waiting at the door now (a metric). */
    public int queued() {
        return underLock(() -> queued);
    }

    private int underLock(IntSupplier count) {
        lock.lock();
        try {
            return count.getAsInt();
        } finally {
            lock.unlock();
        }
    }

    /** Requests of this cost refused at the door so far (a metric). */
    public long shed(Cost cost) {
        return shed.get(cost).sum();
    }

    /** Requests that gave their slot back before their answer (a metric). */
    public long steppedAside() {
        return steppedAside.sum();
    }

    private void registerMetrics() {
        for (Cost cost : Cost.values()) {
            List<Tag> byClass = List.of(Tag.create("class", cost.metricTag()));
            waited.put(cost, meters.getOrCreate(Timer.builder("http.admission.waited").tags(byClass)
                    .description("How long requests let in waited at the door first (0 when let in at once)")));
            woken.put(cost, meters.getOrCreate(Timer.builder("http.admission.woken").tags(byClass)
                    .description("How long a waiter let in took to run, holding its slot: its turn for a carrier "
                            + "thread (decision 119)")));
            held.put(cost, meters.getOrCreate(Timer.builder("http.admission.held").tags(byClass)
                    .description("How long requests held their slot: to their answer, or until they stepped aside")));
            registered.add(waited.get(cost));
            registered.add(woken.get(cost));
            registered.add(held.get(cost));
            registered.add(meters.getOrCreate(Gauge.builder("http.admission.standing", this,
                            admission -> admission.standing(cost) ? 1 : 0).tags(byClass)
                    .description("1 while the class's queue is standing: its newcomers may wait only "
                            + "queue.standing.time (decision 102)")));
        }
        registered.add(meters.getOrCreate(Gauge.builder("http.admission.in.flight", this, Admission::inFlight)
                .description("Requests admitted and running now, not counting the operator's, the token endpoints' "
                        + "and those waiting for a per-operation permit (decision 92)")));
        registered.add(meters.getOrCreate(Gauge.builder("http.admission.queued", this, Admission::queued)
                .description("Requests waiting for a slot at the door now")));
        registered.add(meters.getOrCreate(FunctionalCounter.builder("http.admission.stepped.aside", this,
                        Admission::steppedAside)
                .description("Requests that gave their slot back to wait for a per-operation permit (or, a "
                        + "checkout, once it has it) or for their change to be delivered")));
        for (Cost cost : Cost.values()) {
            registered.add(meters.getOrCreate(FunctionalCounter.builder("http.admission.shed", this,
                            admission -> admission.shed(cost))
                    .tags(List.of(Tag.create("class", cost.metricTag())))
                    .description("Requests refused at the door (503 + Retry-After), by cost class")));
        }
    }

    @Override
    public void close() {
        if (meters != null) {
            registered.forEach(meters::remove); // a later server in the same JVM (tests) registers its own
        }
    }

    /** A request waiting at the door; its fields are guarded by the door's lock. */
    private static final class Waiter {
        private final Condition turn;
        private boolean admitted;
        private boolean displaced;
        private long letInNanos;

        private Waiter(Condition turn) {
            this.turn = turn;
        }
    }

    /**
     * One request's place in the door, given back once: at its answer, or when it steps aside. It holds the place from
     * when it is let in; a waiter runs a little later, once its thread has a carrier.
     */
    final class Slot {
        private final Cost cost;
        private final long arrivedNanos;
        private final long letInNanos;
        private final long runningNanos;
        private boolean left;

        private Slot(Cost cost, long admittedNanos) {
            this(cost, admittedNanos, admittedNanos, admittedNanos);
        }

        private Slot(Cost cost, long arrivedNanos, long letInNanos, long runningNanos) {
            this.cost = cost;
            this.arrivedNanos = arrivedNanos;
            this.letInNanos = letInNanos;
            this.runningNanos = runningNanos;
        }

        /** Runs the request's work in this slot, given back at its end (or when the work steps aside). */
        void run(Runnable work) {
            SLOT.set(this);
            try {
                work.run();
            } finally {
                SLOT.remove();
                leave(false);
            }
        }

        void leave(boolean toWaitForAPermit) {
            long heldNanos;
            lock.lock();
            try {
                if (left) {
                    return;
                }
                left = true;
                inFlight--;
                long now = nanoClock.getAsLong();
                heldNanos = now - runningNanos;
                pace.held(now - letInNanos);
                if (toWaitForAPermit) {
                    steppedAside.increment();
                }
                admitWaiters(now);
            } finally {
                lock.unlock();
            }
            record(held, cost, heldNanos);
        }
    }
}
