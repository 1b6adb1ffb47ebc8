package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.SETTLEMENT_DEPOSIT;
import static dev.marketplace.schema.Tables.SETTLEMENT_RESERVE_HOLD;

import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.events.StoredEvent;
import dev.marketplace.server.platform.money.Money;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

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

    /** In the subscriber's transaction, on an escrow release: holds the rolling reserve's share of it. */
    void holdShareOf(DSLContext tx, StoredEvent released, MoneyMovement release) {
        Money share = release.amount().timesBasisPoints(rolling.shareBasisPoints(), RoundingMode.HALF_EVEN);
        if (share.amount() == 0) {
            return;
        }
        Parties subOrder = release.parties();
        int held = tx.insertInto(SETTLEMENT_RESERVE_HOLD)
                .set(SETTLEMENT_RESERVE_HOLD.SUB_ORDER_ID, subOrder.subOrderId())
                .set(SETTLEMENT_RESERVE_HOLD.MERCHANT_ID, subOrder.merchantId())
                .set(SETTLEMENT_RESERVE_HOLD.CURRENCY, share.currency())
                .set(SETTLEMENT_RESERVE_HOLD.AMOUNT, share.amount())
                .set(SETTLEMENT_RESERVE_HOLD.RELEASE_DUE, released.occurredAt().plus(rolling.holdFor()))
                .onConflict(SETTLEMENT_RESERVE_HOLD.SUB_ORDER_ID).doNothing()
                .execute();
        if (held == 1) {
            DomainEvents.append(tx, SettlementMovements.reserveHeld(subOrder, share));
        }
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

    private static Deposit deposit(dev.marketplace.schema.tables.records.SettlementDepositRecord row, boolean recorded) {
        return new Deposit(row.getId(), row.getMerchantId(), row.getReference(),
                Money.of(row.getAmount(), row.getCurrency()), row.getRecordedBy(), row.getRecordedAt(), recorded);
    }
}
