package dev.marketplace.server.inventory;

import static dev.marketplace.schema.Tables.CHANGE_LOG;
import static dev.marketplace.schema.Tables.LOW_STOCK_EVENT;
import static dev.marketplace.schema.Tables.STOCK_LEVEL;
import static dev.marketplace.schema.Tables.STOCK_LOCATION;
import static dev.marketplace.schema.Tables.STOCK_RESERVATION;
import static dev.marketplace.schema.Tables.STOCK_RESERVATION_LINE;

import dev.marketplace.schema.tables.records.LowStockEventRecord;
import dev.marketplace.schema.tables.records.StockLevelRecord;
import dev.marketplace.schema.tables.records.StockLocationRecord;
import dev.marketplace.schema.tables.records.StockReservationRecord;
import dev.marketplace.server.platform.changes.ChangeKind;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.DomainFact;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.DatabaseClock;
import dev.marketplace.server.platform.persistence.FunctionRows;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Name;
import org.jooq.Record;
import org.jooq.SelectForUpdateOfStep;
import org.jooq.Table;
import org.jooq.UpdateResultStep;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The inventory's tables. Locations, stock levels and low-stock events are owned by a merchant ({@link Tenancy});
 * reservations by whoever reserved. Every method that locks stock levels locks them in {@link StockKey} order.
 */
final class InventoryRepository {

    /** A merchant's location codes are unique (see V6 migration). */
    static final String LOCATION_CODE_CONSTRAINT = "stock_location_code_key";

    private static Condition ownedBy(Principal viewer, Field<UUID> merchantId) {
        return Tenancy.visibleTo(viewer, DSL.inline(PrincipalType.MERCHANT.wireName()), merchantId);
    }

    // Locations

    Location insertLocation(DSLContext db, UUID merchantId, String code, String name) {
        StockLocationRecord row = db.insertInto(STOCK_LOCATION)
                .set(STOCK_LOCATION.ID, UUID.randomUUID())
                .set(STOCK_LOCATION.MERCHANT_ID, merchantId)
                .set(STOCK_LOCATION.CODE, code)
                .set(STOCK_LOCATION.NAME, name)
                .returning().fetchOne();
        return location(row);
    }

    /** The viewer's locations by code, then id; {@code page.fetchSize()} at most. */
    List<Location> listLocations(DSLContext db, Principal viewer, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(STOCK_LOCATION.CODE, STOCK_LOCATION.ID)
                        .gt(cursor.keys().get(0), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(STOCK_LOCATION).where(ownedBy(viewer, STOCK_LOCATION.MERCHANT_ID)).and(after)
                .orderBy(STOCK_LOCATION.CODE, STOCK_LOCATION.ID).limit(page.fetchSize())
                .fetch(InventoryRepository::location);
    }

    static Cursor cursorOf(Location location) {
        return Cursor.of(location.code(), location.id().toString());
    }

    /** The merchant of each of these locations the viewer may see. */
    Map<UUID, UUID> merchantsOfLocations(DSLContext db, Principal viewer, Collection<UUID> locationIds) {
        return db.select(STOCK_LOCATION.ID, STOCK_LOCATION.MERCHANT_ID).from(STOCK_LOCATION)
                .where(STOCK_LOCATION.ID.eq(DSL.any(locationIds.toArray(UUID[]::new))))
                .and(ownedBy(viewer, STOCK_LOCATION.MERCHANT_ID))
                .fetchMap(STOCK_LOCATION.ID, STOCK_LOCATION.MERCHANT_ID);
    }

    /** The viewer's locations by these codes (a merchant's own; codes are unique per merchant). */
    Map<String, UUID> locationsByCode(DSLContext db, Principal viewer, Collection<String> codes) {
        return db.select(STOCK_LOCATION.CODE, STOCK_LOCATION.ID).from(STOCK_LOCATION)
                .where(STOCK_LOCATION.CODE.eq(DSL.any(codes.toArray(String[]::new))))
                .and(ownedBy(viewer, STOCK_LOCATION.MERCHANT_ID))
                .fetchMap(STOCK_LOCATION.CODE, STOCK_LOCATION.ID);
    }

    // Stock levels

    /** The viewer's stock by variant, then location, optionally of one variant or at one location. */
    List<StockLevel> listStock(DSLContext db, Principal viewer, Optional<UUID> variantId, Optional<UUID> locationId,
                               PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(STOCK_LEVEL.VARIANT_ID, STOCK_LEVEL.LOCATION_ID)
                        .gt(UUID.fromString(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(STOCK_LEVEL)
                .where(ownedBy(viewer, STOCK_LEVEL.MERCHANT_ID))
                .and(variantId.map(STOCK_LEVEL.VARIANT_ID::eq).orElse(DSL.noCondition()))
                .and(locationId.map(STOCK_LEVEL.LOCATION_ID::eq).orElse(DSL.noCondition()))
                .and(after)
                .orderBy(STOCK_LEVEL.VARIANT_ID, STOCK_LEVEL.LOCATION_ID).limit(page.fetchSize())
                .fetch(InventoryRepository::stockLevel);
    }

    /**
     * The viewer's stock changes after {@code afterPosition}, in position order, {@code limit} at most, each upsert
     * with the level as it is now; an upsert of a level deleted since is skipped (its tombstone comes later).
     */
    List<StockChange> stockChanges(DSLContext db, Principal viewer, long afterPosition, int limit) {
        return db.select().from(CHANGE_LOG).leftJoin(STOCK_LEVEL)
                .on(STOCK_LEVEL.VARIANT_ID.eq(CHANGE_LOG.ENTITY_ID)).and(STOCK_LEVEL.LOCATION_ID.eq(CHANGE_LOG.LOCATION_ID))
                .where(CHANGE_LOG.FEED.eq(ChangeLog.STOCK)).and(CHANGE_LOG.POSITION.gt(afterPosition))
                .and(ownedBy(viewer, CHANGE_LOG.MERCHANT_ID))
                .and(CHANGE_LOG.KIND.eq(ChangeKind.DELETED.wireName()).or(STOCK_LEVEL.VARIANT_ID.isNotNull()))
                .orderBy(CHANGE_LOG.POSITION)
                .limit(limit)
                .fetch(row -> {
                    ChangeKind kind = ChangeKind.fromWireName(row.get(CHANGE_LOG.KIND));
                    Optional<StockLevel> level = kind == ChangeKind.UPSERTED
                            ? Optional.of(stockLevel(row.into(STOCK_LEVEL))) : Optional.empty();
                    Optional<StockChange.What> what = Optional.ofNullable(row.get(CHANGE_LOG.REASON))
                            .map(reason -> new StockChange.What(StockChangeReason.fromWireName(reason),
                                    row.get(CHANGE_LOG.ON_HAND_DELTA), row.get(CHANGE_LOG.RESERVED_DELTA)));
                    return new StockChange(row.get(CHANGE_LOG.POSITION), kind, row.get(CHANGE_LOG.ENTITY_ID),
                            Optional.ofNullable(row.get(CHANGE_LOG.SKU)), row.get(CHANGE_LOG.LOCATION_ID),
                            Optional.ofNullable(row.get(CHANGE_LOG.LOCATION_CODE)), row.get(CHANGE_LOG.CHANGED_AT),
                            level, what);
                });
    }

    static Cursor cursorOf(StockLevel level) {
        return Cursor.of(level.variantId().toString(), level.locationId().toString());
    }

    /**
     * Locks the levels of these keys, in key order, if every one exists and is the viewer's; otherwise locks nothing
     * and answers empty. What an ERP's update names (decision 70): then the keys are probed once, not again for
     * an insert, and a level's existence is the proof that its variant and location are the viewer's (decision 95).
     *
     * <p>The locks are taken in a savepoint: when some level is missing or another's, rolling it back releases them
     * (PostgreSQL releases row locks taken after a savepoint rolled back to), and the caller creates the missing
     * levels and locks them all in the same order (decision 11), so concurrent bulk updates cannot deadlock.
     */
    Optional<LockedLevels> lockIfAllExist(DSLContext db, Principal viewer, Collection<StockKey> keys) {
        Condition isWanted = isOneOf(keys).and(ownedBy(viewer, STOCK_LEVEL.MERCHANT_ID));
        try {
            return Optional.of(db.transactionResult(savepoint -> {
                LockedLevels existing = lock(savepoint.dsl(), isWanted);
                if (existing.levels().size() < keys.size()) {
                    throw new SomeLevelsMissing();
                }
                return existing;
            }));
        } catch (SomeLevelsMissing e) {
            // Rolled back to the savepoint: no lock kept. Unless the rollback itself failed (the connection broke):
            // jOOQ adds that failure to this exception, and going on would run the rest on a closed connection,
            // a 500 where the outage's 503 is due.
            for (Throwable rollbackFailure : e.getSuppressed()) {
                throw rollbackFailure instanceof RuntimeException runtime ? runtime
                        : new IllegalStateException(rollbackFailure);
            }
            return Optional.empty();
        }
    }

    /**
     * Some levels to lock do not exist yet: the savepoint that locked the others is rolled back. No stack trace, but
     * suppression on: a failed rollback is attached to it.
     */
    private static final class SomeLevelsMissing extends RuntimeException {
        SomeLevelsMissing() {
            super(null, null, true, false);
        }
    }

    /**
     * Creates the missing stock levels (zero on hand) for these keys, each with its merchant, and locks all of
     * them: one statement for each, whatever the number of keys (arrays, not one bind value per key).
     */
    LockedLevels createAndLockLevels(DSLContext db, Map<StockKey, UUID> merchantByKey) {
        List<StockKey> keys = merchantByKey.keySet().stream().sorted().toList();
        Table<?> wanted = DSL.table("unnest({0}, {1}, {2}) AS wanted(variant_id, location_id, merchant_id)",
                uuids(keys.stream().map(StockKey::variantId).toArray(UUID[]::new)),
                uuids(keys.stream().map(StockKey::locationId).toArray(UUID[]::new)),
                uuids(keys.stream().map(merchantByKey::get).toArray(UUID[]::new)));
        Field<UUID> wantedVariant = DSL.field(DSL.name("wanted", "variant_id"), SQLDataType.UUID);
        Field<UUID> wantedLocation = DSL.field(DSL.name("wanted", "location_id"), SQLDataType.UUID);
        // Only the missing ones are offered: each new row costs its trigger two key lookups (V39).
        db.insertInto(STOCK_LEVEL, STOCK_LEVEL.VARIANT_ID, STOCK_LEVEL.LOCATION_ID, STOCK_LEVEL.MERCHANT_ID)
                .select(DSL.select(wantedVariant, wantedLocation,
                                DSL.field(DSL.name("wanted", "merchant_id"), SQLDataType.UUID))
                        .from(wanted)
                        .whereNotExists(DSL.selectOne().from(STOCK_LEVEL)
                                .where(STOCK_LEVEL.VARIANT_ID.eq(wantedVariant))
                                .and(STOCK_LEVEL.LOCATION_ID.eq(wantedLocation)))
                        .orderBy(wantedVariant, wantedLocation))
                .onConflictDoNothing()
                .execute();
        return lockLevels(db, keys);
    }

    /** Locks the stock levels of these variants at every location. */
    LockedLevels lockVariants(DSLContext db, Collection<UUID> variantIds) {
        return locked(LOCK_VARIANTS.fetch(db, binds -> binds.uuids("variants", variantIds), InventoryRepository::lockedRow));
    }

    /** Locks these stock levels. */
    LockedLevels lockLevels(DSLContext db, Collection<StockKey> keys) {
        return locked(LOCK_KEYS.fetch(db, binds -> binds.uuids("variants", keys.stream().map(StockKey::variantId).toList())
                .uuids("locations", keys.stream().map(StockKey::locationId).toList()), InventoryRepository::lockedRow));
    }

    /**
     * The levels of these keys: one pair of arrays, whatever the number of keys. The variants are also given to the
     * primary key as one array ({@code variant_id = ANY}): PostgreSQL (17 and later) then walks the index once in key
     * order, descending again only where the next variant is not on the page at hand, instead of one descent per key
     * (10,000 keys of the demo data: about 2,500 descents and 10,000 buffers instead of 10,000 and 40,000; decision
     * 121). The pairs then pick the levels named from those of their variants.
     */
    private static Condition isOneOf(Field<UUID[]> variants, Field<UUID[]> locations) {
        Table<?> wanted = DSL.table("unnest({0}, {1}) AS wanted(variant_id, location_id)", variants, locations);
        return STOCK_LEVEL.VARIANT_ID.eq(DSL.any(variants))
                .and(DSL.row(STOCK_LEVEL.VARIANT_ID, STOCK_LEVEL.LOCATION_ID).in(DSL.select(
                DSL.field(DSL.name("wanted", "variant_id"), SQLDataType.UUID),
                DSL.field(DSL.name("wanted", "location_id"), SQLDataType.UUID)).from(wanted)));
    }

    private static Condition isOneOf(Collection<StockKey> keys) {
        return isOneOf(uuids(keys.stream().map(StockKey::variantId).toArray(UUID[]::new)),
                uuids(keys.stream().map(StockKey::locationId).toArray(UUID[]::new)));
    }

    /** Where a stock level's row is ({@code ctid}), as text: it stays there while this transaction holds its lock. */
    private static final Field<String> ROW_ADDRESS = DSL.field("{0}.ctid::text", SQLDataType.VARCHAR, STOCK_LEVEL)
            .as("row_address");

    /** {@code FOR UPDATE} below {@code ORDER BY}: PostgreSQL takes the row locks in that order. */
    private static SelectForUpdateOfStep<Record> locking(Condition which) {
        return DSL.select(STOCK_LEVEL.fields()).select(ROW_ADDRESS).from(STOCK_LEVEL).where(which)
                .orderBy(STOCK_LEVEL.VARIANT_ID, STOCK_LEVEL.LOCATION_ID)
                .forUpdate();
    }

    /** A locked level's columns as the lock's functions return them: the table's, then the row's address. */
    private static final List<Field<?>> LOCKED_COLUMNS = Stream.concat(Stream.of(STOCK_LEVEL.fields()),
            Stream.of(ROW_ADDRESS)).toList();

    /**
     * Every request's reservation and sale locks by these two (decision 108), through V109's and V110's functions,
     * which PostgreSQL plans once per connection (sent as themselves, they were planned anew on every execution:
     * decisions 131, 133). They lock in {@link #locking}'s order; the keys' one picks its levels as {@link
     * #isOneOf(Field, Field)} does.
     */
    private static final RenderedStatement LOCK_VARIANTS = RenderedStatement.of(FunctionRows.select(LOCKED_COLUMNS,
            "stock_levels_locked", DSL.param("variants", SQLDataType.UUID.array())));
    private static final RenderedStatement LOCK_KEYS = RenderedStatement.of(FunctionRows.select(LOCKED_COLUMNS,
            "stock_levels_locked_by_key", DSL.param("variants", SQLDataType.UUID.array()),
            DSL.param("locations", SQLDataType.UUID.array())));

    private static LockedLevels lock(DSLContext db, Condition which) {
        return locked(db.fetch(locking(which)).map(row -> new LockedRow(stockLevel(row.into(STOCK_LEVEL)),
                row.get(ROW_ADDRESS))));
    }

    /** A locked level and its row's address. */
    private record LockedRow(StockLevel level, String rowAddress) {
    }

    private static LockedRow lockedRow(RenderedStatement.Row row) throws java.sql.SQLException {
        return new LockedRow(stockLevel(row.into(STOCK_LEVEL)), row.get(ROW_ADDRESS));
    }

    private static LockedLevels locked(List<LockedRow> rows) {
        Map<StockKey, StockLevel> levels = new LinkedHashMap<>();
        Map<StockKey, String> rowAddresses = new HashMap<>();
        for (LockedRow row : rows) {
            levels.put(row.level().key(), row.level());
            rowAddresses.put(row.level().key(), row.rowAddress());
        }
        return new LockedLevels(levels, rowAddresses);
    }

    /**
     * A write-back of this many levels or more is planned as the embedded server plans every statement (decision 112):
     * with PostgreSQL's default {@code random_page_cost} (4) an external database planned 10,000 fetches by address as a
     * hash join over every level of the table (1.1–1.4 s against 0.25–0.28 s). A checkout writes a few levels.
     */
    private static final int MANY_LEVELS = 1_000;

    /**
     * The rows just locked are in shared buffers: a fetch by address is a buffer hit, not a random read. Lowered, never
     * raised, for the rest of the transaction (what the embedded server's 1.1 does for every statement).
     */
    private static final String PAGES_AT_HAND = "SELECT set_config('random_page_cost',"
            + " least(current_setting('random_page_cost')::float8, 1.1)::text, true)";

    /**
     * Writes these levels, locked as {@code locked}, back: one statement for all, with the reason their feed entries
     * give. The CHECK {@code reserved <= on_hand} stays the last word on overselling, whatever was computed here.
     * Returns the {@code updated_at} they were given, the transaction's time: the rows are not read back (a bulk
     * request's 10,000 rows were, for that one value).
     */
    OffsetDateTime saveLevels(DSLContext db, Collection<StockLevel> levels, LockedLevels locked,
                              StockChangeReason reason) {
        if (levels.size() >= MANY_LEVELS) {
            db.fetchValue(PAGES_AT_HAND);
        }
        List<SavedLevels> saved = SAVE_LEVELS.fetch(db, binds -> bindLevels(binds, levels, locked, reason),
                row -> new SavedLevels(row.get(SAVED_AT), row.get(SAVED_COUNT)));
        if (saved.getFirst().count() != levels.size()) {
            throw new IllegalStateException(saved.getFirst().count() + " of " + levels.size() + " stock levels written "
                    + "back: a level was written by this transaction between its lock and this write");
        }
        return saved.getFirst().at();
    }

    private record SavedLevels(OffsetDateTime at, int count) {
    }

    private static final Field<OffsetDateTime> SAVED_AT = DSL.currentOffsetDateTime();
    private static final Field<Integer> SAVED_COUNT = DSL.field(DSL.selectCount().from(DSL.name("saved")));
    private static final RenderedStatement SAVE_LEVELS = RenderedStatement.of(DSL.with("saved").as(levelsWritten())
            .select(SAVED_AT, SAVED_COUNT));

    /**
     * The UPDATE writing locked levels back (in key order), for a statement of its caller, the levels as arrays bound
     * by {@link #bindLevels}. Each row is fetched by the address its lock read (a TID scan, not a second probe of the
     * primary key); the key is checked on the row found, so a row that moved since (this transaction wrote it in
     * between) is not written at all.
     */
    private static UpdateResultStep<StockLevelRecord> levelsWritten() {
        Table<?> changed = DSL.table("unnest({0}::tid[], {1}, {2}, {3}, {4}, {5}, {6}) AS changed(row_address, "
                        + "variant_id, location_id, on_hand, reserved, last_source_sequence, low_stock_threshold)",
                DSL.param("rowAddresses", SQLDataType.VARCHAR.array()),
                DSL.param("levelVariants", SQLDataType.UUID.array()),
                DSL.param("levelLocations", SQLDataType.UUID.array()),
                DSL.param("onHand", SQLDataType.BIGINT.array()), DSL.param("reserved", SQLDataType.BIGINT.array()),
                DSL.param("lastSourceSequences", SQLDataType.BIGINT.array()),
                DSL.param("lowStockThresholds", SQLDataType.BIGINT.array()));
        return DSL.update(STOCK_LEVEL)
                .set(STOCK_LEVEL.ON_HAND, DSL.field(DSL.name("changed", "on_hand"), SQLDataType.BIGINT))
                .set(STOCK_LEVEL.RESERVED, DSL.field(DSL.name("changed", "reserved"), SQLDataType.BIGINT))
                .set(STOCK_LEVEL.LAST_SOURCE_SEQUENCE,
                        DSL.field(DSL.name("changed", "last_source_sequence"), SQLDataType.BIGINT))
                .set(STOCK_LEVEL.LOW_STOCK_THRESHOLD,
                        DSL.field(DSL.name("changed", "low_stock_threshold"), SQLDataType.BIGINT))
                .set(STOCK_LEVEL.UPDATED_AT, DSL.currentOffsetDateTime())
                .set(STOCK_LEVEL.LAST_CHANGE_REASON, DSL.param("reason", String.class))
                .from(changed)
                .where(DSL.condition("{0}.ctid = changed.row_address", STOCK_LEVEL))
                .and(STOCK_LEVEL.VARIANT_ID.eq(DSL.field(DSL.name("changed", "variant_id"), SQLDataType.UUID)))
                .and(STOCK_LEVEL.LOCATION_ID.eq(DSL.field(DSL.name("changed", "location_id"), SQLDataType.UUID)))
                .returning(STOCK_LEVEL.VARIANT_ID);
    }

    private static RenderedStatement.Binds bindLevels(RenderedStatement.Binds binds, Collection<StockLevel> levels,
                                                      LockedLevels locked, StockChangeReason reason)
            throws java.sql.SQLException {
        List<StockLevel> sorted = levels.stream().sorted(java.util.Comparator.comparing(StockLevel::key)).toList();
        return binds.texts("rowAddresses", sorted.stream().map(level -> locked.rowAddresses().get(level.key())).toList())
                .uuids("levelVariants", sorted.stream().map(StockLevel::variantId).toList())
                .uuids("levelLocations", sorted.stream().map(StockLevel::locationId).toList())
                .bigints("onHand", sorted.stream().map(StockLevel::onHand).toList())
                .bigints("reserved", sorted.stream().map(StockLevel::reserved).toList())
                .bigints("lastSourceSequences", sorted.stream().map(level -> level.lastSourceSequence().orElse(null))
                        .toList())
                .bigints("lowStockThresholds", sorted.stream().map(level -> level.lowStockThreshold().orElse(null))
                        .toList())
                .text("reason", reason.wireName());
    }

    // Low-stock events

    void insertLowStockEvents(DSLContext db, List<StockLevel> fellBelowThreshold) {
        if (fellBelowThreshold.isEmpty()) {
            return;
        }
        List<LowStockEventRecord> rows = fellBelowThreshold.stream().map(level -> {
            LowStockEventRecord row = db.newRecord(LOW_STOCK_EVENT);
            row.setId(UUID.randomUUID());
            row.setMerchantId(level.merchantId());
            row.setVariantId(level.variantId());
            row.setLocationId(level.locationId());
            row.setAvailable(level.available());
            row.setThreshold(level.lowStockThreshold().orElseThrow());
            return row;
        }).toList();
        db.batchInsert(rows).execute();
        for (LowStockEventRecord row : rows) {
            DomainEvents.append(db, new DomainFact(EventType.STOCK_LOW, "stock_low:" + row.getId(),
                    new Parties(null, null, row.getMerchantId(), null), JsonP.JSON.createObjectBuilder()
                    .add("lowStockEventId", row.getId().toString()).add("variantId", row.getVariantId().toString())
                    .add("locationId", row.getLocationId().toString()).add("available", row.getAvailable())
                    .add("threshold", row.getThreshold()).build()));
        }
    }

    /** The viewer's low-stock events, oldest first; {@code page.fetchSize()} at most. */
    List<LowStockEvent> listLowStockEvents(DSLContext db, Principal viewer, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(LOW_STOCK_EVENT.OCCURRED_AT, LOW_STOCK_EVENT.ID)
                        .gt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(LOW_STOCK_EVENT).where(ownedBy(viewer, LOW_STOCK_EVENT.MERCHANT_ID)).and(after)
                .orderBy(LOW_STOCK_EVENT.OCCURRED_AT, LOW_STOCK_EVENT.ID).limit(page.fetchSize())
                .fetch(row -> new LowStockEvent(row.getId(), row.getMerchantId(), row.getVariantId(),
                        row.getLocationId(), row.getAvailable(), row.getThreshold(), row.getOccurredAt()));
    }

    static Cursor cursorOf(LowStockEvent event) {
        return Cursor.of(event.occurredAt().toString(), event.id().toString());
    }

    /** The most available at one location of each of these variants (none for a variant without a level). */
    Map<UUID, Long> mostAvailableAtOneLocation(DSLContext db, Collection<UUID> variantIds) {
        return MOST_AVAILABLE.fetch(db, binds -> binds.uuids("variants", variantIds),
                        row -> Map.entry(row.get(STOCK_LEVEL.VARIANT_ID), row.get(MOST_AVAILABLE_UNITS)))
                .stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /**
     * {@code max(on_hand - reserved)} per variant, through V109's function, which PostgreSQL plans once per connection
     * (sent as itself, it was planned anew on every execution: decision 131).
     */
    private static final Field<Long> MOST_AVAILABLE_UNITS = DSL.field(DSL.name("available"), SQLDataType.BIGINT);
    private static final RenderedStatement MOST_AVAILABLE = RenderedStatement.of(FunctionRows.select(
            List.of(STOCK_LEVEL.VARIANT_ID, MOST_AVAILABLE_UNITS), "stock_most_available",
            DSL.param("variants", SQLDataType.UUID.array())));

    // Reservations

    /** The owner id recorded for the operator's reservations, who has no id of its own (the nil UUID). */
    private static final UUID OPERATOR_OWNER_ID = new UUID(0, 0);

    /**
     * A reservation held for {@code holdFor} from now on PostgreSQL's clock, the one the expiry job compares with,
     * written with its lines and the locked {@code levels} it takes its quantities from: one statement (the lines'
     * foreign key to the reservation is checked at its end, when the reservation's row is there).
     */
    Reservation insertReservation(DSLContext db, UUID id, Principal owner, List<Reservation.Line> lines,
                                  Duration holdFor, Collection<StockLevel> levels, LockedLevels locked) {
        StockReservationRecord inserted = RESERVE.fetch(db, binds -> bindLevels(binds, levels, locked,
                        StockChangeReason.RESERVED)
                .uuid("reservation", id)
                .integers("lineNumbers", IntStream.range(0, lines.size()).boxed().toList())
                .uuids("lineVariants", lines.stream().map(Reservation.Line::variantId).toList())
                .uuids("lineLocations", lines.stream().map(Reservation.Line::locationId).toList())
                .bigints("quantities", lines.stream().map(Reservation.Line::quantity).toList())
                .text("ownerType", owner.type().wireName())
                .uuid("owner", owner.isOperator() ? OPERATOR_OWNER_ID : owner.id())
                .bigint("holdMillis", holdFor.toMillis()), row -> row.into(STOCK_RESERVATION)).getFirst();
        return reservation(inserted, lines);
    }

    private static final RenderedStatement RESERVE = RenderedStatement.of(DSL.with("saved").as(levelsWritten())
            .with("reservation_lines").as(DSL.insertInto(STOCK_RESERVATION_LINE,
                            STOCK_RESERVATION_LINE.RESERVATION_ID, STOCK_RESERVATION_LINE.LINE_NUMBER,
                            STOCK_RESERVATION_LINE.VARIANT_ID, STOCK_RESERVATION_LINE.LOCATION_ID,
                            STOCK_RESERVATION_LINE.QUANTITY)
                    .select(DSL.select(DSL.param("reservation", UUID.class), lineField("line_number", SQLDataType.INTEGER),
                                    lineField("variant_id", SQLDataType.UUID), lineField("location_id", SQLDataType.UUID),
                                    lineField("quantity", SQLDataType.BIGINT))
                            .from(DSL.table("unnest({0}, {1}, {2}, {3}) AS line(line_number, variant_id, location_id, "
                                            + "quantity)", DSL.param("lineNumbers", SQLDataType.INTEGER.array()),
                                    DSL.param("lineVariants", SQLDataType.UUID.array()),
                                    DSL.param("lineLocations", SQLDataType.UUID.array()),
                                    DSL.param("quantities", SQLDataType.BIGINT.array()))))
                    .returningResult(STOCK_RESERVATION_LINE.LINE_NUMBER))
            .insertInto(STOCK_RESERVATION)
            .set(STOCK_RESERVATION.ID, DSL.param("reservation", UUID.class))
            .set(STOCK_RESERVATION.OWNER_TYPE, DSL.param("ownerType", String.class))
            .set(STOCK_RESERVATION.OWNER_ID, DSL.param("owner", UUID.class))
            .set(STOCK_RESERVATION.STATUS, DSL.inline(ReservationStatus.ACTIVE.wireName()))
            .set(STOCK_RESERVATION.EXPIRES_AT, DatabaseClock.nowPlus(DSL.param("holdMillis", Long.class)))
            .returning());

    private static <T> Field<T> lineField(String column, org.jooq.DataType<T> type) {
        return DSL.field(DSL.name("line", column), type);
    }

    /**
     * Sells the viewer's reservation if it is active and its expiry has not passed on PostgreSQL's clock (the expiry
     * job's): one statement marks it committed, which locks its row until the caller's transaction ends, and reads its
     * lines. Empty for any other reservation, changing nothing.
     */
    Optional<Reservation> commitIfActive(DSLContext db, Principal viewer, UUID id) {
        List<Reservation.Line> lines = new ArrayList<>();
        OffsetDateTime[] times = new OffsetDateTime[3];
        COMMIT_IF_ACTIVE.forViewer(viewer).forEach(db, binds -> Tenancy.Rendered.bind(binds.uuid("reservation", id),
                viewer), row -> {
                    if (times[0] == null) {
                        times[0] = row.get(COMMITTED_EXPIRES_AT);
                        times[1] = row.get(COMMITTED_CREATED_AT);
                        times[2] = row.get(COMMITTED_UPDATED_AT);
                    }
                    lines.add(new Reservation.Line(row.get(STOCK_RESERVATION_LINE.VARIANT_ID),
                            row.get(STOCK_RESERVATION_LINE.LOCATION_ID), row.get(STOCK_RESERVATION_LINE.QUANTITY)));
                });
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Reservation(id, ReservationStatus.COMMITTED, lines, times[0], times[1], times[2]));
    }

    private static final Name COMMITTED = DSL.name("committed");
    private static final Field<OffsetDateTime> COMMITTED_EXPIRES_AT =
            committedColumn(COMMITTED, STOCK_RESERVATION.EXPIRES_AT);
    private static final Field<OffsetDateTime> COMMITTED_CREATED_AT =
            committedColumn(COMMITTED, STOCK_RESERVATION.CREATED_AT);
    private static final Field<OffsetDateTime> COMMITTED_UPDATED_AT =
            committedColumn(COMMITTED, STOCK_RESERVATION.UPDATED_AT);

    /** Marks the reservation sold and reads its lines; rendered once per viewer shape (decision 115). */
    private static final Tenancy.Rendered COMMIT_IF_ACTIVE = new Tenancy.Rendered(
            Tenancy.Owners.of(STOCK_RESERVATION.OWNER_TYPE, STOCK_RESERVATION.OWNER_ID), owned -> {
                Field<UUID> reservation = DSL.param("reservation", UUID.class);
                return DSL.with(COMMITTED).as(DSL.update(STOCK_RESERVATION)
                                .set(STOCK_RESERVATION.STATUS, DSL.inline(ReservationStatus.COMMITTED.wireName()))
                                .set(STOCK_RESERVATION.UPDATED_AT, DSL.currentOffsetDateTime())
                                .where(STOCK_RESERVATION.ID.eq(reservation))
                                .and(owned)
                                .and(STOCK_RESERVATION.STATUS.eq(DSL.inline(ReservationStatus.ACTIVE.wireName())))
                                .and(STOCK_RESERVATION.EXPIRES_AT.gt(DatabaseClock.now()))
                                .returningResult(STOCK_RESERVATION.EXPIRES_AT, STOCK_RESERVATION.CREATED_AT,
                                        STOCK_RESERVATION.UPDATED_AT))
                        .select(COMMITTED_EXPIRES_AT, COMMITTED_CREATED_AT, COMMITTED_UPDATED_AT,
                                STOCK_RESERVATION_LINE.VARIANT_ID, STOCK_RESERVATION_LINE.LOCATION_ID,
                                STOCK_RESERVATION_LINE.QUANTITY)
                        .from(DSL.table(COMMITTED)).crossJoin(STOCK_RESERVATION_LINE)
                        .where(STOCK_RESERVATION_LINE.RESERVATION_ID.eq(reservation))
                        .orderBy(STOCK_RESERVATION_LINE.LINE_NUMBER);
            });

    private static <T> Field<T> committedColumn(Name committed, Field<T> column) {
        return DSL.field(committed.append(column.getUnqualifiedName()), column.getDataType());
    }

    Optional<Reservation> findReservation(DSLContext db, Principal viewer, UUID id, boolean forUpdate) {
        var query = db.selectFrom(STOCK_RESERVATION).where(STOCK_RESERVATION.ID.eq(id))
                .and(Tenancy.visibleTo(viewer, STOCK_RESERVATION.OWNER_TYPE, STOCK_RESERVATION.OWNER_ID));
        return (forUpdate ? query.forUpdate() : query).fetchOptional().map(row -> reservation(row, lines(db, id)));
    }

    /**
     * Locks up to {@code limit} active reservations past their expiry, skipping those another node is handling
     * right now ({@code SKIP LOCKED}), so the expiry job runs safely on every node at once.
     */
    List<Reservation> lockExpiredReservations(DSLContext db, int limit) {
        return db.selectFrom(STOCK_RESERVATION)
                .where(STOCK_RESERVATION.STATUS.eq(ReservationStatus.ACTIVE.wireName()))
                .and(STOCK_RESERVATION.EXPIRES_AT.le(DSL.currentOffsetDateTime()))
                .orderBy(STOCK_RESERVATION.EXPIRES_AT)
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(row -> reservation(row, lines(db, row.getId())));
    }

    Reservation updateReservationStatus(DSLContext db, Reservation reservation, ReservationStatus status) {
        StockReservationRecord row = db.update(STOCK_RESERVATION)
                .set(STOCK_RESERVATION.STATUS, status.wireName())
                .set(STOCK_RESERVATION.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(STOCK_RESERVATION.ID.eq(reservation.id()))
                .returning().fetchOne();
        return reservation(row, reservation.lines());
    }

    private static List<Reservation.Line> lines(DSLContext db, UUID reservationId) {
        return db.selectFrom(STOCK_RESERVATION_LINE).where(STOCK_RESERVATION_LINE.RESERVATION_ID.eq(reservationId))
                .orderBy(STOCK_RESERVATION_LINE.LINE_NUMBER)
                .fetch(row -> new Reservation.Line(row.getVariantId(), row.getLocationId(), row.getQuantity()));
    }

    private static Reservation reservation(StockReservationRecord row, List<Reservation.Line> lines) {
        return new Reservation(row.getId(), ReservationStatus.fromWireName(row.getStatus()), List.copyOf(lines),
                row.getExpiresAt(), row.getCreatedAt(), row.getUpdatedAt());
    }

    private static Location location(StockLocationRecord row) {
        return new Location(row.getId(), row.getMerchantId(), row.getCode(), row.getName(), row.getCreatedAt());
    }

    private static StockLevel stockLevel(StockLevelRecord row) {
        return new StockLevel(row.getVariantId(), row.getSku(), row.getLocationId(), row.getLocationCode(),
                row.getMerchantId(), row.getOnHand(),
                row.getReserved(), Optional.ofNullable(row.getLastSourceSequence()),
                Optional.ofNullable(row.getLowStockThreshold()), row.getUpdatedAt());
    }

    private static Field<UUID[]> uuids(UUID[] values) {
        return DSL.val(values, SQLDataType.UUID.array());
    }

    private static Field<Long[]> longs(Long[] values) {
        return DSL.val(values, SQLDataType.BIGINT.array());
    }
}
