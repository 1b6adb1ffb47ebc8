package dev.marketplace.server.platform.persistence;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The notifications of one PostgreSQL channel, received on a connection of their own (LISTEN), for in-memory copies
 * of data that any server node may change. PostgreSQL delivers a notification when its transaction commits, to
 * every listening session, in commit order.
 *
 * <p>How up to date the copy is, is known, not hoped for: every {@link #HEARTBEAT} this node sends a notification
 * of its own on the channel and notes when it sent it. When that notification comes back, every transaction that
 * committed before it was sent has been delivered (and handed to the subscriber) before it. {@link #isCurrent()}
 * is true while the last returned heartbeat was sent less than {@link #MAX_LAG} ago; a copy served only while it
 * is true lags behind the database by less than {@code MAX_LAG}, whatever happens to the connection or the node's
 * CPU. A lost connection is re-opened; the subscriber is told that it may have missed changes before the first
 * LISTEN and after every reconnection.
 *
 * <p>{@link #awaitDelivery()} sends such a notification at once through the pool and waits for it: afterwards this
 * node's copies hold every change committed before the call (read-your-writes for requests that changed data);
 * {@link #awaitDelivery(List)} does it for several listeners with one statement and one wait.
 *
 * <p>Where a late proof comes from is measured ({@link #heartbeats()}, decision 83): how long after it was due each
 * heartbeat was sent (the listening thread busy with a subscriber or starved of CPU), how long its commit took
 * (PostgreSQL serializes every committing transaction that notified, on any channel, through its commit record's
 * flush), how long it then took to come back, and for how long in all the copy was not proven current.
 */
public final class ChangeNotifications implements AutoCloseable {

    /** How often this node checks that notifications reach it. */
    static final Duration HEARTBEAT = Duration.ofMillis(200);
    /** The most an in-memory copy may lag behind committed changes while {@link #isCurrent()}. */
    public static final Duration MAX_LAG = Duration.ofSeconds(1);
    private static final Duration RECONNECT_DELAY = Duration.ofSeconds(1);
    private static final String HEARTBEAT_PREFIX = "heartbeat ";

    /** Who receives the channel's notifications, on the listening thread, one at a time, in commit order. */
    public interface Subscriber {
        /** A change committed; the payload says what changed. */
        void changed(String payload);

        /**
         * Changes that arrived together, in commit order, before the next confirmation: one at a time unless the
         * subscriber can apply them at once (one re-read for all, instead of one each, when the node is behind).
         */
        default void changed(List<String> payloads) {
            payloads.forEach(this::changed);
        }

        /** Changes may have committed unannounced (before listening began, or while the connection was lost). */
        void mayHaveMissedChanges();
    }

    private static final System.Logger LOG = System.getLogger(ChangeNotifications.class.getName());

    private final String channel;
    private final Supplier<Connection> connections;
    private final DataSource pool;
    private final Object delivery = new Object();
    private final Subscriber subscriber;
    private final String heartbeatPayload = HEARTBEAT_PREFIX + UUID.randomUUID() + " ";
    private final Thread listener;
    private volatile long confirmedUpToNanos;
    private volatile boolean confirmedOnce;
    private volatile boolean closed;
    // The listening thread's heartbeats, timed (written by it, read by metrics).
    private final LongAdder heartbeatsReturned = new LongAdder();
    private final LongAdder sendDelayNanos = new LongAdder();
    private final LongAdder commitNanos = new LongAdder();
    private final LongAdder returnNanos = new LongAdder();
    private final LongAdder unprovenNanos = new LongAdder();
    private final LongAdder unprovenSpells = new LongAdder();
    /** Heartbeats sent and not back yet, oldest first: when each was sent and committed (the listening thread's). */
    private final ArrayDeque<long[]> heartbeatsOut = new ArrayDeque<>();
    /** Whether {@link #confirmSoon} has a confirmation on its way, and when it was sent. */
    private final AtomicBoolean confirming = new AtomicBoolean();
    private volatile long confirmingSentAt;
    /** What {@link #confirmSoon} callers asked to run at the next confirmation (on the listening thread). */
    private final Set<Runnable> whenConfirmed = ConcurrentHashMap.newKeySet();

    private ChangeNotifications(String channel, Database database, Subscriber subscriber) {
        this.channel = channel;
        this.connections = database::openDedicatedConnection;
        this.pool = database.dataSource();
        this.subscriber = subscriber;
        this.listener = Thread.ofPlatform().daemon().name("notifications-" + channel).unstarted(this::listen);
    }

    /** Starts listening on {@code channel} (a plain identifier) on a connection of its own to {@code database}. */
    public static ChangeNotifications listen(String channel, Database database, Subscriber subscriber) {
        if (!channel.matches("[a-z_]+")) {
            throw new IllegalArgumentException("not a plain channel name: " + channel);
        }
        ChangeNotifications notifications = new ChangeNotifications(channel, database, subscriber);
        notifications.listener.start();
        return notifications;
    }

    /** Whether every change committed more than {@link #MAX_LAG} ago has reached the subscriber. */
    public boolean isCurrent() {
        return confirmedOnce && System.nanoTime() - confirmedUpToNanos < MAX_LAG.toNanos();
    }

    /**
     * Whether every change committed before {@code nanos} ({@link System#nanoTime()} on this node) has reached the
     * subscriber: a heartbeat sent after it came back.
     */
    public boolean confirmedSince(long nanos) {
        return confirmedOnce && confirmedUpToNanos - nanos > 0;
    }

    /** How long ago the last returned heartbeat was sent (how far behind the copy may be); empty before the first. */
    public Optional<Duration> confirmedAge() {
        return confirmedOnce ? Optional.of(Duration.ofNanos(System.nanoTime() - confirmedUpToNanos))
                : Optional.empty();
    }

    /**
     * Whether {@link #isCurrent()}, waiting at most {@code atMost} for the next heartbeat to prove it when the last
     * one is too old (a node that is merely slow, not cut off, proves it again within a heartbeat's round trip).
     */
    public boolean awaitCurrent(Duration atMost) {
        if (isCurrent()) {
            return true;
        }
        long deadline = System.nanoTime() + atMost.toNanos();
        synchronized (delivery) {
            for (long left = deadline - System.nanoTime(); !isCurrent() && left > 0; left = deadline - System.nanoTime()) {
                try {
                    delivery.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return isCurrent();
    }

    /**
     * Returns once every change committed before the call has reached the subscriber, or after {@link #MAX_LAG}
     * (when {@link #isCurrent()} no longer holds for those changes anyway). A database error is logged, not thrown:
     * the caller's own changes are committed already, and the lag stays bounded by {@code MAX_LAG}.
     */
    public void awaitDelivery() {
        awaitDelivery(List.of(this));
    }

    /**
     * {@link #awaitDelivery()} of several listeners on one database at once: one statement through the pool notifies
     * them all, and they share one {@link #MAX_LAG} — one after the other, a write kept for two copies took two pooled
     * connections and two commits in turn and could wait twice the bound (decision 83).
     */
    public static void awaitDelivery(List<ChangeNotifications> listeners) {
        if (listeners.isEmpty()) {
            return;
        }
        DataSource pool = listeners.getFirst().pool;
        if (listeners.stream().anyMatch(listener -> listener.pool != pool)) {
            throw new IllegalArgumentException("listeners of different databases");
        }
        long sentAt = System.nanoTime();
        if (!sendConfirmations(pool, listeners, sentAt)) {
            return;
        }
        for (ChangeNotifications listener : listeners) {
            listener.awaitConfirmation(sentAt, sentAt + MAX_LAG.toNanos());
        }
    }

    /** Waits until a notification sent at {@code sentAt} or later came back, or until {@code deadline}. */
    private void awaitConfirmation(long sentAt, long deadline) {
        synchronized (delivery) {
            for (long left = deadline - System.nanoTime(); (!confirmedOnce || confirmedUpToNanos - sentAt < 0) && left > 0;
                 left = deadline - System.nanoTime()) {
                try {
                    delivery.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Asks for a confirmation now instead of at the next {@link #HEARTBEAT}, without waiting for it, and runs {@code
     * thenRun} on the listening thread when the next confirmation comes back (this one or a heartbeat): for a caller
     * whose answer waits on {@link #confirmedSince} for a time just past (checkouts waiting to be refused by a sold-out
     * mark set a moment ago, decisions 88 and 110), so that they look again then rather than on a timer. Sent through
     * the pool on a thread of its own; one at a time, until it comes back.
     */
    public void confirmSoon(Runnable thenRun) {
        whenConfirmed.add(thenRun); // before the send: a confirmation that returns meanwhile runs it, early at worst
        if (!confirming.compareAndSet(false, true)) {
            return;
        }
        long sentAt = System.nanoTime(); // taken before the send: it confirms no more than was committed by then
        confirmingSentAt = sentAt;
        Thread.ofVirtual().name("confirm-" + channel).start(() -> {
            if (!sendConfirmations(pool, List.of(this), sentAt)) {
                confirming.set(false);
            }
        });
    }

    /**
     * Sends a heartbeat of each listener's through the pool in one statement; false (logged) if it could not. Its commit
     * need not wait for the flush of its commit record, as the heartbeat's (see listen()); set for this statement's
     * transaction only, the pooled connection keeps its setting.
     */
    private static boolean sendConfirmations(DataSource pool, List<ChangeNotifications> listeners, long sentAt) {
        StringBuilder sql = new StringBuilder("SELECT set_config('synchronous_commit', 'off', true)");
        listeners.forEach(listener -> sql.append(", pg_notify(?, ?)"));
        try (Connection connection = pool.getConnection();
             PreparedStatement notify = connection.prepareStatement(sql.toString())) {
            int parameter = 1;
            for (ChangeNotifications listener : listeners) {
                notify.setString(parameter++, listener.channel);
                notify.setString(parameter++, listener.heartbeatPayload + sentAt);
            }
            notify.execute();
            return true;
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "could not check that changes reached this node; they will within "
                    + MAX_LAG.toMillis() + " ms", e);
            return false;
        }
    }

    private void listen() {
        while (!closed) {
            try (Connection connection = connections.get()) {
                connection.setAutoCommit(true);
                try (Statement statement = connection.createStatement()) {
                    // A heartbeat's place in the notification queue is fixed when it commits, whether or not its commit
                    // record has reached the disk: waiting for the flush (behind every other notifying commit's, under
                    // a write load) only delays the proof. Losing a heartbeat in a crash loses nothing.
                    statement.execute("SET synchronous_commit TO off");
                    statement.execute("LISTEN " + channel);
                }
                subscriber.mayHaveMissedChanges();
                receive(connection);
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.log(Level.WARNING, "listening for " + channel + " failed; in-memory copies are not used until it "
                        + "works again (retrying in " + RECONNECT_DELAY.toMillis() + " ms)", e);
                sleep(RECONNECT_DELAY);
            }
        }
    }

    private void receive(Connection connection) throws SQLException {
        PGConnection postgres = connection.unwrap(PGConnection.class);
        heartbeatsOut.clear(); // those sent on a lost connection do not come back
        try (PreparedStatement heartbeat = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            heartbeat.setString(1, channel);
            long nextHeartbeat = System.nanoTime();
            while (!closed) {
                long now = System.nanoTime();
                if (now - nextHeartbeat >= 0) {
                    heartbeat.setString(2, heartbeatPayload + now);
                    heartbeat.execute();
                    long committed = System.nanoTime();
                    heartbeatsOut.add(new long[] {now, committed});
                    sendDelayNanos.add(now - nextHeartbeat);
                    commitNanos.add(committed - now);
                    nextHeartbeat = now + HEARTBEAT.toNanos();
                }
                int waitMillis = (int) Math.max(1, (nextHeartbeat - System.nanoTime()) / 1_000_000);
                PGNotification[] received = postgres.getNotifications(waitMillis);
                if (received == null) {
                    continue;
                }
                // Changes that arrived together reach the subscriber together (a node that fell behind catches up with
                // one re-read, not one per change), but always before a heartbeat sent after them is confirmed.
                List<String> changes = new ArrayList<>();
                for (PGNotification notification : received) {
                    String payload = notification.getParameter();
                    if (payload.startsWith(heartbeatPayload)) {
                        deliver(changes);
                        confirmed(Long.parseLong(payload.substring(heartbeatPayload.length())));
                    } else if (!payload.startsWith(HEARTBEAT_PREFIX)) { // other nodes' heartbeats say nothing here
                        changes.add(payload);
                    }
                }
                deliver(changes);
            }
        }
    }

    private void deliver(List<String> changes) {
        if (!changes.isEmpty()) {
            subscriber.changed(changes.size() == 1 ? List.of(changes.getFirst()) : List.copyOf(changes));
            changes.clear();
        }
    }

    /**
     * Everything committed before {@code sentAt} has been delivered. Heartbeats and {@link #awaitDelivery()}'s
     * notifications may come back out of the order of their times, hence the maximum.
     */
    private void confirmed(long sentAt) {
        long now = System.nanoTime();
        // Heartbeats come back in the order they were committed; awaitDelivery()'s notifications are not among them.
        while (!heartbeatsOut.isEmpty() && heartbeatsOut.peek()[0] - sentAt <= 0) {
            long[] back = heartbeatsOut.poll();
            if (back[0] == sentAt) {
                heartbeatsReturned.increment();
                returnNanos.add(now - back[1]);
            }
        }
        synchronized (delivery) {
            if (confirmedOnce && sentAt - confirmedUpToNanos > 0) {
                long unproven = now - confirmedUpToNanos - MAX_LAG.toNanos(); // isCurrent() was false that long
                if (unproven > 0) {
                    unprovenNanos.add(unproven);
                    unprovenSpells.increment();
                }
            }
            if (!confirmedOnce || sentAt - confirmedUpToNanos > 0) {
                confirmedUpToNanos = sentAt;
            }
            confirmedOnce = true;
            if (sentAt - confirmingSentAt >= 0) {
                confirming.set(false);
            }
            delivery.notifyAll();
        }
        for (Runnable waiting : whenConfirmed) {
            whenConfirmed.remove(waiting);
            waiting.run();
        }
    }

    /** The listening thread's heartbeats so far, timed: where the proof of freshness loses its time. */
    public Heartbeats heartbeats() {
        return new Heartbeats(heartbeatsReturned.sum(), Duration.ofNanos(sendDelayNanos.sum()),
                Duration.ofNanos(commitNanos.sum()), Duration.ofNanos(returnNanos.sum()),
                unprovenSpells.sum(), Duration.ofNanos(unprovenNanos.sum()));
    }

    /**
     * Totals since the start: heartbeats that came back; how late they were sent after they were due, how long their
     * commits took, how long they took to come back after it; how often and for how long in all the copy was not
     * proven current (a proof older than {@link #MAX_LAG}).
     */
    public record Heartbeats(long returned, Duration sendDelay, Duration commit, Duration comeBack, long unprovenSpells,
                             Duration unproven) {
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.interrupt();
    }
}
