package dev.marketplace.server.orders;

import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/** {@code /v1/sub-orders}: a merchant's part of orders, as its ERP works them. Parses, delegates, renders. */
public final class SubOrderHttpService implements HttpService {

    public static final String PATH = "/v1/sub-orders";
    private static final int LINES_MAX = 1000;

    private final FulfilmentService fulfilment;

    public SubOrderHttpService(FulfilmentService fulfilment) {
        this.fulfilment = fulfilment;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .get("/changes", this::changes)
                .get("/{subOrderId}", (req, res) -> send(res, fulfilment.get(Authentication.principal(req), id(req))))
                .post("/{subOrderId}/accept", (req, res) -> send(res, fulfilment.accept(Authentication.principal(req),
                        id(req), reason(req, false))))
                .post("/{subOrderId}/reject", (req, res) -> send(res, fulfilment.reject(Authentication.principal(req),
                        id(req), reason(req, true))))
                .post("/{subOrderId}/deliver", (req, res) -> send(res, fulfilment.deliver(Authentication.principal(req),
                        id(req), reason(req, false))))
                .post("/{subOrderId}/cancel", (req, res) -> send(res, fulfilment.cancel(Authentication.principal(req),
                        id(req), reason(req, true))))
                .post("/{subOrderId}/ship", this::ship);
    }

    /** The JSON representation (see {@code MerchantSubOrder} in the OpenAPI document). */
    public record SubOrderResource(UUID id, UUID orderId, UUID merchantId, String status, Money subtotal, Money tax,
                                   Money total, Money commission, List<LineResource> lines,
                                   Order.ShippingAddress shippingAddress, List<ShipmentResource> shipments,
                                   OffsetDateTime acceptanceDueAt, OffsetDateTime shippedAt,
                                   OffsetDateTime deliveredAt, OffsetDateTime escrowReleasedAt, long version,
                                   OffsetDateTime createdAt, OffsetDateTime updatedAt, OffsetDateTime shipByAt) {
        static SubOrderResource of(SubOrderView view) {
            Order.SubOrder sub = view.subOrder();
            return new SubOrderResource(sub.id(), view.orderId(), sub.merchantId(), sub.status().wireName(),
                    sub.subtotal(), sub.tax(), sub.total(), sub.commission(), sub.lines().stream()
                    .map(line -> new LineResource(line.lineNumber(), line.variantId(), line.sku(), line.title(),
                            line.quantity(), view.shippedByLine().getOrDefault(line.lineNumber(), 0L),
                            line.unitPrice(), line.subtotal(), line.taxRateBasisPoints(), line.tax()))
                    .toList(), view.shippingAddress(), view.shipments().stream().map(s -> new ShipmentResource(s.id(),
                    s.carrier(), s.trackingNumber(), s.quantitiesByLine().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(e -> new ShipmentLine(e.getKey(), e.getValue())).toList(), s.shippedAt())).toList(),
                    view.acceptanceDueAt(), view.shippedAt(), view.deliveredAt(), view.escrowReleasedAt(),
                    sub.version(), sub.createdAt(), sub.updatedAt(), view.shipByAt());
        }
    }

    public record LineResource(int lineNumber, UUID variantId, String sku, Map<String, String> title, long quantity,
                               long shippedQuantity, Money unitPrice, Money subtotal, int taxRateBasisPoints, Money tax) {
    }

    public record ShipmentResource(UUID id, String carrier, String trackingNumber, List<ShipmentLine> lines,
                                   OffsetDateTime shippedAt) {
    }

    public record ShipmentLine(int lineNumber, long quantity) {
    }

    public record SubOrderPage(List<SubOrderResource> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor", "status");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        Optional<SubOrderStatus> status = query.oneOf("status", Arrays.stream(SubOrderStatus.values())
                .map(SubOrderStatus::wireName).collect(Collectors.toSet())).map(SubOrderStatus::fromWireName);
        query.throwIfInvalid();
        Page<SubOrderView> result = fulfilment.list(Authentication.principal(req), status, page);
        JsonResponses.ok(res, new SubOrderPage(result.items().stream().map(SubOrderResource::of).toList(),
                result.nextCursor()));
    }

    public record SubOrderChangeResource(long position, OffsetDateTime changedAt, String event, SubOrderResource subOrder) {
    }

    public record SubOrderChangePage(List<SubOrderChangeResource> items, String nextCursor) {
    }

    private void changes(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = ChangeLog.pageRequest(query);
        query.throwIfInvalid();
        ChangePage<FulfilmentService.SubOrderChange> result = fulfilment.changes(Authentication.principal(req), page);
        JsonResponses.ok(res, new SubOrderChangePage(result.items().stream()
                .map(change -> new SubOrderChangeResource(change.position(), change.changedAt(),
                        change.event().orElse(null), SubOrderResource.of(change.subOrder())))
                .toList(), result.nextCursor()));
    }

    private void ship(ServerRequest req, ServerResponse res) {
        UUID id = id(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "carrier", "trackingNumber", "lines");
        String carrier = body.requiredString("carrier", 1, 50);
        String trackingNumber = body.requiredString("trackingNumber", 1, 100);
        Map<Integer, Long> quantities = new HashMap<>();
        for (JsonFields line : body.optionalObjects("lines", 1, LINES_MAX, "lineNumber", "quantity").orElse(List.of())) {
            Integer lineNumber = line.requiredInt("lineNumber", 0, LINES_MAX);
            Integer quantity = line.requiredInt("quantity", 1, 999);
            if (lineNumber != null && quantity != null && quantities.put(lineNumber, quantity.longValue()) != null) {
                line.reject("lineNumber", FieldError.DUPLICATE, "names a line already listed");
            }
        }
        body.throwIfInvalid();
        send(res, fulfilment.ship(Authentication.principal(req), id, carrier, trackingNumber, quantities));
    }

    /** The optional (or, for a rejection, required) reason of a state change. */
    private static String reason(ServerRequest req, boolean required) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reason");
        String reason = required ? body.requiredString("reason", 1, 500) : body.optionalString("reason", 1, 500).orElse(null);
        body.throwIfInvalid();
        return reason;
    }

    private static void send(ServerResponse res, SubOrderView view) {
        JsonResponses.ok(res, SubOrderResource.of(view));
    }

    private static UUID id(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("subOrderId")).orElseThrow(FulfilmentService::notFound);
    }
}
