package dev.marketplace.server;

import dev.marketplace.server.platform.health.ProcessLaunch;
import dev.marketplace.server.platform.persistence.EmbeddedDatabaseHeadStart;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import io.helidon.logging.common.LogConfig;
import io.helidon.service.registry.Services;
import sun.misc.Signal;

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
        return configuration(Map.of());
    }

    /** The same with {@code overrides} above everything else (the AOT training run's own marketplace). */
    static Config configuration(Map<String, String> overrides) {
        return Config.builder()
                .disableSystemPropertiesSource()
                .disableEnvironmentVariablesSource()
                .addSource(ConfigSources.create(overrides))
                .addSource(ConfigSources.systemProperties())
                .addSource(ConfigSources.environmentVariables())
                .addSource(ConfigSources.file(configurationFile()).optional())
                .addSource(ConfigSources.classpath("application.yaml"))
                .build();
    }

    /** The optional YAML file: {@code MARKETPLACE_CONFIG}, else {@code marketplace.yaml} in the working directory. */
    static Path configurationFile() {
        return Path.of(Optional.ofNullable(System.getenv("MARKETPLACE_CONFIG")).orElse("marketplace.yaml"));
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("backup")) {
            System.exit(BackupCommand.run(configuration(), args));
        }
        if (args.length > 0 && args[0].equals("aot-training")) {
            LogConfig.configureRuntime();
            System.exit(AotTraining.run(args));
        }
        long started = System.nanoTime();
        OptionalLong sinceLaunch = ProcessLaunch.millisSinceLaunch();
        LogConfig.configureRuntime();
        // The embedded PostgreSQL (a process of its own, mostly waiting) starts beside the configuration's set-up, on
        // a guess of its data directory the configuration then confirms (decision 122).
        EmbeddedDatabaseHeadStart headStart = EmbeddedDatabaseHeadStart.begin(() -> EarlyDatabaseLocation.guess(Map.of()));
        logJvmStart(sinceLaunch);
        Config config;
        try {
            config = configured(Map.of());
        } catch (RuntimeException e) {
            headStart.abandon();
            throw e;
        }
        MarketplaceServer server = MarketplaceServer.start(config, headStart);

        // The embedded PostgreSQL library stops PostgreSQL from a shutdown hook of its own, which the JVM runs beside
        // any other: on SIGTERM it stopped the database while the server was still closing (releasing its leases,
        // marking the data directory closed), so every restart began as a recovery. So this (non-daemon) thread waits
        // for SIGTERM or SIGINT, closes the server, and only then lets the JVM exit; the hook remains for other ways out.
        BlockingQueue<Signal> stop = new ArrayBlockingQueue<>(2);
        for (String signal : List.of("TERM", "INT")) {
            Signal.handle(new Signal(signal), stop::offer);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));

        long millis = (System.nanoTime() - started) / 1_000_000;
        String host = config.get("server.host").asString().get();
        String reachable = host.equals("0.0.0.0") || host.equals("::") ? "localhost"
                : host.contains(":") ? "[" + host + "]" : host;
        System.out.printf("Marketplace API ready in %d ms, listening on %s:%d: http://%s:%d (OpenAPI at /openapi, "
                + "health at /observe/health)%n", millis, host, server.port(), reachable, server.port());

        Signal received = awaitStop(stop);
        try {
            server.close();
        } finally {
            System.exit(128 + received.getNumber()); // as the JVM's own handler exits on these signals
        }
    }

    /**
     * {@link #configuration(Map)} made the services' configuration (Helidon's components read it from the service
     * registry), its set-up timed in the log.
     */
    static Config configured(Map<String, String> overrides) {
        long started = System.nanoTime();
        Config config = configuration(overrides);
        Services.set(Config.class, config);
        System.getLogger(Main.class.getName()).log(System.Logger.Level.INFO, "start-up: configuration read and service "
                + "registry set up in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        return config;
    }

    /** The JVM's own start, before {@code main} (what an AOT cache shortens): the first of the start-up lines. */
    private static void logJvmStart(OptionalLong sinceLaunch) {
        sinceLaunch.ifPresent(millis -> System.getLogger(Main.class.getName()).log(
                System.Logger.Level.INFO, "start-up: JVM started in " + millis + " ms (from the process's launch to main)"));
    }

    private static Signal awaitStop(BlockingQueue<Signal> stop) {
        while (true) {
            try {
                return stop.take();
            } catch (InterruptedException e) {
                // nothing interrupts this thread but a signal would; keep waiting for one
            }
        }
    }
}
