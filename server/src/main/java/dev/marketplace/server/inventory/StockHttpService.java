package dev.marketplace.server.inventory;

import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** {@code /v1/stock}: stock levels, their updates (one item or many), and low-stock events. Parses, delegates, renders. */
public final class StockHttpService implements HttpService {

    public static final String PATH = "/v1/stock";
    /** The most items one update request carries: an ERP's full stock file for a mid-size merchant. */
    private static final int ITEMS_MAX = 10_000;
    private static final long QUANTITY_MAX = 1_000_000_000_000L;
    /** SKU and location codes: as the catalog and locations take them. */
    private static final int CODE_MAX = 64;
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final InventoryService inventory;

    public StockHttpService(InventoryService inventory) {
        this.inventory = inventory;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/updates", this::update)
                .get("/changes", this::changes)
                .get("/low-stock-events", this::lowStockEvents);
    }

    /** The JSON representation (see {@code StockLevel} in the OpenAPI document). */
    public record StockLevelResource(UUID variantId, String sku, UUID locationId, String locationCode,
                                     UUID merchantId, long onHand, long reserved, long available,
                                     Long lowStockThreshold, Long lastSourceSequence, OffsetDateTime updatedAt) {
        static StockLevelResource of(StockLevel level) {
            return new StockLevelResource(level.variantId(), level.sku(), level.locationId(), level.locationCode(),
                    level.merchantId(), level.onHand(),
                    level.reserved(), level.available(), level.lowStockThreshold().orElse(null),
                    level.lastSourceSequence().orElse(null), level.updatedAt());
        }
    }

    public record StockLevelPage(List<StockLevelResource> items, String nextCursor) {
    }

    public record LowStockEventPage(List<LowStockEvent> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "variantId", "locationId", "limit", "cursor");
        Optional<UUID> variantId = query.uuid("variantId");
        Optional<UUID> locationId = query.uuid("locationId");
        PageRequest page = query.pageRequest(CursorKey.UUID, CursorKey.UUID);
        query.throwIfInvalid();
        Page<StockLevelResource> result = inventory.listStock(Authentication.principal(req), variantId, locationId, page)
                .map(StockLevelResource::of);
        JsonResponses.ok(res, new StockLevelPage(result.items(), result.nextCursor()));
    }

    private void update(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "items");
        List<JsonFields> fields = body.optionalObjects("items", 1, ITEMS_MAX,
                "variantId", "sku", "locationId", "locationCode", "setOnHand", "sourceSequence", "adjustBy",
                "lowStockThreshold")
                .orElse(List.of());
        if (!body.isPresent("items")) {
            body.reject("items", FieldError.REQUIRED, "is required");
        }
        List<KeyedStockUpdate> items = new ArrayList<>(fields.size());
        for (JsonFields item : fields) {
            items.add(stockUpdate(item));
        }
        body.throwIfInvalid();
        List<StockUpdateResult> results = inventory.applyKeyedUpdates(Authentication.principal(req), items);
        JsonResponses.okStreamed(res, json -> StockUpdateResultsJson.write(json, results));
    }

    /**
     * One item: its variant ({@code variantId} or {@code sku}) and location ({@code locationId} or
     * {@code locationCode}), {@code setOnHand} with its {@code sourceSequence}, or {@code adjustBy} (not zero),
     * and/or {@code lowStockThreshold}; at least one change. Errors go to the request's list, named
     * {@code items/i/…}.
     */
    private static KeyedStockUpdate stockUpdate(JsonFields item) {
        Optional<UUID> variantId = item.nullableUuid("variantId");
        Optional<String> sku = code(item, "sku");
        Optional<UUID> locationId = item.nullableUuid("locationId");
        Optional<String> locationCode = code(item, "locationCode");
        oneOf(item, "variantId", "sku");
        oneOf(item, "locationId", "locationCode");
        Optional<Long> setOnHand = item.optionalLong("setOnHand", 0, QUANTITY_MAX);
        Optional<Long> sourceSequence = item.optionalLong("sourceSequence", 0, Long.MAX_VALUE);
        Optional<Long> adjustBy = item.optionalLong("adjustBy", -QUANTITY_MAX, QUANTITY_MAX);
        Optional<Optional<Long>> threshold = item.isNull("lowStockThreshold") ? Optional.of(Optional.empty())
                : item.optionalLong("lowStockThreshold", 0, QUANTITY_MAX).map(Optional::of);
        if (item.isPresent("setOnHand") && item.isPresent("adjustBy")) {
            item.reject("adjustBy", FieldError.INVALID_FORMAT, "cannot be combined with setOnHand");
        } else if (!item.isPresent("setOnHand") && !item.isPresent("adjustBy") && !item.isPresent("lowStockThreshold")) {
            item.reject("setOnHand", FieldError.REQUIRED, "is required unless adjustBy or lowStockThreshold is given");
        }
        if (item.isPresent("setOnHand") && !item.isPresent("sourceSequence")) {
            item.reject("sourceSequence", FieldError.REQUIRED, "is required with setOnHand");
        } else if (!item.isPresent("setOnHand") && item.isPresent("sourceSequence")) {
            item.reject("sourceSequence", FieldError.INVALID_FORMAT, "belongs to setOnHand only");
        }
        if (adjustBy.filter(delta -> delta == 0).isPresent()) {
            item.reject("adjustBy", FieldError.OUT_OF_RANGE, "must not be zero");
        }
        Optional<StockUpdate.AbsoluteCount> absolute = setOnHand.flatMap(onHand ->
                sourceSequence.map(sequence -> new StockUpdate.AbsoluteCount(onHand, sequence)));
        return new KeyedStockUpdate(variantId, sku, locationId, locationCode, absolute, adjustBy, threshold);
    }

    private static Optional<String> code(JsonFields item, String name) {
        Optional<String> code = item.optionalString(name, 1, CODE_MAX);
        if (code.filter(value -> !CODE.matcher(value).matches()).isPresent()) {
            item.reject(name, FieldError.INVALID_FORMAT,
                    "must be letters, digits, '.', '_' and '-', starting with a letter or digit");
        }
        return code;
    }

    /** Exactly one of the two keys naming the same thing. */
    private static void oneOf(JsonFields item, String id, String code) {
        boolean hasId = item.isPresent(id) && !item.isNull(id);
        if (hasId == (item.isPresent(code) && !item.isNull(code))) {
            item.reject(id, hasId ? FieldError.INVALID_FORMAT : FieldError.REQUIRED,
                    hasId ? "cannot be combined with " + code : "is required unless " + code + " is given");
        }
    }

    /** One entry of the feed (see {@code StockChange} in the OpenAPI document). */
    public record StockChangeResource(long position, String kind, UUID variantId, String sku, UUID locationId,
                                      String locationCode, OffsetDateTime changedAt, StockLevelResource stock,
                                      String reason, Long onHandDelta, Long reservedDelta) {
        static StockChangeResource of(StockChange change) {
            Optional<StockChange.What> what = change.what();
            return new StockChangeResource(change.position(), change.kind().wireName(), change.variantId(),
                    change.sku().orElse(null), change.locationId(), change.locationCode().orElse(null),
                    change.changedAt(), change.stock().map(StockLevelResource::of).orElse(null),
                    what.map(w -> w.reason().wireName()).orElse(null), what.map(StockChange.What::onHandDelta).orElse(null),
                    what.map(StockChange.What::reservedDelta).orElse(null));
        }
    }

    public record StockChangePage(List<StockChangeResource> items, String nextCursor) {
    }

    private void changes(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = ChangeLog.pageRequest(query);
        query.throwIfInvalid();
        ChangePage<StockChange> result = inventory.stockChanges(Authentication.principal(req), page);
        JsonResponses.ok(res, new StockChangePage(
                result.items().stream().map(StockChangeResource::of).toList(), result.nextCursor()));
    }

    private void lowStockEvents(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Page<LowStockEvent> result = inventory.listLowStockEvents(Authentication.principal(req), page);
        JsonResponses.ok(res, new LowStockEventPage(result.items(), result.nextCursor()));
    }
}
