package dev.marketplace.server.orders;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/orders/{orderId}/returns} and {@code /v1/returns}: returns (RMA). Parses, delegates, renders. */
public final class ReturnHttpService implements HttpService {

    /** Registered at the API root: its routes span the order's returns and the returns themselves. */
    public static final String PATH = "/v1";
    private static final int LINES_MAX = 1000;

    private final ReturnService returns;

    public ReturnHttpService(ReturnService returns) {
        this.returns = returns;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/orders/{orderId}/returns", this::request)
                .get("/returns/{returnId}", (req, res) -> send(res, returns.get(Authentication.principal(req), id(req))))
                .post("/returns/{returnId}/approve", (req, res) -> send(res, returns.approve(Authentication.principal(req),
                        id(req), reason(req, false))))
                .post("/returns/{returnId}/refuse", (req, res) -> send(res, returns.refuse(Authentication.principal(req),
                        id(req), reason(req, true))))
                .post("/returns/{returnId}/receive", this::receive)
                .post("/returns/{returnId}/refund", this::refund);
    }

    /** The JSON representation (see {@code OrderReturn} in the OpenAPI document). */
    public record ReturnResource(UUID id, UUID orderId, UUID subOrderId, UUID merchantId, String status, String reason,
                                 List<LineResource> lines, UUID restockedLocationId, Money refunded, long version,
                                 OffsetDateTime createdAt, OffsetDateTime updatedAt) {
        static ReturnResource of(OrderReturn r) {
            return new ReturnResource(r.id(), r.orderId(), r.subOrderId(), r.merchantId(), r.status().wireName(),
                    r.reason(), r.quantitiesByLine().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(e -> new LineResource(e.getKey(), e.getValue())).toList(), r.restockedLocationId(),
                    r.refunded(), r.version(), r.createdAt(), r.updatedAt());
        }
    }

    public record LineResource(int lineNumber, long quantity) {
    }

    private void request(ServerRequest req, ServerResponse res) {
        UUID orderId = Ids.parse(req.path().pathParameters().get("orderId")).orElseThrow(OrderService::notFound);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "subOrderId", "lines", "reason");
        UUID subOrderId = body.requiredUuid("subOrderId");
        String reason = body.requiredString("reason", 1, 500);
        Map<Integer, Long> quantities = new HashMap<>();
        List<JsonFields> lines = body.optionalObjects("lines", 1, LINES_MAX, "lineNumber", "quantity").orElse(List.of());
        if (!body.isPresent("lines")) {
            body.reject("lines", FieldError.REQUIRED, "is required");
        }
        for (JsonFields line : lines) {
            Integer lineNumber = line.requiredInt("lineNumber", 0, LINES_MAX);
            Integer quantity = line.requiredInt("quantity", 1, 999);
            if (lineNumber != null && quantity != null && quantities.put(lineNumber, quantity.longValue()) != null) {
                line.reject("lineNumber", FieldError.DUPLICATE, "names a line already listed");
            }
        }
        body.throwIfInvalid();
        OrderReturn created = returns.request(Authentication.principal(req), orderId, subOrderId, quantities, reason);
        res.header(HeaderNames.LOCATION, "/v1/returns/" + created.id());
        JsonResponses.send(res, Status.CREATED_201, ReturnResource.of(created));
    }

    private void receive(ServerRequest req, ServerResponse res) {
        UUID id = id(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "locationId");
        Optional<UUID> locationId = body.nullableUuid("locationId");
        body.throwIfInvalid();
        send(res, returns.receive(Authentication.principal(req), id, locationId));
    }

    private void refund(ServerRequest req, ServerResponse res) {
        UUID id = id(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "amount");
        Optional<Money> amount = body.nullableMoney("amount", 1);
        body.throwIfInvalid();
        send(res, returns.refund(Authentication.principal(req), id, amount));
    }

    private static String reason(ServerRequest req, boolean required) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reason");
        String reason = required ? body.requiredString("reason", 1, 500) : body.optionalString("reason", 1, 500).orElse(null);
        body.throwIfInvalid();
        return reason;
    }

    private static void send(ServerResponse res, OrderReturn orderReturn) {
        JsonResponses.ok(res, ReturnResource.of(orderReturn));
    }

    private static UUID id(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("returnId")).orElseThrow(() -> ProblemException.notFound("return"));
    }
}
