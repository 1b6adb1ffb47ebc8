package dev.marketplace.server.platform.outbound;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static com.github.tomakehurst.wiremock.client.WireMock.status;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.marketplace.server.platform.outbound.OutboundException.Kind;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.LoopbackWireMock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.providers.micrometer.MicrometerPrometheusFormatter;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real HTTP against WireMock on 127.0.0.1 (the only kind of address tests may reach here), allowed through
 * {@code allowed-private-networks: [127.0.0.1/32]}. Waits between attempts go to a recording sleeper, so the
 * retries' timing is asserted without sleeping through it.
 */
class OutboundHttpTest {

    private static final List<String> LOOPBACK_ONLY = List.of("127.0.0.1/32");
    private static final TargetSettings QUICK = TargetSettings.builder().timeout(Duration.ofSeconds(2)).build();
    private static final AtomicInteger TARGET_NUMBERS = new AtomicInteger();

    private static WireMockServer wireMock;

    private final List<Duration> waits = new CopyOnWriteArrayList<>();
    private final List<OutboundHttp> opened = new ArrayList<>();
    private Clock clock = Clock.systemUTC();

    @BeforeAll
    static void startWireMock() {
        wireMock = LoopbackWireMock.started();
    }

    @AfterAll
    static void stopWireMock() {
        wireMock.stop();
    }

    @BeforeEach
    void resetWireMock() {
        wireMock.resetAll();
    }

    @AfterEach
    void closeClients() {
        opened.forEach(OutboundHttp::close);
    }

    // ---- answers

    @Test
    void returnsTheAnswerOfASuccessfulCall() {
        wireMock.stubFor(get("/items").willReturn(ok("two items").withHeader("X-Total", "2")));
        OutboundTarget target = newTarget(QUICK);

        HttpResponse<byte[]> response = target.send(request("/items"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("two items");
        assertThat(response.headers().firstValue("X-Total")).contains("2");
        assertThat(requests(getRequestedFor(urlEqualTo("/items")))).isEqualTo(1);
        assertThat(calls(target, "success")).isEqualTo(1);
    }

    @Test
    void sendJsonReturnsTheParsedBody() {
        wireMock.stubFor(get("/stock").willReturn(okJson("{\"sku\":\"A-1\",\"stock\":7}")));

        JsonValue stock = newTarget(QUICK).sendJson(request("/stock"));

        assertThat(stock.asJsonObject().getString("sku")).isEqualTo("A-1");
        assertThat(stock.asJsonObject().getInt("stock")).isEqualTo(7);
    }

    @Test
    void aClientErrorIsReturnedAsAnAnswerNotRetriedAndNotAFailure() {
        wireMock.stubFor(get("/missing").willReturn(status(404).withBody("no such item")));
        OutboundTarget target = newTarget(QUICK.toBuilder().slidingWindowSize(1).minimumNumberOfCalls(1).failureRateThreshold(100).build());

        HttpResponse<byte[]> response = target.send(request("/missing"));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(requests(getRequestedFor(urlEqualTo("/missing")))).isEqualTo(1);
        assertThat(waits).isEmpty();
        assertThat(target.circuitState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(calls(target, "client_error")).isEqualTo(1);
    }

    @Test
    void sendJsonReportsAnAnswerOtherThan2xxWithItsStatus() {
        wireMock.stubFor(get("/gone").willReturn(status(410)));
        OutboundTarget target = newTarget(QUICK);

        assertThat(assertFails(() -> target.sendJson(request("/gone")), Kind.UNEXPECTED_STATUS).statusCode()).hasValue(410);
        assertThat(requests(getRequestedFor(urlEqualTo("/gone")))).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"sku\": \"A-1\",", "{\"sku\":\"A-1\"} trailing", "{} {}", "", "<html>Bad Gateway</html>"})
    void aMalformedJsonBodyIsAFailureOfTheTargetAndNotRetried(String body) {
        wireMock.stubFor(get("/stock").willReturn(okJson(body)));
        OutboundTarget target = newTarget(QUICK.toBuilder().slidingWindowSize(1).minimumNumberOfCalls(1).failureRateThreshold(100).build());

        assertFails(() -> target.sendJson(request("/stock")), Kind.MALFORMED_RESPONSE);

        assertThat(requests(getRequestedFor(urlEqualTo("/stock")))).isEqualTo(1);
        assertThat(target.circuitState()).as("recorded as a failure by the breaker").isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(calls(target, "malformed_response")).isEqualTo(1);
    }

    // ---- failures and retries

    @Test
    void aSlowAnswerTimesOutOnEveryAttempt() {
        // An attempt's limit long enough for its request to reach WireMock on a loaded machine (at 150 ms one
        // sometimes timed out before it was sent), the answer's delay far beyond three of them.
        wireMock.stubFor(get("/slow").willReturn(ok().withFixedDelay(4_000)));
        OutboundTarget target = newTarget(QUICK.toBuilder().timeout(Duration.ofMillis(500)).build());

        long started = System.nanoTime();
        assertFails(() -> target.send(request("/slow")), Kind.TIMEOUT);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("each attempt abandoned at its timeout")
                .isLessThan(Duration.ofMillis(4_000));
        assertThat(waits).hasSize(2);
        Await.until(Duration.ofSeconds(5), "WireMock logged 3 attempts", () -> requests(getRequestedFor(urlEqualTo("/slow"))) == 3);
        assertThat(calls(target, "timeout")).isEqualTo(3);
    }

    @Test
    void aServerErrorIsRetriedWithExponentialBackoffUntilItSucceeds() {
        stubSequence("/flaky", serverError(), status(503), ok("finally"));
        OutboundTarget target = newTarget(QUICK.toBuilder().initialBackoff(Duration.ofMillis(200)).build());

        HttpResponse<byte[]> response = target.send(request("/flaky"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(requests(getRequestedFor(urlEqualTo("/flaky")))).isEqualTo(3);
        assertThat(waits).hasSize(2);
        assertThat(waits.get(0)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(waits.get(1)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
        assertThat(calls(target, "server_error")).isEqualTo(2);
        assertThat(calls(target, "success")).isEqualTo(1);
    }

    @Test
    void serverErrorsExhaustTheAttempts() {
        wireMock.stubFor(get("/down").willReturn(status(502)));
        OutboundTarget target = newTarget(QUICK);

        assertThat(assertFails(() -> target.send(request("/down")), Kind.SERVER_ERROR).statusCode()).hasValue(502);
        assertThat(requests(getRequestedFor(urlEqualTo("/down")))).isEqualTo(3);
        assertThat(waits).hasSize(2);
    }

    @Test
    void aRequestTimeoutAnswerIsRetried() {
        stubSequence("/busy", status(408), ok());

        assertThat(newTarget(QUICK).send(request("/busy")).statusCode()).isEqualTo(200);
        assertThat(requests(getRequestedFor(urlEqualTo("/busy")))).isEqualTo(2);
    }

    @Test
    void aResetConnectionIsRetriedThenReported() {
        wireMock.stubFor(get("/reset").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        OutboundTarget target = newTarget(QUICK);

        assertFails(() -> target.send(request("/reset")), Kind.CONNECTION_FAILED);
        assertThat(calls(target, "connection_failed")).as("attempts").isEqualTo(3);
        // Within each attempt the JDK client repeats an idempotent request once when the connection closes before
        // any answer (it takes it for a stale pooled connection).
        assertThat(requests(getRequestedFor(urlEqualTo("/reset")))).isEqualTo(6);
    }

    @Test
    void throttlingWaitsWhatRetryAfterSays() {
        stubSequence("/rate-limited", status(429).withHeader("Retry-After", "1"), ok());

        HttpResponse<byte[]> response = newTarget(QUICK).send(request("/rate-limited"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(waits).containsExactly(Duration.ofSeconds(1));
        assertThat(requests(getRequestedFor(urlEqualTo("/rate-limited")))).isEqualTo(2);
    }

    @Test
    void aRetryAfterDateIsReadAgainstTheClock() {
        Instant now = Instant.parse("2026-03-01T12:00:00Z");
        clock = Clock.fixed(now, ZoneOffset.UTC);
        String inThreeSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(now.plusSeconds(3), ZoneOffset.UTC));
        stubSequence("/rate-limited", status(503).withHeader("Retry-After", inThreeSeconds), ok());

        newTarget(QUICK).send(request("/rate-limited"));

        assertThat(waits).containsExactly(Duration.ofSeconds(3));
    }

    @Test
    void aLongRetryAfterIsCappedButReportedAsSent() {
        wireMock.stubFor(get("/rate-limited").willReturn(status(429).withHeader("Retry-After", "120")));
        OutboundTarget target = newTarget(QUICK.toBuilder().maxRetryAfter(Duration.ofSeconds(2)).build());

        assertThat(assertFails(() -> target.send(request("/rate-limited")), Kind.THROTTLED).retryAfter()).contains(Duration.ofSeconds(120));
        assertThat(waits).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    @Test
    void aPostWithoutIdempotencyKeyIsNotRetried() {
        wireMock.stubFor(post("/orders").willReturn(status(503)));

        assertFails(() -> newTarget(QUICK).send(postRequest("/orders").build()), Kind.SERVER_ERROR);
        assertThat(requests(postRequestedFor(urlEqualTo("/orders")))).isEqualTo(1);
        assertThat(waits).isEmpty();
    }

    @Test
    void aPostWithIdempotencyKeyIsRetried() {
        stubSequence("/orders", status(503), status(201));

        HttpResponse<byte[]> response = newTarget(QUICK).send(postRequest("/orders").header("Idempotency-Key", "order-42").build());

        assertThat(response.statusCode()).isEqualTo(201);
        wireMock.verify(2, postRequestedFor(urlEqualTo("/orders"))
                .withHeader("Idempotency-Key", equalTo("order-42"))
                .withRequestBody(equalTo("{\"sku\":\"A-1\"}")));
    }

    // ---- circuit breaker and bulkhead

    @Test
    void theBreakerOpensFailsFastHalfOpensAfterItsWaitAndClosesAfterSuccessfulTrials() {
        wireMock.stubFor(get("/partner").willReturn(serverError()));
        OutboundTarget target = newTarget(QUICK.toBuilder()
                .maxAttempts(1).slidingWindowSize(4).minimumNumberOfCalls(4).failureRateThreshold(50)
                .waitInOpenState(Duration.ofMillis(300)).permittedCallsInHalfOpenState(2).build());
        assertThat(circuitStateMetric(target)).isEqualTo(0);

        for (int i = 0; i < 4; i++) {
            assertFails(() -> target.send(request("/partner")), Kind.SERVER_ERROR);
        }
        assertThat(target.circuitState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(circuitStateMetric(target)).isEqualTo(1);

        assertFails(() -> target.send(request("/partner")), Kind.CIRCUIT_OPEN);
        assertThat(requests(getRequestedFor(urlEqualTo("/partner")))).as("no request while open").isEqualTo(4);
        assertThat(calls(target, "circuit_open")).isEqualTo(1);

        Await.until(Duration.ofSeconds(5), "the breaker half-opens", () -> target.circuitState() == CircuitBreaker.State.HALF_OPEN);
        assertThat(circuitStateMetric(target)).isEqualTo(2);

        wireMock.stubFor(get("/partner").willReturn(ok()));
        target.send(request("/partner"));
        target.send(request("/partner"));
        assertThat(target.circuitState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(circuitStateMetric(target)).isEqualTo(0);
        assertThat(calls(target, "server_error")).isEqualTo(4);
        assertThat(calls(target, "success")).isEqualTo(2);
    }

    @Test
    void withTheDefaultsTheBreakerOpensWhenFivePercentOfAHundredAttemptsFail() {
        // Resilience4j opens at a failure rate equal to or above the threshold: 5 of the last 100 attempts.
        ResponseDefinitionBuilder[] answers = new ResponseDefinitionBuilder[100];
        for (int i = 0; i < answers.length; i++) {
            answers[i] = i < 95 ? ok() : serverError();
        }
        stubSequence("/partner", answers);
        OutboundTarget target = newTarget(TargetSettings.DEFAULTS.toBuilder().maxAttempts(1)
                .initialBackoff(Duration.ofMillis(1)).build());

        for (int i = 0; i < 95; i++) {
            target.send(request("/partner"));
        }
        for (int i = 0; i < 4; i++) {
            assertFails(() -> target.send(request("/partner")), Kind.SERVER_ERROR);
        }
        assertThat(target.circuitState()).as("4 failures in 99 attempts").isEqualTo(CircuitBreaker.State.CLOSED);
        assertFails(() -> target.send(request("/partner")), Kind.SERVER_ERROR);
        assertThat(target.circuitState()).as("5 failures in 100 attempts").isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void aFullBulkheadRefusesTheExtraCallWithoutSendingIt() {
        wireMock.stubFor(get("/slow").willReturn(ok().withFixedDelay(500)));
        OutboundTarget target = newTarget(QUICK.toBuilder().maxConcurrentCalls(1).build());

        CompletableFuture<HttpResponse<byte[]>> first = CompletableFuture.supplyAsync(() -> target.send(request("/slow")));
        Await.until(Duration.ofSeconds(5), "the first call reached WireMock", () -> requests(getRequestedFor(urlEqualTo("/slow"))) == 1);

        assertFails(() -> target.send(request("/slow")), Kind.BULKHEAD_FULL);
        assertThat(first.join().statusCode()).isEqualTo(200);
        assertThat(requests(getRequestedFor(urlEqualTo("/slow")))).isEqualTo(1);
        assertThat(calls(target, "bulkhead_full")).isEqualTo(1);
    }

    // ---- destinations and redirects

    @Test
    void aDirectCallToLoopbackIsRefusedWithoutTheAllowList() {
        wireMock.stubFor(get("/internal").willReturn(ok()));
        OutboundTarget target = newTarget(QUICK, List.of());

        assertThat(assertFails(() -> target.send(request("/internal")), Kind.FORBIDDEN_DESTINATION).getMessage()).contains("127.0.0.1");
        assertThat(wireMock.getAllServeEvents()).as("refused before connecting").isEmpty();
        assertThat(waits).isEmpty();
        assertThat(calls(target, "forbidden_destination")).isEqualTo(1);
    }

    @Test
    void aRedirectToAnAddressOutsideTheAllowListIsRefusedBeforeConnecting() {
        // 127.0.0.2 is loopback too, but not in the allow-list. WireMock listens on 127.0.0.1 only, so had the client
        // connected, the failure would be CONNECTION_FAILED.
        String elsewhere = "http://127.0.0.2:" + wireMock.port() + "/latest/meta-data/";
        wireMock.stubFor(get("/webhook").willReturn(aResponse().withStatus(302).withHeader("Location", elsewhere)));
        OutboundTarget target = newTarget(QUICK);

        assertThat(assertFails(() -> target.send(request("/webhook")), Kind.FORBIDDEN_DESTINATION).getMessage()).contains("127.0.0.2");
        assertThat(requests(getRequestedFor(urlEqualTo("/webhook")))).isEqualTo(1);
        assertThat(waits).isEmpty();
    }

    @Test
    void followsRedirectsWithinAllowedAddresses() {
        wireMock.stubFor(get("/old").willReturn(aResponse().withStatus(301).withHeader("Location", "/new")));
        wireMock.stubFor(get("/new").willReturn(ok("moved here")));

        HttpResponse<byte[]> response = newTarget(QUICK).send(request("/old"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.uri().getPath()).isEqualTo("/new");
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("moved here");
    }

    @Test
    void givesUpAfterFiveRedirects() {
        wireMock.stubFor(get("/loop").willReturn(aResponse().withStatus(302).withHeader("Location", "/loop")));

        assertFails(() -> newTarget(QUICK).send(request("/loop")), Kind.TOO_MANY_REDIRECTS);
        assertThat(requests(getRequestedFor(urlEqualTo("/loop")))).isEqualTo(1 + RedirectFollowingClient.MAX_REDIRECTS);
    }

    @Test
    void aSeeOtherAfterAPostContinuesAsAGetWithoutBody() {
        wireMock.stubFor(post("/orders").willReturn(aResponse().withStatus(303).withHeader("Location", "/orders/42")));
        wireMock.stubFor(get("/orders/42").willReturn(okJson("{\"id\":42}")));

        JsonValue order = newTarget(QUICK).sendJson(postRequest("/orders").build());

        assertThat(((JsonObject) order).getInt("id")).isEqualTo(42);
        wireMock.verify(1, getRequestedFor(urlEqualTo("/orders/42")).withHeader("Content-Type", absent()));
    }

    @Test
    void credentialsDoNotFollowARedirectToAnotherOrigin() {
        WireMockServer other = LoopbackWireMock.started();
        try {
            other.stubFor(post("/landing").willReturn(ok()));
            // 307: the method and body follow the redirect.
            wireMock.stubFor(post("/elsewhere").willReturn(redirect307("http://127.0.0.1:" + other.port() + "/landing")));
            wireMock.stubFor(post("/same-origin").willReturn(redirect307("/landing")));
            wireMock.stubFor(post("/landing").willReturn(ok()));
            OutboundTarget target = newTarget(QUICK);

            for (String path : List.of("/elsewhere", "/same-origin")) {
                target.send(postRequest(path).header("Authorization", "Bearer secret").header("Cookie", "session=1")
                        .header("X-Request-Id", "r-1").build());
            }

            other.verify(1, postRequestedFor(urlEqualTo("/landing"))
                    .withHeader("Authorization", absent()).withHeader("Cookie", absent())
                    .withHeader("X-Request-Id", equalTo("r-1")).withRequestBody(equalTo("{\"sku\":\"A-1\"}")));
            wireMock.verify(1, postRequestedFor(urlEqualTo("/landing"))
                    .withHeader("Authorization", equalTo("Bearer secret")).withHeader("Cookie", equalTo("session=1")));
        } finally {
            other.stop();
        }
    }

    @Test
    void aTargetRefusingRedirectsFailsOnAnyRedirectAndSendsNothingFurther() {
        WireMockServer other = LoopbackWireMock.started();
        try {
            other.stubFor(any(urlEqualTo("/landing")).willReturn(ok()));
            // Another host the SSRF rules allow (localhost is 127.0.0.1), and the same origin: neither is followed.
            wireMock.stubFor(post("/elsewhere").willReturn(redirect307("http://localhost:" + other.port() + "/landing")));
            wireMock.stubFor(get("/moved").willReturn(aResponse().withStatus(301).withHeader("Location", "/landing")));
            OutboundHttp outbound = OutboundHttp.builder().defaults(QUICK).allowedPrivateNetworks(LOOPBACK_ONLY)
                    .sleeper(waits::add).clock(clock).build();
            opened.add(outbound);
            OutboundTarget target = outbound.targetRefusingRedirects("wiremock-" + TARGET_NUMBERS.incrementAndGet());

            OutboundException refused = assertFails(() -> target.send(postRequest("/elsewhere")
                    .header("Idempotency-Key", "k-1").header("X-Api-Key", "secret").build()), Kind.REDIRECT_REFUSED);
            assertFails(() -> target.sendJson(request("/moved")), Kind.REDIRECT_REFUSED);

            assertThat(refused.getMessage()).contains("307").contains("localhost:" + other.port());
            assertThat(other.getAllServeEvents()).as("the other host is never reached").isEmpty();
            assertThat(wireMock.findAll(getRequestedFor(urlEqualTo("/landing")))).isEmpty();
            assertThat(requests(postRequestedFor(urlEqualTo("/elsewhere")))).as("a refused redirect is not retried").isEqualTo(1);
            assertThat(calls(target, "redirect_refused")).isEqualTo(2);
            assertThat(outbound.target("plain-" + TARGET_NUMBERS.incrementAndGet()).followsRedirects()).isTrue();
            assertThatThrownBy(() -> outbound.target(target.name())).isInstanceOf(IllegalStateException.class);
        } finally {
            other.stop();
        }
    }

    // ---- metrics

    @Test
    void metricsAppearInThePrometheusExposition() {
        wireMock.stubFor(get("/items").willReturn(ok()));
        OutboundTarget target = newTarget(QUICK);
        target.send(request("/items"));

        String exposition = MicrometerPrometheusFormatter.builder(Metrics.globalRegistry()).build().format().orElseThrow().toString();

        assertThat(exposition.lines())
                .anySatisfy(line -> assertThat(line).startsWith("outbound_calls_total{")
                        .contains("target=\"" + target.name() + "\"").contains("outcome=\"success\"").endsWith(" 1.0"))
                .anySatisfy(line -> assertThat(line).startsWith("outbound_circuit_state{")
                        .contains("target=\"" + target.name() + "\"").endsWith(" 0.0"));
    }

    // ---- helpers

    private OutboundTarget newTarget(TargetSettings settings) {
        return newTarget(settings, LOOPBACK_ONLY);
    }

    /** A target with a name of its own, so that its meters in the global registry are its own too. */
    private OutboundTarget newTarget(TargetSettings settings, List<String> allowedPrivateNetworks) {
        OutboundHttp outbound = OutboundHttp.builder()
                .defaults(settings)
                .allowedPrivateNetworks(allowedPrivateNetworks)
                .sleeper(waits::add)
                .clock(clock)
                .build();
        opened.add(outbound);
        return outbound.target("wiremock-" + TARGET_NUMBERS.incrementAndGet());
    }

    private static HttpRequest request(String path) {
        return HttpRequest.newBuilder(uri(path)).build();
    }

    private static HttpRequest.Builder postRequest(String path) {
        return HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"sku\":\"A-1\"}"));
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + wireMock.port() + path);
    }

    private static ResponseDefinitionBuilder redirect307(String location) {
        return aResponse().withStatus(307).withHeader("Location", location);
    }

    /** Answers the given responses in turn, the last one from then on. */
    private static void stubSequence(String path, ResponseDefinitionBuilder... responses) {
        for (int i = 0; i < responses.length; i++) {
            String state = i == 0 ? Scenario.STARTED : "answer " + i;
            ScenarioMappingBuilder stub = any(urlEqualTo(path))
                    .inScenario(path).whenScenarioStateIs(state).willReturn(responses[i]);
            if (i < responses.length - 1) {
                stub.willSetStateTo("answer " + (i + 1));
            }
            wireMock.stubFor(stub);
        }
    }

    private static int requests(RequestPatternBuilder pattern) {
        return wireMock.countRequestsMatching(pattern.build()).getCount();
    }

    private static OutboundException assertFails(ThrowingCallable call, Kind kind) {
        OutboundException failure = catchThrowableOfType(OutboundException.class, call);
        assertThat(failure).as("an OutboundException").isNotNull();
        assertThat(failure.kind()).as(failure.getMessage()).isEqualTo(kind);
        return failure;
    }

    private static long calls(OutboundTarget target, String outcome) {
        return Metrics.globalRegistry()
                .counter("outbound.calls", List.of(Tag.create("target", target.name()), Tag.create("outcome", outcome)))
                .map(Counter::count)
                .orElse(0L);
    }

    private static double circuitStateMetric(OutboundTarget target) {
        return Metrics.globalRegistry()
                .gauge("outbound.circuit.state", List.of(Tag.create("target", target.name())))
                .map(gauge -> gauge.value().doubleValue())
                .orElseThrow();
    }
}
