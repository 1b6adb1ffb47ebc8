package dev.marketplace.server.partners;

import dev.marketplace.schema.tables.records.PartnerExchangeRecord;
import dev.marketplace.server.platform.http.Csv;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Authentication;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code /v1/partners}: the operator's registry of partners and their exchange terms, and each partner's daily
 * reconciliation (our file, its file, the mismatches) and statement. Parses, delegates, renders.
 */
public final class PartnersHttpService implements HttpService {

    private static final int MAX_ALLOWED_HOSTS = 20;
    /** A host name (or an IPv4 address): dot-separated labels of letters, digits and inner hyphens. */
    private static final Pattern HOST = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    static final String PATH = "/v1/partners";
    static final String CSV_COLUMNS = "reference,direction,state,member_id,points,partner_points,settlement_amount,"
            + "currency,created_at,resolved_at";
    private static final long MAX_POINTS = 1_000_000_000_000L;

    private final PartnerRegistry registry;
    private final ExchangeTerms terms;
    private final ExchangeReports reports;
    private final Exchanges exchanges;

    PartnersHttpService(PartnerRegistry registry, ExchangeTerms terms, ExchangeReports reports, Exchanges exchanges) {
        this.registry = registry;
        this.terms = terms;
        this.reports = reports;
        this.exchanges = exchanges;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::register)
                .get("/", this::list)
                .get("/{partnerId}", this::get)
                .patch("/{partnerId}", this::changeStatus)
                .post("/{partnerId}/exchange-terms", this::setTerms)
                .get("/{partnerId}/exchange-terms", this::listTerms)
                .get("/{partnerId}/exchange-days/{date}", this::dayFile)
                .put("/{partnerId}/exchange-days/{date}/partner-file", this::uploadFile)
                .get("/{partnerId}/exchange-days/{date}/mismatches", this::mismatches)
                .get("/{partnerId}/statement", this::statement);
    }

    public record PartnerView(UUID id, String name, String apiBaseUrl, String authType, String tokenUrl, String authClientId,
                       String status, long version, OffsetDateTime createdAt, List<String> allowedHosts) {
        static PartnerView of(PartnerRegistry.Partner p) {
            return new PartnerView(p.id(), p.name(), p.apiBaseUrl(), p.authType(), p.tokenUrl(), p.authClientId(),
                    p.status(), p.version(), p.createdAt(), p.allowedHosts());
        }
    }

    public record PartnerList(List<PartnerView> items) {
    }

    public record TermsView(UUID id, UUID partnerId, String direction, OffsetDateTime effectiveFrom, long rateNumerator,
                     long rateDenominator, long minimum, long step, long customerDailyCap, long customerMonthlyCap,
                     long globalDailyCap, Money settlementPrice, String createdBy, OffsetDateTime createdAt) {
        static TermsView of(ExchangeTerms.Terms t) {
            return new TermsView(t.id(), t.partnerId(), t.direction(), t.effectiveFrom(), t.rateNumerator(),
                    t.rateDenominator(), t.minimum(), t.step(), t.customerDailyCap(), t.customerMonthlyCap(),
                    t.globalDailyCap(), Money.of(t.settlementPrice(), t.currency()), t.createdBy(), t.createdAt());
        }
    }

    public record TermsList(List<TermsView> items) {
    }

    public record DayFile(UUID partnerId, LocalDate date, List<ExchangesHttpService.ExchangeView> items) {
    }

    public record MismatchReport(UUID partnerId, LocalDate date, List<MismatchView> items) {
    }

    public record MismatchView(String direction, String reference, String kind, Long marketplacePoints,
                               Long partnerFilePoints) {
        static MismatchView of(ExchangeReports.Mismatch m) {
            return new MismatchView(m.direction(), m.reference(), m.kind(), m.marketplacePoints(), m.partnerFilePoints());
        }
    }

    public record UploadView(UUID partnerId, LocalDate date, int lines) {
    }

    public record StatementView(UUID partnerId, LocalDate from, LocalDate to, Money owedToPartner, Money owedByPartner,
                         Money net, long exchanges) {
    }

    private void register(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "partnerId", "name", "apiBaseUrl", "authType",
                "tokenUrl", "authClientId", "secret", "webhookSecret", "status", "allowedHosts");
        UUID id = body.requiredUuid("partnerId");
        String name = body.requiredString("name", 1, 200);
        URI base = url(body, "apiBaseUrl", true);
        String authType = body.optionalEnum("authType", Set.of(PartnerRegistry.OAUTH2, PartnerRegistry.API_KEY))
                .orElse(null);
        if (!body.isPresent("authType")) {
            body.reject("authType", FieldError.REQUIRED, "is required");
        }
        URI tokenUrl = url(body, "tokenUrl", PartnerRegistry.OAUTH2.equals(authType));
        String clientId = body.optionalString("authClientId", 1, 200).orElse(null);
        if (PartnerRegistry.OAUTH2.equals(authType) && clientId == null) {
            body.reject("authClientId", FieldError.REQUIRED, "is required for OAuth2 client credentials");
        }
        if (PartnerRegistry.API_KEY.equals(authType) && (tokenUrl != null || clientId != null)) {
            body.reject("authType", FieldError.INVALID_FORMAT, "an API key needs no token URL or client id");
        }
        String secret = body.requiredString("secret", 8, 500);
        String webhookSecret = body.requiredString("webhookSecret", 16, 500);
        if (webhookSecret != null && !isStandardWebhooksSecret(webhookSecret)) {
            body.reject("webhookSecret", FieldError.INVALID_FORMAT,
                    "must be a Standard Webhooks secret: whsec_ and the base64 of at least 16 bytes");
        }
        String status = body.optionalEnum("status", Set.of("active", "suspended")).orElse(PartnerRegistry.ACTIVE);
        Optional<List<String>> listed = allowedHosts(body);
        // Without a list, the operator allows the hosts of the URLs it registers; with one, they must be on it.
        List<String> hosts = listed.orElseGet(() -> Stream.of(base, tokenUrl).filter(Objects::nonNull)
                .map(uri -> uri.getHost().toLowerCase(Locale.ROOT)).distinct().toList());
        listed.ifPresent(allowed -> {
            for (var url : List.of(Map.entry("apiBaseUrl", Optional.ofNullable(base)),
                    Map.entry("tokenUrl", Optional.ofNullable(tokenUrl)))) {
                url.getValue().filter(uri -> !allowed.contains(uri.getHost().toLowerCase(Locale.ROOT)))
                        .ifPresent(uri -> body.reject(url.getKey(), FieldError.OUT_OF_RANGE,
                                "its host is not on allowedHosts"));
            }
        });
        body.throwIfInvalid();
        PartnerRegistry.Partner partner = registry.register(Authentication.principal(req), new PartnerRegistry.Registration(
                id, name, base, authType, tokenUrl, clientId, secret, webhookSecret, status, hosts));
        res.header(HeaderNames.LOCATION, PATH + "/" + partner.id());
        JsonResponses.send(res, Status.CREATED_201, PartnerView.of(partner));
    }

    /** Host names, lower-cased and without repeats (decision 56); empty when absent or invalid. */
    private static Optional<List<String>> allowedHosts(JsonFields body) {
        Optional<List<String>> hosts = body.optionalStrings("allowedHosts", MAX_ALLOWED_HOSTS, 1, 253);
        return hosts.map(list -> {
            if (list.isEmpty()) {
                body.reject("allowedHosts", FieldError.OUT_OF_RANGE, "must name at least one host");
            }
            for (String host : list) {
                if (!HOST.matcher(host).matches()) {
                    body.reject("allowedHosts", FieldError.INVALID_FORMAT, "must be host names (letters, digits, "
                            + "hyphens and dots, or an IP address)");
                    break;
                }
            }
            return list.stream().map(host -> host.toLowerCase(Locale.ROOT)).distinct().toList();
        });
    }

    /** It signs the partner's webhook messages (decision 45), so it must be one the signer accepts. */
    private static boolean isStandardWebhooksSecret(String secret) {
        try {
            new StandardWebhooks(secret, Duration.ZERO);
            return secret.startsWith("whsec_");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** An absolute http(s) URL; where it may be called is decided at each call by the outbound layer's SSRF rules. */
    private static URI url(JsonFields body, String name, boolean required) {
        Optional<String> text = required ? Optional.ofNullable(body.requiredString(name, 1, 2000))
                : body.optionalString(name, 1, 2000);
        if (text.isEmpty()) {
            return null;
        }
        try {
            URI uri = new URI(text.get());
            if (!uri.isAbsolute() || uri.getHost() == null
                    || !Set.of("http", "https").contains(uri.getScheme().toLowerCase(java.util.Locale.ROOT))
                    || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                body.reject(name, FieldError.INVALID_FORMAT, "must be an absolute http(s) URL without credentials, query or fragment");
                return null;
            }
            return uri;
        } catch (URISyntaxException e) {
            body.reject(name, FieldError.INVALID_FORMAT, "must be an absolute http(s) URL");
            return null;
        }
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        JsonResponses.ok(res, new PartnerList(registry.list(Authentication.principal(req)).stream()
                .map(PartnerView::of).toList()));
    }

    private void get(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        JsonResponses.ok(res, PartnerView.of(registry.get(Authentication.principal(req), partnerId(req))));
    }

    private void changeStatus(ServerRequest req, ServerResponse res) {
        UUID id = partnerId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "status", "version", "allowedHosts");
        String status = body.optionalEnum("status", Set.of("active", "suspended")).orElse(null);
        List<String> hosts = allowedHosts(body).orElse(null);
        if (!body.isPresent("status")) {
            body.reject("status", FieldError.REQUIRED, "is required");
        }
        Optional<Long> version = body.optionalLong("version", 1, Long.MAX_VALUE);
        if (!body.isPresent("version")) {
            body.reject("version", FieldError.REQUIRED, "is required");
        }
        body.throwIfInvalid();
        JsonResponses.ok(res, PartnerView.of(registry.changeStatus(Authentication.principal(req), id, status, hosts,
                version.orElseThrow())));
    }

    private void setTerms(ServerRequest req, ServerResponse res) {
        UUID partner = partnerId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "direction", "effectiveFrom", "rateNumerator",
                "rateDenominator", "minimum", "step", "customerDailyCap", "customerMonthlyCap", "globalDailyCap",
                "settlementPrice");
        String direction = body.optionalEnum("direction", Set.of(ExchangeTerms.OUTBOUND, ExchangeTerms.INBOUND))
                .orElse(null);
        if (!body.isPresent("direction")) {
            body.reject("direction", FieldError.REQUIRED, "is required");
        }
        // In UTC to the microsecond, as PostgreSQL keeps it: the terms answered are the terms stored.
        OffsetDateTime effectiveFrom = Optional.ofNullable(body.requiredInstant("effectiveFrom"))
                .map(from -> from.withOffsetSameInstant(java.time.ZoneOffset.UTC)
                        .truncatedTo(java.time.temporal.ChronoUnit.MICROS))
                .orElse(null);
        long numerator = required(body, "rateNumerator", 1, 1_000_000);
        long denominator = required(body, "rateDenominator", 1, 1_000_000);
        long minimum = required(body, "minimum", 1, MAX_POINTS);
        long step = required(body, "step", 1, MAX_POINTS);
        long daily = required(body, "customerDailyCap", 1, MAX_POINTS);
        long monthly = required(body, "customerMonthlyCap", 1, MAX_POINTS);
        long global = required(body, "globalDailyCap", 1, MAX_POINTS);
        Money price = body.requiredMoney("settlementPrice", 0);
        body.throwIfInvalid();
        ExchangeTerms.Terms created = terms.set(Authentication.principal(req), new ExchangeTerms.Terms(null, partner,
                direction, effectiveFrom, numerator, denominator, minimum, step, daily, monthly, global, price.amount(),
                price.currency(), null, null), exchanges.now());
        JsonResponses.send(res, Status.CREATED_201, TermsView.of(created));
    }

    private static long required(JsonFields body, String name, long min, long max) {
        Optional<Long> value = body.optionalLong(name, min, max);
        if (!body.isPresent(name)) {
            body.reject(name, FieldError.REQUIRED, "is required");
        }
        return value.orElse(0L);
    }

    private void listTerms(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        JsonResponses.ok(res, new TermsList(terms.list(Authentication.principal(req), partnerId(req)).stream()
                .map(TermsView::of).toList()));
    }

    private void dayFile(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        UUID partner = partnerId(req);
        LocalDate day = date(req);
        List<PartnerExchangeRecord> rows = reports.day(Authentication.principal(req), partner, day);
        if (Csv.preferred(req)) {
            StringBuilder csv = new StringBuilder(CSV_COLUMNS).append("\r\n");
            for (PartnerExchangeRecord row : rows) {
                csv.append(Csv.field(row.getReference())).append(',').append(row.getDirection()).append(',')
                        .append(row.getState()).append(',').append(Csv.field(row.getMemberId())).append(',')
                        .append(row.getOurPoints()).append(',').append(row.getPartnerPoints()).append(',')
                        .append(row.getSettlementAmount()).append(',').append(row.getCurrency()).append(',')
                        .append(row.getCreatedAt()).append(',')
                        .append(row.getResolvedAt() == null ? "" : row.getResolvedAt().toString()).append("\r\n");
            }
            Csv.send(res, csv.toString());
            return;
        }
        JsonResponses.ok(res, new DayFile(partner, day, rows.stream().map(ExchangesHttpService.ExchangeView::of).toList()));
    }

    private void uploadFile(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "lines");
        List<ExchangeReports.PartnerLine> lines = new ArrayList<>();
        Optional<List<JsonFields>> items = body.optionalObjects("lines", 0, 10_000, "direction", "reference",
                "partnerPoints");
        if (!body.isPresent("lines")) {
            body.reject("lines", FieldError.REQUIRED, "is required");
        }
        for (JsonFields line : items.orElse(List.of())) {
            String direction = line.optionalEnum("direction", Set.of(ExchangeTerms.OUTBOUND, ExchangeTerms.INBOUND))
                    .orElse(null);
            if (!line.isPresent("direction")) {
                line.reject("direction", FieldError.REQUIRED, "is required");
            }
            String reference = line.requiredString("reference", 1, 255);
            long points = required(line, "partnerPoints", 0, MAX_POINTS);
            lines.add(new ExchangeReports.PartnerLine(direction, reference, points));
        }
        body.throwIfInvalid();
        UUID partner = partnerId(req);
        LocalDate day = date(req);
        int stored = reports.upload(Authentication.principal(req), partner, day, lines);
        JsonResponses.ok(res, new UploadView(partner, day, stored));
    }

    private void mismatches(ServerRequest req, ServerResponse res) {
        QueryParameters.of(req).throwIfInvalid();
        UUID partner = partnerId(req);
        LocalDate day = date(req);
        JsonResponses.ok(res, new MismatchReport(partner, day, reports.mismatches(Authentication.principal(req), partner,
                day).stream().map(MismatchView::of).toList()));
    }

    private void statement(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "from", "to");
        LocalDate from = queryDate(query, "from");
        LocalDate to = queryDate(query, "to");
        if (from != null && to != null && (to.isBefore(from) || from.plusDays(366).isBefore(to))) {
            query.reject("to", FieldError.OUT_OF_RANGE, "must be on or after from, within 366 days");
        }
        query.throwIfInvalid();
        UUID partner = partnerId(req);
        String currency = exchanges.currency();
        ExchangeReports.Statement statement = reports.statement(Authentication.principal(req), partner, from, to,
                currency);
        JsonResponses.ok(res, new StatementView(partner, from, to, Money.of(statement.owedToPartner(), currency),
                Money.of(statement.owedByPartner(), currency), Money.of(statement.net(), currency), statement.exchanges()));
    }

    private static LocalDate queryDate(QueryParameters query, String name) {
        Optional<String> text = query.text(name, 10, 10);
        if (text.isEmpty()) {
            query.reject(name, FieldError.REQUIRED, "is required");
            return null;
        }
        try {
            return LocalDate.parse(text.get());
        } catch (DateTimeParseException e) {
            query.reject(name, FieldError.INVALID_FORMAT, "must be a date (YYYY-MM-DD)");
            return null;
        }
    }

    private static UUID partnerId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("partnerId"))
                .orElseThrow(() -> ProblemException.notFound("partner"));
    }

    private static LocalDate date(ServerRequest req) {
        try {
            return LocalDate.parse(req.path().pathParameters().get("date"));
        } catch (DateTimeParseException e) {
            throw ProblemException.notFound("exchange day");
        }
    }
}
