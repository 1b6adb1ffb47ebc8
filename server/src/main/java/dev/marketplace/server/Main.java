package dev.marketplace.server;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.nio.file.Path;
import java.util.Optional;
import io.helidon.logging.common.LogConfig;
import io.helidon.service.registry.Services;

/**
 * Starts the marketplace server: configuration from {@code application.yaml}, overridden by an optional
 * file, environment variables ({@code SERVER_PORT}, {@code DB_URL}, {@code DATA_DIR}, ...) and system
 * properties; see the README.
 */
public final class Main {

    private Main() {
    }

    /**
     * Highest precedence first: system properties, environment variables, an optional YAML file
     * ({@code MARKETPLACE_CONFIG}, default {@code marketplace.yaml} in the working directory), then the
     * defaults shipped in {@code application.yaml}.
     */
    static Config configuration() {
        String file = Optional.ofNullable(System.getenv("MARKETPLACE_CONFIG")).orElse("marketplace.yaml");
        return Config.builder()
                .disableSystemPropertiesSource()
                .disableEnvironmentVariablesSource()
                .addSource(ConfigSources.systemProperties())
                .addSource(ConfigSources.environmentVariables())
                .addSource(ConfigSources.file(Path.of(file)).optional())
                .addSource(ConfigSources.classpath("application.yaml"))
                .build();
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("backup")) {
            System.exit(BackupCommand.run(configuration(), args));
        }
        long started = System.nanoTime();
        LogConfig.configureRuntime();
        Config config = configuration();
        Services.set(Config.class, config);

        MarketplaceServer server = MarketplaceServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));

        long millis = (System.nanoTime() - started) / 1_000_000;
        String host = config.get("server.host").asString().get();
        String reachable = host.equals("0.0.0.0") || host.equals("::") ? "localhost"
                : host.contains(":") ? "[" + host + "]" : host;
        System.out.printf("Marketplace API ready in %d ms, listening on %s:%d: http://%s:%d (OpenAPI at /openapi, "
                + "health at /observe/health)%n", millis, host, server.port(), reachable, server.port());
    }
}
