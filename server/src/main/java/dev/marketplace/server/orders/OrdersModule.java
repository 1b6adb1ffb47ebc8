package dev.marketplace.server.orders;

import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.inventory.InventoryService;
import dev.marketplace.server.inventory.ReservationService;
import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.persistence.NotificationBatches;
import dev.marketplace.server.platform.security.PiiKeys;
import io.helidon.config.Config;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import java.time.Duration;
import org.jooq.DSLContext;

/**
 * Carts, checkout and the unpaid orders' expiry: the orders domain up to payment. What follows payment (acceptance,
 * shipment, cancellation, returns) is {@link FulfilmentModule}, built after the payments module that marks orders
 * paid through {@link #orders}. Reads {@code orders.*}.
 */
public final class OrdersModule implements Module {

    private final CartService carts;
    private final OrderService orders;
    private final OrderCustomerData customerData;
    private final SalesFigures salesFigures;
    /** The carts' announcements (V69) that keep {@link OpenCarts} on this node. */
    private final ChangeNotifications cartChanges;
    /** Checked-out carts announced in batches, apart from their checkouts' commits (decision 94). */
    private final CheckoutAnnouncements checkoutAnnouncements;
    private final Meter announcedInTransaction;
    private final Meter announcedAfterRollback;
    private final MeterRegistry meters = Metrics.globalRegistry();
    private final Meter refusalsBeforeTheKey;
    /** How often each node expires unpaid orders (SKIP LOCKED, safe on many nodes): orders.jobs.every. */
    private final Duration jobsEvery;

    public OrdersModule(Config config, Database database, ProductService products, InventoryService inventory,
                        ReservationService reservations, MerchantService merchants, PiiKeys piiKeys,
                        OrderPorts ports) {
        DSLContext dsl = database.dsl();
        TaxRates taxRates = TaxRates.from(config);
        OpenCarts openCarts = new OpenCarts();
        this.cartChanges = ChangeNotifications.listen(OpenCarts.CHANNEL, database, openCarts);
        openCarts.deliveredBy(cartChanges);
        this.checkoutAnnouncements = CheckoutAnnouncements.inBatches(
                NotificationBatches.on(OpenCarts.CHANNEL, database));
        this.carts = new CartService(dsl, products, inventory, merchants, taxRates, ports.coupons(), ports.points());
        this.orders = new OrderService(dsl, products, merchants, reservations, taxRates,
                config.get("payment.timeout").as(Duration.class).get(),
                config.get("acceptance.timeout").as(Duration.class).get(),
                config.get("handling-time.default").as(Duration.class).get(),
                piiKeys, ports, openCarts, checkoutAnnouncements);
        this.refusalsBeforeTheKey = meters.getOrCreate(FunctionalCounter.builder(
                        "orders.sold.out.refusals.before.key", orders, OrderService::refusalsBeforeTheKey)
                .description("Checkouts refused from announced carts and sold-out marks, before their Idempotency-Key "
                        + "was claimed: no statement"));
        this.announcedInTransaction = meters.getOrCreate(FunctionalCounter.builder(
                        "orders.checkouts.announced.in.transaction", checkoutAnnouncements,
                        CheckoutAnnouncements::announcedInTheCheckoutsTransaction)
                .description("Checkouts that announced their cart in their own transaction, behind PostgreSQL's "
                        + "notify lock, because its batch failed or was late (decision 94)"));
        this.announcedAfterRollback = meters.getOrCreate(FunctionalCounter.builder(
                        "orders.checkouts.announced.after.rollback", checkoutAnnouncements,
                        CheckoutAnnouncements::announcedAfterRollback)
                .description("Carts announced as they are (open again) after their checkout announced them checked "
                        + "out and rolled back, as when it lost the race for the last units (decision 103)"));
        this.customerData = new OrderCustomerData(dsl, piiKeys, ports.attribution());
        this.salesFigures = new SalesFigures(dsl);
        this.jobsEvery = config.get("jobs.every").as(Duration.class).get();
    }

    @Override
    public String name() {
        return "orders";
    }

    public OrderService orders() {
        return orders;
    }

    /** The customers' personal data held by orders (shipping addresses), for the customers domain. */
    public OrderCustomerData customerData() {
        return customerData;
    }

    /** GMV, orders and customers, for reports. */
    public SalesFigures salesFigures() {
        return salesFigures;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(CartHttpService.PATH, new CartHttpService(carts));
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(OrderService.UNPAID_EXPIRY_JOB, jobsEvery, jobsEvery, orders::expireUnpaid);
        PiiKeys.resealingJob(jobs, name(), customerData::resealAddresses);
    }

    @Override
    public void close() {
        meters.remove(refusalsBeforeTheKey); // a later server in the same JVM (tests) registers its own
        meters.remove(announcedInTransaction);
        meters.remove(announcedAfterRollback);
        cartChanges.close();
        checkoutAnnouncements.close();
    }
}
