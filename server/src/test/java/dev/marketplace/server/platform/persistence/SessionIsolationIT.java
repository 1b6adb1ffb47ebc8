package dev.marketplace.server.platform.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.testing.TestServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The isolation level jOOQ asks for at the start of every transaction is answered without a round trip outside a
 * transaction, and by the driver inside one ({@link HeldConnection}).
 */
class SessionIsolationIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void outsideATransactionTheSessionsLevelIsAnsweredWithoutAskingPostgresql() {
        server.db().connection(held -> {
            assertThat(held.getAutoCommit()).isTrue();
            int backend = backendOf(held);
            // Its backend ended from another thread: anything sent on this connection now fails.
            assertThat(CompletableFuture.supplyAsync(() -> server.db()
                    .fetchSingle("SELECT pg_terminate_backend(?)", backend).get(0, Boolean.class)).join()).isTrue();

            assertThat(held.getTransactionIsolation()).as("answered, not sent")
                    .isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
            assertThatThrownBy(() -> held.createStatement().execute("SELECT 1")).as("the backend is gone")
                    .isInstanceOf(SQLException.class);
        });
    }

    @Test
    void insideATransactionTheDriverIsAskedForWhatTheTransactionSet() {
        int level = server.db().transactionResult(tx -> tx.dsl().connectionResult(held -> {
            held.createStatement().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            return held.getTransactionIsolation();
        }));
        assertThat(level).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
        assertThat(server.db().fetchSingle("SHOW default_transaction_isolation").get(0, String.class))
                .as("what the pool set on its connections").isEqualTo("read committed");
    }

    private static int backendOf(Connection held) throws SQLException {
        try (var row = held.createStatement().executeQuery("SELECT pg_backend_pid()")) {
            row.next();
            return row.getInt(1);
        }
    }
}
