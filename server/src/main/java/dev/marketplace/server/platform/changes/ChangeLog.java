package dev.marketplace.server.platform.changes;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import java.util.List;
import java.util.function.ToLongFunction;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The {@code change_log} table behind every change feed (see V7 migration): rows are written by triggers in the
 * writing transaction and get their feed position only once settled, so a position once served is never followed
 * by a lower one committing later.
 */
public final class ChangeLog {

    /** The feed of products ({@code change_log.feed}). */
    public static final String PRODUCTS = "products";
    /** The feed of stock levels ({@code change_log.feed}). */
    public static final String STOCK = "stock";

    private ChangeLog() {
    }

    /**
     * Gives positions to the changes of every transaction that finished before all running ones began, in its own
     * short transaction, so that the read that follows sees them. Safe on several nodes (an advisory lock).
     */
    public static void settle(DSLContext dsl) {
        dsl.transaction(tx -> tx.dsl().select(DSL.function("settle_changes", SQLDataType.OTHER)).fetch());
    }

    /** The position a page starts after: the cursor's, or 0 for the beginning of the feed. */
    public static long positionAfter(PageRequest page) {
        return page.after().map(cursor -> Long.parseLong(cursor.keys().getFirst())).orElse(0L);
    }

    /** The page a feed request asks for; its cursor must name a position (one this server gave out). */
    public static PageRequest pageRequest(QueryParameters query) {
        PageRequest page = query.pageRequest(1);
        if (page.after().isPresent() && !isPosition(page.after().get())) {
            query.reject("cursor", FieldError.INVALID_FORMAT, "is not a cursor returned by this feed");
            return PageRequest.first(page.limit());
        }
        return page;
    }

    private static boolean isPosition(Cursor cursor) {
        try {
            return Long.parseLong(cursor.keys().getFirst()) >= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Where the next page starts: after the last change shown, or where this page started when it is empty, so a
     * poller always has a cursor to come back with and never loses its place.
     */
    public static <T> ChangePage<T> page(List<T> changes, PageRequest page, ToLongFunction<T> positionOf) {
        long last = changes.isEmpty() ? positionAfter(page) : positionOf.applyAsLong(changes.getLast());
        return new ChangePage<>(changes, Cursor.of(Long.toString(last)).encode());
    }

    /** One page of a change feed: the changes in position order and the cursor to resume from (never null). */
    public record ChangePage<T>(List<T> items, String nextCursor) {

        public ChangePage {
            items = List.copyOf(items);
        }
    }
}
