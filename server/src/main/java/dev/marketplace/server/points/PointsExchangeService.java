package dev.marketplace.server.points;

import static dev.marketplace.schema.Tables.POINTS_EXCHANGE_HOLD;
import static dev.marketplace.schema.Tables.POINTS_LOT;

import dev.marketplace.schema.tables.records.PointsExchangeHoldRecord;
import dev.marketplace.schema.tables.records.PointsLotRecord;
import dev.marketplace.server.platform.money.Money;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * {@link PointsExchange} on the points ledger: a hold is spent lots recorded in {@code points_exchange_hold}, so held
 * points count in no bucket and cannot expire; a release puts them back into new lots of the lots' funders and
 * expiries (an expiry already past lapses at the next expiry run, releasing its funder's liability then).
 */
final class PointsExchangeService implements PointsExchange {

    private static final String HELD = "held";
    private static final String EXCHANGED_IN = "exchanged_in";

    private final PointsSettings settings;
    private final PointsLedger ledger;
    private final Clock clock;

    PointsExchangeService(PointsSettings settings, PointsLedger ledger, Clock clock) {
        this.settings = settings;
        this.ledger = ledger;
        this.clock = clock;
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    @Override
    public Money money(long points) {
        return ledger.money(points);
    }

    @Override
    public String currency() {
        return settings.currency();
    }

    @Override
    public long available(DSLContext tx, UUID customer) {
        return PointsLedger.balance(tx, customer, PointsLedger.AVAILABLE);
    }

    @Override
    public void hold(DSLContext tx, UUID customer, UUID holdId, long points, String reason) {
        for (PointsLedger.Take take : ledger.spend(tx, customer, points, "exchange_held", null, "customer:" + customer,
                reason, now())) {
            tx.insertInto(POINTS_EXCHANGE_HOLD)
                    .set(POINTS_EXCHANGE_HOLD.HOLD_ID, holdId)
                    .set(POINTS_EXCHANGE_HOLD.LOT_ID, take.lotId())
                    .set(POINTS_EXCHANGE_HOLD.CUSTOMER_ID, customer)
                    .set(POINTS_EXCHANGE_HOLD.FUNDER, take.funder())
                    .set(POINTS_EXCHANGE_HOLD.POINTS, take.points())
                    .set(POINTS_EXCHANGE_HOLD.STATE, HELD)
                    .execute();
        }
    }

    @Override
    public List<Share> post(DSLContext tx, UUID holdId) {
        Map<String, Long> byFunder = new LinkedHashMap<>();
        for (PointsExchangeHoldRecord held : held(tx, holdId)) {
            byFunder.merge(held.getFunder(), held.getPoints(), Math::addExact);
        }
        settle(tx, holdId, "posted");
        return byFunder.entrySet().stream()
                .map(share -> new Share(PointsLedger.merchantFunder(share.getKey()), share.getValue())).toList();
    }

    @Override
    public void release(DSLContext tx, UUID holdId, String reason) {
        OffsetDateTime now = now();
        for (PointsExchangeHoldRecord held : held(tx, holdId)) {
            PointsLotRecord source = tx.selectFrom(POINTS_LOT).where(POINTS_LOT.ID.eq(held.getLotId())).fetchSingle();
            UUID lot = UUID.randomUUID();
            tx.insertInto(POINTS_LOT)
                    .set(POINTS_LOT.ID, lot)
                    .set(POINTS_LOT.CUSTOMER_ID, held.getCustomerId())
                    .set(POINTS_LOT.FUNDER, held.getFunder())
                    .set(POINTS_LOT.RULE, "exchange_released")
                    .set(POINTS_LOT.POINTS, held.getPoints())
                    .set(POINTS_LOT.REMAINING, held.getPoints())
                    .set(POINTS_LOT.STATE, PointsLedger.AVAILABLE)
                    .set(POINTS_LOT.EARNED_AT, now)
                    .set(POINTS_LOT.EXPIRES_AT, source.getExpiresAt())
                    .execute();
            ledger.entry(tx, held.getCustomerId(), lot, "exchange_released", PointsLedger.AVAILABLE, held.getPoints(),
                    null, null, "system", reason, now);
        }
        settle(tx, holdId, "released");
    }

    /** The hold's rows still held, locked; none once it was posted or released (a repeated call changes nothing). */
    private static List<PointsExchangeHoldRecord> held(DSLContext tx, UUID holdId) {
        return tx.selectFrom(POINTS_EXCHANGE_HOLD).where(POINTS_EXCHANGE_HOLD.HOLD_ID.eq(holdId))
                .and(POINTS_EXCHANGE_HOLD.STATE.eq(HELD)).orderBy(POINTS_EXCHANGE_HOLD.LOT_ID).forUpdate().fetch();
    }

    private static void settle(DSLContext tx, UUID holdId, String state) {
        tx.update(POINTS_EXCHANGE_HOLD).set(POINTS_EXCHANGE_HOLD.STATE, state)
                .where(POINTS_EXCHANGE_HOLD.HOLD_ID.eq(holdId)).and(POINTS_EXCHANGE_HOLD.STATE.eq(HELD)).execute();
    }

    @Override
    public void credit(DSLContext tx, UUID customer, UUID lotId, long points, String rule, String reason) {
        OffsetDateTime now = now();
        tx.insertInto(POINTS_LOT)
                .set(POINTS_LOT.ID, lotId)
                .set(POINTS_LOT.CUSTOMER_ID, customer)
                .set(POINTS_LOT.FUNDER, PointsLedger.PLATFORM)
                .set(POINTS_LOT.RULE, rule)
                .set(POINTS_LOT.POINTS, points)
                .set(POINTS_LOT.REMAINING, points)
                .set(POINTS_LOT.STATE, PointsLedger.AVAILABLE)
                .set(POINTS_LOT.EARNED_AT, now)
                .set(POINTS_LOT.EXPIRES_AT, now.plus(settings.validity()))
                .execute();
        ledger.entry(tx, customer, lotId, EXCHANGED_IN, PointsLedger.AVAILABLE, points, null, null, "system", reason,
                now);
    }

    @Override
    public boolean takeBack(DSLContext tx, UUID lotId, String reason) {
        PointsLotRecord lot = tx.selectFrom(POINTS_LOT).where(POINTS_LOT.ID.eq(lotId)).forUpdate().fetchSingle();
        if (!PointsLedger.AVAILABLE.equals(lot.getState()) || !lot.getRemaining().equals(lot.getPoints())
                || !lot.getExpiresAt().isAfter(now())) {
            return false;
        }
        tx.update(POINTS_LOT).set(POINTS_LOT.REMAINING, 0L).set(POINTS_LOT.STATE, PointsLedger.VOIDED)
                .where(POINTS_LOT.ID.eq(lotId)).execute();
        ledger.entry(tx, lot.getCustomerId(), lotId, "exchange_reversed", PointsLedger.AVAILABLE, -lot.getPoints(),
                null, null, "system", reason, now());
        return true;
    }
}
