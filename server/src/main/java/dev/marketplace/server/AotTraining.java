package dev.marketplace.server;

import dev.marketplace.server.catalog.CatalogModule;
import io.helidon.config.Config;
import dev.marketplace.server.platform.persistence.Directories;
import dev.marketplace.server.platform.persistence.EmbeddedDatabaseHeadStart;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code java -XX:AOTCacheOutput=marketplace-server.aot -jar marketplace-server.jar aot-training <directory>}: the
 * build's training run for the JVM's ahead-of-time cache (JEP 483/514, decision 71). It runs a small marketplace in
 * {@code <directory>} (deleted afterwards) the way a real node runs: a first start on a new embedded database
 * (migrations, demo data, the demo trade through the HTTP API), then a restart on the existing database, each until
 * its readiness probe is up. The classes loaded and linked meanwhile are what the cache holds.
 */
final class AotTraining {

    private static final Duration READY_WITHIN = Duration.ofMinutes(4);

    private AotTraining() {
    }

    /** The process's exit status: 0 done, 1 failed, 2 misused. */
    static int run(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: java -XX:AOTCacheOutput=<file> -jar marketplace-server.jar aot-training <directory>");
            return 2;
        }
        Path directory = Path.of(args[1]).toAbsolutePath();
        // A marketplace of its own, whatever the machine's settings: the embedded database in the directory, any free
        // port, a small demo catalog (the demo trade makes orders, points, coupons and the ledger through the API).
        Map<String, String> overrides = Map.of("db.url", "", "data.dir", directory.toString(), "server.port", "0",
                "server.host", "127.0.0.1", "demo.data.enabled", "true", "demo.data.merchants", "10",
                "demo.data.products", "300", "demo.data.customers", "10");
        try {
            deleteRecursively(directory);
            Config config = Main.configured(overrides);
            // A new database: migrations, demo data and trade (there is no database yet to start ahead).
            runUntilReady(overrides, config);
            // A restart on it, what the cache is for, its database started ahead as Main starts it.
            runUntilReady(overrides, config);
            deleteRecursively(directory);
            return 0;
        } catch (RuntimeException | InterruptedException e) {
            System.err.println("AOT training run failed: " + e);
            return 1;
        }
    }

    private static void runUntilReady(Map<String, String> overrides, Config config) throws InterruptedException {
        try (MarketplaceServer server = MarketplaceServer.start(config,
                EmbeddedDatabaseHeadStart.begin(() -> EarlyDatabaseLocation.guess(overrides)))) {
            CatalogModule catalog = server.module(CatalogModule.class).orElseThrow();
            long deadline = System.nanoTime() + READY_WITHIN.toNanos();
            while (!catalog.searchIndexFilled()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the search index was not filled within " + READY_WITHIN);
                }
                Thread.sleep(50); // the index fills on its listener's thread, which offers nothing to wait on
            }
            probeReadiness(server.port());
        }
    }

    /** The readiness probe a load balancer calls, through HTTP: the health checks and the request path's filters. */
    private static void probeReadiness(int port) throws InterruptedException {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> ready = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/observe/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (ready.statusCode() != 200) {
                throw new IllegalStateException("readiness probe answered " + ready.statusCode() + ": " + ready.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path directory) {
        try {
            Directories.deleteRecursively(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
