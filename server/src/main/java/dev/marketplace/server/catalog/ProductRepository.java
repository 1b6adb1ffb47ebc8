package dev.marketplace.server.catalog;

import static dev.marketplace.server.platform.http.JsonP.JSON;
import static dev.marketplace.schema.Tables.CATALOG_CATEGORY;
import static dev.marketplace.schema.Tables.CHANGE_LOG;
import static dev.marketplace.schema.Tables.LISTING_CHANGE_BATCH;
import static dev.marketplace.schema.Tables.LISTING_SEARCH;
import static dev.marketplace.schema.Tables.LISTING_SEARCH_VERSION;
import static dev.marketplace.schema.Tables.MERCHANT_RATING;
import static dev.marketplace.schema.Tables.PRODUCT;
import static dev.marketplace.schema.Tables.PRODUCT_FEED_ENTRY;
import static dev.marketplace.schema.Tables.PRODUCT_VARIANT;

import dev.marketplace.schema.tables.records.ProductRecord;
import dev.marketplace.schema.tables.records.ProductVariantRecord;
import dev.marketplace.server.platform.changes.ChangeKind;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.FunctionRows;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.ObjLongConsumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.InsertSetMoreStep;
import org.jooq.InsertSetStep;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The product and product_variant tables. Every method runs in the caller's transaction ({@code db}); reads on
 * behalf of a principal go through {@link Tenancy}: a product is owned by its merchant.
 */
final class ProductRepository {

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

    /**
     * The merchant's products with these external keys, by key, locked for a change: one statement, rows locked in
     * id order (so concurrent batches lock them in one order).
     */
    Map<String, Product> lockByExternalIds(DSLContext db, UUID merchantId, Collection<String> externalIds) {
        List<ProductRecord> rows = db.selectFrom(PRODUCT).where(PRODUCT.MERCHANT_ID.eq(merchantId))
                .and(PRODUCT.EXTERNAL_ID.eq(DSL.any(externalIds.toArray(String[]::new))))
                .orderBy(PRODUCT.ID).forUpdate().fetch();
        return withVariants(db, rows).stream().collect(Collectors.toMap(Product::externalId, product -> product));
    }

    /** The viewer's products in creation order (created, id), optionally in one status; {@code page.fetchSize()} at most. */
    List<Product> list(DSLContext db, Principal viewer, Optional<UUID> merchantId, Optional<ProductStatus> status,
                       PageRequest page) {
        Condition ofMerchant = merchantId.map(PRODUCT.MERCHANT_ID::eq).orElse(DSL.noCondition());
        Condition inStatus = status.map(s -> PRODUCT.STATUS.eq(s.wireName())).orElse(DSL.noCondition());
        Condition after = page.after()
                .map(cursor -> DSL.row(PRODUCT.CREATED_AT, PRODUCT.ID)
                        .gt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return withVariants(db, db.selectFrom(PRODUCT)
                .where(visibleTo(viewer)).and(ofMerchant).and(inStatus).and(after)
                .orderBy(PRODUCT.CREATED_AT, PRODUCT.ID)
                .limit(page.fetchSize())
                .fetch());
    }

    Map<String, UUID> variantsBySku(DSLContext db, UUID merchantId, Collection<String> skus) {
        return db.select(PRODUCT_VARIANT.SKU, PRODUCT_VARIANT.ID).from(PRODUCT_VARIANT)
                .where(PRODUCT_VARIANT.MERCHANT_ID.eq(merchantId))
                .and(PRODUCT_VARIANT.SKU.eq(DSL.any(skus.toArray(String[]::new))))
                .fetchMap(PRODUCT_VARIANT.SKU, PRODUCT_VARIANT.ID);
    }

    List<UUID> variantIdsOf(DSLContext db, Collection<UUID> merchantIds, Optional<UUID> after, int limit) {
        return db.select(PRODUCT_VARIANT.ID).from(PRODUCT_VARIANT)
                .where(PRODUCT_VARIANT.MERCHANT_ID.eq(DSL.any(merchantIds.toArray(UUID[]::new))))
                .and(after.map(PRODUCT_VARIANT.ID::gt).orElse(DSL.noCondition()))
                .orderBy(PRODUCT_VARIANT.ID).limit(limit)
                .fetch(PRODUCT_VARIANT.ID);
    }

    Map<UUID, Integer> handlingDays(DSLContext db, Collection<UUID> productIds) {
        Map<UUID, Integer> days = new HashMap<>();
        HANDLING_DAYS.forEach(db, binds -> binds.uuids("products", productIds),
                row -> days.put(row.get(PRODUCT.ID), row.get(PRODUCT.HANDLING_DAYS).intValue()));
        return days;
    }

    /**
     * Read by every payment and partner order: rendered once (decision 115), through V112's function, planned once per
     * connection (decision 135).
     */
    private static final RenderedStatement HANDLING_DAYS = RenderedStatement.of(FunctionRows.select(
            List.of(PRODUCT.ID, PRODUCT.HANDLING_DAYS), "products_handling_days",
            DSL.param("products", SQLDataType.UUID.array())));

    Map<UUID, UUID> merchantsOfVariants(DSLContext db, Collection<UUID> variantIds) {
        return db.select(PRODUCT_VARIANT.ID, PRODUCT_VARIANT.MERCHANT_ID).from(PRODUCT_VARIANT)
                .where(PRODUCT_VARIANT.ID.eq(DSL.any(variantIds.toArray(UUID[]::new))))
                .fetchMap(PRODUCT_VARIANT.ID, PRODUCT_VARIANT.MERCHANT_ID);
    }

    /**
     * The viewer's product changes after {@code afterPosition}, in position order, {@code limit} at most, each as the
     * JSON of its feed entry; an upsert of a product deleted since is skipped (its tombstone comes later in the feed).
     * The product's text is the one kept beside it (V104, decision 120): a catch-up reads a million entries, and
     * building each product's JSON on every read was most of a page's cost (decisions 104 and 112).
     */
    List<ProductChange> changes(DSLContext db, Principal viewer, long afterPosition, int limit) {
        // A join, not EXISTS: with EXISTS under an OR the planner hashed the whole product table for every page.
        return db.select(CHANGE_LOG.POSITION, CHANGE_JSON)
                .from(CHANGE_LOG).leftJoin(PRODUCT_FEED_ENTRY).on(PRODUCT_FEED_ENTRY.PRODUCT_ID.eq(CHANGE_LOG.ENTITY_ID))
                .where(CHANGE_LOG.FEED.eq(ChangeLog.PRODUCTS)).and(CHANGE_LOG.POSITION.gt(afterPosition))
                .and(Tenancy.visibleTo(viewer, DSL.inline(PrincipalType.MERCHANT.wireName()), CHANGE_LOG.MERCHANT_ID))
                .and(CHANGE_LOG.KIND.eq(ChangeKind.DELETED.wireName()).or(PRODUCT_FEED_ENTRY.PRODUCT_ID.isNotNull()))
                .orderBy(CHANGE_LOG.POSITION)
                .limit(limit)
                .fetch(row -> new ProductChange(row.value1(), row.value2()));
    }

    /**
     * A time as JSON-B writes an {@link OffsetDateTime} read from the database (pgjdbc reads it in UTC): ISO 8601, the
     * fraction without trailing zeros, "Z" (V104's {@code json_time_utc}, which the kept product texts use too).
     */
    private static Field<String> jsonTime(Field<OffsetDateTime> time) {
        return DSL.field("json_time_utc({0})", SQLDataType.VARCHAR, time);
    }

    /**
     * A value that cannot hold a quote, a backslash or a control character (a uuid, or text its CHECK constraint
     * limits to letters, digits and {@code ._-}) as a JSON string: quoted as it is. {@code to_json} looks the type's
     * category up on every call: a seventh of the page query's CPU (decision 112).
     */
    private static Field<String> quoted(Field<?> value) {
        return DSL.field("'\"' || {0} || '\"'", SQLDataType.VARCHAR, value);
    }

    /**
     * A feed entry ({@code ProductChange} in the OpenAPI document): an upsert carries the product as it is now, a
     * tombstone none. Fetched as the bytes PostgreSQL sends (pgjdbc's client encoding is always UTF-8), which the
     * server passes on without decoding them (decision 112).
     */
    private static final Field<byte[]> CHANGE_JSON = DSL.field("'{\"changedAt\":' || {0} || ',\"kind\":' || {1}"
                    + " || ',\"position\":' || {2} || CASE WHEN {3} = {4} THEN ',\"product\":' || {5} ELSE '' END"
                    + " || ',\"productId\":' || {6} || '}'",
            SQLDataType.VARBINARY, jsonTime(CHANGE_LOG.CHANGED_AT), quoted(CHANGE_LOG.KIND), CHANGE_LOG.POSITION,
            CHANGE_LOG.KIND, DSL.inline(ChangeKind.UPSERTED.wireName()), PRODUCT_FEED_ENTRY.PRODUCT,
            quoted(CHANGE_LOG.ENTITY_ID));

    /** Deletes the product; its variants and their stock levels go with it (foreign keys). */
    void delete(DSLContext db, UUID id) {
        db.deleteFrom(PRODUCT).where(PRODUCT.ID.eq(id)).execute();
    }

    static Cursor cursorOf(Product product) {
        return Cursor.of(product.createdAt().toString(), product.id().toString());
    }

    /** A listing and the cursor of the page that ends with it. */
    record Listed(Listing listing, Cursor cursor) {
    }

    /** What listings show of ratings: the product's from listing_search, its merchant's from merchant_rating. */
    private static final Field<?>[] RATING_FIELDS = {LISTING_SEARCH.RATING_COUNT, LISTING_SEARCH.RATING_SUM,
            MERCHANT_RATING.RATING_COUNT, MERCHANT_RATING.RATING_SUM};

    private static Listing listingOf(Product product, Record row) {
        Integer merchantCount = row.get(MERCHANT_RATING.RATING_COUNT);
        return new Listing(product, new Rating(row.get(LISTING_SEARCH.RATING_COUNT), row.get(LISTING_SEARCH.RATING_SUM)),
                merchantCount == null ? Rating.NONE : new Rating(merchantCount, row.get(MERCHANT_RATING.RATING_SUM)));
    }

    /**
     * Listed products matching {@code query} in the query's order; {@code page.fetchSize()} rows at most. One query on
     * the listing_search read model (see V8 migration), joined to the products it names. The page's cursor keys are
     * the sort's name, its sort key and the product id.
     */
    List<Listed> listings(DSLContext db, ListingQuery query, PageRequest page) {
        Condition filter = listed()
                .and(query.text().map(ProductRepository::matches).orElse(DSL.noCondition()))
                .and(query.categoryId().map(ProductRepository::inSubtreeOf).orElse(DSL.noCondition()))
                .and(query.merchantId().map(LISTING_SEARCH.MERCHANT_ID::eq).orElse(DSL.noCondition()))
                .and(query.currency().map(LISTING_SEARCH.CURRENCY::eq).orElse(DSL.noCondition()))
                .and(query.minPrice().map(LISTING_SEARCH.MIN_PRICE_AMOUNT::ge).orElse(DSL.noCondition()))
                .and(query.maxPrice().map(LISTING_SEARCH.MIN_PRICE_AMOUNT::le).orElse(DSL.noCondition()))
                .and(query.inStockOnly() ? DSL.condition(LISTING_SEARCH.IN_STOCK) : DSL.noCondition())
                .and(query.minRating().map(stars -> LISTING_SEARCH.RATING_HUNDREDTHS.ge(stars * 100))
                        .orElse(DSL.noCondition()));
        Field<?> sortKey = switch (query.sort()) {
            case RELEVANCE -> rank(query.text().orElseThrow());
            case NEWEST -> LISTING_SEARCH.PUBLISHED_AT;
            case PRICE_ASC, PRICE_DESC -> LISTING_SEARCH.MIN_PRICE_AMOUNT;
            case RATING_DESC -> LISTING_SEARCH.RATING_HUNDREDTHS;
        };
        Condition after = page.after().map(cursor -> {
            String key = cursor.keys().get(1);
            UUID id = UUID.fromString(cursor.keys().get(2));
            return switch (query.sort()) {
                case RELEVANCE -> DSL.row(rank(query.text().orElseThrow()), LISTING_SEARCH.PRODUCT_ID)
                        .lt(DSL.val(Float.parseFloat(key), SQLDataType.REAL), DSL.val(id));
                case NEWEST -> DSL.row(LISTING_SEARCH.PUBLISHED_AT, LISTING_SEARCH.PRODUCT_ID)
                        .lt(OffsetDateTime.parse(key), id);
                case PRICE_ASC -> DSL.row(LISTING_SEARCH.MIN_PRICE_AMOUNT, LISTING_SEARCH.PRODUCT_ID)
                        .gt(Long.parseLong(key), id);
                case PRICE_DESC -> DSL.row(LISTING_SEARCH.MIN_PRICE_AMOUNT, LISTING_SEARCH.PRODUCT_ID)
                        .lt(Long.parseLong(key), id);
                case RATING_DESC -> DSL.row(LISTING_SEARCH.RATING_HUNDREDTHS, LISTING_SEARCH.PRODUCT_ID)
                        .lt(Integer.parseInt(key), id);
            };
        }).orElse(DSL.noCondition());
        List<SortField<?>> order = switch (query.sort()) {
            case RELEVANCE, NEWEST, PRICE_DESC, RATING_DESC -> List.of(sortKey.desc(), LISTING_SEARCH.PRODUCT_ID.desc());
            case PRICE_ASC -> List.of(sortKey.asc(), LISTING_SEARCH.PRODUCT_ID.asc());
        };
        Field<?> key = sortKey.as("sort_key");
        var rows = db.select(PRODUCT.fields()).select(RATING_FIELDS).select(key)
                .from(LISTING_SEARCH).join(PRODUCT).on(PRODUCT.ID.eq(LISTING_SEARCH.PRODUCT_ID))
                .leftJoin(MERCHANT_RATING).on(MERCHANT_RATING.MERCHANT_ID.eq(LISTING_SEARCH.MERCHANT_ID))
                .where(filter).and(after)
                .orderBy(order)
                .limit(page.fetchSize())
                .fetch();
        List<Product> products = withVariants(db, rows.map(row -> row.into(PRODUCT)));
        List<Listed> listed = new ArrayList<>(products.size());
        for (int i = 0; i < products.size(); i++) {
            Product product = products.get(i);
            listed.add(new Listed(listingOf(product, rows.get(i)), Cursor.of(query.sort().wireName(),
                    String.valueOf(rows.get(i).get(key)), product.id().toString())));
        }
        return listed;
    }

    /**
     * The listed products' rows of the read model as the search index holds them (decision 47): every listed product
     * when {@code productIds} is empty, else those of these that are listed. The search document comes as
     * PostgreSQL's text form of the tsvector, so the index holds exactly the lexemes PostgreSQL matches.
     */
    void forEachIndexRow(DSLContext db, Optional<Collection<UUID>> productIds, Consumer<SearchIndex.Row> row) {
        Field<String> document = LISTING_SEARCH.DOCUMENT.cast(SQLDataType.CLOB).as("document_text");
        Condition named = productIds
                .map(ids -> LISTING_SEARCH.PRODUCT_ID.eq(DSL.any(ids.toArray(UUID[]::new))))
                .orElse(DSL.noCondition());
        Field<Long> version = rowVersion();
        try (var rows = db.select(LISTING_SEARCH.PRODUCT_ID, LISTING_SEARCH.MERCHANT_ID, LISTING_SEARCH.CATEGORY_ID,
                        CATALOG_CATEGORY.ANCESTOR_IDS, LISTING_SEARCH.CURRENCY, LISTING_SEARCH.MIN_PRICE_AMOUNT,
                        LISTING_SEARCH.PUBLISHED_AT, LISTING_SEARCH.IN_STOCK, LISTING_SEARCH.RATING_HUNDREDTHS, document,
                        version)
                .from(LISTING_SEARCH).join(CATALOG_CATEGORY).on(CATALOG_CATEGORY.ID.eq(LISTING_SEARCH.CATEGORY_ID))
                .join(LISTING_SEARCH_VERSION).on(LISTING_SEARCH_VERSION.PRODUCT_ID.eq(LISTING_SEARCH.PRODUCT_ID))
                .where(listed()).and(named)
                .fetchSize(1_000)
                .fetchLazy()) {
            for (Record r : rows) {
                row.accept(new SearchIndex.Row(r.get(LISTING_SEARCH.PRODUCT_ID), r.get(LISTING_SEARCH.MERCHANT_ID),
                        r.get(LISTING_SEARCH.CATEGORY_ID), List.of(r.get(CATALOG_CATEGORY.ANCESTOR_IDS)),
                        r.get(LISTING_SEARCH.CURRENCY), r.get(LISTING_SEARCH.MIN_PRICE_AMOUNT),
                        r.get(LISTING_SEARCH.PUBLISHED_AT).toInstant(), r.get(LISTING_SEARCH.IN_STOCK),
                        r.get(LISTING_SEARCH.RATING_HUNDREDTHS), r.get(document), r.get(version)));
            }
        }
    }

    /**
     * Every listed product's row version as the search index records it (see {@link #rowVersion}), in one statement
     * that reads neither a document nor listing_search, only its narrow twin and the categories: what a node compares
     * its saved index with at start (decisions 78, 89). On the readiness probe's path, so read through JDBC and the
     * two transaction ids combined here: jOOQ's record per row and PostgreSQL's text casts of 100,000 pairs were half
     * of the statement's cost (decision 113). Streamed, not listed: 100,000 rows.
     */
    void forEachListedVersion(DSLContext db, ObjLongConsumer<UUID> version) {
        // an xid is unsigned 32 bits, read from its text form as rowVersion's casts read it
        LISTED_VERSIONS.forEach(db, binds -> { }, row -> version.accept(row.get(LISTING_SEARCH_VERSION.PRODUCT_ID),
                row.get(LISTED_VERSION_XMIN) << 32 | row.get(LISTED_CATEGORY_XMIN)));
    }

    private static final Field<Long> LISTED_VERSION_XMIN = xmin(LISTING_SEARCH_VERSION);
    private static final Field<Long> LISTED_CATEGORY_XMIN = xmin(CATALOG_CATEGORY);
    private static final RenderedStatement LISTED_VERSIONS = RenderedStatement.of(DSL.select(
                    LISTING_SEARCH_VERSION.PRODUCT_ID, LISTED_VERSION_XMIN, LISTED_CATEGORY_XMIN)
            .from(LISTING_SEARCH_VERSION)
            .join(CATALOG_CATEGORY).on(CATALOG_CATEGORY.ID.eq(LISTING_SEARCH_VERSION.CATEGORY_ID))
            .where(LISTING_SEARCH_VERSION.LISTED));

    /**
     * The versions of the rows a search document is built from: the transaction ids that wrote the product's
     * listing_search_version row (high 32 bits), which every write of its listing_search row rewrites in the same
     * statement (V79), and its category's row (low 32 bits, the ancestors). Any update writes a new row version with
     * its own transaction's id, so an unchanged pair means an unchanged document (within one history of the database:
     * see the V68 migration).
     */
    private static Field<Long> rowVersion() {
        return DSL.field("({0}::text::bigint << 32) | {1}::text::bigint", Long.class, xmin(LISTING_SEARCH_VERSION),
                xmin(CATALOG_CATEGORY)).as("row_version");
    }

    /** The id of the transaction that wrote the table's row (its system column). */
    private static Field<Long> xmin(Table<?> table) {
        return DSL.field(DSL.name(table.getName(), "xmin"), Long.class);
    }

    /** The products of a bulk change's batch (V47); empty when the batch is no longer kept. */
    Optional<List<UUID>> changeBatch(DSLContext db, long batchId) {
        return db.select(LISTING_CHANGE_BATCH.PRODUCT_IDS).from(LISTING_CHANGE_BATCH)
                .where(LISTING_CHANGE_BATCH.ID.eq(batchId)).fetchOptional(LISTING_CHANGE_BATCH.PRODUCT_IDS)
                .map(List::of);
    }

    /** PostgreSQL's text form of what a storefront's {@code q} asks (search_query, see V8 migration). */
    String searchQueryText(DSLContext db, String text) {
        return db.select(DSL.field("search_query({0})::text", String.class, DSL.val(text))).fetchSingle().value1();
    }

    /** These products' listings, those that are listed, by product id (one statement, variants in a second). */
    Map<UUID, Listing> listingsById(DSLContext db, Collection<UUID> productIds) {
        var rows = db.select(PRODUCT.fields()).select(RATING_FIELDS)
                .from(LISTING_SEARCH).join(PRODUCT).on(PRODUCT.ID.eq(LISTING_SEARCH.PRODUCT_ID))
                .leftJoin(MERCHANT_RATING).on(MERCHANT_RATING.MERCHANT_ID.eq(LISTING_SEARCH.MERCHANT_ID))
                .where(LISTING_SEARCH.PRODUCT_ID.eq(DSL.any(productIds.toArray(UUID[]::new)))).and(listed())
                .fetch();
        List<Product> products = withVariants(db, rows.map(row -> row.into(PRODUCT)));
        Map<UUID, Listing> listings = new LinkedHashMap<>();
        for (int i = 0; i < products.size(); i++) {
            listings.put(products.get(i).id(), listingOf(products.get(i), rows.get(i)));
        }
        return listings;
    }

    /**
     * Adds ratings to the product's row of the read model and to its merchant's (negative amounts take published
     * ratings away), as increments: concurrent reviews of one product each add their own. Rows are locked product
     * first, then merchant, always in that order.
     */
    void rate(DSLContext db, UUID productId, UUID merchantId, int countDelta, long sumDelta) {
        db.update(LISTING_SEARCH)
                .set(LISTING_SEARCH.RATING_COUNT, LISTING_SEARCH.RATING_COUNT.plus(countDelta))
                .set(LISTING_SEARCH.RATING_SUM, LISTING_SEARCH.RATING_SUM.plus(sumDelta))
                .where(LISTING_SEARCH.PRODUCT_ID.eq(productId))
                .execute();
        // The row first, empty (an upsert's proposed row would have to pass the checks with a negative amount).
        db.insertInto(MERCHANT_RATING).set(MERCHANT_RATING.MERCHANT_ID, merchantId).onConflictDoNothing().execute();
        db.update(MERCHANT_RATING)
                .set(MERCHANT_RATING.RATING_COUNT, MERCHANT_RATING.RATING_COUNT.plus(countDelta))
                .set(MERCHANT_RATING.RATING_SUM, MERCHANT_RATING.RATING_SUM.plus(sumDelta))
                .where(MERCHANT_RATING.MERCHANT_ID.eq(merchantId))
                .execute();
    }

    /**
     * A storefront's most frequent read in one round trip — the product joined with its variants, listed (published, its
     * merchant active) — rendered to SQL once: jOOQ renders a query on every execution, which cost this read more CPU
     * than PostgreSQL's work for it (decision 58).
     */
    static final class ListingById {
        private static final RenderedStatement STATEMENT = RenderedStatement.of(DSL.select(PRODUCT.fields())
                .select(PRODUCT_VARIANT.fields()).select(RATING_FIELDS)
                .from(PRODUCT).join(LISTING_SEARCH).on(LISTING_SEARCH.PRODUCT_ID.eq(PRODUCT.ID))
                .leftJoin(MERCHANT_RATING).on(MERCHANT_RATING.MERCHANT_ID.eq(LISTING_SEARCH.MERCHANT_ID))
                .leftJoin(PRODUCT_VARIANT).on(PRODUCT_VARIANT.PRODUCT_ID.eq(PRODUCT.ID))
                .where(PRODUCT.ID.eq(DSL.param("product", UUID.class))).and(listed())
                .orderBy(PRODUCT_VARIANT.POSITION));

        /** A row of the listing: the product and its ratings (the same in every row), one variant if it has any. */
        private record ListingRow(ProductRecord product, ProductVariantRecord variant, Rating rating,
                                  Rating merchantRating) {
        }

        Optional<Listing> find(DSLContext db, UUID id) {
            List<ListingRow> rows = STATEMENT.fetch(db, binds -> binds.uuid("product", id), row -> {
                Integer merchantCount = row.get(MERCHANT_RATING.RATING_COUNT);
                return new ListingRow(row.into(PRODUCT),
                        row.get(PRODUCT_VARIANT.ID) == null ? null : row.into(PRODUCT_VARIANT),
                        new Rating(row.get(LISTING_SEARCH.RATING_COUNT), row.get(LISTING_SEARCH.RATING_SUM)),
                        merchantCount == null ? Rating.NONE
                                : new Rating(merchantCount, row.get(MERCHANT_RATING.RATING_SUM)));
            });
            if (rows.isEmpty()) {
                return Optional.empty();
            }
            List<ProductVariant> variants = rows.stream().filter(row -> row.variant() != null)
                    .map(row -> toVariant(row.variant())).toList();
            ListingRow first = rows.getFirst();
            return Optional.of(new Listing(toProduct(first.product(), variants), first.rating(),
                    first.merchantRating()));
        }
    }

    /**
     * What carts and checkouts read of variants (price, merchant, product title and attributes, the category's
     * commission rate) in one statement rendered to SQL once, like {@link ListingById}: every cart read and every
     * checkout, lease create and lease commit runs it.
     */
    static final class VariantsForSale {
        /**
         * Through V108's function, which PostgreSQL plans once per connection: sent as itself, the join was planned
         * anew on every execution (decision 130). Its columns are named as the tables' are, and read by those names.
         */
        private static final RenderedStatement STATEMENT = RenderedStatement.of(FunctionRows.select(List.of(
                        PRODUCT_VARIANT.ID, PRODUCT_VARIANT.PRODUCT_ID, PRODUCT_VARIANT.MERCHANT_ID, PRODUCT.CATEGORY_ID,
                        PRODUCT_VARIANT.SKU, PRODUCT.TITLE, PRODUCT.ATTRIBUTES, PRODUCT_VARIANT.PRICE_AMOUNT,
                        PRODUCT_VARIANT.PRICE_CURRENCY, PRODUCT.STATUS, CATALOG_CATEGORY.COMMISSION_RATE_BPS),
                "variants_for_sale", DSL.param("variants", SQLDataType.UUID.array())));

        Map<UUID, VariantForSale> find(DSLContext db, Collection<UUID> variantIds) {
            Map<UUID, VariantForSale> variants = new LinkedHashMap<>();
            STATEMENT.fetch(db, binds -> binds.uuids("variants", variantIds), row -> new VariantForSale(
                            row.get(PRODUCT_VARIANT.ID), row.get(PRODUCT_VARIANT.PRODUCT_ID),
                            row.get(PRODUCT_VARIANT.MERCHANT_ID), row.get(PRODUCT.CATEGORY_ID),
                            row.get(PRODUCT_VARIANT.SKU), stringMap(row.get(PRODUCT.TITLE)),
                            stringMap(row.get(PRODUCT.ATTRIBUTES)),
                            Money.of(row.get(PRODUCT_VARIANT.PRICE_AMOUNT), row.get(PRODUCT_VARIANT.PRICE_CURRENCY)),
                            ProductStatus.PUBLISHED.wireName().equals(row.get(PRODUCT.STATUS)),
                            row.get(CATALOG_CATEGORY.COMMISSION_RATE_BPS)))
                    .forEach(variant -> variants.put(variant.variantId(), variant));
            return variants;
        }
    }

    /**
     * Published and of an active merchant, as the partial indexes of listing_search state it (bare boolean column,
     * so the planner proves the index predicate).
     */
    private static Condition listed() {
        return LISTING_SEARCH.PUBLISHED_AT.isNotNull().and(DSL.condition(LISTING_SEARCH.MERCHANT_ACTIVE));
    }

    /**
     * The product's search document matches the storefront's text (see search_query in the V8 migration). The text
     * is inlined as a literal (jOOQ escapes it) so that the planner folds the immutable search_query into a constant
     * tsquery: it then estimates how many rows match, and ts_rank does not rebuild the query for every row.
     */
    private static Condition matches(String text) {
        return DSL.condition("{0} @@ search_query({1})", LISTING_SEARCH.DOCUMENT, DSL.inline(text));
    }

    /** How well the document matches: ts_rank with titles (weight A) counting more than descriptions (B). */
    private static Field<Float> rank(String text) {
        return DSL.field("ts_rank({0}, search_query({1}))", SQLDataType.REAL, LISTING_SEARCH.DOCUMENT,
                DSL.inline(text));
    }

    /** The category and every category below it (materialized paths, see V1 migration). */
    private static Condition inSubtreeOf(UUID categoryId) {
        return LISTING_SEARCH.CATEGORY_ID.in(DSL.select(CATALOG_CATEGORY.ID).from(CATALOG_CATEGORY)
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
        columns.put(PRODUCT.HANDLING_DAYS, content.handlingDays() == null ? null : content.handlingDays().shortValue());
        columns.put(PRODUCT.CURRENCY, lowest.currency());
        columns.put(PRODUCT.MIN_PRICE_AMOUNT, lowest.amount());
        return columns;
    }

    /** A draft to insert: {@code externalId} may be null (a product created one by one). */
    record NewProduct(UUID id, String externalId, ProductContent content) {
    }

    Product insert(DSLContext db, UUID merchantId, NewProduct product) {
        return insertAll(db, merchantId, List.of(product)).getFirst();
    }

    /** Inserts drafts with their variants: two statements whatever their number; returns them in that order. */
    List<Product> insertAll(DSLContext db, UUID merchantId, List<NewProduct> products) {
        InsertSetMoreStep<ProductRecord> insert = null;
        List<NewVariant> variants = new ArrayList<>();
        for (NewProduct product : products) {
            InsertSetStep<ProductRecord> next = insert == null ? db.insertInto(PRODUCT) : insert.newRecord();
            insert = next.set(PRODUCT.ID, product.id())
                    .set(PRODUCT.MERCHANT_ID, merchantId)
                    .set(PRODUCT.EXTERNAL_ID, product.externalId())
                    .set(contentColumns(product.content()))
                    .set(PRODUCT.STATUS, ProductStatus.DRAFT.wireName());
            List<VariantInput> inputs = product.content().variants();
            IntStream.range(0, inputs.size())
                    .forEach(position -> variants.add(new NewVariant(product.id(), position, inputs.get(position))));
        }
        Map<UUID, ProductRecord> rows = insert.returning().fetchMap(PRODUCT.ID);
        Map<UUID, List<ProductVariant>> inserted = insertVariants(db, merchantId, variants);
        return products.stream().map(product -> toProduct(rows.get(product.id()),
                inserted.getOrDefault(product.id(), List.of()))).toList();
    }

    /**
     * Writes the product's content, status and review outcome as one new version. It is published since now
     * when it becomes published, stays published since then while it remains so, and is not published otherwise.
     */
    Product update(DSLContext db, Product current, ProductContent content, ProductStatus status,
                   List<ComplianceFinding> findings, List<String> rejectionReasons) {
        boolean published = status == ProductStatus.PUBLISHED;
        ProductRecord row = db.update(PRODUCT)
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
                .returning()
                .fetchSingle();
        if (!content.variants().equals(current.content().variants())) {
            replaceVariants(db, current.id(), current.merchantId(), content.variants());
            return withVariants(db, List.of(row)).getFirst();
        }
        // Variants untouched (a status change, a submission): the locked product's own are still the stored ones.
        return toProduct(row, current.variants());
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
        List<NewVariant> added = new ArrayList<>();
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
                added.add(new NewVariant(productId, position, variant));
            }
        }
        insertVariants(db, merchantId, added);
    }

    private record NewVariant(UUID productId, int position, VariantInput input) {
    }

    /** Inserts these variants in one statement; returns them by product, in position order. */
    private static Map<UUID, List<ProductVariant>> insertVariants(DSLContext db, UUID merchantId,
                                                                  List<NewVariant> variants) {
        if (variants.isEmpty()) {
            return Map.of();
        }
        var insert = db.insertInto(PRODUCT_VARIANT, PRODUCT_VARIANT.ID, PRODUCT_VARIANT.PRODUCT_ID,
                PRODUCT_VARIANT.MERCHANT_ID, PRODUCT_VARIANT.POSITION, PRODUCT_VARIANT.SKU, PRODUCT_VARIANT.ATTRIBUTES,
                PRODUCT_VARIANT.PRICE_AMOUNT, PRODUCT_VARIANT.PRICE_CURRENCY, PRODUCT_VARIANT.COMPARE_AT_AMOUNT);
        for (NewVariant variant : variants) {
            VariantInput input = variant.input();
            insert = insert.values(UUID.randomUUID(), variant.productId(), merchantId, variant.position(), input.sku(),
                    jsonObject(input.attributes()), input.price().amount(), input.price().currency(),
                    input.compareAtPrice().map(Money::amount).orElse(null));
        }
        return insert.returning().fetch().stream()
                .sorted(Comparator.comparing(ProductVariantRecord::getPosition))
                .collect(Collectors.groupingBy(ProductVariantRecord::getProductId,
                        Collectors.mapping(ProductRepository::toVariant, Collectors.toList())));
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
                row.getVersion(), row.getCreatedAt(), row.getUpdatedAt(),
                row.getHandlingDays() == null ? null : row.getHandlingDays().intValue());
    }

    private static JSONB jsonObject(Map<String, String> map) {
        JsonObjectBuilder object = JSON.createObjectBuilder();
        map.forEach(object::add);
        return JSONB.jsonb(object.build().toString());
    }

    static Map<String, String> stringMap(JSONB json) {
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
