package dev.marketplace.server.platform.changes;

import static dev.marketplace.schema.Tables.CHANGE_FEED;

import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.ToLongFunction;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The {@code change_log} table behind every change feed (see the V7 and V9 migrations): rows are written by
 * triggers in the writing transaction and get their feed position only once settled, so a position once served is
 * never followed by a lower one committing later. Rows older than the retention are pruned; a cursor from before
 * the pruned range is refused ({@code cursor_expired}) rather than silently skipping what was pruned.
 */
public final class ChangeLog {

    /** The feed of products ({@code change_log.feed}). */
    public static final String PRODUCTS = "products";
    /** The feed of stock levels ({@code change_log.feed}). */
    public static final String STOCK = "stock";
    /** The feed of sub-orders for merchants' ERPs ({@code change_log.feed}, V12). */
    public static final String SUB_ORDERS = "sub_orders";
    /** The feed of reviews for merchants' ERPs ({@code change_log.feed}, V29). */
    public static final String REVIEWS = "reviews";

    private ChangeLog() {
    }

    /**
     * Gives positions to the changes of every transaction that finished before all running ones began; returns how
     * many. Costs one index probe when nothing is pending; safe on several nodes (an advisory lock). One statement,
     * so its own transaction (the pool's connections auto-commit): one round trip. Waits for the lock while another
     * caller settles: for a reader that must find its own committed writes settled when this returns (a feed page,
     * the feeds' head).
     */
    public static long settle(DSLContext dsl) {
        return settle(dsl, true);
    }

    /**
     * As {@link #settle}, for a poller (the settling job, each subscriber's poll): while another caller settles it
     * returns 0 at once rather than queue for the lock and then find the rows settled; what that caller's snapshot
     * missed, the next poll settles (decision 129).
     */
    public static long settleUnlessBusy(DSLContext dsl) {
        return settle(dsl, false);
    }

    private static long settle(DSLContext dsl, boolean wait) {
        return dsl.select(DSL.function("settle_changes", SQLDataType.BIGINT, DSL.inline(wait))).fetchSingle().value1();
    }

    /**
     * Deletes settled changes made before {@code keepAfter}, oldest first, in batches of {@code batch}; returns how
     * many. Another node pruning at the same time makes this one return 0 (a lock it does not wait for).
     */
    public static long prune(DSLContext dsl, OffsetDateTime keepAfter, int batch) {
        long removed = 0;
        long step;
        do {
            step = dsl.transactionResult(tx -> tx.dsl().select(DSL.function("prune_changes", SQLDataType.BIGINT,
                    DSL.val(keepAfter), DSL.val(batch))).fetchSingle().value1());
            removed += step;
        } while (step > 0);
        return removed;
    }

    /** The page a feed request asks for; its cursor must name a position (one this server gave out). */
    public static PageRequest pageRequest(QueryParameters query) {
        return query.pageRequest(PageRequest.LARGEST_LIMIT, CursorKey.POSITION);
    }

    /**
     * Reads one page of a feed: settles, then reads the feed's counters and the changes after the cursor in one
     * read-only snapshot, so that the cursor check, the changes and where the reader is caught up agree.
     * {@code changesAfter} gets that snapshot's connection and the position to read after.
     *
     * <p>A cursor below what retention has pruned answers 410 {@code cursor_expired}. The next cursor is the last
     * change shown, or — on a page shorter than its limit, which showed everything visible — the highest position
     * settled, so a reader that sees few of the feed's changes (a merchant) still moves along and does not fall
     * behind the pruning.
     */
    public static <T> ChangePage<T> read(DSLContext dsl, PageRequest page,
                                         BiFunction<DSLContext, Long, List<T>> changesAfter,
                                         ToLongFunction<T> positionOf) {
        settle(dsl);
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            Record2<Long, Long> feed = db.select(CHANGE_FEED.SETTLED_THROUGH, CHANGE_FEED.PRUNED_THROUGH)
                    .from(CHANGE_FEED).fetchSingle();
            long prunedThrough = feed.value2();
            long after = page.after().map(cursor -> Long.parseLong(cursor.keys().getFirst())).orElse(prunedThrough);
            if (after < prunedThrough) {
                throw new ProblemException(410, "cursor_expired", "Gone", "Changes up to position " + prunedThrough
                        + " are no longer kept; this cursor is at " + after + ". Resynchronize: read the full "
                        + "collection again, then follow the feed from its start (no cursor).");
            }
            List<T> changes = changesAfter.apply(db, after);
            long last = changes.isEmpty() ? after : positionOf.applyAsLong(changes.getLast());
            long next = changes.size() < page.limit() ? Math.max(last, feed.value1()) : last;
            return new ChangePage<>(changes, Cursor.of(Long.toString(next)).encode());
        });
    }

    /**
     * The feeds' head for a reader starting from a snapshot (decision 56): settles, then answers the highest settled
     * position. A change committed after this call, or committed before it but not settled yet, gets a higher
     * position; so a reader that reads the current state after this call and then follows a feed from this position
     * misses nothing (it may see a change twice).
     */
    public static long head(DSLContext dsl) {
        settle(dsl);
        return dsl.select(CHANGE_FEED.SETTLED_THROUGH).from(CHANGE_FEED).fetchSingle().value1();
    }

    /** One page of a change feed: the changes in position order and the cursor to resume from (never null). */
    public record ChangePage<T>(List<T> items, String nextCursor) {

        public ChangePage {
            items = List.copyOf(items);
        }
    }
}
