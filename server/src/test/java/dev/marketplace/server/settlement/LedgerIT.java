package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.LEDGER_REFERENCE;
import static dev.marketplace.schema.Tables.LEDGER_TRANSACTION;
import static dev.marketplace.schema.Tables.PARKED_EVENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.persistence.DatabaseSettings;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.SubscriberBacklog;
import dev.marketplace.server.testing.TestDatabases;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.Metrics;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ledger on a real database: PostgreSQL itself refuses an unbalanced or altered transaction, and a seeded storm
 * of orders' money events — written concurrently the way the orders and payments domains write them — is posted
 * exactly once by two nodes, one killed mid-way, then replayed from the start, and every figure checks out.
 */
class LedgerIT {

    private static final long SEED = 20261205L;
    private static final List<String> CURRENCIES = List.of("JPY", "USD");
    /** Settlement's own movements in the storm (decision 31): a payment fee on each capture, a reserve on each release. */
    private static final int PAYMENT_FEE_BASIS_POINTS = 250;
    private static final int RESERVE_BASIS_POINTS = 500;

    private final String url = TestDatabases.newDatabase();
    private final List<Node> nodes = new ArrayList<>();
    private final Database writer = database();
    /** The orders domain's side for the storm's sub-orders: one line each, its base the total, at its rate. */
    private final Map<UUID, CommissionRates.Line> lines = new ConcurrentHashMap<>();

    private record Node(Database database, Jobs jobs) {

        void kill() {
            jobs.close();
            database.close();
        }

        void catchUp() {
            jobs.runNow(EventSubscribers.jobName(SettlementModule.LEDGER_POSTING));
        }
    }

    @AfterEach
    void close() {
        nodes.forEach(Node::kill);
        writer.close();
    }

    @Test
    void theDatabaseRefusesAnUnbalancedTransaction() {
        DSLContext db = writer.dsl();
        long escrow = account(db, "escrow", "JPY");
        long payments = account(db, "customer_payments", "JPY");
        long usdEscrow = account(db, "escrow", "USD");

        assertThatThrownBy(() -> db.transaction(tx -> {
            long id = transaction(tx.dsl());
            entry(tx.dsl(), id, payments, "JPY", 1000);
            entry(tx.dsl(), id, escrow, "JPY", -999);
        })).isInstanceOf(DataAccessException.class).hasStackTraceContaining("does not balance: JPY 1");
        assertThatThrownBy(() -> db.transaction(tx -> {
            long id = transaction(tx.dsl());
            entry(tx.dsl(), id, payments, "JPY", 1000);
            entry(tx.dsl(), id, usdEscrow, "USD", -1000);
        })).as("balanced in sum, not per currency").hasStackTraceContaining("does not balance");
        assertThatThrownBy(() -> db.transaction(tx -> transaction(tx.dsl())))
                .hasStackTraceContaining("fewer than two entries");
        assertThatThrownBy(() -> db.transaction(tx -> {
            long id = transaction(tx.dsl());
            entry(tx.dsl(), id, payments, "USD", 1000);
        })).as("an entry in another currency than its account's").isInstanceOf(DataAccessException.class);
        assertThat(db.fetchCount(LEDGER_TRANSACTION)).isZero();

        long posted = db.transactionResult(tx -> {
            long id = transaction(tx.dsl());
            entry(tx.dsl(), id, payments, "JPY", 1000);
            entry(tx.dsl(), id, escrow, "JPY", -1000);
            return id;
        });
        assertThatThrownBy(() -> db.transaction(tx -> entry(tx.dsl(), posted, payments, "JPY", 5)))
                .as("a committed transaction gains no entries").hasStackTraceContaining("another database transaction");
        assertThatThrownBy(() -> db.execute("UPDATE ledger_entry SET amount = amount * 2"))
                .hasStackTraceContaining("immutable");
        assertThatThrownBy(() -> db.execute("DELETE FROM ledger_transaction")).hasStackTraceContaining("immutable");
        assertThatThrownBy(() -> db.execute("TRUNCATE ledger_entry CASCADE")).hasStackTraceContaining("immutable");

        Ledger.Reconciliation reconciliation = new Ledger().reconcile(db);
        assertThat(reconciliation.reconciled()).isTrue();
        assertThat(db.select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.ID.eq(payments))
                .fetchSingle().value1()).as("the running balance moved with the entry").isEqualTo(1000);

        db.execute("UPDATE ledger_account SET balance = balance + 1 WHERE id = ?", escrow);
        assertThat(new Ledger().reconcile(db).discrepancies()).as("a balance changed behind the entries' back")
                .containsExactly(new Ledger.Discrepancy("escrow", "JPY", -999, -1000));
    }

    /** A sub-order of the storm and what happens to it; amounts in the order's currency. */
    private static final class SubOrder {
        final UUID id = UUID.randomUUID();
        final UUID merchant;
        final long total;
        final long commission;
        /** Rejected or cancelled before shipment: commission reversed, total refunded from escrow. */
        boolean cancelled;
        boolean released;
        long returnRefunds;
        long returnCommission;

        SubOrder(UUID merchant, long total, long commission) {
            this.merchant = merchant;
            this.total = total;
            this.commission = commission;
        }
    }

    private record Order(UUID id, UUID customer, String currency, List<SubOrder> subOrders,
                         List<List<MoneyMovement>> transactions) {
    }

    /** A merchant's payout in a currency and how it ends (decision 32); {@code amount} leaves the payable. */
    private record Payout(UUID merchant, String currency, long amount, PayoutEnd end) {
    }

    private enum PayoutEnd { PAID, FAILED, TIMED_OUT }

    /** A monthly plan fee charged to a merchant in a currency (decision 31). */
    private record PlanFee(UUID merchant, YearMonth month, Money fee) {
    }

    @Test
    void aStormOfOrdersPayoutsAndPlanFeesPostsEveryMovementOnceOnTwoNodesOneKilledMidBatchAndReplayed()
            throws Exception {
        Random random = new Random(SEED);
        List<UUID> merchants = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(),
                UUID.randomUUID());
        List<Order> orders = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            orders.add(order(random, merchants, lines));
        }
        List<Payout> payouts = new ArrayList<>();
        List<PlanFee> planFees = new ArrayList<>();
        List<List<List<MoneyMovement>>> sequences = new ArrayList<>();
        orders.forEach(order -> sequences.add(order.transactions()));
        for (UUID merchant : merchants) {
            // One plan fee a merchant and month, in its plan's currency: some merchants' in JPY, others' in USD.
            String planCurrency = CURRENCIES.get(merchants.indexOf(merchant) % CURRENCIES.size());
            for (YearMonth month : List.of(YearMonth.of(2026, 11), YearMonth.of(2026, 12))) {
                PlanFee fee = new PlanFee(merchant, month,
                        Money.of(planCurrency.equals("JPY") ? 50_000 : 500, planCurrency));
                planFees.add(fee);
                MoneyMovement charged = SettlementMovements.planFeeCharged(merchant, month, fee.fee());
                sequences.add(List.of(List.of(charged), List.of(charged))); // the job on two nodes: once
            }
            for (String currency : CURRENCIES) {
                for (int p = 0; p < 6; p++) {
                    Payout payout = new Payout(merchant, currency, 1_000 + random.nextInt(50_000),
                            PayoutEnd.values()[random.nextInt(PayoutEnd.values().length)]);
                    payouts.add(payout);
                    sequences.add(payoutTransactions(payout));
                }
            }
        }
        Collections.shuffle(sequences, random);

        AtomicBoolean killArmed = new AtomicBoolean();
        AtomicBoolean killedMidBatch = new AtomicBoolean();
        Node first = node(Duration.ofMillis(20), killArmed, killedMidBatch);
        List<Future<?>> writing = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            int share = (sequences.size() + 3) / 4;
            for (int w = 0; w < 4; w++) {
                List<List<List<MoneyMovement>>> mine = sequences.subList(Math.min(sequences.size(), w * share),
                        Math.min(sequences.size(), (w + 1) * share));
                Random interleaving = new Random(SEED + w);
                writing.add(threads.submit(() -> write(mine, interleaving)));
            }
            Await.until(Duration.ofSeconds(60), "the first node posts", () -> postings() > 100);
            Node second = node(Duration.ofMillis(20), new AtomicBoolean(), new AtomicBoolean());
            Await.until(Duration.ofSeconds(60), "more is posted", () -> postings() > 600);
            // Killed at a chosen point: its next batch is posted, then its connection dies before the cursor moves.
            killArmed.set(true);
            Await.until(Duration.ofSeconds(60), "the first node dies mid-batch", killedMidBatch::get);
            first.kill();
            nodes.remove(first);
            for (Future<?> done : writing) {
                done.get();
            }
            Await.until(Duration.ofSeconds(90), "the second node catches up", () -> {
                second.catchUp();
                return caughtUp();
            });
            long transactions = postings();
            Map<String, Long> balances = balances();

            writer.dsl().execute("UPDATE event_subscription SET position = 0 WHERE name = ?", SettlementModule.LEDGER_POSTING);
            Await.until(Duration.ofSeconds(90), "the replay from the first event ends", () -> {
                second.catchUp();
                return caughtUp();
            });
            assertThat(postings()).as("a replay posts nothing").isEqualTo(transactions);
            assertThat(balances()).isEqualTo(balances);
        }

        Ledger.Reconciliation reconciliation = new Ledger().reconcile(writer.dsl());
        assertThat(reconciliation.discrepancies()).as("balance = Σ entries").isEmpty();
        assertThat(reconciliation.unbalanced()).as("every transaction balances per currency").isEmpty();
        assertThat(writer.dsl().fetchCount(PARKED_EVENT)).as("nothing parked").isZero();
        assertThat(writer.dsl().fetchCount(LEDGER_REFERENCE)).as("every money event handled once")
                .isEqualTo(writer.dsl().fetchCount(DOMAIN_EVENT, DOMAIN_EVENT.TYPE.in(moneyMovementTypes())));
        assertThat(postings()).as("each movement posted once")
                .isEqualTo(expectedPostings(orders) + planFees.size() + payouts.stream()
                        .mapToLong(payout -> payout.end() == PayoutEnd.TIMED_OUT ? 1 : 2).sum());
        Map<String, Long> expected = expectedBalances(orders);
        planFees.forEach(fee -> {
            String c = " " + fee.fee().currency();
            expected.merge("merchant_payable:" + fee.merchant() + c, fee.fee().amount(), Long::sum);
            expected.merge("platform_fee_revenue" + c, -fee.fee().amount(), Long::sum);
        });
        payouts.forEach(payout -> {
            String c = " " + payout.currency();
            expected.merge("merchant_payable:" + payout.merchant() + c, payout.amount(), Long::sum);
            switch (payout.end()) {
                case PAID -> expected.merge("customer_payments" + c, -payout.amount(), Long::sum);
                case FAILED -> expected.merge("merchant_payable:" + payout.merchant() + c, -payout.amount(), Long::sum);
                case TIMED_OUT -> expected.merge("payouts_clearing" + c, -payout.amount(), Long::sum);
            }
        });
        expected.values().removeIf(balance -> balance == 0);
        assertThat(balances()).isEqualTo(expected);
    }

    /** As {@code Payouts} records them: initiated; then paid or failed, or no answer yet (still in clearing). */
    private static List<List<MoneyMovement>> payoutTransactions(Payout payout) {
        UUID id = UUID.randomUUID();
        Money amount = Money.of(payout.amount(), payout.currency());
        List<List<MoneyMovement>> transactions = new ArrayList<>();
        transactions.add(List.of(MoneyMovement.payoutInitiated(id, payout.merchant(), amount)));
        switch (payout.end()) {
            case PAID -> transactions.add(List.of(MoneyMovement.payoutPaid(id, payout.merchant(), amount)));
            case FAILED -> transactions.add(List.of(MoneyMovement.payoutFailed(id, payout.merchant(), amount)));
            case TIMED_OUT -> { }
        }
        return transactions;
    }

    private static List<String> moneyMovementTypes() {
        return Arrays.stream(EventType.values()).filter(EventType::isMoneyMovement).map(EventType::wireName).toList();
    }

    /** An order paid in one currency, split over one to three merchants, and each sub-order's fate. */
    private static Order order(Random random, List<UUID> merchants, Map<UUID, CommissionRates.Line> lines) {
        UUID orderId = UUID.randomUUID();
        UUID customer = UUID.randomUUID();
        String currency = CURRENCIES.get(random.nextInt(CURRENCIES.size()));
        List<UUID> sellers = new ArrayList<>(merchants);
        Collections.shuffle(sellers, random);
        List<SubOrder> subOrders = new ArrayList<>();
        for (UUID merchant : sellers.subList(0, 1 + random.nextInt(3))) {
            long total = 100 + random.nextInt(200_000);
            int basisPoints = random.nextInt(4) == 0 ? 0 : 800 + random.nextInt(701);
            SubOrder subOrder = new SubOrder(merchant, total,
                    Money.of(total, currency).timesBasisPoints(basisPoints, RoundingMode.HALF_EVEN).amount());
            lines.put(subOrder.id, new CommissionRates.Line(total, basisPoints));
            subOrders.add(subOrder);
        }
        Money paid = Money.of(subOrders.stream().mapToLong(s -> s.total).sum(), currency);
        UUID paymentId = UUID.randomUUID();
        Parties orderParties = Parties.ofOrder(orderId, customer);
        List<List<MoneyMovement>> transactions = new ArrayList<>();
        // As OrderService.markPaid records it.
        List<MoneyMovement> payment = new ArrayList<>(List.of(MoneyMovement.paymentAuthorized(paymentId, orderParties, paid),
                MoneyMovement.paymentCaptured(paymentId, orderParties, paid)));
        subOrders.forEach(s -> payment.add(MoneyMovement.commissionAccrued(parties(orderId, s, customer),
                Money.of(s.commission, currency))));
        transactions.add(payment);
        for (SubOrder s : subOrders) {
            Parties parties = parties(orderId, s, customer);
            int fate = random.nextInt(100);
            if (fate < 20) { // rejected or cancelled: as FulfilmentService.reverseRefundAndRestock, then the provider
                s.cancelled = true;
                transactions.add(List.of(MoneyMovement.commissionReversed(s.id.toString(), parties,
                        Money.of(s.commission, currency))));
                transactions.add(List.of(MoneyMovement.paymentRefunded(UUID.randomUUID(), parties, Money.of(s.total, currency))));
                continue;
            }
            if (fate < 30) {
                continue; // paid, not yet delivered: commission still held
            }
            s.released = true;
            boolean returned = fate >= 65;
            boolean returnedBeforeRelease = fate >= 90; // shipped, returned, released N days after shipment
            if (!returnedBeforeRelease) {
                transactions.add(List.of(MoneyMovement.escrowReleased(parties, Money.of(s.total, currency))));
            }
            if (returned) { // ReturnService.refund: part of the total and its units' commission, then the provider
                UUID returnId = UUID.randomUUID();
                s.returnRefunds = 1 + random.nextLong(s.total);
                s.returnCommission = s.commission * s.returnRefunds / s.total;
                transactions.add(List.of(MoneyMovement.commissionReversed("return:" + returnId, parties,
                        Money.of(s.returnCommission, currency))));
                transactions.add(List.of(MoneyMovement.paymentRefunded(UUID.randomUUID(), parties,
                        Money.of(s.returnRefunds, currency))));
            }
            if (returnedBeforeRelease) {
                transactions.add(List.of(MoneyMovement.escrowReleased(parties, Money.of(s.total, currency))));
            }
        }
        return new Order(orderId, customer, currency, subOrders, transactions);
    }

    private static Parties parties(UUID orderId, SubOrder subOrder, UUID customer) {
        return new Parties(orderId, subOrder.id, subOrder.merchant, customer);
    }

    /** Writes each sequence's transactions in its order, sequences interleaved at random. */
    private void write(List<List<List<MoneyMovement>>> sequences, Random random) {
        List<Integer> next = new ArrayList<>(Collections.nCopies(sequences.size(), 0));
        List<Integer> open = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            open.add(i);
        }
        while (!open.isEmpty()) {
            int pick = open.get(random.nextInt(open.size()));
            List<List<MoneyMovement>> sequence = sequences.get(pick);
            List<MoneyMovement> movements = sequence.get(next.get(pick));
            writer.dsl().transaction(tx -> movements.forEach(movement -> DomainEvents.append(tx.dsl(), movement)));
            next.set(pick, next.get(pick) + 1);
            if (next.get(pick) == sequence.size()) {
                open.remove(Integer.valueOf(pick));
            }
        }
    }

    /** What the ledger must hold, recomputed from the orders alone: balances by "account currency". */
    private static Map<String, Long> expectedBalances(List<Order> orders) {
        Map<String, Long> balances = new HashMap<>();
        for (Order order : orders) {
            String c = " " + order.currency();
            long fee = share(order.subOrders().stream().mapToLong(s -> s.total).sum(), PAYMENT_FEE_BASIS_POINTS,
                    order.currency());
            balances.merge("payment_fees" + c, fee, Long::sum);
            balances.merge("customer_payments" + c, -fee, Long::sum);
            for (SubOrder s : order.subOrders()) {
                long refunded = (s.cancelled ? s.total : 0) + s.returnRefunds;
                balances.merge("customer_payments" + c, s.total - refunded, Long::sum);
                if (s.released) { // the reserve's share of the release, held (not yet due)
                    long held = share(s.total, RESERVE_BASIS_POINTS, order.currency());
                    balances.merge("merchant_reserve:" + s.merchant + c, -held, Long::sum);
                    balances.merge("merchant_payable:" + s.merchant + c, held, Long::sum);
                }
                balances.merge("escrow" + c, -(s.total - (s.cancelled ? s.total : 0) - (s.released ? s.total : 0)), Long::sum);
                if (s.released) {
                    long payable = s.total - s.commission - s.returnRefunds + s.returnCommission;
                    balances.merge("merchant_payable:" + s.merchant + c, -payable, Long::sum);
                    balances.merge("platform_commission_revenue" + c, -(s.commission - s.returnCommission), Long::sum);
                } else if (s.returnCommission > 0) {
                    throw new IllegalStateException("returns only of sub-orders whose escrow is released");
                }
            }
        }
        balances.values().removeIf(balance -> balance == 0);
        return balances;
    }

    private static long expectedPostings(List<Order> orders) {
        long postings = 0;
        for (Order order : orders) {
            postings++; // the capture
            postings += share(order.subOrders().stream().mapToLong(s -> s.total).sum(), PAYMENT_FEE_BASIS_POINTS,
                    order.currency()) > 0 ? 1 : 0; // its payment fee
            for (SubOrder s : order.subOrders()) {
                if (s.cancelled) {
                    postings++; // the refund; the commission was never accrued
                }
                if (s.released) {
                    postings += 1 + (s.commission > 0 ? 1 : 0);
                    postings += share(s.total, RESERVE_BASIS_POINTS, order.currency()) > 0 ? 1 : 0; // reserve held
                    postings += s.returnRefunds > 0 ? 1 + (s.returnCommission > 0 ? 1 : 0) : 0;
                }
            }
        }
        return postings;
    }

    private static long share(long amount, int basisPoints, String currency) {
        return Money.of(amount, currency).timesBasisPoints(basisPoints, RoundingMode.HALF_EVEN).amount();
    }

    private Map<String, Long> balances() {
        Map<String, Long> balances = new HashMap<>();
        new Ledger().accounts(writer.dsl()).forEach(a -> balances.put(a.name() + " " + a.currency(), a.balance()));
        balances.values().removeIf(balance -> balance == 0); // refunds_clearing, and escrow once all is released
        return balances;
    }

    private long postings() {
        return writer.dsl().fetchCount(LEDGER_TRANSACTION);
    }

    private boolean caughtUp() {
        return writer.dsl().fetchValue("SELECT NOT " + SubscriberBacklog.BEHIND + " FROM event_subscription s WHERE s.name = ?",
                SettlementModule.LEDGER_POSTING).equals(Boolean.TRUE);
    }

    /**
     * A node posting on its own connections. Once {@code killArmed}, its next batch is posted and then its database
     * connection is terminated before the batch commits — a node dying mid-batch — and {@code killed} is set.
     */
    private Node node(Duration poll, AtomicBoolean killArmed, AtomicBoolean killed) {
        Database database = database();
        Jobs jobs = new Jobs(Metrics.globalRegistry(), Duration.ZERO); // killed nodes get no grace to finish
        EventSubscribers subscribers = new EventSubscribers(database.dsl(), "node-" + UUID.randomUUID(),
                new EventSubscribers.Settings(Duration.ofSeconds(1), poll, 20, 3), Metrics.globalRegistry());
        // No GMV tiers (the storm's expectation charges each line its category's rate); payouts as application.yaml.
        Config settlement = Config.just(ConfigSources.create(Map.of("month-zone", "Asia/Tokyo", "jobs-every", "PT10M",
                "payment-fees.rate-basis-points", Integer.toString(PAYMENT_FEE_BASIS_POINTS),
                "rolling-reserve.share-basis-points", Integer.toString(RESERVE_BASIS_POINTS),
                "rolling-reserve.hold-for", "P90D", "payouts.hold", "PT168H", "payouts.minimum.default", "1000",
                "payouts.reconcile.after", "PT5M")));
        new SettlementModule(settlement, database.dsl(), new TestPayoutProvider(),
                (tx, subOrderIds) -> subOrderIds.stream().collect(Collectors.toMap(id -> id, id -> List.of(lines.get(id)))),
                each -> { }, merchantId -> Money.zero("JPY"), (principal, merchantId) -> { }, Clock.systemUTC())
                .subscribers().forEach(posting -> subscribers.subscribe(new Subscriber(posting.name(), posting.types(),
                        posting.handler(), (tx, events) -> {
                            posting.batchHandler().handle(tx, events);
                            if (killArmed.get() && killed.compareAndSet(false, true)) {
                                tx.execute("SELECT pg_terminate_backend(pg_backend_pid())");
                            }
                        }), jobs));
        Node node = new Node(database, jobs);
        nodes.add(node);
        return node;
    }

    private Database database() {
        return Database.start(new DatabaseSettings(Optional.of(url), "postgres", "", 6, Duration.ofSeconds(10),
                Path.of("target")));
    }

    private static long account(DSLContext db, String name, String currency) {
        return db.insertInto(LEDGER_ACCOUNT).set(LEDGER_ACCOUNT.NAME, name).set(LEDGER_ACCOUNT.CURRENCY, currency)
                .returning(LEDGER_ACCOUNT.ID).fetchSingle().getId();
    }

    private static long transaction(DSLContext tx) {
        return tx.insertInto(LEDGER_TRANSACTION).set(LEDGER_TRANSACTION.EVENT_ID, UUID.randomUUID())
                .set(LEDGER_TRANSACTION.EVENT_TYPE, "adjustment").set(LEDGER_TRANSACTION.EVENT_POSITION, 0L)
                .returning(LEDGER_TRANSACTION.ID).fetchSingle().getId();
    }

    private static void entry(DSLContext tx, long transaction, long account, String currency, long amount) {
        tx.execute("INSERT INTO ledger_entry (transaction_id, account_id, currency, amount) VALUES (?, ?, ?, ?)",
                transaction, account, currency, amount);
    }
}
