package dev.marketplace.sdk;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.marketplace.sdk.MarketplaceException.AuthenticationException;
import dev.marketplace.sdk.model.CategoryPage;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** OAuth2 client credentials: the token is fetched once, sent as Bearer, renewed before expiry and after a 401. */
class AuthenticationTest {

    @RegisterExtension
    static final WireMockExtension api = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String TOKEN_PATH = "/oauth2/token";
    private static final String CATEGORIES_PATH = "/v1/categories";

    private final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));

    private MarketplaceClient.Builder clientBuilder() {
        return MarketplaceClient.builder().baseUri(URI.create(api.baseUrl())).clock(clock).sleeper(new RecordingSleeper());
    }

    private MarketplaceClient clientWithCredentials() {
        return clientBuilder().clientCredentials("erp-connector", "s3cret").build();
    }

    @Test
    void tokenIsFetchedOnceAndSentAsBearerOnEveryCall() throws Exception {
        api.stubFor(post(TOKEN_PATH).willReturn(okJson(Json.token("token-1", 300))));
        stubCategoryList();
        MarketplaceClient client = clientWithCredentials();

        for (int call = 0; call < 3; call++) {
            client.categories().listCategories();
        }

        api.verify(1, postRequestedFor(urlPathEqualTo(TOKEN_PATH))
                .withHeader("Authorization", equalTo(basic("erp-connector:s3cret")))
                .withHeader("Content-Type", containing("application/x-www-form-urlencoded"))
                .withRequestBody(equalTo("grant_type=client_credentials")));
        api.verify(3, getRequestedFor(urlPathEqualTo(CATEGORIES_PATH)).withHeader("Authorization", equalTo("Bearer token-1")));
    }

    @Test
    void scopesAreAskedFor() throws Exception {
        api.stubFor(post(TOKEN_PATH).willReturn(okJson(Json.token("token-1", 300))));
        stubCategoryList();

        clientBuilder().clientCredentials("erp-connector", "s3cret").scopes("catalog:read", "catalog:write").build()
                .categories().listCategories();

        api.verify(postRequestedFor(urlPathEqualTo(TOKEN_PATH))
                .withFormParam("grant_type", equalTo("client_credentials"))
                .withFormParam("scope", equalTo("catalog:read catalog:write")));
    }

    @Test
    void clientIdAndSecretAreFormEncodedBeforeBasicAuth() throws Exception {
        api.stubFor(post(TOKEN_PATH).willReturn(okJson(Json.token("token-1", 300))));
        stubCategoryList();

        clientBuilder().clientCredentials("partner app", "p@ss:wörd").build().categories().listCategories();

        api.verify(postRequestedFor(urlPathEqualTo(TOKEN_PATH))
                .withHeader("Authorization", equalTo(basic("partner+app:p%40ss%3Aw%C3%B6rd"))));
    }

    @ParameterizedTest(name = "a token living {0} s is renewed after {1} s")
    @CsvSource({
            "300, 270",   // 30 s before expiry: more than 10 % of 300 s
            "3600, 3240", // 10 % of its lifetime before expiry: more than 30 s
    })
    void tokenIsRenewedBeforeItExpires(int expiresInSeconds, int renewedAfterSeconds) throws Exception {
        firstThenSecond(Json.token("token-1", expiresInSeconds), Json.token("token-2", expiresInSeconds));
        stubCategoryList();
        MarketplaceClient client = clientWithCredentials();

        client.categories().listCategories();
        clock.advance(Duration.ofSeconds(renewedAfterSeconds - 1));
        client.categories().listCategories();
        clock.advance(Duration.ofSeconds(1));
        client.categories().listCategories();

        assertThat(bearerTokensSent()).containsExactly("Bearer token-1", "Bearer token-1", "Bearer token-2");
        api.verify(2, postRequestedFor(urlPathEqualTo(TOKEN_PATH)));
    }

    @Test
    void concurrentFirstCallsShareOneTokenRequest() throws Exception {
        api.stubFor(post(TOKEN_PATH).willReturn(okJson(Json.token("token-1", 300)).withFixedDelay(300)));
        stubCategoryList();
        MarketplaceClient client = clientWithCredentials();
        int callers = 16;
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<CategoryPage>> calls = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            calls.add(() -> {
                start.await();
                return client.categories().listCategories();
            });
        }

        try (ExecutorService threads = Executors.newFixedThreadPool(callers)) {
            List<Future<CategoryPage>> pages = calls.stream().map(threads::submit).toList();
            start.countDown();
            for (Future<CategoryPage> page : pages) {
                assertThat(page.get().getItems()).hasSize(1);
            }
        }

        api.verify(1, postRequestedFor(urlPathEqualTo(TOKEN_PATH)));
        api.verify(callers, getRequestedFor(urlPathEqualTo(CATEGORIES_PATH)).withHeader("Authorization", equalTo("Bearer token-1")));
    }

    @Test
    void rejectedTokenIsReplacedAndTheCallSentOnceMore() throws Exception {
        firstThenSecond(Json.token("token-1", 300), Json.token("token-2", 300));
        api.stubFor(get(urlPathEqualTo(CATEGORIES_PATH)).withHeader("Authorization", equalTo("Bearer token-1"))
                .willReturn(invalidToken()));
        api.stubFor(get(urlPathEqualTo(CATEGORIES_PATH)).withHeader("Authorization", equalTo("Bearer token-2"))
                .willReturn(okJson(Json.categoryPage(null, "Food"))));

        CategoryPage page = clientWithCredentials().categories().listCategories();

        assertThat(page.getItems()).hasSize(1);
        assertThat(bearerTokensSent()).containsExactly("Bearer token-1", "Bearer token-2");
        api.verify(2, postRequestedFor(urlPathEqualTo(TOKEN_PATH)));
    }

    @Test
    void tokenRejectedTwiceIsAnAuthenticationException() {
        firstThenSecond(Json.token("token-1", 300), Json.token("token-2", 300));
        api.stubFor(get(urlPathEqualTo(CATEGORIES_PATH)).willReturn(invalidToken()));

        AuthenticationException e = catchThrowableOfType(AuthenticationException.class,
                () -> clientWithCredentials().categories().listCategories());

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TOKEN);
        api.verify(2, postRequestedFor(urlPathEqualTo(TOKEN_PATH)));
        api.verify(2, getRequestedFor(urlPathEqualTo(CATEGORIES_PATH)));
    }

    @Test
    void refusedCredentialsAreAnAuthenticationExceptionWithTheOAuthError() {
        api.stubFor(post(TOKEN_PATH).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withHeader("X-Request-Id", "req-token")
                .withHeader("WWW-Authenticate", "Basic realm=\"marketplace\"")
                .withBody("{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}")));

        AuthenticationException e = catchThrowableOfType(AuthenticationException.class,
                () -> clientWithCredentials().categories().listCategories());

        assertThat(e.status()).isEqualTo(401);
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_CLIENT);
        assertThat(e.problem().getDetail()).isEqualTo("Client authentication failed");
        assertThat(e.requestId()).isEqualTo("req-token");
        api.verify(0, getRequestedFor(urlPathEqualTo(CATEGORIES_PATH)));
    }

    @Test
    void accessTokenObtainedElsewhereIsSentAsIs() throws Exception {
        stubCategoryList();

        clientBuilder().accessToken("issued-by-the-portal").build().categories().listCategories();

        api.verify(getRequestedFor(urlPathEqualTo(CATEGORIES_PATH)).withHeader("Authorization", equalTo("Bearer issued-by-the-portal")));
        api.verify(0, postRequestedFor(urlPathEqualTo(TOKEN_PATH)));
    }

    @Test
    void rejectedAccessTokenObtainedElsewhereIsThrownAtOnce() {
        api.stubFor(get(urlPathEqualTo(CATEGORIES_PATH)).willReturn(invalidToken()));

        assertThatThrownBy(() -> clientBuilder().accessToken("expired").build().categories().listCategories())
                .isInstanceOf(AuthenticationException.class);
        api.verify(1, getRequestedFor(urlPathEqualTo(CATEGORIES_PATH)));
    }

    @Test
    void withoutCredentialsNoAuthorizationIsSent() throws Exception {
        stubCategoryList();

        clientBuilder().build().categories().listCategories();

        api.verify(getRequestedFor(urlPathEqualTo(CATEGORIES_PATH)).withHeader("Authorization", absent()));
    }

    @Test
    void clientCredentialsAndAccessTokenExcludeEachOther() {
        assertThatThrownBy(() -> clientBuilder().clientCredentials("id", "secret").accessToken("token").build())
                .isInstanceOf(IllegalStateException.class);
    }

    private static void stubCategoryList() {
        api.stubFor(get(urlPathEqualTo(CATEGORIES_PATH)).willReturn(okJson(Json.categoryPage(null, "Food"))));
    }

    /** The token endpoint answers {@code first}, then {@code then} to every later request. */
    private static void firstThenSecond(String first, String then) {
        api.stubFor(post(TOKEN_PATH).inScenario("tokens").whenScenarioStateIs(STARTED)
                .willReturn(okJson(first)).willSetStateTo("renewed"));
        api.stubFor(post(TOKEN_PATH).inScenario("tokens").whenScenarioStateIs("renewed").willReturn(okJson(then)));
    }

    private static ResponseDefinitionBuilder invalidToken() {
        return aResponse().withStatus(401)
                .withHeader("Content-Type", "application/problem+json")
                .withHeader("WWW-Authenticate", "Bearer realm=\"marketplace\", error=\"invalid_token\"")
                .withBody(Json.problem(401, "invalid_token", ""));
    }

    private static List<String> bearerTokensSent() {
        return api.findAll(getRequestedFor(urlPathEqualTo(CATEGORIES_PATH))).stream()
                .map(LoggedRequest::getHeaders)
                .map(headers -> headers.getHeader("Authorization").firstValue())
                .toList();
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }
}
