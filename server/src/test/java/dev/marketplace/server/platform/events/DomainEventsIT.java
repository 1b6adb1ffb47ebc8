package dev.marketplace.server.platform.events;

import static dev.marketplace.schema.Tables.EVENT_SUBSCRIPTION;
import static dev.marketplace.schema.Tables.PARKED_EVENT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.persistence.DatabaseSettings;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.SubscriberBacklog;
import dev.marketplace.server.testing.TestDatabases;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox and its subscribers on a real database: several nodes (each its own pool, jobs and subscribers, as
 * separate server processes would have) handling every event exactly once while one is killed, a poison event
 * parked, and an event of a transaction that commits late handled in its place rather than skipped.
 */
class DomainEventsIT {

    private static final Duration NEVER_BY_ITSELF = Duration.ofHours(1);

    private final String url = TestDatabases.newDatabase();
    private final List<Node> nodes = new ArrayList<>();
    /** Idempotency ids of events the test subscribers fail on. */
    private final Set<String> poisonous = ConcurrentHashMap.newKeySet();
    /** When set, the named node's handler stops inside its first event (its row written) until released. */
    private volatile Hold hold;
    private Database writer;

    /** A handler held inside its batch: {@code entered} once it is, then waiting for {@code released}. */
    private record Hold(String node, CountDownLatch entered, CountDownLatch released) {

        Hold(String node) {
            this(node, new CountDownLatch(1), new CountDownLatch(1));
        }
    }

    /** One server's share: its pool, its jobs and the subscribers it runs. */
    private record Node(String name, Database database, Jobs jobs, EventSubscribers subscribers) {

        /** Dies without a clean stop: its running batches are interrupted, its leases left to expire. */
        void kill() {
            jobs.close();
            database.close();
        }

        long runNow(String subscriber) {
            return jobs.runNow(EventSubscribers.jobName(subscriber));
        }
    }

    @BeforeEach
    void createEffectTable() {
        writer = database();
        // What the subscribers do, written in their batches' transactions.
        writer.dsl().execute("CREATE TABLE handled (seq bigserial, subscriber text, event_id uuid, idempotency_id text, node text)");
    }

    @AfterEach
    void close() {
        nodes.forEach(Node::kill);
        writer.close();
    }

    @Test
    void twoNodesHandleEveryEventOfTwoSubscribersExactlyOnceWhileOneIsKilled() throws Exception {
        List<String> subscribers = List.of("test.ledger", "test.webhooks");
        EventSubscribers.Settings fast = new EventSubscribers.Settings(Duration.ofSeconds(1), Duration.ofMillis(20), 50, 3);
        int writers = 4;
        int transactionsPerWriter = 25;
        int eventsPerTransaction = 4;
        int events = writers * transactionsPerWriter * eventsPerTransaction;

        Node first = node("first", fast, subscribers);
        List<Future<?>> writing = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < writers; w++) {
                writing.add(threads.submit(() -> {
                    for (int t = 0; t < transactionsPerWriter; t++) {
                        writer.dsl().transaction(tx -> {
                            for (int e = 0; e < eventsPerTransaction; e++) {
                                DomainEvents.append(tx.dsl(), someMovement());
                            }
                        });
                    }
                }));
            }
            Await.until(Duration.ofSeconds(30), "the first node handles events", () -> handled("first") > 20);
            node("second", fast, subscribers);
            Await.until(Duration.ofSeconds(30), "more events are handled", () -> handled(null) > events / 2);
            first.kill();
            nodes.remove(first);
            for (Future<?> done : writing) {
                done.get();
            }
            Await.until(Duration.ofSeconds(60), "every event is handled by both subscribers",
                    () -> handled(null) >= 2L * events);
        }

        assertThat(writer.dsl().fetch("SELECT subscriber, event_id FROM handled GROUP BY 1, 2 HAVING count(*) > 1"))
                .as("handled twice").isEmpty();
        for (String subscriber : subscribers) {
            assertThat(((Number) writer.dsl().fetchValue("SELECT count(DISTINCT event_id) FROM handled WHERE subscriber = ?",
                    subscriber)).longValue()).as(subscriber).isEqualTo(events);
        }
        assertThat(handled("first")).as("the killed node handled some").isPositive();
        assertThat(handled("second")).as("the other node took over").isPositive();
    }

    @Test
    void aPoisonEventIsParkedWithItsErrorAfterRepeatedFailuresAndTheSubscriberGoesOn() {
        String poison = "poison";
        Node node = node("solo", new EventSubscribers.Settings(Duration.ofSeconds(30), NEVER_BY_ITSELF, 50, 3),
                List.of(poison));
        // The subscriber writes its row, then fails on the second event: that row must be undone.
        MoneyMovement bad = someMovement();
        List<MoneyMovement> appended = List.of(someMovement(), bad, someMovement());
        writer.dsl().transaction(tx -> appended.forEach(event -> DomainEvents.append(tx.dsl(), event)));
        poisonous.add(bad.idempotencyId());

        assertThat(node.runNow(poison)).as("the first event, then a failure").isEqualTo(1);
        assertThat(lag(poison)).as("two events not yet passed").isEqualTo(2);
        assertThat(node.runNow(poison)).as("the second attempt fails").isZero();
        assertThat(writer.dsl().selectFrom(EVENT_SUBSCRIPTION).where(EVENT_SUBSCRIPTION.NAME.eq(poison)).fetchSingle())
                .satisfies(subscription -> {
                    assertThat(subscription.getFailures()).isEqualTo(2);
                    assertThat(subscription.getLastError()).contains("poisoned on purpose");
                });
        assertThat(node.runNow(poison)).as("parked on the third, then the last event").isEqualTo(2);
        assertThat(lag(poison)).isZero();

        assertThat(writer.dsl().selectFrom(PARKED_EVENT).fetch()).singleElement().satisfies(parked -> {
            assertThat(parked.getSubscriber()).isEqualTo(poison);
            assertThat(parked.getAttempts()).isEqualTo(3);
            assertThat(parked.getError()).contains("IllegalStateException", "poisoned on purpose");
        });
        assertThat(writer.dsl().fetch("SELECT idempotency_id FROM handled ORDER BY seq").getValues(0, String.class))
                .as("the poison event's own writes were undone")
                .containsExactly(appended.get(0).idempotencyId(), appended.get(2).idempotencyId());
        assertThat(writer.dsl().selectFrom(EVENT_SUBSCRIPTION).where(EVENT_SUBSCRIPTION.NAME.eq(poison)).fetchSingle()
                .getFailures()).isZero();
        assertThat(Metrics.globalRegistry().counter("events.parked", List.of(Tag.create("subscriber", poison)))
                .map(Counter::count).orElse(0L)).isPositive();
    }

    @Test
    void anEventOfATransactionThatCommitsLateIsHandledInItsPlaceNotSkipped() throws Exception {
        String ordered = "test.ordered";
        Node node = node("solo", new EventSubscribers.Settings(Duration.ofSeconds(30), NEVER_BY_ITSELF, 50, 3),
                List.of(ordered));
        MoneyMovement early = someMovement();
        MoneyMovement late = someMovement();
        try (Connection connection = writer.openDedicatedConnection()) {
            connection.setAutoCommit(false);
            DSLContext slow = DSL.using(connection, SQLDialect.POSTGRES);
            DomainEvents.append(slow, early); // begins first, commits last
            writer.dsl().transaction(tx -> DomainEvents.append(tx.dsl(), late));

            assertThat(node.runNow(ordered)).as("nothing is settled while an older transaction runs").isZero();
            connection.commit();
        }

        assertThat(node.runNow(ordered)).isEqualTo(2);
        assertThat(writer.dsl().fetch("SELECT idempotency_id FROM handled ORDER BY seq").getValues(0, String.class))
                .containsExactly(early.idempotencyId(), late.idempotencyId());
    }

    /**
     * Polls four times a second per subscriber: one that finds nothing new, its lease held long enough, writes nothing
     * (the cursor row keeps its row version), and the lease is still renewed once half of it has passed.
     */
    @Test
    void anIdlePollWritesNothingAndTheLeaseIsStillRenewedBeforeItRunsOut() {
        String idle = "test.idle";
        Node node = node("solo", new EventSubscribers.Settings(Duration.ofSeconds(2), NEVER_BY_ITSELF, 50, 3),
                List.of(idle));
        writer.dsl().transaction(tx -> DomainEvents.append(tx.dsl(), someMovement()));
        assertThat(node.runNow(idle)).isEqualTo(1);
        String caughtUp = rowVersion(idle);

        assertThat(node.runNow(idle)).isZero();
        assertThat(node.runNow(idle)).isZero();
        assertThat(rowVersion(idle)).as("idle polls wrote nothing").isEqualTo(caughtUp);
        assertThat(lag(idle)).isZero();

        writer.dsl().transaction(tx -> DomainEvents.append(tx.dsl(), someMovement()));
        assertThat(node.runNow(idle)).as("a new event is handled at the next poll").isEqualTo(1);
        String afterEvent = rowVersion(idle);
        Await.until(Duration.ofSeconds(10), "the lease renewed by a poll after half of it passed", () -> {
            node.runNow(idle);
            return !rowVersion(idle).equals(afterEvent);
        });
        assertThat(writer.dsl().fetchValue("SELECT lease_holder LIKE 'solo-%' AND lease_expires_at > clock_timestamp() "
                + "FROM event_subscription WHERE name = ?", idle)).as("still this node's").isEqualTo(true);
        assertThat(handled(null)).isEqualTo(2);
    }

    /**
     * Events of other types only: a poll neither locks nor moves the cursor (its row keeps its version) and the lag
     * stays 0 however many pass it (decision 124). The next event of its types is handled, and the cursor then passes
     * the others' too.
     */
    @Test
    void otherTypesEventsAreNotPolledForAndDoNotCountAsLag() {
        String quiet = "test.quiet";
        Node node = node("solo", new EventSubscribers.Settings(Duration.ofSeconds(30), NEVER_BY_ITSELF, 50, 3),
                List.of(quiet));
        writer.dsl().transaction(tx -> DomainEvents.append(tx.dsl(), someMovement()));
        assertThat(node.runNow(quiet)).isEqualTo(1);
        String caughtUp = rowVersion(quiet);

        writer.dsl().transaction(tx -> DomainEvents.append(tx.dsl(), MoneyMovement.paymentAuthorized(UUID.randomUUID(),
                Parties.ofOrder(UUID.randomUUID(), UUID.randomUUID()), Money.of(100, "JPY"))));
        assertThat(node.runNow(quiet)).as("settles the other type's event, handles nothing").isZero();
        assertThat(rowVersion(quiet)).as("the poll wrote nothing").isEqualTo(caughtUp);
        assertThat(lag(quiet)).isZero();
        assertThat(writer.dsl().fetchValue("SELECT NOT " + SubscriberBacklog.BEHIND
                + " FROM event_subscription s WHERE s.name = ?", quiet)).as("caught up").isEqualTo(true);

        writer.dsl().transaction(tx -> DomainEvents.append(tx.dsl(), someMovement()));
        assertThat(node.runNow(quiet)).as("its own type again").isEqualTo(1);
        assertThat(writer.dsl().fetchValue("SELECT position = (SELECT settled_through FROM domain_event_feed) "
                + "FROM event_subscription WHERE name = ?", quiet)).as("past the other type's event too").isEqualTo(true);
        assertThat(lag(quiet)).isZero();
    }

    /**
     * Decision 81, the suspects of the doubled webhook fan-out (decision 73's amendment), made to happen in order rather
     * than by chance: node A's batch is held inside its first event (its row written, the cursor row locked) until its
     * lease has expired; node B polls then, finds the lease free for the taking and waits on A's lock in takeLease; A
     * finishes and commits. B must not take the lease nor handle an event again, and once the lease has run out again
     * B takes it over from A's cursor: every event once.
     */
    @Test
    void aLeaseExpiringWhileItsBatchRunsIsNotTakenOverUntilTheBatchCommits() throws Exception {
        String subscriber = "test.takeover";
        EventSubscribers.Settings shortLease = new EventSubscribers.Settings(Duration.ofSeconds(1), NEVER_BY_ITSELF, 50, 3);
        Node first = node("first", shortLease, List.of(subscriber));
        Node second = node("second", shortLease, List.of(subscriber));
        heldWhileAnotherPolls(first, second, subscriber, true);
    }

    /**
     * As above with two subscriber instances of one node (the same lease holder, as two {@code EventSubscribers} in one
     * process would be): the second takes the lease at once (it is its own) and waits for the cursor row's lock in its
     * batch; once the first commits it reads the moved cursor and handles nothing again.
     */
    @Test
    void twoInstancesOfOneNodeHandleEveryEventOnce() throws Exception {
        String subscriber = "test.twins";
        EventSubscribers.Settings settings = new EventSubscribers.Settings(Duration.ofSeconds(30), NEVER_BY_ITSELF, 50, 3);
        String holder = "twins-" + UUID.randomUUID();
        Node first = node("first", holder, settings, List.of(subscriber));
        Node second = node("second", holder, settings, List.of(subscriber));
        heldWhileAnotherPolls(first, second, subscriber, false);
    }

    /**
     * Three events; {@code first}'s batch held inside the first of them (once its lease has run out, when
     * {@code leaseRunsOut}) while {@code second} polls; each event once, and a fourth one after.
     */
    private void heldWhileAnotherPolls(Node first, Node second, String subscriber, boolean leaseRunsOut)
            throws Exception {
        writer.dsl().transaction(tx -> {
            for (int e = 0; e < 3; e++) {
                DomainEvents.append(tx.dsl(), someMovement());
            }
        });
        Hold held = new Hold(first.name());
        hold = held;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Long> firstPoll = threads.submit(() -> first.runNow(subscriber));
            assertThat(held.entered().await(30, TimeUnit.SECONDS)).as("the first node's batch is under way").isTrue();
            if (leaseRunsOut) {
                Await.until(Duration.ofSeconds(10), "the first node's lease has run out", () -> Boolean.TRUE.equals(
                        writer.dsl().fetchValue("SELECT lease_expires_at < clock_timestamp() FROM event_subscription "
                                + "WHERE name = ?", subscriber)));
            }
            Future<Long> secondPoll = threads.submit(() -> second.runNow(subscriber));
            Await.until(Duration.ofSeconds(10), "the second node waits for the cursor row's lock", () -> ((Number)
                    writer.dsl().fetchValue("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            + "AND wait_event_type = 'Lock' AND query ILIKE '%event_subscription%'")).longValue() == 1);
            held.released().countDown();

            assertThat(firstPoll.get(30, TimeUnit.SECONDS)).as("the first node handles the three events").isEqualTo(3);
            assertThat(secondPoll.get(30, TimeUnit.SECONDS)).as("the second node, after the first commits").isZero();
        }
        Await.until(Duration.ofSeconds(10), "the lease free to take again", () -> {
            second.runNow(subscriber);
            return handled(null) == 3 && Boolean.TRUE.equals(writer.dsl().fetchValue(
                    "SELECT NOT " + SubscriberBacklog.BEHIND + " FROM event_subscription s WHERE s.name = ?", subscriber));
        });
        writer.dsl().transaction(tx -> DomainEvents.append(tx.dsl(), someMovement()));
        Await.until(Duration.ofSeconds(10), "the fourth event handled by either node", () -> {
            first.runNow(subscriber);
            second.runNow(subscriber);
            return handled(null) >= 4;
        });
        assertThat(writer.dsl().fetch("SELECT event_id FROM handled GROUP BY 1 HAVING count(*) > 1"))
                .as("handled twice").isEmpty();
        assertThat(handled(null)).isEqualTo(4);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the held handler was never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The cursor row's version: it changes with every write to the row. */
    private String rowVersion(String subscriber) {
        return (String) writer.dsl().fetchValue("SELECT xmin::text FROM event_subscription WHERE name = ?", subscriber);
    }

    private Node node(String name, EventSubscribers.Settings settings, List<String> subscriberNames) {
        return node(name, name + "-" + UUID.randomUUID(), settings, subscriberNames);
    }

    /** A node whose leases name it {@code leaseHolder}: two nodes given the same one are one server's two instances. */
    private Node node(String name, String leaseHolder, EventSubscribers.Settings settings, List<String> subscriberNames) {
        Database database = database();
        Jobs jobs = new Jobs(Metrics.globalRegistry(), Duration.ZERO); // killed nodes get no grace to finish
        EventSubscribers subscribers = new EventSubscribers(database.dsl(), leaseHolder, settings,
                Metrics.globalRegistry());
        for (String subscriber : subscriberNames) {
            subscribers.subscribe(new Subscriber(subscriber, Set.of(EventType.PAYMENT_CAPTURED), (tx, stored) -> {
                tx.execute("INSERT INTO handled (subscriber, event_id, idempotency_id, node) VALUES (?, ?, ?, ?)",
                        subscriber, stored.eventId(), stored.event().idempotencyId(), name);
                Hold held = hold;
                if (held != null && held.node().equals(name) && held.entered().getCount() > 0) {
                    held.entered().countDown();
                    awaitQuietly(held.released());
                }
                if (poisonous.contains(stored.event().idempotencyId())) {
                    throw new IllegalStateException("poisoned on purpose");
                }
            }), jobs);
        }
        Node node = new Node(name, database, jobs, subscribers);
        nodes.add(node);
        return node;
    }

    private static double lag(String subscriber) {
        return Metrics.globalRegistry().gauge("events.lag", List.of(Tag.create("subscriber", subscriber)))
                .map(gauge -> gauge.value().doubleValue()).orElseThrow();
    }

    private Database database() {
        return Database.start(new DatabaseSettings(Optional.of(url), "postgres", "", 6, Duration.ofSeconds(10),
                Path.of("target")));
    }

    /** Rows the subscribers wrote, of one node or (null) of all. */
    private long handled(String node) {
        Object count = node == null
                ? writer.dsl().fetchValue("SELECT count(*) FROM handled")
                : writer.dsl().fetchValue("SELECT count(*) FROM handled WHERE node = ?", node);
        return ((Number) count).longValue();
    }

    private static MoneyMovement someMovement() {
        return MoneyMovement.paymentCaptured(UUID.randomUUID(), Parties.ofOrder(UUID.randomUUID(), UUID.randomUUID()),
                Money.of(100, "JPY"));
    }
}
