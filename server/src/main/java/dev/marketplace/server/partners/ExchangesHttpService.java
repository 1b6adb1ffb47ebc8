package dev.marketplace.server.partners;

import dev.marketplace.schema.tables.records.PartnerExchangeRecord;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Idempotency;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code /v1/exchanges}: points exchanges with partners. Outbound is asked for with a customer-bound token (a
 * storefront's or the partner's); inbound, its reversal and the partner's word on an outbound credit with the
 * partner's own client token. Parses, delegates, renders.
 */
public final class ExchangesHttpService implements HttpService {

    static final String PATH = "/v1/exchanges";
    static final String INBOUND_PATH = PATH + "/inbound";
    private static final long MAX_POINTS = 1_000_000_000_000L;

    private final Exchanges exchanges;

    ExchangesHttpService(Exchanges exchanges) {
        this.exchanges = exchanges;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/outbound", this::outbound)
                .get("/outbound/{reference}", this::getOutbound)
                .post("/outbound/{reference}/partner-outcome", this::partnerOutcome)
                .post("/inbound", this::inbound)
                .get("/inbound/{reference}", this::getInbound)
                .post("/inbound/{reference}/reversal", this::reverse);
    }

    public record ExchangeView(UUID id, UUID partnerId, String direction, String reference, String memberId, long points,
                        long partnerPoints, Money settlementAmount, String state, String failure, UUID compensates,
                        OffsetDateTime createdAt, OffsetDateTime resolvedAt) {
        static ExchangeView of(PartnerExchangeRecord row) {
            return new ExchangeView(row.getId(), row.getPartnerId(), row.getDirection(), row.getReference(),
                    row.getMemberId(), row.getOurPoints(), row.getPartnerPoints(),
                    Money.of(row.getSettlementAmount(), row.getCurrency()), row.getState(), row.getFailure(),
                    row.getCompensates(), row.getCreatedAt(), row.getResolvedAt());
        }
    }

    /** An outbound exchange and, when the partner credited it after it was released, its compensation. */
    public record OutboundView(ExchangeView exchange, ExchangeView compensation) {
    }

    private void outbound(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "partnerId", "points");
        UUID partner = body.requiredUuid("partnerId");
        long points = points(body, "points");
        body.throwIfInvalid();
        PartnerExchangeRecord exchange = exchanges.outbound(Authentication.principal(req), partner, points);
        res.header(HeaderNames.LOCATION, PATH + "/outbound/" + exchange.getReference());
        // 201 once the partner credited or refused; 202 while its answer is unknown (the reconciliation job follows up).
        JsonResponses.send(res, Exchanges.PENDING.equals(exchange.getState()) ? Status.ACCEPTED_202 : Status.CREATED_201,
                outboundView(exchange));
    }

    private OutboundView outboundView(PartnerExchangeRecord exchange) {
        return new OutboundView(ExchangeView.of(exchange),
                exchanges.compensationOf(exchange.getId()).map(ExchangeView::of).orElse(null));
    }

    private void getOutbound(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        JsonResponses.ok(res, outboundView(exchanges.byReference(Authentication.principal(req), ExchangeTerms.OUTBOUND,
                outboundReference(req))));
    }

    private void partnerOutcome(ServerRequest req, ServerResponse res) {
        String reference = outboundReference(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "status");
        Optional<String> status = body.optionalEnum("status", Set.of("credited", "refused"));
        if (!body.isPresent("status")) {
            body.reject("status", FieldError.REQUIRED, "is required");
        }
        body.throwIfInvalid();
        var caller = Authentication.principal(req);
        if (caller.customerId() != null || caller.type() != dev.marketplace.server.platform.security.PrincipalType.PARTNER) {
            throw ProblemException.forbidden("Only the partner's own client token reports its outcome.");
        }
        PartnerExchangeRecord exchange = exchanges.partnerOutcome(caller, reference,
                status.orElseThrow().equals("credited"));
        JsonResponses.ok(res, outboundView(exchange));
    }

    private void inbound(ServerRequest req, ServerResponse res) {
        String key = req.headers().first(Idempotency.HEADER).orElse(null);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "memberId", "partnerPoints");
        String member = body.requiredString("memberId", 1, 200);
        long points = points(body, "partnerPoints");
        // The platform's idempotency filter checks a key's length; this path keeps its keys itself.
        if (key == null) {
            body.reject("Idempotency-Key", FieldError.REQUIRED, "is required: it is the exchange's reference");
        }
        body.throwIfInvalid();
        Exchanges.Inbound inbound = exchanges.inbound(Authentication.principal(req), key, member, points);
        res.header(HeaderNames.LOCATION, PATH + "/inbound/" + java.net.URLEncoder.encode(key,
                java.nio.charset.StandardCharsets.UTF_8));
        JsonResponses.send(res, inbound.replayed() ? Status.OK_200 : Status.CREATED_201,
                ExchangeView.of(inbound.exchange()));
    }

    private void getInbound(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        JsonResponses.ok(res, ExchangeView.of(exchanges.byReference(Authentication.principal(req), ExchangeTerms.INBOUND,
                req.path().pathParameters().get("reference"))));
    }

    private void reverse(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        JsonResponses.ok(res, ExchangeView.of(exchanges.reverse(Authentication.principal(req),
                req.path().pathParameters().get("reference"))));
    }

    /** Our references are the exchanges' ids; anything else names no exchange. */
    private static String outboundReference(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("reference")).map(UUID::toString)
                .orElseThrow(() -> ProblemException.notFound("exchange"));
    }

    private static long points(JsonFields body, String name) {
        Optional<Long> points = body.optionalLong(name, 1, MAX_POINTS);
        if (!body.isPresent(name)) {
            body.reject(name, FieldError.REQUIRED, "is required");
        }
        return points.orElse(0L);
    }
}
