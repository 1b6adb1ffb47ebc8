package dev.marketplace.server.platform.persistence;

import java.sql.Connection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test-only check (decision 81): with the system property {@value #PROPERTY} set to {@code true}, a thread that takes a
 * pooled connection while it holds one fails at once with an {@link IllegalStateException} naming where it took the
 * first. A service that reads through the pool inside its own transaction holds two connections at a time, and under
 * load every request path waits on the pool for its second one while holding its first: the pool runs dry with no
 * query running (decision 67). The build's integration tests set the property (failsafe and the cluster's nodes);
 * production never does, and then taking a connection costs one check of a constant.
 *
 * <p>A request that is refused answers 500; a background job's failure is only logged, so every refusal is also kept
 * ({@link #refusals()}) for the test harness to fail the test class with (decision 89).
 */
public final class OneConnectionPerThread {

    static final String PROPERTY = "marketplace.test.one-connection-per-thread";

    /** What the log line of a refusal says, for harnesses that read a node's log. */
    public static final String REFUSAL_LOG_MESSAGE = "nested pooled connection";

    private static final boolean ENABLED = Boolean.getBoolean(PROPERTY);

    /** The connection this thread holds, and where it took it. */
    private static final class Held {
        Connection connection;
        Throwable takenAt;
    }

    private static final ThreadLocal<Held> HELD = ThreadLocal.withInitial(Held::new);

    private static final List<IllegalStateException> REFUSALS = new CopyOnWriteArrayList<>();

    private OneConnectionPerThread() {
    }

    /** Every refusal in this process so far, oldest first (empty while the check is off). */
    public static List<IllegalStateException> refusals() {
        return List.copyOf(REFUSALS);
    }

    /** Refuses {@code connection} (closing it) when this thread holds another; otherwise notes it as held. */
    static void take(Connection connection) {
        if (!ENABLED) {
            return;
        }
        Held held = HELD.get();
        if (held.connection != null) {
            IllegalStateException nested = new IllegalStateException(Thread.currentThread()
                    + " takes a second pooled connection while it holds one (" + PROPERTY + "); the first was taken at",
                    held.takenAt);
            REFUSALS.add(nested);
            System.getLogger(OneConnectionPerThread.class.getName()).log(System.Logger.Level.ERROR,
                    REFUSAL_LOG_MESSAGE, nested);
            close(connection);
            throw nested;
        }
        held.connection = connection;
        held.takenAt = new Throwable("the first connection taken here");
    }

    /** Frees this thread to take another connection once it closes {@code connection}. */
    static void release(Connection connection) {
        if (!ENABLED) {
            return;
        }
        Held held = HELD.get();
        if (held.connection == connection) {
            held.connection = null;
            held.takenAt = null;
        }
    }

    private static void close(Connection connection) {
        try {
            connection.close();
        } catch (java.sql.SQLException e) {
            // Refusing is what matters; a connection that fails to close is the pool's to evict.
        }
    }
}
