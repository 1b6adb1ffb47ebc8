package dev.marketplace.server.platform.pagination;

import java.util.List;
import java.util.function.Function;

/** One page of a list in a stable order, and where the next page starts (null on the last page). */
public record Page<T>(List<T> items, String nextCursor) {

    public Page {
        items = List.copyOf(items);
    }

    /**
     * Builds a page from a query that fetched {@code limit + 1} rows: the extra row only says that
     * another page exists, and the cursor points after the last row shown.
     */
    public static <T> Page<T> fromLookahead(List<T> rows, int limit, Function<T, Cursor> cursorOf) {
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<T> shown = rows.subList(0, limit);
        return new Page<>(shown, cursorOf.apply(shown.get(limit - 1)).encode());
    }

    public <R> Page<R> map(Function<T, R> mapper) {
        return new Page<>(items.stream().map(mapper).toList(), nextCursor);
    }
}
