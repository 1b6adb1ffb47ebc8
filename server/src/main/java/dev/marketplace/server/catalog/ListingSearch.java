package dev.marketplace.server.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Listings queries answered from the in-process search index (decision 47), PostgreSQL remaining the system of
 * record: the index is filled from the listing_search read model when listening starts (and after any gap), and
 * each announced change re-reads the named products' rows before the listener goes on — so the index is never
 * further behind committed changes than the notifications' proven lag, and a write answered after
 * {@link ChangeNotifications#awaitDelivery()} is searchable. While the index is incomplete (being filled) or the
 * notifications are late, {@link #answers()} is false and PostgreSQL answers.
 *
 * <p>A page is put together from the listings' JSON kept by {@link ListingCache} (loaded in one query when missing),
 * so a change costs the pages nothing but the changed product's listing.
 */
final class ListingSearch implements ChangeNotifications.Subscriber, AutoCloseable {

    private static final String EVERYTHING = "*";
    private static final byte[] ITEMS = "{\"items\":[".getBytes(StandardCharsets.US_ASCII);

    private final ProductService products;
    private final ListingCache listings;
    private final SearchIndex index = new SearchIndex();
    /** Search texts as PostgreSQL's search_query reads them; bounded in characters (W-TinyLFU keeps the frequent). */
    private final Cache<String, String> tsqueries;
    private volatile boolean complete;
    private volatile BooleanSupplier current = () -> false;

    ListingSearch(ProductService products, ListingCache listings, long maxQueryCacheChars) {
        this.products = products;
        this.listings = listings;
        this.tsqueries = Caffeine.newBuilder().maximumWeight(maxQueryCacheChars)
                .weigher((String text, String tsquery) -> text.length() + tsquery.length() + 32).build();
    }

    /** The index is used while {@code current} is true (see {@link ChangeNotifications#isCurrent()}). */
    void servedWhile(BooleanSupplier current) {
        this.current = current;
    }

    /** Whether the index holds every listed product as of less than the notifications' lag ago. */
    boolean answers() {
        return complete && current.getAsBoolean();
    }

    /**
     * The listings page's JSON as {@code ListingHttpService} renders PostgreSQL's: the listings in the query's order
     * and the cursor after the last one shown. An unknown category is refused as PostgreSQL's path refuses it.
     *
     * @throws SearchIndex.UnsupportedQuery when the text's query is beyond what the index expresses
     */
    byte[] page(ListingQuery query, PageRequest page) {
        query.categoryId().ifPresent(products::requireListingCategory);
        String tsquery = query.text().map(text -> tsqueries.get(text, products::searchQueryText)).orElse(null);
        List<SearchIndex.Hit> hits = index.search(query, tsquery, page);
        List<SearchIndex.Hit> shown = hits.subList(0, Math.min(hits.size(), page.limit()));
        List<byte[]> items = listings.listings(shown.stream().map(SearchIndex.Hit::productId).toList(), this::load);
        String nextCursor = null;
        if (hits.size() > page.limit()) {
            SearchIndex.Hit last = shown.getLast();
            nextCursor = Cursor.of(query.sort().wireName(), last.sortKey(), last.productId().toString()).encode();
        }
        return render(items, nextCursor);
    }

    private Map<UUID, byte[]> load(Collection<UUID> productIds) {
        return products.listingsById(productIds).entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                entry -> JsonResponses.json(ListingHttpService.ListingResource.of(entry.getValue()))));
    }

    /** {@code {"items":[…],"nextCursor":"…"}}, the shape JSON-B gives ListingPage (no cursor on the last page). */
    private static byte[] render(List<byte[]> items, String nextCursor) {
        ByteArrayOutputStream json = new ByteArrayOutputStream(items.stream().mapToInt(item -> item.length + 1).sum() + 128);
        json.writeBytes(ITEMS);
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                json.write(',');
            }
            json.writeBytes(items.get(i));
        }
        json.write(']');
        if (nextCursor != null) {
            json.writeBytes(",\"nextCursor\":".getBytes(StandardCharsets.US_ASCII));
            json.writeBytes(JsonResponses.json(nextCursor));
        }
        json.write('}');
        return json.toByteArray();
    }

    @Override
    public void changed(String payload) {
        if (payload.equals(EVERYTHING)) {
            fill();
            return;
        }
        List<UUID> changed = Arrays.stream(payload.split(",")).map(UUID::fromString).toList();
        try {
            changed.forEach(index::remove);
            products.forEachSearchRow(Optional.of(changed), index::put);
            index.publish();
        } catch (RuntimeException e) {
            complete = false; // the listener reconnects after a failure, which fills the index again
            throw e;
        }
    }

    @Override
    public void mayHaveMissedChanges() {
        fill();
    }

    /** Fills the index from the read model; searches go to PostgreSQL meanwhile. */
    private void fill() {
        complete = false;
        index.clear();
        products.forEachSearchRow(Optional.empty(), index::put);
        index.publish();
        complete = true;
    }

    /** How many listed products the index holds. */
    int size() {
        return index.size();
    }

    @Override
    public void close() {
        index.close();
    }
}
