package dev.marketplace.server.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static dev.marketplace.schema.Tables.WEBHOOK_ATTEMPT;
import static dev.marketplace.schema.Tables.WEBHOOK_DELIVERY;
import static dev.marketplace.schema.Tables.WEBHOOK_ENDPOINT;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.marketplace.sdk.Webhooks;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.DomainFact;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.jobs.Jobs;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.outbound.TargetSettings;
import dev.marketplace.server.platform.persistence.DatabaseClock;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.security.SecretBox;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestServer;
import io.helidon.config.Config;
import io.helidon.metrics.api.Metrics;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Webhooks end to end: endpoints created through the API, events appended to the outbox and fanned out by the
 * server's subscriber, and sent to WireMock by "nodes" — each a {@link WebhooksModule} with its own outbound client,
 * jobs and a clock the test moves, on the server's database — so the three-day retry schedule runs in no time. The
 * server's own worker is kept idle ({@code webhooks.delivery.poll} of an hour).
 */
class WebhookDeliveryIT {

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("webhooks.require-https", "false")
            .with("webhooks.delivery.poll", "PT1H");

    private static WireMockServer receiver;
    private final MovableClock clock = new MovableClock();
    private final List<Node> nodes = new ArrayList<>();

    /** A worker node on the server's database, with the test's clock. */
    private record Node(WebhooksModule module, Jobs jobs, OutboundHttp outbound) {
        long deliver() {
            return jobs.runNow(WebhooksModule.DELIVERY_JOB);
        }

        void close() {
            jobs.close();
            outbound.close();
        }
    }

    @BeforeAll
    static void startReceiver() {
        receiver = LoopbackWireMock.started();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.stop();
    }

    /** Each test's endpoints go with it, so the next test's events reach only its own. */
    @AfterEach
    void stopNodes() {
        nodes.forEach(Node::close);
        server.db().deleteFrom(WEBHOOK_ENDPOINT).execute();
        receiver.resetAll();
    }

    /** These nodes deliver merchants' events only. */
    private static final PartnerAudience NO_PARTNERS = new PartnerAudience() {
        @Override
        public java.util.Set<UUID> partnersSelling(org.jooq.DSLContext tx, UUID variantId) {
            return java.util.Set.of();
        }

        @Override
        public java.util.Optional<String> registeredSecret(UUID partnerId) {
            return java.util.Optional.empty();
        }
    };

    private Node node() {
        return node("PT1H", TargetSettings.DEFAULTS);
    }

    /** A node whose worker also runs on its own every {@code poll}, sending with {@code sending}'s timeout. */
    private Node node(String poll, TargetSettings sending) {
        Config config = TestServer.config(Map.of("webhooks.require-https", "false", "webhooks.delivery.poll", poll));
        OutboundHttp outbound = OutboundHttp.builder().defaults(sending)
                .allowedPrivateNetworks(List.of("127.0.0.1/32")).build();
        PiiKeys piiKeys = PiiKeys.from(config.get("security"), SecretBox.fromBase64(TestServer.KEY_ENCRYPTION_KEY));
        WebhooksModule module = new WebhooksModule(config.get("webhooks"), server.db(), outbound, piiKeys,
                NO_PARTNERS, clock, clock);
        Jobs jobs = new Jobs(Metrics.globalRegistry());
        module.jobs(jobs);
        Node node = new Node(module, jobs, outbound);
        nodes.add(node);
        return node;
    }

    @Test
    void aHealthyEndpointGetsEveryEventOfItsTenantOnceSignedInOrderAndAReplayResendsTheSameId() {
        UUID merchantA = UUID.randomUUID();
        UUID merchantB = UUID.randomUUID();
        String tokenA = merchantToken(merchantA);
        String tokenB = merchantToken(merchantB);
        answer("/healthy/a", 200);
        answer("/healthy/b", 200);
        answer("/healthy/operator", 200);
        Endpoint a = create(tokenA, "/healthy/a", "stock.low");
        Endpoint b = create(tokenB, "/healthy/b", "stock.*");
        Endpoint operator = create(server.operatorToken(), "/healthy/operator", "stock.*");
        List<UUID> stockEventsOfA = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            UUID merchant = i % 3 == 2 ? merchantB : merchantA;
            UUID lowStockEvent = stockLow(merchant);
            if (merchant.equals(merchantA)) {
                stockEventsOfA.add(lowStockEvent);
            }
        }
        fanOut();
        Node node = node();
        assertThat(node.deliver()).isEqualTo(8 + 4 + 12);
        assertThat(node.deliver()).as("nothing is sent twice").isZero();

        List<JsonObject> toA = verified("/healthy/a", a.secret());
        assertThat(toA).extracting(m -> m.getJsonObject("data").getString("lowStockEventId"))
                .as("every event of A, once, in commit order").containsExactlyElementsOf(
                        stockEventsOfA.stream().map(UUID::toString).toList());
        assertThat(toA).extracting(m -> m.getJsonNumber("sequence").longValue())
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(toA).allSatisfy(m -> {
            assertThat(m.getString("type")).isEqualTo("stock.low");
            assertThat(m.getInt("version")).isEqualTo(1);
            assertThat(m.getJsonObject("data").getString("merchantId")).isEqualTo(merchantA.toString());
        });
        assertThat(verified("/healthy/b", b.secret())).hasSize(4)
                .allSatisfy(m -> assertThat(m.getJsonObject("data").getString("merchantId")).isEqualTo(merchantB.toString()));
        assertThat(verified("/healthy/operator", operator.secret())).hasSize(12);

        assertThat(send(tokenB, HttpRequest.newBuilder(server.uri(WebhookEndpointHttpService.PATH + "/" + a.id())).GET())
                .statusCode()).as("another merchant's endpoint is not found").isEqualTo(404);
        String firstId = toA.getFirst().getString("id");
        HttpResponse<String> replay = send(tokenA, HttpRequest.newBuilder(server.uri(WebhookEndpointHttpService.PATH
                + "/" + a.id() + "/replay")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"eventId\":\"" + firstId + "\"}")));
        assertThat(replay.statusCode()).isEqualTo(202);
        assertThat(node.deliver()).isEqualTo(1);
        List<LoggedRequest> requests = receiver.findAll(postRequestedFor(urlEqualTo("/healthy/a")));
        assertThat(requests.getLast().getHeader("webhook-id")).as("a replay resends the same event id").isEqualTo(firstId);
        assertThat(requests.getLast().getBodyAsString()).isEqualTo(requests.getFirst().getBodyAsString());

        HttpResponse<String> log = send(tokenA, HttpRequest.newBuilder(server.uri(WebhookEndpointHttpService.PATH
                + "/" + a.id() + "/attempts?limit=200")).GET());
        assertThat(log.statusCode()).isEqualTo(200);
        assertThat(json(log.body()).getJsonArray("items")).hasSize(9)
                .allSatisfy(item -> assertThat(item.asJsonObject().getString("outcome")).isEqualTo("success"));
    }

    @Test
    void aRotatedSecretSignsBesideTheNewOneDuringTheGracePeriod() {
        answer("/rotation", 200);
        Endpoint endpoint = create(server.operatorToken(), "/rotation", "merchant.status_changed");
        HttpResponse<String> rotated = send(server.operatorToken(), HttpRequest.newBuilder(server.uri(
                        WebhookEndpointHttpService.PATH + "/" + endpoint.id() + "/rotate-secret"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"previousSecretValidForSeconds\":3600}")));
        assertThat(rotated.statusCode()).isEqualTo(200);
        String newSecret = json(rotated.body()).getString("secret");
        merchantStatusChanged(UUID.randomUUID());
        fanOut();
        node().deliver();
        LoggedRequest request = receiver.findAll(postRequestedFor(urlEqualTo("/rotation"))).getFirst();
        assertThat(request.getHeader("webhook-signature").split(" ")).hasSize(2);
        assertThat(verify(request, endpoint.secret())).isEqualTo(verify(request, newSecret));
    }

    @Test
    void eachKindOfFailureIsRetriedAfterFiveSecondsThenDelivered() {
        Map<String, String> outcomes = new HashMap<>();
        receiver.stubFor(post(urlEqualTo("/failing/500")).willReturn(aResponse().withStatus(500)));
        outcomes.put("/failing/500", "server_error");
        receiver.stubFor(post(urlEqualTo("/failing/timeout")).willReturn(aResponse().withStatus(200).withFixedDelay(3_000)));
        outcomes.put("/failing/timeout", "timeout");
        receiver.stubFor(post(urlEqualTo("/failing/reset")).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        outcomes.put("/failing/reset", "connection_failed");
        receiver.stubFor(post(urlEqualTo("/failing/redirect")).willReturn(aResponse().withStatus(307)
                .withHeader("Location", "http://10.0.0.1/hook")));
        outcomes.put("/failing/redirect", "forbidden_destination");
        Map<String, Endpoint> endpoints = new HashMap<>();
        outcomes.keySet().forEach(path -> endpoints.put(path, create(server.operatorToken(), path, "product.published")));
        productPublished(UUID.randomUUID());
        fanOut();
        Node node = node();

        assertThat(node.deliver()).isEqualTo(4);
        outcomes.forEach((path, outcome) -> assertThat(lastOutcome(endpoints.get(path))).as(path).isEqualTo(outcome));
        assertThat(node.deliver()).as("not due before the first wait (5 s, less up to 10 % jitter)").isZero();
        clock.advance(Duration.ofSeconds(5));
        assertThat(node.deliver()).as("the second attempt").isEqualTo(4);
        outcomes.keySet().forEach(path -> answer(path, 204));
        clock.advance(Duration.ofMinutes(5));
        assertThat(node.deliver()).isEqualTo(4);
        outcomes.keySet().forEach(path -> {
            assertThat(lastOutcome(endpoints.get(path))).isEqualTo("success");
            assertThat(receiver.findAll(postRequestedFor(urlEqualTo(path)))).as(path).hasSizeGreaterThanOrEqualTo(1);
        });
    }

    @Test
    void failingForTheWholeScheduleDisablesTheEndpointAndTellsItsOwner() {
        receiver.stubFor(post(urlEqualTo("/down")).willReturn(aResponse().withStatus(503)));
        Endpoint endpoint = create(server.operatorToken(), "/down", "stock.low");
        stockLow(UUID.randomUUID());
        fanOut();
        Node node = node();
        List<Duration> schedule = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
                Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10),
                Duration.ofHours(10), Duration.ofHours(10), Duration.ofHours(10));
        assertThat(node.deliver()).isEqualTo(1);
        for (Duration wait : schedule) {
            assertThat(node.deliver()).as("not due yet").isZero();
            clock.advance(wait);
            assertThat(node.deliver()).as("due after " + wait).isEqualTo(1);
        }
        assertThat(server.db().fetchCount(WEBHOOK_ATTEMPT, WEBHOOK_ATTEMPT.ENDPOINT_ID.eq(endpoint.id()))).isEqualTo(11);
        JsonObject disabled = get(endpoint);
        assertThat(disabled.getString("status")).isEqualTo("disabled");
        assertThat(disabled.getString("disabledReason")).isEqualTo("failing");
        assertThat(server.db().fetchCount(DOMAIN_EVENT, DOMAIN_EVENT.TYPE.eq("webhook_endpoint_disabled")
                .and(DOMAIN_EVENT.PAYLOAD.cast(String.class).contains(endpoint.id().toString())))).isEqualTo(1);
    }

    @Test
    void aCallTheOpenCircuitRefusedSpendsNoStepOfTheSchedule() {
        receiver.stubFor(post(urlEqualTo("/breaking")).willReturn(aResponse().withStatus(503)));
        Endpoint endpoint = create(server.operatorToken(), "/breaking", "stock.low");
        stockLow(UUID.randomUUID());
        fanOut();
        // A breaker that opens after two failed calls of two and stays open for the rest of the test.
        Node node = node("PT1H", TargetSettings.from(TestServer.config(Map.of("max-attempts", "1",
                "sliding-window-size", "2", "minimum-number-of-calls", "2", "failure-rate-threshold", "50",
                "wait-in-open-state", "PT1H")), TargetSettings.DEFAULTS));
        assertThat(node.deliver()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(5));
        assertThat(node.deliver()).as("the second attempt, which opens the breaker").isEqualTo(1);
        clock.advance(Duration.ofMinutes(5));

        assertThat(node.deliver()).isEqualTo(1);
        assertThat(lastOutcome(endpoint)).isEqualTo("circuit_open");
        assertThat(server.db().select(WEBHOOK_DELIVERY.ATTEMPTS).from(WEBHOOK_DELIVERY)
                .where(WEBHOOK_DELIVERY.ENDPOINT_ID.eq(endpoint.id())).fetchSingle().value1())
                .as("the refused call is logged but not counted").isEqualTo(2);
        assertThat(node.deliver()).as("not due before the schedule's first wait").isZero();
        clock.advance(Duration.ofSeconds(5));
        assertThat(node.deliver()).as("due again after 5 s, not after the third step's 30 minutes").isEqualTo(1);
        assertThat(receiver.findAll(postRequestedFor(urlEqualTo("/breaking")))).as("sent twice only").hasSize(2);
        assertThat(get(endpoint).getString("status")).isEqualTo("enabled");
    }

    @Test
    void goneDisablesTheEndpointAtOnce() {
        answer("/gone", 410);
        Endpoint endpoint = create(server.operatorToken(), "/gone", "stock.low");
        stockLow(UUID.randomUUID());
        stockLow(UUID.randomUUID());
        fanOut();
        assertThat(node().deliver()).isEqualTo(1);
        assertThat(get(endpoint).getString("disabledReason")).isEqualTo("gone");
        clock.advance(Duration.ofDays(1));
        assertThat(node().deliver()).as("a disabled endpoint gets nothing").isZero();
    }

    @Test
    void aReceiverDownForAWhileGetsEverythingAfterItComesBack() {
        receiver.stubFor(post(urlEqualTo("/later")).willReturn(aResponse().withStatus(503)));
        Endpoint endpoint = create(server.operatorToken(), "/later", "stock.low");
        for (int i = 0; i < 5; i++) {
            stockLow(UUID.randomUUID());
        }
        fanOut();
        Node node = node();
        assertThat(node.deliver()).as("each tried once").isEqualTo(5);
        clock.advance(Duration.ofSeconds(5));
        assertThat(node.deliver()).isEqualTo(5);
        answer("/later", 200);
        clock.advance(Duration.ofMinutes(5));
        assertThat(node.deliver()).isEqualTo(5);
        List<JsonObject> received = receiver.findAll(postRequestedFor(urlEqualTo("/later"))).stream()
                .map(r -> json(r.getBodyAsString())).toList();
        assertThat(server.db().fetchCount(WEBHOOK_DELIVERY, WEBHOOK_DELIVERY.ENDPOINT_ID.eq(endpoint.id())
                .and(WEBHOOK_DELIVERY.STATUS.eq("delivered")))).isEqualTo(5);
        List<Long> sequences = received.subList(received.size() - 5, received.size()).stream()
                .map(m -> m.getJsonNumber("sequence").longValue()).toList();
        long first = sequences.getFirst();
        assertThat(sequences).as("in order once healthy").containsExactly(first, first + 1, first + 2, first + 3, first + 4);
    }

    @Test
    void twoNodesDeliverEachAttemptOnceAndAKilledNodeLeavesNothingStuck() throws Exception {
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answer("/nodes/" + i, 200);
            endpoints.add(create(server.operatorToken(), "/nodes/" + i, "merchant.*"));
        }
        for (int i = 0; i < 150; i++) {
            merchantStatusChanged(UUID.randomUUID());
        }
        fanOut();
        // A node that took endpoints and died before sending: its claims hold until the lease runs out, on
        // PostgreSQL's clock (decision 62), not on the nodes' own: moving those on frees nothing.
        List<DeliveryRepository.Claim> abandoned = server.db().transactionResult(tx -> new DeliveryRepository()
                .claim(tx.dsl(), clock.instant().atOffset(ZoneOffset.UTC), Duration.ofSeconds(8), 2, 50));
        assertThat(abandoned).hasSize(2);
        Node first = node();
        Node second = node();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Long> one = threads.submit(first::deliver);
            Future<Long> two = threads.submit(second::deliver);
            assertThat(one.get() + two.get()).as("the two free endpoints").isEqualTo(2 * 150);
        }
        clock.advance(Duration.ofMinutes(2).plusSeconds(1));
        long late = first.deliver() + second.deliver();
        if (server.db().fetchExists(WEBHOOK_ENDPOINT, WEBHOOK_ENDPOINT.BUSY_UNTIL.gt(DatabaseClock.nowPlus(Duration.ofSeconds(1))))) {
            assertThat(late).as("the dead node's lease still runs").isZero();
        }
        long[] delivered = {late};
        Await.until(Duration.ofSeconds(20), "the dead node's endpoints delivered once its lease ended",
                () -> (delivered[0] += first.deliver() + second.deliver()) == 2 * 150);
        for (Endpoint endpoint : endpoints) {
            Map<String, Long> perEvent = receiver.findAll(postRequestedFor(urlEqualTo(endpoint.path()))).stream()
                    .collect(Collectors.groupingBy(r -> r.getHeader("webhook-id"), Collectors.counting()));
            assertThat(perEvent).as(endpoint.path()).hasSize(150);
            assertThat(perEvent.values()).as("each event once").containsOnly(1L);
        }
    }

    @Test
    void theDeliveryLogIsKeptThirtyDays() {
        answer("/retention", 200);
        Endpoint endpoint = create(server.operatorToken(), "/retention", "stock.low");
        stockLow(UUID.randomUUID());
        fanOut();
        Node node = node();
        node.deliver();
        assertThat(node.jobs().runNow(WebhooksModule.RETENTION_JOB)).isZero();
        clock.advance(Duration.ofDays(31));
        assertThat(node.jobs().runNow(WebhooksModule.RETENTION_JOB)).isEqualTo(2);
        assertThat(server.db().fetchCount(WEBHOOK_DELIVERY, WEBHOOK_DELIVERY.ENDPOINT_ID.eq(endpoint.id()))).isZero();
    }

    @Test
    void aNodeStoppedWhileSendingReleasesTheEndpointAndTheNextNodeSendsAtOnce() {
        UUID merchant = UUID.randomUUID();
        receiver.stubFor(post(urlEqualTo("/stopped")).willReturn(aResponse().withStatus(200).withFixedDelay(30_000)));
        Endpoint endpoint = create(merchantToken(merchant), "/stopped", "stock.low");
        UUID event = stockLow(merchant);
        fanOut();
        TargetSettings patient = TargetSettings.from(TestServer.config(Map.of("timeout", "PT90S")), TargetSettings.DEFAULTS);
        Node stopping = node("PT0.05S", patient);
        Await.until(Duration.ofSeconds(30), "the first node is sending",
                () -> !receiver.findAll(postRequestedFor(urlEqualTo("/stopped"))).isEmpty());

        stopping.close(); // a deploy: the node's jobs are interrupted mid-request
        nodes.remove(stopping);
        assertThat(server.db().select(WEBHOOK_ENDPOINT.BUSY_UNTIL).from(WEBHOOK_ENDPOINT)
                .where(WEBHOOK_ENDPOINT.ID.eq(endpoint.id())).fetchSingle().value1())
                .as("the stopped node released its endpoint").isNull();
        assertThat(server.db().fetchCount(WEBHOOK_ATTEMPT, WEBHOOK_ATTEMPT.ENDPOINT_ID.eq(endpoint.id())))
                .as("the broken-off attempt is no outcome").isZero();

        answer("/stopped", 200);
        assertThat(node().deliver()).as("the next node sends at once, not after the lease").isEqualTo(1);
        List<JsonObject> received = verified("/stopped", endpoint.secret());
        assertThat(received).hasSize(2).allSatisfy(message -> assertThat(
                message.getJsonObject("data").getString("lowStockEventId")).isEqualTo(event.toString()));
        assertThat(lastOutcome(endpoint)).isEqualTo("success");
    }

    // Helpers

    private record Endpoint(UUID id, String path, String secret) {
    }

    private static void answer(String path, int status) {
        receiver.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(status).withBody("ok")));
    }

    private static String merchantToken(UUID merchant) {
        HttpResponse<String> client = send(server.operatorToken(), HttpRequest.newBuilder(server.uri("/v1/clients"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.createObjectBuilder().add("name", "erp")
                        .add("principalType", "merchant").add("principalId", merchant.toString())
                        .add("scopes", Json.createArrayBuilder().add("webhooks:read").add("webhooks:write"))
                        .build().toString())));
        assertThat(client.statusCode()).as(client.body()).isEqualTo(201);
        JsonObject created = json(client.body());
        return server.token(created.getJsonObject("client").getString("clientId"), created.getString("clientSecret"));
    }

    private static Endpoint create(String token, String path, String topic) {
        HttpResponse<String> response = send(token, HttpRequest.newBuilder(server.uri(WebhookEndpointHttpService.PATH))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.createObjectBuilder()
                        .add("url", "http://127.0.0.1:" + receiver.port() + path)
                        .add("topics", Json.createArrayBuilder().add(topic)).build().toString())));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonObject created = json(response.body());
        assertThat(created.getString("secret")).startsWith("whsec_");
        return new Endpoint(UUID.fromString(created.getJsonObject("endpoint").getString("id")), path,
                created.getString("secret"));
    }

    private static JsonObject get(Endpoint endpoint) {
        HttpResponse<String> response = send(server.operatorToken(), HttpRequest.newBuilder(
                server.uri(WebhookEndpointHttpService.PATH + "/" + endpoint.id())).GET());
        assertThat(response.statusCode()).isEqualTo(200);
        return json(response.body());
    }

    private static String lastOutcome(Endpoint endpoint) {
        return server.db().select(WEBHOOK_ATTEMPT.OUTCOME).from(WEBHOOK_ATTEMPT)
                .where(WEBHOOK_ATTEMPT.ENDPOINT_ID.eq(endpoint.id())).orderBy(WEBHOOK_ATTEMPT.ID.desc()).limit(1)
                .fetchSingle().value1();
    }

    private static HttpResponse<String> send(String token, HttpRequest.Builder request) {
        return server.send(request.header("Authorization", "Bearer " + token).build());
    }

    private static UUID stockLow(UUID merchant) {
        UUID id = UUID.randomUUID();
        append(new DomainFact(EventType.STOCK_LOW, "stock_low:" + id, new Parties(null, null, merchant, null),
                Json.createObjectBuilder().add("lowStockEventId", id.toString())
                        .add("variantId", UUID.randomUUID().toString()).add("locationId", UUID.randomUUID().toString())
                        .add("available", 2).add("threshold", 5).build()));
        return id;
    }

    private static void merchantStatusChanged(UUID merchant) {
        append(new DomainFact(EventType.MERCHANT_STATUS_CHANGED, "merchant_status_change:" + UUID.randomUUID(),
                new Parties(null, null, merchant, null), Json.createObjectBuilder().add("statusChangeId", "1")
                .add("fromStatus", "active").add("toStatus", "suspended").add("reasons", Json.createArrayBuilder())
                .build()));
    }

    private static void productPublished(UUID merchant) {
        append(new DomainFact(EventType.PRODUCT_PUBLISHED, "product_moderated:" + UUID.randomUUID(),
                new Parties(null, null, merchant, null), Json.createObjectBuilder()
                .add("productId", UUID.randomUUID().toString()).add("fromStatus", "pending_review")
                .add("toStatus", "published").build()));
    }

    private static void append(DomainFact fact) {
        server.db().transaction(tx -> DomainEvents.append(tx.dsl(), fact));
    }

    /** Until every event appended so far is fanned out: one run can stop short of events whose position is not settled. */
    private static void fanOut() {
        server.catchUp(WebhooksModule.FAN_OUT);
    }

    /** The messages the path received, each verified with the SDK's helper under {@code secret}. */
    private static List<JsonObject> verified(String path, String secret) {
        return receiver.findAll(postRequestedFor(urlEqualTo(path))).stream().map(request -> {
            assertThat(verify(request, secret)).isEqualTo(request.getHeader("webhook-id"));
            return json(request.getBodyAsString());
        }).toList();
    }

    private static String verify(LoggedRequest request, String secret) {
        Map<String, List<String>> headers = request.getHeaders().all().stream()
                .collect(Collectors.toMap(HttpHeader::key, HttpHeader::values, (x, y) -> x));
        return Webhooks.verify(request.getBodyAsString(), headers, secret);
    }

    private static JsonObject json(String body) {
        return Json.createReader(new StringReader(body)).readObject();
    }

}
