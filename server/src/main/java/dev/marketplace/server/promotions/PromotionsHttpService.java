package dev.marketplace.server.promotions;

import dev.marketplace.schema.tables.records.PromotionCouponRecord;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.http.VersionPreconditions;
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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** {@code /v1/promotions}: coupons and automatic promotions. Parses, delegates, renders. */
public final class PromotionsHttpService implements HttpService {

    static final String PATH = "/v1/promotions";
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{2,39}");
    private static final int MAX_RESTRICTIONS = 100;

    private final Coupons coupons;

    PromotionsHttpService(Coupons coupons) {
        this.coupons = coupons;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/coupons", this::list)
                .post("/coupons", this::create)
                .get("/coupons/{couponId}", this::get)
                .patch("/coupons/{couponId}", this::change)
                .post("/coupons/{couponId}/end", this::end);
    }

    public record CouponView(UUID id, String code, boolean automatic, String name, String kind,
                             Integer percentageBasisPoints, Money amountOff, Money minSpend, OffsetDateTime startsAt,
                             OffsetDateTime endsAt, Long maxUses, long uses, Money budget, Money spent,
                             Integer maxUsesPerCustomer, String funder, UUID merchantId, List<UUID> merchantIds,
                             List<UUID> categoryIds, List<UUID> productIds, String createdBy, OffsetDateTime createdAt,
                             long version) {
        static CouponView of(PromotionsRepository.CouponRow row) {
            PromotionCouponRecord c = row.coupon();
            String currency = c.getCurrency();
            return new CouponView(c.getId(), c.getCode(), c.getCode() == null, c.getName(), c.getKind(),
                    c.getPercentageBp(), c.getAmountOff() == null ? null : Money.of(c.getAmountOff(), currency),
                    Money.of(c.getMinSpend(), currency), c.getStartsAt(), c.getEndsAt(), c.getMaxUses(), row.uses(),
                    c.getBudget() == null ? null : Money.of(c.getBudget(), currency), Money.of(row.spent(), currency),
                    c.getMaxUsesPerCustomer(), c.getMerchantId() == null ? "platform" : "merchant:" + c.getMerchantId(),
                    c.getMerchantId(), Arrays.asList(c.getMerchantIds()), Arrays.asList(c.getCategoryIds()),
                    Arrays.asList(c.getProductIds()), c.getCreatedBy(), c.getCreatedAt(), c.getVersion());
        }
    }

    public record CouponPage(List<CouponView> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        var found = coupons.list(Authentication.principal(req), page);
        JsonResponses.ok(res, new CouponPage(found.items().stream().map(CouponView::of).toList(), found.nextCursor()));
    }

    private void get(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        JsonResponses.ok(res, CouponView.of(coupons.get(Authentication.principal(req), id(req))));
    }

    private void end(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        JsonResponses.ok(res, CouponView.of(coupons.end(Authentication.principal(req), id(req))));
    }

    private void change(ServerRequest req, ServerResponse res) {
        UUID id = id(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "name", "percentageBasisPoints", "amountOff",
                "minSpend", "endsAt", "maxUses", "budget", "maxUsesPerCustomer", "version");
        Optional<String> name = body.optionalString("name", 1, 200);
        Optional<Integer> percentage = body.optionalInt("percentageBasisPoints", 1, 10_000);
        Optional<Money> amountOff = body.nullableMoney("amountOff", 1);
        Optional<Money> minSpend = body.nullableMoney("minSpend", 0);
        Optional<OffsetDateTime> endsAt = body.isPresent("endsAt") ? Optional.ofNullable(body.requiredInstant("endsAt"))
                : Optional.empty();
        Optional<Long> maxUses = body.optionalLong("maxUses", 1, 1_000_000_000L);
        Optional<Money> budget = body.nullableMoney("budget", 1);
        Optional<Integer> perCustomer = body.optionalInt("maxUsesPerCustomer", 1, 1_000);
        Optional<Long> version = body.optionalLong("version", 1, Long.MAX_VALUE);
        body.throwIfInvalid();
        ExpectedVersion expected = VersionPreconditions.requireExpectedVersion(req, version);
        JsonResponses.ok(res, CouponView.of(coupons.change(Authentication.principal(req), id, new Coupons.CouponChange(
                name, percentage, amountOff, minSpend, endsAt, maxUses, budget, perCustomer), expected)));
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "code", "name", "kind", "percentageBasisPoints",
                "amountOff", "currency", "minSpend", "startsAt", "endsAt", "maxUses", "budget", "maxUsesPerCustomer",
                "merchantId", "merchantIds", "categoryIds", "productIds");
        Optional<String> code = body.optionalString("code", 3, 40);
        if (code.isPresent() && !CODE.matcher(code.get()).matches()) {
            body.reject("code", FieldError.INVALID_FORMAT, "must be letters, digits, _ and -, starting with a letter or digit");
        }
        String name = body.requiredString("name", 1, 200);
        Optional<String> kind = body.optionalEnum("kind", Set.of("percentage", "fixed_amount"));
        if (!body.isPresent("kind")) {
            body.reject("kind", FieldError.REQUIRED, "is required");
        }
        Optional<Integer> percentage = body.optionalInt("percentageBasisPoints", 1, 10_000);
        String currency = body.requiredString("currency", 3, 3);
        if (currency != null && !Money.isCurrencyCode(currency)) {
            body.reject("currency", FieldError.INVALID_FORMAT, "must be an ISO 4217 currency code such as JPY");
        }
        Optional<Long> amountOff = amount(body, "amountOff", currency, 1);
        long minSpend = amount(body, "minSpend", currency, 0).orElse(0L);
        OffsetDateTime startsAt = body.requiredInstant("startsAt");
        OffsetDateTime endsAt = body.requiredInstant("endsAt");
        Optional<Long> maxUses = body.optionalLong("maxUses", 1, 1_000_000_000L);
        Optional<Long> budget = amount(body, "budget", currency, 1);
        Optional<Integer> perCustomer = body.optionalInt("maxUsesPerCustomer", 1, 1_000);
        Optional<UUID> merchant = body.nullableUuid("merchantId");
        List<UUID> merchantIds = uuids(body, "merchantIds");
        List<UUID> categoryIds = uuids(body, "categoryIds");
        List<UUID> productIds = uuids(body, "productIds");
        body.throwIfInvalid();
        PromotionsRepository.CouponRow created = coupons.create(Authentication.principal(req), new Coupons.NewCoupon(code, name,
                kind.orElseThrow(), percentage, amountOff, currency, minSpend, startsAt, endsAt, maxUses, budget,
                perCustomer, merchant, merchantIds, categoryIds, productIds));
        res.header(HeaderNames.LOCATION, PATH + "/coupons/" + created.coupon().getId());
        JsonResponses.send(res, Status.CREATED_201, CouponView.of(created));
    }

    /** An optional amount of money in the coupon's currency, as its minor units. */
    private static Optional<Long> amount(JsonFields body, String name, String currency, long min) {
        Optional<Money> money = body.nullableMoney(name, min);
        if (money.isPresent() && currency != null && !money.get().currency().equals(currency)) {
            body.reject(name + "/currency", FieldError.OUT_OF_RANGE, "must be the coupon's currency " + currency);
        }
        return money.map(Money::amount);
    }

    private static List<UUID> uuids(JsonFields body, String name) {
        List<String> texts = body.optionalStrings(name, MAX_RESTRICTIONS, 36, 36).orElse(List.of());
        List<Optional<UUID>> ids = texts.stream().map(Ids::parse).toList();
        if (ids.stream().anyMatch(Optional::isEmpty)) {
            body.reject(name, FieldError.INVALID_FORMAT, "must be UUIDs");
            return List.of();
        }
        return ids.stream().map(Optional::orElseThrow).distinct().toList();
    }


    private static UUID id(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("couponId"))
                .orElseThrow(() -> ProblemException.notFound("coupon"));
    }
}
