package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.SETTLEMENT_COMMISSION_OVERRIDE;

import dev.marketplace.schema.tables.records.SettlementCommissionRecord;
import dev.marketplace.server.platform.events.Parties;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The commission settlement charges (decision 31): decided once per sub-order, when settlement first needs it — its
 * escrow release, or a return that comes before the release — from its lines (the orders domain's), the merchant's
 * override and where the sub-order falls in the merchant's GMV of that calendar month ({@link CommissionRates}).
 */
final class Commissions {

    /**
     * The orders domain's side: the lines of those sub-orders it knows, each in line order with its base and category
     * rate (one statement for a batch's); a sub-order it does not know (movements recorded by other means) is absent
     * and charged what its accrual recorded.
     */
    @FunctionalInterface
    interface Basis {
        Map<UUID, List<CommissionRates.Line>> lines(DSLContext tx, Collection<UUID> subOrderIds);
    }

    /** A merchant's override, as the operator set it. */
    record Override(UUID merchantId, int rateBasisPoints, String setBy, OffsetDateTime setAt) {
    }

    private final CommissionRates rates;
    private final Basis basis;
    private final ZoneId monthZone;

    Commissions(CommissionRates rates, Basis basis, ZoneId monthZone) {
        this.rates = rates;
        this.basis = basis;
        this.monthZone = monthZone;
    }

    Basis basis() {
        return basis;
    }

    /**
     * In the subscriber's batch: what the sub-order is charged, decided (and its GMV counted) the first time;
     * {@code recorded} is the commission the orders domain's accrual recorded (at the category rates).
     */
    long charged(PostingBatch batch, Parties subOrder, String currency, long recorded, OffsetDateTime at) {
        Optional<SettlementCommissionRecord> decided = batch.decided(subOrder.subOrderId());
        if (decided.isPresent()) {
            return decided.get().getCharged();
        }
        Optional<List<CommissionRates.Line>> known = batch.lines(subOrder.subOrderId());
        List<CommissionRates.Line> lines = known.orElse(List.of());
        long base = lines.stream().mapToLong(CommissionRates.Line::base).reduce(0, Math::addExact);
        LocalDate month = monthOf(at);
        long gmvBefore = batch.addToGmv(new PostingBatch.MonthKey(subOrder.merchantId(), currency, month), base);
        OptionalInt override = batch.override(subOrder.merchantId());
        long charged = known.isPresent() ? rates.charge(currency, gmvBefore, lines, override) : recorded;
        SettlementCommissionRecord decision = new SettlementCommissionRecord();
        decision.setSubOrderId(subOrder.subOrderId());
        decision.setMerchantId(subOrder.merchantId());
        decision.setCurrency(currency);
        decision.setMonth(month);
        decision.setBase(base);
        decision.setGmvBefore(gmvBefore);
        decision.setCategoryCommission(known.isPresent() ? CommissionRates.atCategoryRates(lines) : recorded);
        decision.setCharged(charged);
        decision.setOverrideBasisPoints(override.isPresent() ? override.getAsInt() : null);
        decision.setChargedAt(at);
        batch.decide(decision);
        return charged;
    }

    /**
     * In the subscriber's batch: a return's commission reversal, the orders domain's figure at the category rate
     * ({@code reversedAtCategoryRate}) turned into the same share of what the sub-order was charged.
     */
    long reversal(PostingBatch batch, Parties subOrder, String currency, long recorded, long reversedAtCategoryRate,
                  OffsetDateTime at) {
        long charged = charged(batch, subOrder, currency, recorded, at);
        long category = batch.decided(subOrder.subOrderId()).orElseThrow().getCategoryCommission();
        return CommissionRates.reversal(charged, category, reversedAtCategoryRate);
    }

    Optional<Override> override(DSLContext db, UUID merchantId) {
        return db.selectFrom(SETTLEMENT_COMMISSION_OVERRIDE)
                .where(SETTLEMENT_COMMISSION_OVERRIDE.MERCHANT_ID.eq(merchantId))
                .fetchOptional(row -> new Override(row.getMerchantId(), row.getRateBasisPoints(), row.getSetBy(),
                        row.getSetAt()));
    }

    Override setOverride(DSLContext tx, UUID merchantId, int rateBasisPoints, String setBy) {
        return tx.insertInto(SETTLEMENT_COMMISSION_OVERRIDE)
                .set(SETTLEMENT_COMMISSION_OVERRIDE.MERCHANT_ID, merchantId)
                .set(SETTLEMENT_COMMISSION_OVERRIDE.RATE_BASIS_POINTS, rateBasisPoints)
                .set(SETTLEMENT_COMMISSION_OVERRIDE.SET_BY, setBy)
                .onConflict(SETTLEMENT_COMMISSION_OVERRIDE.MERCHANT_ID).doUpdate()
                .set(SETTLEMENT_COMMISSION_OVERRIDE.RATE_BASIS_POINTS, rateBasisPoints)
                .set(SETTLEMENT_COMMISSION_OVERRIDE.SET_BY, setBy)
                .set(SETTLEMENT_COMMISSION_OVERRIDE.SET_AT, DSL.currentOffsetDateTime())
                .returning()
                .fetchSingle(row -> new Override(row.getMerchantId(), row.getRateBasisPoints(), row.getSetBy(),
                        row.getSetAt()));
    }

    boolean removeOverride(DSLContext tx, UUID merchantId) {
        return tx.deleteFrom(SETTLEMENT_COMMISSION_OVERRIDE)
                .where(SETTLEMENT_COMMISSION_OVERRIDE.MERCHANT_ID.eq(merchantId)).execute() == 1;
    }

    LocalDate monthOf(OffsetDateTime at) {
        return at.atZoneSameInstant(monthZone).toLocalDate().withDayOfMonth(1);
    }
}
