package dev.marketplace.server.settlement;

import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import io.helidon.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jooq.DSLContext;

/**
 * The settlement domain: the ledger, its posting subscriber ({@value LedgerPosting#SUBSCRIBER}, polled by the node's
 * jobs) and its routes ({@link LedgerHttpService#PATH}); payouts (run and reconciliation jobs), statements (closing
 * job) and adjustments. It reacts to other domains only through their money movements; adjustments ask the
 * merchants domain whether a merchant exists.
 */
public final class SettlementModule implements Module {

    /** The subscriber's name, which names its cursor and its job ({@link EventSubscribers#jobName}). */
    public static final String LEDGER_POSTING = LedgerPosting.SUBSCRIBER;
    public static final String PAYOUT_RUN = Payouts.RUN_JOB;
    public static final String PAYOUT_RECONCILIATION = Payouts.RECONCILIATION_JOB;
    public static final String STATEMENT_CLOSING = Statements.CLOSING_JOB;
    /** How often each node closes ended statement cycles (idempotent: the first closer's row stays). */
    private static final Duration STATEMENT_CLOSING_EVERY = Duration.ofMinutes(10);

    private final Ledger ledger = new Ledger();
    private final LedgerHttpService http;
    // Payouts, statements and adjustments (decision 32).
    private final Config payoutsConfig;
    private final PayoutProvider payoutProvider;
    private final Payouts payouts;
    private final Statements statements;
    private final Adjustments adjustments;

    /** Reads {@code settlement.*}; unknown merchants named in adjustments are refused by {@code merchants}. */
    public SettlementModule(Config config, DSLContext dsl, OutboundHttp outbound, MerchantService merchants) {
        this.http = new LedgerHttpService(new SettlementService(dsl, ledger));
        this.payoutsConfig = config.get("payouts");
        this.payoutProvider = PayoutProviders.from(payoutsConfig, outbound);
        this.payouts = new Payouts(dsl, payoutProvider, Payouts.Settings.from(payoutsConfig), Clock.systemUTC());
        this.statements = new Statements(dsl, Clock.systemUTC());
        this.adjustments = new Adjustments(dsl, merchants::get);
    }

    /** The configured payout provider (tests play its part). */
    public PayoutProvider payoutProvider() {
        return payoutProvider;
    }

    @Override
    public String name() {
        return "settlement";
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(LedgerHttpService.PATH, http)
                .register(PayoutHttpService.PATH, new PayoutHttpService(payouts))
                .register(StatementHttpService.PATH, new StatementHttpService(statements))
                .register(AdjustmentHttpService.PATH, new AdjustmentHttpService(adjustments));
    }

    @Override
    public void jobs(Jobs jobs) {
        Duration runEvery = payoutsConfig.get("run.every").as(Duration.class).get();
        Duration reconcileEvery = payoutsConfig.get("reconcile.every").as(Duration.class).get();
        jobs.schedule(Payouts.RUN_JOB, runEvery, runEvery, payouts::run);
        jobs.schedule(Payouts.RECONCILIATION_JOB, reconcileEvery, reconcileEvery, payouts::reconcile);
        jobs.schedule(Statements.CLOSING_JOB, STATEMENT_CLOSING_EVERY, STATEMENT_CLOSING_EVERY, statements::closeEnded);
    }

    @Override
    public List<Subscriber> subscribers() {
        return List.of(new LedgerPosting(ledger).subscriber());
    }
}
