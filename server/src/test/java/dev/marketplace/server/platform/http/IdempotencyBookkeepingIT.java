package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.MarketplaceServer;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TcpProxy;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.ValidatingHttpClient;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * Decision 72: the idempotency bookkeeping that cannot be written is tried again in the background, and those retries
 * are capped. Two keyed POSTs are held in their transactions (the category tree's lock, taken by the test on a
 * connection of its own) when the database is cut: both fail, and releasing their keys fails too. With room for one
 * retry, one key is released by its retry once the database is back (a resend runs at once), the other retry is
 * dropped, counted and logged, and that key stays held until its lease ends (a resend is told it is in progress).
 */
class IdempotencyBookkeepingIT {

    private final HttpClient http = ValidatingHttpClient.create();

    @Test
    void aReleaseTheDatabaseRefusedIsRetriedOnceItIsBackAndRetriesBeyondTheCapAreDroppedAndCounted() throws Exception {
        String databaseUrl = TestDatabases.newDatabase();
        DSLContext db = TestDatabases.dsl(databaseUrl);
        try (TcpProxy proxy = TcpProxy.forDatabase(databaseUrl)) {
            Map<String, String> settings = Map.of("server.port", "0", "server.host", "127.0.0.1",
                    "db.url", proxy.jdbcUrl(), "db.connection.timeout", "PT1S",
                    "idempotency.bookkeeping.max-pending", "1",
                    "data.dir", System.getProperty("java.io.tmpdir") + "/bookkeeping-" + UUID.randomUUID());
            try (MarketplaceServer node = MarketplaceServer.start(TestServer.config(settings))) {
                URI base = URI.create("http://127.0.0.1:" + node.port());
                String token = TestServer.token(base, TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET);
                Counter dropped = Metrics.globalRegistry().getOrCreate(Counter.builder("idempotency.bookkeeping.dropped")
                        .description("Idempotency bookkeeping retries dropped because the most allowed were already waiting"));
                long droppedBefore = dropped.count();
                List<String> keys = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString());
                List<CompletableFuture<HttpResponse<String>>> answers = List.of(new CompletableFuture<>(),
                        new CompletableFuture<>());

                db.transaction(blocking -> {
                    // Holds the category tree's lock (CategoryRepository): both requests claim their keys and wait.
                    blocking.dsl().fetch("SELECT pg_advisory_xact_lock(x'6361745f74726565'::bigint)");
                    for (int i = 0; i < keys.size(); i++) {
                        String key = keys.get(i);
                        CompletableFuture<HttpResponse<String>> answer = answers.get(i);
                        Thread.ofVirtual().start(() -> answer.complete(createCategory(base, token, key)));
                    }
                    // Past their key claims and waiting on the lock inside their transactions: a cut earlier would
                    // fail a request in its claim, which leaves no bookkeeping to retry.
                    Await.until(Duration.ofSeconds(20), "both requests wait on the category tree's lock", () ->
                            db.fetchCount(db.selectOne().from("pg_stat_activity").where("datname = current_database()")
                                    .and("wait_event_type = 'Lock'").and("wait_event = 'advisory'")) == 2);
                    proxy.cut();
                    for (CompletableFuture<HttpResponse<String>> answer : answers) {
                        HttpResponse<String> failed = answer.get(30, TimeUnit.SECONDS);
                        assertThat(failed.statusCode()).as(failed.body()).isGreaterThanOrEqualTo(500);
                    }
                    Await.until(Duration.ofSeconds(20), "the retry beyond the cap dropped",
                            () -> dropped.count() - droppedBefore == 1);
                });
                assertThat(db.fetchCount(db.selectOne().from("idempotency_record")
                        .where("idempotency_key = any(?)", (Object) keys.toArray(String[]::new))))
                        .as("neither key released while the database is out").isEqualTo(2);

                proxy.restore();
                Await.until(Duration.ofSeconds(20), "the retried release written", () ->
                        db.fetchCount(db.selectOne().from("idempotency_record")
                                .where("idempotency_key = any(?)", (Object) keys.toArray(String[]::new))) == 1);
                String held = db.fetchValue("SELECT idempotency_key FROM idempotency_record WHERE idempotency_key = any(?)",
                        (Object) keys.toArray(String[]::new)).toString();
                String released = keys.get(0).equals(held) ? keys.get(1) : keys.get(0);
                assertThat(dropped.count() - droppedBefore).as("one retry dropped, no more").isEqualTo(1);

                HttpResponse<String> resent = createCategory(base, token, released);
                assertThat(resent.statusCode()).as("the released key runs its resend: " + resent.body()).isEqualTo(201);
                HttpResponse<String> waiting = createCategory(base, token, held);
                assertThat(waiting.statusCode()).as("the dropped key waits out its lease").isEqualTo(409);
                assertThat(waiting.body()).contains("\"code\":\"idempotency_request_in_progress\"");
                assertThat(((Number) db.fetchValue("SELECT extract(epoch FROM locked_until - clock_timestamp()) "
                        + "FROM idempotency_record WHERE idempotency_key = ?", held)).doubleValue())
                        .as("held for the rest of its one-minute lease").isBetween(1.0, 60.0);
            }
        }
    }

    private HttpResponse<String> createCategory(URI base, String token, String key) {
        try {
            return http.send(HttpRequest.newBuilder(base.resolve("/v1/categories")).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .header("Idempotency-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Kept " + key.substring(0, 8)
                            + "\",\"commissionRateBasisPoints\":1000}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
