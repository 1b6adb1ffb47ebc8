package dev.marketplace.server.changes;

import static dev.marketplace.schema.Tables.PRODUCT;
import static dev.marketplace.schema.Tables.PRODUCT_VARIANT;
import static dev.marketplace.server.platform.http.JsonP.JSON;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.InventoryApi;
import dev.marketplace.sdk.api.InventoryApi.ListStockChangesParams;
import dev.marketplace.sdk.api.ProductsApi;
import dev.marketplace.sdk.api.ProductsApi.ListProductChangesParams;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ChangeKind;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductChange;
import dev.marketplace.sdk.model.ProductChangePage;
import dev.marketplace.sdk.model.ProductCreate;
import dev.marketplace.sdk.model.ProductStatus;
import dev.marketplace.sdk.model.ProductUpdate;
import dev.marketplace.sdk.model.ProductVariantInput;
import dev.marketplace.sdk.model.ReservationCreate;
import dev.marketplace.sdk.model.ReservationLineInput;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.StockChange;
import dev.marketplace.sdk.model.StockChangePage;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.JSONB;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The product and stock change feeds through the SDK: order, resuming, tombstones, tenancy, commit order. */
class ChangeFeedIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

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
    void createsEditsAndStatusChangesAppearInOrderWithTheCurrentProduct() throws Exception {
        ActiveMerchant merchant = newMerchant();
        Product draft = merchant.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Sencha", "SEN-1", 1200, "JPY"));
        Product edited = merchant.client().products().updateProduct(draft.getId(),
                new ProductUpdate().title(Map.of("en", "Sencha Premium")).version(draft.getVersion()));
        Product published = catalog.published(merchant, TestCatalog.product(tea.getId(), "Gyokuro", "GYO-1", 3000, "JPY"));

        List<ProductChange> changes = productChanges(merchant.client(), null, 200);

        // draft: created, edited; the other: created, submitted, approved
        assertThat(changes).extracting(ProductChange::getProductId).containsExactly(
                draft.getId(), edited.getId(), published.getId(), published.getId(), published.getId());
        assertThat(changes).extracting(ProductChange::getKind).containsOnly(ChangeKind.UPSERTED);
        assertThat(changes).extracting(ProductChange::getPosition).isSorted().doesNotHaveDuplicates();
        assertThat(changes.getLast().getProduct().getStatus()).isEqualTo(ProductStatus.PUBLISHED);
        assertThat(changes.getFirst().getProduct().getTitle()).containsEntry("en", "Sencha Premium");
    }

    @Test
    void aProductInTheFeedIsTheJsonEveryOtherProductEndpointAnswers() throws Exception {
        ActiveMerchant merchant = newMerchant();
        Product published = catalog.published(merchant, new ProductCreate().categoryId(tea.getId())
                .title(Map.of("ja", "有機緑茶 ＃１", "en", "Green tea \\ \"organic\" </script>"))
                .description(Map.of("en", "Loose leaf, 100 % 静岡"))
                .attributes(Map.of("origin", "静岡", "grade", "first flush"))
                .imageUrls(List.of("https://img.example/1.jpg", "https://img.example/2.jpg"))
                .handlingDays(2)
                .variants(List.of(variant("JSON-1").attributes(Map.of("size", "100g"))
                                .compareAtPrice(new Money().amount(2_000L).currency("JPY")),
                        variant("JSON-2"))));
        // What no request of a merchant sets directly: an external id, compliance findings, rejection reasons.
        server.db().update(PRODUCT).set(PRODUCT.EXTERNAL_ID, "erp-\"7\"")
                .set(PRODUCT.COMPLIANCE_FINDINGS, JSONB.jsonb("[{\"word\": \"最安値\", \"field\": \"title/ja\"}]"))
                .set(PRODUCT.REJECTION_REASONS, new String[] {"needs \"care\"", "画像"})
                .where(PRODUCT.ID.eq(published.getId())).execute();
        Product draft = merchant.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Bancha", "BAN-1", 800, "JPY"));

        JsonObject page = body(server.request("/v1/products/changes?limit=1000").GET().build()).asJsonObject();

        for (Product product : List.of(published, draft)) {
            JsonValue answered = body(server.request("/v1/products/" + product.getId()).GET().build());
            List<JsonValue> inFeed = page.getJsonArray("items").getValuesAs(JsonObject.class).stream()
                    .filter(item -> item.getString("productId").equals(product.getId().toString()))
                    .map(item -> item.get("product")).toList();
            assertThat(inFeed).isNotEmpty().containsOnly(answered);
        }
        assertThat(body(server.request("/v1/products/" + published.getId()).GET().build()).asJsonObject())
                .containsKeys("externalId", "handlingDays", "publishedAt");
    }

    @Test
    void theFeedsProductFollowsAVariantWrittenWithoutItsProduct() throws Exception {
        ActiveMerchant merchant = newMerchant();
        Product product = merchant.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Hojicha", "HOJ-1", 900, "JPY"));
        // SQL on the variant alone (an operator's): no product row changes, yet the entry text kept beside the
        // product (V104) must be the product as it is now.
        server.db().update(PRODUCT_VARIANT).set(PRODUCT_VARIANT.ATTRIBUTES, JSONB.jsonb("{\"roast\": \"dark\"}"))
                .where(PRODUCT_VARIANT.PRODUCT_ID.eq(product.getId())).execute();

        JsonObject page = body(server.request("/v1/products/changes?limit=1000").GET().build()).asJsonObject();

        JsonValue answered = body(server.request("/v1/products/" + product.getId()).GET().build());
        assertThat(answered.asJsonObject().getJsonArray("variants").getJsonObject(0).getJsonObject("attributes"))
                .containsEntry("roast", JSON.createValue("dark"));
        assertThat(page.getJsonArray("items").getValuesAs(JsonObject.class).stream()
                .filter(item -> item.getString("productId").equals(product.getId().toString()))
                .map(item -> item.get("product")).toList()).isNotEmpty().containsOnly(answered);
    }

    private static JsonValue body(java.net.http.HttpRequest request) {
        java.net.http.HttpResponse<String> response = server.send(request);
        assertThat(response.statusCode()).isEqualTo(200);
        try (JsonReader reader = JSON.createReader(new StringReader(response.body()))) {
            return reader.readValue();
        }
    }

    @Test
    void aPollerResumesFromItsCursorWithNothingLostOrRepeated() throws Exception {
        ActiveMerchant merchant = newMerchant();
        List<UUID> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            created.add(merchant.client().products().createProduct(
                    TestCatalog.product(tea.getId(), "Tea " + i, "RES-" + i, 1000, "JPY")).getId());
        }

        List<UUID> seen = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 4; page++) {
            ProductChangePage changes = merchant.client().products().listProductChanges(
                    ListProductChangesParams.builder().limit(2).cursor(cursor).build());
            changes.getItems().forEach(change -> seen.add(change.getProductId()));
            assertThat(changes.getNextCursor()).isNotNull();
            cursor = changes.getNextCursor();
        }
        assertThat(seen).containsExactlyElementsOf(created);

        Product later = merchant.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Later", "RES-LATER", 1000, "JPY"));
        ProductChangePage resumed = merchant.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(50).cursor(cursor).build());
        assertThat(resumed.getItems()).extracting(ProductChange::getProductId).containsExactly(later.getId());
    }

    @Test
    void anEmptyPageStillAnswersACursorToResumeFrom() throws Exception {
        ActiveMerchant merchant = newMerchant();

        ProductChangePage empty = merchant.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(10).build());
        ProductChangePage stillEmpty = merchant.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(10).cursor(empty.getNextCursor()).build());
        Product created = merchant.client().products().createProduct(
                TestCatalog.product(tea.getId(), "First", "EMPTY-1", 1000, "JPY"));
        ProductChangePage afterwards = merchant.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(10).cursor(stillEmpty.getNextCursor()).build());

        assertThat(empty.getItems()).isEmpty();
        assertThat(empty.getNextCursor()).isNotBlank();
        assertThat(stillEmpty.getItems()).isEmpty();
        assertThat(stillEmpty.getNextCursor()).isNotBlank();
        assertThat(afterwards.getItems()).extracting(ProductChange::getProductId).containsExactly(created.getId());
    }

    @Test
    void aDeletedDraftLeavesATombstoneAndAPublishedProductCannotBeDeleted() throws Exception {
        ActiveMerchant merchant = newMerchant();
        Product draft = merchant.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Gone", "GONE-1", 1000, "JPY"));
        Product published = catalog.published(merchant, TestCatalog.product(tea.getId(), "Kept", "KEPT-1", 1000, "JPY"));

        merchant.client().products().deleteProduct(draft.getId(),
                RequestOptions.builder().ifMatch("\"" + draft.getVersion() + "\"").build());
        ConflictException refused = catchThrowableOfType(ConflictException.class,
                () -> merchant.client().products().deleteProduct(published.getId()));

        assertThat(refused.code()).isEqualTo(ErrorCode.ILLEGAL_STATUS_TRANSITION);
        List<ProductChange> changes = productChanges(merchant.client(), null, 200);
        ProductChange tombstone = changes.getLast();
        assertThat(tombstone.getKind()).isEqualTo(ChangeKind.DELETED);
        assertThat(tombstone.getProductId()).isEqualTo(draft.getId());
        assertThat(tombstone.getProduct()).isNull();
        // the upsert of the deleted draft is left out: a mirror never sees a product it cannot have
        assertThat(changes).filteredOn(change -> change.getKind() == ChangeKind.UPSERTED)
                .extracting(ProductChange::getProductId).containsOnly(published.getId());
    }

    @Test
    void anotherMerchantsChangesNeverAppearButTheOperatorSeesAll() throws Exception {
        ActiveMerchant mine = newMerchant();
        ActiveMerchant theirs = newMerchant();
        Product own = mine.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Mine", "TEN-1", 1000, "JPY"));
        Product foreign = theirs.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Theirs", "TEN-1", 1000, "JPY"));

        assertThat(productChanges(mine.client(), null, 200)).extracting(ProductChange::getProductId)
                .containsExactly(own.getId());
        assertThat(productChanges(server.client(), null, 200)).extracting(ProductChange::getProductId)
                .contains(own.getId(), foreign.getId());
    }

    @Test
    void aMalformedCursorIsAValidationError() {
        ValidationException refused = catchThrowableOfType(ValidationException.class,
                () -> server.client().products().listProductChanges(
                        ListProductChangesParams.builder().limit(10).cursor("bm90LWEtY3Vyc29y").build()));

        assertThat(refused.fieldErrors()).extracting("field").containsExactly("cursor");
    }

    /**
     * A change whose transaction began earlier but commits later gets a position above everything served while it
     * was running: the poller, resuming from its cursor, still sees it.
     */
    @Test
    void aChangeCommittingLateIsNotSkippedByAPollerThatReadMeanwhile() throws Exception {
        ActiveMerchant merchant = newMerchant();
        Product early = merchant.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Early", "LATE-1", 1000, "JPY"));
        Product other = merchant.client().products().createProduct(
                TestCatalog.product(tea.getId(), "Other", "LATE-2", 1000, "JPY"));
        String cursor = merchant.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(200).build()).getNextCursor();

        List<ProductChange> seen = new ArrayList<>();
        List<String> cursorWhileRunning = new ArrayList<>();
        server.db().transaction(tx -> {
            tx.dsl().update(PRODUCT).set(PRODUCT.UPDATED_AT, OffsetDateTime.now())
                    .where(PRODUCT.ID.eq(early.getId())).execute();
            merchant.client().products().updateProduct(other.getId(),
                    new ProductUpdate().title(Map.of("en", "Other, edited")).version(other.getVersion()));
            ProductChangePage whileRunning = merchant.client().products().listProductChanges(
                    ListProductChangesParams.builder().limit(200).cursor(cursor).build());
            seen.addAll(whileRunning.getItems());
            cursorWhileRunning.add(whileRunning.getNextCursor());
        });
        seen.addAll(merchant.client().products().listProductChanges(
                ListProductChangesParams.builder().limit(200).cursor(cursorWhileRunning.getFirst()).build()).getItems());

        // the edit committed first, but is held back while the earlier transaction runs; then both come, once each
        assertThat(seen).extracting(ProductChange::getProductId).containsExactlyInAnyOrder(early.getId(), other.getId());
    }

    @Test
    void stockUpdatesReservationsAndRemovedVariantsAppearInTheStockFeed() throws Exception {
        ActiveMerchant merchant = newMerchant();
        ActiveMerchant other = newMerchant();
        Product product = merchant.client().products().createProduct(new ProductCreate().categoryId(tea.getId())
                .title(Map.of("en", "Matcha")).variants(List.of(variant("MAT-30G"), variant("MAT-100G"))));
        UUID small = product.getVariants().get(0).getId();
        UUID large = product.getVariants().get(1).getId();
        UUID warehouse = merchant.client().inventory().createLocation(
                new LocationCreate().code("KYOTO").name("Kyoto warehouse")).getId();
        merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(
                new StockUpdate().variantId(small).locationId(warehouse).onHand(10L).sourceSequence(1L),
                new StockUpdate().variantId(large).locationId(warehouse).onHand(4L).sourceSequence(1L))));
        StockChangePage beforeReservation = merchant.client().inventory().listStockChanges(
                ListStockChangesParams.builder().limit(200).build());

        storefront().reservations().createReservation(new ReservationCreate().lines(List.of(
                new ReservationLineInput().variantId(small).quantity(3L))));
        merchant.client().products().updateProduct(product.getId(), new ProductUpdate()
                .variants(List.of(variant("MAT-30G"))).version(product.getVersion()));
        List<StockChange> changes = merchant.client().inventory()
                .listStockChanges(
                        ListStockChangesParams.builder().limit(200).cursor(beforeReservation.getNextCursor()).build()).getItems();

        assertThat(beforeReservation.getItems()).extracting(StockChange::getVariantId).contains(small, large);
        assertThat(changes).extracting(StockChange::getKind, StockChange::getVariantId, StockChange::getLocationId)
                .containsExactly(tuple(ChangeKind.UPSERTED, small, warehouse),
                        tuple(ChangeKind.DELETED, large, warehouse));
        assertThat(changes.getFirst().getStock()).extracting("onHand", "reserved", "available")
                .containsExactly(10L, 3L, 7L);
        assertThat(beforeReservation.getItems()).filteredOn(change -> change.getVariantId().equals(small))
                .extracting(StockChange::getReason, StockChange::getOnHandDelta, StockChange::getReservedDelta)
                .as("the level appears, then the ERP's count lands on it")
                .containsExactly(tuple(StockChange.ReasonEnum.CREATED, 0L, 0L), tuple(StockChange.ReasonEnum.UPDATED, 10L, 0L));
        assertThat(changes).extracting(StockChange::getReason, StockChange::getOnHandDelta, StockChange::getReservedDelta)
                .as("what happened, so the ERP need not diff levels")
                .containsExactly(tuple(StockChange.ReasonEnum.RESERVED, 0L, 3L), tuple(StockChange.ReasonEnum.DELETED, -4L, 0L));
        assertThat(changes).extracting(StockChange::getSku, StockChange::getLocationCode)
                .as("the ERP's own keys, also on the tombstone of a level whose variant is gone")
                .containsExactly(tuple("MAT-30G", "KYOTO"), tuple("MAT-100G", "KYOTO"));
        assertThat(changes.getFirst().getStock()).extracting("sku", "locationCode").containsExactly("MAT-30G", "KYOTO");
        assertThat(other.client().inventory().listStockChanges(
                ListStockChangesParams.builder().limit(200).build()).getItems()).isEmpty();
    }

    private static List<ProductChange> productChanges(MarketplaceClient client, String cursor, int limit)
            throws Exception {
        return client.products().listProductChanges(
                ListProductChangesParams.builder().limit(limit).cursor(cursor).build()).getItems();
    }

    private static ProductVariantInput variant(String sku) {
        return new ProductVariantInput().sku(sku).price(new Money().amount(1_500L).currency("JPY"));
    }

    private static ActiveMerchant newMerchant() throws Exception {
        return catalog.activeMerchant("Feed Merchant " + (++merchants) + " KK", tea.getId());
    }

    private static MarketplaceClient storefront() throws Exception {
        ClientCredentials credentials = server.storefrontClient(new ClientCreate().name("Storefront")
                .scopes(List.of(Scope.INVENTORY_RESERVE)));
        return server.clientWithToken(server.token(credentials.getClient().getClientId(), credentials.getClientSecret()));
    }
}
