package dev.marketplace.server.dropship;

import dev.marketplace.server.catalog.CategoryService;
import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.inventory.InventoryService;
import dev.marketplace.server.orders.SupplyFreshness;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.security.PiiKeys;
import io.helidon.config.Config;
import java.time.Clock;
import org.jooq.DSLContext;

/**
 * Drop-shipping, first part (decision 39): supplier connections and their connectors, catalog import and pricing,
 * the stock sync job ({@value DropshipService#SYNC_JOB}) and the freshness guard ({@value DropshipService#FRESHNESS_JOB}),
 * offered to checkout as {@link SupplyFreshness} — which is why it comes before orders. Forwarding and tracking, which
 * need orders, are {@link DropshipForwardingModule}. Reads the {@code dropship} node; keeps time by the given clock.
 */
public final class DropshipModule implements Module {

    private final DropshipSettings settings;
    private final Connectors connectors;
    private final DropshipService service;
    private final boolean requireHttps;
    private final Config webhooksConfig;

    public DropshipModule(Config config, DSLContext dsl, OutboundHttp outbound, PiiKeys piiKeys, ProductService products,
                          InventoryService inventory, CategoryService categories, Clock clock) {
        this.settings = DropshipSettings.from(config);
        this.requireHttps = config.get("require-https").asBoolean().get();
        this.webhooksConfig = config.get("webhooks");
        this.connectors = new Connectors(outbound, new SimulatedSupplier(settings.simulatedProducts(),
                settings.simulatedVariants()), clock);
        this.service = new DropshipService(dsl, settings, connectors, piiKeys, products, inventory, categories, clock);
    }

    @Override
    public String name() {
        return "dropship";
    }

    /** Checkout's freshness check. */
    public SupplyFreshness supplyFreshness() {
        return service;
    }

    /** The freshness of merchants' supplier-fed data, for the service levels (issue 22). */
    public SupplierDataFreshness supplierDataFreshness() {
        return service;
    }

    /** The built-in supplier, for the demo and tests acting on the supplier's side (stop it, change its stock). */
    public SimulatedSupplier simulatedSupplier() {
        return connectors.simulated();
    }

    DropshipService service() {
        return service;
    }

    Connectors connectors() {
        return connectors;
    }

    /** {@code dropship.webhooks}: the suppliers' webhook secrets by connector kind (decision 56). */
    Config webhooksConfig() {
        return webhooksConfig;
    }

    DropshipSettings settings() {
        return settings;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(ConnectionHttpService.PATH, new ConnectionHttpService(service, requireHttps));
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(DropshipService.SYNC_JOB, settings.sweep(), settings.sweep(), service::syncDue);
        jobs.schedule(DropshipService.FRESHNESS_JOB, settings.sweep(), settings.sweep(), service::takeStaleOffSale);
        PiiKeys.resealingJob(jobs, name(), service::resealCredentials);
    }
}
