package dev.marketplace.server.platform.persistence;

import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** PostgreSQL advisory locks: mutual exclusion across every server node sharing the database. */
public final class AdvisoryLocks {

    private AdvisoryLocks() {
    }

    /** Waits for the lock named {@code key}; it is released when the caller's transaction ends. */
    public static void lockForTransaction(DSLContext db, long key) {
        db.select(DSL.function("pg_advisory_xact_lock", SQLDataType.OTHER, DSL.val(key))).fetch();
    }
}
