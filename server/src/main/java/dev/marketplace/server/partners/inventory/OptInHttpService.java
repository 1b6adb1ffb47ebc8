package dev.marketplace.server.partners.inventory;

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
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/partner-inventory/opt-ins}: a merchant's consent to sell through a partner. */
public final class OptInHttpService implements HttpService {

    public static final String PATH = "/v1/partner-inventory/opt-ins";

    private final AssortmentService assortment;

    OptInHttpService(AssortmentService assortment) {
        this.assortment = assortment;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::optIn)
                .delete("/{partnerId}", this::optOut);
    }

    /** The JSON representation (see {@code PartnerOptIn} in the OpenAPI document). */
    public record OptInResource(UUID partnerId, UUID merchantId, OffsetDateTime optedInAt) {
    }

    public record OptInPage(List<OptInResource> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "partnerId", "limit", "cursor");
        Optional<UUID> partnerId = query.uuid("partnerId");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID, CursorKey.UUID);
        query.throwIfInvalid();
        Page<OptInResource> optIns = assortment.optIns(Authentication.principal(req), partnerId, page)
                .map(optIn -> new OptInResource(optIn.partnerId(), optIn.merchantId(), optIn.optedInAt()));
        JsonResponses.ok(res, new OptInPage(optIns.items(), optIns.nextCursor()));
    }

    private void optIn(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "partnerId");
        UUID partnerId = body.requiredUuid("partnerId");
        body.throwIfInvalid();
        Principal merchant = merchant(req);
        JsonResponses.ok(res, new OptInResource(partnerId, merchant.id(), assortment.optIn(merchant, partnerId)));
    }

    private void optOut(ServerRequest req, ServerResponse res) {
        Principal merchant = merchant(req);
        UUID partnerId = Ids.parse(req.path().pathParameters().get("partnerId"))
                .orElseThrow(() -> ProblemException.notFound("opt-in"));
        assortment.optOut(merchant, partnerId);
        res.status(Status.NO_CONTENT_204).send();
    }

    /** Only a merchant opts its own products in (the operator shares, it does not consent for merchants). */
    private static Principal merchant(ServerRequest req) {
        Principal caller = Authentication.principal(req);
        if (caller.type() != PrincipalType.MERCHANT) {
            throw ProblemException.forbidden("Only a merchant opts its products in to a partner.");
        }
        return caller;
    }
}
