package dev.marketplace.server.platform.persistence;

import org.jooq.DSLContext;
import org.jooq.TransactionContext;
import org.jooq.TransactionListener;

/**
 * Lets a caller see the transactions run on its thread commit: {@link #watch} binds a {@link Watcher} for the length of
 * a call, and every jOOQ transaction of {@link Database#dsl()} on that thread tells it, just before its commit (still
 * inside the transaction, on its connection) and just after. The idempotency filter uses it to record, in the
 * handler's own transaction, that the request's effect committed (decision 50).
 */
public final class CommitWatch {

    /** Told about the commits of the transactions on the watched thread. */
    public interface Watcher {
        /** Runs inside the committing transaction ({@code tx} is bound to it); a failure rolls the transaction back. */
        void beforeCommit(DSLContext tx);

        /** Runs after the commit. */
        default void afterCommit() {
        }
    }

    private static final ThreadLocal<Watcher> CURRENT = new ThreadLocal<>();

    private CommitWatch() {
    }

    /** Runs {@code body} with {@code watcher} told about the commits on this thread. */
    public static void watch(Watcher watcher, Runnable body) {
        Watcher outer = CURRENT.get();
        CURRENT.set(watcher);
        try {
            body.run();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /** Runs {@code body} with no watcher: the watcher's own transactions. */
    public static void unwatched(Runnable body) {
        Watcher outer = CURRENT.get();
        if (outer == null) {
            body.run();
            return;
        }
        CURRENT.remove();
        try {
            body.run();
        } finally {
            CURRENT.set(outer);
        }
    }

    static TransactionListener listener() {
        return new TransactionListener() {
            @Override
            public void commitStart(TransactionContext ctx) {
                Watcher watcher = CURRENT.get();
                if (watcher != null) {
                    watcher.beforeCommit(ctx.dsl());
                }
            }

            @Override
            public void commitEnd(TransactionContext ctx) {
                Watcher watcher = CURRENT.get();
                if (watcher != null) {
                    watcher.afterCommit();
                }
            }
        };
    }
}
