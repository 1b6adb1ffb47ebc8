package dev.marketplace.server.catalog;

import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import dev.marketplace.server.platform.persistence.Database;
import io.helidon.config.Config;

/**
 * Products, their moderation, and the storefront's listings served from a cache kept current by committed-change
 * notifications (decision 19). Reads {@code catalog.*}.
 */
public final class CatalogModule implements Module {

    /** About 2 KB each: at most some 20 MB of listings. */
    private static final int CACHED_LISTINGS = 10_000;
    /** About 30 KB each (20 listings): at most some 30 MB of search and category pages. */
    private static final int CACHED_LISTING_PAGES = 1_000;

    private final ProductService products;
    private final ListingCache listingCache;
    private final ChangeNotifications listingChanges;

    public CatalogModule(Config catalog, Database database, CategoryService categories, MerchantService merchants) {
        this.products = new ProductService(database.dsl(), categories, merchants, ComplianceCheck.from(catalog));
        this.listingCache = new ListingCache(CACHED_LISTINGS, CACHED_LISTING_PAGES);
        this.listingChanges = ChangeNotifications.listen(ListingCache.CHANNEL, database, listingCache);
        listingCache.servedWhile(listingChanges::isCurrent);
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
                .register(ListingHttpService.PATH, new ListingHttpService(products, listingCache));
    }

    @Override
    public void close() {
        listingChanges.close();
    }
}
