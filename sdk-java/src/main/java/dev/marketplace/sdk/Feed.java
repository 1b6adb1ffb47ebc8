package dev.marketplace.sdk;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One change feed of the API (sub-orders, stock levels, products, reviews, a ledger account's entries), read with a
 * stored cursor. {@link #follow} keeps a process in step with the feed until stopped; {@link #drain} catches up once,
 * for batch jobs.
 *
 * <pre>{@code
 * try (FeedFollower follower = client.feeds().subOrders().follow(CursorStore.file(Path.of("sub-orders.cursor")),
 *         changes -> changes.forEach(change -> erp.mirror(change.getSubOrder())))) {
 *     erp.runUntilShutdown();   // the follower reads on its own thread until closed
 * }
 * }</pre>
 *
 * Both read pages of up to 1,000 changes, hand each non-empty page to the {@link FeedHandler} and save the page's
 * next cursor only after the handler returned. A cursor the server no longer knows (410 {@code cursor_expired})
 * calls {@link FeedHandler#onResynchronize()}, clears the store and reads the feed again from its beginning.
 *
 * @param <T> the type of the feed's changes
 */
public final class Feed<T> {

    /** Feeds allow pages of up to 1,000 changes: large pages catch up several times faster than small ones. */
    static final int PAGE_SIZE = 1000;
    private static final Duration LEAST_WAIT = Duration.ofSeconds(1);
    private static final Duration MOST_WAIT = Duration.ofSeconds(30);

    /** Reads one page of a feed. */
    @FunctionalInterface
    interface PageReader<T> {
        ChangePage<T> read(int limit, String cursor);
    }

    /** A page of changes and the cursor after it (feeds always answer one). */
    record ChangePage<T>(List<T> changes, String nextCursor) {
    }

    private final String name;
    private final PageReader<T> pages;
    private final boolean filtered;
    private final Duration leastWait;
    private final Duration mostWait;

    Feed(String name, PageReader<T> pages) {
        this(name, pages, false, LEAST_WAIT, MOST_WAIT);
    }

    /**
     * A feed whose server skips changes the caller may not see after reading them (the shared listings): a page
     * shorter than asked for is not yet caught up; only a page that moves the cursor no further is.
     */
    static <T> Feed<T> filtered(String name, PageReader<T> pages) {
        return new Feed<>(name, pages, true, LEAST_WAIT, MOST_WAIT);
    }

    private Feed(String name, PageReader<T> pages, boolean filtered, Duration leastWait, Duration mostWait) {
        this.name = name;
        this.pages = pages;
        this.filtered = filtered;
        this.leastWait = leastWait;
        this.mostWait = mostWait;
    }

    /**
     * This feed with other waits (default 1 s to 30 s): once caught up, a follower polls after {@code leastWait},
     * doubling the wait after every empty page up to {@code mostWait}, and back to {@code leastWait} when changes
     * come; after a failure it waits the same way before trying again.
     */
    public Feed<T> pollingBetween(Duration leastWait, Duration mostWait) {
        Objects.requireNonNull(leastWait, "leastWait");
        Objects.requireNonNull(mostWait, "mostWait");
        if (leastWait.isNegative() || leastWait.isZero() || mostWait.compareTo(leastWait) < 0) {
            throw new IllegalArgumentException("need 0 < leastWait <= mostWait, not " + leastWait + " and " + mostWait);
        }
        return new Feed<>(name, pages, filtered, leastWait, mostWait);
    }

    /**
     * Follows the feed on a thread of its own until {@link FeedFollower#stop()}: pages until caught up, then polls.
     * A failed page (the API, the connection, the cursor store or the handler) is retried after a backoff and
     * reported to {@link FeedHandler#onFailure}; an answer that retrying cannot change (400, 401, 403, 404) stops
     * the follower, and {@link FeedFollower#failure()} tells why.
     */
    public FeedFollower follow(CursorStore cursorStore, FeedHandler<T> handler) {
        Objects.requireNonNull(cursorStore, "cursorStore");
        Objects.requireNonNull(handler, "handler");
        return FeedFollower.start("feed-follower-" + name, follower -> followUntilStopped(follower, cursorStore, handler));
    }

    /**
     * Reads the feed from the stored cursor until caught up, in the caller's thread, and returns. Nothing is retried
     * beyond the client's own retries: a failure is thrown (the handler's exception as it was thrown), with the
     * cursor of the last page handled saved.
     *
     * @return the number of changes handed to the handler
     */
    public long drain(CursorStore cursorStore, FeedHandler<T> handler) throws Exception {
        Objects.requireNonNull(cursorStore, "cursorStore");
        Objects.requireNonNull(handler, "handler");
        long handled = 0;
        Step step;
        do {
            step = readPage(cursorStore, handler);
            handled += step.handled();
        } while (!step.caughtUp());
        return handled;
    }

    private void followUntilStopped(FeedFollower follower, CursorStore cursorStore, FeedHandler<T> handler) {
        Duration idleWait = leastWait;
        Duration failureWait = leastWait;
        while (!follower.stopRequested()) {
            Duration wait;
            try {
                Step step = readPage(cursorStore, handler);
                failureWait = leastWait;
                if (!step.caughtUp()) {
                    idleWait = leastWait;
                    continue;
                }
                wait = idleWait;
                idleWait = step.handled() > 0 ? leastWait : doubled(idleWait);
            } catch (Exception e) {
                if (follower.stopRequested()) {
                    return;
                }
                handler.onFailure(e);
                if (isFinal(e)) {
                    follower.failed(e);
                    return;
                }
                wait = failureWait;
                failureWait = doubled(failureWait);
            }
            follower.waitUnlessStopped(wait);
        }
    }

    /** One page: handled, its cursor saved; or a resynchronization after 410. */
    private Step readPage(CursorStore cursorStore, FeedHandler<T> handler) throws Exception {
        Optional<String> cursor = cursorStore.load();
        ChangePage<T> page;
        try {
            page = pages.read(PAGE_SIZE, cursor.orElse(null));
        } catch (MarketplaceException e) {
            if (e.status() != 410) {
                throw e;
            }
            handler.onResynchronize();
            cursorStore.clear();
            return new Step(0, false);
        }
        if (!page.changes().isEmpty()) {
            handler.onChanges(List.copyOf(page.changes()));
        }
        if (!cursor.equals(Optional.ofNullable(page.nextCursor()))) {
            cursorStore.save(page.nextCursor());
        }
        boolean caughtUp = filtered ? cursor.equals(Optional.ofNullable(page.nextCursor()))
                : page.changes().size() < PAGE_SIZE;
        return new Step(page.changes().size(), caughtUp);
    }

    /** Answers that say the request itself is wrong or not allowed: sending it again cannot succeed. */
    private static boolean isFinal(Exception e) {
        return e instanceof MarketplaceException.BadRequestException
                || e instanceof MarketplaceException.ValidationException
                || e instanceof MarketplaceException.AuthenticationException
                || e instanceof MarketplaceException.PermissionException
                || e instanceof MarketplaceException.NotFoundException;
    }

    private Duration doubled(Duration wait) {
        Duration twice = wait.multipliedBy(2);
        return twice.compareTo(mostWait) > 0 ? mostWait : twice;
    }

    /** What one page did: how many changes were handled, and whether the feed is caught up for now. */
    private record Step(int handled, boolean caughtUp) {
    }

    @Override
    public String toString() {
        return "Feed[" + name + "]";
    }
}
