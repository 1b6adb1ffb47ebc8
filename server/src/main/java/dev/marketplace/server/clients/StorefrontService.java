package dev.marketplace.server.clients;

import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Storefronts: the operator registers each one and then creates its API clients with the storefront's id as their
 * principal; a storefront reads its own registration. Each public method is one transaction.
 */
public final class StorefrontService {

    private final DSLContext dsl;
    private final StorefrontRepository repository = new StorefrontRepository();

    public StorefrontService(DSLContext dsl) {
        this.dsl = dsl;
    }

    public Storefront register(Principal caller, String name, Optional<String> url, Optional<String> defaultLanguage) {
        if (!caller.isOperator()) {
            throw ProblemException.forbidden("Storefronts are registered by the operator.");
        }
        return dsl.transactionResult(tx -> repository.insert(tx.dsl(), name, url, defaultLanguage));
    }

    public Storefront get(Principal caller, UUID id) {
        return repository.find(dsl, caller, id).orElseThrow(() -> ProblemException.notFound("storefront"));
    }

    public Page<Storefront> list(Principal caller, PageRequest page) {
        return Page.fromLookahead(repository.list(dsl, caller, page), page.limit(), StorefrontRepository::cursorOf);
    }
}
