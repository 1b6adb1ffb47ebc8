package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.persistence.ChangeNotifications;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The storefront's answers as they were last sent — a listing's JSON by product id and a listings page's JSON by
 * its query string — so that a repeated read costs neither PostgreSQL nor serialization (decision 19).
 *
 * <p>Never older than {@link ChangeNotifications#MAX_LAG}: the V13 triggers announce every committed change to
 * listings on the {@link #CHANNEL} channel; a change to named products drops their listings, any change drops
 * every page (a page can gain or lose any product), and {@code *} drops everything. Answers are served only while
 * {@code current} says those announcements arrive. An answer read from the database while a change committed is
 * not kept: each load notes the generation before it reads, and what it stored is removed again if an announcement
 * bumped the generation meanwhile (the announcement may have been handled before the store, so it cannot remove it).
 * Errors are never kept, and both maps are bounded; when one is full an arbitrary entry makes room.
 */
public final class ListingCache implements ChangeNotifications.Subscriber {

    /** The PostgreSQL notification channel of the V13 triggers. */
    public static final String CHANNEL = "listing_changes";
    private static final String EVERYTHING = "*";

    private final Map<UUID, byte[]> listings = new ConcurrentHashMap<>();
    private final Map<String, byte[]> pages = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private final int maxListings;
    private final int maxPages;
    private volatile BooleanSupplier current = () -> false;

    public ListingCache(int maxListings, int maxPages) {
        this.maxListings = maxListings;
        this.maxPages = maxPages;
    }

    /** Answers are served while {@code current} is true (see {@link ChangeNotifications#isCurrent()}). */
    public void servedWhile(BooleanSupplier current) {
        this.current = current;
    }

    /** The listing's JSON: the one kept, or {@code load}'s (whose exception, e.g. not found, is not kept). */
    byte[] listing(UUID productId, Supplier<byte[]> load) {
        return get(listings, maxListings, productId, load);
    }

    /** The JSON of the listings page that this query string (exactly) asks for. */
    byte[] page(String query, Supplier<byte[]> load) {
        return get(pages, maxPages, query, load);
    }

    private <K> byte[] get(Map<K, byte[]> answers, int max, K key, Supplier<byte[]> load) {
        if (!current.getAsBoolean()) {
            return load.get();
        }
        byte[] kept = answers.get(key);
        if (kept != null) {
            return kept;
        }
        long before = generation.get();
        byte[] loaded = load.get();
        if (answers.size() >= max) {
            Iterator<K> keys = answers.keySet().iterator();
            if (keys.hasNext()) {
                answers.remove(keys.next());
            }
        }
        answers.put(key, loaded);
        if (generation.get() != before) {
            answers.remove(key, loaded);
        }
        return loaded;
    }

    @Override
    public void changed(String payload) {
        generation.incrementAndGet();
        pages.clear();
        if (payload.equals(EVERYTHING)) {
            listings.clear();
        } else {
            for (String productId : payload.split(",")) {
                listings.remove(UUID.fromString(productId));
            }
        }
    }

    @Override
    public void mayHaveMissedChanges() {
        generation.incrementAndGet();
        pages.clear();
        listings.clear();
    }
}
