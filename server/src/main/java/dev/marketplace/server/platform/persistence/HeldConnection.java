package dev.marketplace.server.platform.persistence;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;

/**
 * A pooled connection as the jOOQ context holds it, from the pool until its holder closes it (decision 89).
 *
 * <p>HikariCP closes a connection under its holder when a call on it fails as a broken connection (SQLState class 08,
 * 57P01-57P03, 0A000): it evicts it and every later call fails with {@code SQLException("Connection is closed")},
 * which has no SQLState. Code that caught the first failure (a savepoint's fallback, a subscriber's handler, jOOQ's
 * rollback) meets this one next, and it says nothing of the lost connection: answered 500, not 503. This holder knows
 * whether it closed the connection itself: a stateless failure on a connection the pool has closed while it still held
 * it is the lost connection's, and is raised again as {@code 08003} (connection does not exist), which
 * {@link DatabaseFailures#unreachable} takes for an outage. A connection used after its holder closed it keeps the
 * stateless failure: that is a bug, and a 500.
 *
 * <p>It also keeps the test-only {@link OneConnectionPerThread} check (decision 81), and shows a
 * {@link StatementObserver}, when one is set, what is sent on the connection (decision 100).
 *
 * <p>And it answers jOOQ's question at the start of every transaction, the connection's isolation level, without
 * asking PostgreSQL: jOOQ 3.21 asks whether or not the transaction sets one (jOOQ issue 20135), and the driver sends
 * {@code SHOW TRANSACTION ISOLATION LEVEL}, a round trip per transaction. Outside a transaction the answer is the
 * session's default, which the pool sets on every connection it opens ({@link Database}); inside one the driver is
 * asked, since a {@code SET TRANSACTION} may have changed it.
 */
final class HeldConnection implements InvocationHandler {

    private final Connection pooled;
    private final StatementObserver observer;
    private boolean closedByHolder;

    private HeldConnection(Connection pooled, StatementObserver observer) {
        this.pooled = pooled;
        this.observer = observer;
    }

    /**
     * {@code pooled}, held by this thread until it is closed; refused (and closed) when the check finds it nested. Its
     * statements and commits are shown to {@code observer} unless that is null.
     */
    static Connection hold(Connection pooled, StatementObserver observer) {
        OneConnectionPerThread.take(pooled);
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                new HeldConnection(pooled, observer));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getName().equals("getTransactionIsolation") && !closedByHolder && pooled.getAutoCommit()) {
            return Database.SESSION_ISOLATION;
        }
        if (method.getName().equals("close") && !closedByHolder) {
            closedByHolder = true;
            OneConnectionPerThread.release(pooled);
        }
        Object result;
        try {
            result = method.invoke(pooled, args);
        } catch (InvocationTargetException e) {
            throw lostConnectionOr(e.getCause());
        }
        return observer == null ? result : observed(method, args, result);
    }

    private Object observed(Method method, Object[] args, Object result) {
        switch (method.getName()) {
            case "createStatement", "prepareStatement", "prepareCall" -> {
                return ObservedStatement.wrap(method, args, result, observer);
            }
            case "commit" -> observer.committed();
            default -> {
                // nothing sent that the observer counts
            }
        }
        return result;
    }

    private Throwable lostConnectionOr(Throwable failure) throws SQLException {
        if (failure instanceof SQLException sql && sql.getSQLState() == null && !closedByHolder && pooled.isClosed()) {
            return new SQLNonTransientConnectionException("the connection was lost: the pool closed it after a call on "
                    + "it failed (" + sql.getMessage() + ")", "08003", sql);
        }
        return failure;
    }
}
