package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.LEDGER_PENDING_COMMISSION;
import static dev.marketplace.schema.Tables.SETTLEMENT_DEPOSIT;
import static dev.marketplace.schema.Tables.SETTLEMENT_DEPOSIT_REFUND;
import static dev.marketplace.schema.Tables.SETTLEMENT_RESERVE_HOLD;

import dev.marketplace.schema.tables.records.SettlementReserveHoldRecord;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.events.StoredEvent;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * A merchant's reserve, {@code merchant_reserve:{merchant}} (decision 31): the admission deposit the operator
 * records, and the rolling reserve — a share of each escrow release held for some days, then given back to the
 * payable by a job. Both are withheld from what the merchant is owed.
 */
final class Reserves {

    static final String RELEASE_JOB = "settlement.reserve-release";
    private static final int BATCH = 100;

    /** The rolling reserve: this share of each release (0: none), held this long. */
    record Rolling(int shareBasisPoints, Duration holdFor) {
    }

    /** A deposit as recorded; {@code recorded} false when the reference had been recorded before. */
    record Deposit(UUID id, UUID merchantId, String reference, Money amount, String recordedBy,
                   OffsetDateTime recordedAt, boolean recorded) {
    }

    private final Rolling rolling;
    private final Clock clock;

    Reserves(Rolling rolling, Clock clock) {
        this.rolling = rolling;
        this.clock = clock;
    }

    /** In the subscriber's batch, on an escrow release: holds the rolling reserve's share of it. */
    void holdShareOf(PostingBatch batch, StoredEvent released, MoneyMovement release) {
        Money share = release.amount().timesBasisPoints(rolling.shareBasisPoints(), RoundingMode.HALF_EVEN);
        if (share.amount() == 0) {
            return;
        }
        Parties subOrder = release.parties();
        SettlementReserveHoldRecord hold = new SettlementReserveHoldRecord();
        hold.setSubOrderId(subOrder.subOrderId());
        hold.setMerchantId(subOrder.merchantId());
        hold.setCurrency(share.currency());
        hold.setAmount(share.amount());
        hold.setReleaseDue(released.occurredAt().plus(rolling.holdFor()));
        batch.holdReserve(hold, SettlementMovements.reserveHeld(subOrder, share));
    }

    /**
     * The job: gives back every held share that is due, a batch per transaction; safe on every node at once (SKIP
     * LOCKED, and each release's idempotency id). Returns how many were released.
     */
    int releaseDue(DSLContext dsl) {
        int released = 0;
        while (true) {
            int batch = dsl.transactionResult(tx -> {
                OffsetDateTime now = OffsetDateTime.now(clock);
                var due = tx.dsl().selectFrom(SETTLEMENT_RESERVE_HOLD)
                        .where(SETTLEMENT_RESERVE_HOLD.RELEASED_AT.isNull())
                        .and(SETTLEMENT_RESERVE_HOLD.RELEASE_DUE.le(now))
                        .orderBy(SETTLEMENT_RESERVE_HOLD.RELEASE_DUE).limit(BATCH)
                        .forUpdate().skipLocked().fetch();
                for (var hold : due) {
                    tx.dsl().update(SETTLEMENT_RESERVE_HOLD).set(SETTLEMENT_RESERVE_HOLD.RELEASED_AT, now)
                            .where(SETTLEMENT_RESERVE_HOLD.SUB_ORDER_ID.eq(hold.getSubOrderId())).execute();
                    DomainEvents.append(tx.dsl(), SettlementMovements.reserveReleased(
                            new Parties(null, hold.getSubOrderId(), hold.getMerchantId(), null),
                            Money.of(hold.getAmount(), hold.getCurrency())));
                }
                return due.size();
            });
            released += batch;
            if (batch < BATCH) {
                return released;
            }
        }
    }

    /**
     * In the caller's transaction: records the deposit once per merchant and reference; a repeat answers the first
     * record ({@code recorded} false), whatever amount it names.
     */
    Deposit recordDeposit(DSLContext tx, UUID merchantId, String reference, Money amount, String recordedBy) {
        Optional<Deposit> inserted = tx.insertInto(SETTLEMENT_DEPOSIT)
                .set(SETTLEMENT_DEPOSIT.ID, UUID.randomUUID())
                .set(SETTLEMENT_DEPOSIT.MERCHANT_ID, merchantId)
                .set(SETTLEMENT_DEPOSIT.REFERENCE, reference)
                .set(SETTLEMENT_DEPOSIT.AMOUNT, amount.amount())
                .set(SETTLEMENT_DEPOSIT.CURRENCY, amount.currency())
                .set(SETTLEMENT_DEPOSIT.RECORDED_BY, recordedBy)
                .onConflict(SETTLEMENT_DEPOSIT.MERCHANT_ID, SETTLEMENT_DEPOSIT.REFERENCE).doNothing()
                .returning()
                .fetchOptional(row -> deposit(row, true));
        if (inserted.isPresent()) {
            DomainEvents.append(tx, SettlementMovements.depositRecorded(merchantId, reference, amount));
            return inserted.get();
        }
        return tx.selectFrom(SETTLEMENT_DEPOSIT).where(SETTLEMENT_DEPOSIT.MERCHANT_ID.eq(merchantId))
                .and(SETTLEMENT_DEPOSIT.REFERENCE.eq(reference)).fetchSingle(row -> deposit(row, false));
    }

    /** A deposit given back; {@code refunded} false when the reference had been given back before. */
    record DepositRefund(UUID id, UUID merchantId, String reference, Money amount, String reason, String refundedBy,
                         OffsetDateTime refundedAt, boolean refunded) {
    }

    /**
     * In the caller's transaction: gives {@code amount} of the merchant's deposit back, once per reference (a repeat
     * answers the first record). 409 beyond the deposit held in that currency, or while a sub-order of the merchant
     * still has its commission held (its escrow not released: refunds and returns may still come).
     */
    DepositRefund refundDeposit(DSLContext tx, UUID merchantId, String reference, Money amount, String reason,
                                String refundedBy) {
        // One refund of the merchant's deposits at a time: the deposits' rows are the lock.
        tx.select(SETTLEMENT_DEPOSIT.ID).from(SETTLEMENT_DEPOSIT).where(SETTLEMENT_DEPOSIT.MERCHANT_ID.eq(merchantId))
                .forUpdate().fetch();
        Optional<DepositRefund> before = tx.selectFrom(SETTLEMENT_DEPOSIT_REFUND)
                .where(SETTLEMENT_DEPOSIT_REFUND.MERCHANT_ID.eq(merchantId))
                .and(SETTLEMENT_DEPOSIT_REFUND.REFERENCE.eq(reference)).fetchOptional(row -> depositRefund(row, false));
        if (before.isPresent()) {
            return before.get();
        }
        if (tx.fetchExists(LEDGER_PENDING_COMMISSION, LEDGER_PENDING_COMMISSION.MERCHANT_ID.eq(merchantId)
                .and(LEDGER_PENDING_COMMISSION.STATE.eq("pending")))) {
            throw ProblemException.conflict("merchant_has_open_sub_orders",
                    "The merchant has sub-orders whose escrow is not released yet; the deposit covers their refunds.");
        }
        long recorded = sum(tx, SETTLEMENT_DEPOSIT, SETTLEMENT_DEPOSIT.AMOUNT, SETTLEMENT_DEPOSIT.MERCHANT_ID
                .eq(merchantId).and(SETTLEMENT_DEPOSIT.CURRENCY.eq(amount.currency())));
        long givenBack = sum(tx, SETTLEMENT_DEPOSIT_REFUND, SETTLEMENT_DEPOSIT_REFUND.AMOUNT,
                SETTLEMENT_DEPOSIT_REFUND.MERCHANT_ID.eq(merchantId)
                        .and(SETTLEMENT_DEPOSIT_REFUND.CURRENCY.eq(amount.currency())));
        if (amount.amount() > recorded - givenBack) {
            throw ProblemException.conflict("deposit_insufficient", "The deposit holds " + (recorded - givenBack)
                    + " " + amount.currency() + " (minor units).");
        }
        DepositRefund refund = tx.insertInto(SETTLEMENT_DEPOSIT_REFUND)
                .set(SETTLEMENT_DEPOSIT_REFUND.ID, UUID.randomUUID())
                .set(SETTLEMENT_DEPOSIT_REFUND.MERCHANT_ID, merchantId)
                .set(SETTLEMENT_DEPOSIT_REFUND.REFERENCE, reference)
                .set(SETTLEMENT_DEPOSIT_REFUND.AMOUNT, amount.amount())
                .set(SETTLEMENT_DEPOSIT_REFUND.CURRENCY, amount.currency())
                .set(SETTLEMENT_DEPOSIT_REFUND.REASON, reason)
                .set(SETTLEMENT_DEPOSIT_REFUND.REFUNDED_BY, refundedBy)
                .returning().fetchSingle(row -> depositRefund(row, true));
        DomainEvents.append(tx, SettlementMovements.depositRefunded(merchantId, reference, amount));
        return refund;
    }

    private static long sum(DSLContext tx, org.jooq.Table<?> table, org.jooq.Field<Long> amount,
                            org.jooq.Condition where) {
        return tx.select(DSL.coalesce(DSL.sum(amount).cast(SQLDataType.BIGINT), 0L))
                .from(table).where(where).fetchSingle().value1();
    }

    private static DepositRefund depositRefund(dev.marketplace.schema.tables.records.SettlementDepositRefundRecord row,
                                               boolean refunded) {
        return new DepositRefund(row.getId(), row.getMerchantId(), row.getReference(),
                Money.of(row.getAmount(), row.getCurrency()), row.getReason(), row.getRefundedBy(),
                row.getRefundedAt(), refunded);
    }

    private static Deposit deposit(dev.marketplace.schema.tables.records.SettlementDepositRecord row, boolean recorded) {
        return new Deposit(row.getId(), row.getMerchantId(), row.getReference(),
                Money.of(row.getAmount(), row.getCurrency()), row.getRecordedBy(), row.getRecordedAt(), recorded);
    }
}
