package dev.marketplace.server.partners.inventory;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/partner-inventory/shares}: what the operator shares with partners, at which prices. */
public final class ShareHttpService implements HttpService {

    public static final String PATH = "/v1/partner-inventory/shares";
    private static final int ADJUSTMENT_MIN = -9000;
    private static final int ADJUSTMENT_MAX = 10_000;

    private final AssortmentService assortment;

    ShareHttpService(AssortmentService assortment) {
        this.assortment = assortment;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::create)
                .delete("/{shareId}", this::delete);
    }

    /** The JSON representation (see {@code AssortmentShare} in the OpenAPI document). */
    public record ShareResource(UUID id, UUID partnerId, UUID merchantId, UUID categoryId, int priceAdjustmentBasisPoints,
                         OffsetDateTime createdAt) {
        static ShareResource of(AssortmentShare share) {
            return new ShareResource(share.id(), share.partnerId(), share.merchantId().orElse(null),
                    share.categoryId().orElse(null), share.priceAdjustmentBasisPoints(), share.createdAt());
        }
    }

    public record SharePage(List<ShareResource> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "partnerId", "limit", "cursor");
        Optional<UUID> partnerId = query.uuid("partnerId");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Page<ShareResource> shares = assortment.shares(Authentication.principal(req), partnerId, page)
                .map(ShareResource::of);
        JsonResponses.ok(res, new SharePage(shares.items(), shares.nextCursor()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "partnerId", "merchantId", "categoryId",
                "priceAdjustmentBasisPoints");
        UUID partnerId = body.requiredUuid("partnerId");
        Optional<UUID> merchantId = body.nullableUuid("merchantId");
        Optional<UUID> categoryId = body.nullableUuid("categoryId");
        int adjustment = body.optionalInt("priceAdjustmentBasisPoints", ADJUSTMENT_MIN, ADJUSTMENT_MAX).orElse(0);
        if (merchantId.isPresent() == categoryId.isPresent()) {
            body.reject("merchantId", FieldError.REQUIRED, "exactly one of merchantId and categoryId is required");
        }
        body.throwIfInvalid();
        AssortmentShare share = assortment.share(partnerId, merchantId, categoryId, adjustment);
        res.header(HeaderNames.LOCATION, PATH + "/" + share.id());
        JsonResponses.send(res, Status.CREATED_201, ShareResource.of(share));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        assortment.deleteShare(Ids.parse(req.path().pathParameters().get("shareId"))
                .orElseThrow(() -> ProblemException.notFound("share")));
        res.status(Status.NO_CONTENT_204).send();
    }
}
