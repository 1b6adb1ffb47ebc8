package dev.marketplace.server.inventory;

import static dev.marketplace.schema.Tables.STOCK_LEVEL;
import static dev.marketplace.schema.Tables.STOCK_RESERVATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.PermissionException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.api.InventoryApi;
import dev.marketplace.sdk.api.InventoryApi.ListLocationsParams;
import dev.marketplace.sdk.api.InventoryApi.ListLowStockEventsParams;
import dev.marketplace.sdk.api.InventoryApi.ListStockParams;
import dev.marketplace.sdk.invoker.ApiResponse;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.FieldError;
import dev.marketplace.sdk.model.Location;
import dev.marketplace.sdk.model.LocationCreate;
import dev.marketplace.sdk.model.LowStockEvent;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductCreate;
import dev.marketplace.sdk.model.ProductVariantInput;
import dev.marketplace.sdk.model.Reservation;
import dev.marketplace.sdk.model.ReservationCreate;
import dev.marketplace.sdk.model.ReservationLineInput;
import dev.marketplace.sdk.model.ReservationStatus;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.StockLevel;
import dev.marketplace.sdk.model.StockUpdate;
import dev.marketplace.sdk.model.StockUpdateBatch;
import dev.marketplace.sdk.model.StockUpdateOutcome;
import dev.marketplace.sdk.model.StockUpdateResult;
import dev.marketplace.server.testing.StatementRecorder;
import dev.marketplace.server.testing.TestCatalog;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Inventory through the generated SDK: locations, absolute and delta updates, bulk, reservations, low stock, tenancy. */
class InventoryApiIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final System.Logger LOG = System.getLogger(InventoryApiIT.class.getName());

    private static Category tea;
    private static ActiveMerchant kyotoTea;
    private static ActiveMerchant uji;
    private static MarketplaceClient storefront;
    private static MarketplaceClient otherStorefront;

    @BeforeAll
    static void merchants() throws Exception {
        TestCatalog catalog = new TestCatalog(server);
        tea = server.client().categories().createCategory(
                new CategoryCreate().name("Tea").commissionRateBasisPoints(1000));
        kyotoTea = catalog.activeMerchant("Kyoto Tea Co., Ltd.", tea.getId());
        uji = catalog.activeMerchant("Uji Gardens KK", tea.getId());
        storefront = storefront("Storefront");
        otherStorefront = storefront("Other storefront");
    }

    @Test
    void absoluteAndDeltaUpdatesChangeOnHandAndADeltaNeverGoesBelowZero() throws Exception {
        UUID variant = variants(kyotoTea, "ABS", 1).getFirst();
        UUID warehouse = location(kyotoTea, "ABS-WH").getId();

        StockUpdateResult set = single(kyotoTea, new StockUpdate().variantId(variant).locationId(warehouse)
                .onHand(10L).sourceSequence(1L));
        StockUpdateResult taken = single(kyotoTea, new StockUpdate().variantId(variant).locationId(warehouse).adjustBy(-3L));
        StockUpdateResult tooMuch = single(kyotoTea, new StockUpdate().variantId(variant).locationId(warehouse).adjustBy(-8L));

        assertThat(set.getOutcome()).isEqualTo(StockUpdateOutcome.APPLIED);
        assertThat(set.getStock().getOnHand()).isEqualTo(10L);
        assertThat(set.getStock().getLastSourceSequence()).isEqualTo(1L);
        assertThat(taken.getStock().getOnHand()).isEqualTo(7L);
        assertThat(taken.getStock().getAvailable()).isEqualTo(7L);
        assertThat(tooMuch.getOutcome()).isEqualTo(StockUpdateOutcome.REJECTED);
        assertThat(tooMuch.getCode()).isEqualTo("below_reserved");
        assertThat(tooMuch.getStock()).isNull();
        assertThat(stock(kyotoTea, variant, warehouse).getOnHand()).isEqualTo(7L);
    }

    @Test
    void anAbsoluteUpdateOlderThanTheLastAppliedIsIgnoredNotApplied() throws Exception {
        UUID variant = variants(kyotoTea, "STALE", 1).getFirst();
        UUID warehouse = location(kyotoTea, "STALE-WH").getId();
        single(kyotoTea, new StockUpdate().variantId(variant).locationId(warehouse).onHand(10L).sourceSequence(500L));

        StockUpdateResult older = single(kyotoTea, new StockUpdate().variantId(variant).locationId(warehouse)
                .onHand(3L).sourceSequence(499L));
        StockUpdateResult newer = single(kyotoTea, new StockUpdate().variantId(variant).locationId(warehouse)
                .onHand(4L).sourceSequence(501L));

        assertThat(older.getOutcome()).isEqualTo(StockUpdateOutcome.IGNORED_STALE);
        assertThat(older.getStock().getOnHand()).isEqualTo(10L);
        assertThat(newer.getOutcome()).isEqualTo(StockUpdateOutcome.APPLIED);
        assertThat(stock(kyotoTea, variant, warehouse).getOnHand()).isEqualTo(4L);
        assertThat(stock(kyotoTea, variant, warehouse).getLastSourceSequence()).isEqualTo(501L);
    }

    @Test
    void aBulkOfTenThousandItemsIsAppliedWithOneResultPerItemAndABadItemLosesNothingElse() throws Exception {
        List<UUID> variants = variants(kyotoTea, "BULK", 100);
        List<UUID> warehouses = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            warehouses.add(location(kyotoTea, "BULK-WH-" + i).getId());
        }
        List<StockUpdate> items = new ArrayList<>();
        for (UUID variant : variants) {
            for (UUID warehouse : warehouses) {
                items.add(new StockUpdate().variantId(variant).locationId(warehouse)
                        .onHand((long) items.size() % 50 + 1).sourceSequence(1L));
            }
        }
        int bad = 4_321;
        items.set(bad, new StockUpdate().variantId(UUID.randomUUID()).locationId(warehouses.getFirst()).adjustBy(1L));

        long started = System.nanoTime();
        List<StockUpdateResult> results = kyotoTea.client().inventory()
                .updateStock(new StockUpdateBatch().items(items)).getResults();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        LOG.log(System.Logger.Level.INFO, "10,000-item stock update took {0} ms", took.toMillis());

        assertThat(results).hasSize(10_000);
        assertThat(results).extracting(StockUpdateResult::getIndex).containsExactlyElementsOf(
                IntStream.range(0, 10_000).boxed().toList());
        assertThat(results.get(bad).getOutcome()).isEqualTo(StockUpdateOutcome.REJECTED);
        assertThat(results.get(bad).getCode()).isEqualTo("not_found");
        assertThat(results).filteredOn(result -> result.getOutcome() == StockUpdateOutcome.APPLIED).hasSize(9_999);
        assertThat(results.get(9_999).getStock().getOnHand()).isEqualTo(9_999L % 50 + 1);
        assertThat(server.db().fetchCount(STOCK_LEVEL, STOCK_LEVEL.VARIANT_ID.in(variants))).isEqualTo(9_999);
    }

    @Test
    void aWriteBackOfManyLevelsIsPlannedWithTheEmbeddedServersPageCostWhateverTheDatabaseSays() throws Exception {
        List<UUID> variants = variants(kyotoTea, "COST", 100);
        List<StockUpdate> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            UUID warehouse = location(kyotoTea, "COST-WH-" + i).getId();
            variants.forEach(variant -> items.add(new StockUpdate().variantId(variant).locationId(warehouse).onHand(5L)
                    .sourceSequence(1L)));
        }
        kyotoTea.client().inventory().updateStock(new StockUpdateBatch().items(items));
        List<StockKey> keys = items.stream().map(item -> new StockKey(item.getVariantId(), item.getLocationId()))
                .sorted().toList();

        // Decision 112: PostgreSQL's default random_page_cost (4) planned 10,000 fetches by address as a hash join
        // over the whole table; a bulk write-back lowers it for its transaction, a checkout's few levels do not.
        assertThat(pageCostAfterWritingBack(keys)).isEqualTo("1.1");
        assertThat(pageCostAfterWritingBack(keys.subList(1, keys.size()))).isEqualTo("4");
    }

    /** random_page_cost after writing these locked levels back, in a transaction that began with the default's 4. */
    private static String pageCostAfterWritingBack(List<StockKey> keys) {
        InventoryRepository repository = new InventoryRepository();
        return server.db().transactionResult(configuration -> {
            DSLContext db = DSL.using(configuration);
            db.execute("SET LOCAL random_page_cost = 4");
            LockedLevels locked = repository.lockLevels(db, keys);
            repository.saveLevels(db, locked.levels().values(), locked, StockChangeReason.UPDATED);
            return db.fetchValue(DSL.field("current_setting('random_page_cost')", String.class));
        });
    }

    @Test
    void anUpdateOfExistingLevelsIsCheckedByLockingThemWithoutLookingUpVariantsOrLocations() throws Exception {
        UUID variant = variants(kyotoTea, "OWN", 1).getFirst();
        UUID warehouse = location(kyotoTea, "OWN-WH").getId();
        setOnHand(kyotoTea, variant, warehouse, 5);

        // Decision 95: the level exists and is the caller's, so it proves its variant and location are.
        StatementRecorder recorder = new StatementRecorder(server);
        try {
            List<String> statements = recorder.recordedDuring("wanted(variant_id, location_id)",
                    () -> single(kyotoTea, new StockUpdate().variantId(variant).locationId(warehouse).adjustBy(1L)));
            assertThat(statements).isNotEmpty()
                    .noneMatch(sql -> sql.contains("\"product_variant\"") || sql.contains("\"stock_location\""));
        } finally {
            recorder.stop();
        }
        assertThat(stock(kyotoTea, variant, warehouse).getOnHand()).isEqualTo(6L);
    }

    @Test
    void aReservationIsAllOrNothing() throws Exception {
        List<UUID> variants = variants(kyotoTea, "ALL", 2);
        UUID warehouse = location(kyotoTea, "ALL-WH").getId();
        setOnHand(kyotoTea, variants.get(0), warehouse, 5);
        setOnHand(kyotoTea, variants.get(1), warehouse, 1);

        ConflictException refused = catchThrowableOfType(ConflictException.class, () ->
                storefront.reservations().createReservation(new ReservationCreate().lines(List.of(
                        new ReservationLineInput().variantId(variants.get(0)).quantity(2L),
                        new ReservationLineInput().variantId(variants.get(1)).quantity(2L)))));

        assertThat(refused.code()).isEqualTo(ErrorCode.INSUFFICIENT_STOCK);
        assertThat(refused.problem().getUnavailableLines()).containsExactly(1);
        assertThat(stock(kyotoTea, variants.get(0), warehouse).getReserved()).isZero();
        assertThat(stock(kyotoTea, variants.get(1), warehouse).getReserved()).isZero();
    }

    @Test
    void aReleasedReservationGivesTheStockBackAndACommittedOneSellsIt() throws Exception {
        UUID variant = variants(kyotoTea, "RC", 1).getFirst();
        UUID small = location(kyotoTea, "RC-SMALL").getId();
        UUID large = location(kyotoTea, "RC-LARGE").getId();
        setOnHand(kyotoTea, variant, small, 2);
        setOnHand(kyotoTea, variant, large, 10);

        ApiResponse<Reservation> created = storefront.reservations().createReservationWithHttpInfo(
                new ReservationCreate().lines(List.of(new ReservationLineInput().variantId(variant).quantity(3L))));
        Reservation held = created.getData();
        assertThat(created.getStatusCode()).isEqualTo(201);
        assertThat(created.getHeaders().get("location")).containsExactly("/v1/reservations/" + held.getId());
        assertThat(held.getStatus()).isEqualTo(ReservationStatus.ACTIVE);
        assertThat(held.getLines()).extracting("locationId", "quantity").containsExactly(tuple(large, 3L));
        assertThat(stock(kyotoTea, variant, large)).extracting("onHand", "reserved", "available").containsExactly(10L, 3L, 7L);

        Reservation released = storefront.reservations().releaseReservation(held.getId());
        assertThat(released.getStatus()).isEqualTo(ReservationStatus.RELEASED);
        assertThat(stock(kyotoTea, variant, large)).extracting("onHand", "reserved").containsExactly(10L, 0L);
        assertThat(storefront.reservations().releaseReservation(held.getId()).getStatus()).isEqualTo(ReservationStatus.RELEASED);

        Reservation sold = storefront.reservations().createReservation(new ReservationCreate().lines(List.of(
                new ReservationLineInput().variantId(variant).quantity(2L).locationId(small))));
        Reservation committed = storefront.reservations().commitReservation(sold.getId());
        assertThat(committed.getStatus()).isEqualTo(ReservationStatus.COMMITTED);
        assertThat(stock(kyotoTea, variant, small)).extracting("onHand", "reserved").containsExactly(0L, 0L);
        assertThat(storefront.reservations().commitReservation(sold.getId()).getStatus()).isEqualTo(ReservationStatus.COMMITTED);
        ConflictException releaseCommitted = catchThrowableOfType(ConflictException.class,
                () -> storefront.reservations().releaseReservation(sold.getId()));
        assertThat(releaseCommitted.code()).isEqualTo(ErrorCode.ILLEGAL_STATUS_TRANSITION);
        assertThat(releaseCommitted.problem().getCurrentState()).isEqualTo("committed");
    }

    @Test
    void anExpiredReservationIsReleasedByTheJobAndCanNoLongerBeCommitted() throws Exception {
        UUID variant = variants(kyotoTea, "EXP", 1).getFirst();
        UUID warehouse = location(kyotoTea, "EXP-WH").getId();
        setOnHand(kyotoTea, variant, warehouse, 5);
        Reservation held = storefront.reservations().createReservation(new ReservationCreate()
                .lines(List.of(new ReservationLineInput().variantId(variant).quantity(4L))).expiresInSeconds(600));
        server.db().update(STOCK_RESERVATION).set(STOCK_RESERVATION.EXPIRES_AT, OffsetDateTime.now().minusMinutes(1))
                .where(STOCK_RESERVATION.ID.eq(held.getId())).execute();

        ConflictException late = catchThrowableOfType(ConflictException.class,
                () -> storefront.reservations().commitReservation(held.getId()));
        assertThat(late.problem().getCurrentState()).isEqualTo("expired");
        assertThat(stock(kyotoTea, variant, warehouse).getReserved()).isEqualTo(4L);

        assertThat(server.runJob(ReservationService.EXPIRY_JOB)).isGreaterThanOrEqualTo(1);

        assertThat(storefront.reservations().getReservation(held.getId()).getStatus()).isEqualTo(ReservationStatus.EXPIRED);
        assertThat(stock(kyotoTea, variant, warehouse)).extracting("onHand", "reserved").containsExactly(5L, 0L);
        assertThat(server.runJob(ReservationService.EXPIRY_JOB)).isZero();
    }

    @Test
    void anotherMerchantsStockAndLocationsAndAnotherStorefrontsReservationsAreNotFound() throws Exception {
        UUID variant = variants(kyotoTea, "TEN", 1).getFirst();
        UUID warehouse = location(kyotoTea, "TEN-WH").getId();
        setOnHand(kyotoTea, variant, warehouse, 3);
        UUID ujiWarehouse = location(uji, "TEN-WH").getId();
        Reservation held = storefront.reservations().createReservation(new ReservationCreate()
                .lines(List.of(new ReservationLineInput().variantId(variant).quantity(1L))));

        assertThat(uji.client().inventory().listStock(
                ListStockParams.builder().variantId(variant).build()).getItems()).isEmpty();
        assertThat(uji.client().inventory().listLocations(
                ListLocationsParams.builder().limit(200).build()).getItems()).extracting(Location::getId)
                .contains(ujiWarehouse).doesNotContain(warehouse);
        StockUpdateResult foreignVariant = single(uji, new StockUpdate().variantId(variant).locationId(ujiWarehouse).adjustBy(1L));
        StockUpdateResult foreignLocation = single(uji, new StockUpdate().variantId(variant).locationId(warehouse).adjustBy(1L));
        assertThat(foreignVariant.getCode()).isEqualTo("not_found");
        assertThat(foreignLocation.getCode()).isEqualTo("not_found");
        assertThat(catchThrowableOfType(NotFoundException.class,
                () -> otherStorefront.reservations().releaseReservation(held.getId())).code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(stock(kyotoTea, variant, warehouse)).extracting("onHand", "reserved").containsExactly(3L, 1L);
        assertThat(server.client().inventory().listStock(
                ListStockParams.builder().variantId(variant).build()).getItems()).hasSize(1);
    }

    @Test
    void eachOperationNeedsItsScope() throws Exception {
        UUID variant = variants(kyotoTea, "SCOPE", 1).getFirst();
        ClientCredentials reader = kyotoTea.client().clients().createClient(new ClientCreate().name("Stock reader")
                .principalType(PrincipalType.MERCHANT).principalId(kyotoTea.id()).scopes(List.of(Scope.INVENTORY_READ)));
        MarketplaceClient readOnly = server.clientWithToken(server.token(reader.getClient().getClientId(),
                reader.getClientSecret()));

        PermissionException merchantReserves = catchThrowableOfType(PermissionException.class, () ->
                kyotoTea.client().reservations().createReservation(new ReservationCreate().lines(List.of(
                        new ReservationLineInput().variantId(variant).quantity(1L)))));
        PermissionException storefrontUpdates = catchThrowableOfType(PermissionException.class, () ->
                storefront.inventory().updateStock(new StockUpdateBatch().items(List.of(
                        new StockUpdate().variantId(variant).locationId(UUID.randomUUID()).adjustBy(1L)))));
        PermissionException readerWrites = catchThrowableOfType(PermissionException.class, () ->
                readOnly.inventory().createLocation(new LocationCreate().code("RO").name("Read only")));

        assertThat(List.of(merchantReserves, storefrontUpdates, readerWrites))
                .extracting(PermissionException::code).containsOnly(ErrorCode.INSUFFICIENT_SCOPE);
        assertThat(readOnly.inventory().listLocations().getItems()).isNotNull();
        PermissionException operatorCreatesLocation = catchThrowableOfType(PermissionException.class, () ->
                server.client().inventory().createLocation(new LocationCreate().code("OP").name("Operator")));
        assertThat(operatorCreatesLocation.code()).isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void invalidInputIsRefusedWithOneErrorPerFieldAndChangesNothing() throws Exception {
        UUID variant = variants(kyotoTea, "BAD", 1).getFirst();
        UUID warehouse = location(kyotoTea, "BAD-WH").getId();
        setOnHand(kyotoTea, variant, warehouse, 5);
        int reservations = server.db().fetchCount(STOCK_RESERVATION);

        ValidationException refused = catchThrowableOfType(ValidationException.class, () ->
                kyotoTea.client().inventory().updateStock(new StockUpdateBatch().items(List.of(
                        new StockUpdate().variantId(variant).locationId(warehouse).adjustBy(1L),
                        new StockUpdate().variantId(variant).locationId(warehouse).onHand(-1L).sourceSequence(9L),
                        new StockUpdate().variantId(variant).locationId(warehouse).adjustBy(0L),
                        new StockUpdate().variantId(variant).locationId(warehouse).onHand(7L),
                        new StockUpdate().variantId(variant).locationId(warehouse).onHand(7L).sourceSequence(9L)
                                .adjustBy(2L)))));
        ValidationException badLocation = catchThrowableOfType(ValidationException.class, () ->
                kyotoTea.client().inventory().createLocation(new LocationCreate().code(" no spaces ").name("")));
        ValidationException badReservation = catchThrowableOfType(ValidationException.class, () ->
                storefront.reservations().createReservation(new ReservationCreate().expiresInSeconds(0).lines(List.of(
                        new ReservationLineInput().variantId(UUID.randomUUID()).quantity(1L),
                        new ReservationLineInput().variantId(variant).quantity(0L)))));

        assertThat(refused.fieldErrors()).extracting(FieldError::getField).containsExactly(
                "items/1/setOnHand", "items/2/adjustBy", "items/3/sourceSequence", "items/4/adjustBy");
        assertThat(badLocation.fieldErrors()).extracting(FieldError::getField).containsExactlyInAnyOrder("code", "name");
        assertThat(badReservation.fieldErrors()).extracting(FieldError::getField)
                .containsExactlyInAnyOrder("lines/1/quantity", "expiresInSeconds");
        assertThat(stock(kyotoTea, variant, warehouse)).extracting("onHand", "reserved").containsExactly(5L, 0L);
        assertThat(server.db().fetchCount(STOCK_RESERVATION)).isEqualTo(reservations);
    }

    @Test
    void aLowStockEventIsRecordedOnceWhenAvailableFallsBelowTheThreshold() throws Exception {
        UUID variant = variants(kyotoTea, "LOW", 1).getFirst();
        UUID warehouse = location(kyotoTea, "LOW-WH").getId();
        single(kyotoTea, new StockUpdate().variantId(variant).locationId(warehouse).onHand(10L).sourceSequence(1L)
                .lowStockThreshold(5L));

        adjust(kyotoTea, variant, warehouse, -3); // 7: above
        adjust(kyotoTea, variant, warehouse, -3); // 4: crosses below 5
        adjust(kyotoTea, variant, warehouse, -1); // 3: still below, no second event
        adjust(kyotoTea, variant, warehouse, 5);  // 8: above again
        storefront.reservations().createReservation(new ReservationCreate().lines(List.of(
                new ReservationLineInput().variantId(variant).quantity(4L)))); // available 4: crosses again

        List<LowStockEvent> events = kyotoTea.client().inventory().listLowStockEvents(
                ListLowStockEventsParams.builder().limit(200).build()).getItems().stream()
                .filter(event -> event.getVariantId().equals(variant)).toList();
        assertThat(events).extracting("locationId", "available", "threshold")
                .containsExactly(tuple(warehouse, 4L, 5L), tuple(warehouse, 4L, 5L));
        assertThat(uji.client().inventory().listLowStockEvents(
                ListLowStockEventsParams.builder().limit(200).build()).getItems())
                .noneMatch(event -> event.getVariantId().equals(variant));

        // Through the SDK: a threshold left unset stays; one set to null is sent and clears it.
        assertThat(stock(kyotoTea, variant, warehouse).getLowStockThreshold()).isEqualTo(5L);
        single(kyotoTea, new StockUpdate().variantId(variant).locationId(warehouse).lowStockThreshold(null));
        assertThat(stock(kyotoTea, variant, warehouse).getLowStockThreshold()).isNull();
    }

    @Test
    void anErpNamesVariantsByItsSkusAndLocationsByTheirCodesAndAnUnknownKeyLosesNothingElse() throws Exception {
        UUID variant = variants(kyotoTea, "ERPKEY", 1).getFirst();
        UUID warehouse = location(kyotoTea, "ERP-WH").getId();
        variants(uji, "ERPKEY", 1); // the same SKU at another merchant is not kyoto's
        location(uji, "UJI-ONLY");

        List<StockUpdateResult> results = kyotoTea.client().inventory().updateStock(new StockUpdateBatch().items(List.of(
                new StockUpdate().sku("ERPKEY-0").locationCode("ERP-WH").onHand(12L).sourceSequence(1L),
                new StockUpdate().sku("NO-SUCH-SKU").locationCode("ERP-WH").adjustBy(1L),
                new StockUpdate().variantId(variant).locationCode("UJI-ONLY").adjustBy(1L),
                new StockUpdate().sku("ERPKEY-0").locationId(warehouse).adjustBy(-2L)))).getResults();

        assertThat(results).extracting(StockUpdateResult::getIndex, StockUpdateResult::getOutcome,
                        StockUpdateResult::getVariantId, StockUpdateResult::getLocationId)
                .containsExactly(tuple(0, StockUpdateOutcome.APPLIED, variant, warehouse),
                        tuple(1, StockUpdateOutcome.REJECTED, null, warehouse),
                        tuple(2, StockUpdateOutcome.REJECTED, variant, null),
                        tuple(3, StockUpdateOutcome.APPLIED, variant, warehouse));
        assertThat(results.get(1).getCode()).isEqualTo("not_found");
        assertThat(results.get(1).getDetail()).contains("NO-SUCH-SKU");
        assertThat(results.get(3).getStock()).extracting("sku", "locationCode").containsExactly("ERPKEY-0", "ERP-WH");
        assertThat(stock(kyotoTea, variant, warehouse)).extracting("onHand", "sku", "locationCode")
                .as("stock levels carry the ERP's keys")
                .containsExactly(10L, "ERPKEY-0", "ERP-WH");

        ValidationException both = catchThrowableOfType(ValidationException.class, () ->
                kyotoTea.client().inventory().updateStock(new StockUpdateBatch().items(List.of(
                        new StockUpdate().variantId(variant).sku("ERPKEY-0").locationCode("ERP-WH").adjustBy(1L),
                        new StockUpdate().adjustBy(1L)))));
        assertThat(both.fieldErrors()).extracting(FieldError::getField)
                .containsExactlyInAnyOrder("items/0/variantId", "items/1/variantId", "items/1/locationId");
        assertThat(stock(kyotoTea, variant, warehouse)).extracting("onHand").isEqualTo(10L);
    }

    @Test
    void locationCodesAreUniquePerMerchant() throws Exception {
        location(kyotoTea, "TOKYO-1");
        ConflictException taken = catchThrowableOfType(ConflictException.class, () -> location(kyotoTea, "TOKYO-1"));
        assertThat(taken.code()).isEqualTo(ErrorCode.LOCATION_CODE_TAKEN);
        assertThat(location(uji, "TOKYO-1").getMerchantId()).isEqualTo(uji.id());
    }

    private static List<UUID> variants(ActiveMerchant merchant, String prefix, int count) throws Exception {
        List<ProductVariantInput> variants = IntStream.range(0, count).mapToObj(i -> new ProductVariantInput()
                .sku(prefix + "-" + i).price(new Money().amount(1_000L).currency("JPY"))).toList();
        Product product = merchant.client().products().createProduct(new ProductCreate().categoryId(tea.getId())
                .title(Map.of("en", prefix + " tea")).variants(variants));
        return product.getVariants().stream().map(variant -> variant.getId()).toList();
    }

    private static Location location(ActiveMerchant merchant, String code) throws Exception {
        return merchant.client().inventory().createLocation(new LocationCreate().code(code).name(code + " warehouse"));
    }

    private static StockUpdateResult single(ActiveMerchant merchant, StockUpdate item) throws Exception {
        return merchant.client().inventory().updateStock(new StockUpdateBatch().items(List.of(item)))
                .getResults().getFirst();
    }

    private static void setOnHand(ActiveMerchant merchant, UUID variant, UUID location, long onHand) throws Exception {
        assertThat(single(merchant, new StockUpdate().variantId(variant).locationId(location).onHand(onHand)
                .sourceSequence(System.nanoTime())).getOutcome()).isEqualTo(StockUpdateOutcome.APPLIED);
    }

    private static void adjust(ActiveMerchant merchant, UUID variant, UUID location, long delta) throws Exception {
        assertThat(single(merchant, new StockUpdate().variantId(variant).locationId(location).adjustBy(delta))
                .getOutcome()).isEqualTo(StockUpdateOutcome.APPLIED);
    }

    private static StockLevel stock(ActiveMerchant merchant, UUID variant, UUID location) throws Exception {
        return merchant.client().inventory().listStock(
                ListStockParams.builder().variantId(variant).locationId(location).build()).getItems().getFirst();
    }

    private static MarketplaceClient storefront(String name) throws Exception {
        ClientCredentials credentials = server.storefrontClient(new ClientCreate().name(name)
                .scopes(List.of(Scope.CATALOG_READ, Scope.INVENTORY_RESERVE)));
        return server.clientWithToken(server.token(credentials.getClient().getClientId(), credentials.getClientSecret()));
    }
}
