package dev.marketplace.server.platform.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** {@link DatabaseOutage} over a pool the test plays: a bounded wait, and fast refusals while the database is down. */
class DatabaseOutageTest {

    /** A pool that fails as a full pool or as one that cannot connect, as the test says. */
    private static final class PlayedPool implements DataSource {
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean unreachable;
        volatile boolean full;

        @Override
        public Connection getConnection() throws SQLException {
            calls.incrementAndGet();
            if (full) {
                throw new SQLTransientConnectionException("request timed out (total=8, active=8)", "08001");
            }
            if (unreachable) {
                throw new SQLTransientConnectionException("request timed out", "08001",
                        new ConnectException("Connection refused"));
            }
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                    (proxy, method, args) -> null);
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            throw new SQLException("not a wrapper for " + type.getName()); // as JDBC asks when isWrapperFor is false
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }

    @Test
    void anUnreachableDatabaseIsRefusedAtOnceUntilOneCallerFindsItBack() throws Exception {
        PlayedPool pool = new PlayedPool();
        pool.unreachable = true;
        DatabaseOutage outage = new DatabaseOutage(pool, Duration.ofMillis(300));
        assertThatThrownBy(outage::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                .hasMessageContaining("timed out");
        assertThat(outage.isDown()).isTrue();
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(outage::getConnection).hasMessageContaining("fast refusal");
        }
        assertThat(pool.calls.get()).as("refused without asking the pool").isEqualTo(1);

        pool.unreachable = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Connection back = null;
        while (back == null && System.nanoTime() < deadline) {
            try {
                back = outage.getConnection();
            } catch (SQLTransientConnectionException refused) {
                Thread.onSpinWait();
            }
        }
        assertThat(back).as("tried again after the pause").isNotNull();
        assertThat(outage.isDown()).isFalse();
        assertThat(pool.calls.get()).isEqualTo(2);
    }

    @Test
    void aFullPoolIsNotTakenForAnOutage() {
        PlayedPool pool = new PlayedPool();
        pool.full = true;
        DatabaseOutage outage = new DatabaseOutage(pool, Duration.ofSeconds(60));
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(outage::getConnection).hasMessageContaining("timed out");
        }
        assertThat(outage.isDown()).isFalse();
        assertThat(pool.calls.get()).as("every caller still tries the pool").isEqualTo(3);
    }
}
