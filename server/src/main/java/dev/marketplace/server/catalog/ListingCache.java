package dev.marketplace.server.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.marketplace.server.platform.http.ConcurrencyLimit;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * The storefront's answers as they were last sent — a listing's JSON by product id and a listings page's JSON by
 * its query string — so that a repeated read costs neither PostgreSQL nor serialization (decision 19).
 *
 * <p>Never older than {@link ChangeNotifications#MAX_LAG}: the V13 triggers announce every committed change to
 * listings on the {@link #CHANNEL} channel; a change to named products drops their listings, any change drops
 * every page (a page can gain or lose any product), a bulk change's batch (V47) drops the products it names, and
 * {@code *} drops everything. Answers are served only while {@code current} says those announcements arrive. The
 * cache listens on a connection and thread of its own, not the search index's: filling or re-reading the index
 * (seconds for the whole catalog) must not stop the proof of freshness that every cached read waits for
 * (decision 58). An answer read from the database while a change committed is
 * not kept: each load notes the generation before it reads, and what it stored is removed again if an announcement
 * bumped the generation meanwhile (the announcement may have been handled before the store, so it cannot remove it).
 * Errors are never kept. Both caches are bounded in bytes and keep what is asked for most (Caffeine's W-TinyLFU,
 * decision 47); they keep the JSON deflated ({@link PackedJson}, 43 % of its size for a listing), so that
 * the default bound holds the whole 100,000-product demo catalog (decision 68). Pages are kept only while PostgreSQL
 * answers listings queries; once the search index does, pages are put together from the listings kept here, which a
 * change drops one product at a time.
 *
 * <p>While the announcements are not proven current (a late heartbeat: an overloaded node or database), the kept
 * answers may not be served and PostgreSQL answers instead — exactly when there is too much work already. Those reads
 * take one of a few permits ({@code unprovenReads}) or are refused with 503 and {@code Retry-After}: they no longer
 * queue for the pool beside checkouts without a bound (decision 83).
 */
public final class ListingCache implements ChangeNotifications.Subscriber {

    /** The PostgreSQL notification channel of the V13 triggers. */
    public static final String CHANNEL = "listing_changes";
    private static final String EVERYTHING = "*";
    /** V47: a bulk change's products are in a batch row, read by its id. */
    private static final String BATCH = "#";
    /** What an entry costs besides its packed JSON: key, nodes, array header (about 130 bytes in a histogram). */
    private static final int ENTRY_OVERHEAD_BYTES = 130;

    private final Cache<UUID, byte[]> listings;
    private final Cache<String, byte[]> pages;
    private final AtomicLong generation = new AtomicLong();
    /** A bulk change's products by its batch id; empty when the batch is no longer kept. */
    private final LongFunction<Optional<List<UUID>>> batches;
    private volatile BooleanSupplier current = () -> false;
    /** Reads PostgreSQL answers because the kept answers may not be served (not proven current) at once. */
    private final ConcurrencyLimit unprovenReads;
    private final LongAdder readFromDatabaseWhileUnproven = new LongAdder();

    public ListingCache(long maxListingBytes, long maxPageBytes, LongFunction<Optional<List<UUID>>> batches,
                        ConcurrencyLimit unprovenReads) {
        this.batches = batches;
        this.unprovenReads = unprovenReads;
        this.listings = Caffeine.newBuilder().maximumWeight(maxListingBytes)
                .weigher((UUID id, byte[] packed) -> packed.length + ENTRY_OVERHEAD_BYTES).recordStats().build();
        this.pages = Caffeine.newBuilder().maximumWeight(maxPageBytes)
                .weigher((String query, byte[] packed) -> packed.length + 2 * query.length() + ENTRY_OVERHEAD_BYTES)
                .build();
    }

    /** Answers are served while {@code current} is true (see {@link ChangeNotifications#isCurrent()}). */
    public void servedWhile(BooleanSupplier current) {
        this.current = current;
    }

    /** The listing's JSON: the one kept, or {@code load}'s (whose exception, e.g. not found, is not kept). */
    byte[] listing(UUID productId, Supplier<byte[]> load) {
        return get(listings, productId, load);
    }

    /** The JSON of the listings page that this query string (exactly) asks for. */
    byte[] page(String query, Supplier<byte[]> load) {
        return get(pages, query, load);
    }

    /**
     * The JSON of these products' listings, in their order, leaving out those {@code loadMissing} does not find
     * (no longer listed): the ones kept, the others loaded in one call.
     */
    List<byte[]> listings(List<UUID> productIds, Function<Collection<UUID>, Map<UUID, byte[]>> loadMissing) {
        boolean serve = current.getAsBoolean();
        byte[][] found = new byte[productIds.size()][];
        List<UUID> missing = new ArrayList<>();
        for (int i = 0; i < found.length; i++) {
            byte[] kept = serve ? listings.getIfPresent(productIds.get(i)) : null;
            if (kept == null) {
                missing.add(productIds.get(i));
            } else {
                found[i] = PackedJson.unpack(kept);
            }
        }
        if (!missing.isEmpty()) {
            long before = generation.get();
            Map<UUID, byte[]> loaded = serve ? loadMissing.apply(missing) : whileUnproven(() -> loadMissing.apply(missing));
            for (int i = 0; i < found.length; i++) {
                if (found[i] == null) {
                    found[i] = loaded.get(productIds.get(i));
                }
            }
            if (serve) {
                Map<UUID, byte[]> packed = new HashMap<>();
                loaded.forEach((id, json) -> packed.put(id, PackedJson.pack(json)));
                listings.putAll(packed);
                if (generation.get() != before) {
                    packed.forEach(listings.asMap()::remove);
                }
            }
        }
        List<byte[]> ordered = new ArrayList<>(found.length);
        for (byte[] json : found) {
            if (json != null) {
                ordered.add(json);
            }
        }
        return ordered;
    }

    private <K> byte[] get(Cache<K, byte[]> answers, K key, Supplier<byte[]> load) {
        if (!current.getAsBoolean()) {
            return whileUnproven(load);
        }
        byte[] kept = answers.getIfPresent(key);
        if (kept != null) {
            return PackedJson.unpack(kept);
        }
        long before = generation.get();
        byte[] loaded = load.get();
        byte[] packed = PackedJson.pack(loaded);
        answers.put(key, packed);
        if (generation.get() != before) {
            answers.asMap().remove(key, packed);
        }
        return loaded;
    }

    /** A read from PostgreSQL because the kept answers are not proven current: bounded, refused with 503 beyond. */
    private <T> T whileUnproven(Supplier<T> load) {
        return unprovenReads.call(() -> {
            readFromDatabaseWhileUnproven.increment();
            return load.get();
        });
    }

    /** Reads answered by PostgreSQL because the kept answers were not proven current (the cache's fallbacks). */
    long readsWhileUnproven() {
        return readFromDatabaseWhileUnproven.sum();
    }

    /** Such reads refused with 503 because as many were being answered as may be at once. */
    long readsShedWhileUnproven() {
        return unprovenReads.refused();
    }

    @Override
    public void changed(String payload) {
        generation.incrementAndGet();
        pages.invalidateAll();
        if (payload.equals(EVERYTHING)) {
            listings.invalidateAll();
        } else if (payload.startsWith(BATCH)) {
            Optional<List<UUID>> batch = batches.apply(Long.parseLong(payload.substring(BATCH.length())));
            if (batch.isPresent()) {
                listings.invalidateAll(batch.get());
            } else { // no longer kept: this node is far behind
                listings.invalidateAll();
            }
        } else {
            for (String productId : payload.split(",")) {
                listings.invalidate(UUID.fromString(productId));
            }
        }
    }

    /** Listings asked for while the cache was served: found kept ({@code true}) or read from the database. */
    long listingLookups(boolean found) {
        CacheStats stats = listings.stats();
        return found ? stats.hitCount() : stats.missCount();
    }

    /** What the kept listings and pages weigh: their packed JSON and an estimate of each entry's overhead, in bytes. */
    long weighedBytes() {
        return listings.policy().eviction().orElseThrow().weightedSize().orElse(0)
                + pages.policy().eviction().orElseThrow().weightedSize().orElse(0);
    }

    @Override
    public void mayHaveMissedChanges() {
        generation.incrementAndGet();
        pages.invalidateAll();
        listings.invalidateAll();
    }
}
