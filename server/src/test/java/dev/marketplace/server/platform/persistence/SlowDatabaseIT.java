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
 * Issue 21, decision 62: a slow database (a TCP proxy holds every statement back) behind a small pool. Requests that
 * get no connection within the pool's timeout are answered 503 problem+json with Retry-After, none hangs, and once the
 * database is fast again everything works without a restart: every refused POST's resend with its key runs once (the
 * idempotency bookkeeping that could not be written under the load is written when it can), none stays held.
 */
class SlowDatabaseIT {

    private static final Duration POOL_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration STATEMENT_DELAY = Duration.ofMillis(1200);
    private final HttpClient http = ValidatingHttpClient.create();

    @Test
    void aSlowDatabaseWithAFullPoolAnswers503InBoundedTimeAndRecoversOnItsOwn() throws Exception {
        try (TcpProxy proxy = TcpProxy.forDatabase(TestDatabases.newDatabase())) {
            Map<String, String> settings = Map.of("server.port", "0", "server.host", "127.0.0.1",
                    "db.url", proxy.jdbcUrl(),
                    "db.pool.size", "2",
                    "db.connection.timeout", POOL_TIMEOUT.toString(),
                    "data.dir", System.getProperty("java.io.tmpdir") + "/slow-" + UUID.randomUUID());
            try (MarketplaceServer node = MarketplaceServer.start(TestServer.config(settings))) {
                URI base = URI.create("http://127.0.0.1:" + node.port());
                String token = TestServer.token(base, TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET);
                assertThat(get(base, token).statusCode()).isEqualTo(200);

                proxy.slowDown(STATEMENT_DELAY);
                List<String> names = new ArrayList<>();
                List<String> keys = new ArrayList<>();
                List<Future<Timed>> answers = new ArrayList<>();
                try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int i = 0; i < 12; i++) {
                        if (i % 3 == 0) {
                            String name = "Slow " + UUID.randomUUID().toString().substring(0, 8);
                            String key = UUID.randomUUID().toString();
                            names.add(name);
                            keys.add(key);
                            answers.add(clients.submit(() -> timed(() -> createCategory(base, token, key, name))));
                        } else {
                            answers.add(clients.submit(() -> timed(() -> get(base, token))));
                        }
                    }
                }
                int refused = 0;
                for (Future<Timed> future : answers) {
                    Timed answer = future.get();
                    assertThat(answer.response().statusCode()).as(answer.response().body()).isIn(200, 201, 503);
                    assertThat(answer.took()).as("nothing hangs").isLessThan(Duration.ofSeconds(20));
                    if (answer.response().statusCode() == 503) {
                        refused++;
                        assertThat(answer.response().headers().firstValue("Content-Type")).contains("application/problem+json");
                        assertThat(answer.response().body()).contains("\"code\":\"service_unavailable\"");
                        assertThat(answer.response().headers().firstValue("Retry-After")).isPresent();
                    }
                }
                // Two connections, each held over a second per statement, cannot serve twelve requests within the
                // pool's one-second wait.
                assertThat(refused).as("requests beyond the pool refused").isGreaterThanOrEqualTo(4);
                assertThat(((DataSourceConnectionProvider) node.database().dsl().configuration()
                        .connectionProvider()).dataSource().unwrap(DatabaseOutage.class).isDown())
                        .as("a slow database is not taken for a lost one").isFalse();

                proxy.restore();
                Await.until(Duration.ofSeconds(30), "the API answers at full speed again",
                        () -> get(base, token).statusCode() == 200);
                for (int i = 0; i < keys.size(); i++) {
                    String key = keys.get(i);
                    String name = names.get(i);
                    Await.until(Duration.ofSeconds(15), "the resend of " + name + " is answered 201 (its key not held)",
                            () -> createCategory(base, token, key, name).statusCode() == 201);
                }
                assertThat(node.database().dsl().fetchCount(CATALOG_CATEGORY, CATALOG_CATEGORY.NAME.in(names)))
                        .as("each POST's effect once").isEqualTo(names.size());
            }
        }
    }

    private record Timed(HttpResponse<String> response, Duration took) {
    }

    private static Timed timed(java.util.concurrent.Callable<HttpResponse<String>> request) throws Exception {
        long sent = System.nanoTime();
        HttpResponse<String> response = request.call();
        return new Timed(response, Duration.ofNanos(System.nanoTime() - sent));
    }

    private HttpResponse<String> createCategory(URI base, String token, String key, String name) {
        return send(HttpRequest.newBuilder(base.resolve("/v1/categories")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"commissionRateBasisPoints\":1000}"))
                .build());
    }

    private HttpResponse<String> get(URI base, String token) {
        return send(HttpRequest.newBuilder(base.resolve("/v1/categories")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).GET().build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
