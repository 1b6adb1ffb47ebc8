package dev.marketplace.server;

import dev.marketplace.server.catalog.CategoryHttpService;
import dev.marketplace.server.catalog.CategoryService;
import dev.marketplace.server.platform.http.ApiRoutes;
import dev.marketplace.server.platform.http.ErrorHandling;
import dev.marketplace.server.platform.http.RequestIds;
import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.persistence.DatabaseSettings;
import io.helidon.config.Config;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;

/**
 * The whole marketplace wired by hand: database, domain services, HTTP routing, observability.
 * {@link Main} starts one for real; tests start one per test class on a fresh database.
 */
public final class MarketplaceServer implements AutoCloseable {

    private final Database database;
    private final WebServer webServer;

    private MarketplaceServer(Database database, WebServer webServer) {
        this.database = database;
        this.webServer = webServer;
    }

    public static MarketplaceServer start(Config config) {
        Database database = Database.start(DatabaseSettings.from(config));
        try {
            ErrorHandling errors = new ErrorHandling(ApiRoutes.fromClasspathDocument());

            HttpRouting.Builder routing = HttpRouting.builder().addFilter(new RequestIds());
            errors.register(routing);
            routing.register(CategoryHttpService.PATH, new CategoryHttpService(new CategoryService(database.dsl())));

            WebServer webServer = WebServer.builder()
                    .config(config.get("server"))
                    .directHandlers(errors.directHandlers())
                    .addFeature(observability(config, database))
                    .routing(routing)
                    .build()
                    .start();
            return new MarketplaceServer(database, webServer);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    private static ObserveFeature observability(Config config, Database database) {
        return ObserveFeature.builder()
                .config(config.get("server.features.observe"))
                .addObserver(HealthObserver.builder()
                        .config(config.get("server.features.observe.observers.health"))
                        .details(true)
                        .addCheck(() -> HealthCheckResponse.builder()
                                        .status(database.isReachable())
                                        .build(),
                                HealthCheckType.READINESS, "database")
                        .build())
                .build();
    }

    public int port() {
        return webServer.port();
    }

    public Database database() {
        return database;
    }

    /** Stops taking requests, lets those in flight finish (within the grace period), then closes the database. */
    @Override
    public void close() {
        webServer.stop();
        database.close();
    }
}
