package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceException.PermissionException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductBulkUpsert;
import dev.marketplace.sdk.model.ProductStatus;
import dev.marketplace.sdk.model.ProductStatusChange;
import dev.marketplace.sdk.model.ProductUpsertItem;
import dev.marketplace.sdk.model.ProductUpsertResult;
import dev.marketplace.sdk.model.ProductVariantInput;
import dev.marketplace.sdk.model.UpsertOutcome;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bulk upserts of products by the merchant's external key through the SDK: per-item results, re-sends, 10,000 SKUs. */
class ProductBulkUpsertIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final System.Logger LOG = System.getLogger(ProductBulkUpsertIT.class.getName());

    private static Category tea;
    private static TestCatalog catalog;
    private static int merchants;

    @BeforeAll
    static void category() throws Exception {
        catalog = new TestCatalog(server);
        tea = server.client().categories().createCategory(
                new CategoryCreate().name("Tea").commissionRateBasisPoints(1000));
    }

    @Test
    void eachItemIsCreatedUpdatedLeftUnchangedOrRejectedOnItsOwn() throws Exception {
        ActiveMerchant merchant = newMerchant();
        List<ProductUpsertResult> first = upsert(merchant, List.of(
                item("ERP-1", "Sencha", "SEN-1", 1200),
                item("ERP-2", "Gyokuro", "GYO-1", 3000),
                item("ERP-3", "Hojicha", "bad sku!", 900).title(null),
                item("ERP-4", "Sencha again", "SEN-1", 1200)));

        assertThat(first).extracting(ProductUpsertResult::getIndex, ProductUpsertResult::getExternalId,
                ProductUpsertResult::getOutcome, ProductUpsertResult::getCode).containsExactly(
                tuple(0, "ERP-1", UpsertOutcome.CREATED, null),
                tuple(1, "ERP-2", UpsertOutcome.CREATED, null),
                tuple(2, "ERP-3", UpsertOutcome.REJECTED, "validation_failed"),
                tuple(3, "ERP-4", UpsertOutcome.REJECTED, "sku_taken"));
        assertThat(first.get(2).getErrors()).extracting("field").containsExactlyInAnyOrder("title", "variants/0/sku");
        Product gyokuro = merchant.client().products().getProduct(first.get(1).getProductId());
        assertThat(gyokuro.getExternalId()).isEqualTo("ERP-2");
        Product published = publish(merchant, gyokuro);

        List<ProductUpsertResult> second = upsert(merchant, List.of(
                item("ERP-1", "Sencha Premium", "SEN-1", 1200),
                item("ERP-2", "Gyokuro", "GYO-1", 2800),
                item("ERP-3", "Hojicha", "HOJ-1", 900)));

        assertThat(second).extracting(ProductUpsertResult::getOutcome, ProductUpsertResult::getStatus).containsExactly(
                tuple(UpsertOutcome.UPDATED, ProductStatus.DRAFT),
                tuple(UpsertOutcome.UPDATED, ProductStatus.PUBLISHED),
                tuple(UpsertOutcome.CREATED, ProductStatus.DRAFT));
        assertThat(second.get(1).getProductId()).isEqualTo(published.getId());
        assertThat(second.get(1).getVariants()).extracting("id", "sku")
                .as("variant ids and SKUs in the result, so the ERP needs no read of the product")
                .containsExactly(tuple(published.getVariants().getFirst().getId(), "GYO-1"));
        assertThat(first.get(2).getVariants()).isNullOrEmpty();
        assertThat(merchant.client().products().getProduct(published.getId()).getVariants().getFirst().getPrice()
                .getAmount()).isEqualTo(2800L);
    }

    @Test
    void contentEditsOfAPublishedProductSendItBackToDraft() throws Exception {
        ActiveMerchant merchant = newMerchant();
        UUID id = upsert(merchant, List.of(item("ERP-PUB", "Matcha", "MAT-1", 2000))).getFirst().getProductId();
        publish(merchant, merchant.client().products().getProduct(id));

        ProductUpsertResult edited = upsert(merchant, List.of(item("ERP-PUB", "Matcha, ceremonial", "MAT-1", 2000)))
                .getFirst();

        assertThat(edited.getOutcome()).isEqualTo(UpsertOutcome.UPDATED);
        assertThat(edited.getStatus()).isEqualTo(ProductStatus.DRAFT);
    }

    @Test
    void sendingTheSameRequestAgainChangesNothing() throws Exception {
        ActiveMerchant merchant = newMerchant();
        ProductBulkUpsert request = new ProductBulkUpsert().products(List.of(
                item("ERP-A", "Sencha", "A-1", 1200), item("ERP-B", "Bancha", "B-1", 600)));
        String key = UUID.randomUUID().toString();

        List<ProductUpsertResult> first = merchant.client().products().upsertProducts(request,
                RequestOptions.builder().idempotencyKey(key).build()).getResults();
        List<ProductUpsertResult> replayed = merchant.client().products().upsertProducts(request,
                RequestOptions.builder().idempotencyKey(key).build()).getResults();
        List<ProductUpsertResult> again = merchant.client().products().upsertProducts(request).getResults();

        assertThat(replayed).isEqualTo(first);
        assertThat(again).extracting(ProductUpsertResult::getOutcome).containsOnly(UpsertOutcome.UNCHANGED);
        assertThat(again).extracting(ProductUpsertResult::getVersion)
                .containsExactlyElementsOf(first.stream().map(ProductUpsertResult::getVersion).toList());
    }

    @Test
    void tenThousandSkusInOneRequest() throws Exception {
        ActiveMerchant merchant = newMerchant();
        List<ProductUpsertItem> items = IntStream.range(0, 2_000).mapToObj(p -> new ProductUpsertItem()
                .externalId("BULK-" + p).categoryId(tea.getId()).title(Map.of("en", "Tea " + p, "ja", "お茶 " + p))
                .variants(IntStream.range(0, 5).mapToObj(v -> variant("BULK-" + p + "-" + v, 1_000 + v)).toList()))
                .toList();

        long started = System.nanoTime();
        List<ProductUpsertResult> created = upsert(merchant, items);
        long createdMillis = (System.nanoTime() - started) / 1_000_000;
        started = System.nanoTime();
        List<ProductUpsertResult> resent = upsert(merchant, items);
        long resentMillis = (System.nanoTime() - started) / 1_000_000;
        LOG.log(System.Logger.Level.INFO, "Bulk upsert of 2,000 products with 10,000 SKUs: created in {0} ms, "
                + "re-sent (all unchanged) in {1} ms", createdMillis, resentMillis);

        assertThat(created).hasSize(2_000).extracting(ProductUpsertResult::getOutcome).containsOnly(UpsertOutcome.CREATED);
        assertThat(resent).extracting(ProductUpsertResult::getOutcome).containsOnly(UpsertOutcome.UNCHANGED);
    }

    @Test
    void moreThanTenThousandVariantsOrAnOperatorAreRefusedWhole() throws Exception {
        ActiveMerchant merchant = newMerchant();
        List<ProductUpsertItem> tooMany = IntStream.range(0, 101).mapToObj(p -> new ProductUpsertItem()
                .externalId("MANY-" + p).categoryId(tea.getId()).title(Map.of("en", "Tea " + p))
                .variants(IntStream.range(0, 100).mapToObj(v -> variant("MANY-" + p + "-" + v, 1_000)).toList()))
                .toList();

        ValidationException refused = catchThrowableOfType(ValidationException.class, () -> upsert(merchant, tooMany));
        PermissionException operator = catchThrowableOfType(PermissionException.class, () -> server.client().products()
                .upsertProducts(new ProductBulkUpsert().products(List.of(item("OP-1", "Tea", "OP-1", 100)))));

        assertThat(refused.fieldErrors()).extracting("field", "code").containsExactly(tuple("products", "out_of_range"));
        assertThat(operator.code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(merchant.client().products().listProducts().getItems()).isEmpty();
    }

    private static List<ProductUpsertResult> upsert(ActiveMerchant merchant, List<ProductUpsertItem> items)
            throws Exception {
        return merchant.client().products().upsertProducts(new ProductBulkUpsert().products(items)).getResults();
    }

    private static Product publish(ActiveMerchant merchant, Product draft) throws Exception {
        Product pending = merchant.client().products().submitProduct(draft.getId(),
                new ProductStatusChange().version(draft.getVersion()));
        return server.client().products().approveProduct(pending.getId(),
                new ProductStatusChange().version(pending.getVersion()));
    }

    private static ProductUpsertItem item(String externalId, String title, String sku, long price) {
        return new ProductUpsertItem().externalId(externalId).categoryId(tea.getId()).title(Map.of("en", title))
                .variants(List.of(variant(sku, price)));
    }

    private static ProductVariantInput variant(String sku, long price) {
        return new ProductVariantInput().sku(sku).price(new Money().amount(price).currency("JPY"));
    }

    private static ActiveMerchant newMerchant() throws Exception {
        return catalog.activeMerchant("Bulk Merchant " + (++merchants) + " KK", tea.getId());
    }
}
