package dev.marketplace.server.testing;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.StorefrontCreate;
import dev.marketplace.server.MarketplaceServer;
import dev.marketplace.server.catalog.CatalogModule;
import dev.marketplace.server.platform.events.EventSubscribers;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import jakarta.json.Json;
import java.io.IOException;
import java.io.StringReader;
import java.net.URLEncoder;
import java.util.Base64;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
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

    /** Known to tests so they can act as another node (rotate keys, sign tokens) on the same database. */
    public static final String KEY_ENCRYPTION_KEY = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
    public static final String ISSUER = "http://marketplace.test";
    public static final String AUDIENCE = "marketplace-api";
    public static final String OPERATOR_CLIENT_ID = "test-operator";
    public static final String OPERATOR_CLIENT_SECRET = "test-operator-secret-0123456789abcdef";

    private final Map<String, String> overrides = new HashMap<>();
    private MarketplaceServer server;
    private String databaseUrl;
    private MarketplaceClient client;
    private String operatorToken;
    private final HttpClient http = ValidatingHttpClient.create();
    private final RecordingMailSender mails = new RecordingMailSender();
    private java.time.Clock clock = java.time.Clock.systemUTC();

    /** Sets a configuration key for this class's server (before it starts). */
    public TestServer with(String key, String value) {
        overrides.put(key, value);
        return this;
    }

    /** The clock the server's points programme keeps time by (before it starts): a test's own, to move it on. */
    public TestServer withClock(java.time.Clock clock) {
        this.clock = clock;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        databaseUrl = TestDatabases.newDatabase();
        Map<String, String> settings = new HashMap<>();
        settings.put("server.port", "0");
        settings.put("server.host", "127.0.0.1");
        settings.put("db.url", databaseUrl);
        settings.put("db.pool.size", "8");
        settings.put("data.dir", tempDirectory().toString());
        settings.putAll(overrides);
        server = MarketplaceServer.start(config(settings), mails, clock);
        // Tests start on a node that reports ready: its search index filled (decision 59).
        Await.until(Duration.ofSeconds(60), "the search index filled", () -> server.module(CatalogModule.class)
                .map(CatalogModule::searchIndexFilled).orElse(true));
        operatorToken = token(OPERATOR_CLIENT_ID, OPERATOR_CLIENT_SECRET);
        // The SDK fetches and renews its own tokens, through the validating client like every other call.
        client = MarketplaceClient.builder()
                .baseUri(baseUri())
                .httpClientBuilder(ValidatingHttpClient.builder())
                .clientCredentials(OPERATOR_CLIENT_ID, OPERATOR_CLIENT_SECRET)
                .build();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
    }

    /**
     * Test configuration: the given keys, then test security settings (known keys, an operator client, rate
     * limits out of the way), then the shipped application.yaml; never the machine's environment. The door
     * (decision 92) is out of the way too, like the rate limits: tests that send hundreds of requests at once prove the
     * domains' rules under concurrency (exactly the stock sold), not the door's shedding, which {@code AdmissionIT}
     * proves with a door of its own.
     */
    public static Config config(Map<String, String> settings) {
        Map<String, String> security = Map.of(
                "security.encryption.key", KEY_ENCRYPTION_KEY,
                "security.issuer", ISSUER,
                "security.audience", AUDIENCE,
                "security.operator.client.id", OPERATOR_CLIENT_ID,
                "security.operator.client.secret", OPERATOR_CLIENT_SECRET,
                "rate.limits.operator", "1000000",
                "rate.limits.merchant", "1000000",
                "rate.limits.anonymous", "1000000",
                "rate.limits.token.endpoint", "1000000",
                "http.admission.in.flight", "100000");
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(settings), ConfigSources.create(security),
                        ConfigSources.classpath("application.yaml"))
                .build();
    }

    /** The mail the server sent to customers. */
    public RecordingMailSender mails() {
        return mails;
    }

    /** The SDK as the operator's tooling uses it. */
    public MarketplaceClient client() {
        return client;
    }

    /** An access token from the server's token endpoint (client credentials; all granted scopes unless named). */
    public String token(String clientId, String secret, String... scopes) {
        return token(baseUri(), clientId, secret, scopes);
    }

    public static String token(URI baseUri, String clientId, String secret, String... scopes) {
        String form = "grant_type=client_credentials" + (scopes.length == 0 ? ""
                : "&scope=" + URLEncoder.encode(String.join(" ", scopes), StandardCharsets.UTF_8));
        HttpResponse<String> response = send(ValidatingHttpClient.create(), HttpRequest.newBuilder(baseUri.resolve("/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (clientId + ":" + secret).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
        if (response.statusCode() != 200) {
            throw new AssertionError("token request failed: " + response.statusCode() + " " + response.body());
        }
        return Json.createReader(new StringReader(response.body())).readObject().getString("access_token");
    }

    /** The SDK sending {@code token} as its bearer token. */
    public MarketplaceClient clientWithToken(String token) {
        return clientWithToken(baseUri(), token);
    }

    public static MarketplaceClient clientWithToken(URI baseUri, String token) {
        return MarketplaceClient.builder()
                .baseUri(baseUri)
                .httpClientBuilder(ValidatingHttpClient.builder())
                .accessToken(token)
                .build();
    }

    /**
     * Registers a storefront named like the client ({@code POST /v1/storefronts}) and creates {@code client} for it
     * as the operator: a storefront client must name a registered storefront. Its id is the created client's
     * {@code principalId}.
     */
    public ClientCredentials storefrontClient(ClientCreate client) {
        UUID storefront = client().clients().registerStorefront(new StorefrontCreate().name(client.getName())).getId();
        return client().clients().createClient(client.principalType(PrincipalType.STOREFRONT).principalId(storefront));
    }

    /** The operator's bearer token, for raw requests. */
    public String operatorToken() {
        return operatorToken;
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    public URI uri(String pathAndQuery) {
        return URI.create(baseUri() + pathAndQuery);
    }

    /**
     * Runs one of the server's jobs now ({@link dev.marketplace.server.platform.jobs.Jobs#runNow}) rather than
     * waiting for its schedule; what it returned (rows or events it handled).
     */
    public long runJob(String name) {
        return server.jobs().runNow(name);
    }

    /**
     * Runs the subscribers' jobs, in the order given, until each has handled every event of its types committed so far
     * (an event is handed a position only once older transactions have committed, so one run may not see the latest
     * yet).
     */
    public void catchUp(String... subscribers) {
        Await.until(Duration.ofSeconds(30), "subscribers " + String.join(", ", subscribers) + " caught up", () -> {
            for (String subscriber : subscribers) {
                runJob(EventSubscribers.jobName(subscriber));
            }
            return Boolean.TRUE.equals(db().fetchValue("SELECT count(*) = ? AND NOT bool_or(" + SubscriberBacklog.BEHIND
                    + ") FROM event_subscription s WHERE s.name = ANY(?)", subscribers.length, subscribers));
        });
    }

    /** The server's payment provider, for tests that act on the provider's side. */
    public dev.marketplace.server.payments.PaymentProvider paymentProvider() {
        return server.module(dev.marketplace.server.payments.PaymentsModule.class).orElseThrow().provider();
    }

    /** One of the server's modules, for tests that act on its built-in counterpart (the simulated supplier). */
    public <M extends dev.marketplace.server.platform.modules.Module> M module(Class<M> type) {
        return server.module(type).orElseThrow();
    }

    /** The server's Idempotency-Key filter, to inject a failure after a request's commit (decision 50). */
    public dev.marketplace.server.platform.http.Idempotency idempotency() {
        return server.idempotency();
    }

    /** The server's database, for asserting that a refused request changed nothing. */
    public DSLContext db() {
        return server.database().dsl();
    }

    /** The server's database: its pool, and connections of its own outside the pool (demo data). */
    public dev.marketplace.server.platform.persistence.Database database() {
        return server.database();
    }

    /** The server's connection pool, for code that works on a {@link javax.sql.DataSource} (demo data). */
    public javax.sql.DataSource dataSource() {
        return server.database().dataSource();
    }

    /** The JDBC URL of this class's database, for a second server started on it (a key rotation). */
    public String databaseUrl() {
        return databaseUrl;
    }

    public String databaseName() {
        return databaseUrl.substring(databaseUrl.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
    }

    public HttpResponse<String> send(HttpRequest request) {
        return send(http, request);
    }

    private static HttpResponse<String> send(HttpClient http, HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A request carrying the operator's bearer token. */
    public HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(uri(pathAndQuery)).header("Authorization", "Bearer " + operatorToken());
    }

    /** A request without credentials. */
    public HttpRequest.Builder anonymousRequest(String pathAndQuery) {
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
