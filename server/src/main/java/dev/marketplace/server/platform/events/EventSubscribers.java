package dev.marketplace.server.platform.events;

import static dev.marketplace.schema.Tables.DOMAIN_EVENT_FEED;
import static dev.marketplace.schema.Tables.EVENT_SUBSCRIPTION;
import static dev.marketplace.schema.Tables.PARKED_EVENT;

import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import io.helidon.config.Config;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record3;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Runs the {@link Subscriber}s of one node. Each subscriber has a durable cursor in {@code event_subscription} (the
 * last position it handled) and a lease: only the node holding it handles the subscriber's events, and a node that
 * stops renewing it (killed) loses it once it expires, to the next node that polls. A batch — the cursor row
 * locked, the events after it handled, the cursor moved — is one transaction, so a subscriber's writes happen
 * exactly once even when a lease changes hands mid-batch (the row lock orders the two nodes' batches). A subscriber
 * that was down catches up from its cursor. The cursor means "every event of the subscriber's types up to here is
 * handled": it is caught up when no settled event of its types ({@code event_subscription.types}) lies past it.
 *
 * <p>An event whose handling throws is retried at the next poll; after {@code maxAttempts} failures in a row it is
 * parked in {@code parked_event} with its error and the subscriber goes on with the next one.
 *
 * <p>Metrics, tagged {@code subscriber}: {@code events_handled_total}, {@code events_failures_total},
 * {@code events_parked_total} and the gauge {@code events_lag} (settled positions from its first event not yet
 * handled to the settled end; 0 when none of its types is pending).
 */
public final class EventSubscribers {

    private static final System.Logger LOG = System.getLogger(EventSubscribers.class.getName());

    /**
     * @param lease       how long a node holds a subscriber without renewing it (a killed node's subscribers wait
     *                    this long)
     * @param pollEvery   how often each node looks for new events of each subscriber
     * @param batchSize   events per transaction
     * @param maxAttempts failures in a row after which an event is parked
     */
    public record Settings(Duration lease, Duration pollEvery, int batchSize, int maxAttempts) {

        public static Settings from(Config events) {
            return new Settings(events.get("lease").as(Duration.class).get(), events.get("poll").as(Duration.class).get(),
                    events.get("batch").asInt().get(), events.get("max.attempts").asInt().get());
        }
    }

    private final DSLContext dsl;
    private final String node;
    private final Settings settings;
    private final MeterRegistry meters;
    private final Map<String, Subscribed> subscribers = new LinkedHashMap<>();

    /**
     * A subscriber this node runs, with what is built once because its types do not change: its types' wire names
     * (sorted), its read of settled events, its counters (looked up in the registry per event or batch before,
     * decision 147); and the last lag figure.
     */
    private record Subscribed(Subscriber subscriber, List<String> types, RenderedStatement settled, AtomicLong lag,
                              Counter handled, Counter failures, Counter parked) {
    }

    /** @param node names this node in the leases it holds; unique per running server */
    public EventSubscribers(DSLContext dsl, String node, Settings settings, MeterRegistry meters) {
        this.dsl = dsl;
        this.node = node;
        this.settings = settings;
        this.meters = meters;
    }

    /** The job that polls a subscriber's events. */
    public static String jobName(String subscriber) {
        return "events." + subscriber;
    }

    /**
     * Adds the subscriber (its cursor starts before the first event when new) and schedules its polling on
     * {@code jobs} as {@link #jobName}.
     */
    public synchronized void subscribe(Subscriber subscriber, Jobs jobs) {
        // Its types, for the polls' read of what is pending and for anyone asking whether it has caught up.
        String[] types = subscriber.types().stream().map(EventType::wireName).sorted().toArray(String[]::new);
        Subscribed subscribed = new Subscribed(subscriber, List.of(types),
                DomainEvents.settledOf(subscriber.types(), settings.batchSize()), new AtomicLong(),
                counter("events.handled", subscriber), counter("events.failures", subscriber),
                counter("events.parked", subscriber));
        if (subscribers.putIfAbsent(subscriber.name(), subscribed) != null) {
            throw new IllegalArgumentException("a subscriber named " + subscriber.name() + " exists");
        }
        dsl.insertInto(EVENT_SUBSCRIPTION).set(EVENT_SUBSCRIPTION.NAME, subscriber.name())
                .set(EVENT_SUBSCRIPTION.TYPES, types)
                .onConflict(EVENT_SUBSCRIPTION.NAME).doUpdate().set(EVENT_SUBSCRIPTION.TYPES, types).execute();
        meters.getOrCreate(Gauge.builder("events.lag", subscribed.lag(), AtomicLong::get)
                .tags(List.of(Tag.create("subscriber", subscriber.name())))
                .description("Settled domain event positions from a subscriber's first event not yet handled"));
        jobs.schedule(jobName(subscriber.name()), settings.pollEvery(), settings.pollEvery(),
                () -> poll(subscribed));
    }

    /**
     * Settles, takes or renews the subscriber's lease and, holding it, handles batches until caught up or an event
     * fails; returns how many events it handled (parked ones included). Without the lease, handles nothing.
     *
     * <p>First one statement that writes nothing reads the lease and whether any event of the subscriber's types is
     * settled past its cursor (and records the lag). When another node holds the lease, or this node holds it for
     * more than half its length still and nothing of its types is pending or failing, that is all. With nothing
     * pending the lease is renewed (or an expired one taken over) and the cursor is neither locked nor moved: it
     * passes other types' events only when it next handles one of its own. Before, every poll after any settled
     * event took the batch path (7 statements and a commit) just to move the cursor past others' events: five of the
     * six subscribers, four times a second each, whatever the load (decision 124).
     */
    private long poll(Subscribed subscribed) {
        ChangeLog.settleUnlessBusy(dsl);
        Subscriber subscriber = subscribed.subscriber();
        String name = subscriber.name();
        long half = settings.lease().dividedBy(2).toMillis();
        PollState state = STATE.fetch(dsl, binds -> binds.texts("types", subscribed.types()).text("name", name)
                .text("node", node).bigint("half_lease_ms", half), row -> new PollState(row.get(LAG),
                row.get(HELD_ELSEWHERE), row.get(HELD_HERE_LONG), row.get(NOT_FAILING))).getFirst();
        subscribed.lag().set(state.lag());
        boolean heldElsewhere = Boolean.TRUE.equals(state.heldElsewhere());
        boolean heldHereLong = Boolean.TRUE.equals(state.heldHereLong());
        boolean nothingPending = state.lag() == 0 && Boolean.TRUE.equals(state.notFailing());
        if (heldElsewhere || (heldHereLong && nothingPending)) {
            return 0;
        }
        if (!takeLease(name) || nothingPending) {
            return 0; // the lease renewed (or taken over), the cursor left where it is
        }
        long handled = 0;
        Batch batch;
        do {
            batch = dsl.transactionResult(tx -> handleBatch(tx.dsl(), subscribed));
            handled += batch.handled();
        } while (batch.more());
        subscribed.lag().set(LAG_OF.fetch(dsl, binds -> binds.texts("types", subscribed.types()).text("name", name),
                row -> row.get(LAG)).getFirst());
        return handled;
    }

    /** What {@link #STATE} reads. */
    private record PollState(long lag, Boolean heldElsewhere, Boolean heldHereLong, Boolean notFailing) {
    }

    /**
     * The subscriber's lag, over its {@code event_subscription} row and {@code domain_event_feed}: settled positions
     * from its first event not yet handled (of its types, past its cursor) to the settled end; 0 when there is none,
     * however far other types' events have gone past the cursor. The first event is one probe per type of the
     * {@code (type, position)} index, an idle poll's whole read of events. The node's own types (bound as
     * {@code types}), not the row's: a node of another version may have written those.
     */
    private static final Field<Long> LAG = DSL.field("""
                    coalesce({0} + 1 - (SELECT min(first.position) FROM unnest({1}) AS of(type),
                        LATERAL (SELECT e.position FROM domain_event e
                                  WHERE e.type = of.type AND e.position > {2} AND e.position <= {0}
                                  ORDER BY e.position LIMIT 1) AS first), 0)""", SQLDataType.BIGINT,
            DOMAIN_EVENT_FEED.SETTLED_THROUGH, DSL.param("types", String[].class), EVENT_SUBSCRIPTION.POSITION);
    private static final Field<String> NODE = DSL.param("node", String.class);
    private static final Field<Boolean> HELD_ELSEWHERE = DSL.field(EVENT_SUBSCRIPTION.LEASE_HOLDER.ne(NODE)
            .and(EVENT_SUBSCRIPTION.LEASE_EXPIRES_AT.gt(DSL.currentOffsetDateTime())));
    private static final Field<Boolean> HELD_HERE_LONG = DSL.field(EVENT_SUBSCRIPTION.LEASE_HOLDER.eq(NODE)
            .and(EVENT_SUBSCRIPTION.LEASE_EXPIRES_AT.gt(leaseEnd(DSL.param("half_lease_ms", Long.class)))));
    private static final Field<Boolean> NOT_FAILING = DSL.field(EVENT_SUBSCRIPTION.FAILING_POSITION.isNull());
    private static final Condition OF_NAME = EVENT_SUBSCRIPTION.NAME.eq(DSL.param("name", String.class));

    /**
     * A poll's first read: the lag, whether another node holds the lease, whether this node holds it for more than
     * {@code half_lease_ms} still, whether no event is failing. Every subscriber's poll, four times a second each,
     * whatever the load: rendered once, where jOOQ built and rendered it per poll (the largest of the subscribers'
     * own frames, 13 % of the other threads' samples, decision 147).
     */
    private static final RenderedStatement STATE = RenderedStatement.of(DSL.select(LAG, HELD_ELSEWHERE,
            HELD_HERE_LONG, NOT_FAILING).from(EVENT_SUBSCRIPTION, DOMAIN_EVENT_FEED).where(OF_NAME));

    /** The lag alone, read again after the batches. */
    private static final RenderedStatement LAG_OF = RenderedStatement.of(DSL.select(LAG)
            .from(EVENT_SUBSCRIPTION, DOMAIN_EVENT_FEED).where(OF_NAME));

    /** The subscriber of that name this node runs. */
    synchronized Optional<Subscriber> subscriber(String name) {
        return Optional.ofNullable(subscribers.get(name)).map(Subscribed::subscriber);
    }

    /** Gives up this node's leases (a clean stop), so other nodes take its subscribers over at once. */
    public void releaseLeases() {
        dsl.update(EVENT_SUBSCRIPTION).setNull(EVENT_SUBSCRIPTION.LEASE_HOLDER).setNull(EVENT_SUBSCRIPTION.LEASE_EXPIRES_AT)
                .where(EVENT_SUBSCRIPTION.LEASE_HOLDER.eq(node)).execute();
    }

    private boolean takeLease(String name) {
        return TAKE_LEASE.execute(dsl, binds -> binds.text("name", name).text("node", node)
                .bigint("lease_ms", settings.lease().toMillis())) == 1;
    }

    /** Takes or renews the lease for {@code lease_ms}: rendered once, as {@link #STATE}. */
    private static final RenderedStatement TAKE_LEASE = RenderedStatement.of(DSL.update(EVENT_SUBSCRIPTION)
            .set(EVENT_SUBSCRIPTION.LEASE_HOLDER, NODE)
            .set(EVENT_SUBSCRIPTION.LEASE_EXPIRES_AT, leaseEnd(DSL.param("lease_ms", Long.class)))
            .where(OF_NAME)
            .and(EVENT_SUBSCRIPTION.LEASE_HOLDER.eq(NODE).or(EVENT_SUBSCRIPTION.LEASE_HOLDER.isNull())
                    .or(EVENT_SUBSCRIPTION.LEASE_EXPIRES_AT.lt(DSL.currentOffsetDateTime()))));

    private Field<OffsetDateTime> leaseEnd() {
        return leaseEnd(DSL.val(settings.lease().toMillis()));
    }

    private static Field<OffsetDateTime> leaseEnd(Field<Long> millis) {
        return DSL.field("clock_timestamp() + {0} * interval '1 millisecond'", SQLDataType.TIMESTAMPWITHTIMEZONE,
                millis);
    }

    /** What one batch did; {@code more} when it was full and nothing failed, so more may be waiting. */
    private record Batch(long handled, boolean more) {
    }

    private Batch handleBatch(DSLContext db, Subscribed subscribed) {
        Subscriber subscriber = subscribed.subscriber();
        Record3<Long, Long, Integer> cursor = db.select(EVENT_SUBSCRIPTION.POSITION,
                        EVENT_SUBSCRIPTION.FAILING_POSITION, EVENT_SUBSCRIPTION.FAILURES)
                .from(EVENT_SUBSCRIPTION)
                .where(EVENT_SUBSCRIPTION.NAME.eq(subscriber.name()), EVENT_SUBSCRIPTION.LEASE_HOLDER.eq(node))
                .forUpdate()
                .fetchOne();
        if (cursor == null) {
            return new Batch(0, false); // another node took the lease over
        }
        long position = cursor.value1();
        Long failingPosition = cursor.value2();
        int failures = cursor.value3();
        String lastError = null;
        // Every position up to `through` was committed before the events are read: none of them can be missed.
        long through = DomainEvents.settledThrough(db);
        List<StoredEvent> events = DomainEvents.settled(db, subscribed.settled(), position, through);
        long handled = 0;
        boolean failed = false;
        boolean full = events.size() == settings.batchSize();
        if (subscriber.batchHandler() != null && failingPosition == null && handledAsOne(db, subscribed, events)) {
            position = events.getLast().position();
            handled = events.size();
            events = List.of();
        }
        for (StoredEvent event : events) {
            try {
                db.transaction(savepoint -> subscriber.handler().handle(savepoint.dsl(), event));
                subscribed.handled().increment();
            } catch (RuntimeException e) {
                subscribed.failures().increment();
                int attempts = (failingPosition != null && failingPosition == event.position() ? failures : 0) + 1;
                String error = describe(e);
                if (attempts < settings.maxAttempts()) {
                    LOG.log(System.Logger.Level.WARNING, "subscriber " + subscriber.name() + " failed on event "
                            + event.eventId() + " (attempt " + attempts + "); retrying", e);
                    failingPosition = event.position();
                    failures = attempts;
                    lastError = error;
                    failed = true;
                    break;
                }
                LOG.log(System.Logger.Level.ERROR, "subscriber " + subscriber.name() + " parked event "
                        + event.eventId() + " after " + attempts + " attempts", e);
                db.insertInto(PARKED_EVENT)
                        .set(PARKED_EVENT.SUBSCRIBER, subscriber.name())
                        .set(PARKED_EVENT.EVENT_POSITION, event.position())
                        .set(PARKED_EVENT.EVENT_ID, event.eventId())
                        .set(PARKED_EVENT.ATTEMPTS, attempts)
                        .set(PARKED_EVENT.ERROR, error)
                        .execute();
                subscribed.parked().increment();
            }
            position = event.position();
            failingPosition = null;
            failures = 0;
            handled++;
        }
        boolean more = !failed && full;
        if (!failed && !more) {
            position = Math.max(position, through); // past the events of other types too
        }
        db.update(EVENT_SUBSCRIPTION)
                .set(EVENT_SUBSCRIPTION.POSITION, position)
                .set(EVENT_SUBSCRIPTION.FAILING_POSITION, failingPosition)
                .set(EVENT_SUBSCRIPTION.FAILURES, failures)
                .set(EVENT_SUBSCRIPTION.LAST_ERROR, DSL.coalesce(DSL.val(lastError), EVENT_SUBSCRIPTION.LAST_ERROR))
                .set(EVENT_SUBSCRIPTION.LEASE_EXPIRES_AT, leaseEnd())
                .set(EVENT_SUBSCRIPTION.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(EVENT_SUBSCRIPTION.NAME.eq(subscriber.name()))
                .execute();
        return new Batch(handled, more);
    }

    /**
     * The batch through the subscriber's batch handler, in a savepoint: whether it succeeded (otherwise nothing of it
     * was written, and the caller handles the events one by one).
     */
    private boolean handledAsOne(DSLContext db, Subscribed subscribed, List<StoredEvent> events) {
        Subscriber subscriber = subscribed.subscriber();
        if (events.isEmpty()) {
            return false;
        }
        try {
            db.transaction(savepoint -> subscriber.batchHandler().handle(savepoint.dsl(), events));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "subscriber " + subscriber.name() + " failed on a batch of "
                    + events.size() + " events; handling them one by one", e);
            return false;
        }
        subscribed.handled().increment(events.size());
        return true;
    }

    private static String describe(RuntimeException e) {
        return e.getClass().getName() + ": " + e.getMessage();
    }

    private Counter counter(String meter, Subscriber subscriber) {
        return meters.getOrCreate(Counter.builder(meter)
                .tags(List.of(Tag.create("subscriber", subscriber.name())))
                .description("Domain events of a subscriber: " + meter.substring("events.".length())));
    }
}
