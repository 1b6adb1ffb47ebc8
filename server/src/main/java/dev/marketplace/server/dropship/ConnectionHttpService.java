package dev.marketplace.server.dropship;

import dev.marketplace.server.catalog.Product;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
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
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** {@code /v1/dropship/connections}: a merchant's supplier connections, imports, syncs and backups (decision 39). */
public final class ConnectionHttpService implements HttpService {

    public static final String PATH = "/v1/dropship/connections";
    static final int MAX_MAPPINGS = 200;
    static final int MAX_IMPORT_IDS = 10_000;
    private static final long MAX_SYNC_SECONDS = Duration.ofDays(1).toSeconds();
    private static final int MAX_QUOTA_CALLS = 1_000_000_000;
    private static final int MAX_QUOTA_WINDOW_SECONDS = 31 * 24 * 3600;

    private final DropshipService dropship;
    private final boolean requireHttps;

    ConnectionHttpService(DropshipService dropship, boolean requireHttps) {
        this.dropship = dropship;
        this.requireHttps = requireHttps;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::create)
                .get("/{connectionId}", this::get)
                .post("/{connectionId}/imports", this::importProducts)
                .post("/{connectionId}/syncs", this::sync)
                .get("/{connectionId}/syncs", this::runs)
                .get("/{connectionId}/switches", this::switches)
                .post("/{connectionId}/backups", this::backup);
    }

    public record PricingView(int markupBasisPoints, long fixedAmount, int priceEnding, int priceEndingModulus,
                              int minMarginBasisPoints) {
    }

    public record BufferView(long units, int percent) {
    }

    public record MappingView(String supplierCategory, UUID categoryId) {
    }

    /** See {@code DropshipConnection} in the OpenAPI document; never its credentials. */
    public record ConnectionView(UUID id, UUID merchantId, String name, String kind, String baseUrl, String currency,
                                 PricingView pricing, BufferView buffer, String forwarding, List<MappingView> categoryMappings,
                                 UUID defaultCategoryId, UUID locationId, long syncEverySeconds, OffsetDateTime nextSyncAt,
                                 OffsetDateTime lastSuccessfulSyncAt, boolean selling, OffsetDateTime staleSince,
                                 long version, OffsetDateTime createdAt, QuotaView quota) {
        static ConnectionView of(Connection c, OffsetDateTime now) {
            PricingRule p = c.pricing();
            return new ConnectionView(c.id(), c.merchantId(), c.name(), c.kind().wireName(), c.baseUrl().orElse(null),
                    c.currency(), new PricingView(p.markupBasisPoints(), p.fixedAmount(), p.ending(), p.endingModulus(),
                    p.minMarginBasisPoints()), new BufferView(c.buffer().units(), c.buffer().percent()),
                    c.autoForward() ? "automatic" : "on_acceptance",
                    c.categoryMappings().entrySet().stream().sorted(Map.Entry.comparingByKey())
                            .map(e -> new MappingView(e.getKey(), e.getValue())).toList(),
                    c.defaultCategoryId(), c.locationId(), c.syncEvery().toSeconds(), c.nextSyncAt(), c.lastSuccessAt(),
                    c.staleSince().isEmpty(), c.staleSince().orElse(null), c.version(), c.createdAt(),
                    c.quota().map(q -> new QuotaView(q.calls(), q.window().toSeconds(), q.remaining(now),
                            q.windowEndsAt(now).orElse(null))).orElse(null));
        }
    }

    /** The supplier's call quota and the calls left in the running window (a gauge, read at the moment). */
    public record QuotaView(int calls, long windowSeconds, int remaining, OffsetDateTime windowEndsAt) {
    }

    public record ConnectionPage(List<ConnectionView> items, String nextCursor) {
    }

    public record ImportItemView(String supplierProductId, String outcome, UUID productId, String productStatus,
                                 String code, String detail) {
    }

    public record ImportView(int read, int created, int updated, int unchanged, int rejected, List<ImportItemView> items) {
        static ImportView of(DropshipService.ImportResult result) {
            return new ImportView(result.read(), result.created(), result.updated(), result.unchanged(), result.rejected(),
                    result.items().stream().map(i -> new ImportItemView(i.supplierProductId(), i.outcome(),
                            i.product().map(Product::id).orElse(null),
                            i.product().map(p -> p.status().wireName()).orElse(null),
                            i.code().orElse(null), i.detail().orElse(null))).toList());
        }
    }

    public record SyncRunView(UUID id, UUID connectionId, OffsetDateTime startedAt, long durationMillis, String outcome,
                              boolean incremental, int items, int changes, int failures, String error) {
        static SyncRunView of(SyncRun r) {
            return new SyncRunView(r.id(), r.connectionId(), r.startedAt(), r.durationMillis(), r.outcome(),
                    r.incremental(), r.items(), r.changes(), r.failures(), r.error());
        }
    }

    public record SyncRunPage(List<SyncRunView> items, String nextCursor) {
    }

    public record BackupView(UUID variantId, String supplierSku, UUID backupConnectionId, String backupSupplierSku) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        OffsetDateTime now = dropship.now();
        Page<ConnectionView> result = dropship.list(Authentication.principal(req), page).map(c -> ConnectionView.of(c, now));
        JsonResponses.ok(res, new ConnectionPage(result.items(), result.nextCursor()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "name", "kind", "baseUrl", "apiKey", "currency",
                "pricing", "buffer", "forwarding", "categoryMappings", "defaultCategoryId", "syncEverySeconds", "quota");
        String name = body.requiredString("name", 1, 200);
        Optional<ConnectorKind> kind = body.optionalEnum("kind", Set.of("simulated", "rest", "feed"))
                .flatMap(ConnectorKind::fromWireName);
        if (!body.isPresent("kind")) {
            body.reject("kind", FieldError.REQUIRED, "is required");
        }
        Optional<String> baseUrl = body.optionalString("baseUrl", 1, 2000);
        Optional<String> apiKey = body.optionalString("apiKey", 1, 500);
        String currency = body.requiredString("currency", 3, 3);
        if (currency != null && !Money.isCurrencyCode(currency)) {
            body.reject("currency", FieldError.INVALID_FORMAT, "must be an ISO 4217 currency code such as JPY");
        }
        JsonFields pricing = body.requiredObject("pricing", "markupBasisPoints", "fixedAmount", "priceEnding",
                "priceEndingModulus", "minMarginBasisPoints");
        Integer markup = pricing.requiredInt("markupBasisPoints", 10_000, 1_000_000);
        long fixed = pricing.optionalLong("fixedAmount", 0, 1_000_000_000_000L).orElse(0L);
        int modulus = pricing.optionalInt("priceEndingModulus", 1, 1_000_000).orElse(1);
        int ending = pricing.optionalInt("priceEnding", 0, 999_999).orElse(0);
        int minMargin = pricing.optionalInt("minMarginBasisPoints", 0, 1_000_000).orElse(0);
        if (ending >= modulus) {
            pricing.reject("priceEnding", FieldError.OUT_OF_RANGE, "must be below priceEndingModulus");
        }
        StockBuffer buffer = new StockBuffer(0, 0);
        if (body.isPresent("buffer")) {
            JsonFields b = body.requiredObject("buffer", "units", "percent");
            buffer = new StockBuffer(b.optionalLong("units", 0, 1_000_000).orElse(0L),
                    b.optionalInt("percent", 0, 100).orElse(0));
        }
        boolean automatic = body.optionalEnum("forwarding", Set.of("automatic", "on_acceptance"))
                .map("automatic"::equals).orElse(false);
        Map<String, UUID> mappings = new LinkedHashMap<>();
        body.optionalObjects("categoryMappings", 0, MAX_MAPPINGS, "supplierCategory", "categoryId")
                .orElse(List.of()).forEach(mapping -> {
                    String supplier = mapping.requiredString("supplierCategory", 1, 200);
                    UUID category = mapping.requiredUuid("categoryId");
                    if (supplier != null && category != null && mappings.put(supplier, category) != null) {
                        mapping.reject("supplierCategory", FieldError.DUPLICATE, "is mapped by an earlier item");
                    }
                });
        UUID defaultCategory = body.requiredUuid("defaultCategoryId");
        Optional<Long> syncEvery = body.optionalLong("syncEverySeconds", 60, MAX_SYNC_SECONDS);
        Optional<Quota> quota = Optional.empty();
        if (body.isPresent("quota")) {
            JsonFields q = body.requiredObject("quota", "calls", "windowSeconds");
            Integer calls = q.requiredInt("calls", 1, MAX_QUOTA_CALLS);
            Integer window = q.requiredInt("windowSeconds", 1, MAX_QUOTA_WINDOW_SECONDS);
            if (calls != null && window != null) {
                quota = Optional.of(new Quota(calls, Duration.ofSeconds(window), 0, Optional.empty()));
            }
        }
        if (kind.isPresent() && kind.get() != ConnectorKind.SIMULATED) {
            if (baseUrl.isEmpty()) {
                body.reject("baseUrl", FieldError.REQUIRED, "is required for a " + kind.get().wireName() + " supplier");
            } else {
                checkUrl(body, baseUrl.get());
            }
            if (kind.get() == ConnectorKind.REST && apiKey.isEmpty()) {
                body.reject("apiKey", FieldError.REQUIRED, "is required for a rest supplier");
            }
        }
        body.throwIfInvalid();
        Connection created = dropship.connect(Authentication.principal(req), new DropshipService.NewConnection(name,
                kind.orElseThrow(), kind.get() == ConnectorKind.SIMULATED ? Optional.empty() : baseUrl, apiKey, currency,
                new PricingRule(markup, fixed, ending, modulus, minMargin), buffer, automatic, mappings, defaultCategory,
                syncEvery.map(Duration::ofSeconds), quota));
        res.header(HeaderNames.LOCATION, PATH + "/" + created.id());
        JsonResponses.send(res, Status.CREATED_201, ConnectionView.of(created, dropship.now()));
    }

    private void checkUrl(JsonFields body, String url) {
        try {
            URI uri = new URI(url);
            boolean https = "https".equalsIgnoreCase(uri.getScheme());
            boolean http = "http".equalsIgnoreCase(uri.getScheme());
            if (!uri.isAbsolute() || uri.getHost() == null || !(https || http && !requireHttps)) {
                body.reject("baseUrl", FieldError.INVALID_FORMAT, requireHttps ? "must be an absolute https URL"
                        : "must be an absolute http(s) URL");
            }
        } catch (URISyntaxException e) {
            body.reject("baseUrl", FieldError.INVALID_FORMAT, "must be an absolute URL");
        }
    }

    private void get(ServerRequest req, ServerResponse res) {
        JsonResponses.ok(res, ConnectionView.of(dropship.get(Authentication.principal(req), connectionId(req)),
                dropship.now()));
    }

    private void importProducts(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "supplierProductIds", "afterImport");
        Optional<List<String>> ids = body.optionalStrings("supplierProductIds", MAX_IMPORT_IDS, 1, 200);
        if (ids.isPresent() && ids.get().isEmpty() && body.errors().isEmpty()) {
            body.reject("supplierProductIds", FieldError.TOO_SHORT, "names at least one product (leave it out for all)");
        }
        boolean submit = body.optionalEnum("afterImport", Set.of("keep_draft", "submit_for_review"))
                .map("submit_for_review"::equals).orElse(false);
        body.throwIfInvalid();
        DropshipService.ImportResult result = dropship.importProducts(Authentication.principal(req), connectionId(req),
                new LinkedHashSet<>(ids.orElse(List.of())), submit);
        JsonResponses.ok(res, ImportView.of(result));
    }

    private void sync(ServerRequest req, ServerResponse res) {
        JsonFields.of(JsonBody.readObject(req)).throwIfInvalid();
        JsonResponses.ok(res, SyncRunView.of(dropship.syncNow(Authentication.principal(req), connectionId(req))));
    }

    private void runs(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Page<SyncRunView> result = dropship.runs(Authentication.principal(req), connectionId(req), page)
                .map(SyncRunView::of);
        JsonResponses.ok(res, new SyncRunPage(result.items(), result.nextCursor()));
    }

    public record SwitchPage(List<Switch> items, String nextCursor) {
    }

    private void switches(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Page<Switch> result = dropship.switches(Authentication.principal(req), connectionId(req), page);
        JsonResponses.ok(res, new SwitchPage(result.items(), result.nextCursor()));
    }

    private void backup(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "variantId", "backupConnectionId", "backupSupplierSku");
        UUID variantId = body.requiredUuid("variantId");
        UUID backupConnection = body.requiredUuid("backupConnectionId");
        String backupSku = body.requiredString("backupSupplierSku", 1, 64);
        body.throwIfInvalid();
        DropshipRepository.ImportedVariant variant = dropship.setBackup(Authentication.principal(req), connectionId(req),
                variantId, backupConnection, backupSku);
        JsonResponses.ok(res, new BackupView(variant.variantId(), variant.supplierSku(), backupConnection, backupSku));
    }

    private static UUID connectionId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("connectionId")).orElseThrow(DropshipService::connectionNotFound);
    }
}
