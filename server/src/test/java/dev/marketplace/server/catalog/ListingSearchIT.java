package dev.marketplace.server.catalog;

import static dev.marketplace.schema.Tables.LISTING_SEARCH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.api.ListingsApi;
import dev.marketplace.sdk.api.ListingsApi.ListListingsParams;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.FieldError;
import dev.marketplace.sdk.model.Listing;
import dev.marketplace.sdk.model.ListingPage;
import dev.marketplace.sdk.model.ListingSort;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.Merchant;
import dev.marketplace.sdk.model.MerchantStatusChange;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductCreate;
import dev.marketplace.sdk.model.ProductUpdate;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.sdk.model.StockUpdateOutcome;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Full-text search of the listings through the generated SDK: Japanese and Chinese text inside titles without word
 * breaks, English stems, descriptions ranked below titles, case and width folding, relevance paging, and the
 * read model staying current when stock runs out or a merchant is frozen.
 */
class ListingSearchIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static TestCatalog catalog;
    private static ListingsApi listings;
    private static Category tea;
    private static ActiveMerchant shop;
    private static Product japaneseTea;
    private static Product chineseTea;
    private static Product greenThenTea;
    private static Product runShoe;
    private static Product whiskByTitle;
    private static Product bowlByDescription;

    @BeforeAll
    static void catalogue() throws Exception {
        catalog = new TestCatalog(server);
        listings = catalog.storefront().listings();
        tea = server.client().categories().createCategory(
                new CategoryCreate().name("Tea").commissionRateBasisPoints(1000));
        shop = catalog.activeMerchant("Search Test Shop KK", tea.getId());
        japaneseTea = publish(Map.of("ja", "有機緑茶ティーバッグ"), Map.of(), "JA-1", 1_000);
        chineseTea = publish(Map.of("zh", "有机绿茶茶包"), Map.of(), "ZH-1", 900);
        greenThenTea = publish(Map.of("ja", "緑の紅茶"), Map.of(), "NEAR-1", 800);
        runShoe = publish(Map.of("en", "Run Shoe"), Map.of("en", "Light trainers"), "SHOE-1", 5_000);
        bowlByDescription = publish(Map.of("en", "Ceramic bowl"), Map.of("en", "Made for whisking matcha"), "BOWL-1", 3_000);
        whiskByTitle = publish(Map.of("en", "Bamboo matcha whisk"), Map.of("en", "Hand-carved"), "WHISK-1", 2_000);
    }

    @Test
    void japaneseAndChineseWordsAreFoundInsideTitles() throws Exception {
        assertThat(search("緑茶")).containsExactly(japaneseTea.getId());
        assertThat(search("ティー")).containsExactly(japaneseTea.getId());
        assertThat(search("绿茶")).containsExactly(chineseTea.getId());
        assertThat(search("茶包")).containsExactly(chineseTea.getId());
        assertThat(search("有機緑茶ティーバッグ")).containsExactly(japaneseTea.getId());
        // Both characters, but not next to each other: no match.
        assertThat(search("緑紅")).isEmpty();
        // One character: every title containing it.
        assertThat(search("茶")).containsExactlyInAnyOrder(japaneseTea.getId(), chineseTea.getId(), greenThenTea.getId());
        // Half-width katakana is the same text.
        assertThat(search("ﾃｨｰ")).containsExactly(japaneseTea.getId());
    }

    @Test
    void englishWordsMatchByStemIgnoringCaseAndWidth() throws Exception {
        assertThat(search("running shoes")).containsExactly(runShoe.getId());
        assertThat(search("ＲＵＮＮＩＮＧ")).containsExactly(runShoe.getId());
        assertThat(search("trainer")).containsExactly(runShoe.getId());
        assertThat(search("running sandals")).isEmpty();
        assertThat(search("the")).isEmpty();
    }

    /** The search text is inlined as an SQL literal (decision 13): quotes, backslashes and tsquery syntax stay text. */
    @Test
    void searchTextWithSqlAndQuerySyntaxIsOnlyText() throws Exception {
        for (String hostile : List.of("matcha'", "'; DROP TABLE product; --", "whisk\\' OR 1=1 --", "$$matcha$$",
                "E'\\x27'", "matcha & !whisk | (bowl:*)", "\\", "''''")) {
            assertThat(search(hostile)).as(hostile).isSubsetOf(whiskByTitle.getId(), bowlByDescription.getId());
        }
        assertThat(search("matcha'")).containsExactly(whiskByTitle.getId(), bowlByDescription.getId());
        assertThat(search("matcha & !whisk")).containsExactly(whiskByTitle.getId(), bowlByDescription.getId());
        assertThat(search("Run Shoe")).containsExactly(runShoe.getId());
    }

    @Test
    void aTitleMatchRanksAboveADescriptionMatch() throws Exception {
        assertThat(search("matcha")).containsExactly(whiskByTitle.getId(), bowlByDescription.getId());
        assertThat(search("whisk")).containsExactly(whiskByTitle.getId(), bowlByDescription.getId());
        // Another sort with q: the same matches in that order.
        assertThat(ids(listings.listListings(
                ListListingsParams.builder().q("matcha").currency("JPY").sort(ListingSort.PRICE_DESC).build()))).containsExactly(bowlByDescription.getId(), whiskByTitle.getId());
    }

    @Test
    void relevancePagesHaveNoGapsOrRepeats() throws Exception {
        Category paging = server.client().categories().createCategory(
                new CategoryCreate().name("Paging").commissionRateBasisPoints(1000));
        List<UUID> created = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String description = i % 3 == 0 ? "Sample teapot" : "Sample";
            String title = i % 2 == 0 ? "Teapot no. " + i : "Kettle no. " + i;
            created.add(catalog.published(shop, new ProductCreate().categoryId(paging.getId())
                    .title(Map.of("en", title)).description(Map.of("en", description))
                    .variants(TestCatalog.product(paging.getId(), title, "PAGE-" + i, 100 + i, "JPY").getVariants()))
                    .getId());
        }
        List<UUID> onePage = ids(listings.listListings(
                ListListingsParams.builder().q("teapot").categoryId(paging.getId()).limit(100).build()));

        List<UUID> paged = new ArrayList<>();
        String cursor = null;
        do {
            ListingPage page = listings.listListings(
                    ListListingsParams.builder().q("teapot").categoryId(paging.getId()).sort(ListingSort.RELEVANCE).limit(2).cursor(cursor).build());
            paged.addAll(ids(page));
            cursor = page.getNextCursor();
        } while (cursor != null);

        assertThat(paged).isEqualTo(onePage).doesNotHaveDuplicates()
                .containsExactlyInAnyOrder(created.get(0), created.get(2), created.get(3), created.get(4), created.get(6));
        // Teapots in the title (0, 2, 4, 6; 0 and 6 also in the description) before the one only described so (3).
        assertThat(paged.subList(0, 2)).containsExactlyInAnyOrder(created.get(0), created.get(6));
        assertThat(paged.getLast()).isEqualTo(created.get(3));
    }

    @Test
    void relevanceNeedsTextAndCursorsMustFitTheirSort() throws Exception {
        ValidationException noText = catchThrowableOfType(ValidationException.class, () -> listings.listListings(
                ListListingsParams.builder().sort(ListingSort.RELEVANCE).build()));
        assertThat(noText.fieldErrors()).extracting(FieldError::getField, FieldError::getCode)
                .containsExactly(tuple("q", "required"));
        ValidationException tooLong = catchThrowableOfType(ValidationException.class, () -> listings.listListings(
                ListListingsParams.builder().q("茶".repeat(101)).build()));
        assertThat(tooLong.fieldErrors()).extracting(FieldError::getField).containsExactly("q");

        String relevanceCursor = listings.listListings(
                ListListingsParams.builder().q("茶").limit(1).build()).getNextCursor();
        ValidationException otherSort = catchThrowableOfType(ValidationException.class, () -> listings.listListings(
                ListListingsParams.builder().q("茶").sort(ListingSort.NEWEST).limit(1).cursor(relevanceCursor).build()));
        assertThat(otherSort.fieldErrors()).extracting(FieldError::getField).containsExactly("cursor");
    }

    @Test
    void inStockListsOnlyProductsWithAvailableStock() throws Exception {
        ActiveMerchant stocked = catalog.activeMerchant("Stock Test KK", tea.getId());
        Product hojicha = catalog.published(stocked, TestCatalog.product(tea.getId(), "Hojicha", "HOJI-1", 700, "JPY"));
        Product genmaicha = catalog.published(stocked, TestCatalog.product(tea.getId(), "Genmaicha", "GEN-1", 600, "JPY"));
        UUID warehouse = stocked.client().inventory()
                .createLocation(new LocationCreate().code("WH-1").name("Warehouse")).getId();
        assertThat(inStock(stocked)).isEmpty();

        setOnHand(stocked, hojicha.getVariants().getFirst().getId(), warehouse, 5);
        setOnHand(stocked, genmaicha.getVariants().getFirst().getId(), warehouse, 2);
        assertThat(inStock(stocked)).containsExactly(genmaicha.getId(), hojicha.getId());

        setOnHand(stocked, hojicha.getVariants().getFirst().getId(), warehouse, 0);
        assertThat(inStock(stocked)).containsExactly(genmaicha.getId());
        assertThat(ids(listings.listListings(
                ListListingsParams.builder().merchantId(stocked.id()).inStock(false).build())))
                .containsExactly(genmaicha.getId(), hojicha.getId());

        // The variant with the stock is replaced by one without. That sends the product back to draft, so the read
        // model is looked at directly: its stock flag follows the deleted variant's stock levels.
        stocked.client().products().updateProduct(genmaicha.getId(), new ProductUpdate()
                .variants(TestCatalog.product(tea.getId(), "Genmaicha", "GEN-2", 600, "JPY").getVariants())
                .version(genmaicha.getVersion()));
        assertThat(inStockFlag(genmaicha)).isFalse();
    }

    @Test
    void concurrentStockChangesOfOneProductLeaveTheRightStockFlag() throws Exception {
        ActiveMerchant racing = catalog.activeMerchant("Concurrent Stock KK", tea.getId());
        Product product = twoVariants(racing, "Two-variant tea", "RACE");
        UUID first = product.getVariants().get(0).getId();
        UUID second = product.getVariants().get(1).getId();
        UUID warehouse = racing.client().inventory()
                .createLocation(new LocationCreate().code("RACE").name("Race")).getId();
        // Each round the two variants cross zero at the same time, in separate transactions: whichever commits
        // last must see the other's change, or the flag would stay stale.
        for (int round = 0; round < 20; round++) {
            long onHand = round % 2 == 0 ? 1 : 0;
            CyclicBarrier start = new CyclicBarrier(2);
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> done = new ArrayList<>();
                for (UUID variant : List.of(first, second)) {
                    done.add(threads.submit(() -> {
                        start.await();
                        setOnHand(racing, variant, warehouse, onHand);
                        return null;
                    }));
                }
                for (Future<?> each : done) {
                    each.get();
                }
            }
            assertThat(inStockFlag(product)).as("round %d", round).isEqualTo(onHand > 0);
        }
    }

    /**
     * One batch can make one variant of a product available while another sells out: a product with a level made
     * available is in stock without being recounted (V105), one whose every crossing went down is recounted.
     */
    @Test
    void aBatchMakingOneVariantAvailableAndAnotherSoldOutLeavesTheRightStockFlag() throws Exception {
        ActiveMerchant swapping = catalog.activeMerchant("Swapping Stock KK", tea.getId());
        Product product = twoVariants(swapping, "Two-variant sencha", "SWAP");
        UUID first = product.getVariants().get(0).getId();
        UUID second = product.getVariants().get(1).getId();
        UUID warehouse = swapping.client().inventory()
                .createLocation(new LocationCreate().code("SWAP").name("Swap")).getId();
        setOnHand(swapping, first, warehouse, 1);
        setOnHand(swapping, second, warehouse, 0);
        assertThat(inStockFlag(product)).isTrue();

        for (long[] counts : new long[][] {{0, 3}, {2, 0}, {0, 0}, {4, 0}}) {
            long sequence = System.nanoTime();
            assertThat(swapping.client().inventory().updateStock(new StockUpdateBatch().items(List.of(
                            new StockUpdate().variantId(first).locationId(warehouse).onHand(counts[0])
                                    .sourceSequence(sequence),
                            new StockUpdate().variantId(second).locationId(warehouse).onHand(counts[1])
                                    .sourceSequence(sequence))))
                    .getResults()).extracting(result -> result.getOutcome())
                    .containsOnly(StockUpdateOutcome.APPLIED);
            assertThat(inStockFlag(product)).as("on hand %d and %d", counts[0], counts[1])
                    .isEqualTo(counts[0] + counts[1] > 0);
        }
    }

    /** A draft product of two variants, SKUs {@code skuPrefix-A} and {@code skuPrefix-B}. */
    private static Product twoVariants(ActiveMerchant merchant, String title, String skuPrefix) throws Exception {
        return merchant.client().products().createProduct(new ProductCreate().categoryId(tea.getId())
                .title(Map.of("en", title)).variants(List.of(
                        TestCatalog.product(tea.getId(), "A", skuPrefix + "-A", 100, "JPY").getVariants().getFirst(),
                        TestCatalog.product(tea.getId(), "B", skuPrefix + "-B", 100, "JPY").getVariants().getFirst())));
    }

    private static boolean inStockFlag(Product product) {
        return server.db().select(LISTING_SEARCH.IN_STOCK).from(LISTING_SEARCH)
                .where(LISTING_SEARCH.PRODUCT_ID.eq(product.getId())).fetchSingle(LISTING_SEARCH.IN_STOCK);
    }

    @Test
    void aFrozenMerchantsProductsLeaveSearchAndComeBackOnReactivation() throws Exception {
        ActiveMerchant seasonal = catalog.activeMerchant("Seasonal Search KK", tea.getId());
        Product sakura = catalog.published(seasonal, new ProductCreate().categoryId(tea.getId())
                .title(Map.of("ja", "桜餅セット")).variants(
                        TestCatalog.product(tea.getId(), "Sakura", "SAKURA-1", 400, "JPY").getVariants()));
        assertThat(search("桜餅")).containsExactly(sakura.getId());

        Merchant frozen = server.client().merchants().freezeMerchant(seasonal.id(), new MerchantStatusChange()
                .reason("Inspection").version(seasonal.merchant().getVersion()));
        assertThat(search("桜餅")).isEmpty();

        server.client().merchants().reactivateMerchant(seasonal.id(), new MerchantStatusChange()
                .reason("Inspection passed").version(frozen.getVersion()));
        assertThat(search("桜餅")).containsExactly(sakura.getId());
    }

    private static Product publish(Map<String, String> title, Map<String, String> description, String sku, long price)
            throws Exception {
        return catalog.published(shop, new ProductCreate().categoryId(tea.getId()).title(title).description(description)
                .variants(TestCatalog.product(tea.getId(), sku, sku, price, "JPY").getVariants()));
    }

    private static void setOnHand(ActiveMerchant merchant, UUID variant, UUID location, long onHand) throws Exception {
        assertThat(merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(new StockUpdate()
                .variantId(variant).locationId(location).onHand(onHand).sourceSequence(System.nanoTime()))))
                .getResults().getFirst()
                .getOutcome()).isEqualTo(StockUpdateOutcome.APPLIED);
    }

    private static List<UUID> inStock(ActiveMerchant merchant) throws Exception {
        return ids(listings.listListings(ListListingsParams.builder().merchantId(merchant.id()).inStock(true).build()));
    }

    private static List<UUID> search(String text) throws Exception {
        return ids(listings.listListings(ListListingsParams.builder().q(text).build()));
    }

    private static List<UUID> ids(ListingPage page) {
        return page.getItems().stream().map(Listing::getProductId).toList();
    }
}
