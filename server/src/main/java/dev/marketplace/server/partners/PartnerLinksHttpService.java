package dev.marketplace.server.partners;

import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * {@code /v1/partner-links}: the customer a token acts for links, lists and removes its member ids at partners. The
 * customer-bound token is the customer's consent. Parses, delegates, renders.
 */
public final class PartnerLinksHttpService implements HttpService {

    static final String PATH = "/v1/partner-links";

    private final PartnerRegistry registry;

    PartnerLinksHttpService(PartnerRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::link)
                .get("/", this::list)
                .delete("/{partnerId}", this::unlink);
    }

    public record LinkView(UUID partnerId, String memberId, OffsetDateTime createdAt) {
        static LinkView of(PartnerRegistry.Link link) {
            return new LinkView(link.partnerId(), link.memberId(), link.createdAt());
        }
    }

    public record LinkList(List<LinkView> items) {
    }

    private void link(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "partnerId", "memberId");
        UUID partner = body.requiredUuid("partnerId");
        String member = body.requiredString("memberId", 1, 200);
        body.throwIfInvalid();
        JsonResponses.send(res, Status.CREATED_201, LinkView.of(registry.link(Authentication.principal(req), partner,
                member)));
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        JsonResponses.ok(res, new LinkList(registry.links(Authentication.principal(req)).stream().map(LinkView::of)
                .toList()));
    }

    private void unlink(ServerRequest req, ServerResponse res) {
        UUID partner = Ids.parse(req.path().pathParameters().get("partnerId"))
                .orElseThrow(() -> ProblemException.notFound("partner link"));
        registry.unlink(Authentication.principal(req), partner);
        res.status(Status.NO_CONTENT_204).send();
    }
}
