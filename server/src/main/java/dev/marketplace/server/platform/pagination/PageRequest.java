package dev.marketplace.server.platform.pagination;

import java.util.Optional;

/**
 * Which page a client asked for: at most {@code limit} items after {@code after} (absent for the first page).
 * Built and validated from the query by {@code QueryParameters#pageRequest}.
 */
public record PageRequest(int limit, Optional<Cursor> after) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;
    /** The largest page of any list: change feeds, whose clients read them through in bulk. */
    public static final int LARGEST_LIMIT = 1000;

    public PageRequest {
        if (limit < 1 || limit > LARGEST_LIMIT) {
            throw new IllegalArgumentException("limit out of range: " + limit);
        }
    }

    public static PageRequest first(int limit) {
        return new PageRequest(limit, Optional.empty());
    }

    /** How many rows a query fetches: one more than shown, to know whether a next page exists. */
    public int fetchSize() {
        return limit + 1;
    }
}
