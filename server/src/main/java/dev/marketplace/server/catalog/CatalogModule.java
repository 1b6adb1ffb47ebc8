package dev.marketplace.server.catalog;

import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import dev.marketplace.server.platform.persistence.Database;
import io.helidon.config.Config;

/**
 * Products, their moderation, and the storefront's listings served from a cache and a search index kept current by
 * committed-change notifications (decisions 19, 47). Reads {@code catalog.*}.
 */
public final class CatalogModule implements Module {

    private final ProductService products;
    private final ListingCache listingCache;
    private final ListingSearch listingSearch;
    private final ChangeNotifications listingChanges;
    private final int concurrentDatabaseSearches;

    public CatalogModule(Config catalog, Database database, CategoryService categories, MerchantService merchants) {
        this.products = new ProductService(database.dsl(), categories, merchants, ComplianceCheck.from(catalog));
        Config memory = catalog.get("listings");
        this.listingCache = new ListingCache(memory.get("cached-listing-bytes").asLong().get(),
                memory.get("cached-page-bytes").asLong().get());
        this.listingSearch = new ListingSearch(products, listingCache,
                memory.get("cached-search-text-chars").asLong().get());
        this.concurrentDatabaseSearches = memory.get("concurrent-database-searches").asInt().get();
        // The cache drops what changed before the index re-reads it, so a page never pairs new hits with old JSON
        // longer than that re-read takes.
        this.listingChanges = ChangeNotifications.listen(ListingCache.CHANNEL, database,
                ChangeNotifications.Subscriber.all(listingCache, listingSearch));
        listingCache.servedWhile(listingChanges::isCurrent);
        listingSearch.servedWhile(listingChanges::isCurrent);
    }

    @Override
    public String name() {
        return "catalog";
    }

    public ProductService products() {
        return products;
    }

    /** The notifications that keep listings current; a write waits for them before it answers (ReadYourWrites). */
    public ChangeNotifications listingChanges() {
        return listingChanges;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(ProductHttpService.PATH, new ProductHttpService(products))
                .register(ListingHttpService.PATH,
                        new ListingHttpService(products, listingCache, listingSearch, concurrentDatabaseSearches));
    }

    @Override
    public void close() {
        listingChanges.close();
        listingSearch.close();
    }
}
