package dev.marketplace.server.platform.http;

import static dev.marketplace.schema.Tables.CATALOG_CATEGORY;
import static dev.marketplace.schema.Tables.IDEMPOTENCY_RECORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.marketplace.server.platform.persistence.DatabaseFailures;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.testing.RawHttp;
import dev.marketplace.server.testing.TestServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Input that used to reach PostgreSQL or the JSON parser unchecked (issue 12): NUL and unpaired surrogates, deep JSON,
 * an empty body under an Idempotency-Key, malformed signed webhooks. Each is a 400 that names what is wrong, in our
 * words, without a stack trace in the log. {@link InputContractIT} applies the text rule to every operation.
 */
class InputLimitsIT {

    private static final String PAYMENT_WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String CARRIER_WEBHOOK_SECRET = "whsec_" + Base64.getEncoder()
            .encodeToString("yamato-webhook-secret-32-bytes!!".getBytes(StandardCharsets.UTF_8));

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("payments.test.webhook.secret", PAYMENT_WEBHOOK_SECRET)
            .with("carriers.yamato.webhook.secret", CARRIER_WEBHOOK_SECRET);

    private final List<LogRecord> errorsLogged = new ArrayList<>();
    private final Handler errorLog = new Handler() {
        @Override
        public void publish(LogRecord logRecord) {
            if (logRecord.getLevel().intValue() >= Level.WARNING.intValue()) {
                errorsLogged.add(logRecord);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listenToErrorHandling() {
        Logger.getLogger(ErrorHandling.class.getName()).addHandler(errorLog);
    }

    @AfterEach
    void stopListening() {
        Logger.getLogger(ErrorHandling.class.getName()).removeHandler(errorLog);
    }

    @Test
    void aNulInTheSearchTextIs400NamingQNotAnUnreachableDatabase() {
        HttpResponse<String> response = server.send(server.request("/v1/listings?q=%00").GET().build());

        assertThat(response.statusCode()).isEqualTo(400);
        assertFieldRefused(response, "q");
        assertThat(errorsLogged).isEmpty();
    }

    @Test
    void aQueryTextPostgreSqlCannotReadIsTheRequestsFaultNotAnOutage() {
        // What the search did with q=%00 before the rule: the NUL, inlined into the SQL text, ends PostgreSQL's reading
        // of the message; it answers with a protocol violation and drops the connection.
        Throwable failure = catchThrowable(() -> server.db().fetch("SELECT '" + "tea\u0000" + "'"));

        assertThat(failure).isNotNull();
        assertThat(DatabaseFailures.unreachable(failure)).as("%s", failure).isFalse();
        assertThat(DatabaseFailures.unreachable(new SQLException("invalid byte sequence", "22021"))).isFalse();
        assertThat(DatabaseFailures.unreachable(new SQLException("duplicate key", "23505"))).isFalse();
        assertThat(DatabaseFailures.unreachable(new SQLException("connection refused", "08001"))).isTrue();
        assertThat(DatabaseFailures.unreachable(new SQLException("terminating connection", "57P01"))).isTrue();
    }

    @Test
    void theTokenEndpointRefusesNulAsInvalidRequest() {
        HttpResponse<String> inForm = server.send(server.anonymousRequest("/oauth2/token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id=op%00&client_secret=x"))
                .build());
        String basic = Base64.getEncoder().encodeToString("op\u0000:secret".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> inBasic = server.send(server.anonymousRequest("/oauth2/token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build());

        for (HttpResponse<String> response : List.of(inForm, inBasic)) {
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(json(response.body()).getString("error")).isEqualTo("invalid_request");
        }
        assertThat(json(inForm.body()).getString("error_description")).startsWith("client_id: ");
        assertThat(errorsLogged).isEmpty();
    }

    @Test
    void theSignInPagesRefuseNulNamingTheParameter() {
        HttpResponse<String> authorize = server.send(server.anonymousRequest(
                "/oauth2/authorize?response_type=code&client_id=shop%00&redirect_uri=https://shop.example/cb"
                        + "&scope=orders:read&code_challenge=x&code_challenge_method=S256").GET().build());
        HttpResponse<String> signIn = server.send(server.anonymousRequest("/oauth2/authorize/sign-in")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("csrf=x&email=a%00@example.com&password=p")).build());

        assertThat(authorize.statusCode()).isEqualTo(400);
        assertFieldRefused(authorize, "client_id");
        assertThat(signIn.statusCode()).isEqualTo(400);
        assertFieldRefused(signIn, "email");
        assertThat(errorsLogged).isEmpty();
    }

    @Test
    void aParameterLongerThanTheDocumentsDefaultLimitIsRefusedNamingIt() {
        String atLimit = "s".repeat(StorableText.MAX_PARAMETER_LENGTH);
        String authorize = "/oauth2/authorize?response_type=code&client_id=unknown&redirect_uri=https://shop.example/cb"
                + "&scope=orders:read&code_challenge=x&code_challenge_method=S256&state=";
        HttpResponse<String> stateAtLimit = server.send(server.anonymousRequest(authorize + atLimit).GET().build());
        HttpResponse<String> stateOverLimit = server.send(server.anonymousRequest(authorize + atLimit + "s").GET().build());
        HttpResponse<String> formOverLimit = server.send(server.anonymousRequest("/oauth2/token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id=op&client_secret=" + atLimit + "s"))
                .build());

        // At the limit the request reaches the handler: an unknown client gets the error page, not a refusal of state.
        assertThat(stateAtLimit.body()).doesNotContain("validation_failed");
        assertThat(stateOverLimit.statusCode()).isEqualTo(400);
        assertThat(json(stateOverLimit.body()).getJsonArray("errors").getValuesAs(JsonObject.class))
                .singleElement().satisfies(error -> {
                    assertThat(error.getString("field")).isEqualTo("state");
                    assertThat(error.getString("code")).isEqualTo("too_long");
                });
        assertThat(formOverLimit.statusCode()).isEqualTo(400);
        assertThat(json(formOverLimit.body()).getString("error")).isEqualTo("invalid_request");
        assertThat(json(formOverLimit.body()).getString("error_description")).startsWith("client_secret: ");
    }

    @Test
    void jsonNestedPastTheLimitIs400WithoutAStackTrace() {
        String deep = "{\"name\":" + "[".repeat(1000) + "]".repeat(1000) + ",\"commissionRateBasisPoints\":1}";
        String atTheLimit = "{\"name\":" + "[".repeat(JsonBody.MAX_DEPTH - 1) + "]".repeat(JsonBody.MAX_DEPTH - 1)
                + ",\"commissionRateBasisPoints\":1}";
        String pastTheLimit = "{\"name\":" + "[".repeat(JsonBody.MAX_DEPTH) + "]".repeat(JsonBody.MAX_DEPTH)
                + ",\"commissionRateBasisPoints\":1}";

        for (String body : List.of(deep, pastTheLimit)) {
            HttpResponse<String> response = postCategory(body, null);
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(json(response.body()).getString("code")).isEqualTo("json_too_deep");
        }
        HttpResponse<String> allowed = postCategory(atTheLimit, null);
        assertThat(allowed.statusCode()).isEqualTo(400);
        assertThat(json(allowed.body()).getString("code")).as("read, then refused as a name").isEqualTo("validation_failed");
        assertThat(errorsLogged).isEmpty();
    }

    @Test
    void aNulOrALoneSurrogateInJsonIsRefusedWhereverItIs() {
        HttpResponse<String> response = postCategory("{\"name\":\"Tea\\u0000\",\"commissionRateBasisPoints\":1,"
                + "\"parentId\":\"\\ud800\",\"x\\u0000\":{\"deeper\":[\"ok\",\"\\udc00\"]}}", null);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(fields(response)).containsExactlyInAnyOrder("name", "parentId", "x\\u0000");
        HttpResponse<String> nested = postCategory("{\"a\":{\"b\":[\"ok\",\"\\udc00\"]}}", null);
        assertThat(fields(nested)).containsExactly("a/b/1");
        assertThat(server.db().fetchCount(CATALOG_CATEGORY, CATALOG_CATEGORY.NAME.startsWith("Tea"))).isZero();
    }

    @Test
    void anEmptyBodyUnderAnIdempotencyKeyIsTheSame400AndFreesTheKey() {
        String key = UUID.randomUUID().toString();
        HttpResponse<String> withoutKey = postCategory("", null);
        HttpResponse<String> withKey = postCategory("", key);
        HttpResponse<String> again = postCategory("", key);

        assertThat(withKey.statusCode()).isEqualTo(withoutKey.statusCode()).isEqualTo(400);
        assertThat(json(withKey.body()).getString("code")).isEqualTo(json(withoutKey.body()).getString("code"))
                .isEqualTo("malformed_json");
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(server.db().fetchCount(IDEMPOTENCY_RECORD, IDEMPOTENCY_RECORD.IDEMPOTENCY_KEY.eq(key))).isZero();

        HttpResponse<String> corrected = postCategory("{\"name\":\"Keyed\",\"commissionRateBasisPoints\":1}", key);
        assertThat(corrected.statusCode()).isEqualTo(201);
        assertThat(postCategory("{\"name\":\"Keyed\",\"commissionRateBasisPoints\":1}", key)
                .headers().firstValue("Idempotent-Replayed")).contains("true");
    }

    @Test
    void aSignedButMalformedPaymentEventIsRefusedInOurWords() {
        StandardWebhooks provider = new StandardWebhooks(PAYMENT_WEBHOOK_SECRET, Duration.ofMinutes(5));
        for (String event : List.of("{\"type\":\"payment.captured\",\"data\":{\"paymentId\":1}}",
                "{\"type\":\"payment.captured\",\"data\":[]}", "{\"type\":7}",
                "{\"type\":\"payment.captured\",\"data\":{\"paymentId\":\"p\",\"amount\":1.5,\"currency\":\"JPY\"}}")) {
            HttpResponse<String> response = server.send(signed("/webhooks/payments/test", provider, event));

            assertThat(response.statusCode()).as(event).isEqualTo(400);
            JsonObject problem = json(response.body());
            assertThat(problem.getString("code")).isEqualTo("invalid_webhook");
            assertThat(problem.getString("detail")).as(event)
                    .doesNotContainIgnoringCase("java").doesNotContainIgnoringCase("jakarta")
                    .doesNotContainIgnoringCase("parsson").doesNotContainIgnoringCase("exception")
                    .doesNotContain("class ");
        }
        HttpResponse<String> nul = server.send(signed("/webhooks/payments/test", provider,
                "{\"type\":\"payment.captured\",\"data\":{\"paymentId\":\"p\\u0000\",\"amount\":1,\"currency\":\"JPY\"}}"));
        assertThat(nul.statusCode()).isEqualTo(400);
        assertFieldRefused(nul, "data/paymentId");
        assertThat(errorsLogged).isEmpty();
    }

    @Test
    void aCarrierEventIsReadLikeARequestBody() {
        StandardWebhooks carrier = new StandardWebhooks(CARRIER_WEBHOOK_SECRET, Duration.ofMinutes(5));
        HttpResponse<String> nul = server.send(signed("/webhooks/carriers/yamato", carrier,
                "{\"trackingNumber\":\"YT\\u0000\",\"status\":\"delivered\"}"));
        HttpResponse<String> deep = server.send(signed("/webhooks/carriers/yamato", carrier,
                "{\"trackingNumber\":" + "[".repeat(1000) + "]".repeat(1000) + "}"));

        assertThat(nul.statusCode()).isEqualTo(400);
        assertFieldRefused(nul, "trackingNumber");
        assertThat(deep.statusCode()).isEqualTo(400);
        assertThat(json(deep.body()).getString("code")).isEqualTo("json_too_deep");
        assertThat(errorsLogged).isEmpty();
    }

    @Test
    void aNulInAnIdempotencyKeyNeverReachesTheDatabase() {
        byte[] body = "{\"name\":\"Headed\",\"commissionRateBasisPoints\":1}".getBytes(StandardCharsets.UTF_8);
        RawHttp.Response response = RawHttp.exchange(server.baseUri().getPort(), "POST", "/v1/categories",
                "POST /v1/categories HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + server.operatorToken()
                        + "\r\nContent-Type: application/json\r\nIdempotency-Key: key\u0000\r\nContent-Length: " + body.length,
                body);

        assertThat(response.status()).isEqualTo(400);
        assertThat(server.db().fetchCount(CATALOG_CATEGORY, CATALOG_CATEGORY.NAME.eq("Headed"))).isZero();
        assertThat(errorsLogged).isEmpty();
    }

    @Test
    void aQueryThatCannotBeDecodedIsNeverA500() {
        for (String target : List.of("/oauth2/jwks?x=%zz", "/v1/categories?limit=%e", "/oauth2/authorize?client_id=%ff%fe")) {
            RawHttp.Response response = RawHttp.exchange(server.baseUri().getPort(), "GET", target.replaceAll("\\?.*", ""),
                    "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + server.operatorToken(),
                    new byte[0]);
            assertThat(response.status()).as(target).isLessThan(500);
        }
        assertThat(errorsLogged).isEmpty();
    }

    private static HttpRequest signed(String path, StandardWebhooks signer, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        Map<String, String> headers = signer.sign("msg_" + UUID.randomUUID(), Instant.now(), bytes);
        headers.forEach(request::header);
        return request.build();
    }

    private static HttpResponse<String> postCategory(String body, String idempotencyKey) {
        HttpRequest.Builder request = server.request("/v1/categories").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return server.send(request.build());
    }

    private static void assertFieldRefused(HttpResponse<String> response, String field) {
        JsonObject problem = json(response.body());
        assertThat(problem.getString("code")).isEqualTo("validation_failed");
        assertThat(problem.getJsonArray("errors").getValuesAs(JsonObject.class))
                .anySatisfy(error -> {
                    assertThat(error.getString("field")).isEqualTo(field);
                    assertThat(error.getString("code")).isEqualTo("invalid_format");
                    assertThat(error.getString("message")).isEqualTo(StorableText.RULE);
                });
    }

    private static List<String> fields(HttpResponse<String> response) {
        return json(response.body()).getJsonArray("errors").getValuesAs(JsonObject.class).stream()
                .filter(error -> error.getString("message").equals(StorableText.RULE))
                .map(error -> error.getString("field")).toList();
    }

    private static JsonObject json(String body) {
        return Json.createReader(new StringReader(body)).readObject();
    }
}
