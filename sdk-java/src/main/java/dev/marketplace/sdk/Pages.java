package dev.marketplace.sdk;

import dev.marketplace.sdk.model.ProductChangePage;
import dev.marketplace.sdk.model.StockChangePage;
import dev.marketplace.sdk.model.SubOrderChangePage;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Walks a cursor-paginated list as one sequence of items, fetching each next page only when the items before it
 * have been used, so that a caller never handles cursors and can stop early without fetching the rest.
 *
 * <pre>{@code
 * ListCategoriesParams children = ListCategoriesParams.builder().parentId(parentId).limit(100).build();
 * for (Category category : Pages.all(
 *         cursor -> client.categories().listCategories(children.toBuilder().cursor(cursor).build()),
 *         CategoryPage::getItems, CategoryPage::getNextCursor)) {
 *     ...
 * }
 * }</pre>
 *
 * A page that cannot be fetched throws its {@link MarketplaceException}. Change feeds are not lists: they always
 * answer a next cursor, so their pages never end; {@code Pages} refuses them with an
 * {@link IllegalArgumentException}; follow them with {@link MarketplaceClient#feeds()}.
 */
public final class Pages {

    private Pages() {
    }

    /** Fetches the page that starts at {@code cursor}; null asks for the first page. */
    @FunctionalInterface
    public interface PageFetcher<P> {
        P fetch(String cursor);
    }

    /**
     * Every item of every page. Each iteration starts again from the first page.
     *
     * @param fetchPage  calls the list operation with the given cursor
     * @param items      a page's items
     * @param nextCursor a page's cursor to the next one; null on the last page
     */
    public static <P, T> Iterable<T> all(PageFetcher<P> fetchPage, Function<? super P, ? extends Iterable<? extends T>> items,
                                         Function<? super P, String> nextCursor) {
        return () -> new PageIterator<>(fetchPage, items, nextCursor);
    }

    /** {@link #all} as a sequential stream; pages are fetched as the stream is consumed. */
    public static <P, T> Stream<T> stream(PageFetcher<P> fetchPage, Function<? super P, ? extends Iterable<? extends T>> items,
                                          Function<? super P, String> nextCursor) {
        return StreamSupport.stream(all(fetchPage, items, nextCursor).spliterator(), false);
    }

    private static boolean isChangeFeedPage(Object page) {
        return page instanceof SubOrderChangePage || page instanceof StockChangePage || page instanceof ProductChangePage;
    }

    private static final class PageIterator<P, T> implements Iterator<T> {
        private final PageFetcher<P> fetchPage;
        private final Function<? super P, ? extends Iterable<? extends T>> items;
        private final Function<? super P, String> nextCursor;
        private Iterator<? extends T> itemsOfPage = Collections.emptyIterator();
        private String cursor;
        private boolean lastPageFetched;

        PageIterator(PageFetcher<P> fetchPage, Function<? super P, ? extends Iterable<? extends T>> items,
                     Function<? super P, String> nextCursor) {
            this.fetchPage = fetchPage;
            this.items = items;
            this.nextCursor = nextCursor;
        }

        @Override
        public boolean hasNext() {
            while (!itemsOfPage.hasNext() && !lastPageFetched) { // a loop, because a page may be empty
                P page = fetchPage.fetch(cursor);
                if (isChangeFeedPage(page)) {
                    throw new IllegalArgumentException(page.getClass().getSimpleName() + " is a page of a change feed, "
                            + "which never ends: follow the feed with MarketplaceClient.feeds() instead");
                }
                itemsOfPage = items.apply(page).iterator();
                cursor = nextCursor.apply(page);
                lastPageFetched = cursor == null;
            }
            return itemsOfPage.hasNext();
        }

        @Override
        public T next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return itemsOfPage.next();
        }
    }
}
