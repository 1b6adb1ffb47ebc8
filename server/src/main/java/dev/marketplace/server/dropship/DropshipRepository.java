package dev.marketplace.server.dropship;

import static dev.marketplace.schema.Tables.DROPSHIP_CONNECTION;
import static dev.marketplace.schema.Tables.DROPSHIP_FORWARD;
import static dev.marketplace.schema.Tables.DROPSHIP_SWITCH;
import static dev.marketplace.schema.Tables.DROPSHIP_SYNC_RUN;
import static dev.marketplace.schema.Tables.DROPSHIP_VARIANT;

import dev.marketplace.schema.tables.records.DropshipConnectionRecord;
import dev.marketplace.schema.tables.records.DropshipForwardRecord;
import dev.marketplace.schema.tables.records.DropshipSyncRunRecord;
import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.StringReader;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** The drop-ship tables; every method runs in the caller's transaction. */
final class DropshipRepository {

    /**
     * A variant imported from a supplier, as stored; with a backup, what the backup last reported for its SKU and
     * whether the marketplace stock is read from the backup now (decision 64).
     */
    record ImportedVariant(UUID connectionId, String supplierSku, String supplierProductId, UUID merchantId,
                           UUID productId, UUID variantId, long cost, long supplierStock,
                           Optional<UUID> backupConnectionId, Optional<String> backupSupplierSku,
                           Optional<Long> backupSupplierStock, boolean stockFromBackup) {
    }

    record SealedCredentials(String keyId, byte[] sealed) {
    }

    // --- connections

    void insertConnection(DSLContext db, Connection c, SealedCredentials credentials) {
        JsonObjectBuilder mappings = JsonP.JSON.createObjectBuilder();
        c.categoryMappings().forEach((supplier, category) -> mappings.add(supplier, category.toString()));
        db.insertInto(DROPSHIP_CONNECTION)
                .set(DROPSHIP_CONNECTION.ID, c.id())
                .set(DROPSHIP_CONNECTION.MERCHANT_ID, c.merchantId())
                .set(DROPSHIP_CONNECTION.NAME, c.name())
                .set(DROPSHIP_CONNECTION.KIND, c.kind().wireName())
                .set(DROPSHIP_CONNECTION.BASE_URL, c.baseUrl().orElse(null))
                .set(DROPSHIP_CONNECTION.CREDENTIALS_KEY_ID, credentials.keyId())
                .set(DROPSHIP_CONNECTION.CREDENTIALS_SEALED, credentials.sealed())
                .set(DROPSHIP_CONNECTION.CURRENCY, c.currency())
                .set(DROPSHIP_CONNECTION.MARKUP_BASIS_POINTS, c.pricing().markupBasisPoints())
                .set(DROPSHIP_CONNECTION.FIXED_AMOUNT, c.pricing().fixedAmount())
                .set(DROPSHIP_CONNECTION.PRICE_ENDING, c.pricing().ending())
                .set(DROPSHIP_CONNECTION.PRICE_ENDING_MODULUS, c.pricing().endingModulus())
                .set(DROPSHIP_CONNECTION.MIN_MARGIN_BASIS_POINTS, c.pricing().minMarginBasisPoints())
                .set(DROPSHIP_CONNECTION.BUFFER_UNITS, c.buffer().units())
                .set(DROPSHIP_CONNECTION.BUFFER_PERCENT, c.buffer().percent())
                .set(DROPSHIP_CONNECTION.AUTO_FORWARD, c.autoForward())
                .set(DROPSHIP_CONNECTION.CATEGORY_MAPPINGS, JSONB.valueOf(mappings.build().toString()))
                .set(DROPSHIP_CONNECTION.DEFAULT_CATEGORY_ID, c.defaultCategoryId())
                .set(DROPSHIP_CONNECTION.LOCATION_ID, c.locationId())
                .set(DROPSHIP_CONNECTION.SYNC_EVERY_SECONDS, (int) c.syncEvery().toSeconds())
                .set(DROPSHIP_CONNECTION.NEXT_SYNC_AT, c.nextSyncAt())
                .set(DROPSHIP_CONNECTION.LAST_SUCCESS_AT, c.lastSuccessAt())
                .set(DROPSHIP_CONNECTION.CREATED_AT, c.createdAt())
                .set(DROPSHIP_CONNECTION.QUOTA_CALLS, c.quota().map(Quota::calls).orElse(null))
                .set(DROPSHIP_CONNECTION.QUOTA_WINDOW_SECONDS, c.quota().map(q -> (int) q.window().toSeconds()).orElse(null))
                .execute();
    }

    Optional<Connection> find(DSLContext db, Principal viewer, UUID id) {
        return db.selectFrom(DROPSHIP_CONNECTION).where(DROPSHIP_CONNECTION.ID.eq(id)).and(visibleTo(viewer))
                .fetchOptional(DropshipRepository::connection);
    }

    /** For the server's own work (jobs, forwarding), decided by the service. */
    Optional<Connection> get(DSLContext db, UUID id) {
        return db.selectFrom(DROPSHIP_CONNECTION).where(DROPSHIP_CONNECTION.ID.eq(id))
                .fetchOptional(DropshipRepository::connection);
    }

    List<Connection> list(DSLContext db, Principal viewer, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(DROPSHIP_CONNECTION.CREATED_AT, DROPSHIP_CONNECTION.ID)
                        .gt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(DROPSHIP_CONNECTION).where(visibleTo(viewer)).and(after)
                .orderBy(DROPSHIP_CONNECTION.CREATED_AT, DROPSHIP_CONNECTION.ID).limit(page.fetchSize())
                .fetch(DropshipRepository::connection);
    }

    static Cursor cursorOf(Connection connection) {
        return Cursor.of(connection.createdAt().toString(), connection.id().toString());
    }

    SealedCredentials credentials(DSLContext db, UUID connectionId) {
        return db.select(DROPSHIP_CONNECTION.CREDENTIALS_KEY_ID, DROPSHIP_CONNECTION.CREDENTIALS_SEALED)
                .from(DROPSHIP_CONNECTION).where(DROPSHIP_CONNECTION.ID.eq(connectionId))
                .fetchSingle(r -> new SealedCredentials(r.value1(), r.value2()));
    }

    /**
     * Takes one call from the connection's quota (its row locked): a window that has ended starts anew at
     * {@code now}. Returns when the running window ends if its calls are used up (nothing taken), else empty.
     */
    Optional<OffsetDateTime> takeCall(DSLContext db, UUID connectionId, OffsetDateTime now) {
        DropshipConnectionRecord row = db.selectFrom(DROPSHIP_CONNECTION).where(DROPSHIP_CONNECTION.ID.eq(connectionId))
                .forUpdate().fetchSingle();
        if (row.getQuotaCalls() == null) {
            return Optional.empty();
        }
        OffsetDateTime started = row.getQuotaWindowStartedAt();
        OffsetDateTime ends = started == null ? null : started.plusSeconds(row.getQuotaWindowSeconds());
        if (ends == null || !ends.isAfter(now)) {
            row.setQuotaWindowStartedAt(now);
            row.setQuotaUsed(1);
        } else if (row.getQuotaUsed() >= row.getQuotaCalls()) {
            return Optional.of(ends);
        } else {
            row.setQuotaUsed(row.getQuotaUsed() + 1);
        }
        row.store(DROPSHIP_CONNECTION.QUOTA_WINDOW_STARTED_AT, DROPSHIP_CONNECTION.QUOTA_USED);
        return Optional.empty();
    }

    /** Up to {@code limit} connections' credentials sealed under another key than {@code currentKeyId}, locked (SKIP LOCKED). */
    Map<UUID, SealedCredentials> lockSealedUnder(DSLContext db, String currentKeyId, int limit) {
        Map<UUID, SealedCredentials> sealed = new HashMap<>();
        db.select(DROPSHIP_CONNECTION.ID, DROPSHIP_CONNECTION.CREDENTIALS_KEY_ID, DROPSHIP_CONNECTION.CREDENTIALS_SEALED)
                .from(DROPSHIP_CONNECTION).where(DROPSHIP_CONNECTION.CREDENTIALS_KEY_ID.ne(currentKeyId))
                .limit(limit).forUpdate().skipLocked()
                .forEach(r -> sealed.put(r.value1(), new SealedCredentials(r.value2(), r.value3())));
        return sealed;
    }

    void storeCredentials(DSLContext db, UUID connectionId, SealedCredentials credentials) {
        db.update(DROPSHIP_CONNECTION)
                .set(DROPSHIP_CONNECTION.CREDENTIALS_KEY_ID, credentials.keyId())
                .set(DROPSHIP_CONNECTION.CREDENTIALS_SEALED, credentials.sealed())
                .where(DROPSHIP_CONNECTION.ID.eq(connectionId)).execute();
    }

    /**
     * Claims up to {@code limit} connections whose sync is due and unclaimed (or whose claim lapsed), skipping those
     * another node is claiming: each is then synced by this node alone until {@code lease} has passed.
     */
    List<Connection> claimDue(DSLContext db, OffsetDateTime now, Duration lease, int limit) {
        List<UUID> ids = db.select(DROPSHIP_CONNECTION.ID).from(DROPSHIP_CONNECTION)
                .where(DROPSHIP_CONNECTION.NEXT_SYNC_AT.le(now))
                .and(DROPSHIP_CONNECTION.SYNC_CLAIMED_UNTIL.isNull().or(DROPSHIP_CONNECTION.SYNC_CLAIMED_UNTIL.lt(now)))
                .orderBy(DROPSHIP_CONNECTION.NEXT_SYNC_AT).limit(limit).forUpdate().skipLocked().fetch(r -> r.value1());
        return claim(db, ids, now, lease);
    }

    /** Claims one connection's sync now, unless another sync of it holds a claim. */
    Optional<Connection> claimNow(DSLContext db, UUID id, OffsetDateTime now, Duration lease) {
        List<UUID> ids = db.select(DROPSHIP_CONNECTION.ID).from(DROPSHIP_CONNECTION)
                .where(DROPSHIP_CONNECTION.ID.eq(id))
                .and(DROPSHIP_CONNECTION.SYNC_CLAIMED_UNTIL.isNull().or(DROPSHIP_CONNECTION.SYNC_CLAIMED_UNTIL.lt(now)))
                .forUpdate().skipLocked().fetch(r -> r.value1());
        return claim(db, ids, now, lease).stream().findFirst();
    }

    private List<Connection> claim(DSLContext db, List<UUID> ids, OffsetDateTime now, Duration lease) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return db.update(DROPSHIP_CONNECTION).set(DROPSHIP_CONNECTION.SYNC_CLAIMED_UNTIL, now.plus(lease))
                .where(DROPSHIP_CONNECTION.ID.in(ids)).returning().fetch(DropshipRepository::connection);
    }

    /** A successful sync: fresh again (listings back on sale through the stock it wrote), next one scheduled. */
    void syncSucceeded(DSLContext db, UUID id, OffsetDateTime now, Optional<String> marker, OffsetDateTime nextAt) {
        db.update(DROPSHIP_CONNECTION)
                .set(DROPSHIP_CONNECTION.LAST_SUCCESS_AT, now)
                .set(DROPSHIP_CONNECTION.STALE_SINCE, (OffsetDateTime) null)
                .set(DROPSHIP_CONNECTION.SYNC_MARKER, marker.orElse(null))
                .set(DROPSHIP_CONNECTION.NEXT_SYNC_AT, nextAt)
                .set(DROPSHIP_CONNECTION.SYNC_CLAIMED_UNTIL, (OffsetDateTime) null)
                .where(DROPSHIP_CONNECTION.ID.eq(id)).execute();
    }

    /** After an import: the next sync is a full one, due now, so newly imported variants get their stock. */
    void syncFullyNow(DSLContext db, UUID id, OffsetDateTime now) {
        db.update(DROPSHIP_CONNECTION).set(DROPSHIP_CONNECTION.SYNC_MARKER, (String) null)
                .set(DROPSHIP_CONNECTION.NEXT_SYNC_AT, now)
                .where(DROPSHIP_CONNECTION.ID.eq(id)).execute();
    }

    /**
     * The next source sequence of each connection's stock writes, taken under the connections' row locks (in id order,
     * so two syncs taking each other's never deadlock): a variant read from its backup is written at its primary's
     * location, so the backup's sync takes a number from the primary's sequence too.
     */
    Map<UUID, Long> nextSequences(DSLContext db, Set<UUID> connectionIds) {
        db.select(DROPSHIP_CONNECTION.ID).from(DROPSHIP_CONNECTION).where(DROPSHIP_CONNECTION.ID.in(connectionIds))
                .orderBy(DROPSHIP_CONNECTION.ID).forUpdate().fetch();
        Map<UUID, Long> next = new HashMap<>();
        db.update(DROPSHIP_CONNECTION).set(DROPSHIP_CONNECTION.SYNC_SEQUENCE, DROPSHIP_CONNECTION.SYNC_SEQUENCE.plus(1))
                .where(DROPSHIP_CONNECTION.ID.in(connectionIds))
                .returning(DROPSHIP_CONNECTION.ID, DROPSHIP_CONNECTION.SYNC_SEQUENCE)
                .fetch().forEach(r -> next.put(r.getId(), r.getSyncSequence()));
        return next;
    }

    void syncFailed(DSLContext db, UUID id, OffsetDateTime nextAt) {
        db.update(DROPSHIP_CONNECTION)
                .set(DROPSHIP_CONNECTION.NEXT_SYNC_AT, nextAt)
                .set(DROPSHIP_CONNECTION.SYNC_CLAIMED_UNTIL, (OffsetDateTime) null)
                .where(DROPSHIP_CONNECTION.ID.eq(id)).execute();
    }

    /** Connections whose last success is older than {@code cutoff} and not yet marked stale, locked for marking. */
    List<Connection> lockNewlyStale(DSLContext db, OffsetDateTime cutoff, int limit) {
        return db.selectFrom(DROPSHIP_CONNECTION).where(DROPSHIP_CONNECTION.LAST_SUCCESS_AT.lt(cutoff))
                .and(DROPSHIP_CONNECTION.STALE_SINCE.isNull()).limit(limit).forUpdate().skipLocked()
                .fetch(DropshipRepository::connection);
    }

    void markStale(DSLContext db, UUID id, OffsetDateTime now) {
        db.update(DROPSHIP_CONNECTION).set(DROPSHIP_CONNECTION.STALE_SINCE, now)
                .set(DROPSHIP_CONNECTION.VERSION, DROPSHIP_CONNECTION.VERSION.plus(1))
                .where(DROPSHIP_CONNECTION.ID.eq(id)).execute();
    }

    /**
     * Which of these variants have no fresh supplier: their connection's last successful sync is older than
     * {@code cutoff} (or it is marked stale), and so is their backup's, if they have one (decision 64).
     */
    /** Every checkout runs it: rendered once (decision 108). */
    private static final RenderedStatement STALE_AMONG = staleVariants(DSL.param("cutoff", OffsetDateTime.class));

    private static RenderedStatement staleVariants(Field<OffsetDateTime> cutoff) {
        var backup = DROPSHIP_CONNECTION.as("backup");
        return RenderedStatement.of(DSL.select(DROPSHIP_VARIANT.VARIANT_ID).from(DROPSHIP_VARIANT)
                .join(DROPSHIP_CONNECTION).on(DROPSHIP_CONNECTION.ID.eq(DROPSHIP_VARIANT.CONNECTION_ID))
                .leftJoin(backup).on(backup.ID.eq(DROPSHIP_VARIANT.BACKUP_CONNECTION_ID))
                .where(DROPSHIP_VARIANT.VARIANT_ID.eq(DSL.any(DSL.param("variants", SQLDataType.UUID.array()))))
                .and(DROPSHIP_CONNECTION.LAST_SUCCESS_AT.lt(cutoff).or(DROPSHIP_CONNECTION.STALE_SINCE.isNotNull()))
                .and(backup.ID.isNull().or(DROPSHIP_VARIANT.BACKUP_SUPPLIER_STOCK.isNull())
                        .or(backup.LAST_SUCCESS_AT.lt(cutoff)).or(backup.STALE_SINCE.isNotNull())));
    }

    Set<UUID> staleAmong(DSLContext db, Collection<UUID> variantIds, OffsetDateTime cutoff) {
        return new HashSet<>(STALE_AMONG.fetch(db, binds -> binds.uuids("variants", variantIds)
                .timestamp("cutoff", cutoff), row -> row.get(DROPSHIP_VARIANT.VARIANT_ID)));
    }

    /**
     * Whether the merchant has a drop-ship connection. Without one none of its variants is drop-shipped (a variant is
     * imported by a connection of its own merchant), so its sub-orders' lines need not be read (decision 147).
     */
    boolean hasConnection(DSLContext db, UUID merchantId) {
        return !ANY_CONNECTION.fetch(db, binds -> binds.uuid("merchant", merchantId),
                row -> row.get(DROPSHIP_CONNECTION.ID)).isEmpty();
    }

    private static final RenderedStatement ANY_CONNECTION = RenderedStatement.of(DSL.select(DROPSHIP_CONNECTION.ID)
            .from(DROPSHIP_CONNECTION).where(DROPSHIP_CONNECTION.MERCHANT_ID.eq(DSL.param("merchant", UUID.class)))
            .limit(DSL.inline(1)));

    private static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.MERCHANT, DROPSHIP_CONNECTION.MERCHANT_ID));
    }

    static Connection connection(DropshipConnectionRecord r) {
        JsonObject mappings = JsonP.JSON.createReader(new StringReader(r.getCategoryMappings().data())).readObject();
        Map<String, UUID> categories = new HashMap<>();
        mappings.forEach((supplier, category) -> categories.put(supplier,
                UUID.fromString(((jakarta.json.JsonString) category).getString())));
        return new Connection(r.getId(), r.getMerchantId(), r.getName(),
                ConnectorKind.fromWireName(r.getKind()).orElseThrow(), Optional.ofNullable(r.getBaseUrl()),
                r.getCurrency(), new PricingRule(r.getMarkupBasisPoints(), r.getFixedAmount(), r.getPriceEnding(),
                r.getPriceEndingModulus(), r.getMinMarginBasisPoints()),
                new StockBuffer(r.getBufferUnits(), r.getBufferPercent()), r.getAutoForward(), categories,
                r.getDefaultCategoryId(), r.getLocationId(), Duration.ofSeconds(r.getSyncEverySeconds()),
                r.getNextSyncAt(), r.getLastSuccessAt(), Optional.ofNullable(r.getStaleSince()),
                Optional.ofNullable(r.getSyncMarker()), r.getSyncSequence(), r.getVersion(), r.getCreatedAt(),
                Optional.ofNullable(r.getQuotaCalls()).map(calls -> new Quota(calls,
                        Duration.ofSeconds(r.getQuotaWindowSeconds()), r.getQuotaUsed(),
                        Optional.ofNullable(r.getQuotaWindowStartedAt()))));
    }

    // --- imported variants

    /** Records imported variants (a re-import updates product, variant and cost of the same supplier SKU). */
    void upsertVariants(DSLContext db, List<ImportedVariant> variants) {
        if (variants.isEmpty()) {
            return;
        }
        var insert = db.insertInto(DROPSHIP_VARIANT, DROPSHIP_VARIANT.CONNECTION_ID, DROPSHIP_VARIANT.SUPPLIER_SKU,
                DROPSHIP_VARIANT.SUPPLIER_PRODUCT_ID, DROPSHIP_VARIANT.MERCHANT_ID, DROPSHIP_VARIANT.PRODUCT_ID,
                DROPSHIP_VARIANT.VARIANT_ID, DROPSHIP_VARIANT.COST_AMOUNT, DROPSHIP_VARIANT.SUPPLIER_STOCK);
        for (ImportedVariant v : variants) {
            insert = insert.values(v.connectionId(), v.supplierSku(), v.supplierProductId(), v.merchantId(),
                    v.productId(), v.variantId(), v.cost(), v.supplierStock());
        }
        insert.onConflict(DROPSHIP_VARIANT.CONNECTION_ID, DROPSHIP_VARIANT.SUPPLIER_SKU).doUpdate()
                .set(DROPSHIP_VARIANT.PRODUCT_ID, DSL.excluded(DROPSHIP_VARIANT.PRODUCT_ID))
                .set(DROPSHIP_VARIANT.VARIANT_ID, DSL.excluded(DROPSHIP_VARIANT.VARIANT_ID))
                .set(DROPSHIP_VARIANT.COST_AMOUNT, DSL.excluded(DROPSHIP_VARIANT.COST_AMOUNT))
                .set(DROPSHIP_VARIANT.SUPPLIER_PRODUCT_ID, DSL.excluded(DROPSHIP_VARIANT.SUPPLIER_PRODUCT_ID))
                .execute();
    }

    /** The connection's imported variants, by supplier SKU. */
    Map<String, ImportedVariant> variantsOf(DSLContext db, UUID connectionId) {
        Map<String, ImportedVariant> bySku = new HashMap<>();
        db.selectFrom(DROPSHIP_VARIANT).where(DROPSHIP_VARIANT.CONNECTION_ID.eq(connectionId))
                .fetch().forEach(r -> bySku.put(r.getSupplierSku(), variant(r)));
        return bySku;
    }

    Map<UUID, ImportedVariant> variantsByVariantId(DSLContext db, Collection<UUID> variantIds) {
        Map<UUID, ImportedVariant> byId = new HashMap<>();
        db.selectFrom(DROPSHIP_VARIANT).where(DROPSHIP_VARIANT.VARIANT_ID.in(variantIds))
                .fetch().forEach(r -> byId.put(r.getVariantId(), variant(r)));
        return byId;
    }

    Optional<ImportedVariant> variant(DSLContext db, Principal viewer, UUID variantId) {
        return db.selectFrom(DROPSHIP_VARIANT).where(DROPSHIP_VARIANT.VARIANT_ID.eq(variantId))
                .and(Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.MERCHANT, DROPSHIP_VARIANT.MERCHANT_ID)))
                .fetchOptional(DropshipRepository::variant);
    }

    /** A new backup: what an earlier one reported is forgotten until the new one's sync reads its SKU. */
    void setBackup(DSLContext db, UUID variantId, UUID backupConnectionId, String backupSku) {
        db.update(DROPSHIP_VARIANT).set(DROPSHIP_VARIANT.BACKUP_CONNECTION_ID, backupConnectionId)
                .set(DROPSHIP_VARIANT.BACKUP_SUPPLIER_SKU, backupSku)
                .set(DROPSHIP_VARIANT.BACKUP_SUPPLIER_STOCK, (Long) null)
                .where(DROPSHIP_VARIANT.VARIANT_ID.eq(variantId)).execute();
    }

    /** The supplier's stock and cost as read by a sync, in one statement for all of them. */
    void updateSupplierStock(DSLContext db, UUID connectionId, List<SupplierConnector.SupplierStock> stock) {
        if (stock.isEmpty()) {
            return;
        }
        String[] skus = stock.stream().map(SupplierConnector.SupplierStock::sku).toArray(String[]::new);
        Long[] quantities = stock.stream().map(SupplierConnector.SupplierStock::quantity).toArray(Long[]::new);
        Long[] costs = stock.stream().map(SupplierConnector.SupplierStock::cost).toArray(Long[]::new);
        db.execute("""
                UPDATE dropship_variant v SET supplier_stock = s.quantity, cost_amount = s.cost
                  FROM unnest(?::text[], ?::bigint[], ?::bigint[]) AS s(sku, quantity, cost)
                 WHERE v.connection_id = ? AND v.supplier_sku = s.sku""", skus, quantities, costs, connectionId);
    }

    /** The connection's variants that have a backup (a few, read without the connection's other variants). */
    List<ImportedVariant> withBackup(DSLContext db, UUID connectionId) {
        return db.selectFrom(DROPSHIP_VARIANT).where(DROPSHIP_VARIANT.CONNECTION_ID.eq(connectionId))
                .and(DROPSHIP_VARIANT.BACKUP_CONNECTION_ID.isNotNull()).fetch(DropshipRepository::variant);
    }

    /** The variants (of any of the merchant's connections) whose backup is this connection. */
    List<ImportedVariant> backedBy(DSLContext db, UUID backupConnectionId) {
        return db.selectFrom(DROPSHIP_VARIANT).where(DROPSHIP_VARIANT.BACKUP_CONNECTION_ID.eq(backupConnectionId))
                .fetch(DropshipRepository::variant);
    }

    /** What the backup reported for the SKUs it backs, written only where it changed. */
    void updateBackupStock(DSLContext db, UUID backupConnectionId, Map<String, Long> stockBySku) {
        if (stockBySku.isEmpty()) {
            return;
        }
        db.execute("""
                UPDATE dropship_variant v SET backup_supplier_stock = s.quantity
                  FROM unnest(?::text[], ?::bigint[]) AS s(sku, quantity)
                 WHERE v.backup_connection_id = ? AND v.backup_supplier_sku = s.sku
                   AND v.backup_supplier_stock IS DISTINCT FROM s.quantity""",
                stockBySku.keySet().toArray(String[]::new), stockBySku.values().toArray(Long[]::new), backupConnectionId);
    }

    void setStockFromBackup(DSLContext db, Collection<UUID> variantIds, boolean fromBackup) {
        db.update(DROPSHIP_VARIANT).set(DROPSHIP_VARIANT.STOCK_FROM_BACKUP, fromBackup)
                .where(DROPSHIP_VARIANT.VARIANT_ID.in(variantIds)).execute();
    }

    static ImportedVariant variant(dev.marketplace.schema.tables.records.DropshipVariantRecord r) {
        return new ImportedVariant(r.getConnectionId(), r.getSupplierSku(), r.getSupplierProductId(),
                r.getMerchantId(), r.getProductId(), r.getVariantId(), r.getCostAmount(), r.getSupplierStock(),
                Optional.ofNullable(r.getBackupConnectionId()), Optional.ofNullable(r.getBackupSupplierSku()),
                Optional.ofNullable(r.getBackupSupplierStock()), r.getStockFromBackup());
    }

    // --- sync runs

    void insertRun(DSLContext db, SyncRun run) {
        db.insertInto(DROPSHIP_SYNC_RUN)
                .set(DROPSHIP_SYNC_RUN.ID, run.id())
                .set(DROPSHIP_SYNC_RUN.CONNECTION_ID, run.connectionId())
                .set(DROPSHIP_SYNC_RUN.MERCHANT_ID, run.merchantId())
                .set(DROPSHIP_SYNC_RUN.STARTED_AT, run.startedAt())
                .set(DROPSHIP_SYNC_RUN.DURATION_MS, run.durationMillis())
                .set(DROPSHIP_SYNC_RUN.OUTCOME, run.outcome())
                .set(DROPSHIP_SYNC_RUN.INCREMENTAL, run.incremental())
                .set(DROPSHIP_SYNC_RUN.ITEMS, run.items())
                .set(DROPSHIP_SYNC_RUN.CHANGES, run.changes())
                .set(DROPSHIP_SYNC_RUN.FAILURES, run.failures())
                .set(DROPSHIP_SYNC_RUN.SERVED_BY, run.servedBy())
                .set(DROPSHIP_SYNC_RUN.ERROR, run.error())
                .execute();
    }

    /** The connection's runs, newest first. */
    List<SyncRun> runs(DSLContext db, Principal viewer, UUID connectionId, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(DROPSHIP_SYNC_RUN.STARTED_AT, DROPSHIP_SYNC_RUN.ID)
                        .lt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(DROPSHIP_SYNC_RUN).where(DROPSHIP_SYNC_RUN.CONNECTION_ID.eq(connectionId))
                .and(Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.MERCHANT, DROPSHIP_SYNC_RUN.MERCHANT_ID)))
                .and(after).orderBy(DROPSHIP_SYNC_RUN.STARTED_AT.desc(), DROPSHIP_SYNC_RUN.ID.desc())
                .limit(page.fetchSize()).fetch(DropshipRepository::run);
    }

    /** The merchant's connections and when each was created. */
    Map<UUID, OffsetDateTime> connectionsOf(DSLContext db, UUID merchantId) {
        Map<UUID, OffsetDateTime> created = new HashMap<>();
        db.select(DROPSHIP_CONNECTION.ID, DROPSHIP_CONNECTION.CREATED_AT).from(DROPSHIP_CONNECTION)
                .where(DROPSHIP_CONNECTION.MERCHANT_ID.eq(merchantId))
                .forEach(r -> created.put(r.value1(), r.value2()));
        return created;
    }

    /** When the merchant's successful syncs (including unchanged ones) started in [{@code from}, {@code to}), by connection, in order. */
    Map<UUID, List<OffsetDateTime>> successesOf(DSLContext db, UUID merchantId, OffsetDateTime from, OffsetDateTime to) {
        Map<UUID, List<OffsetDateTime>> successes = new HashMap<>();
        db.select(DROPSHIP_SYNC_RUN.CONNECTION_ID, DROPSHIP_SYNC_RUN.STARTED_AT).from(DROPSHIP_SYNC_RUN)
                .where(DROPSHIP_SYNC_RUN.MERCHANT_ID.eq(merchantId))
                .and(DROPSHIP_SYNC_RUN.OUTCOME.in("succeeded", "unchanged"))
                .and(DROPSHIP_SYNC_RUN.STARTED_AT.ge(from)).and(DROPSHIP_SYNC_RUN.STARTED_AT.lt(to))
                .orderBy(DROPSHIP_SYNC_RUN.STARTED_AT)
                .forEach(r -> successes.computeIfAbsent(r.value1(), id -> new ArrayList<>()).add(r.value2()));
        return successes;
    }

    static Cursor cursorOf(SyncRun run) {
        return Cursor.of(run.startedAt().toString(), run.id().toString());
    }

    private static SyncRun run(DropshipSyncRunRecord r) {
        return new SyncRun(r.getId(), r.getConnectionId(), r.getMerchantId(), r.getStartedAt(), r.getDurationMs(),
                r.getOutcome(), r.getIncremental(), r.getItems(), r.getChanges(), r.getFailures(), r.getServedBy(),
                r.getError());
    }

    // --- forwards

    /** Records the lines to forward; a line already recorded (the event handled again) is left as it is. */
    int insertForwards(DSLContext db, List<Forward> forwards) {
        int inserted = 0;
        for (Forward f : forwards) {
            inserted += db.insertInto(DROPSHIP_FORWARD)
                    .set(DROPSHIP_FORWARD.ID, f.id())
                    .set(DROPSHIP_FORWARD.MERCHANT_ID, f.merchantId())
                    .set(DROPSHIP_FORWARD.SUB_ORDER_ID, f.subOrderId())
                    .set(DROPSHIP_FORWARD.LINE_NUMBER, f.lineNumber())
                    .set(DROPSHIP_FORWARD.VARIANT_ID, f.variantId())
                    .set(DROPSHIP_FORWARD.QUANTITY, f.quantity())
                    .set(DROPSHIP_FORWARD.CONNECTION_ID, f.connectionId())
                    .set(DROPSHIP_FORWARD.SUPPLIER_SKU, f.supplierSku())
                    .set(DROPSHIP_FORWARD.STATUS, f.status().wireName())
                    .set(DROPSHIP_FORWARD.DUE_AT, f.dueAt())
                    .onConflict(DROPSHIP_FORWARD.SUB_ORDER_ID, DROPSHIP_FORWARD.LINE_NUMBER).doNothing()
                    .execute();
        }
        return inserted;
    }

    /** Claims pending forwards that are due (SKIP LOCKED), moving them past {@code lease}: one sender each. */
    List<Forward> claimDueForwards(DSLContext db, OffsetDateTime now, Duration lease, int limit) {
        List<UUID> ids = db.select(DROPSHIP_FORWARD.ID).from(DROPSHIP_FORWARD)
                .where(DROPSHIP_FORWARD.STATUS.eq(ForwardStatus.PENDING.wireName()))
                .and(DROPSHIP_FORWARD.DUE_AT.le(now)).orderBy(DROPSHIP_FORWARD.DUE_AT).limit(limit)
                .forUpdate().skipLocked().fetch(r -> r.value1());
        return moveDue(db, ids, now.plus(lease), true);
    }

    /** Claims forwarded or shipped lines whose tracking is due to be read. */
    List<Forward> claimDueTracking(DSLContext db, OffsetDateTime now, Duration every, int limit) {
        List<UUID> ids = db.select(DROPSHIP_FORWARD.ID).from(DROPSHIP_FORWARD)
                .where(DROPSHIP_FORWARD.STATUS.in(ForwardStatus.FORWARDED.wireName(), ForwardStatus.SHIPPED.wireName()))
                .and(DROPSHIP_FORWARD.DUE_AT.le(now)).orderBy(DROPSHIP_FORWARD.DUE_AT).limit(limit)
                .forUpdate().skipLocked().fetch(r -> r.value1());
        return moveDue(db, ids, now.plus(every), false);
    }

    private List<Forward> moveDue(DSLContext db, List<UUID> ids, OffsetDateTime dueAt, boolean attempt) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return db.update(DROPSHIP_FORWARD).set(DROPSHIP_FORWARD.DUE_AT, dueAt)
                .set(DROPSHIP_FORWARD.ATTEMPTS, attempt ? DROPSHIP_FORWARD.ATTEMPTS.plus(1) : DROPSHIP_FORWARD.ATTEMPTS)
                .where(DROPSHIP_FORWARD.ID.in(ids)).returning().fetch(DropshipRepository::forward);
    }

    /** The lines forwarded on the connection under the supplier's order reference (V46's index). */
    List<Forward> forwardsBySupplierRef(DSLContext db, UUID connectionId, String supplierOrderRef) {
        return db.selectFrom(DROPSHIP_FORWARD).where(DROPSHIP_FORWARD.CONNECTION_ID.eq(connectionId))
                .and(DROPSHIP_FORWARD.SUPPLIER_ORDER_REF.eq(supplierOrderRef))
                .orderBy(DROPSHIP_FORWARD.ID).fetch(DropshipRepository::forward);
    }

    /** Applies a change to a forward only from the status it was read in, so a late answer never moves it back. */
    boolean update(DSLContext db, Forward from, Forward to) {
        return db.update(DROPSHIP_FORWARD)
                .set(DROPSHIP_FORWARD.STATUS, to.status().wireName())
                .set(DROPSHIP_FORWARD.CONNECTION_ID, to.connectionId())
                .set(DROPSHIP_FORWARD.SUPPLIER_SKU, to.supplierSku())
                .set(DROPSHIP_FORWARD.SUPPLIER_ORDER_REF, to.supplierOrderRef().orElse(null))
                .set(DROPSHIP_FORWARD.REFUSAL_REASON, to.refusalReason().orElse(null))
                .set(DROPSHIP_FORWARD.CARRIER, to.carrier().orElse(null))
                .set(DROPSHIP_FORWARD.TRACKING_NUMBER, to.trackingNumber().orElse(null))
                .set(DROPSHIP_FORWARD.SHIPMENT_RECORDED, to.shipmentRecorded())
                .set(DROPSHIP_FORWARD.DUE_AT, to.dueAt())
                .set(DROPSHIP_FORWARD.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(DROPSHIP_FORWARD.ID.eq(from.id()))
                .and(DROPSHIP_FORWARD.STATUS.eq(from.status().wireName()))
                .execute() == 1;
    }

    Optional<Forward> findForward(DSLContext db, Principal viewer, UUID id, boolean lock) {
        var query = db.selectFrom(DROPSHIP_FORWARD).where(DROPSHIP_FORWARD.ID.eq(id))
                .and(Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.MERCHANT, DROPSHIP_FORWARD.MERCHANT_ID)));
        return (lock ? query.forUpdate().fetchOptional() : query.fetchOptional()).map(DropshipRepository::forward);
    }

    List<Forward> listForwards(DSLContext db, Principal viewer, Optional<UUID> subOrderId,
                               Optional<ForwardStatus> status, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(DROPSHIP_FORWARD.CREATED_AT, DROPSHIP_FORWARD.ID)
                        .gt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(DROPSHIP_FORWARD)
                .where(Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.MERCHANT, DROPSHIP_FORWARD.MERCHANT_ID)))
                .and(subOrderId.map(DROPSHIP_FORWARD.SUB_ORDER_ID::eq).orElse(DSL.noCondition()))
                .and(status.map(s -> DROPSHIP_FORWARD.STATUS.eq(s.wireName())).orElse(DSL.noCondition()))
                .and(after).orderBy(DROPSHIP_FORWARD.CREATED_AT, DROPSHIP_FORWARD.ID).limit(page.fetchSize())
                .fetch(DropshipRepository::forward);
    }

    static Cursor cursorOf(Forward forward) {
        return Cursor.of(forward.createdAt().toString(), forward.id().toString());
    }

    private static Forward forward(DropshipForwardRecord r) {
        return new Forward(r.getId(), r.getMerchantId(), r.getSubOrderId(), r.getLineNumber(), r.getVariantId(),
                r.getQuantity(), r.getConnectionId(), r.getSupplierSku(),
                ForwardStatus.fromWireName(r.getStatus()).orElseThrow(), Optional.ofNullable(r.getSupplierOrderRef()),
                Optional.ofNullable(r.getRefusalReason()), r.getAttempts(), r.getDueAt(),
                Optional.ofNullable(r.getCarrier()), Optional.ofNullable(r.getTrackingNumber()),
                r.getShipmentRecorded(), r.getCreatedAt(), r.getUpdatedAt());
    }

    // --- failover switches

    void recordSwitch(DSLContext db, UUID merchantId, UUID connectionId, UUID backupConnectionId, String direction,
                      String reason, OffsetDateTime at) {
        db.insertInto(DROPSHIP_SWITCH)
                .set(DROPSHIP_SWITCH.ID, UUID.randomUUID())
                .set(DROPSHIP_SWITCH.MERCHANT_ID, merchantId)
                .set(DROPSHIP_SWITCH.CONNECTION_ID, connectionId)
                .set(DROPSHIP_SWITCH.BACKUP_CONNECTION_ID, backupConnectionId)
                .set(DROPSHIP_SWITCH.DIRECTION, direction)
                .set(DROPSHIP_SWITCH.REASON, reason)
                .set(DROPSHIP_SWITCH.SWITCHED_AT, at)
                .execute();
    }

    /** The connection's switches, newest first, after the page's cursor. */
    List<Switch> switches(DSLContext db, Principal viewer, UUID connectionId, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(DROPSHIP_SWITCH.SWITCHED_AT, DROPSHIP_SWITCH.ID)
                        .lt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(DROPSHIP_SWITCH).where(DROPSHIP_SWITCH.CONNECTION_ID.eq(connectionId))
                .and(Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.MERCHANT, DROPSHIP_SWITCH.MERCHANT_ID)))
                .and(after).orderBy(DROPSHIP_SWITCH.SWITCHED_AT.desc(), DROPSHIP_SWITCH.ID.desc())
                .limit(page.fetchSize())
                .fetch(r -> new Switch(r.getId(), r.getConnectionId(), r.getBackupConnectionId(), r.getDirection(),
                        r.getReason(), r.getSwitchedAt()));
    }

    static Cursor cursorOf(Switch change) {
        return Cursor.of(change.switchedAt().toString(), change.id().toString());
    }

    /** The direction of the connection's last switch, if it ever switched. */
    Optional<String> lastSwitch(DSLContext db, UUID connectionId) {
        return db.select(DROPSHIP_SWITCH.DIRECTION).from(DROPSHIP_SWITCH)
                .where(DROPSHIP_SWITCH.CONNECTION_ID.eq(connectionId))
                .orderBy(DROPSHIP_SWITCH.SWITCHED_AT.desc(), DROPSHIP_SWITCH.ID.desc()).limit(1)
                .fetchOptional(r -> r.value1());
    }
}
