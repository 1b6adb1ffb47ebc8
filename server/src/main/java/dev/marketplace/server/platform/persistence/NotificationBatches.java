package dev.marketplace.server.platform.persistence;

import java.lang.System.Logger.Level;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;

/**
 * Notifications on one channel sent apart from the transactions they are about, many in one transaction: PostgreSQL
 * lets one notifying transaction commit at a time in the whole cluster and holds that lock through the commit's WAL
 * flush, so a notification inside every checkout made checkouts commit one after the other (decision 87). Here the
 * sending thread commits whatever was asked for while its previous batch committed (no added delay when idle), on a
 * connection of its own (a caller holding a pooled connection while it waits cannot starve it), without waiting for
 * its commit record's flush (a notification's place in the queue is fixed at commit; the caller's own durable commit
 * that follows flushes it too).
 */
public final class NotificationBatches implements AutoCloseable {

    /** Most notifications in one transaction: each a queue entry of its own, committed together. */
    private static final int MAX_BATCH = 1_000;
    private static final System.Logger LOG = System.getLogger(NotificationBatches.class.getName());

    private record Pending(String payload, CompletableFuture<Void> sent) {
    }

    private final String channel;
    private final Supplier<Connection> connections;
    private final LinkedBlockingQueue<Pending> waiting = new LinkedBlockingQueue<>();
    private final Thread sender;
    private volatile boolean closed;

    private NotificationBatches(String channel, Database database) {
        this.channel = channel;
        this.connections = database::openDedicatedConnection;
        this.sender = Thread.ofPlatform().daemon().name("notify-" + channel).unstarted(this::sendBatches);
    }

    /** Starts sending on {@code channel} to {@code database}. */
    public static NotificationBatches on(String channel, Database database) {
        NotificationBatches batches = new NotificationBatches(channel, database);
        batches.sender.start();
        return batches;
    }

    /**
     * Notifies {@code payload} in the next batch: completes once that batch committed, exceptionally if it could not
     * be sent (then it may or may not have been).
     */
    public CompletableFuture<Void> send(String payload) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        if (closed) {
            sent.completeExceptionally(new IllegalStateException("closed"));
        } else {
            waiting.add(new Pending(payload, sent));
        }
        return sent;
    }

    private void sendBatches() {
        Connection connection = null;
        List<Pending> batch = new ArrayList<>();
        while (!closed) {
            try {
                batch.add(waiting.take());
            } catch (InterruptedException e) {
                break;
            }
            waiting.drainTo(batch, MAX_BATCH - 1);
            try {
                if (connection == null) {
                    connection = opened();
                }
                try (PreparedStatement notify = connection.prepareStatement(
                        "SELECT pg_notify(?, payload) FROM unnest(?) AS payload")) {
                    Array payloads = connection.createArrayOf("text",
                            batch.stream().map(Pending::payload).toArray(String[]::new));
                    notify.setString(1, channel);
                    notify.setArray(2, payloads);
                    notify.execute();
                }
                batch.forEach(pending -> pending.sent().complete(null));
            } catch (SQLException | RuntimeException e) {
                LOG.log(Level.WARNING, "could not notify " + batch.size() + " changes on " + channel
                        + "; their senders fall back", e);
                batch.forEach(pending -> pending.sent().completeExceptionally(e));
                closeQuietly(connection);
                connection = null; // opened again for the next batch
            }
            batch.clear();
        }
        closeQuietly(connection);
        waiting.forEach(pending -> pending.sent().completeExceptionally(new IllegalStateException("closed")));
    }

    private Connection opened() throws SQLException {
        Connection connection = connections.get();
        try (Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            statement.execute("SET synchronous_commit TO off");
            return connection;
        } catch (SQLException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // The connection is dropped either way.
        }
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
    }
}
