package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.api.ListingsApi;
import dev.marketplace.sdk.api.ListingsApi.ListListingsParams;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.FieldError;
import dev.marketplace.sdk.model.Listing;
import dev.marketplace.sdk.model.ListingPage;
import dev.marketplace.sdk.model.ListingSort;
import dev.marketplace.sdk.model.Merchant;
import dev.marketplace.sdk.model.MerchantStatusChange;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductStatusChange;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The storefront's listings through the generated SDK: only published products of active merchants, filters
 * (category subtree, merchant, price range), sorts and cursor paging. Products are set up once; tests that
 * change merchants' status use their own merchant.
 */
class ListingsIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static TestCatalog catalog;
    private static ListingsApi listings;
    private static Category drinks;
    private static Category tea;
    private static Category greenTea;
    private static Category snacks;
    private static ActiveMerchant kyotoTea;
    private static ActiveMerchant osakaSnacks;
    private static Product sencha;
    private static Product blackTea;
    private static Product usdTea;
    private static Product crackers;
    private static Product cola;

    @BeforeAll
    static void catalogue() throws Exception {
        catalog = new TestCatalog(server);
        listings = catalog.storefront().listings();
        drinks = category("Drinks", null);
        tea = category("Tea", drinks.getId());
        greenTea = category("Green tea", tea.getId());
        snacks = category("Snacks", null);
        kyotoTea = catalog.activeMerchant("Kyoto Tea Co., Ltd.", tea.getId());
        osakaSnacks = catalog.activeMerchant("Osaka Snacks KK", snacks.getId());
        sencha = catalog.published(kyotoTea, TestCatalog.product(greenTea.getId(), "Sencha", "SEN-1", 1_200, "JPY")
                .title(Map.of("ja", "宇治煎茶", "zh", "宇治煎茶（绿茶）", "en", "Uji Sencha")));
        blackTea = catalog.published(kyotoTea, TestCatalog.product(tea.getId(), "Black tea", "BLK-1", 800, "JPY"));
        usdTea = catalog.published(kyotoTea, TestCatalog.product(tea.getId(), "Export tea", "EXP-1", 1_000, "USD"));
        crackers = catalog.published(osakaSnacks, TestCatalog.product(snacks.getId(), "Rice crackers", "RC-1", 300, "JPY"));
        cola = catalog.published(osakaSnacks, TestCatalog.product(drinks.getId(), "Yuzu cola", "YC-1", 250, "JPY"));
        kyotoTea.client().products().createProduct(TestCatalog.product(tea.getId(), "Unsubmitted", "DRAFT-1", 10, "JPY"));
        Product pending = kyotoTea.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Awaiting review", "PEND-1", 20, "JPY"));
        kyotoTea.client().products().submitProduct(pending.getId(), new ProductStatusChange().version(1L));
    }

    @Test
    void onlyPublishedProductsAreListedNewestFirst() throws Exception {
        List<Listing> all = listings.listListings().getItems();

        assertThat(all).extracting(Listing::getProductId).containsExactly(
                cola.getId(), crackers.getId(), usdTea.getId(), blackTea.getId(), sencha.getId());
        Listing listed = listings.getListing(sencha.getId());
        assertThat(listed.getTitle()).isEqualTo(sencha.getTitle());
        assertThat(listed.getMerchantId()).isEqualTo(kyotoTea.id());
        assertThat(listed.getPrice()).isEqualTo(new Money().amount(1_200L).currency("JPY"));
        assertThat(listed.getPublishedAt()).isEqualTo(sencha.getPublishedAt());
    }

    @Test
    void aCategoryFilterIncludesItsDescendants() throws Exception {
        assertThat(ids(listings.listListings(ListListingsParams.builder().categoryId(drinks.getId()).build())))
                .containsExactly(cola.getId(), usdTea.getId(), blackTea.getId(), sencha.getId());
        assertThat(ids(listings.listListings(ListListingsParams.builder().categoryId(tea.getId()).build())))
                .containsExactly(usdTea.getId(), blackTea.getId(), sencha.getId());
        assertThat(ids(listings.listListings(ListListingsParams.builder().categoryId(greenTea.getId()).build())))
                .containsExactly(sencha.getId());
        ValidationException unknown = catchThrowableOfType(ValidationException.class,
                () -> listings.listListings(ListListingsParams.builder().categoryId(UUID.randomUUID()).build()));
        assertThat(unknown.fieldErrors()).extracting(FieldError::getField, FieldError::getCode)
                .containsExactly(tuple("categoryId", "not_found"));
    }

    @Test
    void aSearchFindsWordsOfTitlesInAnyLanguageIncludingJapaneseAndChinese() throws Exception {
        assertThat(ids(listings.listListings(ListListingsParams.builder().q("煎茶").build())))
                .containsExactly(sencha.getId());
        assertThat(ids(listings.listListings(ListListingsParams.builder().q("绿茶").build())))
                .containsExactly(sencha.getId());
        assertThat(ids(listings.listListings(ListListingsParams.builder().q("ＵＪＩ sencha").build())))
                .containsExactly(sencha.getId());
        assertThat(ids(listings.listListings(ListListingsParams.builder().q("tea").build())))
                .containsExactlyInAnyOrder(usdTea.getId(), blackTea.getId());
        assertThat(ids(listings.listListings(ListListingsParams.builder().q("%").build()))).isEmpty();
    }

    @Test
    void merchantAndPriceRangeFilters() throws Exception {
        assertThat(ids(listings.listListings(ListListingsParams.builder().merchantId(osakaSnacks.id()).build())))
                .containsExactly(cola.getId(), crackers.getId());
        assertThat(ids(listings.listListings(
                ListListingsParams.builder().currency("JPY").minPrice(300L).maxPrice(1_200L).build())))
                .containsExactly(crackers.getId(), blackTea.getId(), sencha.getId());
        assertThat(ids(listings.listListings(ListListingsParams.builder().currency("USD").build())))
                .containsExactly(usdTea.getId());

        ValidationException noCurrency = catchThrowableOfType(ValidationException.class,
                () -> listings.listListings(
                        ListListingsParams.builder().minPrice(100L).sort(ListingSort.PRICE_ASC).build()));
        assertThat(noCurrency.fieldErrors()).extracting(FieldError::getField, FieldError::getCode)
                .containsExactly(tuple("currency", "required"));
    }

    @Test
    void everySortPagesWithoutGapsOrRepeats() throws Exception {
        assertThat(allPages(ListingSort.PRICE_ASC, "JPY")).containsExactly(
                cola.getId(), crackers.getId(), blackTea.getId(), sencha.getId());
        assertThat(allPages(ListingSort.PRICE_DESC, "JPY")).containsExactly(
                sencha.getId(), blackTea.getId(), crackers.getId(), cola.getId());
        assertThat(allPages(ListingSort.NEWEST, null)).containsExactly(
                cola.getId(), crackers.getId(), usdTea.getId(), blackTea.getId(), sencha.getId());

        String priceCursor = listings.listListings(
                ListListingsParams.builder().currency("JPY").sort(ListingSort.PRICE_ASC).limit(1).build())
                .getNextCursor();
        ValidationException otherSort = catchThrowableOfType(ValidationException.class, () -> listings.listListings(
                ListListingsParams.builder().currency("JPY").sort(ListingSort.NEWEST).limit(1).cursor(priceCursor).build()));
        assertThat(otherSort.fieldErrors()).extracting(FieldError::getField).containsExactly("cursor");
    }

    @Test
    void aFrozenMerchantsListingsDisappearAndComeBackOnReactivation() throws Exception {
        ActiveMerchant seasonal = catalog.activeMerchant("Seasonal Sweets KK", snacks.getId());
        Product mochi = catalog.published(seasonal, TestCatalog.product(snacks.getId(), "Sakura mochi", "MOCHI-1", 400, "JPY"));
        Listing before = listings.getListing(mochi.getId());

        Merchant frozen = server.client().merchants().freezeMerchant(seasonal.id(),
                new MerchantStatusChange().reason("Food safety inspection").version(seasonal.merchant().getVersion()));

        assertThat(ids(listings.listListings(ListListingsParams.builder().categoryId(snacks.getId()).build())))
                .doesNotContain(mochi.getId());
        assertThat(catchThrowableOfType(NotFoundException.class, () -> listings.getListing(mochi.getId())).status())
                .isEqualTo(404);
        assertThat(seasonal.client().products().getProduct(mochi.getId())).isEqualTo(mochi);

        Merchant reactivated = server.client().merchants().reactivateMerchant(seasonal.id(),
                new MerchantStatusChange().reason("Inspection passed").version(frozen.getVersion()));
        assertThat(ids(listings.listListings(ListListingsParams.builder().categoryId(snacks.getId()).build())))
                .contains(mochi.getId());
        assertThat(listings.getListing(mochi.getId())).isEqualTo(before);

        server.client().merchants().suspendMerchant(seasonal.id(),
                new MerchantStatusChange().reason("Fees overdue").version(reactivated.getVersion()));
        assertThat(ids(listings.listListings(
                ListListingsParams.builder().merchantId(seasonal.id()).build()))).isEmpty();
    }

    private static List<UUID> allPages(ListingSort sort, String currency) throws Exception {
        List<UUID> seen = new ArrayList<>();
        String cursor = null;
        do {
            ListingPage page = listings.listListings(
                    ListListingsParams.builder().currency(currency).sort(sort).limit(2).cursor(cursor).build());
            assertThat(page.getItems()).hasSizeLessThanOrEqualTo(2);
            seen.addAll(ids(page));
            cursor = page.getNextCursor();
        } while (cursor != null);
        return seen.stream().filter(id -> List.of(cola.getId(), crackers.getId(), usdTea.getId(), blackTea.getId(),
                sencha.getId()).contains(id)).toList();
    }

    private static List<UUID> ids(ListingPage page) {
        return page.getItems().stream().map(Listing::getProductId).toList();
    }

    private static Category category(String name, UUID parentId) throws Exception {
        return server.client().categories().createCategory(
                new CategoryCreate().name(name).parentId(parentId).commissionRateBasisPoints(1000));
    }
}
