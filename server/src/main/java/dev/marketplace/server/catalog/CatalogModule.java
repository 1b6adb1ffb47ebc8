package dev.marketplace.server.catalog;

import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.platform.http.Admission;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.http.ConcurrencyLimit;
import io.helidon.config.Config;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Products, their moderation, and the storefront's listings served from a cache and a search index kept current by
 * committed-change notifications (decisions 19, 47, 57). Reads {@code catalog.*}.
 *
 * <p>Metrics (decision 57): {@code catalog_search_index_ready} (1 while the index holds every listing),
 * {@code catalog_search_index_current} (1 while the notifications prove it within the freshness bound),
 * {@code catalog_search_index_confirmed_age_seconds} (how long ago the last proof was sent),
 * {@code catalog_search_index_apply_seconds} (the last re-read of changes), {@code catalog_search_index_documents},
 * {@code catalog_search_index_bytes}, {@code catalog_search_index_segments} (decision 69) and
 * {@code catalog_listings_cached_bytes} (decision 59), {@code catalog_listings_lookups_total{result=hit|miss}}
 * (decision 68),
 * {@code catalog_search_index_rebuilds_total}, {@code catalog_search_index_changes_applied_total},
 * {@code catalog_listings_searches_total{engine=memory|database}} and
 * {@code catalog_listings_shed_total{reason=index_behind|database_busy|memory_busy}}; decision 83:
 * {@code catalog_listings_unproven_reads_total{result=database|shed}} (listing reads while the cache was not proven
 * current), {@code catalog_listings_cache_confirmed_age_seconds}, and per copy ({@code copy=cache|index}) its
 * heartbeats' time ({@code catalog_listings_freshness_heartbeats_total},
 * {@code catalog_listings_freshness_heartbeat_millis_total{part=send_delay|commit|come_back}}) and the time it was not
 * proven current ({@code catalog_listings_freshness_unproven_millis_total}, {@code …_unproven_spells_total}).
 */
public final class CatalogModule implements Module {

    /** How long a read waits for the notifications to prove the in-memory copies current before it gives up. */
    private static final Duration AWAIT_FRESHNESS = ChangeNotifications.MAX_LAG.dividedBy(2);

    private final ProductService products;
    private final ListingCache listingCache;
    private final ListingSearch listingSearch;
    /** The listing cache's notifications, and the search index's (the same channel, listened to twice). */
    private final ChangeNotifications cacheChanges;
    private final ChangeNotifications indexChanges;
    private final ConcurrencyLimit databaseSearches;
    private final ConcurrencyLimit memorySearches;
    private final MeterRegistry meters = Metrics.globalRegistry();
    private final List<Meter> registered = new ArrayList<>();

    /**
     * With {@code savedSearchIndex} the index saved at the last stop, being read from disk (by
     * {@link SavedSearchIndex#read}) beside the database's start: the index's listener takes it once it listens.
     */
    public CatalogModule(Config catalog, Path dataDirectory, CompletableFuture<SavedSearchIndex> savedSearchIndex,
                         Database database, CategoryService categories, MerchantService merchants) {
        this.products = new ProductService(database.dsl(), categories, merchants, ComplianceCheck.from(catalog));
        Config memory = catalog.get("listings");
        // The cache and the index each listen on a connection and thread of their own: the index's fill and re-reads
        // (seconds for the whole catalog) must not hold up the heartbeat that every cached listing read waits for.
        ListenerDatabase cacheDatabase = new ListenerDatabase(database::openDedicatedConnection);
        this.listingCache = new ListingCache(memory.get("cached-listing-bytes").asLong().get(),
                memory.get("cached-page-bytes").asLong().get(), batchId -> {
                    try {
                        return products.changeBatch(cacheDatabase.dsl(), batchId);
                    } catch (RuntimeException e) {
                        cacheDatabase.drop();
                        throw e; // the listener reconnects, and the cache drops everything
                    }
                }, new ConcurrencyLimit("listing reads from the database while the cache catches up",
                        memory.get("concurrent-unproven-reads").asInt().get(),
                        memory.get("unproven-read-queue").as(Duration.class).get()));
        this.listingSearch = new ListingSearch(products, listingCache, database::openDedicatedConnection,
                new SearchIndexSnapshots(SavedSearchIndex.directory(catalog, dataDirectory), database.dsl()),
                savedSearchIndex, memory.get("cached-search-text-chars").asLong().get());
        this.databaseSearches = ListingHttpService.databaseSearches(
                memory.get("concurrent-database-searches").asInt().get());
        this.memorySearches = new ConcurrencyLimit("listings queries in memory",
                memory.get("concurrent-memory-searches").asInt().get(),
                memory.get("memory-search-queue").as(Duration.class).get());
        this.cacheChanges = ChangeNotifications.listen(ListingCache.CHANNEL, database, listingCache);
        this.indexChanges = ChangeNotifications.listen(ListingCache.CHANNEL, database, listingSearch);
        // A late proof of freshness is waited for (briefly), not answered by PostgreSQL: under overload the heartbeat
        // is late because everything is, and the database is then the slowest way to answer (decision 57).
        listingCache.servedWhile(() -> cacheChanges.awaitCurrent(AWAIT_FRESHNESS));
        listingSearch.servedWhile(() -> indexChanges.awaitCurrent(AWAIT_FRESHNESS));
        registerMetrics();
    }

    private void registerMetrics() {
        gauge("catalog.search.index.ready", "1 while the search index holds every listing", s -> s.complete() ? 1 : 0);
        gauge("catalog.search.index.current", "1 while committed-change notifications prove the search index less "
                + "than 1 s behind", s -> indexChanges.isCurrent() ? 1 : 0);
        gauge("catalog.search.index.confirmed.age.seconds", "How long ago the last returned heartbeat was sent: how "
                + "far behind committed changes the index may be (-1 before the first)",
                s -> indexChanges.confirmedAge().map(age -> age.toNanos() / 1e9).orElse(-1.0));
        gauge("catalog.search.index.apply.seconds", "How long the last re-read of changed listings took",
                s -> s.lastApplyNanos.get() / 1e9);
        gauge("catalog.search.index.documents", "Listings in the search index", s -> s.size());
        gauge("catalog.search.index.segments", "Segments of the search index (each costs every search a look-up)",
                s -> s.segments());
        gauge("catalog.search.index.bytes", "Heap taken by the search index (its in-memory files and write buffer)",
                ListingSearch::indexBytes);
        registered.add(meters.getOrCreate(Gauge.builder("catalog.listings.cached.bytes", listingCache,
                ListingCache::weighedBytes).description("Kept listings' and pages' packed JSON with their entries' "
                + "overhead")));
        for (boolean found : new boolean[] {true, false}) {
            registered.add(meters.getOrCreate(FunctionalCounter.builder("catalog.listings.lookups", listingCache,
                            cache -> cache.listingLookups(found))
                    .tags(List.of(Tag.create("result", found ? "hit" : "miss")))
                    .description("Listings looked up in the listing cache while it was served: kept, or read from "
                            + "PostgreSQL")));
        }
        counter("catalog.search.index.rebuilds", "Fills of the whole search index (start, reconnection)", List.of(),
                s -> s.rebuilds);
        counter("catalog.search.index.changes.applied", "Changed listings re-read into the search index", List.of(),
                s -> s.appliedChanges);
        counter("catalog.listings.searches", "Listings queries answered from the search index",
                List.of(Tag.create("engine", "memory")), s -> s.answeredFromMemory);
        counter("catalog.listings.searches", "Listings queries answered by PostgreSQL",
                List.of(Tag.create("engine", "database")), s -> s.answeredFromDatabase);
        counter("catalog.listings.shed", "Listings queries refused (503) while the index was not proven current",
                List.of(Tag.create("reason", "index_behind")), s -> s.shed);
        registered.add(meters.getOrCreate(FunctionalCounter.builder("catalog.listings.shed", databaseSearches,
                        ConcurrencyLimit::refused)
                .tags(List.of(Tag.create("reason", "database_busy")))
                .description("Listings queries refused (503) while PostgreSQL answered as many as it may")));
        registered.add(meters.getOrCreate(FunctionalCounter.builder("catalog.listings.shed", memorySearches,
                        ConcurrencyLimit::refused)
                .tags(List.of(Tag.create("reason", "memory_busy")))
                .description("Listings queries refused (503) while the index answered as many as it may")));
        registered.add(meters.getOrCreate(FunctionalCounter.builder("catalog.listings.unproven.reads", listingCache,
                        ListingCache::readsWhileUnproven)
                .tags(List.of(Tag.create("result", "database")))
                .description("Listing reads PostgreSQL answered because the cache was not proven current (its "
                        + "heartbeat late)")));
        registered.add(meters.getOrCreate(FunctionalCounter.builder("catalog.listings.unproven.reads", listingCache,
                        ListingCache::readsShedWhileUnproven)
                .tags(List.of(Tag.create("result", "shed")))
                .description("Listing reads refused (503) while the cache was not proven current and PostgreSQL "
                        + "answered as many such reads as it may")));
        registered.add(meters.getOrCreate(Gauge.builder("catalog.listings.cache.confirmed.age.seconds", cacheChanges,
                        changes -> changes.confirmedAge().map(age -> age.toNanos() / 1e9).orElse(-1.0))
                .description("How long ago the listing cache's last returned heartbeat was sent (-1 before the "
                        + "first)")));
        heartbeatMetrics("cache", cacheChanges);
        heartbeatMetrics("index", indexChanges);
        registered.add(meters.getOrCreate(Gauge.builder("catalog.listings.search.permits", memorySearches,
                        ConcurrencyLimit::permits)
                .description("Listings queries the index may answer at once now: the limit follows how long they "
                        + "take (decision 77)")));
    }

    /** Where the proof of a copy's freshness loses its time (decision 83), from its notifications' heartbeats. */
    private void heartbeatMetrics(String copy, ChangeNotifications changes) {
        Tag copyTag = Tag.create("copy", copy);
        heartbeatCounter("catalog.listings.freshness.heartbeats", List.of(copyTag),
                "Heartbeats of the copy's notifications that came back", changes,
                ChangeNotifications.Heartbeats::returned);
        Map<String, Function<ChangeNotifications.Heartbeats, Duration>> parts = Map.of(
                "send_delay", ChangeNotifications.Heartbeats::sendDelay,
                "commit", ChangeNotifications.Heartbeats::commit,
                "come_back", ChangeNotifications.Heartbeats::comeBack);
        parts.forEach((part, time) -> heartbeatCounter("catalog.listings.freshness.heartbeat.millis",
                List.of(copyTag, Tag.create("part", part)), "Heartbeats' time in all, in ms: sent after due "
                        + "(send_delay), committing (commit), coming back after the commit (come_back)", changes,
                beats -> time.apply(beats).toMillis()));
        heartbeatCounter("catalog.listings.freshness.unproven.millis", List.of(copyTag),
                "Time the copy was not proven less than 1 s behind committed changes (not served meanwhile), in ms",
                changes, beats -> beats.unproven().toMillis());
        heartbeatCounter("catalog.listings.freshness.unproven.spells", List.of(copyTag),
                "Times the copy's proof of freshness grew older than 1 s", changes,
                ChangeNotifications.Heartbeats::unprovenSpells);
    }

    private void heartbeatCounter(String name, List<Tag> tags, String description, ChangeNotifications changes,
                                  ToLongFunction<ChangeNotifications.Heartbeats> value) {
        registered.add(meters.getOrCreate(FunctionalCounter.builder(name, changes,
                n -> value.applyAsLong(n.heartbeats())).tags(tags).description(description)));
    }

    private void gauge(String name, String description, ToDoubleFunction<ListingSearch> value) {
        registered.add(meters.getOrCreate(Gauge.builder(name, listingSearch, value).description(description)));
    }

    private void counter(String name, String description, List<Tag> tags, Function<ListingSearch, LongAdder> count) {
        registered.add(meters.getOrCreate(FunctionalCounter.builder(name, listingSearch, s -> count.apply(s).sum())
                .tags(tags).description(description)));
    }

    @Override
    public String name() {
        return "catalog";
    }

    public ProductService products() {
        return products;
    }

    /**
     * Whether the search index has been filled since the node started: until then PostgreSQL answers every search, so
     * the node is not ready for storefront traffic (decision 59). A later refill (after a lost connection) does not
     * take the node out of rotation: every node refills at once then, and PostgreSQL answering beats no answer.
     */
    public boolean searchIndexFilled() {
        return listingSearch.filledOnce();
    }

    /** The node's listings search (tests compare its index with one filled from scratch). */
    ListingSearch listingSearch() {
        return listingSearch;
    }

    /** The notifications that keep listings current; a write waits for them before it answers (ReadYourWrites). */
    public List<ChangeNotifications> listingChanges() {
        return List.of(cacheChanges, indexChanges);
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(ProductHttpService.PATH, new ProductHttpService(products))
                .register(ListingHttpService.PATH,
                        new ListingHttpService(products, listingCache, listingSearch, memorySearches,
                                databaseSearches));
    }

    /** A listing by id comes from the listing cache, a search page from the index: both from memory (decision 92). */
    @Override
    public Map<String, Admission.Cost> admissionCosts() {
        return Map.of("GET " + ListingHttpService.PATH + "/{productId}", Admission.Cost.CACHED_READ,
                "GET " + ListingHttpService.PATH, Admission.Cost.SEARCH);
    }

    @Override
    public void close() {
        registered.forEach(meters::remove); // a later server in the same JVM (tests) registers its own
        cacheChanges.close();
        indexChanges.close();
        listingSearch.close();
    }
}
