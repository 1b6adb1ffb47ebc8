package dev.marketplace.server.payments;

import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.orders.RefundRequests;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import io.helidon.config.Config;
import java.time.Clock;
import java.time.Duration;
import org.jooq.DSLContext;

/**
 * Payments and refunds through the configured provider, its webhooks, and the jobs that send due refunds and
 * reconcile payments whose outcome is unknown. Reads {@code payments.*}.
 */
public final class PaymentsModule implements Module {

    /** How often each node sends due refunds (SKIP LOCKED): a refund reaches the provider this soon after its commit. */
    private static final Duration REFUND_SENDING_EVERY = Duration.ofMillis(250);

    private final PaymentProvider provider;
    private final PaymentService payments;
    /** How often each node reconciles pending payments (SKIP LOCKED): payments.reconcile.every. */
    private final Duration reconcileEvery;

    public PaymentsModule(Config config, DSLContext dsl, OutboundHttp outbound, OrderService orders, Clock clock) {
        this.provider = PaymentProviders.from(config, outbound);
        this.payments = new PaymentService(dsl, provider, orders,
                config.get("reconcile.after").as(Duration.class).get(),
                new PaymentService.RefundRetry(config.get("refunds.retry.attempts").asInt().get(),
                        config.get("refunds.retry.backoff").as(Duration.class).get()),
                clock);
        this.reconcileEvery = config.get("reconcile.every").as(Duration.class).get();
    }

    @Override
    public String name() {
        return "payments";
    }

    /** How the orders domain asks for refunds. */
    public RefundRequests refunds() {
        return payments;
    }

    /** The configured provider (tests play its part: a charge whose answer was lost). */
    public PaymentProvider provider() {
        return provider;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(PaymentHttpService.PATH, new PaymentHttpService(payments))
                .register(RefundHttpService.PATH, new RefundHttpService(payments))
                .register(PaymentWebhookHttpService.PATH, new PaymentWebhookHttpService(payments));
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(PaymentService.REFUND_SENDING_JOB, REFUND_SENDING_EVERY, REFUND_SENDING_EVERY,
                payments::sendDueRefunds);
        jobs.schedule(PaymentService.RECONCILIATION_JOB, reconcileEvery, reconcileEvery,
                payments::reconcile);
    }
}
