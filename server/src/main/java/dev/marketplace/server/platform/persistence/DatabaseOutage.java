package dev.marketplace.server.platform.persistence;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Fails fast while the database is unreachable (decision 50).
 *
 * <p>The pool makes every caller wait its whole
 * {@code connectionTimeout} for a connection it cannot open; once one caller has waited that long because
 * connecting failed (the pool's timeout carries the connection failure as its cause; a pool that is merely full does
 * not), the next callers are refused at once (503 through {@code ErrorHandling}) for {@code openFor}. Then one caller
 * at a time tries the pool again: when it gets a connection, everyone does; when not, the refusal goes on.
 */
final class DatabaseOutage implements DataSource {

    private static final System.Logger LOG = System.getLogger(DatabaseOutage.class.getName());

    private final DataSource pool;
    private final long openForNanos;
    private final AtomicBoolean trying = new AtomicBoolean();
    private volatile long downUntil;
    private volatile boolean down;
    private volatile StatementObserver observer;

    DatabaseOutage(DataSource pool, Duration openFor) {
        this.pool = pool;
        this.openForNanos = openFor.toNanos();
    }

    /** Shows {@code observer} what the connections taken from now on send; null for none. */
    void observe(StatementObserver observer) {
        this.observer = observer;
    }

    /** Whether a recent attempt found the database unreachable. */
    boolean isDown() {
        return down;
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (!down) {
            return attempt();
        }
        if (System.nanoTime() - downUntil < 0 || !trying.compareAndSet(false, true)) {
            throw new SQLTransientConnectionException("the database is unreachable (fast refusal while it is down)",
                    "08001");
        }
        try {
            return attempt();
        } finally {
            trying.set(false);
        }
    }

    private Connection attempt() throws SQLException {
        try {
            Connection connection = HeldConnection.hold(pool.getConnection(), observer);
            if (down) {
                down = false;
                LOG.log(System.Logger.Level.INFO, "the database is reachable again");
            }
            return connection;
        } catch (SQLTransientConnectionException e) {
            if (e.getCause() != null) {
                if (!down) {
                    LOG.log(System.Logger.Level.WARNING, "the database is unreachable; requests are refused at once "
                            + "and it is tried again every " + Duration.ofNanos(openForNanos), e);
                }
                downUntil = System.nanoTime() + openForNanos;
                down = true;
            }
            throw e;
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the pool's own credentials only");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return type.isInstance(this) ? type.cast(this) : pool.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || pool.isWrapperFor(type);
    }
}
