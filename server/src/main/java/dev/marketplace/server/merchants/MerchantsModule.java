package dev.marketplace.server.merchants;

import dev.marketplace.server.catalog.CategoryService;
import dev.marketplace.server.clients.ApiClientService;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.security.PiiKeys;
import io.helidon.config.Config;
import org.jooq.DSLContext;

/** Merchant onboarding, review, plans and status. Reads {@code merchants.*}. */
public final class MerchantsModule implements Module {

    private final MerchantService merchants;

    public MerchantsModule(Config config, DSLContext dsl, CategoryService categories, ApiClientService clients,
                           PiiKeys piiKeys) {
        this.merchants = new MerchantService(dsl, categories, clients, AdmissionRules.from(config),
                MerchantPlans.from(config), piiKeys);
    }

    @Override
    public String name() {
        return "merchants";
    }

    public MerchantService service() {
        return merchants;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(MerchantHttpService.PATH, new MerchantHttpService(merchants));
    }

    /** Contact phones and addresses, including rows from before V16 that were never sealed. */
    @Override
    public void jobs(Jobs jobs) {
        PiiKeys.resealingJob(jobs, name(), merchants::sealPersonalData);
    }
}
