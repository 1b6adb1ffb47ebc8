package dev.marketplace.server.points;

import static dev.marketplace.schema.Tables.POINTS_ENTRY;
import static dev.marketplace.schema.Tables.POINTS_LOT;

import dev.marketplace.schema.tables.records.PointsLotRecord;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.WithStep;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The points ledger's writes, each in the caller's transaction: lots and the append-only entries that move them, and
 * the money movement (decision 35) each change of the points' liability makes. Every method keeps, per customer,
 * Σ entries of a bucket = Σ remaining of the lots in that state.
 */
final class PointsLedger {

    static final String PENDING = "pending";
    static final String AVAILABLE = "available";
    static final String VOIDED = "voided";
    static final String EXPIRED = "expired";
    static final String PLATFORM = "platform";
    private static final String MERCHANT_PREFIX = "merchant:";

    /** Points taken from a lot. */
    record Take(UUID lotId, String funder, long points) {
    }

    private final PointsSettings settings;

    PointsLedger(PointsSettings settings) {
        this.settings = settings;
    }

    static String funderOf(UUID merchant) {
        return merchant == null ? PLATFORM : MERCHANT_PREFIX + merchant;
    }

    /** The merchant that funds a lot, null for the platform. */
    static UUID merchantFunder(String funder) {
        return funder.startsWith(MERCHANT_PREFIX) ? UUID.fromString(funder.substring(MERCHANT_PREFIX.length())) : null;
    }

    Money money(long points) {
        return Money.of(Math.multiplyExact(points, settings.pointValue()), settings.currency());
    }

    /** A new lot of {@code points}, funded by {@code funder} (its liability posted), with its entry. */
    UUID issue(DSLContext tx, UUID customer, String funder, String rule, UUID orderId, UUID subOrderId, long points,
               String state, OffsetDateTime earnedAt, OffsetDateTime expiresAt, String kind, String actor,
               String reason, OffsetDateTime now) {
        UUID lot = UUID.randomUUID();
        tx.insertInto(POINTS_LOT)
                .set(POINTS_LOT.ID, lot)
                .set(POINTS_LOT.CUSTOMER_ID, customer)
                .set(POINTS_LOT.FUNDER, funder)
                .set(POINTS_LOT.RULE, rule)
                .set(POINTS_LOT.ORDER_ID, orderId)
                .set(POINTS_LOT.SUB_ORDER_ID, subOrderId)
                .set(POINTS_LOT.POINTS, points)
                .set(POINTS_LOT.REMAINING, points)
                .set(POINTS_LOT.STATE, state)
                .set(POINTS_LOT.EARNED_AT, earnedAt)
                .set(POINTS_LOT.EXPIRES_AT, expiresAt)
                .execute();
        entry(tx, customer, lot, kind, state, points, orderId, subOrderId, actor, reason, now);
        UUID merchant = merchantFunder(funder);
        DomainEvents.append(tx, MoneyMovement.pointsFunded(lot.toString(),
                new Parties(orderId, subOrderId, merchant, customer), merchant, money(points)));
        return lot;
    }

    /**
     * Spends {@code points} of the customer's available, unexpired lots, first-expiring first (locked in that order,
     * so concurrent spends of one customer queue); 409 {@code insufficient_points} when there are fewer.
     */
    List<Take> spend(DSLContext tx, UUID customer, long points, String kind, UUID orderId, String actor, String reason,
                     OffsetDateTime now) {
        List<Take> takes = plan(tx, customer, points, now, true);
        if (!takes.isEmpty()) {
            tx.fetch(spending(DSL.val(takes.stream().map(Take::lotId).toArray(UUID[]::new), SQLDataType.UUID.array()),
                            DSL.val(takes.stream().map(Take::points).toArray(Long[]::new), SQLDataType.BIGINT.array()),
                            DSL.val(customer), DSL.val(kind), DSL.val(orderId, SQLDataType.UUID), DSL.val(actor),
                            DSL.val(reason), DSL.val(now))
                    .select(DSL.count()).from(DSL.table(DSL.name("spent_entries"))));
        }
        return takes;
    }

    /**
     * The writes of spending the points {@code taken} from {@code lots} ({@link #plan}ned with the lots locked): each
     * lot's remaining points lowered, and its entry, as two data-modifying parts of one statement whose end the caller
     * writes (so that its own rows go in the same round trip). Both parts run whatever that end reads. Of fields, so
     * that the same statement is sent with values ({@link #spend}) or rendered once with named parameters (a
     * checkout's points, {@code PointsService.placed}).
     */
    static WithStep spending(Field<UUID[]> lots, Field<Long[]> taken, Field<UUID> customer, Field<String> kind,
                             Field<UUID> orderId, Field<String> actor, Field<String> reason, Field<OffsetDateTime> now) {
        Table<?> takes = DSL.table("unnest({0}, {1}) AS taken(lot_id, points)", lots, taken);
        Field<UUID> lot = DSL.field(DSL.name("taken", "lot_id"), SQLDataType.UUID);
        Field<Long> points = DSL.field(DSL.name("taken", "points"), SQLDataType.BIGINT);
        var entries = DSL.insertInto(POINTS_ENTRY, POINTS_ENTRY.CUSTOMER_ID, POINTS_ENTRY.LOT_ID, POINTS_ENTRY.KIND,
                        POINTS_ENTRY.BUCKET, POINTS_ENTRY.POINTS, POINTS_ENTRY.ORDER_ID, POINTS_ENTRY.SUB_ORDER_ID,
                        POINTS_ENTRY.ACTOR, POINTS_ENTRY.REASON, POINTS_ENTRY.OCCURRED_AT)
                .select(DSL.select(customer, lot, kind, DSL.inline(AVAILABLE), points.neg(), orderId,
                        DSL.inline(null, SQLDataType.UUID), actor, reason, now).from(takes));
        return DSL.with("spent_lots").as(DSL.update(POINTS_LOT)
                        .set(POINTS_LOT.REMAINING, POINTS_LOT.REMAINING.minus(points))
                        .from(takes).where(POINTS_LOT.ID.eq(lot))
                        .returningResult(POINTS_LOT.ID))
                .with("spent_entries").as(entries.returningResult(POINTS_ENTRY.ID));
    }

    /**
     * The lots {@link #spend} takes {@code points} from, first-expiring first (locked when {@code lock}); 409
     * {@code insufficient_points} when the customer has fewer available.
     */
    List<Take> plan(DSLContext tx, UUID customer, long points, OffsetDateTime now, boolean lock) {
        List<Take> takes = new ArrayList<>();
        long left = points;
        for (PointsLotRecord lot : spendable(tx, customer, now, lock)) {
            if (left == 0) {
                break;
            }
            long take = Math.min(left, lot.getRemaining());
            takes.add(new Take(lot.getId(), lot.getFunder(), take));
            left -= take;
        }
        if (left > 0) {
            throw ProblemException.conflict("insufficient_points", "The customer has fewer available points.")
                    .with("availablePoints", points - left);
        }
        return takes;
    }

    private List<PointsLotRecord> spendable(DSLContext tx, UUID customer, OffsetDateTime now, boolean lock) {
        var lots = tx.selectFrom(POINTS_LOT).where(POINTS_LOT.CUSTOMER_ID.eq(customer))
                .and(POINTS_LOT.STATE.eq(AVAILABLE)).and(POINTS_LOT.REMAINING.gt(0L))
                .and(POINTS_LOT.EXPIRES_AT.gt(now))
                .orderBy(POINTS_LOT.EXPIRES_AT, POINTS_LOT.ID);
        return lock ? lots.forUpdate().fetch() : lots.fetch();
    }

    /** A pending lot's points become available, to expire {@code expiresAt}. */
    void makeAvailable(DSLContext tx, PointsLotRecord lot, OffsetDateTime expiresAt, OffsetDateTime now) {
        tx.update(POINTS_LOT).set(POINTS_LOT.STATE, AVAILABLE).set(POINTS_LOT.EXPIRES_AT, expiresAt)
                .where(POINTS_LOT.ID.eq(lot.getId())).execute();
        if (lot.getRemaining() > 0) {
            entry(tx, lot.getCustomerId(), lot.getId(), "became_available", PENDING, -lot.getRemaining(),
                    lot.getOrderId(), lot.getSubOrderId(), "system", "return window closed", now);
            entry(tx, lot.getCustomerId(), lot.getId(), "became_available", AVAILABLE, lot.getRemaining(),
                    lot.getOrderId(), lot.getSubOrderId(), "system", "return window closed", now);
        }
    }

    /**
     * Takes {@code points} of a lot's earning back (its order was cancelled or returned). A pending lot loses them
     * (voided). An available lot's are clawed back: from the lot first, then from the customer's other available
     * points first-expiring first; what the customer no longer has is written off (the balance never goes below
     * zero) and returned as the shortfall, as are the points of a lot that expired meanwhile. Every point taken
     * releases its funder's liability.
     */
    long revoke(DSLContext tx, PointsLotRecord lot, long points, String cause, Parties parties, OffsetDateTime now) {
        tx.update(POINTS_LOT).set(POINTS_LOT.REVOKED, POINTS_LOT.REVOKED.plus(points))
                .where(POINTS_LOT.ID.eq(lot.getId())).execute();
        if (PENDING.equals(lot.getState())) {
            long take = Math.min(points, lot.getRemaining());
            takeFrom(tx, lot, take, "voided", PENDING, cause, cause + ":" + lot.getId(), parties, now);
            if (lot.getRevoked() + points == lot.getPoints()) {
                tx.update(POINTS_LOT).set(POINTS_LOT.STATE, VOIDED).where(POINTS_LOT.ID.eq(lot.getId())).execute();
            }
            return points - take;
        }
        if (!AVAILABLE.equals(lot.getState())) {
            return points; // expired (or voided): its points are gone already, its liability released
        }
        long left = points;
        long own = Math.min(left, lot.getRemaining());
        takeFrom(tx, lot, own, "clawed_back", AVAILABLE, cause, cause + ":" + lot.getId(), parties, now);
        left -= own;
        for (PointsLotRecord other : spendable(tx, lot.getCustomerId(), now, true)) {
            if (left == 0 || other.getId().equals(lot.getId())) {
                continue;
            }
            long take = Math.min(left, other.getRemaining());
            // Named by both lots: one cause may claw back several earned lots from the same other lot.
            takeFrom(tx, other, take, "clawed_back", AVAILABLE, cause, cause + ":" + lot.getId() + ":" + other.getId(),
                    parties, now);
            left -= take;
        }
        return left;
    }

    private void takeFrom(DSLContext tx, PointsLotRecord lot, long points, String kind, String bucket, String cause,
                          String movement, Parties parties, OffsetDateTime now) {
        if (points == 0) {
            return;
        }
        tx.update(POINTS_LOT).set(POINTS_LOT.REMAINING, POINTS_LOT.REMAINING.minus(points))
                .where(POINTS_LOT.ID.eq(lot.getId())).execute();
        entry(tx, lot.getCustomerId(), lot.getId(), kind, bucket, -points, parties.orderId(), parties.subOrderId(),
                "system", cause, now);
        UUID merchant = merchantFunder(lot.getFunder());
        DomainEvents.append(tx, MoneyMovement.pointsVoided(movement,
                new Parties(parties.orderId(), parties.subOrderId(), merchant, lot.getCustomerId()), merchant,
                money(points)));
    }

    /** The lot's remaining points lapse; its funder's liability is released. */
    void expire(DSLContext tx, PointsLotRecord lot, OffsetDateTime now) {
        tx.update(POINTS_LOT).set(POINTS_LOT.STATE, EXPIRED).set(POINTS_LOT.REMAINING, 0L)
                .where(POINTS_LOT.ID.eq(lot.getId())).execute();
        entry(tx, lot.getCustomerId(), lot.getId(), "expired", AVAILABLE, -lot.getRemaining(), lot.getOrderId(),
                lot.getSubOrderId(), "system", "expired " + lot.getExpiresAt(), now);
        UUID merchant = merchantFunder(lot.getFunder());
        DomainEvents.append(tx, MoneyMovement.pointsExpired(lot.getId().toString(),
                new Parties(lot.getOrderId(), lot.getSubOrderId(), merchant, lot.getCustomerId()), merchant,
                money(lot.getRemaining())));
    }

    /** Appends one entry of the points ledger. */
    void entry(DSLContext tx, UUID customer, UUID lot, String kind, String bucket, long points, UUID orderId,
               UUID subOrderId, String actor, String reason, OffsetDateTime now) {
        tx.insertInto(POINTS_ENTRY)
                .set(POINTS_ENTRY.CUSTOMER_ID, customer)
                .set(POINTS_ENTRY.LOT_ID, lot)
                .set(POINTS_ENTRY.KIND, kind)
                .set(POINTS_ENTRY.BUCKET, bucket)
                .set(POINTS_ENTRY.POINTS, points)
                .set(POINTS_ENTRY.ORDER_ID, orderId)
                .set(POINTS_ENTRY.SUB_ORDER_ID, subOrderId)
                .set(POINTS_ENTRY.ACTOR, actor)
                .set(POINTS_ENTRY.REASON, reason)
                .set(POINTS_ENTRY.OCCURRED_AT, now)
                .execute();
    }

    /** The customer's balance by bucket, from the entries. */
    static long balance(DSLContext db, UUID customer, String bucket) {
        // Summed as bigint in PostgreSQL (an overflow is an error there), not as jOOQ's BigDecimal of sum().
        return db.select(DSL.coalesce(DSL.sum(POINTS_ENTRY.POINTS).cast(SQLDataType.BIGINT), DSL.inline(0L)))
                .from(POINTS_ENTRY).where(POINTS_ENTRY.CUSTOMER_ID.eq(customer)).and(POINTS_ENTRY.BUCKET.eq(bucket))
                .fetchSingle().value1();
    }
}
