package dev.marketplace.server.platform.modules;

import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.http.Admission;
import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.jobs.Jobs;
import java.util.List;
import java.util.Map;

/**
 * What one domain contributes to the server (decision 27): its wiring (done in its constructor), its
 * {@code HttpService}s, its jobs and its event subscribers. {@code MarketplaceServer} builds the platform, then the
 * modules in dependency order, then asks each for these and starts the web server; adding a domain is its module
 * class and one line there.
 *
 * <p>A module's constructor takes its own configuration node (its keys' defaults live in {@code application.yaml})
 * and what it needs from the platform and from modules built before it — their services, never another domain's
 * repository or table. A module that others need offers its services through accessors.
 */
public interface Module {

    /**
     * Its domain, as in package and job names ({@code orders}, {@code payments}); {@code <domain>.<part>} for a domain
     * that brings two modules because another domain's module must come between them.
     */
    String name();

    /** Registers its operations; each must be one of the OpenAPI document (decision 22). */
    default void routes(ContractRouting routing) {
    }

    /** Schedules its background jobs, each named {@code <domain>.<job>}. */
    default void jobs(Jobs jobs) {
    }

    /** Its subscribers of domain events; the server runs each (decision 25). */
    default List<Subscriber> subscribers() {
        return List.of();
    }

    /**
     * Its POST paths whose handlers keep the {@code Idempotency-Key} themselves, as path patterns ({@code {name}} for a
     * segment): the key is kept on the domain's own resource, claimed in the request's transaction and answered again
     * by the handler, so the platform's idempotency filter only checks it and hands it over
     * ({@code Idempotency.ownKey}) rather than keep each key twice (decisions 75 and 90).
     */
    default List<String> pathsKeepingTheirOwnKeys() {
        return List.of();
    }

    /**
     * Its operations cheaper than {@link Admission.Cost#OTHER}, by {@code "METHOD /path/{template}"}: the door lets
     * them in first when the node is busy (decision 92).
     */
    default Map<String, Admission.Cost> admissionCosts() {
        return Map.of();
    }

    /** Releases what it holds beyond the platform's resources (listeners, caches); called in reverse order. */
    default void close() {
    }
}
