package dev.marketplace.server.partners.inventory;

import static dev.marketplace.schema.Tables.PARTNER_ASSORTMENT_SHARE;
import static dev.marketplace.schema.Tables.PARTNER_LEASE;
import static dev.marketplace.schema.Tables.PARTNER_LEASE_HOLDING;
import static dev.marketplace.schema.Tables.PARTNER_LEASE_LIMIT;
import static dev.marketplace.schema.Tables.PARTNER_LEASE_LINE;
import static dev.marketplace.schema.Tables.PARTNER_LEASE_RETURN;
import static dev.marketplace.schema.Tables.PARTNER_MERCHANT_OPT_IN;

import dev.marketplace.schema.tables.records.PartnerAssortmentShareRecord;
import dev.marketplace.schema.tables.records.PartnerLeaseLineRecord;
import dev.marketplace.schema.tables.records.PartnerLeaseRecord;
import dev.marketplace.server.platform.http.Idempotency;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The partner inventory exchange's tables (V27). Leases are owned by their partner ({@link Tenancy}); opt-ins, shares
 * and limits are the operator's and merchants' settings, read for a partner by its id.
 */
final class PartnerInventoryRepository {

    static final String SHARE_OF_MERCHANT_CONSTRAINT = "partner_assortment_share_partner_id_merchant_id_key";
    static final String SHARE_OF_CATEGORY_CONSTRAINT = "partner_assortment_share_partner_id_category_id_key";
    /** A partner's return stripes (V72): enough that ends running at once rarely pick the same. */
    private static final int RETURN_STRIPES = 16;

    private static final Tenancy.Owners LEASE_OWNERS = Tenancy.Owners.of(PrincipalType.PARTNER, PARTNER_LEASE.PARTNER_ID);

    private static Condition ownedBy(Principal viewer) {
        return Tenancy.visibleTo(viewer, LEASE_OWNERS);
    }

    // Opt-ins

    /** Records the merchant's opt-in (kept as first given); returns when it was given. */
    OffsetDateTime optIn(DSLContext db, UUID merchantId, UUID partnerId) {
        db.insertInto(PARTNER_MERCHANT_OPT_IN)
                .set(PARTNER_MERCHANT_OPT_IN.MERCHANT_ID, merchantId)
                .set(PARTNER_MERCHANT_OPT_IN.PARTNER_ID, partnerId)
                .onConflictDoNothing()
                .execute();
        return db.select(PARTNER_MERCHANT_OPT_IN.OPTED_IN_AT).from(PARTNER_MERCHANT_OPT_IN)
                .where(PARTNER_MERCHANT_OPT_IN.MERCHANT_ID.eq(merchantId))
                .and(PARTNER_MERCHANT_OPT_IN.PARTNER_ID.eq(partnerId))
                .fetchSingle(PARTNER_MERCHANT_OPT_IN.OPTED_IN_AT);
    }

    void optOut(DSLContext db, UUID merchantId, UUID partnerId) {
        db.deleteFrom(PARTNER_MERCHANT_OPT_IN)
                .where(PARTNER_MERCHANT_OPT_IN.MERCHANT_ID.eq(merchantId))
                .and(PARTNER_MERCHANT_OPT_IN.PARTNER_ID.eq(partnerId))
                .execute();
    }

    /** The partners the merchant opted in to. */
    Set<UUID> partnersOf(DSLContext db, UUID merchantId) {
        return db.select(PARTNER_MERCHANT_OPT_IN.PARTNER_ID).from(PARTNER_MERCHANT_OPT_IN)
                .where(PARTNER_MERCHANT_OPT_IN.MERCHANT_ID.eq(merchantId))
                .fetchSet(PARTNER_MERCHANT_OPT_IN.PARTNER_ID);
    }

    /** Every merchant that opted in to the partner. */
    Set<UUID> optedIn(DSLContext db, UUID partnerId) {
        return db.select(PARTNER_MERCHANT_OPT_IN.MERCHANT_ID).from(PARTNER_MERCHANT_OPT_IN)
                .where(PARTNER_MERCHANT_OPT_IN.PARTNER_ID.eq(partnerId))
                .fetchSet(PARTNER_MERCHANT_OPT_IN.MERCHANT_ID);
    }

    /** Which of these merchants opted in to the partner (every lease create asks: rendered once, decision 108). */
    Set<UUID> optedIn(DSLContext db, UUID partnerId, Collection<UUID> merchantIds) {
        return Set.copyOf(OPTED_IN.fetch(db, binds -> binds.uuid("partner", partnerId).uuids("merchants", merchantIds),
                row -> row.get(PARTNER_MERCHANT_OPT_IN.MERCHANT_ID)));
    }

    private static final RenderedStatement OPTED_IN = RenderedStatement.of(DSL
            .select(PARTNER_MERCHANT_OPT_IN.MERCHANT_ID).from(PARTNER_MERCHANT_OPT_IN)
            .where(PARTNER_MERCHANT_OPT_IN.PARTNER_ID.eq(DSL.param("partner", UUID.class)))
            .and(PARTNER_MERCHANT_OPT_IN.MERCHANT_ID.eq(DSL.any(DSL.param("merchants", SQLDataType.UUID.array())))));

    /** A merchant's consent to sell through a partner. */
    record OptIn(UUID partnerId, UUID merchantId, OffsetDateTime optedInAt) {
        Cursor cursor() {
            return Cursor.of(optedInAt.toString(), partnerId.toString(), merchantId.toString());
        }
    }

    /**
     * The opt-ins the viewer may see, oldest first: the operator every one, a merchant its own, a partner those given
     * to it; {@code page.fetchSize()} at most.
     */
    List<OptIn> listOptIns(DSLContext db, Principal viewer, Optional<UUID> partnerId, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(PARTNER_MERCHANT_OPT_IN.OPTED_IN_AT, PARTNER_MERCHANT_OPT_IN.PARTNER_ID,
                        PARTNER_MERCHANT_OPT_IN.MERCHANT_ID).gt(OffsetDateTime.parse(cursor.keys().get(0)),
                        UUID.fromString(cursor.keys().get(1)), UUID.fromString(cursor.keys().get(2))))
                .orElse(DSL.noCondition());
        return db.selectFrom(PARTNER_MERCHANT_OPT_IN)
                .where(Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.MERCHANT, PARTNER_MERCHANT_OPT_IN.MERCHANT_ID))
                        .or(Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.PARTNER, PARTNER_MERCHANT_OPT_IN.PARTNER_ID))))
                .and(partnerId.map(PARTNER_MERCHANT_OPT_IN.PARTNER_ID::eq).orElse(DSL.noCondition()))
                .and(after)
                .orderBy(PARTNER_MERCHANT_OPT_IN.OPTED_IN_AT, PARTNER_MERCHANT_OPT_IN.PARTNER_ID,
                        PARTNER_MERCHANT_OPT_IN.MERCHANT_ID)
                .limit(page.fetchSize())
                .fetch(row -> new OptIn(row.getPartnerId(), row.getMerchantId(), row.getOptedInAt()));
    }

    // Shares

    /**
     * The shares the viewer may see, oldest first: the operator every one, a partner those made with it, a merchant
     * those naming it; {@code page.fetchSize()} at most.
     */
    List<AssortmentShare> listShares(DSLContext db, Principal viewer, Optional<UUID> partnerId, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(PARTNER_ASSORTMENT_SHARE.CREATED_AT, PARTNER_ASSORTMENT_SHARE.ID)
                        .gt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(PARTNER_ASSORTMENT_SHARE)
                .where(Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.PARTNER, PARTNER_ASSORTMENT_SHARE.PARTNER_ID))
                        .or(Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.MERCHANT, PARTNER_ASSORTMENT_SHARE.MERCHANT_ID))))
                .and(partnerId.map(PARTNER_ASSORTMENT_SHARE.PARTNER_ID::eq).orElse(DSL.noCondition()))
                .and(after)
                .orderBy(PARTNER_ASSORTMENT_SHARE.CREATED_AT, PARTNER_ASSORTMENT_SHARE.ID)
                .limit(page.fetchSize())
                .fetch(PartnerInventoryRepository::share);
    }

    static Cursor cursorOf(AssortmentShare share) {
        return Cursor.of(share.createdAt().toString(), share.id().toString());
    }

    AssortmentShare insertShare(DSLContext db, UUID partnerId, Optional<UUID> merchantId, Optional<UUID> categoryId,
                                int priceAdjustmentBasisPoints) {
        return share(db.insertInto(PARTNER_ASSORTMENT_SHARE)
                .set(PARTNER_ASSORTMENT_SHARE.ID, UUID.randomUUID())
                .set(PARTNER_ASSORTMENT_SHARE.PARTNER_ID, partnerId)
                .set(PARTNER_ASSORTMENT_SHARE.MERCHANT_ID, merchantId.orElse(null))
                .set(PARTNER_ASSORTMENT_SHARE.CATEGORY_ID, categoryId.orElse(null))
                .set(PARTNER_ASSORTMENT_SHARE.PRICE_ADJUSTMENT_BP, priceAdjustmentBasisPoints)
                .returning().fetchSingle());
    }

    boolean deleteShare(DSLContext db, UUID shareId) {
        return db.deleteFrom(PARTNER_ASSORTMENT_SHARE).where(PARTNER_ASSORTMENT_SHARE.ID.eq(shareId)).execute() == 1;
    }

    /** The partner's shares of these merchants and all its shares of categories (which may cover any merchant). */
    List<AssortmentShare> sharesCovering(DSLContext db, UUID partnerId, Collection<UUID> merchantIds) {
        return SHARES_COVERING.fetch(db, binds -> binds.uuid("partner", partnerId).uuids("merchants", merchantIds),
                row -> share(row.into(PARTNER_ASSORTMENT_SHARE)));
    }

    private static final RenderedStatement SHARES_COVERING = RenderedStatement.of(DSL
            .select(PARTNER_ASSORTMENT_SHARE.fields()).from(PARTNER_ASSORTMENT_SHARE)
            .where(PARTNER_ASSORTMENT_SHARE.PARTNER_ID.eq(DSL.param("partner", UUID.class)))
            .and(PARTNER_ASSORTMENT_SHARE.MERCHANT_ID.eq(DSL.any(DSL.param("merchants", SQLDataType.UUID.array())))
                    .or(PARTNER_ASSORTMENT_SHARE.CATEGORY_ID.isNotNull())));

    private static AssortmentShare share(PartnerAssortmentShareRecord row) {
        return new AssortmentShare(row.getId(), row.getPartnerId(), Optional.ofNullable(row.getMerchantId()),
                Optional.ofNullable(row.getCategoryId()), row.getPriceAdjustmentBp(), row.getCreatedAt());
    }

    // Limits and holdings

    void setLimits(DSLContext db, UUID partnerId, long maxUnitsHeld, int maxOpenLeases) {
        db.insertInto(PARTNER_LEASE_LIMIT)
                .set(PARTNER_LEASE_LIMIT.PARTNER_ID, partnerId)
                .set(PARTNER_LEASE_LIMIT.MAX_UNITS_HELD, maxUnitsHeld)
                .set(PARTNER_LEASE_LIMIT.MAX_OPEN_LEASES, maxOpenLeases)
                .onConflict(PARTNER_LEASE_LIMIT.PARTNER_ID).doUpdate()
                .set(PARTNER_LEASE_LIMIT.MAX_UNITS_HELD, maxUnitsHeld)
                .set(PARTNER_LEASE_LIMIT.MAX_OPEN_LEASES, maxOpenLeases)
                .set(PARTNER_LEASE_LIMIT.UPDATED_AT, DSL.currentOffsetDateTime())
                .execute();
    }

    /** The partner's holding row, created with nothing held if missing (no lock taken on an existing row). */
    void createHolding(DSLContext db, UUID partnerId) {
        db.insertInto(PARTNER_LEASE_HOLDING).set(PARTNER_LEASE_HOLDING.PARTNER_ID, partnerId)
                .onConflictDoNothing().execute();
    }

    /**
     * The operator's limits of the partner (max units held, max open leases; empty if not set) and what the partner
     * holds now (units, open leases: what its leases took less what their ends gave back; empty before its first
     * lease, when it has no holding row yet), in one read and without a lock.
     */
    record Standing(Optional<long[]> limits, Optional<long[]> holding) {
    }

    Standing standing(DSLContext db, UUID partnerId) {
        return STANDING.fetch(db, binds -> binds.uuid("partner", partnerId), row -> {
            Long maxUnits = row.get(MAX_UNITS);
            Long units = row.get(UNITS_HELD);
            return new Standing(maxUnits == null ? Optional.empty()
                    : Optional.of(new long[] {maxUnits, row.get(MAX_LEASES)}),
                    units == null ? Optional.empty() : Optional.of(new long[] {units, row.get(LEASES_HELD)}));
        }).getFirst();
    }

    private static final Field<UUID> PARTNER = DSL.param("partner", UUID.class);
    private static final Field<Long> MAX_UNITS = DSL.field(DSL.select(PARTNER_LEASE_LIMIT.MAX_UNITS_HELD)
            .from(PARTNER_LEASE_LIMIT).where(PARTNER_LEASE_LIMIT.PARTNER_ID.eq(PARTNER)));
    private static final Field<Integer> MAX_LEASES = DSL.field(DSL.select(PARTNER_LEASE_LIMIT.MAX_OPEN_LEASES)
            .from(PARTNER_LEASE_LIMIT).where(PARTNER_LEASE_LIMIT.PARTNER_ID.eq(PARTNER)));
    private static final Field<Long> UNITS_HELD = DSL.field(DSL.select(PARTNER_LEASE_HOLDING.UNITS_TAKEN
                    .minus(returned(PARTNER_LEASE_RETURN.UNITS_RETURNED)))
            .from(PARTNER_LEASE_HOLDING).where(PARTNER_LEASE_HOLDING.PARTNER_ID.eq(PARTNER)));
    private static final Field<Long> LEASES_HELD = DSL.field(DSL.select(PARTNER_LEASE_HOLDING.LEASES_TAKEN
                    .minus(returned(PARTNER_LEASE_RETURN.LEASES_RETURNED)))
            .from(PARTNER_LEASE_HOLDING).where(PARTNER_LEASE_HOLDING.PARTNER_ID.eq(PARTNER)));
    /** Read by every create, twice when at its limits (decision 108: rendered once). */
    private static final RenderedStatement STANDING = RenderedStatement.of(DSL.select(MAX_UNITS, MAX_LEASES,
            UNITS_HELD, LEASES_HELD));

    /**
     * Counts one more lease of {@code units} only if the partner stays within its limits (the operator's, read by
     * this statement, else the defaults); false otherwise. The update waits for concurrent creates of the partner and
     * re-checks against what they took (row lock until the caller's transaction ends); what ends gave back is the sum
     * of the return stripes as committed when the statement began, never more than was given back, so the partner
     * never holds more than its limits, whatever ends run meanwhile.
     */
    boolean takeHolding(DSLContext db, UUID partnerId, long units, long defaultMaxUnitsHeld,
                        int defaultMaxOpenLeases) {
        return TAKE_HOLDING.execute(db, binds -> binds.uuid("partner", partnerId).bigint("units", units)
                .bigint("defaultMaxUnits", defaultMaxUnitsHeld)
                .bigint("defaultMaxLeases", (long) defaultMaxOpenLeases)) == 1;
    }

    private static final RenderedStatement TAKE_HOLDING;

    static {
        Field<Long> units = DSL.param("units", Long.class);
        TAKE_HOLDING = RenderedStatement.of(DSL.update(PARTNER_LEASE_HOLDING)
                .set(PARTNER_LEASE_HOLDING.UNITS_TAKEN, PARTNER_LEASE_HOLDING.UNITS_TAKEN.plus(units))
                .set(PARTNER_LEASE_HOLDING.LEASES_TAKEN, PARTNER_LEASE_HOLDING.LEASES_TAKEN.plus(DSL.inline(1L)))
                .where(PARTNER_LEASE_HOLDING.PARTNER_ID.eq(PARTNER))
                .and(PARTNER_LEASE_HOLDING.UNITS_TAKEN.minus(returned(PARTNER_LEASE_RETURN.UNITS_RETURNED))
                        .plus(units).le(DSL.coalesce(MAX_UNITS, DSL.param("defaultMaxUnits", Long.class))))
                .and(PARTNER_LEASE_HOLDING.LEASES_TAKEN.minus(returned(PARTNER_LEASE_RETURN.LEASES_RETURNED))
                        .plus(DSL.inline(1L)).le(DSL.coalesce(DSL.field(DSL
                                .select(PARTNER_LEASE_LIMIT.MAX_OPEN_LEASES.cast(SQLDataType.BIGINT))
                                .from(PARTNER_LEASE_LIMIT).where(PARTNER_LEASE_LIMIT.PARTNER_ID.eq(PARTNER))),
                                DSL.param("defaultMaxLeases", Long.class)))));
    }

    /**
     * Gives back what ended leases of the partner held, on one of its return stripes picked at random (last in the
     * caller's transaction: the stripe stays locked to its commit, and only another end on the same stripe waits).
     */
    void giveBack(DSLContext db, UUID partnerId, long units, long leases) {
        short stripe = (short) ThreadLocalRandom.current().nextInt(RETURN_STRIPES);
        GIVE_BACK.execute(db, binds -> binds.uuid("partner", partnerId).smallint("stripe", stripe)
                .bigint("units", units).bigint("leases", leases));
    }

    private static final RenderedStatement GIVE_BACK;

    static {
        Field<Long> units = DSL.param("units", Long.class);
        Field<Long> leases = DSL.param("leases", Long.class);
        GIVE_BACK = RenderedStatement.of(DSL.insertInto(PARTNER_LEASE_RETURN)
                .set(PARTNER_LEASE_RETURN.PARTNER_ID, PARTNER)
                .set(PARTNER_LEASE_RETURN.STRIPE, DSL.param("stripe", Short.class))
                .set(PARTNER_LEASE_RETURN.UNITS_RETURNED, units)
                .set(PARTNER_LEASE_RETURN.LEASES_RETURNED, leases)
                .onConflict(PARTNER_LEASE_RETURN.PARTNER_ID, PARTNER_LEASE_RETURN.STRIPE).doUpdate()
                .set(PARTNER_LEASE_RETURN.UNITS_RETURNED, PARTNER_LEASE_RETURN.UNITS_RETURNED.plus(units))
                .set(PARTNER_LEASE_RETURN.LEASES_RETURNED, PARTNER_LEASE_RETURN.LEASES_RETURNED.plus(leases)));
    }

    /** The sum of a return column over the partner's stripes (0 without any). */
    private static Field<Long> returned(Field<Long> column) {
        return DSL.coalesce(DSL.field(DSL.select(DSL.sum(column).cast(SQLDataType.BIGINT)).from(PARTNER_LEASE_RETURN)
                .where(PARTNER_LEASE_RETURN.PARTNER_ID.eq(PARTNER))), DSL.inline(0L));
    }

    // Leases

    /**
     * Inserts the lease with the key of the request that creates it, if any; returns false, inserting nothing, when the
     * partner's lease of that key exists (a transaction inserting it meanwhile is waited for).
     */
    boolean insertLease(DSLContext db, Lease lease, Optional<Idempotency.OwnKey> key) {
        int inserted = INSERT_LEASE.execute(db, binds -> binds.uuid("lease", lease.id())
                .uuid("partner", lease.partnerId()).text("status", lease.status().wireName())
                .uuid("reservation", lease.reservationId()).bigint("units", lease.units())
                .text("currency", lease.lines().getFirst().unitPrice().currency())
                .timestamp("expiresAt", lease.expiresAt()).timestamp("createdAt", lease.createdAt())
                .timestamp("updatedAt", lease.updatedAt())
                .text("createKey", key.map(Idempotency.OwnKey::key).orElse(null))
                .bytes("createFingerprint", key.map(Idempotency.OwnKey::fingerprint).orElse(null)));
        if (inserted == 0) {
            return false;
        }
        List<Lease.Line> lines = lease.lines();
        INSERT_LEASE_LINES.execute(db, binds -> binds.uuid("lease", lease.id())
                .integers("lineNumbers", java.util.stream.IntStream.range(0, lines.size()).boxed().toList())
                .uuids("variants", lines.stream().map(Lease.Line::variantId).toList())
                .uuids("merchants", lines.stream().map(Lease.Line::merchantId).toList())
                .bigints("quantities", lines.stream().map(Lease.Line::quantity).toList())
                .bigints("unitPrices", lines.stream().map(line -> line.unitPrice().amount()).toList()));
        return true;
    }

    /** A create's two inserts, rendered once (decision 108); the lines as arrays, whatever their number. */
    private static final RenderedStatement INSERT_LEASE = RenderedStatement.of(DSL.insertInto(PARTNER_LEASE)
            .set(PARTNER_LEASE.ID, DSL.param("lease", UUID.class))
            .set(PARTNER_LEASE.PARTNER_ID, PARTNER)
            .set(PARTNER_LEASE.STATUS, DSL.param("status", String.class))
            .set(PARTNER_LEASE.RESERVATION_ID, DSL.param("reservation", UUID.class))
            .set(PARTNER_LEASE.UNITS, DSL.param("units", Long.class))
            .set(PARTNER_LEASE.CURRENCY, DSL.param("currency", String.class))
            .set(PARTNER_LEASE.EXPIRES_AT, DSL.param("expiresAt", OffsetDateTime.class))
            .set(PARTNER_LEASE.CREATED_AT, DSL.param("createdAt", OffsetDateTime.class))
            .set(PARTNER_LEASE.UPDATED_AT, DSL.param("updatedAt", OffsetDateTime.class))
            .set(PARTNER_LEASE.CREATE_KEY, DSL.param("createKey", String.class))
            .set(PARTNER_LEASE.CREATE_FINGERPRINT, DSL.param("createFingerprint", byte[].class))
            .onConflictDoNothing());
    private static final RenderedStatement INSERT_LEASE_LINES = RenderedStatement.of(DSL.insertInto(PARTNER_LEASE_LINE,
                    PARTNER_LEASE_LINE.LEASE_ID, PARTNER_LEASE_LINE.LINE_NUMBER, PARTNER_LEASE_LINE.VARIANT_ID,
                    PARTNER_LEASE_LINE.MERCHANT_ID, PARTNER_LEASE_LINE.QUANTITY, PARTNER_LEASE_LINE.UNIT_PRICE_AMOUNT)
            .select(DSL.select(DSL.param("lease", UUID.class), lineField("line_number", SQLDataType.INTEGER),
                            lineField("variant_id", SQLDataType.UUID), lineField("merchant_id", SQLDataType.UUID),
                            lineField("quantity", SQLDataType.BIGINT), lineField("unit_price", SQLDataType.BIGINT))
                    .from(DSL.table("unnest({0}, {1}, {2}, {3}, {4}) AS line(line_number, variant_id, merchant_id, "
                                    + "quantity, unit_price)", DSL.param("lineNumbers", SQLDataType.INTEGER.array()),
                            DSL.param("variants", SQLDataType.UUID.array()),
                            DSL.param("merchants", SQLDataType.UUID.array()),
                            DSL.param("quantities", SQLDataType.BIGINT.array()),
                            DSL.param("unitPrices", SQLDataType.BIGINT.array())))));

    private static <T> Field<T> lineField(String column, org.jooq.DataType<T> type) {
        return DSL.field(DSL.name("line", column), type);
    }

    /** Takes the key off the partner's lease created with it before {@code keptSince}; returns whether there was one. */
    boolean forgetCreateKey(DSLContext db, UUID partnerId, String key, OffsetDateTime keptSince) {
        return db.update(PARTNER_LEASE)
                .setNull(PARTNER_LEASE.CREATE_KEY)
                .setNull(PARTNER_LEASE.CREATE_FINGERPRINT)
                .where(PARTNER_LEASE.PARTNER_ID.eq(partnerId), PARTNER_LEASE.CREATE_KEY.eq(key),
                        PARTNER_LEASE.CREATED_AT.lt(keptSince))
                .execute() == 1;
    }

    /** A lease, and the fingerprint of the request that created it with a key. */
    record KeyedLease(Lease lease, byte[] fingerprint) {
    }

    /** The partner's lease created with {@code key} since {@code keptSince}, with its lines. */
    Optional<KeyedLease> createdWith(DSLContext db, UUID partnerId, String key, OffsetDateTime keptSince) {
        Result<Record> rows = db.select(PARTNER_LEASE.fields()).select(PARTNER_LEASE_LINE.fields()).from(PARTNER_LEASE)
                .join(PARTNER_LEASE_LINE).on(PARTNER_LEASE_LINE.LEASE_ID.eq(PARTNER_LEASE.ID))
                .where(PARTNER_LEASE.PARTNER_ID.eq(partnerId), PARTNER_LEASE.CREATE_KEY.eq(key),
                        PARTNER_LEASE.CREATED_AT.ge(keptSince))
                .orderBy(PARTNER_LEASE_LINE.LINE_NUMBER)
                .fetch();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        PartnerLeaseRecord lease = rows.getFirst().into(PARTNER_LEASE);
        return Optional.of(new KeyedLease(lease(lease, rows.map(row -> line(row.into(PARTNER_LEASE_LINE),
                lease.getCurrency()))), lease.getCreateFingerprint()));
    }

    /**
     * The fingerprint of the request that ended the viewer's lease (committed or released it) with {@code key}, since
     * {@code keptSince}.
     */
    Optional<byte[]> endedWith(DSLContext db, Principal viewer, UUID id, String key, OffsetDateTime keptSince) {
        return db.select(PARTNER_LEASE.END_FINGERPRINT).from(PARTNER_LEASE)
                .where(PARTNER_LEASE.ID.eq(id)).and(ownedBy(viewer))
                .and(PARTNER_LEASE.END_KEY.eq(key)).and(PARTNER_LEASE.UPDATED_AT.ge(keptSince))
                .fetchOptional(PARTNER_LEASE.END_FINGERPRINT);
    }

    /** The viewer's lease with its lines, in one statement (a lease has a line at least); locked if asked. */
    Optional<Lease> findLease(DSLContext db, Principal viewer, UUID id, boolean forUpdate) {
        Tenancy.Rendered statement = forUpdate ? FIND_LEASE_LOCKED : FIND_LEASE;
        PartnerLeaseRecord[] lease = new PartnerLeaseRecord[1];
        List<Lease.Line> lines = new ArrayList<>();
        statement.forViewer(viewer).forEach(db, binds -> Tenancy.Rendered.bind(binds.uuid("lease", id), viewer), row -> {
            if (lease[0] == null) {
                lease[0] = row.into(PARTNER_LEASE);
            }
            lines.add(new Lease.Line(row.get(PARTNER_LEASE_LINE.VARIANT_ID), row.get(PARTNER_LEASE_LINE.MERCHANT_ID),
                    row.get(PARTNER_LEASE_LINE.QUANTITY),
                    Money.of(row.get(PARTNER_LEASE_LINE.UNIT_PRICE_AMOUNT), lease[0].getCurrency())));
        });
        return lease[0] == null ? Optional.empty() : Optional.of(lease(lease[0], lines));
    }

    private static final Tenancy.Rendered FIND_LEASE = findLease(false);
    private static final Tenancy.Rendered FIND_LEASE_LOCKED = findLease(true);

    private static Tenancy.Rendered findLease(boolean forUpdate) {
        return new Tenancy.Rendered(LEASE_OWNERS, owned -> {
            var query = DSL.select(PARTNER_LEASE.fields()).select(PARTNER_LEASE_LINE.fields()).from(PARTNER_LEASE)
                    .join(PARTNER_LEASE_LINE).on(PARTNER_LEASE_LINE.LEASE_ID.eq(PARTNER_LEASE.ID))
                    .where(PARTNER_LEASE.ID.eq(DSL.param("lease", UUID.class))).and(owned)
                    .orderBy(PARTNER_LEASE_LINE.LINE_NUMBER);
            return forUpdate ? query.forUpdate().of(PARTNER_LEASE) : query;
        });
    }

    /**
     * Commits the viewer's lease into the order if it is active and not expired by {@code now}: its row is then locked
     * until the caller's transaction ends, and the commit's time returned; empty for any other lease.
     */
    Optional<OffsetDateTime> commitIfActive(DSLContext db, Principal viewer, UUID id, UUID orderId,
                                            OffsetDateTime now, Optional<Idempotency.OwnKey> key) {
        List<OffsetDateTime> committed = COMMIT_IF_ACTIVE.forViewer(viewer).fetch(db, binds -> Tenancy.Rendered.bind(
                binds.uuid("lease", id).uuid("order", orderId).timestamp("now", now)
                        .text("endKey", key.map(Idempotency.OwnKey::key).orElse(null))
                        .bytes("endFingerprint", key.map(Idempotency.OwnKey::fingerprint).orElse(null)), viewer),
                row -> row.get(PARTNER_LEASE.UPDATED_AT));
        return committed.stream().findFirst();
    }

    private static final Tenancy.Rendered COMMIT_IF_ACTIVE = new Tenancy.Rendered(LEASE_OWNERS, owned ->
            DSL.update(PARTNER_LEASE)
                    .set(PARTNER_LEASE.STATUS, DSL.inline(LeaseStatus.COMMITTED.wireName()))
                    .set(PARTNER_LEASE.ORDER_ID, DSL.param("order", UUID.class))
                    .set(PARTNER_LEASE.END_KEY, DSL.param("endKey", String.class))
                    .set(PARTNER_LEASE.END_FINGERPRINT, DSL.param("endFingerprint", byte[].class))
                    .set(PARTNER_LEASE.UPDATED_AT, DSL.currentOffsetDateTime())
                    .where(PARTNER_LEASE.ID.eq(DSL.param("lease", UUID.class))).and(owned)
                    .and(PARTNER_LEASE.STATUS.eq(DSL.inline(LeaseStatus.ACTIVE.wireName())))
                    .and(PARTNER_LEASE.EXPIRES_AT.gt(DSL.param("now", OffsetDateTime.class)))
                    .returningResult(PARTNER_LEASE.UPDATED_AT));

    /** The lease as it is now, released by the request of {@code key} (if any); returns it. */
    Lease release(DSLContext db, Lease lease, Optional<Idempotency.OwnKey> key) {
        PartnerLeaseRecord row = db.update(PARTNER_LEASE)
                .set(PARTNER_LEASE.STATUS, LeaseStatus.RELEASED.wireName())
                .set(PARTNER_LEASE.UPDATED_AT, DSL.currentOffsetDateTime())
                .set(PARTNER_LEASE.END_KEY, key.map(Idempotency.OwnKey::key).orElse(null))
                .set(PARTNER_LEASE.END_FINGERPRINT, key.map(Idempotency.OwnKey::fingerprint).orElse(null))
                .where(PARTNER_LEASE.ID.eq(lease.id()))
                .returning().fetchSingle();
        return new Lease(lease.id(), lease.partnerId(), LeaseStatus.RELEASED, lease.reservationId(), lease.lines(),
                lease.expiresAt(), Optional.empty(), lease.createdAt(), row.getUpdatedAt());
    }

    /** The partner whose lease the order was committed from; empty for any other order. */
    Optional<UUID> partnerOfOrder(DSLContext db, UUID orderId) {
        return db.select(PARTNER_LEASE.PARTNER_ID).from(PARTNER_LEASE).where(PARTNER_LEASE.ORDER_ID.eq(orderId))
                .fetchOptional(PARTNER_LEASE.PARTNER_ID);
    }

    /**
     * Locks up to {@code limit} active leases due by {@code now}, skipping those another node is ending; their lines
     * in one more read, whatever their number.
     */
    List<Lease> lockDue(DSLContext db, OffsetDateTime now, int limit) {
        Result<PartnerLeaseRecord> due = db.selectFrom(PARTNER_LEASE)
                .where(PARTNER_LEASE.STATUS.eq(LeaseStatus.ACTIVE.wireName()))
                .and(PARTNER_LEASE.EXPIRES_AT.le(now))
                .orderBy(PARTNER_LEASE.EXPIRES_AT)
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch();
        if (due.isEmpty()) {
            return List.of();
        }
        Map<UUID, Result<PartnerLeaseLineRecord>> lines = db.selectFrom(PARTNER_LEASE_LINE)
                .where(PARTNER_LEASE_LINE.LEASE_ID.eq(DSL.any(due.map(PartnerLeaseRecord::getId).toArray(UUID[]::new))))
                .orderBy(PARTNER_LEASE_LINE.LEASE_ID, PARTNER_LEASE_LINE.LINE_NUMBER)
                .fetchGroups(PARTNER_LEASE_LINE.LEASE_ID);
        return due.map(row -> lease(row, lines.get(row.getId()).stream()
                .map(line -> line(line, row.getCurrency())).toList()));
    }

    /** These leases as they are now, in a new status (not committed: no order), in one statement; returns them. */
    List<Lease> updateStatuses(DSLContext db, List<Lease> leases, LeaseStatus status) {
        Map<UUID, OffsetDateTime> updatedAt = db.update(PARTNER_LEASE)
                .set(PARTNER_LEASE.STATUS, status.wireName())
                .set(PARTNER_LEASE.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(PARTNER_LEASE.ID.eq(DSL.any(leases.stream().map(Lease::id).toArray(UUID[]::new))))
                .returningResult(PARTNER_LEASE.ID, PARTNER_LEASE.UPDATED_AT)
                .fetchMap(PARTNER_LEASE.ID, PARTNER_LEASE.UPDATED_AT);
        return leases.stream().map(lease -> new Lease(lease.id(), lease.partnerId(), status, lease.reservationId(),
                lease.lines(), lease.expiresAt(), Optional.empty(), lease.createdAt(), updatedAt.get(lease.id())))
                .toList();
    }

    private static Lease lease(PartnerLeaseRecord row, List<Lease.Line> lines) {
        return new Lease(row.getId(), row.getPartnerId(), LeaseStatus.fromWireName(row.getStatus()),
                row.getReservationId(), lines, row.getExpiresAt(), Optional.ofNullable(row.getOrderId()),
                row.getCreatedAt(), row.getUpdatedAt());
    }

    private static Lease.Line line(PartnerLeaseLineRecord line, String currency) {
        return new Lease.Line(line.getVariantId(), line.getMerchantId(), line.getQuantity(),
                Money.of(line.getUnitPriceAmount(), currency));
    }
}
