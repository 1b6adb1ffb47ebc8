package dev.marketplace.server.promotions;

import dev.marketplace.server.orders.OrderCoupons;
import dev.marketplace.server.platform.events.EventSubscribers;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import io.helidon.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jooq.DSLContext;

/**
 * Coupons and automatic promotions (decision 42): applied at checkout (offered to the orders domain as
 * {@link OrderCoupons}, which is why this module comes before orders), the subscriber that moves a paid order's
 * coupon money ({@value #ORDER_FOLLOWING}), the job that gives unpaid orders' uses back, and
 * {@code /v1/promotions}. Reads {@code promotions.*}; keeps time by the clock it is given.
 */
public final class PromotionsModule implements Module {

    /** The subscriber's name, which names its cursor and its job ({@link EventSubscribers#jobName}). */
    public static final String ORDER_FOLLOWING = "promotions.order-following";
    public static final String UNPAID_RELEASE_JOB = CouponService.UNPAID_JOB;
    private static final Duration SWEEP = Duration.ofMinutes(1);

    private final CouponService coupons;
    private final Coupons api;
    private final CouponFigures figures;

    public PromotionsModule(Config config, DSLContext dsl, Clock clock) {
        this.coupons = new CouponService(dsl, config.get("unpaid-grace").as(Duration.class).get(), clock);
        this.api = new Coupons(dsl, coupons);
        this.figures = new CouponFigures(dsl);
    }

    @Override
    public String name() {
        return "promotions";
    }

    /** Coupons at checkout and their share given back on cancellations and returns, for the orders domain. */
    public OrderCoupons orderCoupons() {
        return coupons;
    }

    /** The coupons' cost and uses, for reports. */
    public CouponFigures figures() {
        return figures;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(PromotionsHttpService.PATH, new PromotionsHttpService(api));
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(UNPAID_RELEASE_JOB, SWEEP, SWEEP, coupons::releaseUnpaid);
    }

    /** A captured payment moves the order's coupon money: each funder pays its discount into escrow. */
    @Override
    public List<Subscriber> subscribers() {
        return List.of(new Subscriber(ORDER_FOLLOWING, Set.of(EventType.PAYMENT_CAPTURED),
                (tx, stored) -> coupons.paid(tx, stored.event().parties().orderId())));
    }
}
