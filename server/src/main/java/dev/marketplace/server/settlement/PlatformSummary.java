package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.LEDGER_ENTRY;
import static dev.marketplace.schema.Tables.LEDGER_TRANSACTION;
import static dev.marketplace.schema.Tables.SETTLEMENT_COMMISSION;

import dev.marketplace.server.platform.events.MoneyMovement;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The operator's view of a period [from, to) (decision 31), from the ledger as posted in it: per currency the GMV
 * (commission bases of sub-orders charged in the period), commission (net of reversals), plan fees, payment fees and
 * payouts paid; per account kind ({@code merchant_payable} sums every merchant's) and currency the balance at the
 * start, the movement in the period and the balance at its end.
 */
final class PlatformSummary {

    /** Payouts (issue 14's payout part) pay out of this clearing account, by {@code payout_paid} movements. */
    private static final String PAYOUTS_CLEARING = "payouts_clearing";
    private static final String PAYOUT_PAID = "payout_paid";

    /** The period's figures of one currency, in minor units. */
    record Figures(String currency, long gmv, long commission, long planFees, long paymentFees, long payouts) {
    }

    /** One kind of account in one currency: opening + movement = closing (debits positive). */
    record AccountKind(String kind, String currency, long opening, long movement, long closing) {
    }

    record Summary(OffsetDateTime from, OffsetDateTime to, List<Figures> figures, List<AccountKind> accounts) {
    }

    /** In one snapshot (the caller's REPEATABLE READ transaction). */
    Summary of(DSLContext db, OffsetDateTime from, OffsetDateTime to) {
        Field<String> kind = DSL.field("split_part({0}, ':', 1)", String.class, LEDGER_ACCOUNT.NAME).as("kind");
        Condition before = LEDGER_TRANSACTION.POSTED_AT.lt(from);
        Condition during = LEDGER_TRANSACTION.POSTED_AT.ge(from).and(LEDGER_TRANSACTION.POSTED_AT.lt(to));
        Field<Long> opening = sum(LEDGER_ENTRY.AMOUNT, before).as("opening");
        Field<Long> movement = sum(LEDGER_ENTRY.AMOUNT, during).as("movement");
        Field<Long> payouts = sum(LEDGER_ENTRY.AMOUNT, during.and(LEDGER_TRANSACTION.EVENT_TYPE.eq(PAYOUT_PAID))
                .and(LEDGER_ENTRY.AMOUNT.gt(0L))).as("payouts");
        Map<String, long[]> perCurrency = new TreeMap<>(); // gmv, commission, plan fees, payment fees, payouts
        List<AccountKind> accounts = db.select(kind, LEDGER_ACCOUNT.CURRENCY, opening, movement, payouts)
                .from(LEDGER_ENTRY)
                .join(LEDGER_TRANSACTION).on(LEDGER_TRANSACTION.ID.eq(LEDGER_ENTRY.TRANSACTION_ID))
                .join(LEDGER_ACCOUNT).on(LEDGER_ACCOUNT.ID.eq(LEDGER_ENTRY.ACCOUNT_ID))
                .where(LEDGER_TRANSACTION.POSTED_AT.lt(to))
                .groupBy(kind, LEDGER_ACCOUNT.CURRENCY)
                .orderBy(kind, LEDGER_ACCOUNT.CURRENCY)
                .fetch(row -> {
                    long[] figures = perCurrency.computeIfAbsent(row.value2(), c -> new long[5]);
                    switch (row.value1()) {
                        case MoneyMovement.PLATFORM_COMMISSION_REVENUE -> figures[1] = -row.value4();
                        case SettlementMovements.PLATFORM_FEE_REVENUE -> figures[2] = -row.value4();
                        case SettlementMovements.PAYMENT_FEES -> figures[3] = row.value4();
                        case PAYOUTS_CLEARING -> figures[4] = row.value5();
                        default -> { }
                    }
                    return new AccountKind(row.value1(), row.value2(), row.value3(), row.value4(),
                            row.value3() + row.value4());
                });
        Field<Long> gmv = DSL.sum(SETTLEMENT_COMMISSION.BASE).cast(SQLDataType.BIGINT);
        db.select(SETTLEMENT_COMMISSION.CURRENCY, gmv).from(SETTLEMENT_COMMISSION)
                .where(SETTLEMENT_COMMISSION.CHARGED_AT.ge(from)).and(SETTLEMENT_COMMISSION.CHARGED_AT.lt(to))
                .groupBy(SETTLEMENT_COMMISSION.CURRENCY)
                .forEach(row -> perCurrency.computeIfAbsent(row.value1(), c -> new long[5])[0] = row.value2());
        List<Figures> figures = perCurrency.entrySet().stream().map(e -> new Figures(e.getKey(), e.getValue()[0],
                e.getValue()[1], e.getValue()[2], e.getValue()[3], e.getValue()[4])).toList();
        return new Summary(from, to, figures, accounts);
    }

    /** Σ amount over the rows matching {@code which}, as bigint in PostgreSQL (an overflow is an error). */
    private static Field<Long> sum(Field<Long> amount, Condition which) {
        return DSL.coalesce(DSL.sum(DSL.when(which, amount)).cast(SQLDataType.BIGINT), DSL.inline(0L));
    }
}
