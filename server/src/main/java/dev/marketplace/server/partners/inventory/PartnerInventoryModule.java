package dev.marketplace.server.partners.inventory;

import dev.marketplace.server.catalog.CategoryService;
import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.inventory.InventoryService;
import dev.marketplace.server.inventory.ReservationService;
import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.orders.RefundRequests;
import dev.marketplace.server.partners.PartnerDirectory;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.webhooks.PartnerAudience;
import io.helidon.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * A partner platform as a sales channel (decision 38): merchants' opt-ins, the operator's assortment shares and the
 * partner's feed of them, leases of stock through inventory reservations, their commitment into partner orders and
 * their lapse. Built after orders and payments and before fulfilment, whose refunds of partner orders it takes over
 * ({@link #refunds}). Reads {@code partner-inventory.*}.
 */
public final class PartnerInventoryModule implements Module {

    private final AssortmentService assortment;
    private final LeaseService leases;
    private final OrderService orders;
    private final PartnerDirectory partners;
    private final Duration lapseEvery;

    public PartnerInventoryModule(Config config, DSLContext dsl, ProductService products, CategoryService categories,
                                  MerchantService merchants, InventoryService inventory,
                                  ReservationService reservations, OrderService orders, PartnerDirectory partners,
                                  Clock clock) {
        this.orders = orders;
        this.partners = partners;
        this.assortment = new AssortmentService(dsl, products, categories, merchants, inventory, partners);
        this.leases = new LeaseService(dsl, assortment, reservations, orders, partners, new LeaseService.Settings(
                config.get("lease.max-hold").as(Duration.class).get(),
                config.get("limits.max-units-held").asLong().get(),
                config.get("limits.max-open-leases").asInt().get()), clock);
        this.lapseEvery = config.get("lease.lapse-every").as(Duration.class).get();
    }

    @Override
    public String name() {
        return "partners.inventory";
    }

    /** Webhooks' view of partners: a variant's stock events go to the partners selling it, signed with their secret. */
    public PartnerAudience webhookAudience() {
        return new PartnerAudience() {
            @Override
            public Set<UUID> partnersSelling(DSLContext tx, UUID variantId) {
                return assortment.partnersSelling(tx, variantId);
            }

            @Override
            public Optional<String> registeredSecret(UUID partnerId) {
                return partners.webhookSecret(partnerId);
            }
        };
    }

    /** The refunds fulfilment and returns ask for: a partner order's go back to the partner, others to payments. */
    public RefundRequests refunds(RefundRequests payments) {
        return new PartnerOrderRefunds(payments, orders);
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(OptInHttpService.PATH, new OptInHttpService(assortment))
                .register(ShareHttpService.PATH, new ShareHttpService(assortment))
                .register(LeaseLimitHttpService.PATH, new LeaseLimitHttpService(leases))
                .register(SharedListingHttpService.PATH, new SharedListingHttpService(assortment))
                .register(LeaseHttpService.PATH, new LeaseHttpService(leases));
    }

    /** A lease request's key is kept on the lease it creates or ends (decision 90), answered again by {@link LeaseService}. */
    @Override
    public List<String> pathsKeepingTheirOwnKeys() {
        return List.of(LeaseHttpService.PATH, LeaseHttpService.PATH + "/{leaseId}/commit",
                LeaseHttpService.PATH + "/{leaseId}/release");
    }

    @Override
    public void jobs(Jobs jobs) {
        jobs.schedule(LeaseService.LAPSE_JOB, lapseEvery, lapseEvery, leases::lapseDue);
    }
}
