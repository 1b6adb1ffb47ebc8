package dev.marketplace.server.platform.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * This server node's life as PostgreSQL sees it (decision 62): a number of its own ({@code server_node_number}) and a
 * session advisory lock on it, held on a connection outside the pool for as long as the process lives. When the
 * process dies — SIGKILL, OOM kill, a container stopped without grace — the kernel closes its sockets, PostgreSQL
 * ends the session and the lock is gone at once; so another node can tell "the holder is dead" from "the holder is
 * slow" without waiting out a lease. A lock lost while the node lives (its connection cut) is taken again by
 * {@link #keepHeld}; the work it guarded is fenced by its own claims, so a node wrongly seen dead doubles nothing.
 */
public final class NodeLiveness implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeLiveness.class.getName());
    /** The first key of the two-key advisory lock form ("node"); the second is the node's number. */
    private static final int LOCK_CLASS = 0x6e6f6465;

    private final Database database;
    private final int number;
    private Connection session;

    private NodeLiveness(Database database, int number, Connection session) {
        this.database = database;
        this.number = number;
        this.session = session;
    }

    /** Takes a new node number and holds its lock; fails if the database cannot be reached. */
    public static NodeLiveness start(Database database) {
        Connection session = database.openDedicatedConnection();
        try (Statement statement = session.createStatement();
             ResultSet next = statement.executeQuery("SELECT nextval('server_node_number')::integer")) {
            next.next();
            int number = next.getInt(1);
            if (!tryLock(session, number)) {
                throw new IllegalStateException("node number " + number + " is locked by another session");
            }
            LOG.log(System.Logger.Level.INFO, "server node number " + number);
            return new NodeLiveness(database, number, session);
        } catch (SQLException e) {
            closeQuietly(session);
            throw new IllegalStateException("could not register this server node", e);
        }
    }

    public int number() {
        return number;
    }

    /**
     * Whether the node numbered by {@code node} has no live session holding its lock: it is dead. A node is never dead
     * to itself (null and this node's own number are not).
     */
    public Condition isDead(Field<Integer> node) {
        return node.isNotNull().and(node.ne(number)).andNotExists(DSL.selectOne().from(DSL.table("pg_locks"))
                .where(DSL.field("locktype").eq("advisory"),
                        DSL.field("database").eq(DSL.field("(SELECT oid FROM pg_database WHERE datname = current_database())")),
                        DSL.field("classid::integer").eq(LOCK_CLASS),
                        DSL.field("objid::integer").eq(node),
                        DSL.field("objsubid").eq(2),
                        DSL.field("granted", Boolean.class).isTrue()));
    }

    /**
     * A job's turn: checks the lock's session and, when it was lost (the database restarted or the connection was
     * cut), opens a new one and takes the lock again. Returns 1 when it had to.
     */
    public synchronized long keepHeld() {
        try {
            if (session.isValid(2)) {
                return 0;
            }
        } catch (SQLException e) {
            // as invalid
        }
        closeQuietly(session);
        Connection fresh = database.openDedicatedConnection();
        try {
            if (!tryLock(fresh, number)) {
                // The old session is still ending on the server side; the next turn tries again.
                closeQuietly(fresh);
                throw new IllegalStateException("node " + number + "'s lock is still held by its old session");
            }
        } catch (SQLException e) {
            closeQuietly(fresh);
            throw new IllegalStateException("could not take node " + number + "'s lock again", e);
        }
        session = fresh;
        LOG.log(System.Logger.Level.WARNING, "server node " + number + " lost its liveness lock and holds it again");
        return 1;
    }

    private static boolean tryLock(Connection connection, int number) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            lock.setInt(1, LOCK_CLASS);
            lock.setInt(2, number);
            try (ResultSet locked = lock.executeQuery()) {
                locked.next();
                return locked.getBoolean(1);
            }
        }
    }

    /** Ends the session: the node is gone for the others as soon as it stops. */
    @Override
    public synchronized void close() {
        closeQuietly(session);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // already gone
        }
    }
}
