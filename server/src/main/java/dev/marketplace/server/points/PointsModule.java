package dev.marketplace.server.points;

import dev.marketplace.server.orders.OrderPoints;
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
 * Loyalty points (decision 35): the points ledger, the rules that earn, redemption at checkout (offered to the
 * orders domain as {@link OrderPoints}, which is why this module comes before orders), the subscriber that follows
 * orders' payments and deliveries ({@value #ORDER_FOLLOWING}), the jobs, and {@code /v1/points}. Reads
 * {@code points.*}; keeps time by the clock it is given.
 */
public final class PointsModule implements Module {

    /** The subscriber's name, which names its cursor and its job ({@link EventSubscribers#jobName}). */
    public static final String ORDER_FOLLOWING = "points.order-following";
    public static final String RETURN_WINDOW_JOB = PointsService.WINDOW_JOB;
    public static final String EXPIRY_JOB = PointsService.EXPIRY_JOB;
    public static final String UNPAID_RELEASE_JOB = PointsService.UNPAID_JOB;
    public static final String TIER_JOB = PointsService.TIER_JOB;
    private static final Duration SWEEP = Duration.ofMinutes(1);
    private static final Duration TIER_SWEEP = Duration.ofHours(6);

    private final PointsService points;
    private final PointsProgramme programme;
    private final PointsExchangeService exchange;
    private final PointsFigures figures;

    public PointsModule(Config config, DSLContext dsl, Clock clock) {
        PointsSettings settings = PointsSettings.from(config);
        this.points = new PointsService(dsl, settings, new PointsLedger(settings), clock);
        this.programme = new PointsProgramme(dsl, points);
        this.exchange = new PointsExchangeService(settings, new PointsLedger(settings), clock);
        this.figures = new PointsFigures(dsl);
    }

    @Override
    public String name() {
        return "points";
    }

    /** Redemption at checkout and points given back on cancellations and returns, for the orders domain. */
    public OrderPoints orderPoints() {
        return points;
    }

    /** Holds, posts, releases and credits for the partner points exchange. */
    public PointsExchange exchange() {
        return exchange;
    }

    /** Points issued, redeemed and expired, for reports. */
    public PointsFigures figures() {
        return figures;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(PointsHttpService.PATH, new PointsHttpService(programme));
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(RETURN_WINDOW_JOB, SWEEP, SWEEP, points::closeReturnWindows);
        jobs.schedule(EXPIRY_JOB, SWEEP, SWEEP, points::expireLots);
        jobs.schedule(UNPAID_RELEASE_JOB, SWEEP, SWEEP, points::releaseUnpaid);
        jobs.schedule(TIER_JOB, SWEEP, TIER_SWEEP, points::recalculateTiers);
    }

    /**
     * Follows orders by their money movements: a captured payment earns (and moves the redemption's money), a
     * released escrow (the sub-order delivered, or long shipped) starts the return window. Cancellations and
     * returns reach points in their own transaction instead ({@link OrderPoints#givenBack}), because the refund they
     * request must already leave out what points paid.
     */
    @Override
    public List<Subscriber> subscribers() {
        return List.of(new Subscriber(ORDER_FOLLOWING, Set.of(EventType.PAYMENT_CAPTURED, EventType.ESCROW_RELEASED),
                (tx, stored) -> {
                    var parties = stored.event().parties();
                    switch (stored.event().type()) {
                        case PAYMENT_CAPTURED -> points.paid(tx, parties.orderId(), stored.occurredAt());
                        case ESCROW_RELEASED -> points.delivered(tx, parties.subOrderId(), stored.occurredAt());
                        default -> throw new IllegalStateException("not followed: " + stored.event().type());
                    }
                }));
    }
}
