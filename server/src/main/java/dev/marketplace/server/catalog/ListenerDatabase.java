package dev.marketplace.server.catalog;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/**
 * A connection of one notification listener's own, opened when first needed, for what its subscriber reads on the
 * listening thread: a pool drained by a burst of reads must not hold up the listener, and with it the proof of
 * freshness that the in-memory reads depend on (decision 57). Used by that one thread only.
 */
final class ListenerDatabase {

    private static final System.Logger LOG = System.getLogger(ListenerDatabase.class.getName());

    private final Supplier<Connection> connections;
    private Connection connection;

    ListenerDatabase(Supplier<Connection> connections) {
        this.connections = connections;
    }

    DSLContext dsl() {
        if (connection == null) {
            connection = connections.get();
        }
        return DSL.using(connection, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false));
    }

    /** Closes the connection after a failure; the next read opens another. */
    void drop() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.log(Level.DEBUG, "closing a listener's connection failed", e);
            }
            connection = null;
        }
    }
}
