package dev.marketplace.server.inventory;

import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import dev.marketplace.server.platform.persistence.Database;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import java.time.Duration;

/**
 * Locations, stock levels and reservations, and the expiry of reservations.
 *
 * <p>Metric (decision 70): {@code inventory_sold_out_refusals_from_memory_total}, the checkouts and leases refused
 * because their variant was known sold out, without reading stock.
 */
public final class InventoryModule implements Module {

    /** How often each node releases expired stock reservations (safe on many nodes: SKIP LOCKED). */
    private static final Duration RESERVATION_EXPIRY_SWEEP = Duration.ofSeconds(30);

    private final InventoryService inventory;
    private final ReservationService reservations;
    private final ChangeNotifications stockAvailable;
    private final MeterRegistry meters = Metrics.globalRegistry();
    private final Meter refusals;

    public InventoryModule(Database database, ProductService products) {
        SoldOutVariants soldOut = new SoldOutVariants();
        this.inventory = new InventoryService(database.dsl(), products, soldOut);
        this.reservations = new ReservationService(database.dsl(), products, soldOut);
        this.stockAvailable = ChangeNotifications.listen(SoldOutVariants.CHANNEL, database, soldOut);
        soldOut.trustedWhile(stockAvailable::isCurrent);
        this.refusals = meters.getOrCreate(FunctionalCounter.builder("inventory.sold.out.refusals.from.memory",
                        soldOut, SoldOutVariants::refusalsFromMemory)
                .description("Checkouts and leases refused because their variant was known sold out, without reading "
                        + "stock"));
    }

    @Override
    public String name() {
        return "inventory";
    }

    public InventoryService inventory() {
        return inventory;
    }

    public ReservationService reservations() {
        return reservations;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(LocationHttpService.PATH, new LocationHttpService(inventory))
                .register(StockHttpService.PATH, new StockHttpService(inventory))
                .register(ReservationHttpService.PATH, new ReservationHttpService(reservations));
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(ReservationService.EXPIRY_JOB, RESERVATION_EXPIRY_SWEEP, RESERVATION_EXPIRY_SWEEP,
                reservations::releaseExpired);
    }

    @Override
    public void close() {
        meters.remove(refusals); // a later server in the same JVM (tests) registers its own
        stockAvailable.close();
    }
}
