package dev.marketplace.server.testing;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.server.MarketplaceServer;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.jooq.DSLContext;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real server on a random port over a fresh database, for one test class:
 * {@code @RegisterExtension static final TestServer server = new TestServer();}
 * Everything sent through {@link #client()} or {@link #send} is validated against the OpenAPI document.
 */
public final class TestServer implements BeforeAllCallback, AfterAllCallback {

    private final Map<String, String> overrides = new HashMap<>();
    private MarketplaceServer server;
    private String databaseUrl;
    private MarketplaceClient client;
    private final HttpClient http = ValidatingHttpClient.create();

    /** Sets a configuration key for this class's server (before it starts). */
    public TestServer with(String key, String value) {
        overrides.put(key, value);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        databaseUrl = TestDatabases.newDatabase();
        Map<String, String> settings = new HashMap<>();
        settings.put("server.port", "0");
        settings.put("server.host", "127.0.0.1");
        settings.put("db.url", databaseUrl);
        settings.put("db.pool-size", "8");
        settings.put("data.dir", tempDirectory().toString());
        settings.putAll(overrides);
        server = MarketplaceServer.start(config(settings));
        client = MarketplaceClient.builder()
                .baseUri(baseUri())
                .httpClientBuilder(ValidatingHttpClient.builder())
                .build();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
    }

    /** Test configuration: the given keys, then the shipped application.yaml; never the machine's environment. */
    public static Config config(Map<String, String> settings) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(settings), ConfigSources.classpath("application.yaml"))
                .build();
    }

    public MarketplaceClient client() {
        return client;
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    public URI uri(String pathAndQuery) {
        return URI.create(baseUri() + pathAndQuery);
    }

    /** The server's database, for asserting that a refused request changed nothing. */
    public DSLContext db() {
        return server.database().dsl();
    }

    public String databaseName() {
        return databaseUrl.substring(databaseUrl.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(uri(pathAndQuery));
    }

    private static Path tempDirectory() {
        try {
            return Files.createTempDirectory("marketplace-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
