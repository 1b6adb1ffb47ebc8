package dev.marketplace.server.inventory;

import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import java.time.Duration;
import org.jooq.DSLContext;

/** Locations, stock levels and reservations, and the expiry of reservations. */
public final class InventoryModule implements Module {

    /** How often each node releases expired stock reservations (safe on many nodes: SKIP LOCKED). */
    private static final Duration RESERVATION_EXPIRY_SWEEP = Duration.ofSeconds(30);

    private final InventoryService inventory;
    private final ReservationService reservations;

    public InventoryModule(DSLContext dsl, ProductService products) {
        SoldOutVariants soldOut = new SoldOutVariants();
        this.inventory = new InventoryService(dsl, products, soldOut);
        this.reservations = new ReservationService(dsl, products, soldOut);
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
}
