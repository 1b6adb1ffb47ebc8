package dev.marketplace.server.dropship;

import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/** {@code /v1/dropship/forwards}: sub-order lines sent to suppliers, their outcome and tracking (decision 39). */
public final class ForwardHttpService implements HttpService {

    public static final String PATH = "/v1/dropship/forwards";

    private final ForwardingService forwarding;

    ForwardHttpService(ForwardingService forwarding) {
        this.forwarding = forwarding;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .get("/{forwardId}", this::get)
                .post("/{forwardId}/retry", this::retry)
                .post("/{forwardId}/cancel", this::cancel);
    }

    /** See {@code DropshipForward} in the OpenAPI document. */
    public record ForwardView(UUID id, UUID subOrderId, int lineNumber, UUID variantId, long quantity, UUID connectionId,
                              String supplierSku, String status, String supplierOrderRef, String refusalReason,
                              int attempts, String carrier, String trackingNumber, OffsetDateTime createdAt,
                              OffsetDateTime updatedAt) {
        static ForwardView of(Forward f) {
            return new ForwardView(f.id(), f.subOrderId(), f.lineNumber(), f.variantId(), f.quantity(), f.connectionId(),
                    f.supplierSku(), f.status().wireName(), f.supplierOrderRef().orElse(null),
                    f.refusalReason().orElse(null), f.attempts(), f.carrier().orElse(null),
                    f.trackingNumber().orElse(null), f.createdAt(), f.updatedAt());
        }
    }

    public record ForwardPage(List<ForwardView> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor", "subOrderId", "status");
        Optional<UUID> subOrderId = query.uuid("subOrderId");
        Optional<ForwardStatus> status = query.oneOf("status", Arrays.stream(ForwardStatus.values())
                .map(ForwardStatus::wireName).collect(Collectors.toSet())).flatMap(ForwardStatus::fromWireName);
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Page<ForwardView> result = forwarding.list(Authentication.principal(req), subOrderId, status, page)
                .map(ForwardView::of);
        JsonResponses.ok(res, new ForwardPage(result.items(), result.nextCursor()));
    }

    private void get(ServerRequest req, ServerResponse res) {
        JsonResponses.ok(res, ForwardView.of(forwarding.get(Authentication.principal(req), forwardId(req))));
    }

    private void retry(ServerRequest req, ServerResponse res) {
        JsonFields.of(JsonBody.readObject(req)).throwIfInvalid();
        JsonResponses.ok(res, ForwardView.of(forwarding.retry(Authentication.principal(req), forwardId(req))));
    }

    private void cancel(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reason");
        String reason = body.optionalString("reason", 1, 500).orElse("the supplier refused the order");
        body.throwIfInvalid();
        JsonResponses.ok(res, ForwardView.of(forwarding.cancel(Authentication.principal(req), forwardId(req), reason)));
    }

    private static UUID forwardId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("forwardId")).orElseThrow(ForwardingService::forwardNotFound);
    }
}
