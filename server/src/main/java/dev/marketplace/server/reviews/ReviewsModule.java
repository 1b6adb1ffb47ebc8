package dev.marketplace.server.reviews;

import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.dropship.SupplierDataFreshness;
import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import io.helidon.config.Config;
import java.time.Clock;
import java.time.Duration;
import org.jooq.DSLContext;

/**
 * Reviews and merchant service levels (decision 40): {@code /v1/reviews} (reviews of delivered lines, replies,
 * moderation, the change feed) and {@code /v1/service-levels}; the jobs {@value #OVERDUE_JOB} and
 * {@value #EVALUATION_JOB}. Ratings reach the catalog's listing read model through {@link ProductService#rate}; a
 * freeze goes through {@link MerchantService#freezeIfActive}. Reads {@code reviews.*}; keeps time by the clock it is
 * given.
 */
public final class ReviewsModule implements Module {

    /** Writes here change listings' ratings: the answer waits until this node's listing copies have them. */
    public static final String REVIEWS_PATH = ReviewHttpService.PATH;
    public static final String OVERDUE_JOB = ReviewService.OVERDUE_JOB;
    public static final String EVALUATION_JOB = ServiceLevels.EVALUATION_JOB;
    private static final Duration OVERDUE_SWEEP = Duration.ofMinutes(1);

    private final ReviewsSettings settings;
    private final ReviewService reviews;
    private final ServiceLevels serviceLevels;

    public ReviewsModule(Config config, DSLContext dsl, OrderService orders, ProductService products,
                         MerchantService merchants, SupplierDataFreshness supplierData, Clock clock) {
        this.settings = ReviewsSettings.from(config);
        this.reviews = new ReviewService(dsl, settings, orders, products, clock);
        this.serviceLevels = new ServiceLevels(dsl, settings.serviceLevels(), reviews, orders, merchants,
                supplierData);
    }

    @Override
    public String name() {
        return "reviews";
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(ReviewHttpService.PATH, new ReviewHttpService(reviews))
                .register(ServiceLevelHttpService.PATH, new ServiceLevelHttpService(serviceLevels,
                        settings.serviceLevels().window()));
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(OVERDUE_JOB, OVERDUE_SWEEP, OVERDUE_SWEEP, reviews::markOverdue);
        Duration every = settings.serviceLevels().evaluateEvery();
        jobs.schedule(EVALUATION_JOB, every, every, serviceLevels::evaluate);
    }
}
