package dev.marketplace.server.clients;

import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.modules.Module;
import dev.marketplace.server.platform.security.RevokedTokens;
import org.jooq.DSLContext;

/**
 * API clients: registration, secrets, disabling; other modules issue and check clients through {@link #service}. And
 * the storefronts the operator registers, the principals of storefront clients.
 */
public final class ClientsModule implements Module {

    private final ApiClientService clients;
    private final StorefrontService storefronts;

    public ClientsModule(DSLContext dsl, RevokedTokens revokedTokens) {
        this.clients = new ApiClientService(dsl, revokedTokens);
        this.storefronts = new StorefrontService(dsl);
    }

    @Override
    public String name() {
        return "clients";
    }

    public ApiClientService service() {
        return clients;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(ApiClientHttpService.PATH, new ApiClientHttpService(clients));
        routing.register(StorefrontHttpService.PATH, new StorefrontHttpService(storefronts));
    }
}
