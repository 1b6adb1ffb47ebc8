package dev.marketplace.sdk;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.marketplace.sdk.MarketplaceException.AuthenticationException;
import dev.marketplace.sdk.MarketplaceException.BadRequestException;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.MarketplaceException.IdempotencyException;
import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.PermissionException;
import dev.marketplace.sdk.MarketplaceException.RateLimitException;
import dev.marketplace.sdk.MarketplaceException.ServerException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.FieldError;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each kind of problem document becomes its own exception type, with the document's fields. */
class ErrorMappingTest {

    @RegisterExtension
    static final WireMockExtension api = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");

    private final MarketplaceClient client = MarketplaceClient.builder()
            .baseUri(URI.create(api.baseUrl()))
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .build();

    @Test
    void validationFailureListsTheOffendingFields() {
        answerCreate(400, "validation_failed", """
                ,"errors":[{"field":"name","code":"required","message":"name is required"}]""");

        ValidationException e = catchThrowableOfType(ValidationException.class, this::create);

        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(e.requestId()).isEqualTo("req-400");
        assertThat(e.fieldErrors()).extracting(FieldError::getField, FieldError::getCode)
                .containsExactly(tuple("name", "required"));
    }

    @Test
    void malformedRequestIsABadRequest() {
        answerCreate(400, "malformed_json", "");

        assertThat(catchThrowableOfType(BadRequestException.class, this::create).code()).isEqualTo(ErrorCode.MALFORMED_JSON);
    }

    @Test
    void unauthenticatedCallIsAnAuthenticationException() {
        api.stubFor(get("/v1/categories").willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/problem+json")
                .withHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")
                .withBody(Json.problem(401, "invalid_token", ""))));

        AuthenticationException e = catchThrowableOfType(AuthenticationException.class,
                () -> client.categories().listCategories());

        assertThat(e.status()).isEqualTo(401);
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TOKEN);
    }

    @Test
    void missingScopeIsAPermissionException() {
        answerCreate(403, "insufficient_scope", "");

        PermissionException e = catchThrowableOfType(PermissionException.class, this::create);

        assertThat(e.status()).isEqualTo(403);
        assertThat(e.code()).isEqualTo(ErrorCode.INSUFFICIENT_SCOPE);
    }

    @Test
    void unknownResourceIsNotFound() {
        UUID id = UUID.randomUUID();
        api.stubFor(get("/v1/categories/" + id).willReturn(problemAnswer(404, "not_found", "")));

        assertThat(catchThrowableOfType(NotFoundException.class, () -> client.categories().getCategory(id)).status())
                .isEqualTo(404);
    }

    @Test
    void staleVersionIsAConflictWithTheCurrentVersion() {
        answerCreate(409, "version_conflict", ",\"currentVersion\":4");

        ConflictException e = catchThrowableOfType(ConflictException.class, this::create);

        assertThat(e.code()).isEqualTo(ErrorCode.VERSION_CONFLICT);
        assertThat(e.currentVersion()).isEqualTo(4L);
    }

    @Test
    void idempotentRequestStillInProgressIsAConflict() {
        answerCreate(409, "idempotency_request_in_progress", "");

        assertThat(catchThrowableOfType(ConflictException.class, this::create).code())
                .isEqualTo(ErrorCode.IDEMPOTENCY_REQUEST_IN_PROGRESS);
    }

    @Test
    void reusedIdempotencyKeyIsAnIdempotencyException() {
        answerCreate(422, "idempotency_key_reused", "");

        IdempotencyException e = catchThrowableOfType(IdempotencyException.class, this::create);

        assertThat(e.status()).isEqualTo(422);
        assertThat(e.code()).isEqualTo(ErrorCode.IDEMPOTENCY_KEY_REUSED);
    }

    @Test
    void rateLimitCarriesRetryAfterGivenAsADate() {
        api.stubFor(post("/v1/categories").willReturn(problemAnswer(429, "rate_limited", "")
                .withHeader("Retry-After", "Sat, 01 Mar 2025 12:10:00 GMT")));

        RateLimitException e = catchThrowableOfType(RateLimitException.class, this::create);

        assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(e.retryAfter()).contains(Duration.ofMinutes(10));
    }

    @Test
    void serverFailureIsAServerExceptionWithTheRequestId() {
        answerCreate(500, "internal_error", "");

        ServerException e = catchThrowableOfType(ServerException.class, this::create);

        assertThat(e.status()).isEqualTo(500);
        assertThat(e.requestId()).isEqualTo("req-500");
    }

    @Test
    void errorWithoutAProblemDocumentStillHasAStatusAndCode() {
        api.stubFor(post("/v1/categories").willReturn(aResponse().withStatus(502)
                .withHeader("Content-Type", "text/html").withHeader("X-Request-Id", "proxy-1")
                .withBody("<html>Bad Gateway</html>")));

        ServerException e = catchThrowableOfType(ServerException.class, this::create);

        assertThat(e.code()).isEqualTo(ErrorCode.of("http_502"));
        assertThat(e.requestId()).isEqualTo("proxy-1");
    }

    private void create() throws Exception {
        client.categories().createCategory(new CategoryCreate().name("Food").commissionRateBasisPoints(1000));
    }

    private static void answerCreate(int status, String code, String extraMembers) {
        api.stubFor(post("/v1/categories").willReturn(problemAnswer(status, code, extraMembers)));
    }

    private static ResponseDefinitionBuilder problemAnswer(int status, String code, String extraMembers) {
        return aResponse().withStatus(status)
                .withHeader("Content-Type", "application/problem+json")
                .withBody(Json.problem(status, code, extraMembers));
    }
}
