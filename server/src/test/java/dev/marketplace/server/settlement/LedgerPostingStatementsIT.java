package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.LEDGER_ENTRY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.persistence.DatabaseSettings;
import dev.marketplace.server.testing.TestDatabases;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.Metrics;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultExecuteListenerProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What posting costs PostgreSQL, counted (decision 60): the orders of the {@code ledger-posting} benchmark — each paid,
 * its commission accrued and its escrow released, three events and six entries — caught up by the posting subscriber
 * in batches of 100, every statement its database connection sends counted. Also prints the CPU the posting took per
 * entry, in the JVM's posting thread and in PostgreSQL's processes, beside the load average (a throughput figure on a
 * shared machine is not one).
 */
class LedgerPostingStatementsIT {

    private static final int ORDERS = 3_000;
    private static final int BATCH = 100;
    private static final List<UUID> MERCHANTS = java.util.stream.IntStream.range(0, 50)
            .mapToObj(i -> UUID.randomUUID()).toList();

    private final String url = TestDatabases.newDatabase();
    private final Database writer = database();
    private final Database posting = database();
    private final Jobs jobs = new Jobs(Metrics.globalRegistry());
    private final Map<UUID, CommissionRates.Line> lines = new ConcurrentHashMap<>();

    @AfterEach
    void close() {
        jobs.close();
        posting.close();
        writer.close();
    }

    @Test
    void aBatchOfOneHundredEventsCostsAboutTwentyStatementsWhateverItsOrders() throws Exception {
        appendOrders();
        ChangeLog.settle(writer.dsl());
        EventSubscribers subscribers = new EventSubscribers(posting.dsl(), "statements-node",
                new EventSubscribers.Settings(Duration.ofSeconds(30), Duration.ofHours(1), BATCH, 3),
                Metrics.globalRegistry());
        module().subscribers().forEach(subscriber -> subscribers.subscribe(subscriber, jobs));

        AtomicLong statements = new AtomicLong();
        posting.dsl().configuration().set(new DefaultExecuteListenerProvider(new ExecuteListener() {
            @Override
            public void executeStart(ExecuteContext ctx) {
                statements.incrementAndGet();
            }
        }));
        long jvmCpuBefore = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        Duration postgresCpuBefore = postgresCpu();
        long started = System.nanoTime();
        jobs.runNow(EventSubscribers.jobName(SettlementModule.LEDGER_POSTING)); // on this thread, until caught up
        double seconds = (System.nanoTime() - started) / 1e9;
        long jvmCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - jvmCpuBefore;
        Duration postgresCpu = postgresCpu().minus(postgresCpuBefore);

        long events = ORDERS * 3L;
        long entries = writer.dsl().fetchCount(LEDGER_ENTRY);
        System.out.printf("ledger posting: %d events, %d entries in %.1f s: %d statements (%.3f per event, %.1f per"
                        + " batch of %d); CPU per entry %.1f µs in the JVM's posting thread, %.1f µs in PostgreSQL;"
                        + " load average %s%n", events, entries, seconds, statements.get(),
                statements.get() / (double) events, statements.get() * (double) BATCH / events, BATCH,
                jvmCpu / 1e3 / entries, postgresCpu.toNanos() / 1e3 / entries, loadAverage());
        assertThat(entries).as("six entries an order").isEqualTo(ORDERS * 6L);
        assertThat(new Ledger().reconcile(writer.dsl()).reconciled()).isTrue();
        // Counted 2026-12-06: 21 statements a full batch (decision 60); decision 53's path took about 8 an order.
        assertThat(statements.get() * (double) BATCH / events).as("statements per batch of %d events", BATCH)
                .isLessThanOrEqualTo(25);
    }

    /** The benchmark's orders: paid, commission accrued at payment, escrow released; one line each. */
    private void appendOrders() {
        List<MoneyMovement> movements = new ArrayList<>();
        for (int n = 0; n < ORDERS; n++) {
            UUID order = UUID.randomUUID();
            UUID customer = UUID.randomUUID();
            Parties subOrder = new Parties(order, UUID.randomUUID(), MERCHANTS.get(n % MERCHANTS.size()), customer);
            Money total = Money.of(1_000 + (n * 7_919L) % 200_000, "JPY");
            lines.put(subOrder.subOrderId(), new CommissionRates.Line(total.amount(), 1_000));
            movements.add(MoneyMovement.paymentCaptured(UUID.randomUUID(), Parties.ofOrder(order, customer), total));
            movements.add(MoneyMovement.commissionAccrued(subOrder, Money.of(total.amount() / 10, "JPY")));
            movements.add(MoneyMovement.escrowReleased(subOrder, total));
        }
        writer.dsl().transaction(tx -> DomainEvents.appendAll(tx.dsl(), movements));
    }

    private SettlementModule module() {
        Config settlement = Config.just(ConfigSources.create(Map.of("month-zone", "Asia/Tokyo", "jobs-every", "PT10M",
                "payment-fees.rate-basis-points", "0", "rolling-reserve.share-basis-points", "0",
                "rolling-reserve.hold-for", "P90D", "payouts.hold", "PT168H", "payouts.minimum.default", "1000",
                "payouts.reconcile.after", "PT5M")));
        return new SettlementModule(settlement, posting.dsl(), new TestPayoutProvider(),
                (tx, subOrderIds) -> subOrderIds.stream().filter(lines::containsKey)
                        .collect(Collectors.toMap(id -> id, id -> List.of(lines.get(id)))),
                each -> { }, merchantId -> Money.zero("JPY"), (principal, merchantId) -> { }, Clock.systemUTC());
    }

    /** The CPU time of the test database's PostgreSQL: its postmaster's processes (backends, writers). */
    private Duration postgresCpu() {
        long backend = writer.dsl().fetchValue(DSL.field("pg_backend_pid()", Integer.class));
        ProcessHandle postmaster = ProcessHandle.of(backend).flatMap(ProcessHandle::parent).orElseThrow();
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(postmaster), postmaster.children())
                .map(process -> process.info().totalCpuDuration()).flatMap(Optional::stream)
                .reduce(Duration.ZERO, Duration::plus);
    }

    private static String loadAverage() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private Database database() {
        return Database.start(new DatabaseSettings(Optional.of(url), "postgres", "", 4, Duration.ofSeconds(10),
                Path.of("target")));
    }
}
