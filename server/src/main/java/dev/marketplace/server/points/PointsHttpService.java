package dev.marketplace.server.points;

import dev.marketplace.schema.tables.records.PointsCampaignRecord;
import dev.marketplace.schema.tables.records.PointsEntryRecord;
import dev.marketplace.schema.tables.records.PointsLotRecord;
import dev.marketplace.schema.tables.records.PointsTierRecord;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.VersionPreconditions;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.CursorKey;
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
import java.util.regex.Pattern;

/** {@code /v1/points}: a customer's points, campaigns, tiers and adjustments. Parses, delegates, renders. */
public final class PointsHttpService implements HttpService {

    static final String PATH = "/v1/points";
    private static final Pattern TIER_NAME = Pattern.compile("[a-z][a-z0-9_]{0,31}");
    private static final long DEFAULT_EXPIRING_DAYS = 30;

    private final PointsProgramme programme;

    PointsHttpService(PointsProgramme programme) {
        this.programme = programme;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/balance", this::balance)
                .get("/lots", this::lots)
                .get("/history", this::history)
                .get("/expiring", this::expiring)
                .post("/adjustments", this::adjust)
                .get("/campaigns", this::campaigns)
                .post("/campaigns", this::createCampaign)
                .post("/campaigns/{campaignId}/end", this::endCampaign)
                .patch("/campaigns/{campaignId}", this::changeCampaign)
                .get("/merchant-campaign-limits/{merchantId}", this::merchantLimits)
                .put("/merchant-campaign-limits/{merchantId}", this::putMerchantLimits)
                .get("/tiers", this::tiers)
                .put("/tiers/{tierName}", this::putTier);
    }

    public record BalanceView(long available, long pending, String tier, Money pointValue, OffsetDateTime nextExpiry) {
    }

    public record LotView(UUID id, String funder, String rule, UUID orderId, UUID subOrderId, long points, long remaining,
                   String state, OffsetDateTime earnedAt, OffsetDateTime expiresAt) {
        static LotView of(PointsLotRecord lot) {
            return new LotView(lot.getId(), lot.getFunder(), lot.getRule(), lot.getOrderId(), lot.getSubOrderId(),
                    lot.getPoints(), lot.getRemaining(), lot.getState(), lot.getEarnedAt(), lot.getExpiresAt());
        }
    }

    public record LotPage(List<LotView> items, String nextCursor) {
    }

    public record LotList(List<LotView> items) {
    }

    public record EntryView(String id, String kind, String bucket, long points, UUID lotId, UUID orderId, UUID subOrderId,
                     String actor, String reason, OffsetDateTime occurredAt) {
        static EntryView of(PointsEntryRecord entry) {
            return new EntryView(entry.getId().toString(), entry.getKind(), entry.getBucket(), entry.getPoints(),
                    entry.getLotId(), entry.getOrderId(), entry.getSubOrderId(), entry.getActor(), entry.getReason(),
                    entry.getOccurredAt());
        }
    }

    public record EntryPage(List<EntryView> items, String nextCursor) {
    }

    public record AdjustmentView(UUID customerId, long points, String reason, long availableAfter) {
    }

    public record CampaignView(UUID id, String name, UUID merchantId, UUID categoryId, int multiplierBasisPoints,
                        OffsetDateTime startsAt, OffsetDateTime endsAt, long capPerOrder, String funder,
                        String createdBy, OffsetDateTime createdAt, long version) {
        static CampaignView of(PointsCampaignRecord c) {
            return new CampaignView(c.getId(), c.getName(), c.getMerchantId(), c.getCategoryId(), c.getMultiplierBp(),
                    c.getStartsAt(), c.getEndsAt(), c.getCapPerOrder(), PointsLedger.funderOf(c.getMerchantId()),
                    c.getCreatedBy(), c.getCreatedAt(), c.getVersion());
        }
    }

    public record MerchantLimitsView(UUID merchantId, int maxMultiplierBasisPoints, long maxDurationHours,
                                     long maxCapPerOrder, String source) {
        static MerchantLimitsView of(PointsProgramme.MerchantLimits limits) {
            return new MerchantLimitsView(limits.merchantId(), limits.limits().maxMultiplierBasisPoints(),
                    limits.limits().maxDuration().toHours(), limits.limits().maxCapPerOrder(),
                    limits.ownLimits() ? "merchant" : "default");
        }
    }

    public record CampaignPage(List<CampaignView> items, String nextCursor) {
    }

    public record TierView(String name, long minSpend, int bonusBasisPoints) {
        static TierView of(PointsTierRecord tier) {
            return new TierView(tier.getName(), tier.getMinSpend(), tier.getBonusBp());
        }
    }

    public record TierList(List<TierView> items) {
    }

    private void balance(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        PointsService.Balance balance = programme.balance(Authentication.principal(req));
        JsonResponses.ok(res, new BalanceView(balance.available(), balance.pending(), balance.tier(),
                programme.pointValue(), balance.nextExpiry().orElse(null)));
    }

    private void lots(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        var lots = programme.lots(Authentication.principal(req), page);
        JsonResponses.ok(res, new LotPage(lots.items().stream().map(LotView::of).toList(), lots.nextCursor()));
    }

    private void history(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.POSITION);
        query.throwIfInvalid();
        var entries = programme.history(Authentication.principal(req), page);
        JsonResponses.ok(res, new EntryPage(entries.items().stream().map(EntryView::of).toList(), entries.nextCursor()));
    }

    private void expiring(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "days");
        long days = query.wholeNumber("days", 1, 366).orElse(DEFAULT_EXPIRING_DAYS);
        query.throwIfInvalid();
        JsonResponses.ok(res, new LotList(programme.expiring(Authentication.principal(req), days).stream()
                .map(LotView::of).toList()));
    }

    private void adjust(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "customerId", "points", "reason", "expiresAt");
        UUID customer = body.requiredUuid("customerId");
        Optional<Long> points = body.optionalLong("points", -10_000_000, 10_000_000);
        if (!body.isPresent("points")) {
            body.reject("points", FieldError.REQUIRED, "is required");
        } else if (points.filter(p -> p == 0).isPresent()) {
            body.reject("points", FieldError.OUT_OF_RANGE, "must not be 0");
        }
        String reason = body.requiredString("reason", 1, 500);
        Optional<OffsetDateTime> expiresAt = body.optionalInstant("expiresAt");
        if (expiresAt.isPresent() && points.filter(p -> p < 0).isPresent()) {
            body.reject("expiresAt", FieldError.OUT_OF_RANGE, "is for positive points only");
        }
        body.throwIfInvalid();
        long after = programme.adjust(Authentication.principal(req), customer, points.orElseThrow(), reason,
                expiresAt);
        JsonResponses.send(res, Status.CREATED_201, new AdjustmentView(customer, points.orElseThrow(), reason, after));
    }

    private void campaigns(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        var campaigns = programme.campaigns(Authentication.principal(req), page);
        JsonResponses.ok(res, new CampaignPage(campaigns.items().stream().map(CampaignView::of).toList(),
                campaigns.nextCursor()));
    }

    private void createCampaign(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "name", "multiplierBasisPoints", "startsAt", "endsAt",
                "capPerOrder", "merchantId", "categoryId");
        String name = body.requiredString("name", 1, 200);
        Integer multiplier = body.requiredInt("multiplierBasisPoints", 10_001, 1_000_000);
        OffsetDateTime startsAt = body.requiredInstant("startsAt");
        OffsetDateTime endsAt = body.requiredInstant("endsAt");
        Optional<Long> cap = body.optionalLong("capPerOrder", 1, 10_000_000);
        if (!body.isPresent("capPerOrder")) {
            body.reject("capPerOrder", FieldError.REQUIRED, "is required");
        }
        Optional<UUID> merchant = body.nullableUuid("merchantId");
        Optional<UUID> category = body.nullableUuid("categoryId");
        body.throwIfInvalid();
        PointsCampaignRecord created = programme.createCampaign(Authentication.principal(req),
                new PointsProgramme.NewCampaign(name, multiplier, startsAt, endsAt, cap.orElseThrow(), merchant, category));
        res.header(HeaderNames.LOCATION, PATH + "/campaigns/" + created.getId());
        JsonResponses.send(res, Status.CREATED_201, CampaignView.of(created));
    }

    private void endCampaign(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        UUID id = Ids.parse(req.path().pathParameters().get("campaignId"))
                .orElseThrow(() -> ProblemException.notFound("campaign"));
        JsonResponses.ok(res, CampaignView.of(programme.endCampaign(Authentication.principal(req), id)));
    }

    private void changeCampaign(ServerRequest req, ServerResponse res) {
        UUID id = Ids.parse(req.path().pathParameters().get("campaignId"))
                .orElseThrow(() -> ProblemException.notFound("campaign"));
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "name", "multiplierBasisPoints", "endsAt",
                "capPerOrder", "version");
        Optional<String> name = body.optionalString("name", 1, 200);
        Optional<Integer> multiplier = body.optionalInt("multiplierBasisPoints", 10_001, 1_000_000);
        Optional<OffsetDateTime> endsAt = body.isPresent("endsAt") ? Optional.ofNullable(body.requiredInstant("endsAt"))
                : Optional.empty();
        Optional<Long> cap = body.optionalLong("capPerOrder", 1, 10_000_000);
        Optional<Long> version = body.optionalLong("version", 1, Long.MAX_VALUE);
        body.throwIfInvalid();
        ExpectedVersion expected = VersionPreconditions.requireExpectedVersion(req, version);
        JsonResponses.ok(res, CampaignView.of(programme.changeCampaign(Authentication.principal(req), id,
                new PointsProgramme.CampaignChange(name, multiplier, endsAt, cap), expected)));
    }

    private void merchantLimits(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        JsonResponses.ok(res, MerchantLimitsView.of(programme.merchantLimits(Authentication.principal(req),
                merchantId(req))));
    }

    private void putMerchantLimits(ServerRequest req, ServerResponse res) {
        UUID merchantId = merchantId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "maxMultiplierBasisPoints", "maxDurationHours",
                "maxCapPerOrder");
        Integer multiplier = body.requiredInt("maxMultiplierBasisPoints", 10_001, 1_000_000);
        Integer hours = body.requiredInt("maxDurationHours", 1, 8_784);
        Optional<Long> cap = body.optionalLong("maxCapPerOrder", 1, 10_000_000);
        if (!body.isPresent("maxCapPerOrder")) {
            body.reject("maxCapPerOrder", FieldError.REQUIRED, "is required");
        }
        body.throwIfInvalid();
        JsonResponses.ok(res, MerchantLimitsView.of(programme.putMerchantLimits(Authentication.principal(req),
                merchantId, multiplier, hours, cap.orElseThrow())));
    }

    private static UUID merchantId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("merchantId"))
                .orElseThrow(() -> ProblemException.notFound("merchant"));
    }


    private void tiers(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        JsonResponses.ok(res, new TierList(programme.tiers().stream().map(TierView::of).toList()));
    }

    private void putTier(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("tierName");
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "minSpend", "bonusBasisPoints");
        if (!TIER_NAME.matcher(name).matches()) {
            body.reject("tierName", FieldError.INVALID_FORMAT, "must be lower-case letters, digits and _");
        }
        Optional<Long> minSpend = body.optionalLong("minSpend", 0, 1_000_000_000_000L);
        if (!body.isPresent("minSpend")) {
            body.reject("minSpend", FieldError.REQUIRED, "is required");
        }
        Integer bonus = body.requiredInt("bonusBasisPoints", 0, 10_000);
        body.throwIfInvalid();
        JsonResponses.ok(res, TierView.of(programme.putTier(Authentication.principal(req), name, minSpend.orElseThrow(),
                bonus)));
    }
}
