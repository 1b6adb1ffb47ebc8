package dev.marketplace.server.platform.http;

import static dev.marketplace.schema.Tables.CATALOG_CATEGORY;
import static dev.marketplace.schema.Tables.IDEMPOTENCY_RECORD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.MarketplaceServer;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestDatabases;
import dev.marketplace.server.testing.TestServer;
import dev.marketplace.server.testing.ValidatingHttpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Idempotency-Key as clients rely on it: replay, conflicting reuse, in-flight duplicates, restarts. */
class IdempotencyIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void theSameKeyAndBodyReplaysTheFirstResponseAndCreatesOnce() {
        String key = UUID.randomUUID().toString();
        String body = categoryBody("Replayed");
        HttpResponse<String> first = post(key, body);
        HttpResponse<String> second = post(key, body);

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(second.statusCode()).isEqualTo(201);
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(second.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
        assertThat(second.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(countNamed("Replayed")).isEqualTo(1);
    }

    @Test
    void anAnswerKeptBeforeV76AsItWasSentStillReplays() {
        String key = UUID.randomUUID().toString();
        String body = categoryBody("Kept as sent");
        HttpResponse<String> first = post(key, body);
        assertThat(server.db().select(IDEMPOTENCY_RECORD.RESPONSE_DEFLATED).from(IDEMPOTENCY_RECORD)
                .where(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key)).fetchOne(IDEMPOTENCY_RECORD.RESPONSE_DEFLATED))
                .as("kept deflated today").isTrue();

        // The row as the code before V76 stored it: the answer's bytes as sent; V76 marked such rows not deflated.
        server.db().update(IDEMPOTENCY_RECORD)
                .set(IDEMPOTENCY_RECORD.RESPONSE_BODY, first.body().getBytes(StandardCharsets.UTF_8))
                .set(IDEMPOTENCY_RECORD.RESPONSE_DEFLATED, false)
                .where(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key)).execute();
        HttpResponse<String> replayed = post(key, body);

        assertThat(replayed.statusCode()).isEqualTo(201);
        assertThat(replayed.body()).isEqualTo(first.body());
        assertThat(replayed.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(countNamed("Kept as sent")).isEqualTo(1);
    }

    @Test
    void theSameKeyWithAnotherBodyIs422AndChangesNothing() {
        String key = UUID.randomUUID().toString();
        assertThat(post(key, categoryBody("Original")).statusCode()).isEqualTo(201);
        HttpResponse<String> reused = post(key, categoryBody("Different"));
        assertThat(reused.statusCode()).isEqualTo(422);
        assertThat(reused.body()).contains("\"code\":\"idempotency_key_reused\"");
        assertThat(countNamed("Different")).isZero();
    }

    @Test
    void aDuplicateWhileTheFirstIsRunningIs409() throws Exception {
        String key = UUID.randomUUID().toString();
        String body = categoryBody("In flight");
        // The first request holds the key (as a request still running on some node would).
        holdKey(key, body, null);
        HttpResponse<String> duplicate = post(key, body);
        assertThat(duplicate.statusCode()).isEqualTo(409);
        assertThat(duplicate.body()).contains("\"code\":\"idempotency_request_in_progress\"");
        assertThat(duplicate.headers().firstValue("Retry-After")).contains("1");
        assertThat(countNamed("In flight")).isZero();

        // A holder that died (its lease ran out) does not block the key for ever.
        server.db().update(IDEMPOTENCY_RECORD).set(IDEMPOTENCY_RECORD.LOCKED_UNTIL, OffsetDateTime.now().minusSeconds(1))
                .where(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key)).execute();
        assertThat(post(key, body).statusCode()).isEqualTo(201);
        assertThat(countNamed("In flight")).isEqualTo(1);
    }

    @Test
    void aKeyHeldByALiveNodeWaitsForItsLeaseAndOneHeldByADeadNodeIsTakenOverAtOnce() throws Exception {
        String key = UUID.randomUUID().toString();
        String body = categoryBody("Orphaned");
        int otherNode = 1_000_000 + (int) (Math.random() * 1_000_000);
        server.db().connection(otherNodesSession -> {
            // Another node's liveness lock (decision 62), held as its session would while the node lives.
            try (var lock = otherNodesSession.prepareStatement("SELECT pg_advisory_lock(1852793957, ?)")) {
                lock.setInt(1, otherNode);
                lock.execute();
            }
            apart(() -> {
                holdKey(key, body, otherNode);
                return null;
            });
            HttpResponse<String> whileAlive = post(key, body);
            assertThat(whileAlive.statusCode()).isEqualTo(409);
            assertThat(whileAlive.body()).contains("\"code\":\"idempotency_request_in_progress\"");

            // The node's session ends (its process died): the lock is gone with it.
            try (var unlock = otherNodesSession.prepareStatement("SELECT pg_advisory_unlock(1852793957, ?)")) {
                unlock.setInt(1, otherNode);
                unlock.execute();
            }
        });
        assertThat(post(key, body).statusCode()).as("taken over within the lease").isEqualTo(201);
        assertThat(countNamed("Orphaned")).isEqualTo(1);
    }

    @Test
    void aRequestWhoseKeyWasTakenOverWhileItRanDoesNotCommit() throws Exception {
        String key = UUID.randomUUID().toString();
        String body = categoryBody("Fenced");
        UUID newHolder = UUID.randomUUID();
        CompletableFuture<HttpResponse<String>> first = new CompletableFuture<>();
        server.db().transaction(blocking -> {
            // Holds the category tree's lock (CategoryRepository): the request claims its key, then waits here.
            blocking.dsl().fetch("SELECT pg_advisory_xact_lock(x'6361745f74726565'::bigint)");
            Thread.ofVirtual().start(() -> first.complete(post(key, body)));
            Await.until(Duration.ofSeconds(10), "the request claimed its key", () -> apart(() ->
                    server.db().fetchExists(IDEMPOTENCY_RECORD, IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key))));
            // Another node takes the key over (as from a node it saw dead, or past the lease).
            apart(() -> server.db().update(IDEMPOTENCY_RECORD).set(IDEMPOTENCY_RECORD.CLAIM, newHolder)
                    .setNull(IDEMPOTENCY_RECORD.HELD_BY_NODE)
                    .where(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key)).execute());
        });
        HttpResponse<String> answer = first.get(10, TimeUnit.SECONDS);

        assertThat(answer.statusCode()).isEqualTo(409);
        assertThat(answer.body()).contains("\"code\":\"idempotency_request_in_progress\"");
        assertThat(countNamed("Fenced")).as("its transaction rolled back").isZero();
        assertThat(server.db().fetchValue(IDEMPOTENCY_RECORD.CLAIM, IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key)))
                .as("the new holder's record left alone").isEqualTo(newHolder);
    }

    @Test
    void concurrentDuplicatesCreateExactlyOnce() throws Exception {
        String key = UUID.randomUUID().toString();
        String body = categoryBody("Raced");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 16; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return post(key, body);
                }));
            }
            start.countDown();
            List<String> locations = new ArrayList<>();
            for (Future<HttpResponse<String>> future : futures) {
                HttpResponse<String> response = future.get();
                assertThat(response.statusCode()).isIn(201, 409);
                if (response.statusCode() == 201) {
                    locations.add(response.headers().firstValue("Location").orElseThrow());
                } else {
                    assertThat(response.body()).contains("idempotency_request_in_progress");
                }
            }
            assertThat(locations).isNotEmpty().containsOnly(locations.getFirst());
        }
        assertThat(countNamed("Raced")).isEqualTo(1);
    }

    @Test
    void keysBelongToTheirClient() throws Exception {
        String key = UUID.randomUUID().toString();
        assertThat(post(key, categoryBody("Operator's")).statusCode()).isEqualTo(201);
        var other = server.client().clients().createClient(new dev.marketplace.sdk.model.ClientCreate()
                .name("Second operator tool").principalType(dev.marketplace.sdk.model.PrincipalType.OPERATOR)
                .scopes(List.of(dev.marketplace.sdk.model.Scope.CATEGORIES_WRITE)));
        String otherToken = server.token(other.getClient().getClientId(), other.getClientSecret());
        HttpResponse<String> sameKeyOtherClient = server.send(server.anonymousRequest("/v1/categories")
                .header("Authorization", "Bearer " + otherToken).header("Content-Type", "application/json")
                .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(categoryBody("Another tool's")))
                .build());
        assertThat(sameKeyOtherClient.statusCode()).isEqualTo(201);
        assertThat(sameKeyOtherClient.headers().firstValue("Idempotent-Replayed")).isEmpty();
    }

    @Test
    void anExpiredKeyIsForgotten() {
        String key = UUID.randomUUID().toString();
        assertThat(post(key, categoryBody("First use")).statusCode()).isEqualTo(201);
        server.db().update(IDEMPOTENCY_RECORD).set(IDEMPOTENCY_RECORD.EXPIRES_AT, OffsetDateTime.now().minusSeconds(1))
                .where(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key)).execute();
        HttpResponse<String> reused = post(key, categoryBody("After the window"));
        assertThat(reused.statusCode()).as("a new request, not a conflicting reuse").isEqualTo(201);
        assertThat(reused.headers().firstValue("Idempotent-Replayed")).isEmpty();
    }

    @Test
    void aFailedRequestDoesNotHoldItsKey() {
        String key = UUID.randomUUID().toString();
        assertThat(post(key, "{\"name\":").statusCode()).isEqualTo(400);
        assertThat(post(key, categoryBody("After a typo")).statusCode()).isEqualTo(201);
    }

    @Test
    void aReplaySurvivesARestart() {
        String databaseUrl = TestDatabases.newDatabase();
        Map<String, String> settings = Map.of("server.port", "0", "server.host", "127.0.0.1", "db.url", databaseUrl,
                "data.dir", System.getProperty("java.io.tmpdir") + "/idempotency-restart-" + UUID.randomUUID());
        String key = UUID.randomUUID().toString();
        String body = categoryBody("Before the restart");
        HttpResponse<String> first;
        try (MarketplaceServer before = MarketplaceServer.start(TestServer.config(settings))) {
            first = postTo(URI.create("http://127.0.0.1:" + before.port()), key, body);
        }
        try (MarketplaceServer after = MarketplaceServer.start(TestServer.config(settings))) {
            HttpResponse<String> replay = postTo(URI.create("http://127.0.0.1:" + after.port()), key, body);
            assertThat(replay.statusCode()).isEqualTo(first.statusCode()).isEqualTo(201);
            assertThat(replay.body()).isEqualTo(first.body());
            assertThat(replay.headers().firstValue("Idempotent-Replayed")).contains("true");
            assertThat(after.database().dsl().fetchCount(CATALOG_CATEGORY)).isEqualTo(1);
        }
    }

    private static HttpResponse<String> post(String key, String body) {
        return server.send(server.request("/v1/categories").header("Content-Type", "application/json")
                .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static HttpResponse<String> postTo(URI baseUri, String key, String body) {
        String token = TestServer.token(baseUri, TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET);
        try {
            HttpClient http = ValidatingHttpClient.create();
            return http.send(HttpRequest.newBuilder(baseUri.resolve("/v1/categories"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String categoryBody(String name) {
        return "{\"name\":\"" + name + " " + UUID.randomUUID().toString().substring(0, 4) + "\",\"commissionRateBasisPoints\":1000}";
    }

    private static int countNamed(String prefix) {
        return server.db().fetchCount(CATALOG_CATEGORY, CATALOG_CATEGORY.NAME.startsWith(prefix + " "));
    }

    /** The key held in flight for a minute by a request of {@code node} (null: a node not known). */
    private static void holdKey(String key, String body, Integer node) throws Exception {
        server.db().insertInto(IDEMPOTENCY_RECORD)
                .set(IDEMPOTENCY_RECORD.CLIENT_ID, TestServer.OPERATOR_CLIENT_ID)
                .set(IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY, key)
                .set(IDEMPOTENCY_RECORD.REQUEST_FINGERPRINT, fingerprint("POST /v1/categories", body))
                .set(IDEMPOTENCY_RECORD.STATE, "in_flight")
                .set(IDEMPOTENCY_RECORD.LOCKED_UNTIL, OffsetDateTime.now().plusMinutes(1))
                .set(IDEMPOTENCY_RECORD.EXPIRES_AT, OffsetDateTime.now().plusHours(24))
                .set(IDEMPOTENCY_RECORD.HELD_BY_NODE, node)
                .set(IDEMPOTENCY_RECORD.CLAIM, UUID.randomUUID())
                .execute();
    }

    /**
     * {@code work} on a thread of its own, as another node's session would run it: this thread holds a connection on
     * purpose, and the build's one-connection-per-thread check (decision 81) refuses it a second one.
     */
    private static <T> T apart(Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        Thread.ofVirtual().start(task);
        try {
            return task.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] fingerprint(String requestLine, String body) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update((requestLine + "\n").getBytes(StandardCharsets.UTF_8));
        digest.update(body.getBytes(StandardCharsets.UTF_8));
        return digest.digest();
    }
}
