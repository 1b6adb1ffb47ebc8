package dev.marketplace.server.orders;

import dev.marketplace.server.inventory.InventoryService;
import dev.marketplace.server.inventory.ReservationService;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.http.ConcurrencyLimit;
import io.helidon.config.Config;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jooq.DSLContext;

/**
 * The orders domain after payment: merchants' acceptance, shipment and delivery (carriers' webhooks), escrow
 * release, cancellation and returns, which refund through {@link RefundRequests} (the payments domain). Reads
 * {@code orders.*} and {@code carriers.*}. Metrics of the checkouts' admission limit (decision 83):
 * {@code orders_checkout_permits} (how many may run at once now) and {@code orders_checkouts_shed_total}.
 */
public final class FulfilmentModule implements Module {

    private final OrderService orders;
    private final FulfilmentService fulfilment;
    private final ReturnService returns;
    private final Config carriers;
    private final ConcurrencyLimit checkouts;
    private final Duration jobsEvery;
    private final MeterRegistry meters = Metrics.globalRegistry();
    private final List<Meter> registered;

    public FulfilmentModule(Config config, Config carriers, DSLContext dsl, OrderService orders,
                            InventoryService inventory, ReservationService reservations, RefundRequests refunds,
                            PiiKeys piiKeys) {
        this.orders = orders;
        this.fulfilment = new FulfilmentService(dsl, reservations, refunds,
                config.get("escrow.release.after.shipment").as(Duration.class).get(), piiKeys, orders.ports());
        this.returns = new ReturnService(dsl, inventory, refunds, piiKeys, orders.ports());
        this.carriers = carriers;
        this.checkouts = new ConcurrencyLimit("checkouts", config.get("checkout.concurrency").asInt().get(),
                config.get("checkout.queue").as(Duration.class).get(),
                config.get("checkout.patience").as(Duration.class).get(),
                config.get("checkout.most-patient").asInt().get());
        orders.whenSoldOutRefusalsMayChange(checkouts::recheckWaiting);
        this.jobsEvery = config.get("jobs.every").as(Duration.class).get();
        this.registered = List.of(
                meters.getOrCreate(Gauge.builder("orders.checkout.permits", checkouts, ConcurrencyLimit::permits)
                        .description("Checkouts that may run at once now: the limit follows how long they take "
                                + "(decision 77)")),
                meters.getOrCreate(FunctionalCounter.builder("orders.checkouts.shed", checkouts,
                                ConcurrencyLimit::refused)
                        .description("Checkouts refused (503) while as many ran as may at once")),
                meters.getOrCreate(Gauge.builder("orders.checkouts.waiting", checkouts, ConcurrencyLimit::waiting)
                        .description("Checkouts waiting for their turn now; a flash sale's are refused from memory "
                                + "the moment their variant is known sold out (decision 88)")));
    }

    @Override
    public String name() {
        return "orders.fulfilment";
    }

    /** Sub-orders' acceptance, shipments and deliveries, for the drop-ship domain's forwarding and tracking. */
    public FulfilmentService fulfilment() {
        return fulfilment;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(OrderHttpService.PATH, new OrderHttpService(orders, fulfilment, new CheckoutTurns(checkouts)))
                .register(SubOrderHttpService.PATH, new SubOrderHttpService(fulfilment))
                .register(ReturnHttpService.PATH, new ReturnHttpService(returns))
                .register(CarrierWebhookHttpService.PATH, new CarrierWebhookHttpService(fulfilment, carriers,
                        Clock.systemUTC()));
    }

    @Override
    public void close() {
        registered.forEach(meters::remove); // a later server in the same JVM (tests) registers its own
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(FulfilmentService.ACCEPTANCE_DEADLINE_JOB, jobsEvery, jobsEvery, fulfilment::rejectOverdue);
        jobs.schedule(FulfilmentService.ESCROW_RELEASE_JOB, jobsEvery, jobsEvery, fulfilment::releaseEscrowOfShipped);
    }
}
