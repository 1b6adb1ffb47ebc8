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
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record3;
import org.jooq.Record4;
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
     * A subscriber this node runs, with what is built once because its types do not change: its lag's query, its read
     * of settled events, its counters (looked up in the registry per event or batch before, decision 147); and the
     * last lag figure.
     */
    private record Subscribed(Subscriber subscriber, Field<Long> lagQuery, RenderedStatement settled, AtomicLong lag,
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
        Subscribed subscribed = new Subscribed(subscriber, lag(types),
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
        Field<Long> lag = subscribed.lagQuery();
        Record4<Long, Boolean, Boolean, Boolean> state = dsl.select(lag,
                        DSL.field(EVENT_SUBSCRIPTION.LEASE_HOLDER.ne(node)
                                .and(EVENT_SUBSCRIPTION.LEASE_EXPIRES_AT.gt(DSL.currentOffsetDateTime()))),
                        DSL.field(EVENT_SUBSCRIPTION.LEASE_HOLDER.eq(node)
                                .and(EVENT_SUBSCRIPTION.LEASE_EXPIRES_AT.gt(leaseEnd(settings.lease().dividedBy(2))))),
                        DSL.field(EVENT_SUBSCRIPTION.FAILING_POSITION.isNull()))
                .from(EVENT_SUBSCRIPTION, DOMAIN_EVENT_FEED)
                .where(EVENT_SUBSCRIPTION.NAME.eq(name))
                .fetchSingle();
        subscribed.lag().set(state.value1());
        boolean heldElsewhere = Boolean.TRUE.equals(state.value2());
        boolean heldHereLong = Boolean.TRUE.equals(state.value3());
        boolean nothingPending = state.value1() == 0 && Boolean.TRUE.equals(state.value4());
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
        subscribed.lag().set(dsl.select(lag).from(EVENT_SUBSCRIPTION, DOMAIN_EVENT_FEED)
                .where(EVENT_SUBSCRIPTION.NAME.eq(name)).fetchSingle().value1());
        return handled;
    }

    /**
     * The subscriber's lag, over its {@code event_subscription} row and {@code domain_event_feed}: settled positions
     * from its first event not yet handled (of its types, past its cursor) to the settled end; 0 when there is none,
     * however far other types' events have gone past the cursor. The first event is one probe per type of the
     * {@code (type, position)} index, an idle poll's whole read of events. The node's own types, not the row's: a
     * node of another version may have written those.
     */
    private static Field<Long> lag(String[] types) {
        return DSL.field("""
                        coalesce({0} + 1 - (SELECT min(first.position) FROM unnest({1}) AS of(type),
                            LATERAL (SELECT e.position FROM domain_event e
                                      WHERE e.type = of.type AND e.position > {2} AND e.position <= {0}
                                      ORDER BY e.position LIMIT 1) AS first), 0)""", SQLDataType.BIGINT,
                DOMAIN_EVENT_FEED.SETTLED_THROUGH, DSL.val(types), EVENT_SUBSCRIPTION.POSITION);
    }

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
        return dsl.update(EVENT_SUBSCRIPTION)
                .set(EVENT_SUBSCRIPTION.LEASE_HOLDER, node)
                .set(EVENT_SUBSCRIPTION.LEASE_EXPIRES_AT, leaseEnd())
                .where(EVENT_SUBSCRIPTION.NAME.eq(name))
                .and(EVENT_SUBSCRIPTION.LEASE_HOLDER.eq(node).or(EVENT_SUBSCRIPTION.LEASE_HOLDER.isNull())
                        .or(EVENT_SUBSCRIPTION.LEASE_EXPIRES_AT.lt(DSL.currentOffsetDateTime())))
                .execute() == 1;
    }

    private Field<OffsetDateTime> leaseEnd() {
        return leaseEnd(settings.lease());
    }

    private static Field<OffsetDateTime> leaseEnd(Duration from) {
        return DSL.field("clock_timestamp() + {0} * interval '1 millisecond'", SQLDataType.TIMESTAMPWITHTIMEZONE,
                DSL.val(from.toMillis()));
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
