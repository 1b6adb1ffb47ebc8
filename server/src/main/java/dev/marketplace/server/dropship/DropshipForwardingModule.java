package dev.marketplace.server.dropship;

import dev.marketplace.server.orders.FulfilmentService;
import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jooq.DSLContext;

/**
 * Drop-shipping, second part (decision 39): the subscriber {@value #FORWARD_INTENTS} that records the drop-shipped
 * lines of paid or accepted sub-orders, the jobs that forward them ({@value ForwardingService#FORWARDING_JOB}) and read
 * their tracking ({@value ForwardingService#TRACKING_JOB}), and {@code /v1/dropship/forwards}. After fulfilment, whose
 * service it ships and delivers through.
 */
public final class DropshipForwardingModule implements Module {

    /** The subscriber's name, which names its cursor and its job ({@link EventSubscribers#jobName}). */
    public static final String FORWARD_INTENTS = "dropship.forward-intents";
    private static final Duration FORWARDING_SWEEP = Duration.ofSeconds(1);

    private final ForwardingService forwarding;
    private final Duration sweep;
    private final SupplierWebhookHttpService webhooks;

    public DropshipForwardingModule(DSLContext dsl, DropshipModule dropship, OrderService orders,
                                    FulfilmentService fulfilment) {
        this.forwarding = new ForwardingService(dsl, dropship.service(), dropship.connectors(), orders, fulfilment,
                dropship.settings());
        this.sweep = dropship.settings().sweep();
        this.webhooks = new SupplierWebhookHttpService(forwarding, dropship.webhooksConfig(), Clock.systemUTC());
    }

    @Override
    public String name() {
        return "dropship.forwarding";
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(ForwardHttpService.PATH, new ForwardHttpService(forwarding))
                .register(SupplierWebhookHttpService.PATH, webhooks);
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(ForwardingService.FORWARDING_JOB, FORWARDING_SWEEP, FORWARDING_SWEEP, forwarding::sendDue);
        jobs.schedule(ForwardingService.TRACKING_JOB, sweep, sweep, forwarding::pollTracking);
    }

    @Override
    public List<Subscriber> subscribers() {
        return List.of(new Subscriber(FORWARD_INTENTS,
                Set.of(EventType.SUB_ORDER_AWAITING_ACCEPTANCE, EventType.SUB_ORDER_ACCEPTED),
                (tx, stored) -> forwarding.subOrderReady(tx, stored.event().parties().subOrderId(),
                        stored.event().parties().merchantId(), stored.event().type() == EventType.SUB_ORDER_ACCEPTED)));
    }
}
