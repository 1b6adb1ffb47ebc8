package dev.marketplace.server.catalog;

import static dev.marketplace.schema.Tables.PRODUCT_VARIANT;
import static dev.marketplace.schema.Tables.STOCK_LEVEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.api.ListingsApi;
import dev.marketplace.sdk.api.ListingsApi.ListListingsParams;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.Listing;
import dev.marketplace.sdk.model.ListingPage;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.MerchantStatusChange;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductCreate;
import dev.marketplace.sdk.model.ProductUpdate;
import dev.marketplace.sdk.model.ProductVariantInput;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Listings and search pages are answered from memory (decision 19), never staler than documented: a change made
 * through this server is seen by the next read at once (read-your-writes), and a change committed by anyone else
 * — another server node, a checkout, SQL — within {@link ChangeNotifications#MAX_LAG}. Every test first reads what
 * it will change twice, so the answers are held in memory when the change happens.
 */
class ListingCacheIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static TestCatalog catalog;
    private static ListingsApi listings;
    private static Category sweets;

    @BeforeAll
    static void catalogue() throws Exception {
        catalog = new TestCatalog(server);
        listings = catalog.storefront().listings();
        sweets = server.client().categories().createCategory(
                new CategoryCreate().name("Sweets").commissionRateBasisPoints(1000));
    }

    @Test
    void aRepricedProductIsServedAtItsNewPriceAtOnce() throws Exception {
        ActiveMerchant merchant = catalog.activeMerchant("Reprice Sweets KK", sweets.getId());
        Product dorayaki = catalog.published(merchant, product("どら焼き詰め合わせ", "DORA-1", 900));
        readTwice(dorayaki.getId(), "どら焼き");

        merchant.client().products().updateProduct(dorayaki.getId(), new ProductUpdate()
                .variants(List.of(new ProductVariantInput().sku("DORA-1").price(yen(850))))
                .version(dorayaki.getVersion()));

        assertThat(listings.getListing(dorayaki.getId()).getPrice()).isEqualTo(yen(850));
        assertThat(search("どら焼き")).extracting(Listing::getPrice).containsExactly(yen(850));
    }

    @Test
    void aPriceChangedByAnotherWriterIsServedWithinTheMaximumLag() throws Exception {
        ActiveMerchant merchant = catalog.activeMerchant("Other Writer Sweets KK", sweets.getId());
        Product monaka = catalog.published(merchant, product("最中アソート", "MONAKA-1", 1_200));
        readTwice(monaka.getId(), "最中");

        // Not through this server: as another node (or a script) would commit it.
        server.db().update(PRODUCT_VARIANT).set(PRODUCT_VARIANT.PRICE_AMOUNT, 1_100L)
                .where(PRODUCT_VARIANT.PRODUCT_ID.eq(monaka.getId())).execute();

        freshWithinMaxLag(() -> listings.getListing(monaka.getId()).getPrice().equals(yen(1_100)));
        freshWithinMaxLag(() -> search("最中").getFirst().getPrice().equals(yen(1_100)));
    }

    @Test
    void unpublishedProductsAndFrozenMerchantsAreGoneAtOnce() throws Exception {
        ActiveMerchant merchant = catalog.activeMerchant("Vanishing Sweets KK", sweets.getId());
        Product yokan = catalog.published(merchant, product("栗羊羹", "YOKAN-1", 1_500));
        Product senbei = catalog.published(merchant, product("ざらめ煎餅", "SENBEI-1", 400));
        readTwice(yokan.getId(), "羊羹");
        readTwice(senbei.getId(), "煎餅");

        merchant.client().products().updateProduct(yokan.getId(), new ProductUpdate()
                .title(Map.of("ja", "栗羊羹（新）")).version(yokan.getVersion())); // back to draft: unlisted
        assertThat(catchThrowableOfType(NotFoundException.class, () -> listings.getListing(yokan.getId())).status())
                .isEqualTo(404);
        assertThat(search("羊羹")).isEmpty();

        server.client().merchants().freezeMerchant(merchant.id(), new MerchantStatusChange()
                .reason("Inspection").version(merchant.merchant().getVersion()));
        assertThat(catchThrowableOfType(NotFoundException.class, () -> listings.getListing(senbei.getId())).status())
                .isEqualTo(404);
        assertThat(search("煎餅")).isEmpty();
    }

    @Test
    void theInStockFilterFollowsStockChangesOfThisServerAtOnceAndOfOthersWithinTheMaximumLag() throws Exception {
        ActiveMerchant merchant = catalog.activeMerchant("Stocked Sweets KK", sweets.getId());
        Product kasutera = catalog.published(merchant, product("カステラ", "KASU-1", 2_000));
        UUID variant = kasutera.getVariants().getFirst().getId();
        UUID warehouse = merchant.client().inventory()
                .createLocation(new LocationCreate().code("WH").name("Warehouse")).getId();
        assertThat(inStock(merchant)).isEmpty();
        assertThat(inStock(merchant)).isEmpty();

        merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                .variantId(variant).locationId(warehouse).onHand(3L).sourceSequence(1L))));
        assertThat(inStock(merchant)).containsExactly(kasutera.getId());
        assertThat(inStock(merchant)).containsExactly(kasutera.getId());

        // Reserved by checkouts (which do not wait for the listings): sold out for the storefront within the lag.
        server.db().update(STOCK_LEVEL).set(STOCK_LEVEL.RESERVED, 3L).where(STOCK_LEVEL.VARIANT_ID.eq(variant)).execute();
        freshWithinMaxLag(() -> inStock(merchant).isEmpty());
    }

    @Test
    void answersComeFromMemoryUntilAChangeIsAnnounced() throws Exception {
        ActiveMerchant merchant = catalog.activeMerchant("Quiet Sweets KK", sweets.getId());
        Product daifuku = catalog.published(merchant, product("いちご大福", "DAIFUKU-1", 300));
        readTwice(daifuku.getId(), "大福");

        // Replication mode fires no triggers, so nothing is announced: the answer held in memory stays.
        server.db().transaction(tx -> {
            tx.dsl().execute("SET LOCAL session_replication_role = replica");
            tx.dsl().update(PRODUCT_VARIANT).set(PRODUCT_VARIANT.PRICE_AMOUNT, 10L)
                    .where(PRODUCT_VARIANT.PRODUCT_ID.eq(daifuku.getId())).execute();
        });
        assertThat(listings.getListing(daifuku.getId()).getPrice()).isEqualTo(yen(300));

        server.db().update(PRODUCT_VARIANT).set(PRODUCT_VARIANT.PRICE_AMOUNT, 320L)
                .where(PRODUCT_VARIANT.PRODUCT_ID.eq(daifuku.getId())).execute();
        freshWithinMaxLag(() -> listings.getListing(daifuku.getId()).getPrice().equals(yen(320)));
    }

    /**
     * Asks until the answer is fresh; fails if an answer asked for {@link ChangeNotifications#MAX_LAG} after the
     * change is still stale.
     */
    private static void freshWithinMaxLag(Callable<Boolean> fresh) throws Exception {
        long changed = System.nanoTime();
        while (true) {
            Duration asked = Duration.ofNanos(System.nanoTime() - changed);
            if (fresh.call()) {
                return;
            }
            assertThat(asked).as("a stale answer asked for after the change").isLessThan(ChangeNotifications.MAX_LAG);
            Thread.sleep(20);
        }
    }

    private static void readTwice(UUID productId, String text) throws Exception {
        for (int i = 0; i < 2; i++) {
            assertThat(listings.getListing(productId).getProductId()).isEqualTo(productId);
            assertThat(search(text)).extracting(Listing::getProductId).containsExactly(productId);
        }
    }

    private static ProductCreate product(String title, String sku, long price) {
        return new ProductCreate().categoryId(sweets.getId()).title(Map.of("ja", title))
                .variants(List.of(new ProductVariantInput().sku(sku).price(yen(price))));
    }

    private static List<Listing> search(String text) throws Exception {
        return listings.listListings(ListListingsParams.builder().q(text).build()).getItems();
    }

    private static List<UUID> inStock(ActiveMerchant merchant) throws Exception {
        ListingPage page = listings.listListings(
                ListListingsParams.builder().merchantId(merchant.id()).inStock(true).build());
        return page.getItems().stream().map(Listing::getProductId).toList();
    }

    private static Money yen(long amount) {
        return new Money().amount(amount).currency("JPY");
    }
}
