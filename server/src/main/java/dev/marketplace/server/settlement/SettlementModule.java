package dev.marketplace.server.settlement;

import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.merchants.MerchantStatus;
import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import io.helidon.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jooq.DSLContext;

/**
 * The settlement domain: the ledger, its posting subscriber ({@value LedgerPosting#SUBSCRIBER}, polled by the node's
 * jobs) and its routes ({@link LedgerHttpService#PATH}); commissions, fees and reserves (decision 31) with their
 * routes ({@link SettlementTermsHttpService#PATH}) and jobs ({@value PlanFees#JOB}, {@value Reserves#RELEASE_JOB});
 * payouts (run and reconciliation jobs), statements (closing job) and adjustments (decision 32). It reacts to other
 * domains through their money movements, and reads from the orders domain a sub-order's lines (to charge its
 * commission) and from the merchants domain who owes a plan fee and whether a merchant exists.
 */
public final class SettlementModule implements Module {

    /** The subscriber's name, which names its cursor and its job ({@link EventSubscribers#jobName}). */
    public static final String LEDGER_POSTING = LedgerPosting.SUBSCRIBER;
    public static final String PLAN_FEES = PlanFees.JOB;
    public static final String RESERVE_RELEASE = Reserves.RELEASE_JOB;
    public static final String PAYOUT_RUN = Payouts.RUN_JOB;
    public static final String PAYOUT_RECONCILIATION = Payouts.RECONCILIATION_JOB;
    public static final String STATEMENT_CLOSING = Statements.CLOSING_JOB;
    private static final List<MerchantStatus> HOLDING_A_PLAN = List.of(MerchantStatus.ACTIVE, MerchantStatus.SUSPENDED,
            MerchantStatus.FROZEN);
    private static final int MERCHANT_PAGE = 100;
    /** How often each node closes ended statement cycles (idempotent: the first closer's row stays). */
    private static final Duration STATEMENT_CLOSING_EVERY = Duration.ofMinutes(10);

    private final Ledger ledger = new Ledger();
    private final LedgerPosting posting;
    private final CommissionFeeService terms;
    private final LedgerHttpService http;
    private final SettlementTermsHttpService termsHttp;
    private final Duration jobsEvery;
    // Payouts, statements and adjustments (decision 32).
    private final Config payoutsConfig;
    private final PayoutProvider payoutProvider;
    private final Payouts payouts;
    private final Statements statements;
    private final Adjustments adjustments;

    /** Reads {@code settlement.*}; the clock dates holds, payout runs, plan fees and statement cycles. */
    public SettlementModule(Config config, DSLContext dsl, OutboundHttp outbound, OrderService orders,
                            MerchantService merchants, Clock clock) {
        this(config, dsl, PayoutProviders.from(config.get("payouts"), outbound),
                (tx, subOrderIds) -> orders.linesOf(tx, subOrderIds).entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, lines -> lines.getValue().stream()
                                .map(line -> new CommissionRates.Line(line.subtotal().amount(),
                                        line.commissionRateBasisPoints()))
                                .toList())),
                each -> HOLDING_A_PLAN.forEach(status -> {
                    Principal system = Principal.system("plan fees");
                    Optional<Cursor> after = Optional.empty();
                    do {
                        var page = merchants.list(system, Optional.of(status), new PageRequest(MERCHANT_PAGE, after));
                        page.items().forEach(merchant -> each.accept(merchant.id(), merchant.plan().monthlyFee()));
                        after = page.nextCursor() == null ? Optional.empty()
                                : Cursor.decode(page.nextCursor(), List.of(CursorKey.TIMESTAMP, CursorKey.UUID));
                    } while (after.isPresent());
                }),
                merchantId -> merchants.get(Principal.system("settlement terms"), merchantId).deposit(),
                merchants::get, clock);
    }

    /** With the payout provider, the orders' and merchants' sides as functions, and a clock (tests). */
    SettlementModule(Config config, DSLContext dsl, PayoutProvider payoutProvider, Commissions.Basis basis,
                     PlanFees.Plans plans, Function<UUID, Money> lodgedDeposit,
                     BiConsumer<Principal, UUID> merchantMustExist, Clock clock) {
        ZoneId zone = ZoneId.of(config.get("month-zone").asString().get());
        Commissions commissions = new Commissions(CommissionRates.from(config.get("commission")), basis, zone);
        Reserves reserves = new Reserves(new Reserves.Rolling(
                config.get("rolling-reserve.share-basis-points").asInt().get(),
                config.get("rolling-reserve.hold-for").as(Duration.class).get()), clock);
        this.posting = new LedgerPosting(ledger, commissions,
                new PaymentFees(config.get("payment-fees.rate-basis-points").asInt().get(),
                        config.get("payment-fees.fixed").detach().asMap().orElse(Map.of()).entrySet().stream()
                                .collect(Collectors.toMap(Map.Entry::getKey, e -> Long.parseLong(e.getValue())))),
                reserves);
        this.terms = new CommissionFeeService(dsl, commissions, reserves, new PlanFees(dsl, plans, clock, zone),
                lodgedDeposit, zone);
        this.http = new LedgerHttpService(new SettlementService(dsl, ledger));
        this.termsHttp = new SettlementTermsHttpService(terms);
        this.jobsEvery = config.get("jobs-every").as(Duration.class).get();
        this.payoutsConfig = config.get("payouts");
        this.payoutProvider = payoutProvider;
        this.payouts = new Payouts(dsl, payoutProvider, Payouts.Settings.from(payoutsConfig), clock);
        this.statements = new Statements(dsl, clock);
        this.adjustments = new Adjustments(dsl, merchantMustExist);
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
                .register(SettlementTermsHttpService.PATH, termsHttp)
                .register(PayoutHttpService.PATH, new PayoutHttpService(payouts))
                .register(StatementHttpService.PATH, new StatementHttpService(statements))
                .register(AdjustmentHttpService.PATH, new AdjustmentHttpService(adjustments));
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(PLAN_FEES, jobsEvery, jobsEvery, terms::chargePlanFees);
        jobs.schedule(RESERVE_RELEASE, jobsEvery, jobsEvery, terms::releaseDueReserves);
        Duration runEvery = payoutsConfig.get("run.every").as(Duration.class).get();
        Duration reconcileEvery = payoutsConfig.get("reconcile.every").as(Duration.class).get();
        jobs.schedule(PAYOUT_RUN, runEvery, runEvery, payouts::run);
        jobs.schedule(PAYOUT_RECONCILIATION, reconcileEvery, reconcileEvery, payouts::reconcile);
        jobs.schedule(STATEMENT_CLOSING, STATEMENT_CLOSING_EVERY, STATEMENT_CLOSING_EVERY, statements::closeEnded);
    }

    @Override
    public List<Subscriber> subscribers() {
        return List.of(posting.subscriber());
    }
}
