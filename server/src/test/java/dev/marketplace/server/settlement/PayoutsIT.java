package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.LEDGER_TRANSACTION;
import static dev.marketplace.schema.Tables.PAYOUT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.schema.tables.records.PayoutRecord;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.settlement.TestPayoutProvider.Behaviour;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Payouts against the real ledger (events posted by the posting subscriber), with the built-in provider scripted and
 * the clock moved instead of waiting a week: the hold period, the minimum, a negative balance carried forward, a
 * decline giving the money back, lost answers and a crash before the call reconciled by the idempotency key (never
 * paid twice), a pending payout, and two nodes running at once. Each test leaves its merchants with nothing to pay.
 */
class PayoutsIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final Duration HOLD = Duration.ofDays(7);
    private static final Duration RECONCILE_AFTER = Duration.ofMinutes(5);
    private static final String JPY = "JPY";

    private final MovableClock clock = new MovableClock();
    private final TestPayoutProvider provider = new TestPayoutProvider();
    private Payouts payouts;

    @BeforeEach
    void payouts() {
        payouts = payouts(provider);
    }

    private Payouts payouts(PayoutProvider payoutProvider) {
        return new Payouts(server.db(), payoutProvider, new Payouts.Settings(HOLD, Map.of(JPY, 1000L), 100L, RECONCILE_AFTER),
                clock);
    }

    @Test
    void releasedMoneyIsPaidOnceAfterTheHoldPeriodAndTheLedgerFollowsBothPhases() {
        UUID merchant = UUID.randomUUID();
        released(merchant, 10_000, 1_000);
        long customerPayments = balance(MoneyMovement.CUSTOMER_PAYMENTS);

        payouts.run();
        assertThat(payoutsOf(merchant)).as("within the hold period").isEmpty();

        clock.advance(HOLD.plusDays(1));
        payouts.run();
        PayoutRecord payout = onlyPayoutOf(merchant);
        assertThat(payout.getAmount()).isEqualTo(9_000);
        assertThat(payout.getStatus()).isEqualTo("paid");
        payouts.run();
        assertThat(payoutsOf(merchant)).as("nothing paid while the ledger has not posted the payout").hasSize(1);

        post();
        payouts.run();
        assertThat(payoutsOf(merchant)).as("nothing left to pay").hasSize(1);
        assertThat(balance(MoneyMovement.merchantPayable(merchant))).isZero();
        assertThat(balance(MoneyMovement.PAYOUTS_CLEARING)).isZero();
        assertThat(balance(MoneyMovement.CUSTOMER_PAYMENTS)).isEqualTo(customerPayments - 9_000);
        assertThat(postedFor(merchant)).containsExactlyInAnyOrder("escrow_released", "commission_accrued",
                "payout_initiated", "payout_paid");
        assertThat(provider.timesPaid(Payouts.idempotencyKey(payout.getId()))).isEqualTo(1);
    }

    @Test
    void belowTheMinimumNothingIsPaidAndANegativeBalanceIsCarriedForward() {
        UUID merchant = UUID.randomUUID();
        released(merchant, 500, 0);
        append(MoneyMovement.adjustment(UUID.randomUUID(), merchant, Money.of(2_000, JPY), false));
        post();
        clock.advance(HOLD.plusDays(1));

        payouts.run();
        assertThat(payoutsOf(merchant)).as("500 available, then 1,500 owed by the merchant").isEmpty();

        released(merchant, 5_000, 0);
        payouts.run();
        assertThat(onlyPayoutOf(merchant).getAmount()).as("5,000 released less the 1,500 carried forward").isEqualTo(3_500);
        post();
        assertThat(balance(MoneyMovement.merchantPayable(merchant))).isZero();
    }

    @Test
    void aDeclinedPayoutGivesTheMoneyBackAndTheNextRunPaysIt() {
        UUID merchant = UUID.randomUUID();
        released(merchant, 20_000, 2_000);
        clock.advance(HOLD.plusDays(1));
        provider.next(Behaviour.DECLINE);

        payouts.run();
        PayoutRecord failed = onlyPayoutOf(merchant);
        assertThat(failed.getStatus()).isEqualTo("failed");
        assertThat(failed.getFailureCode()).isEqualTo("account_closed");
        post();
        assertThat(balance(MoneyMovement.merchantPayable(merchant))).isEqualTo(-18_000);
        assertThat(balance(MoneyMovement.PAYOUTS_CLEARING)).isZero();

        payouts.run();
        assertThat(payoutsOf(merchant)).extracting(PayoutRecord::getStatus).containsExactlyInAnyOrder("failed", "paid");
        post();
        assertThat(balance(MoneyMovement.merchantPayable(merchant))).isZero();
        assertThat(postedFor(merchant)).filteredOn(type -> type.startsWith("payout_"))
                .containsExactlyInAnyOrder("payout_initiated", "payout_failed", "payout_initiated", "payout_paid");
    }

    @Test
    void aLostAnswerIsReconciledByTheKeyAndNeverPaidTwice() {
        UUID merchant = UUID.randomUUID();
        released(merchant, 7_000, 700);
        clock.advance(HOLD.plusDays(1));
        provider.next(Behaviour.PAY_AND_LOSE_ANSWER);

        payouts.run();
        PayoutRecord payout = onlyPayoutOf(merchant);
        assertThat(payout.getStatus()).isEqualTo("initiated");
        post();
        payouts.run();
        assertThat(payoutsOf(merchant)).as("one payout in flight at a time").hasSize(1);
        payouts.reconcile();
        assertThat(onlyPayoutOf(merchant).getStatus()).as("not asked before reconcile.after").isEqualTo("initiated");

        clock.advance(RECONCILE_AFTER);
        payouts.reconcile();
        assertThat(onlyPayoutOf(merchant).getStatus()).isEqualTo("paid");
        payouts.reconcile();
        post();
        assertThat(provider.timesPaid(Payouts.idempotencyKey(payout.getId()))).isEqualTo(1);
        assertThat(balance(MoneyMovement.merchantPayable(merchant))).isZero();
        assertThat(postedFor(merchant)).filteredOn(type -> type.startsWith("payout_"))
                .containsExactlyInAnyOrder("payout_initiated", "payout_paid");
    }

    @Test
    void aPayoutTheProviderNeverReceivedIsSentAgainWithItsOwnKey() {
        UUID merchant = UUID.randomUUID();
        released(merchant, 3_000, 0);
        clock.advance(HOLD.plusDays(1));
        provider.next(Behaviour.UNREACHABLE); // as if the node died between initiating and calling

        payouts.run();
        PayoutRecord payout = onlyPayoutOf(merchant);
        assertThat(payout.getStatus()).isEqualTo("initiated");
        assertThat(provider.findByIdempotencyKey(Payouts.idempotencyKey(payout.getId()))).isEmpty();

        clock.advance(RECONCILE_AFTER);
        payouts.reconcile();
        assertThat(onlyPayoutOf(merchant).getStatus()).isEqualTo("paid");
        assertThat(provider.timesPaid(Payouts.idempotencyKey(payout.getId()))).isEqualTo(1);
        post();
        assertThat(balance(MoneyMovement.merchantPayable(merchant))).isZero();
    }

    @Test
    void aPendingPayoutSettlesWhenTheProviderSaysSo() {
        UUID merchant = UUID.randomUUID();
        released(merchant, 4_000, 400);
        clock.advance(HOLD.plusDays(1));
        provider.next(Behaviour.HOLD_PENDING);

        payouts.run();
        PayoutRecord payout = onlyPayoutOf(merchant);
        assertThat(payout.getStatus()).isEqualTo("initiated");
        assertThat(payout.getProviderPayoutId()).startsWith("test_po_");
        clock.advance(RECONCILE_AFTER);
        payouts.reconcile();
        assertThat(onlyPayoutOf(merchant).getStatus()).as("still pending at the provider").isEqualTo("initiated");

        provider.settle(Payouts.idempotencyKey(payout.getId()), true);
        clock.advance(RECONCILE_AFTER);
        payouts.reconcile();
        assertThat(onlyPayoutOf(merchant).getStatus()).isEqualTo("paid");
        post();
        assertThat(balance(MoneyMovement.merchantPayable(merchant))).isZero();
    }

    @Test
    void twoNodesRunningAtOnceInitiateOnePayoutPerMerchant() throws Exception {
        List<UUID> merchants = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        merchants.forEach(merchant -> released(merchant, 6_000, 600));
        clock.advance(HOLD.plusDays(1));
        Payouts otherNode = payouts(provider);
        CyclicBarrier together = new CyclicBarrier(2);

        try (ExecutorService nodes = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> runs = List.of(nodes.submit(() -> {
                together.await();
                return payouts.run();
            }), nodes.submit(() -> {
                together.await();
                return otherNode.run();
            }));
            for (Future<Long> run : runs) {
                run.get();
            }
        }

        for (UUID merchant : merchants) {
            PayoutRecord payout = onlyPayoutOf(merchant);
            assertThat(payout.getAmount()).isEqualTo(5_400);
            assertThat(provider.timesPaid(Payouts.idempotencyKey(payout.getId()))).isEqualTo(1);
        }
        post();
        merchants.forEach(merchant -> assertThat(balance(MoneyMovement.merchantPayable(merchant))).isZero());
    }

    // ---- helpers

    /** A sub-order paid, its commission accrued and its escrow released to the merchant, posted to the ledger. */
    private static void released(UUID merchant, long total, long commission) {
        UUID order = UUID.randomUUID();
        UUID customer = UUID.randomUUID();
        Parties subOrder = new Parties(order, UUID.randomUUID(), merchant, customer);
        server.db().transaction(tx -> {
            DomainEvents.append(tx.dsl(), MoneyMovement.paymentCaptured(UUID.randomUUID(), Parties.ofOrder(order, customer),
                    Money.of(total, JPY)));
            DomainEvents.append(tx.dsl(), MoneyMovement.commissionAccrued(subOrder, Money.of(commission, JPY)));
        });
        append(MoneyMovement.escrowReleased(subOrder, Money.of(total, JPY)));
        post();
    }

    private static void append(MoneyMovement movement) {
        server.db().transaction(tx -> DomainEvents.append(tx.dsl(), movement));
    }

    private static void post() {
        server.catchUp(SettlementModule.LEDGER_POSTING);
    }

    private static long balance(String account) {
        Long balance = server.db().select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT)
                .where(LEDGER_ACCOUNT.NAME.eq(account)).and(LEDGER_ACCOUNT.CURRENCY.eq(JPY))
                .fetchOne(LEDGER_ACCOUNT.BALANCE);
        return balance == null ? 0 : balance;
    }

    private static List<PayoutRecord> payoutsOf(UUID merchant) {
        return server.db().selectFrom(PAYOUT).where(PAYOUT.MERCHANT_ID.eq(merchant)).orderBy(PAYOUT.INITIATED_AT).fetch();
    }

    private static PayoutRecord onlyPayoutOf(UUID merchant) {
        List<PayoutRecord> payouts = payoutsOf(merchant);
        assertThat(payouts).hasSize(1);
        return payouts.getFirst();
    }

    private static List<String> postedFor(UUID merchant) {
        return server.db().select(LEDGER_TRANSACTION.EVENT_TYPE).from(LEDGER_TRANSACTION)
                .where(LEDGER_TRANSACTION.MERCHANT_ID.eq(merchant))
                .and(LEDGER_TRANSACTION.EVENT_TYPE.ne(EventType.PAYMENT_CAPTURED.wireName()))
                .fetch(LEDGER_TRANSACTION.EVENT_TYPE);
    }

    /** A clock the test moves forward instead of waiting. */
}
