package dev.marketplace.server.platform.persistence;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;

/**
 * Test-only check (decision 81): with the system property {@value #PROPERTY} set to {@code true}, a thread that takes a
 * pooled connection while it holds one fails at once with an {@link IllegalStateException} naming where it took the
 * first. A service that reads through the pool inside its own transaction holds two connections at a time, and under
 * load every request path waits on the pool for its second one while holding its first: the pool runs dry with no
 * query running (decision 67). The build's integration tests set the property (failsafe and the cluster's nodes);
 * production never does, and then taking a connection costs one null check.
 */
final class OneConnectionPerThread {

    static final String PROPERTY = "marketplace.test.one-connection-per-thread";

    private static final boolean ENABLED = Boolean.getBoolean(PROPERTY);

    /** The connection this thread holds, and where it took it. */
    private static final class Held {
        Connection connection;
        Throwable takenAt;
    }

    private static final ThreadLocal<Held> HELD = ThreadLocal.withInitial(Held::new);

    private OneConnectionPerThread() {
    }

    /**
     * Refuses {@code connection} (closing it) when this thread holds another; otherwise returns it, watched until it is
     * closed. Returns it as it is while the check is off.
     */
    static Connection watch(Connection connection) {
        if (!ENABLED) {
            return connection;
        }
        Held held = HELD.get();
        if (held.connection != null) {
            IllegalStateException nested = new IllegalStateException(Thread.currentThread()
                    + " takes a second pooled connection while it holds one (" + PROPERTY + "); the first was taken at",
                    held.takenAt);
            System.getLogger(OneConnectionPerThread.class.getName()).log(System.Logger.Level.ERROR,
                    "nested pooled connection", nested);
            close(connection);
            throw nested;
        }
        held.connection = connection;
        held.takenAt = new Throwable("the first connection taken here");
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                new Release(connection, held));
    }

    private static void close(Connection connection) {
        try {
            connection.close();
        } catch (java.sql.SQLException e) {
            // Refusing is what matters; a connection that fails to close is the pool's to evict.
        }
    }

    /** Passes every call on; {@code close} frees the thread to take another connection. */
    private record Release(Connection connection, Held held) implements InvocationHandler {

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getName().equals("close") && held.connection == connection) {
                held.connection = null;
                held.takenAt = null;
            }
            try {
                return method.invoke(connection, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
