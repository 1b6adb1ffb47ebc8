package dev.marketplace.sdk;

import java.util.List;

/**
 * What a feed follower does with the changes it reads. The cursor after a page is saved only once
 * {@link #onChanges} has returned, so a failure (an exception) makes the follower read the same page again after a
 * backoff: apply changes idempotently, for instance by keeping the highest {@code position} applied.
 *
 * @param <T> the feed's change type ({@code SubOrderChange}, {@code StockChange}, {@code ProductChange})
 */
@FunctionalInterface
public interface FeedHandler<T> {

    /** A page of changes in increasing position; never empty. */
    void onChanges(List<T> changes) throws Exception;

    /**
     * The saved cursor is older than the changes the server keeps (410 {@code cursor_expired}): changes were missed.
     * Read the whole collection again here (such as {@code listSubOrders}); the follower then reads the feed from its
     * beginning. The default does nothing, for handlers whose {@link #onChanges} alone rebuilds their state.
     */
    default void onResynchronize() throws Exception {
    }

    /**
     * A page could not be read or handled; the follower retries after a backoff. The default does nothing: override
     * it to log or count failures.
     */
    default void onFailure(Exception failure) {
    }
}
