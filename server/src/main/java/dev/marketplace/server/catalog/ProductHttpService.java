package dev.marketplace.server.catalog;

import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.PublicUrls;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.http.VersionPreconditions;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** {@code /v1/products}: the HTTP face of {@link ProductService} for merchants and moderators. Parses, delegates, renders. */
public final class ProductHttpService implements HttpService {

    public static final String PATH = "/v1/products";
    /** A BCP 47 language tag as far as the catalog needs: ja, zh, en, zh-Hant, pt-BR. */
    private static final Pattern LANGUAGE_TAG = Pattern.compile("[a-z]{2,3}(-[A-Za-z0-9]{2,8})*");
    private static final String LANGUAGE_TAG_RULE = "must be a language tag such as ja, zh, en or zh-Hant";
    private static final Pattern ATTRIBUTE_NAME = Pattern.compile("\\S(.{0,98}\\S)?");
    private static final String ATTRIBUTE_NAME_RULE = "must be 1 to 100 characters without surrounding spaces";
    private static final Pattern SKU = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Set<String> STATUSES = Arrays.stream(ProductStatus.values())
            .map(ProductStatus::wireName).collect(Collectors.toUnmodifiableSet());
    private static final int LANGUAGES_MAX = 20;
    private static final int TITLE_MAX = 200;
    private static final int DESCRIPTION_MAX = 10_000;
    private static final int ATTRIBUTES_MAX = 50;
    private static final int ATTRIBUTE_VALUE_MAX = 1000;
    private static final int VARIANT_ATTRIBUTES_MAX = 20;
    private static final int VARIANT_ATTRIBUTE_VALUE_MAX = 200;
    private static final int IMAGES_MAX = 10;
    private static final int IMAGE_URL_MAX = 2000;
    private static final int VARIANTS_MAX = 100;
    private static final int SKU_MAX = 64;
    private static final int REASON_MAX = 1000;
    private static final int REJECTION_REASONS_MAX = 20;
    private static final int EXTERNAL_ID_MAX = 100;
    /** The most decisions in one bulk moderation: a moderator's review queue, page by page. */
    private static final int MODERATION_ITEMS_MAX = 500;
    private static final Set<String> MODERATION_ACTIONS = Set.of("approve", "reject");
    /** The most products in one bulk upsert, and the most variants across them: an ERP's catalog in a few calls. */
    private static final int BULK_PRODUCTS_MAX = 2_000;
    private static final int BULK_VARIANTS_MAX = 10_000;
    private static final String[] CONTENT_FIELDS = {"categoryId", "title", "description", "attributes", "imageUrls",
            "variants", "handlingDays"};
    private static final String[] BULK_ITEM_FIELDS = {"externalId", "categoryId", "title", "description",
            "attributes", "imageUrls", "variants", "handlingDays"};

    private final ProductService products;

    public ProductHttpService(ProductService products) {
        this.products = products;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::create)
                .get("/changes", this::changes)
                .post("/bulk", this::bulkUpsert)
                .post("/moderation", this::moderate)
                .post("/submissions", this::submitMany)
                .get("/{productId}", this::get)
                .patch("/{productId}", this::update)
                .delete("/{productId}", this::delete)
                .post("/{productId}/submit", (req, res) -> changeStatus(req, res, ProductAction.SUBMIT))
                .post("/{productId}/approve", (req, res) -> changeStatus(req, res, ProductAction.APPROVE))
                .post("/{productId}/reject", this::reject);
    }

    /** The JSON representation (see {@code Product} in the OpenAPI document). */
    public record ProductResource(UUID id, UUID merchantId, UUID categoryId, Map<String, String> title,
                                  Map<String, String> description, Map<String, String> attributes,
                                  List<String> imageUrls, List<ProductVariant> variants, String status,
                                  List<ComplianceFinding> complianceFindings, List<String> rejectionReasons,
                                  OffsetDateTime publishedAt, long version, OffsetDateTime createdAt,
                                  OffsetDateTime updatedAt, String externalId, Integer handlingDays) {
        static ProductResource of(Product product) {
            return new ProductResource(product.id(), product.merchantId(), product.categoryId(), product.title(),
                    product.description(), product.attributes(), product.imageUrls(), product.variants(),
                    product.status().wireName(), product.complianceFindings(), product.rejectionReasons(),
                    product.publishedAt(), product.version(), product.createdAt(), product.updatedAt(),
                    product.externalId(), product.handlingDays());
        }
    }

    public record ProductPage(List<ProductResource> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "merchantId", "status", "limit", "cursor");
        Optional<UUID> merchantId = query.uuid("merchantId");
        Optional<ProductStatus> status = query.oneOf("status", STATUSES).flatMap(ProductStatus::fromWireName);
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Page<ProductResource> result = products.list(Authentication.principal(req), merchantId, status, page)
                .map(ProductResource::of);
        JsonResponses.ok(res, new ProductPage(result.items(), result.nextCursor()));
    }

    private void changes(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = ChangeLog.pageRequest(query);
        query.throwIfInvalid();
        ChangePage<ProductChange> result = products.changes(Authentication.principal(req), page);
        JsonResponses.okStreamedBytes(res, out -> ProductChangeJson.write(out, result));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        UUID id = productId(req);
        products.delete(Authentication.principal(req), id, VersionPreconditions.expectedVersion(req, Optional.empty()));
        res.status(Status.NO_CONTENT_204).send();
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), CONTENT_FIELDS);
        ProductContent content = newContent(body);
        body.throwIfInvalid();
        Product created = products.create(Authentication.principal(req), content);
        res.header(HeaderNames.LOCATION, PATH + "/" + created.id());
        VersionPreconditions.sendEtag(res, created.version());
        JsonResponses.send(res, Status.CREATED_201, ProductResource.of(created));
    }

    /** A new product's content; errors are left in {@code body}. */
    private static ProductContent newContent(JsonFields body) {
        UUID categoryId = body.requiredUuid("categoryId");
        Map<String, String> title = title(body).orElse(Map.of());
        if (!body.isPresent("title")) {
            body.reject("title", FieldError.REQUIRED, "is required");
        }
        Map<String, String> description = description(body).orElse(Map.of());
        Map<String, String> attributes = attributes(body).orElse(Map.of());
        List<String> imageUrls = imageUrls(body).orElse(List.of());
        List<VariantInput> variants = variants(body).orElse(List.of());
        if (!body.isPresent("variants")) {
            body.reject("variants", FieldError.REQUIRED, "is required");
        }
        return new ProductContent(categoryId, title, description, attributes, imageUrls, variants,
                handlingDays(body).filter(OptionalInt::isPresent).map(OptionalInt::getAsInt).orElse(null));
    }

    /** The JSON representation of one bulk upsert result (see {@code ProductUpsertResult} in the OpenAPI document). */
    public record ProductUpsertResultResource(int index, String externalId, String outcome, UUID productId,
                                              Long version, String status, List<VariantKey> variants, String code,
                                              String detail, List<FieldError> errors) {
        static ProductUpsertResultResource of(ProductUpsertResult result) {
            return new ProductUpsertResultResource(result.index(), result.externalId(), result.outcome().wireName(),
                    result.product().map(Product::id).orElse(null), result.product().map(Product::version).orElse(null),
                    result.product().map(product -> product.status().wireName()).orElse(null),
                    result.product().map(product -> product.variants().stream()
                            .map(variant -> new VariantKey(variant.id(), variant.sku())).toList()).orElse(null),
                    result.code().orElse(null), result.detail().orElse(null),
                    result.errors().isEmpty() ? null : result.errors());
        }
    }

    /** A variant by its id and the merchant's SKU (see {@code VariantKey} in the OpenAPI document). */
    public record VariantKey(UUID id, String sku) {
    }

    public record ProductUpsertResults(List<ProductUpsertResultResource> results) {
    }

    /**
     * Up to {@value #BULK_PRODUCTS_MAX} products with up to {@value #BULK_VARIANTS_MAX} variants in all, each read
     * like a created product plus its {@code externalId}. An invalid item is rejected with its field errors (named
     * within the item); the valid ones are upserted. A malformed envelope is a 400 for the whole request.
     */
    private void bulkUpsert(ServerRequest req, ServerResponse res) {
        JsonObject envelope = JsonBody.readObject(req);
        JsonFields body = JsonFields.of(envelope, "products");
        List<JsonObject> items = List.of();
        if (!(envelope.get("products") instanceof JsonArray array) || array.isEmpty()
                || array.size() > BULK_PRODUCTS_MAX || !array.stream().allMatch(JsonObject.class::isInstance)) {
            body.reject("products", FieldError.INVALID_TYPE, "must be an array of 1 to " + BULK_PRODUCTS_MAX + " objects");
        } else {
            items = array.getValuesAs(JsonObject.class);
            int variantCount = items.stream().mapToInt(item -> item.get("variants") instanceof JsonArray variants
                    ? variants.size() : 0).sum();
            if (variantCount > BULK_VARIANTS_MAX) {
                body.reject("products", FieldError.OUT_OF_RANGE,
                        "must have at most " + BULK_VARIANTS_MAX + " variants in all, not " + variantCount);
            }
        }
        body.throwIfInvalid();

        List<ProductUpsert> valid = new ArrayList<>();
        List<ProductUpsertResult> results = new ArrayList<>();
        Set<String> externalIds = new HashSet<>();
        for (int index = 0; index < items.size(); index++) {
            JsonFields item = JsonFields.of(items.get(index), BULK_ITEM_FIELDS);
            String externalId = item.requiredString("externalId", 1, EXTERNAL_ID_MAX);
            if (externalId != null && !externalIds.add(externalId)) {
                item.reject("externalId", FieldError.DUPLICATE, "is given to an earlier item of this request");
            }
            ProductContent content = newContent(item);
            if (item.errors().isEmpty()) {
                valid.add(new ProductUpsert(index, externalId, content));
            } else {
                ProblemException problem = ProblemException.validation(item.errors());
                results.add(ProductUpsertResult.rejected(index, externalId, problem.code(), problem.detail(),
                        problem.errors()));
            }
        }
        results.addAll(products.upsertAll(Authentication.principal(req), valid));
        results.sort(Comparator.comparingInt(ProductUpsertResult::index));
        JsonResponses.ok(res, new ProductUpsertResults(results.stream().map(ProductUpsertResultResource::of).toList()));
    }

    /** One result of a bulk moderation (see {@code ProductModerationResult} in the OpenAPI document). */
    public record ModerationResultResource(int index, UUID productId, String outcome, Long version, String status,
                                           String code, String detail) {
        static ModerationResultResource of(ModerationResult result) {
            return new ModerationResultResource(result.index(), result.productId(), result.outcome().wireName(),
                    result.product().map(Product::version).orElse(null),
                    result.product().map(product -> product.status().wireName()).orElse(null),
                    result.code().orElse(null), result.detail().orElse(null));
        }
    }

    public record ModerationResults(List<ModerationResultResource> results) {
    }

    /**
     * Up to {@value #MODERATION_ITEMS_MAX} decisions of the operator, each {@code approve} or {@code reject} (with
     * reasons) of a product at the version the operator saw. Any invalid item is a 400 for the whole request, which
     * then changes nothing; the valid ones are applied each on its own ({@link ProductService#moderateAll}).
     */
    private void moderate(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "items");
        if (!body.isPresent("items")) {
            body.reject("items", FieldError.REQUIRED, "is required");
        }
        List<ModerationItem> items = new ArrayList<>();
        for (JsonFields item : body.optionalObjects("items", 1, MODERATION_ITEMS_MAX, "productId", "action", "reasons",
                "version").orElse(List.of())) {
            UUID productId = item.requiredUuid("productId");
            Optional<String> action = item.optionalEnum("action", MODERATION_ACTIONS);
            if (!item.isPresent("action")) {
                item.reject("action", FieldError.REQUIRED, "is required");
            }
            boolean rejecting = action.filter("reject"::equals).isPresent();
            Optional<List<String>> reasons = item.optionalStrings("reasons", REJECTION_REASONS_MAX, 1, REASON_MAX);
            if (rejecting && reasons.filter(given -> !given.isEmpty()).isEmpty()) {
                item.reject("reasons", FieldError.REQUIRED, "is required with reject: 1 to " + REJECTION_REASONS_MAX);
            } else if (action.filter("approve"::equals).isPresent() && reasons.isPresent()) {
                item.reject("reasons", FieldError.INVALID_FORMAT, "belongs to reject only");
            }
            Optional<Long> version = item.optionalLong("version", 1, Long.MAX_VALUE);
            if (!item.isPresent("version")) {
                item.reject("version", FieldError.REQUIRED, "is required");
            }
            if (productId != null && action.isPresent() && version.isPresent()) {
                items.add(new ModerationItem(productId, rejecting ? ProductAction.REJECT : ProductAction.APPROVE,
                        reasons.orElse(List.of()), version.get()));
            }
        }
        body.throwIfInvalid();
        JsonResponses.ok(res, new ModerationResults(products.moderateAll(Authentication.principal(req), items).stream()
                .map(ModerationResultResource::of).toList()));
    }

    /**
     * Up to {@value #MODERATION_ITEMS_MAX} submissions of the caller's products, each at the version it saw. Any
     * invalid item (or a product named twice) is a 400 for the whole request, which then changes nothing; the valid
     * ones go through {@link ProductService#submitEach}, and the results come back in request order.
     */
    private void submitMany(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "items");
        if (!body.isPresent("items")) {
            body.reject("items", FieldError.REQUIRED, "is required");
        }
        Map<UUID, Long> versions = new LinkedHashMap<>();
        for (JsonFields item : body.optionalObjects("items", 1, MODERATION_ITEMS_MAX, "productId", "version")
                .orElse(List.of())) {
            UUID productId = item.requiredUuid("productId");
            Optional<Long> version = item.optionalLong("version", 1, Long.MAX_VALUE);
            if (!item.isPresent("version")) {
                item.reject("version", FieldError.REQUIRED, "is required");
            }
            if (productId != null && versions.containsKey(productId)) {
                item.reject("productId", FieldError.DUPLICATE, "names a product an earlier item names");
            } else if (productId != null && version.isPresent()) {
                versions.put(productId, version.get());
            }
        }
        body.throwIfInvalid();
        ProductService.Submissions done = products.submitEach(Authentication.principal(req), versions);
        List<ModerationResultResource> results = new ArrayList<>();
        int index = 0;
        for (UUID id : versions.keySet()) {
            ProblemException refused = done.refused().get(id);
            results.add(ModerationResultResource.of(refused != null
                    ? ModerationResult.rejected(index, id, refused.code(), refused.detail())
                    : done.unchanged().containsKey(id)
                    ? ModerationResult.of(index, ModerationResult.Outcome.UNCHANGED, done.unchanged().get(id))
                    : ModerationResult.of(index, ModerationResult.Outcome.APPLIED, done.submitted().get(id))));
            index++;
        }
        JsonResponses.ok(res, new ModerationResults(results));
    }

    private void get(ServerRequest req, ServerResponse res) {
        sendProduct(res, products.get(Authentication.principal(req), productId(req)));
    }

    private void update(ServerRequest req, ServerResponse res) {
        UUID id = productId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "categoryId", "title", "description",
                "attributes", "imageUrls", "variants", "handlingDays", "version");
        Optional<UUID> categoryId = body.isPresent("categoryId") ? Optional.ofNullable(body.requiredUuid("categoryId"))
                : Optional.empty();
        ProductChanges changes = new ProductChanges(categoryId, title(body), description(body), attributes(body),
                imageUrls(body), variants(body), handlingDays(body));
        ExpectedVersion expected = expectedVersion(req, body);
        sendProduct(res, products.update(Authentication.principal(req), id, changes, expected));
    }

    private void changeStatus(ServerRequest req, ServerResponse res, ProductAction action) {
        UUID id = productId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "version");
        ExpectedVersion expected = expectedVersion(req, body);
        sendProduct(res, products.transition(Authentication.principal(req), id, action, List.of(), expected));
    }

    private void reject(ServerRequest req, ServerResponse res) {
        UUID id = productId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reasons", "version");
        List<String> reasons = body.requiredStrings("reasons", REJECTION_REASONS_MAX, 1, REASON_MAX);
        ExpectedVersion expected = expectedVersion(req, body);
        sendProduct(res, products.transition(Authentication.principal(req), id, ProductAction.REJECT, reasons, expected));
    }

    /** Titles by language: when given, at least one. */
    private static Optional<Map<String, String>> title(JsonFields body) {
        return body.optionalStringMap("title", 1, LANGUAGES_MAX, LANGUAGE_TAG, LANGUAGE_TAG_RULE, TITLE_MAX);
    }

    private static Optional<Map<String, String>> description(JsonFields body) {
        return body.optionalStringMap("description", 0, LANGUAGES_MAX, LANGUAGE_TAG, LANGUAGE_TAG_RULE, DESCRIPTION_MAX);
    }

    private static Optional<Map<String, String>> attributes(JsonFields body) {
        return body.optionalStringMap("attributes", 0, ATTRIBUTES_MAX, ATTRIBUTE_NAME, ATTRIBUTE_NAME_RULE,
                ATTRIBUTE_VALUE_MAX);
    }

    /**
     * The handling time when given: 0 to {@value MerchantService#MAX_HANDLING_DAYS} days, as for a merchant, or null (none of its own, the merchant's),
     * which the optional holds as no value.
     */
    private static Optional<OptionalInt> handlingDays(JsonFields body) {
        if (body.isNull("handlingDays")) {
            return Optional.of(OptionalInt.empty());
        }
        return body.optionalInt("handlingDays", 0, MerchantService.MAX_HANDLING_DAYS).map(OptionalInt::of);
    }

    /** Image URLs: https URLs to public hosts, the rule of every stored URL ({@link PublicUrls}). */
    private static Optional<List<String>> imageUrls(JsonFields body) {
        return PublicUrls.httpsUrls(body, "imageUrls", IMAGES_MAX, IMAGE_URL_MAX);
    }

    /**
     * The variants, when given: SKU codes not repeated, all prices in the currency of the first, and a
     * compare-at price in the same currency and above the price.
     */
    private static Optional<List<VariantInput>> variants(JsonFields body) {
        Optional<List<JsonFields>> items = body.optionalObjects("variants", 1, VARIANTS_MAX,
                "sku", "attributes", "price", "compareAtPrice");
        if (items.isEmpty()) {
            return Optional.empty();
        }
        List<VariantInput> variants = new ArrayList<>();
        Set<String> skus = new HashSet<>();
        String currency = null;
        for (JsonFields item : items.get()) {
            String sku = item.requiredString("sku", 1, SKU_MAX);
            if (sku != null && !SKU.matcher(sku).matches()) {
                item.reject("sku", FieldError.INVALID_FORMAT, "must be letters, digits, '.', '_' and '-', starting with a letter or digit");
                sku = null;
            } else if (sku != null && !skus.add(sku)) {
                item.reject("sku", FieldError.DUPLICATE, "repeats the SKU of another variant");
                sku = null;
            }
            Map<String, String> attributes = item.optionalStringMap("attributes", 0, VARIANT_ATTRIBUTES_MAX,
                    ATTRIBUTE_NAME, ATTRIBUTE_NAME_RULE, VARIANT_ATTRIBUTE_VALUE_MAX).orElse(Map.of());
            Money price = item.requiredMoney("price", 0);
            Optional<Money> compareAt = item.nullableMoney("compareAtPrice", 0);
            if (price != null) {
                if (currency == null) {
                    currency = price.currency();
                } else if (!currency.equals(price.currency())) {
                    item.reject("price/currency", FieldError.OUT_OF_RANGE,
                            "must be " + currency + ", the currency of the first variant");
                }
                if (compareAt.isPresent() && (!compareAt.get().currency().equals(price.currency())
                        || compareAt.get().amount() <= price.amount())) {
                    item.reject("compareAtPrice", FieldError.OUT_OF_RANGE,
                            "must be in the currency of price and greater than it");
                }
            }
            if (sku != null && price != null) {
                variants.add(new VariantInput(sku, attributes, price, compareAt));
            }
        }
        return Optional.of(variants);
    }

    /** Reads {@code version} (the last field of every change), ends validation, and demands a version. */
    private static ExpectedVersion expectedVersion(ServerRequest req, JsonFields body) {
        Optional<Long> version = body.optionalLong("version", 1, Long.MAX_VALUE);
        body.throwIfInvalid();
        return VersionPreconditions.requireExpectedVersion(req, version);
    }

    private static void sendProduct(ServerResponse res, Product product) {
        VersionPreconditions.sendEtag(res, product.version());
        JsonResponses.ok(res, ProductResource.of(product));
    }

    /** A malformed id cannot name a product: answered like an unknown one. */
    private static UUID productId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("productId"))
                .orElseThrow(() -> ProblemException.notFound("product"));
    }
}
