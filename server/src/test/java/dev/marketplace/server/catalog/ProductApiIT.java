package dev.marketplace.server.catalog;

import static dev.marketplace.schema.Tables.PRODUCT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.PermissionException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.ProductsApi;
import dev.marketplace.sdk.api.ProductsApi.ListProductsParams;
import dev.marketplace.sdk.invoker.ApiResponse;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ComplianceFinding;
import dev.marketplace.sdk.model.FieldError;
import dev.marketplace.sdk.model.MerchantStatusChange;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductCreate;
import dev.marketplace.sdk.model.ProductRejection;
import dev.marketplace.sdk.model.ProductStatus;
import dev.marketplace.sdk.model.ProductStatusChange;
import dev.marketplace.sdk.model.ProductUpdate;
import dev.marketplace.sdk.model.ProductVariant;
import dev.marketplace.sdk.model.ProductVariantInput;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Products through the generated SDK: variants, SKU uniqueness, moderation with the compliance check, tenancy. */
class ProductApiIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static TestCatalog catalog;
    private static Category tea;
    private static ActiveMerchant kyotoTea;
    private static ActiveMerchant uji;

    @BeforeAll
    static void merchants() throws Exception {
        catalog = new TestCatalog(server);
        tea = server.client().categories().createCategory(
                new CategoryCreate().name("Tea").commissionRateBasisPoints(1000));
        kyotoTea = catalog.activeMerchant("Kyoto Tea Co., Ltd.", tea.getId());
        uji = catalog.activeMerchant("Uji Gardens KK", tea.getId());
    }

    @Test
    void aMerchantCreatesADraftWithVariantsAndTitlesInJapaneseChineseAndEnglish() throws Exception {
        ProductCreate sencha = new ProductCreate().categoryId(tea.getId())
                .title(Map.of("ja", "宇治煎茶", "zh", "宇治煎茶（绿茶）", "en", "Uji sencha"))
                .description(Map.of("ja", "香り高い一番茶。", "en", "First-flush green tea."))
                .attributes(Map.of("origin", "Kyoto", "harvest", "2026"))
                .imageUrls(List.of("https://cdn.example.jp/sencha.jpg"))
                .variants(List.of(
                        new ProductVariantInput().sku("SEN-100G").attributes(Map.of("weight", "100 g"))
                                .price(yen(1_200)).compareAtPrice(yen(1_500)),
                        new ProductVariantInput().sku("SEN-250G").attributes(Map.of("weight", "250 g"))
                                .price(yen(2_600))));

        ApiResponse<Product> response = kyotoTea.client().products().createProductWithHttpInfo(sencha);
        Product created = response.getData();

        assertThat(response.getStatusCode()).isEqualTo(201);
        assertThat(response.getHeaders().get("location")).containsExactly("/v1/products/" + created.getId());
        assertThat(created.getStatus()).isEqualTo(ProductStatus.DRAFT);
        assertThat(created.getVersion()).isEqualTo(1L);
        assertThat(created.getMerchantId()).isEqualTo(kyotoTea.id());
        assertThat(created.getTitle()).isEqualTo(sencha.getTitle());
        assertThat(created.getDescription()).isEqualTo(sencha.getDescription());
        assertThat(created.getAttributes()).isEqualTo(sencha.getAttributes());
        assertThat(created.getImageUrls()).containsExactly("https://cdn.example.jp/sencha.jpg");
        assertThat(created.getVariants()).extracting(ProductVariant::getSku, ProductVariant::getPrice,
                ProductVariant::getCompareAtPrice).containsExactly(
                tuple("SEN-100G", yen(1_200), yen(1_500)), tuple("SEN-250G", yen(2_600), null));
        assertThat(created.getPublishedAt()).isNull();
        assertThat(kyotoTea.client().products().getProduct(created.getId())).isEqualTo(created);
        assertThat(server.client().products().getProduct(created.getId())).isEqualTo(created);
    }

    @Test
    void skuCodesAreUniqueAmongAMerchantsProductsButAnotherMerchantMayReuseThem() throws Exception {
        kyotoTea.client().products().createProduct(TestCatalog.product(tea.getId(), "Matcha", "MAT-30G", 2_000, "JPY"));

        ConflictException taken = catchThrowableOfType(ConflictException.class, () -> kyotoTea.client().products()
                .createProduct(TestCatalog.product(tea.getId(), "Matcha again", "MAT-30G", 2_100, "JPY")));
        assertThat(taken.code()).isEqualTo(ErrorCode.SKU_TAKEN);

        Product othersMatcha = uji.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Uji matcha", "MAT-30G", 2_500, "JPY"));
        assertThat(othersMatcha.getVariants()).extracting(ProductVariant::getSku).containsExactly("MAT-30G");
    }

    @Test
    void theComplianceCheckRejectsBannedClaimsInEveryLanguageNamingThem() throws Exception {
        ProductsApi products = kyotoTea.client().products();
        Product draft = products.createProduct(new ProductCreate().categoryId(tea.getId())
                .title(Map.of("ja", "業界最安値の玉露", "en", "Gyokuro"))
                .description(Map.of("zh", "完全無添加，安心饮用", "en", "The CHEAPEST gyokuro, 100% Guaranteed."))
                .variants(List.of(new ProductVariantInput().sku("GYO-1").price(yen(3_000)))));

        Product rejected = products.submitProduct(draft.getId(), new ProductStatusChange().version(1L));

        assertThat(rejected.getStatus()).isEqualTo(ProductStatus.REJECTED);
        assertThat(rejected.getComplianceFindings()).extracting(ComplianceFinding::getWord, ComplianceFinding::getField)
                .containsExactlyInAnyOrder(
                        tuple("最安値", "title/ja"),
                        tuple("完全無添加", "description/zh"),
                        tuple("cheapest", "description/en"),
                        tuple("100% guaranteed", "description/en"));
        assertThat(products.getProduct(draft.getId()).getComplianceFindings()).hasSize(4);

        Product edited = products.updateProduct(draft.getId(), new ProductUpdate()
                .title(Map.of("ja", "玉露", "en", "Gyokuro"))
                .description(Map.of("en", "Shade-grown gyokuro.")).version(rejected.getVersion()));
        assertThat(edited.getStatus()).isEqualTo(ProductStatus.DRAFT);
        assertThat(edited.getComplianceFindings()).isEmpty();
        Product resubmitted = products.submitProduct(draft.getId(),
                new ProductStatusChange().version(edited.getVersion()));
        assertThat(resubmitted.getStatus()).isEqualTo(ProductStatus.PENDING_REVIEW);
    }

    @Test
    void aCleanSubmissionAwaitsReviewAndTheOperatorPublishesIt() throws Exception {
        Product draft = kyotoTea.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Hojicha", "HOJ-1", 900, "JPY"));

        Product pending = kyotoTea.client().products().submitProduct(draft.getId(),
                new ProductStatusChange(), RequestOptions.builder().ifMatch("\"1\"").build());
        assertThat(pending.getStatus()).isEqualTo(ProductStatus.PENDING_REVIEW);
        assertThat(pending.getComplianceFindings()).isEmpty();
        NotFoundException notYetListed = catchThrowableOfType(NotFoundException.class,
                () -> catalog.storefront().listings().getListing(draft.getId()));
        assertThat(notYetListed.code()).isEqualTo(ErrorCode.NOT_FOUND);

        Product published = server.client().products().approveProduct(draft.getId(),
                new ProductStatusChange().version(pending.getVersion()));

        assertThat(published.getStatus()).isEqualTo(ProductStatus.PUBLISHED);
        assertThat(published.getPublishedAt()).isNotNull();
        assertThat(catalog.storefront().listings().getListing(draft.getId()).getTitle()).isEqualTo(draft.getTitle());
    }

    @Test
    void theOperatorRejectsWithReasonsAndTheMerchantResubmits() throws Exception {
        ProductsApi products = kyotoTea.client().products();
        Product draft = products.createProduct(TestCatalog.product(tea.getId(), "Blurry tea", "BLUR-1", 700, "JPY"));
        Product pending = products.submitProduct(draft.getId(), new ProductStatusChange().version(1L));
        List<String> reasons = List.of("The photo does not show the product", "Weight missing from the title");

        Product rejected = server.client().products().rejectProduct(draft.getId(),
                new ProductRejection().reasons(reasons).version(pending.getVersion()));

        assertThat(rejected.getStatus()).isEqualTo(ProductStatus.REJECTED);
        assertThat(rejected.getRejectionReasons()).isEqualTo(reasons);
        Product again = products.submitProduct(draft.getId(),
                new ProductStatusChange().version(rejected.getVersion()));
        assertThat(again.getStatus()).isEqualTo(ProductStatus.PENDING_REVIEW);
    }

    @Test
    void editingPublishedContentSendsItBackToDraftWhileAPriceChangeKeepsItListed() throws Exception {
        ProductsApi products = kyotoTea.client().products();
        Product published = catalog.published(kyotoTea, TestCatalog.product(tea.getId(), "Genmaicha", "GEN-1", 600, "JPY"));

        Product repriced = products.updateProduct(published.getId(), new ProductUpdate()
                .variants(List.of(new ProductVariantInput().sku("GEN-1").price(yen(550)).compareAtPrice(yen(600))))
                .version(published.getVersion()));

        assertThat(repriced.getStatus()).isEqualTo(ProductStatus.PUBLISHED);
        assertThat(repriced.getVersion()).isEqualTo(published.getVersion() + 1);
        assertThat(repriced.getPublishedAt()).isEqualTo(published.getPublishedAt());
        assertThat(repriced.getVariants().getFirst().getId()).isEqualTo(published.getVariants().getFirst().getId());
        assertThat(catalog.storefront().listings().getListing(published.getId()).getPrice()).isEqualTo(yen(550));

        Product retitled = products.updateProduct(published.getId(), new ProductUpdate()
                .title(Map.of("en", "Genmaicha with matcha")),
                        RequestOptions.builder().ifMatch("\"" + repriced.getVersion() + "\"").build());

        assertThat(retitled.getStatus()).isEqualTo(ProductStatus.DRAFT);
        assertThat(retitled.getPublishedAt()).isNull();
        assertThat(retitled.getVariants().getFirst().getPrice()).isEqualTo(yen(550));
        assertThat(catchThrowableOfType(NotFoundException.class,
                () -> catalog.storefront().listings().getListing(published.getId())).status()).isEqualTo(404);
    }

    @Test
    void aStaleVersionChangesNothing() throws Exception {
        ProductsApi products = kyotoTea.client().products();
        Product draft = products.createProduct(TestCatalog.product(tea.getId(), "Kukicha", "KUK-1", 500, "JPY"));
        Product current = products.updateProduct(draft.getId(),
                new ProductUpdate().attributes(Map.of("stems", "yes")).version(1L));

        ConflictException staleBody = catchThrowableOfType(ConflictException.class, () -> products.updateProduct(
                draft.getId(), new ProductUpdate().title(Map.of("en", "Stale")).version(1L)));
        assertThat(staleBody.status()).isEqualTo(409);
        assertThat(staleBody.code()).isEqualTo(ErrorCode.VERSION_CONFLICT);
        assertThat(staleBody.currentVersion()).isEqualTo(2L);
        ConflictException staleIfMatch = catchThrowableOfType(ConflictException.class, () -> products.submitProduct(
                draft.getId(), new ProductStatusChange(), RequestOptions.builder().ifMatch("\"1\"").build()));
        assertThat(staleIfMatch.status()).isEqualTo(412);
        ConflictException noVersion = catchThrowableOfType(ConflictException.class, () -> products.updateProduct(
                draft.getId(), new ProductUpdate().title(Map.of("en", "Unversioned"))));
        assertThat(noVersion.status()).isEqualTo(428);

        assertThat(products.getProduct(draft.getId())).isEqualTo(current);
    }

    @Test
    void anIllegalTransitionIsAConflictNamingTheCurrentState() throws Exception {
        Product draft = kyotoTea.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Bancha", "BAN-1", 400, "JPY"));

        ConflictException approveDraft = catchThrowableOfType(ConflictException.class, () -> server.client().products()
                .approveProduct(draft.getId(), new ProductStatusChange().version(1L)));

        assertThat(approveDraft.code()).isEqualTo(ErrorCode.ILLEGAL_STATUS_TRANSITION);
        assertThat(approveDraft.problem().getCurrentState()).isEqualTo("draft");
        Product published = catalog.published(kyotoTea, TestCatalog.product(tea.getId(), "Sobacha", "SOB-1", 450, "JPY"));
        ConflictException submitPublished = catchThrowableOfType(ConflictException.class, () -> kyotoTea.client()
                .products().submitProduct(published.getId(), new ProductStatusChange().version(published.getVersion())));
        assertThat(submitPublished.problem().getCurrentState()).isEqualTo("published");
    }

    @Test
    void anotherMerchantsProductIsNotFoundAndNeverListed() throws Exception {
        Product mine = kyotoTea.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Private blend", "PRIV-1", 1_000, "JPY"));
        ProductsApi asUji = uji.client().products();

        NotFoundException other = catchThrowableOfType(NotFoundException.class, () -> asUji.getProduct(mine.getId()));
        NotFoundException missing = catchThrowableOfType(NotFoundException.class, () -> asUji.getProduct(UUID.randomUUID()));
        assertThat(other.problem().getDetail()).isEqualTo(missing.problem().getDetail());
        assertThat(catchThrowableOfType(NotFoundException.class, () -> asUji.updateProduct(mine.getId(),
                new ProductUpdate().title(Map.of("en", "Hijacked")).version(1L))).status()).isEqualTo(404);
        assertThat(catchThrowableOfType(NotFoundException.class, () -> asUji.submitProduct(mine.getId(),
                new ProductStatusChange().version(1L))).status()).isEqualTo(404);

        assertThat(asUji.listProducts(
                ListProductsParams.builder().limit(200).build()).getItems()).extracting(Product::getMerchantId)
                .isNotEmpty().containsOnly(uji.id());
        assertThat(server.client().products().listProducts(
                ListProductsParams.builder().status(ProductStatus.DRAFT).limit(200).build()).getItems())
                .extracting(Product::getId).contains(mine.getId());
        assertThat(kyotoTea.client().products().getProduct(mine.getId()).getTitle()).containsEntry("en", "Private blend");
    }

    @Test
    void onlyAnActiveMerchantCreatesOrSubmitsProductsWhileAFrozenOneStillFixesPrices() throws Exception {
        ActiveMerchant frozen = catalog.activeMerchant("Frozen Leaves KK", tea.getId());
        Product draft = frozen.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Leaves before the freeze", "FRZ-0", 100, "JPY"));
        server.client().merchants().freezeMerchant(frozen.id(), new MerchantStatusChange().reason("Counterfeits")
                .version(frozen.merchant().getVersion()));

        PermissionException notActive = catchThrowableOfType(PermissionException.class, () -> frozen.client().products()
                .createProduct(TestCatalog.product(tea.getId(), "Frozen tea", "FRZ-1", 100, "JPY")));
        assertThat(notActive.code()).isEqualTo(ErrorCode.MERCHANT_NOT_ACTIVE);
        PermissionException noSubmit = catchThrowableOfType(PermissionException.class, () -> frozen.client().products()
                .submitProduct(draft.getId(), new ProductStatusChange().version(draft.getVersion())));
        assertThat(noSubmit.code()).isEqualTo(ErrorCode.MERCHANT_NOT_ACTIVE);
        Product repriced = frozen.client().products().updateProduct(draft.getId(), new ProductUpdate()
                .variants(List.of(new ProductVariantInput().sku("FRZ-0").price(yen(90))))
                .version(draft.getVersion()));
        assertThat(repriced.getStatus()).isEqualTo(ProductStatus.DRAFT);
        assertThat(repriced.getVariants().getFirst().getPrice()).isEqualTo(yen(90));
        PermissionException operator = catchThrowableOfType(PermissionException.class, () -> server.client().products()
                .createProduct(TestCatalog.product(tea.getId(), "Operator tea", "OPS-1", 100, "JPY")));
        assertThat(operator.code()).isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void aMerchantCannotModerate() throws Exception {
        Product draft = kyotoTea.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Self-approved tea", "SELF-1", 300, "JPY"));
        Product pending = kyotoTea.client().products().submitProduct(draft.getId(),
                new ProductStatusChange().version(1L));

        PermissionException approve = catchThrowableOfType(PermissionException.class, () -> kyotoTea.client().products()
                .approveProduct(draft.getId(), new ProductStatusChange().version(pending.getVersion())));

        assertThat(approve.status()).isEqualTo(403);
        assertThat(approve.code()).isEqualTo(ErrorCode.INSUFFICIENT_SCOPE);
        assertThat(kyotoTea.client().products().getProduct(draft.getId()).getStatus()).isEqualTo(ProductStatus.PENDING_REVIEW);
    }

    @Test
    void imageUrlsStorefrontsWouldFetchFromPrivateOrDisguisedHostsAreRefusedNamingTheField() throws Exception {
        int before = server.db().fetchCount(PRODUCT);
        List<String> urls = List.of(
                "https://cdn.example.jp/ok.jpg",
                "https://127.0.0.1/a.jpg",
                "https://169.254.169.254/latest/meta-data/",
                "https://[::1]/a.jpg",
                "https://2130706433/a.jpg",
                "https://0177.0.0.1/a.jpg",
                "https://0x7f.0.0.1/a.jpg",
                "https://cdn.example.jp@192.168.0.1/a.jpg",
                "https://localhost/a.jpg",
                "https://metadata.google.internal/a.jpg");
        ValidationException invalid = catchThrowableOfType(ValidationException.class, () -> kyotoTea.client().products()
                .createProduct(TestCatalog.product(tea.getId(), "Tea", "IMG-1", 1_000, "JPY").imageUrls(urls)));

        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.fieldErrors()).extracting(FieldError::getField, FieldError::getCode).containsExactly(
                tuple("imageUrls/1", "invalid_format"), tuple("imageUrls/2", "invalid_format"),
                tuple("imageUrls/3", "invalid_format"), tuple("imageUrls/4", "invalid_format"),
                tuple("imageUrls/5", "invalid_format"), tuple("imageUrls/6", "invalid_format"),
                tuple("imageUrls/7", "invalid_format"), tuple("imageUrls/8", "invalid_format"),
                tuple("imageUrls/9", "invalid_format"));
        assertThat(invalid.fieldErrors().get(1).getMessage()).contains("169.254.169.254 is not a public address");
        assertThat(server.db().fetchCount(PRODUCT)).isEqualTo(before);
    }

    @Test
    void invalidInputIsRefusedWithOneErrorPerFieldAndChangesNothing() throws Exception {
        int before = server.db().fetchCount(PRODUCT);

        ValidationException invalid = catchThrowableOfType(ValidationException.class, () -> kyotoTea.client().products()
                .createProduct(new ProductCreate()
                        .title(Map.of("english", "Tea"))
                        .imageUrls(List.of("http://cdn.example.jp/tea.jpg"))
                        .variants(List.of(
                                new ProductVariantInput().sku("DUP-1").price(yen(1_000)).compareAtPrice(yen(900)),
                                new ProductVariantInput().sku("DUP-1").price(new Money().amount(10L).currency("USD")),
                                new ProductVariantInput().sku("bad sku").price(yen(-1))))));
        assertThat(invalid.fieldErrors()).extracting(FieldError::getField, FieldError::getCode).containsExactly(
                tuple("categoryId", "required"),
                tuple("title/english", "invalid_format"),
                tuple("imageUrls/0", "invalid_format"),
                tuple("variants/0/compareAtPrice", "out_of_range"),
                tuple("variants/1/sku", "duplicate"),
                tuple("variants/1/price/currency", "out_of_range"),
                tuple("variants/2/sku", "invalid_format"),
                tuple("variants/2/price/amount", "out_of_range"));

        ValidationException noTitle = catchThrowableOfType(ValidationException.class, () -> kyotoTea.client().products()
                .createProduct(TestCatalog.product(UUID.randomUUID(), "x", "NT-1", 1, "JPY").title(Map.of())));
        assertThat(noTitle.fieldErrors()).extracting(FieldError::getField, FieldError::getCode)
                .containsExactly(tuple("title", "too_short"));
        ValidationException unknownCategory = catchThrowableOfType(ValidationException.class, () -> kyotoTea.client()
                .products().createProduct(TestCatalog.product(UUID.randomUUID(), "Lost tea", "LOST-1", 1, "JPY")));
        assertThat(unknownCategory.fieldErrors()).extracting(FieldError::getField, FieldError::getCode)
                .containsExactly(tuple("categoryId", "not_found"));

        assertThat(server.db().fetchCount(PRODUCT)).isEqualTo(before);
    }

    private static Money yen(long amount) {
        return new Money().amount(amount).currency("JPY");
    }
}
