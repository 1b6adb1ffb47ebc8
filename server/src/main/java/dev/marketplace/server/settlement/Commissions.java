package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.SETTLEMENT_COMMISSION;
import static dev.marketplace.schema.Tables.SETTLEMENT_COMMISSION_OVERRIDE;
import static dev.marketplace.schema.Tables.SETTLEMENT_MERCHANT_GMV;

import dev.marketplace.server.platform.events.Parties;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
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
     * The orders domain's side: a sub-order's lines in line order, each with its base and category rate; empty for a
     * sub-order it does not know (movements recorded by other means), which is charged what its accrual recorded.
     */
    @FunctionalInterface
    interface Basis {
        Optional<List<CommissionRates.Line>> lines(DSLContext tx, UUID subOrderId);
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

    /**
     * In the subscriber's transaction: what the sub-order is charged, decided (and its GMV counted) the first time;
     * {@code recorded} is the commission the orders domain's accrual recorded (at the category rates).
     */
    long charged(DSLContext tx, Parties subOrder, String currency, long recorded, OffsetDateTime at) {
        Optional<Long> decided = tx.select(SETTLEMENT_COMMISSION.CHARGED).from(SETTLEMENT_COMMISSION)
                .where(SETTLEMENT_COMMISSION.SUB_ORDER_ID.eq(subOrder.subOrderId()))
                .fetchOptional(SETTLEMENT_COMMISSION.CHARGED);
        if (decided.isPresent()) {
            return decided.get();
        }
        Optional<List<CommissionRates.Line>> known = basis.lines(tx, subOrder.subOrderId());
        List<CommissionRates.Line> lines = known.orElse(List.of());
        long base = lines.stream().mapToLong(CommissionRates.Line::base).reduce(0, Math::addExact);
        LocalDate month = monthOf(at);
        long gmvAfter = tx.insertInto(SETTLEMENT_MERCHANT_GMV)
                .set(SETTLEMENT_MERCHANT_GMV.MERCHANT_ID, subOrder.merchantId())
                .set(SETTLEMENT_MERCHANT_GMV.CURRENCY, currency)
                .set(SETTLEMENT_MERCHANT_GMV.MONTH, month)
                .set(SETTLEMENT_MERCHANT_GMV.GMV, base)
                .onConflict(SETTLEMENT_MERCHANT_GMV.MERCHANT_ID, SETTLEMENT_MERCHANT_GMV.CURRENCY,
                        SETTLEMENT_MERCHANT_GMV.MONTH)
                .doUpdate().set(SETTLEMENT_MERCHANT_GMV.GMV, SETTLEMENT_MERCHANT_GMV.GMV.plus(base))
                .returning(SETTLEMENT_MERCHANT_GMV.GMV).fetchSingle().getGmv();
        long gmvBefore = gmvAfter - base;
        OptionalInt override = override(tx, subOrder.merchantId())
                .map(o -> OptionalInt.of(o.rateBasisPoints())).orElse(OptionalInt.empty());
        long charged = known.isPresent() ? rates.charge(currency, gmvBefore, lines, override) : recorded;
        tx.insertInto(SETTLEMENT_COMMISSION)
                .set(SETTLEMENT_COMMISSION.SUB_ORDER_ID, subOrder.subOrderId())
                .set(SETTLEMENT_COMMISSION.MERCHANT_ID, subOrder.merchantId())
                .set(SETTLEMENT_COMMISSION.CURRENCY, currency)
                .set(SETTLEMENT_COMMISSION.MONTH, month)
                .set(SETTLEMENT_COMMISSION.BASE, base)
                .set(SETTLEMENT_COMMISSION.GMV_BEFORE, gmvBefore)
                .set(SETTLEMENT_COMMISSION.CATEGORY_COMMISSION, known.isPresent() ? CommissionRates.atCategoryRates(lines) : recorded)
                .set(SETTLEMENT_COMMISSION.CHARGED, charged)
                .set(SETTLEMENT_COMMISSION.OVERRIDE_BASIS_POINTS, override.isPresent() ? override.getAsInt() : null)
                .set(SETTLEMENT_COMMISSION.CHARGED_AT, at)
                .execute();
        return charged;
    }

    /**
     * In the subscriber's transaction: a return's commission reversal, the orders domain's figure at the category
     * rate ({@code reversedAtCategoryRate}) turned into the same share of what the sub-order was charged.
     */
    long reversal(DSLContext tx, Parties subOrder, String currency, long recorded, long reversedAtCategoryRate,
                  OffsetDateTime at) {
        long charged = charged(tx, subOrder, currency, recorded, at);
        long category = tx.select(SETTLEMENT_COMMISSION.CATEGORY_COMMISSION).from(SETTLEMENT_COMMISSION)
                .where(SETTLEMENT_COMMISSION.SUB_ORDER_ID.eq(subOrder.subOrderId())).fetchSingle().value1();
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
