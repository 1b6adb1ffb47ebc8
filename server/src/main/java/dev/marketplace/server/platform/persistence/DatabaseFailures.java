package dev.marketplace.server.platform.persistence;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import java.util.Set;

/** What a database failure means: the database out of reach, or a refusal that a later try may get past. */
public final class DatabaseFailures {

    /**
     * SQL states that pass with time: serialization failure, deadlock, too many connections, out of memory, lock not
     * available, query cancelled (statement timeout).
     */
    private static final Set<String> TRANSIENT_STATES = Set.of("40001", "40P01", "53300", "53200", "55P03", "57014");

    private DatabaseFailures() {
    }

    /**
     * Whether the database cannot be reached now (503, retry), as opposed to having refused this statement. A refusal
     * caused by input is never "unreachable": data exceptions (class 22), integrity violations (23), and protocol
     * violations (08P01: PostgreSQL could not read the message, as when a query's text holds a NUL; it then drops the
     * connection, which looked like an outage).
     *
     * <p>The shapes a lost database takes (decision 89): pgjdbc's connection failures all carry class 08 (08001 cannot
     * connect or timed out connecting, 08003 "This connection has been closed.", 08004 rejected, 08006 "An I/O error
     * occurred while sending to the backend." for a cut socket or a socket timeout, 08007 the connection lost during
     * a commit); PostgreSQL ending the session says 57P01 to 57P05 (shut down, crashed, not accepting connections yet,
     * database dropped, idle session timeout). HikariCP's wait for a connection that could not be opened is an
     * {@link SQLTransientConnectionException} (state of the last failure, often none; {@link DatabaseOutage}'s fast
     * refusal is one too), and its "Connection is closed" on a connection it evicted under its holder has no state:
     * {@link HeldConnection} gives that one 08003 when the holder had not closed it.
     */
    public static boolean unreachable(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("22") || state.startsWith("23") || state.equals("08P01")) {
                    return false;
                }
                // 08: connection exceptions; 57P: the server shut down or refuses connections now.
                if (state.startsWith("08") || state.startsWith("57P")) {
                    return true;
                }
            }
            if (cause instanceof SQLTransientConnectionException) {
                return true;
            }
        }
        return false;
    }

    /** Whether the same write may succeed if tried again later: {@link #unreachable}, or a transient refusal. */
    public static boolean mayPassLater(Throwable failure) {
        if (unreachable(failure)) {
            return true;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null
                    && TRANSIENT_STATES.contains(sql.getSQLState())) {
                return true;
            }
            if (cause instanceof SQLTransientException) {
                return true;
            }
        }
        return false;
    }
}
