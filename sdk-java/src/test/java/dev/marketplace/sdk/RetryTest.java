package dev.marketplace.sdk;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.marketplace.sdk.MarketplaceException.RateLimitException;
import dev.marketplace.sdk.MarketplaceException.ServerException;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.CategoryPage;
import dev.marketplace.sdk.model.CategoryUpdate;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** 429, 503 and failed connections are retried below the generated code, as the server asks or with backoff. */
class RetryTest {

    @RegisterExtension
    static final WireMockExtension api = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");

    private final RecordingSleeper sleeper = new RecordingSleeper();

    private MarketplaceClient.Builder clientBuilder() {
        return MarketplaceClient.builder()
                .baseUri(URI.create(api.baseUrl()))
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .sleeper(sleeper);
    }

    @Test
    void rateLimitedCallWaitsAsToldThenSucceeds() throws Exception {
        firstThenSecond(() -> get(urlPathEqualTo("/v1/categories")),
                problem(429, "rate_limited").withHeader("Retry-After", "2"),
                okJson(Json.categoryPage(null, "Food")));

        CategoryPage page = clientBuilder().build().categories().listCategories();

        assertThat(page.getItems()).extracting(Category::getName).containsExactly("Food");
        assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(2));
        api.verify(2, getRequestedFor(urlPathEqualTo("/v1/categories")));
    }

    @Test
    void retryAfterGivenAsADateIsMeasuredFromNow() throws Exception {
        firstThenSecond(() -> get(urlPathEqualTo("/v1/categories")),
                problem(503, "service_unavailable").withHeader("Retry-After", "Sat, 01 Mar 2025 12:00:05 GMT"),
                okJson(Json.categoryPage(null, "Food")));

        clientBuilder().build().categories().listCategories();

        assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(5));
    }

    @Test
    void serviceUnavailableAfterAllRetriesIsAServerException() {
        api.stubFor(get(urlPathEqualTo("/v1/categories")).willReturn(problem(503, "service_unavailable")));

        ServerException e = catchThrowableOfType(ServerException.class,
                () -> clientBuilder().build().categories().listCategories());

        assertThat(e.status()).isEqualTo(503);
        assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        api.verify(3, getRequestedFor(urlPathEqualTo("/v1/categories")));
        // Exponential backoff with jitter: half to all of 0.5 s, then of 1 s.
        assertThat(sleeper.waits()).hasSize(2);
        assertThat(sleeper.waits().get(0)).isBetween(Duration.ofMillis(250), Duration.ofMillis(500));
        assertThat(sleeper.waits().get(1)).isBetween(Duration.ofMillis(500), Duration.ofMillis(1000));
    }

    @Test
    void maxRetriesBoundsTheAttempts() {
        api.stubFor(get(urlPathEqualTo("/v1/categories")).willReturn(problem(503, "service_unavailable")));

        catchThrowableOfType(ServerException.class,
                () -> clientBuilder().maxRetries(0).build().categories().listCategories());

        api.verify(1, getRequestedFor(urlPathEqualTo("/v1/categories")));
        assertThat(sleeper.waits()).isEmpty();
    }

    @Test
    void retryAfterLongerThanMaxRetryWaitIsThrownWithoutWaiting() {
        api.stubFor(get(urlPathEqualTo("/v1/categories"))
                .willReturn(problem(429, "rate_limited").withHeader("Retry-After", "120")));

        RateLimitException e = catchThrowableOfType(RateLimitException.class,
                () -> clientBuilder().maxRetryWait(Duration.ofSeconds(60)).build()
                        .categories().listCategories());

        assertThat(e.retryAfter()).contains(Duration.ofSeconds(120));
        assertThat(sleeper.waits()).isEmpty();
        api.verify(1, getRequestedFor(urlPathEqualTo("/v1/categories")));
    }

    @Test
    void resentPostKeepsItsIdempotencyKey() throws Exception {
        firstThenSecond(() -> post("/v1/categories"),
                problem(503, "service_unavailable").withHeader("Retry-After", "1"),
                aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody(Json.category("Food")));

        clientBuilder().build().categories()
                .createCategory(new CategoryCreate().name("Food").commissionRateBasisPoints(1000));

        List<LoggedRequest> sent = api.findAll(postRequestedFor(urlPathEqualTo("/v1/categories")));
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).getHeader("Idempotency-Key")).isNotBlank()
                .isEqualTo(sent.get(1).getHeader("Idempotency-Key"));
    }

    @Test
    void aPostWhoseKeyIsStillInProgressIsResentAfterTheWaitAndGetsTheFirstAnswer() throws Exception {
        firstThenSecond(() -> post("/v1/categories"),
                problem(409, "idempotency_request_in_progress").withHeader("Retry-After", "1"),
                aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody(Json.category("Food")));

        clientBuilder().build().categories()
                .createCategory(new CategoryCreate().name("Food").commissionRateBasisPoints(1000));

        assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(1));
        List<LoggedRequest> sent = api.findAll(postRequestedFor(urlPathEqualTo("/v1/categories")));
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).getHeader("Idempotency-Key")).isEqualTo(sent.get(1).getHeader("Idempotency-Key"));
    }

    @Test
    void aConflictWithoutRetryAfterIsFinal() {
        api.stubFor(post("/v1/categories").willReturn(problem(409, "category_name_taken")));

        MarketplaceException.ConflictException conflict = catchThrowableOfType(MarketplaceException.ConflictException.class,
                () -> clientBuilder().build().categories()
                        .createCategory(new CategoryCreate().name("Food").commissionRateBasisPoints(1000)));
        assertThat(conflict.code()).isEqualTo(ErrorCode.CATEGORY_NAME_TAKEN);
        assertThat(sleeper.waits()).isEmpty();
        api.verify(1, postRequestedFor(urlPathEqualTo("/v1/categories")));
    }

    @Test
    void failedConnectionIsRetriedForARead() throws Exception {
        firstThenSecond(() -> get(urlPathEqualTo("/v1/categories")),
                aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER),
                okJson(Json.categoryPage(null, "Food")));

        CategoryPage page = clientBuilder().build().categories().listCategories();

        assertThat(page.getItems()).hasSize(1);
        assertThat(sleeper.waits()).hasSize(1);
    }

    @Test
    void failedConnectionIsRetriedForAPostWithTheSameKey() throws Exception {
        firstThenSecond(() -> post("/v1/categories"),
                aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER),
                aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody(Json.category("Food")));

        clientBuilder().build().categories()
                .createCategory(new CategoryCreate().name("Food").commissionRateBasisPoints(1000));

        List<LoggedRequest> sent = api.findAll(postRequestedFor(urlPathEqualTo("/v1/categories")));
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).getHeader("Idempotency-Key")).isEqualTo(sent.get(1).getHeader("Idempotency-Key"));
    }

    @Test
    void failedConnectionIsNotRetriedForAnUpdateWithoutKey() {
        UUID id = UUID.randomUUID();
        api.stubFor(patch(urlPathEqualTo("/v1/categories/" + id)).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        MarketplaceException.CommunicationException e = catchThrowableOfType(MarketplaceException.CommunicationException.class,
                () -> clientBuilder().build().categories()
                        .updateCategory(id, new CategoryUpdate().commissionRateBasisPoints(900).version(1L)));

        assertThat(e).hasCauseInstanceOf(IOException.class);
        assertThat(e.status()).isZero();
        assertThat(e.code()).isEqualTo(ErrorCode.CONNECTION_FAILED);
        api.verify(1, patchRequestedFor(urlPathEqualTo("/v1/categories/" + id)));
        assertThat(sleeper.waits()).isEmpty();
    }

    @Test
    void retriesGoThroughTheCallersOwnClient() throws Exception {
        AtomicInteger sentByCallersClient = new AtomicInteger();
        HttpClient.Builder callersBuilder = new DecoratingHttpClientBuilder(HttpClient.newBuilder(),
                built -> new DelegatingHttpClient(built) {
                    @Override
                    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
                            throws IOException, InterruptedException {
                        sentByCallersClient.incrementAndGet();
                        return delegate.send(request, handler);
                    }
                });
        firstThenSecond(() -> get(urlPathEqualTo("/v1/categories")),
                problem(503, "service_unavailable"), okJson(Json.categoryPage(null, "Food")));

        clientBuilder().httpClientBuilder(callersBuilder).build().categories().listCategories();

        assertThat(sentByCallersClient).hasValue(2);
    }

    @Test
    void asynchronousSendingRetriesToo() throws Exception {
        firstThenSecond(() -> get(urlPathEqualTo("/v1/categories")),
                problem(429, "rate_limited").withHeader("Retry-After", "1"), okJson(Json.categoryPage(null, "Food")));
        HttpClient sdkHttpClient = clientBuilder().build().apiClient().getHttpClient();

        HttpResponse<String> response = sdkHttpClient.sendAsync(
                HttpRequest.newBuilder(URI.create(api.baseUrl() + "/v1/categories")).build(),
                HttpResponse.BodyHandlers.ofString()).get();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(sleeper.waits()).containsExactly(Duration.ofSeconds(1));
    }

    /** Answers the first request with {@code first} and every later one with {@code then}. */
    private static void firstThenSecond(Supplier<MappingBuilder> request, ResponseDefinitionBuilder first,
                                        ResponseDefinitionBuilder then) {
        api.stubFor(request.get().inScenario("retry").whenScenarioStateIs(STARTED).willReturn(first).willSetStateTo("answered"));
        api.stubFor(request.get().inScenario("retry").whenScenarioStateIs("answered").willReturn(then));
    }

    private static ResponseDefinitionBuilder problem(int status, String code) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/problem+json")
                .withBody(Json.problem(status, code, ""));
    }
}
