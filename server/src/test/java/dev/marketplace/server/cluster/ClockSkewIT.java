package dev.marketplace.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.MarketplaceServer;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.RecordingMailSender;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.ValidatingHttpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nodes whose clocks differ by a few seconds, on one database (issue 21, decision 62): one node keeps true time, one
 * runs 4 s ahead and one 4 s behind (their whole clock: the wall clock tokens are issued and checked by, and the
 * clock of the business rules). Tokens issued by one are accepted by the others (the bound is 5 s between issuer and
 * checker); a key's lease is set on PostgreSQL's clock whichever node claims it, so none takes it early.
 */
class ClockSkewIT {

    private static final Duration SKEW = Duration.ofSeconds(4);

    private static DSLContext db;
    private static MarketplaceServer trueTime;
    private static MarketplaceServer ahead;
    private static MarketplaceServer behind;
    private static final HttpClient HTTP = ValidatingHttpClient.create();

    @BeforeAll
    static void startNodes() throws Exception {
        String databaseUrl = TestDatabases.newDatabase();
        db = ClusterIT.database(databaseUrl);
        trueTime = node(databaseUrl, Clock.systemUTC());
        ahead = node(databaseUrl, Clock.offset(Clock.systemUTC(), SKEW));
        behind = node(databaseUrl, Clock.offset(Clock.systemUTC(), SKEW.negated()));
    }

    @AfterAll
    static void stopNodes() {
        for (MarketplaceServer node : new MarketplaceServer[] {behind, ahead, trueTime}) {
            if (node != null) {
                node.close();
            }
        }
    }

    @Test
    void aTokenIssuedByANodeAheadOrBehindIsAcceptedByOneKeepingTrueTimeAndTheOtherWayRound() {
        for (MarketplaceServer skewed : new MarketplaceServer[] {ahead, behind}) {
            assertThat(categories(trueTime, tokenFrom(skewed)).statusCode()).isEqualTo(200);
            assertThat(categories(skewed, tokenFrom(trueTime)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aKeyClaimedOnANodeBehindIsLeasedOnTheDatabasesClockAndNotTakenByANodeAhead() throws Exception {
        String key = UUID.randomUUID().toString();
        String body = "{\"name\":\"Skewed " + key.substring(0, 8) + "\",\"commissionRateBasisPoints\":1000}";
        String behindToken = tokenFrom(behind);
        CompletableFuture<HttpResponse<String>> first = new CompletableFuture<>();
        db.transaction(blocking -> {
            // Holds the category tree's lock (CategoryRepository): the request on the node behind claims its key and
            // waits here, in flight.
            blocking.dsl().fetch("SELECT pg_advisory_xact_lock(x'6361745f74726565'::bigint)");
            Thread.ofVirtual().start(() -> first.complete(createCategory(behind, behindToken, key, body)));
            Await.until(Duration.ofSeconds(10), "the node behind claimed the key", () ->
                    db.fetchExists(db.selectOne().from("idempotency_record").where("idempotency_key = ?", key)));
            double leaseSeconds = ((Number) db.fetchValue(
                    "SELECT extract(epoch FROM locked_until - created_at) FROM idempotency_record WHERE idempotency_key = ?",
                    key)).doubleValue();
            assertThat(leaseSeconds).as("a minute on the database's clock, not 56 s by the node's").isBetween(59.9, 60.5);

            HttpResponse<String> duplicate = createCategory(ahead, tokenFrom(ahead), key, body);
            assertThat(duplicate.statusCode()).isEqualTo(409);
            assertThat(duplicate.body()).contains("\"code\":\"idempotency_request_in_progress\"");
        });
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
        assertThat(db.fetchValue("SELECT count(*) FROM catalog_category WHERE name = ?", "Skewed " + key.substring(0, 8)))
                .isEqualTo(1L);
    }

    private static MarketplaceServer node(String databaseUrl, Clock clock) throws Exception {
        Map<String, String> settings = Map.of("server.port", "0", "server.host", "127.0.0.1", "db.url", databaseUrl,
                "db.pool.size", "4", "data.dir", Files.createTempDirectory("clock-skew").toString());
        return MarketplaceServer.start(TestServer.config(settings), new RecordingMailSender(), clock, clock);
    }

    private static URI uri(MarketplaceServer node) {
        return URI.create("http://127.0.0.1:" + node.port());
    }

    private static String tokenFrom(MarketplaceServer node) {
        return TestServer.token(uri(node), TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET);
    }

    private static HttpResponse<String> categories(MarketplaceServer node, String token) {
        return send(HttpRequest.newBuilder(uri(node).resolve("/v1/categories")).header("Authorization", "Bearer " + token)
                .GET().build());
    }

    private static HttpResponse<String> createCategory(MarketplaceServer node, String token, String key, String body) {
        return send(HttpRequest.newBuilder(uri(node).resolve("/v1/categories")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
