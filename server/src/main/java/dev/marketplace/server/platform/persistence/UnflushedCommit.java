package dev.marketplace.server.platform.persistence;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.jooq.Condition;
import org.jooq.impl.DSL;

/**
 * A write whose commit need not wait for its WAL flush (decision 101): bookkeeping around a request's own durable
 * transaction (an {@code Idempotency-Key}'s claim, its kept answer or release, the audit line). The condition sets
 * {@code synchronous_commit off} for the statement's transaction as the row is written, so one statement, no
 * {@code SET} round trip; a statement that writes no row writes no commit record either.
 *
 * <p>Nothing the client relies on is lost by it. Such a commit is visible to every session at once, and its commit
 * record is flushed, at the latest, with the next durable commit after it (WAL is flushed in order) or by the WAL
 * writer within {@code wal_writer_delay} (200 ms; three times that at worst). A claim therefore is durable once the
 * request's own transaction is; a server killed (SIGKILL) loses nothing PostgreSQL has acknowledged; only a crash of
 * PostgreSQL itself can lose the last fraction of a second of such writes, and what each loss means is in decision 101.
 *
 * <p>A request's own transaction may commit so too when the request waits for {@link #makeDurable} before it is
 * answered (decision 111: a checkout, so that its stock rows' locks are not held through the flush).
 */
public final class UnflushedCommit {

    /** True, and sets {@code synchronous_commit off} until the end of the statement's transaction. */
    public static final Condition ALLOWED = DSL.condition("set_config('synchronous_commit', 'off', true) = 'off'");

    /**
     * Returns once every commit that ended before the call (on any connection) is on disk: commits, in a transaction of
     * its own and waiting for its flush, a WAL record written after theirs, and WAL is flushed in order. It must write
     * WAL to wait at all (PostgreSQL commits a transaction that wrote none without a flush, even with an id:
     * {@code txid_current()} would not do): a transactional logical message, which writes no table, takes no lock and,
     * with no logical decoding, is read by nobody. Concurrent callers share flushes (group commit). Sent on the
     * caller's {@code connection} as it is (jOOQ parsed the text on every call): a checkout sends it on the connection
     * its transaction just committed on (decision 134).
     */
    public static void makeDurable(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_logical_emit_message(true, 'marketplace.durable', '')");
        }
    }

    private UnflushedCommit() {
    }
}
