package dev.marketplace.server;

import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;
import io.helidon.service.registry.Services;

/**
 * Starts the marketplace server: configuration from {@code application.yaml}, overridden by system
 * properties and environment variables ({@code SERVER_PORT}, {@code DB_URL}, {@code DATA_DIR}, ...; see the README).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        long started = System.nanoTime();
        LogConfig.configureRuntime();
        Config config = Config.create();
        Services.set(Config.class, config);

        MarketplaceServer server = MarketplaceServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));

        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("Marketplace API ready in %d ms: http://localhost:%d (OpenAPI at /openapi, health at /observe/health)%n",
                millis, server.port());
    }
}
