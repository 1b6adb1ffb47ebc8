package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceException.PermissionException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.api.ProductsApi.ListProductsParams;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.FieldError;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductModeration;
import dev.marketplace.sdk.model.ProductModerationItem;
import dev.marketplace.sdk.model.ProductModerationItem.ActionEnum;
import dev.marketplace.sdk.model.ProductModerationResult;
import dev.marketplace.sdk.model.ProductModerationResult.OutcomeEnum;
import dev.marketplace.sdk.model.ProductStatus;
import dev.marketplace.sdk.model.ProductStatusChange;
import dev.marketplace.sdk.model.ProductSubmission;
import dev.marketplace.sdk.model.ProductSubmissionItem;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's review queue: one merchant's pending products listed, then approved and rejected in one request;
 * and a merchant's submissions in one request.
 */
class ProductModerationIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static TestCatalog catalog;
    private static Category tea;

    @BeforeAll
    static void category() throws Exception {
        catalog = new TestCatalog(server);
        tea = server.client().categories().createCategory(
                new CategoryCreate().name("Moderated tea").commissionRateBasisPoints(1000));
    }

    @Test
    void theOperatorModeratesOneMerchantsQueueInOneRequestWithOneResultPerItemAndASecondSendChangesNothing()
            throws Exception {
        ActiveMerchant kyoto = catalog.activeMerchant("Queue Tea KK", tea.getId());
        ActiveMerchant uji = catalog.activeMerchant("Other Queue KK", tea.getId());
        Product approved = pending(kyoto, "MOD-A");
        Product refused = pending(kyoto, "MOD-B");
        Product stale = pending(kyoto, "MOD-C");
        Product draft = kyoto.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Still a draft", "MOD-D", 500, "JPY"));
        Product othersPending = pending(uji, "MOD-E");

        List<UUID> queue = server.client().products().listProducts(ListProductsParams.builder().merchantId(kyoto.id())
                .status(ProductStatus.PENDING_REVIEW).limit(200).build()).getItems().stream().map(Product::getId).toList();
        assertThat(queue).as("one merchant's pending products, oldest first")
                .containsExactly(approved.getId(), refused.getId(), stale.getId());
        assertThat(uji.client().products().listProducts(ListProductsParams.builder().merchantId(kyoto.id())
                .limit(200).build()).getItems()).as("a merchant naming another sees nothing").isEmpty();

        ProductModeration decisions = new ProductModeration().items(List.of(
                approve(approved, approved.getVersion()),
                new ProductModerationItem().productId(refused.getId()).action(ActionEnum.REJECT)
                        .reasons(List.of("Photos show another brand")).version(refused.getVersion()),
                approve(stale, stale.getVersion() - 1),
                approve(draft, draft.getVersion()),
                new ProductModerationItem().productId(UUID.randomUUID()).action(ActionEnum.APPROVE).version(1L)));
        List<ProductModerationResult> first = server.client().products().moderateProducts(decisions).getResults();
        List<ProductModerationResult> again = server.client().products().moderateProducts(decisions).getResults();

        assertThat(first).extracting(ProductModerationResult::getIndex, ProductModerationResult::getOutcome,
                        ProductModerationResult::getStatus, ProductModerationResult::getCode)
                .containsExactly(tuple(0, OutcomeEnum.APPLIED, ProductStatus.PUBLISHED, null),
                        tuple(1, OutcomeEnum.APPLIED, ProductStatus.REJECTED, null),
                        tuple(2, OutcomeEnum.REJECTED, null, "version_conflict"),
                        tuple(3, OutcomeEnum.REJECTED, null, "illegal_status_transition"),
                        tuple(4, OutcomeEnum.REJECTED, null, "not_found"));
        assertThat(again).extracting(ProductModerationResult::getOutcome, ProductModerationResult::getVersion)
                .as("decisions already taken are unchanged, not refused as stale")
                .startsWith(tuple(OutcomeEnum.UNCHANGED, first.get(0).getVersion()),
                        tuple(OutcomeEnum.UNCHANGED, first.get(1).getVersion()));
        assertThat(kyoto.client().products().getProduct(refused.getId()))
                .extracting(Product::getStatus, Product::getRejectionReasons, Product::getVersion)
                .containsExactly(ProductStatus.REJECTED, List.of("Photos show another brand"), first.get(1).getVersion());
        assertThat(kyoto.client().products().getProduct(stale.getId()).getStatus()).isEqualTo(ProductStatus.PENDING_REVIEW);
        assertThat(uji.client().products().getProduct(othersPending.getId()).getStatus())
                .isEqualTo(ProductStatus.PENDING_REVIEW);
    }

    @Test
    void anInvalidItemRefusesTheWholeRequestAndOnlyTheOperatorModerates() throws Exception {
        ActiveMerchant merchant = catalog.activeMerchant("Invalid Queue KK", tea.getId());
        Product product = pending(merchant, "MOD-F");

        ValidationException invalid = catchThrowableOfType(ValidationException.class, () -> server.client().products()
                .moderateProducts(new ProductModeration().items(List.of(
                        approve(product, product.getVersion()),
                        approve(product, product.getVersion()).reasons(List.of("Reasons belong to a rejection")),
                        new ProductModerationItem().productId(product.getId()).action(ActionEnum.REJECT)))));
        PermissionException merchantTries = catchThrowableOfType(PermissionException.class, () -> merchant.client()
                .products().moderateProducts(new ProductModeration().items(List.of(approve(product, product.getVersion())))));

        assertThat(invalid.fieldErrors()).extracting(FieldError::getField)
                .containsExactlyInAnyOrder("items/1/reasons", "items/2/reasons", "items/2/version");
        assertThat(merchantTries.code()).isEqualTo(ErrorCode.INSUFFICIENT_SCOPE);
        assertThat(merchant.client().products().getProduct(product.getId()).getStatus())
                .isEqualTo(ProductStatus.PENDING_REVIEW);
    }

    @Test
    void aMerchantSubmitsManyOfItsProductsInOneRequestWithOneResultPerItemAndASecondSendChangesNothing()
            throws Exception {
        ActiveMerchant kyoto = catalog.activeMerchant("Submitting Tea KK", tea.getId());
        ActiveMerchant uji = catalog.activeMerchant("Other Submitter KK", tea.getId());
        Product clean = draft(kyoto, "SUB-A", "Sencha");
        Product banned = draft(kyoto, "SUB-B", "日本一 sencha");
        Product stale = draft(kyoto, "SUB-C", "Hojicha");
        Product awaiting = pending(kyoto, "SUB-D");
        Product published = server.client().products().approveProduct(awaiting.getId(),
                new ProductStatusChange().version(awaiting.getVersion()));
        Product others = draft(uji, "SUB-E", "Genmaicha");

        ProductSubmission submissions = new ProductSubmission().items(List.of(
                submit(clean, clean.getVersion()), submit(banned, banned.getVersion()),
                submit(stale, stale.getVersion() + 1), submit(published, published.getVersion()),
                submit(others, others.getVersion()), submit(UUID.randomUUID(), 1L)));
        List<ProductModerationResult> first = kyoto.client().products().submitProducts(submissions).getResults();
        List<ProductModerationResult> again = kyoto.client().products().submitProducts(submissions).getResults();

        assertThat(first).extracting(ProductModerationResult::getIndex, ProductModerationResult::getProductId,
                        ProductModerationResult::getOutcome, ProductModerationResult::getStatus,
                        ProductModerationResult::getCode)
                .containsExactly(tuple(0, clean.getId(), OutcomeEnum.APPLIED, ProductStatus.PENDING_REVIEW, null),
                        tuple(1, banned.getId(), OutcomeEnum.APPLIED, ProductStatus.REJECTED, null),
                        tuple(2, stale.getId(), OutcomeEnum.REJECTED, null, "version_conflict"),
                        tuple(3, published.getId(), OutcomeEnum.REJECTED, null, "illegal_status_transition"),
                        tuple(4, others.getId(), OutcomeEnum.REJECTED, null, "not_found"),
                        tuple(5, submissions.getItems().get(5).getProductId(), OutcomeEnum.REJECTED, null, "not_found"));
        assertThat(again).extracting(ProductModerationResult::getOutcome, ProductModerationResult::getVersion)
                .as("a second send after a lost answer: what was submitted is unchanged, not refused as stale")
                .startsWith(tuple(OutcomeEnum.UNCHANGED, first.get(0).getVersion()),
                        tuple(OutcomeEnum.UNCHANGED, first.get(1).getVersion()));
        assertThat(kyoto.client().products().getProduct(clean.getId()).getVersion()).isEqualTo(first.get(0).getVersion());
        assertThat(kyoto.client().products().getProduct(banned.getId()).getComplianceFindings()).isNotEmpty();
        assertThat(kyoto.client().products().getProduct(stale.getId()).getStatus()).isEqualTo(ProductStatus.DRAFT);
        assertThat(uji.client().products().getProduct(others.getId()).getStatus()).isEqualTo(ProductStatus.DRAFT);
        assertThat(server.client().products().listProducts(ListProductsParams.builder().merchantId(kyoto.id())
                .status(ProductStatus.PENDING_REVIEW).limit(200).build()).getItems()).extracting(Product::getId)
                .as("the operator's queue holds the submitted product, once").containsOnlyOnce(clean.getId());
    }

    @Test
    void anInvalidSubmissionRefusesTheWholeRequest() throws Exception {
        ActiveMerchant merchant = catalog.activeMerchant("Invalid Submitter KK", tea.getId());
        Product product = draft(merchant, "SUB-F", "Kukicha");

        ValidationException invalid = catchThrowableOfType(ValidationException.class, () -> merchant.client().products()
                .submitProducts(new ProductSubmission().items(List.of(submit(product, product.getVersion()),
                        submit(product, product.getVersion()), new ProductSubmissionItem().productId(UUID.randomUUID())))));

        assertThat(invalid.fieldErrors()).extracting(FieldError::getField, FieldError::getCode)
                .as("the SDK sends the missing version as null")
                .containsExactlyInAnyOrder(tuple("items/1/productId", "duplicate"), tuple("items/2/version", "invalid_type"));
        assertThat(merchant.client().products().getProduct(product.getId()).getStatus()).isEqualTo(ProductStatus.DRAFT);
    }

    private static Product draft(ActiveMerchant merchant, String sku, String title) throws Exception {
        return merchant.client().products().createProduct(TestCatalog.product(tea.getId(), title, sku, 800, "JPY"));
    }

    private static ProductSubmissionItem submit(Product product, long version) {
        return submit(product.getId(), version);
    }

    private static ProductSubmissionItem submit(UUID productId, long version) {
        return new ProductSubmissionItem().productId(productId).version(version);
    }

    private static Product pending(ActiveMerchant merchant, String sku) throws Exception {
        Product draft = merchant.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Tea " + sku, sku, 800, "JPY"));
        return merchant.client().products().submitProduct(draft.getId(),
                new ProductStatusChange().version(draft.getVersion()));
    }

    private static ProductModerationItem approve(Product product, long version) {
        return new ProductModerationItem().productId(product.getId()).action(ActionEnum.APPROVE).version(version);
    }
}
