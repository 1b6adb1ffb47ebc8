package dev.marketplace.server.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Listings queries answered from the in-process search index (decision 47), PostgreSQL remaining the system of
 * record: the index is filled from the listing_search read model when listening starts (and after any gap), and
 * each announced change re-reads the named products' rows before the listener goes on — so the index is never
 * further behind committed changes than the notifications' proven lag, and a write answered after
 * {@link ChangeNotifications#awaitDelivery()} is searchable. While the index is incomplete (being filled at start or
 * after a lost connection) PostgreSQL answers. While it is complete but not proven current (the heartbeat is late
 * because the node or the database is overloaded) a search waits for the next proof and is shed with 503 if none
 * comes: it never falls back to the slower database exactly when load is highest (decision 57).
 *
 * <p>Changes are re-read on a connection of the index's own, not from the pool: a pool drained by a burst of reads
 * must not hold up the listener, and with it the proof of freshness that every in-memory read depends on.
 *
 * <p>A page is put together from the listings' JSON kept by {@link ListingCache} (loaded in one query when missing),
 * so a change costs the pages nothing but the changed product's listing.
 */
final class ListingSearch implements ChangeNotifications.Subscriber, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ListingSearch.class.getName());
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final String EVERYTHING = "*";
    /** V47: the products of one statement that changed more than 100, kept in listing_change_batch under this id. */
    private static final String BATCH = "#";
    private static final byte[] ITEMS = "{\"items\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEXT_CURSOR = ",\"nextCursor\":".getBytes(StandardCharsets.US_ASCII);
    /** Products re-read per statement when a batch names many (the ids travel as one array parameter). */
    private static final int REREAD_CHUNK = 5_000;

    private final ProductService products;
    private final ListingCache listings;
    private final ListenerDatabase database;
    private final SearchIndexSnapshots snapshots;
    /** The index saved at the last stop, being read beside the start; taken (and then null) by the first catch-up. */
    private CompletableFuture<SavedSearchIndex> savedAtStart;
    /** Whether the index is the saved one (each listing in some version, so a catch-up suffices) until filled once. */
    private boolean startedFromSaved;
    /** Replaced only once, by the saved index, before it is first complete. */
    private volatile SearchIndex index = new SearchIndex();
    /** Search texts as PostgreSQL's search_query reads them; bounded in characters (W-TinyLFU keeps the frequent). */
    private final Cache<String, String> tsqueries;
    private volatile boolean complete;
    /** Whether the index has been complete at least once since the start (the node's readiness). */
    private volatile boolean filledOnce;
    private volatile BooleanSupplier current = () -> false;
    private volatile boolean closing;

    final LongAdder answeredFromMemory = new LongAdder();
    final LongAdder answeredFromDatabase = new LongAdder();
    final LongAdder shed = new LongAdder();
    final LongAdder rebuilds = new LongAdder();
    final LongAdder appliedChanges = new LongAdder();
    /** How long the last application of changes took (re-read and publish), in nanoseconds. */
    final AtomicLong lastApplyNanos = new AtomicLong();
    private final AtomicBoolean behind = new AtomicBoolean();
    private volatile long behindSinceNanos;
    private volatile long incompleteSinceNanos = System.nanoTime();

    ListingSearch(ProductService products, ListingCache listings, Supplier<Connection> connections,
                  SearchIndexSnapshots snapshots, CompletableFuture<SavedSearchIndex> savedAtStart,
                  long maxQueryCacheChars) {
        this.products = products;
        this.snapshots = snapshots;
        this.savedAtStart = savedAtStart;
        this.listings = listings;
        this.database = new ListenerDatabase(connections);
        this.tsqueries = Caffeine.newBuilder().maximumWeight(maxQueryCacheChars)
                .weigher((String text, String tsquery) -> text.length() + tsquery.length() + 32).build();
    }

    /**
     * The index is used while {@code current} is true; it may wait a little for the proof (see
     * {@link ChangeNotifications#awaitCurrent}).
     */
    void servedWhile(BooleanSupplier current) {
        this.current = current;
    }

    /** Whether the index holds every listed product (it is not being filled). */
    boolean complete() {
        return complete;
    }

    /** Whether the index has been filled since the start (it may be being filled again). */
    boolean filledOnce() {
        return filledOnce;
    }

    /**
     * The page from the index, or empty when PostgreSQL must answer (the index is being filled, or the query is
     * beyond what it expresses). Refused with 503 while the index is complete but not proven current: serving it
     * could break the freshness bound, and PostgreSQL would be the slowest answer exactly when the node is overloaded.
     */
    Optional<byte[]> answer(ListingQuery query, PageRequest page) {
        if (!complete) {
            answeredFromDatabase.increment();
            return Optional.empty();
        }
        if (!current.getAsBoolean()) {
            shed.increment();
            if (behind.compareAndSet(false, true)) {
                behindSinceNanos = System.nanoTime();
                LOG.log(Level.WARNING, "search index not proven current within the freshness bound (overloaded "
                        + "node or database); searches are refused with 503 until it is");
            }
            throw ProblemException.serviceUnavailable("The search index is catching up with recent changes; "
                    + "retry shortly.").retryAfter(1);
        }
        if (behind.compareAndSet(true, false)) {
            LOG.log(Level.INFO, "search index current again after "
                    + (System.nanoTime() - behindSinceNanos) / 1_000_000 + " ms");
        }
        try {
            byte[] json = page(query, page);
            answeredFromMemory.increment();
            return Optional.of(json);
        } catch (SearchIndex.UnsupportedQuery e) {
            answeredFromDatabase.increment();
            return Optional.empty();
        }
    }

    /**
     * The listings page's JSON as {@code ListingHttpService} renders PostgreSQL's: the listings in the query's order
     * and the cursor after the last one shown. An unknown category is refused as PostgreSQL's path refuses it (asked of
     * PostgreSQL only when no listed product is in it: one that products are in exists).
     *
     * @throws SearchIndex.UnsupportedQuery when the text's query is beyond what the index expresses
     */
    byte[] page(ListingQuery query, PageRequest page) {
        query.categoryId().filter(id -> !index.listsCategory(id)).ifPresent(products::requireListingCategory);
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

    /**
     * {@code {"items":[…],"nextCursor":"…"}}, the shape JSON-B gives ListingPage (no cursor on the last page), written
     * into one array of the exact size: a page is tens of kilobytes, copied once.
     */
    private static byte[] render(List<byte[]> items, String nextCursor) {
        byte[] cursor = nextCursor == null ? null : JsonResponses.json(nextCursor);
        int length = ITEMS.length + Math.max(0, items.size() - 1) + 1
                + (cursor == null ? 0 : NEXT_CURSOR.length + cursor.length) + 1;
        for (byte[] item : items) {
            length += item.length;
        }
        byte[] json = new byte[length];
        int at = append(json, 0, ITEMS);
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                json[at++] = ',';
            }
            at = append(json, at, items.get(i));
        }
        json[at++] = ']';
        if (cursor != null) {
            at = append(json, append(json, at, NEXT_CURSOR), cursor);
        }
        json[at] = '}';
        return json;
    }

    private static int append(byte[] json, int at, byte[] part) {
        System.arraycopy(part, 0, json, at, part.length);
        return at + part.length;
    }

    @Override
    public void changed(String payload) {
        changed(List.of(payload));
    }

    /** Every product the payloads name, re-read at once; a batch (V47) by its id; {@code *} fills everything. */
    @Override
    public void changed(List<String> payloads) {
        if (payloads.contains(EVERYTHING)) {
            fill();
            return;
        }
        long started = System.nanoTime();
        try {
            Set<UUID> changed = new LinkedHashSet<>();
            for (String payload : payloads) {
                if (payload.startsWith(BATCH)) {
                    Optional<List<UUID>> batch = products.changeBatch(database.dsl(),
                            Long.parseLong(payload.substring(BATCH.length())));
                    if (batch.isEmpty()) { // expired: this node is far behind, so start again from the read model
                        fill();
                        return;
                    }
                    changed.addAll(batch.get());
                } else {
                    for (String id : payload.split(",")) {
                        changed.add(UUID.fromString(id));
                    }
                }
            }
            List<UUID> ids = List.copyOf(changed);
            reread(ids);
            index.publish();
            appliedChanges.add(ids.size());
        } catch (RuntimeException e) {
            database.drop();
            noteIncomplete();
            throw e; // the listener reconnects after a failure, which fills the index again
        } finally {
            lastApplyNanos.set(System.nanoTime() - started);
        }
    }

    /** Re-reads these products' documents: those still listed replaced, the others removed. */
    private void reread(List<UUID> ids) {
        for (int from = 0; from < ids.size(); from += REREAD_CHUNK) {
            List<UUID> chunk = ids.subList(from, Math.min(ids.size(), from + REREAD_CHUNK));
            chunk.forEach(index::remove);
            products.forEachSearchRow(database.dsl(), Optional.of(chunk), index::put);
        }
    }

    /**
     * At start, the index saved at the last stop brought up to date (a fill when there is none that may be used);
     * after a lost connection, the index in memory brought up to date. Either holds a version of every listing, so
     * catching up re-reads only what changed meanwhile (decision 78).
     */
    @Override
    public void mayHaveMissedChanges() {
        long started = System.nanoTime();
        long cpuStarted = THREADS.getCurrentThreadCpuTime();
        if (savedAtStart != null) {
            CompletableFuture<SavedSearchIndex> read = savedAtStart;
            savedAtStart = null; // taken once: a failure below reconnects, and the retry catches up or fills
            Optional<SavedSearchIndex.Found> saved = snapshots.usable(read.join());
            if (saved.isPresent()) {
                SearchIndex empty = index;
                index = saved.get().index();
                empty.close();
                startedFromSaved = true;
                catchUp(started, cpuStarted, saved.get().versions().orElseThrow()); // usable: saved beside it
                return;
            }
        }
        if (filledOnce || startedFromSaved) {
            catchUp(started, cpuStarted, index.versions());
        } else {
            fill();
        }
    }

    /**
     * Makes the index what a fill would make it, from the row versions of the listed products (one statement without
     * the documents): documents of rows that changed or are new re-read, those of products no longer listed removed.
     * Changes committed after this node began listening are announced anyway (and re-read again, harmlessly).
     */
    private void catchUp(long started, long cpuStarted, ListedVersions held) {
        noteIncomplete();
        try {
            List<UUID> changed = new ArrayList<>();
            long queried = System.nanoTime();
            products.forEachListedVersion(database.dsl(), (productId, version) -> {
                if (!held.seenIn(productId, version)) {
                    changed.add(productId);
                }
            });
            int removed = held.unseen();
            held.forEachUnseen(index::remove); // no longer listed
            reread(changed);
            index.publish();
            appliedChanges.add(changed.size() + removed);
            complete = true;
            filledOnce = true;
            LOG.log(Level.INFO, "search index brought up to date (" + changed.size() + " listings re-read, "
                    + removed + " removed, " + index.size() + " held) in "
                    + (System.nanoTime() - started) / 1_000_000 + " ms, "
                    + (THREADS.getCurrentThreadCpuTime() - cpuStarted) / 1_000_000 + " ms of its CPU (waiting for the "
                    + "saved index and checking it, or listing the versions held, " + (queried - started) / 1_000_000
                    + " ms; the versions listed and the re-reads " + (System.nanoTime() - queried) / 1_000_000 + " ms)");
        } catch (RuntimeException e) {
            database.drop();
            throw e;
        } finally {
            lastApplyNanos.set(System.nanoTime() - started);
        }
    }

    /** Fills the index from the read model; searches go to PostgreSQL meanwhile. */
    private void fill() {
        noteIncomplete();
        rebuilds.increment();
        long started = System.nanoTime();
        try {
            index.clear();
            products.forEachSearchRow(database.dsl(), Optional.empty(), index::put);
            index.publish();
        } catch (RuntimeException e) {
            database.drop();
            throw e;
        } finally {
            lastApplyNanos.set(System.nanoTime() - started);
        }
        complete = true;
        filledOnce = true;
        // Saved at once (and again at a clean stop), so that even a start after a crash finds an index to catch up.
        SearchIndex filled = index;
        Thread.ofVirtual().name("search-index-save").start(() -> {
            if (!closing) {
                snapshots.save(filled);
            }
        });
        LOG.log(Level.INFO, "search index filled with " + index.size() + " listings in "
                + (System.nanoTime() - started) / 1_000_000 + " ms; it answers searches again after "
                + (System.nanoTime() - incompleteSinceNanos) / 1_000_000 + " ms of PostgreSQL answering");
    }

    private void noteIncomplete() {
        if (complete) {
            complete = false;
            incompleteSinceNanos = System.nanoTime();
            LOG.log(Level.WARNING, "search index incomplete (being filled again); PostgreSQL answers searches meanwhile");
        }
    }

    /** The index itself (tests compare it with one filled from scratch). */
    SearchIndex index() {
        return index;
    }

    /** The heap the index takes, in bytes. */
    long indexBytes() {
        return index.bytes();
    }

    /** How many segments searches read (each costs every search a look-up per query part). */
    int segments() {
        return index.segments();
    }

    /** How many listed products the index holds. */
    int size() {
        return index.size();
    }

    /** Saves the index for the next start when it holds every listing, then closes it. */
    @Override
    public void close() {
        closing = true;
        if (complete) {
            snapshots.save(index);
        }
        index.close();
    }
}
