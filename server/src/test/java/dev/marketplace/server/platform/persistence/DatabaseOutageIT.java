package dev.marketplace.server.platform.persistence;

import static dev.marketplace.schema.Tables.CATALOG_CATEGORY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.MarketplaceServer;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TcpProxy;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.ValidatingHttpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jooq.impl.DataSourceConnectionProvider;
import org.junit.jupiter.api.Test;

/**
 * Decision 50: the database cut off (a TCP proxy between the server and PostgreSQL closes every connection and
 * refuses new ones), then back. Readiness fails at once, requests are refused with 503 and Retry-After without each
 * waiting the pool out, and everything works again without a restart, with nothing acknowledged lost.
 */
class DatabaseOutageIT {

    private static final Duration POOL_TIMEOUT = Duration.ofSeconds(3);
    private final HttpClient http = ValidatingHttpClient.create();

    @Test
    void aCutDatabaseFailsReadinessAtOnceRefusesFastWith503AndRecoversWithoutARestart() throws Exception {
        try (TcpProxy proxy = TcpProxy.forDatabase(TestDatabases.newDatabase())) {
            Map<String, String> settings = Map.of("server.port", "0", "server.host", "127.0.0.1",
                    "db.url", proxy.jdbcUrl(),
                    "db.connection.timeout", POOL_TIMEOUT.toString(),
                    "data.dir", System.getProperty("java.io.tmpdir") + "/outage-" + UUID.randomUUID());
            try (MarketplaceServer node = MarketplaceServer.start(TestServer.config(settings))) {
                URI base = URI.create("http://127.0.0.1:" + node.port());
                String token = TestServer.token(base, TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET);
                String acknowledged = "Before the cut " + UUID.randomUUID().toString().substring(0, 8);
                assertThat(createCategory(base, token, UUID.randomUUID().toString(), acknowledged).statusCode())
                        .isEqualTo(201);

                proxy.cut();
                long started = System.nanoTime();
                HttpResponse<String> readiness = get(base, null, "/observe/health/ready");
                assertThat(readiness.statusCode()).isEqualTo(503);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).as("readiness does not wait for the pool")
                        .isLessThan(POOL_TIMEOUT);

                String refusedKey = UUID.randomUUID().toString();
                String refused = "During the cut " + UUID.randomUUID().toString().substring(0, 8);
                assertUnavailable(createCategory(base, token, refusedKey, refused));
                // A request that met a pooled connection broken by the cut fails at once without telling anyone; the
                // database is found down once a request has waited the pool out because it could not connect.
                DatabaseOutage outage = ((DataSourceConnectionProvider) node.database().dsl().configuration()
                        .connectionProvider()).dataSource().unwrap(DatabaseOutage.class);
                Await.until(Duration.ofSeconds(30), "the database is found down", () -> {
                    assertUnavailable(get(base, token, "/v1/categories"));
                    return outage.isDown();
                });
                List<Future<Duration>> timed = new ArrayList<>();
                try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int i = 0; i < 8; i++) {
                        timed.add(clients.submit(() -> {
                            long sent = System.nanoTime();
                            assertUnavailable(get(base, token, "/v1/categories"));
                            return Duration.ofNanos(System.nanoTime() - sent);
                        }));
                    }
                }
                int fast = 0;
                for (Future<Duration> took : timed) {
                    fast += took.get().compareTo(POOL_TIMEOUT.dividedBy(2)) < 0 ? 1 : 0;
                }
                // Without the fast refusal every one waits the pool out (none is fast).
                assertThat(fast).as("requests refused at once (one may be the one trying the pool again)")
                        .isGreaterThanOrEqualTo(7);

                proxy.restore();
                Await.until(Duration.ofSeconds(30), "ready again",
                        () -> get(base, null, "/observe/health/ready").statusCode() == 200);
                Await.until(Duration.ofSeconds(30), "the API answers again",
                        () -> get(base, token, "/v1/categories").statusCode() == 200);
                HttpResponse<String> resent = createCategory(base, token, refusedKey, refused);
                assertThat(resent.statusCode()).as("the refused request had not run: " + resent.body()).isEqualTo(201);
                assertThat(node.database().dsl().fetchCount(CATALOG_CATEGORY, CATALOG_CATEGORY.NAME.in(acknowledged,
                        refused))).as("nothing acknowledged lost, nothing doubled").isEqualTo(2);
            }
        }
    }

    private static void assertUnavailable(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(response.body()).contains("\"code\":\"service_unavailable\"");
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
    }

    private HttpResponse<String> createCategory(URI base, String token, String key, String name) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve("/v1/categories")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"commissionRateBasisPoints\":1000}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI base, String token, String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
