package dev.marketplace.server.catalog;

import static dev.marketplace.schema.Tables.CATALOG_CATEGORY;
import static dev.marketplace.schema.Tables.CHANGE_LOG;
import static dev.marketplace.schema.Tables.PRODUCT;
import static dev.marketplace.schema.Tables.PRODUCT_VARIANT;

import dev.marketplace.schema.tables.records.ChangeLogRecord;
import dev.marketplace.schema.tables.records.ProductRecord;
import dev.marketplace.schema.tables.records.ProductVariantRecord;
import dev.marketplace.server.catalog.ListingQuery.ListingSort;
import dev.marketplace.server.platform.changes.ChangeKind;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import jakarta.json.spi.JsonProvider;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.impl.DSL;

/**
 * The product and product_variant tables. Every method runs in the caller's transaction ({@code db}); reads on
 * behalf of a principal go through {@link Tenancy}: a product is owned by its merchant.
 */
final class ProductRepository {

    /** Looked up once: {@code Json.createReader} and friends search the class path for a provider on every call. */
    private static final JsonProvider JSON = JsonProvider.provider();

    /** A merchant's external keys are unique across its products (see V7 migration). */
    static final String EXTERNAL_ID_CONSTRAINT = "product_external_id_key";
    /** A merchant's SKU codes are unique across its products (see V4 migration). */
    static final String SKU_CONSTRAINT = "product_variant_sku_key";
    /** The product's category must exist (see V4 migration). */
    static final String CATEGORY_CONSTRAINT = "product_category_fkey";

    private static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, DSL.inline(PrincipalType.MERCHANT.wireName()), PRODUCT.MERCHANT_ID);
    }

    Optional<Product> find(DSLContext db, Principal viewer, UUID id) {
        return db.selectFrom(PRODUCT).where(PRODUCT.ID.eq(id)).and(visibleTo(viewer))
                .fetchOptional().map(row -> withVariants(db, List.of(row)).getFirst());
    }

    Optional<Product> findForUpdate(DSLContext db, Principal viewer, UUID id) {
        return db.selectFrom(PRODUCT).where(PRODUCT.ID.eq(id)).and(visibleTo(viewer)).forUpdate()
                .fetchOptional().map(row -> withVariants(db, List.of(row)).getFirst());
    }

    /** The merchant's product with this external key, locked for a change. */
    Optional<Product> findByExternalIdForUpdate(DSLContext db, UUID merchantId, String externalId) {
        return db.selectFrom(PRODUCT).where(PRODUCT.MERCHANT_ID.eq(merchantId)).and(PRODUCT.EXTERNAL_ID.eq(externalId))
                .forUpdate().fetchOptional().map(row -> withVariants(db, List.of(row)).getFirst());
    }

    /** The viewer's products in creation order (created, id), optionally in one status; {@code page.fetchSize()} at most. */
    List<Product> list(DSLContext db, Principal viewer, Optional<ProductStatus> status, PageRequest page) {
        Condition inStatus = status.map(s -> PRODUCT.STATUS.eq(s.wireName())).orElse(DSL.noCondition());
        Condition after = page.after()
                .map(cursor -> DSL.row(PRODUCT.CREATED_AT, PRODUCT.ID)
                        .gt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return withVariants(db, db.selectFrom(PRODUCT)
                .where(visibleTo(viewer)).and(inStatus).and(after)
                .orderBy(PRODUCT.CREATED_AT, PRODUCT.ID)
                .limit(page.fetchSize())
                .fetch());
    }

    Map<UUID, UUID> merchantsOfVariants(DSLContext db, Collection<UUID> variantIds) {
        return db.select(PRODUCT_VARIANT.ID, PRODUCT_VARIANT.MERCHANT_ID).from(PRODUCT_VARIANT)
                .where(PRODUCT_VARIANT.ID.eq(DSL.any(variantIds.toArray(UUID[]::new))))
                .fetchMap(PRODUCT_VARIANT.ID, PRODUCT_VARIANT.MERCHANT_ID);
    }

    /**
     * The viewer's product changes after {@code afterPosition}, in position order, {@code limit} at most; an upsert
     * of a product deleted since is skipped (its tombstone comes later in the feed).
     */
    List<ProductChange> changes(DSLContext db, Principal viewer, long afterPosition, int limit) {
        Condition stillExists = DSL.exists(DSL.selectOne().from(PRODUCT).where(PRODUCT.ID.eq(CHANGE_LOG.ENTITY_ID)));
        List<ChangeLogRecord> rows = db.selectFrom(CHANGE_LOG)
                .where(CHANGE_LOG.FEED.eq(ChangeLog.PRODUCTS)).and(CHANGE_LOG.POSITION.gt(afterPosition))
                .and(Tenancy.visibleTo(viewer, DSL.inline(PrincipalType.MERCHANT.wireName()), CHANGE_LOG.MERCHANT_ID))
                .and(CHANGE_LOG.KIND.eq(ChangeKind.DELETED.wireName()).or(stillExists))
                .orderBy(CHANGE_LOG.POSITION)
                .limit(limit)
                .fetch();
        Set<UUID> upserted = rows.stream().filter(row -> row.getKind().equals(ChangeKind.UPSERTED.wireName()))
                .map(ChangeLogRecord::getEntityId).collect(Collectors.toSet());
        Map<UUID, Product> current = withVariants(db, db.selectFrom(PRODUCT).where(PRODUCT.ID.in(upserted)).fetch())
                .stream().collect(Collectors.toMap(Product::id, product -> product));
        return rows.stream().map(row -> new ProductChange(row.getPosition(), ChangeKind.fromWireName(row.getKind()),
                row.getEntityId(), row.getChangedAt(), Optional.ofNullable(current.get(row.getEntityId())))).toList();
    }

    /** Deletes the product; its variants and their stock levels go with it (foreign keys). */
    void delete(DSLContext db, UUID id) {
        db.deleteFrom(PRODUCT).where(PRODUCT.ID.eq(id)).execute();
    }

    static Cursor cursorOf(Product product) {
        return Cursor.of(product.createdAt().toString(), product.id().toString());
    }

    /**
     * Published products matching {@code query}, except those of {@code hiddenMerchants}, in the query's order;
     * {@code page.fetchSize()} rows at most. The page's cursor keys are the sort's name and its two sort keys.
     */
    List<Product> listings(DSLContext db, ListingQuery query, Set<UUID> hiddenMerchants, PageRequest page) {
        Condition filter = listed(hiddenMerchants)
                .and(query.titleContains().map(ProductRepository::titleContains).orElse(DSL.noCondition()))
                .and(query.categoryId().map(ProductRepository::inSubtreeOf).orElse(DSL.noCondition()))
                .and(query.merchantId().map(PRODUCT.MERCHANT_ID::eq).orElse(DSL.noCondition()))
                .and(query.currency().map(PRODUCT.CURRENCY::eq).orElse(DSL.noCondition()))
                .and(query.minPrice().map(PRODUCT.MIN_PRICE_AMOUNT::ge).orElse(DSL.noCondition()))
                .and(query.maxPrice().map(PRODUCT.MIN_PRICE_AMOUNT::le).orElse(DSL.noCondition()));
        Condition after = page.after().map(cursor -> {
            List<String> keys = cursor.keys();
            UUID id = UUID.fromString(keys.get(2));
            return switch (query.sort()) {
                case NEWEST -> DSL.row(PRODUCT.PUBLISHED_AT, PRODUCT.ID).lt(OffsetDateTime.parse(keys.get(1)), id);
                case PRICE_ASC -> DSL.row(PRODUCT.MIN_PRICE_AMOUNT, PRODUCT.ID).gt(Long.parseLong(keys.get(1)), id);
                case PRICE_DESC -> DSL.row(PRODUCT.MIN_PRICE_AMOUNT, PRODUCT.ID).lt(Long.parseLong(keys.get(1)), id);
            };
        }).orElse(DSL.noCondition());
        List<SortField<?>> order = switch (query.sort()) {
            case NEWEST -> List.of(PRODUCT.PUBLISHED_AT.desc(), PRODUCT.ID.desc());
            case PRICE_ASC -> List.of(PRODUCT.MIN_PRICE_AMOUNT.asc(), PRODUCT.ID.asc());
            case PRICE_DESC -> List.of(PRODUCT.MIN_PRICE_AMOUNT.desc(), PRODUCT.ID.desc());
        };
        return withVariants(db, db.selectFrom(PRODUCT).where(filter).and(after).orderBy(order)
                .limit(page.fetchSize()).fetch());
    }

    static Cursor listingCursorOf(ListingSort sort, Product product) {
        String key = sort == ListingSort.NEWEST ? product.publishedAt().toString()
                : Long.toString(product.lowestPrice().amount());
        return Cursor.of(sort.wireName(), key, product.id().toString());
    }

    /** The product's merchant, for conditions on it built elsewhere (its status belongs to the merchants domain). */
    static final Field<UUID> MERCHANT_OF_PRODUCT = PRODUCT.MERCHANT_ID;

    /**
     * A storefront's most frequent read in one round trip — the product joined with its variants — rendered to SQL
     * once: jOOQ renders a query on every execution, which cost this read more CPU than PostgreSQL's work for it.
     */
    static final class ListingById {
        private static final UUID PLACEHOLDER = new UUID(0, 0);
        private static final Field<?>[] FIELDS = Stream.concat(Arrays.stream(PRODUCT.fields()),
                Arrays.stream(PRODUCT_VARIANT.fields())).toArray(Field<?>[]::new);

        private final String sql;
        private final Object[] bindValues;
        private final int idIndex;

        ListingById(DSLContext db, Condition merchantIsActive) {
            Query query = db.select(FIELDS)
                    .from(PRODUCT).leftJoin(PRODUCT_VARIANT).on(PRODUCT_VARIANT.PRODUCT_ID.eq(PRODUCT.ID))
                    .where(PRODUCT.ID.eq(PLACEHOLDER))
                    .and(PRODUCT.STATUS.eq(ProductStatus.PUBLISHED.wireName())).and(merchantIsActive)
                    .orderBy(PRODUCT_VARIANT.POSITION);
            this.sql = db.render(query);
            List<Object> values = db.extractBindValues(query);
            this.bindValues = values.toArray();
            this.idIndex = values.indexOf(PLACEHOLDER);
        }

        Optional<Product> find(DSLContext db, UUID id) {
            Object[] values = bindValues.clone();
            values[idIndex] = id;
            List<Record> rows = db.resultQuery(sql, values).coerce(FIELDS).fetch();
            if (rows.isEmpty()) {
                return Optional.empty();
            }
            List<ProductVariant> variants = rows.stream().filter(row -> row.get(PRODUCT_VARIANT.ID) != null)
                    .map(row -> toVariant(row.into(PRODUCT_VARIANT))).toList();
            return Optional.of(toProduct(rows.getFirst().into(PRODUCT), variants));
        }
    }

    private static Condition listed(Set<UUID> hiddenMerchants) {
        return PRODUCT.STATUS.eq(ProductStatus.PUBLISHED.wireName())
                .and(PRODUCT.MERCHANT_ID.ne(DSL.all(hiddenMerchants.toArray(UUID[]::new))));
    }

    /**
     * Some title, in any language, contains {@code text} ignoring case: ILIKE over the title's values, which
     * needs no word breaks and so works for Japanese and Chinese. A scan of the filtered rows, not an index.
     */
    private static Condition titleContains(String text) {
        String pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
        Table<?> titles = DSL.table("jsonb_each_text({0})", PRODUCT.TITLE).as("title_text", "language", "text");
        return DSL.exists(DSL.selectOne().from(titles)
                .where(DSL.field(DSL.name("title_text", "text"), String.class).likeIgnoreCase(pattern, '\\')));
    }

    /** The category and every category below it (materialized paths, see V1 migration). */
    private static Condition inSubtreeOf(UUID categoryId) {
        return PRODUCT.CATEGORY_ID.in(DSL.select(CATALOG_CATEGORY.ID).from(CATALOG_CATEGORY)
                .where(CATALOG_CATEGORY.ID.eq(categoryId)
                        .or(CATALOG_CATEGORY.ANCESTOR_IDS.contains(new UUID[] {categoryId}))));
    }

    /** The columns a product's content fills, the same on insert and update (the lowest price kept for listings). */
    private static Map<Field<?>, Object> contentColumns(ProductContent content) {
        Money lowest = lowestPrice(content);
        Map<Field<?>, Object> columns = new LinkedHashMap<>();
        columns.put(PRODUCT.CATEGORY_ID, content.categoryId());
        columns.put(PRODUCT.TITLE, jsonObject(content.title()));
        columns.put(PRODUCT.DESCRIPTION, jsonObject(content.description()));
        columns.put(PRODUCT.ATTRIBUTES, jsonObject(content.attributes()));
        columns.put(PRODUCT.IMAGE_URLS, content.imageUrls().toArray(String[]::new));
        columns.put(PRODUCT.CURRENCY, lowest.currency());
        columns.put(PRODUCT.MIN_PRICE_AMOUNT, lowest.amount());
        return columns;
    }

    /** Inserts a draft; {@code externalId} may be null (a product created one by one). */
    Product insert(DSLContext db, UUID id, UUID merchantId, String externalId, ProductContent content) {
        db.insertInto(PRODUCT)
                .set(PRODUCT.ID, id)
                .set(PRODUCT.MERCHANT_ID, merchantId)
                .set(PRODUCT.EXTERNAL_ID, externalId)
                .set(contentColumns(content))
                .set(PRODUCT.STATUS, ProductStatus.DRAFT.wireName())
                .execute();
        replaceVariants(db, id, merchantId, content.variants());
        return db.selectFrom(PRODUCT).where(PRODUCT.ID.eq(id)).fetchOptional()
                .map(row -> withVariants(db, List.of(row)).getFirst()).orElseThrow();
    }

    /**
     * Writes the product's content, status and review outcome as one new version. It is published since now
     * when it becomes published, stays published since then while it remains so, and is not published otherwise.
     */
    Product update(DSLContext db, Product current, ProductContent content, ProductStatus status,
                   List<ComplianceFinding> findings, List<String> rejectionReasons) {
        boolean published = status == ProductStatus.PUBLISHED;
        db.update(PRODUCT)
                .set(contentColumns(content))
                .set(PRODUCT.STATUS, status.wireName())
                .set(PRODUCT.COMPLIANCE_FINDINGS, findingsJson(findings))
                .set(PRODUCT.REJECTION_REASONS, rejectionReasons.toArray(String[]::new))
                .set(PRODUCT.PUBLISHED_AT, published
                        ? DSL.coalesce(PRODUCT.PUBLISHED_AT, DSL.currentOffsetDateTime())
                        : DSL.castNull(PRODUCT.PUBLISHED_AT))
                .set(PRODUCT.VERSION, PRODUCT.VERSION.plus(1))
                .set(PRODUCT.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(PRODUCT.ID.eq(current.id()))
                .execute();
        if (!content.variants().equals(current.content().variants())) {
            replaceVariants(db, current.id(), current.merchantId(), content.variants());
        }
        return db.selectFrom(PRODUCT).where(PRODUCT.ID.eq(current.id())).fetchOptional()
                .map(row -> withVariants(db, List.of(row)).getFirst()).orElseThrow();
    }

    /**
     * Makes {@code variants} the product's variants, in that order: a variant whose SKU stays keeps its id, the
     * others are removed first (so their codes are free again) and new ones added.
     */
    private void replaceVariants(DSLContext db, UUID productId, UUID merchantId, List<VariantInput> variants) {
        List<String> skus = variants.stream().map(VariantInput::sku).toList();
        db.deleteFrom(PRODUCT_VARIANT).where(PRODUCT_VARIANT.PRODUCT_ID.eq(productId))
                .and(PRODUCT_VARIANT.SKU.notIn(skus)).execute();
        Set<String> kept = db.select(PRODUCT_VARIANT.SKU).from(PRODUCT_VARIANT)
                .where(PRODUCT_VARIANT.PRODUCT_ID.eq(productId)).fetchSet(PRODUCT_VARIANT.SKU);
        for (int position = 0; position < variants.size(); position++) {
            VariantInput variant = variants.get(position);
            Long compareAt = variant.compareAtPrice().map(Money::amount).orElse(null);
            if (kept.contains(variant.sku())) {
                db.update(PRODUCT_VARIANT)
                        .set(PRODUCT_VARIANT.POSITION, position)
                        .set(PRODUCT_VARIANT.ATTRIBUTES, jsonObject(variant.attributes()))
                        .set(PRODUCT_VARIANT.PRICE_AMOUNT, variant.price().amount())
                        .set(PRODUCT_VARIANT.PRICE_CURRENCY, variant.price().currency())
                        .set(PRODUCT_VARIANT.COMPARE_AT_AMOUNT, compareAt)
                        .where(PRODUCT_VARIANT.PRODUCT_ID.eq(productId)).and(PRODUCT_VARIANT.SKU.eq(variant.sku()))
                        .execute();
            } else {
                db.insertInto(PRODUCT_VARIANT)
                        .set(PRODUCT_VARIANT.ID, UUID.randomUUID())
                        .set(PRODUCT_VARIANT.PRODUCT_ID, productId)
                        .set(PRODUCT_VARIANT.MERCHANT_ID, merchantId)
                        .set(PRODUCT_VARIANT.POSITION, position)
                        .set(PRODUCT_VARIANT.SKU, variant.sku())
                        .set(PRODUCT_VARIANT.ATTRIBUTES, jsonObject(variant.attributes()))
                        .set(PRODUCT_VARIANT.PRICE_AMOUNT, variant.price().amount())
                        .set(PRODUCT_VARIANT.PRICE_CURRENCY, variant.price().currency())
                        .set(PRODUCT_VARIANT.COMPARE_AT_AMOUNT, compareAt)
                        .execute();
            }
        }
    }

    private static Money lowestPrice(ProductContent content) {
        return content.variants().stream().map(VariantInput::price)
                .min(Comparator.comparingLong(Money::amount)).orElseThrow();
    }

    /** The products of {@code rows}, in that order, each with its variants (one query for all of them). */
    private static List<Product> withVariants(DSLContext db, List<ProductRecord> rows) {
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<UUID, List<ProductVariant>> variants = db.selectFrom(PRODUCT_VARIANT)
                .where(PRODUCT_VARIANT.PRODUCT_ID.in(rows.stream().map(ProductRecord::getId).toList()))
                .orderBy(PRODUCT_VARIANT.PRODUCT_ID, PRODUCT_VARIANT.POSITION)
                .fetchGroups(PRODUCT_VARIANT.PRODUCT_ID, ProductRepository::toVariant);
        return rows.stream().map(row -> toProduct(row, variants.getOrDefault(row.getId(), List.of()))).toList();
    }

    private static ProductVariant toVariant(ProductVariantRecord row) {
        return new ProductVariant(row.getId(), row.getSku(), stringMap(row.getAttributes()),
                Money.of(row.getPriceAmount(), row.getPriceCurrency()),
                row.getCompareAtAmount() == null ? null : Money.of(row.getCompareAtAmount(), row.getPriceCurrency()));
    }

    private static Product toProduct(ProductRecord row, List<ProductVariant> variants) {
        return new Product(row.getId(), row.getMerchantId(), row.getExternalId(), row.getCategoryId(), stringMap(row.getTitle()),
                stringMap(row.getDescription()), stringMap(row.getAttributes()), Arrays.asList(row.getImageUrls()),
                variants, ProductStatus.fromWireName(row.getStatus()).orElseThrow(),
                findings(row.getComplianceFindings()), Arrays.asList(row.getRejectionReasons()), row.getPublishedAt(),
                row.getVersion(), row.getCreatedAt(), row.getUpdatedAt());
    }

    private static JSONB jsonObject(Map<String, String> map) {
        JsonObjectBuilder object = JSON.createObjectBuilder();
        map.forEach(object::add);
        return JSONB.jsonb(object.build().toString());
    }

    private static Map<String, String> stringMap(JSONB json) {
        try (JsonReader reader = JSON.createReader(new StringReader(json.data()))) {
            JsonObject object = reader.readObject();
            return object.keySet().stream().collect(Collectors.toMap(key -> key, object::getString,
                    (a, b) -> a, LinkedHashMap::new));
        }
    }

    private static JSONB findingsJson(List<ComplianceFinding> findings) {
        JsonArrayBuilder array = JSON.createArrayBuilder();
        findings.forEach(finding -> array.add(JSON.createObjectBuilder()
                .add("word", finding.word()).add("field", finding.field())));
        return JSONB.jsonb(array.build().toString());
    }

    private static List<ComplianceFinding> findings(JSONB json) {
        try (JsonReader reader = JSON.createReader(new StringReader(json.data()))) {
            return reader.readArray().getValuesAs(JsonObject.class).stream()
                    .map(finding -> new ComplianceFinding(finding.getString("word"), finding.getString("field")))
                    .toList();
        }
    }
}
