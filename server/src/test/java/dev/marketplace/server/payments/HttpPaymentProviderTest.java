package dev.marketplace.server.payments;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.status;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.marketplace.server.payments.PaymentProvider.AuthorizationRequest;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.platform.webhooks.StandardWebhooks.InvalidWebhookException;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.LoopbackWireMock;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP adapter against a provider played by WireMock on 127.0.0.1 (real HTTP through the outbound layer, built
 * from configuration as the server builds it). Retries wait a millisecond or two instead of a recording sleeper,
 * which the outbound package keeps to itself; no test sleeps.
 */
class HttpPaymentProviderTest {

    private static final String API_KEY = "sk_test_4f9c2b7e1d";
    private static final String WEBHOOK_SECRET = "whsec_" + Base64.getEncoder().encodeToString("http-provider-secret-32-bytes!!!".getBytes(StandardCharsets.UTF_8));
    private static final Instant NOW = Instant.parse("2026-11-22T06:00:00Z");
    private static final String PAYMENTS = "/v1/payments";

    private static WireMockServer wireMock;

    private final StandardWebhooks providerSigning = new StandardWebhooks(WEBHOOK_SECRET, Duration.ofMinutes(5));
    private OutboundHttp outbound;

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
    void closeOutbound() {
        if (outbound != null) {
            outbound.close();
        }
    }

    // ---- authorize, capture, void, refund

    @Test
    void authorizesWithCaptureSendingTheApiKeyTheKeyAndTheRequest() {
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS))
                .withHeader("Authorization", equalTo("Bearer " + API_KEY))
                .withHeader("Idempotency-Key", equalTo("pay-key-1"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(equalToJson("""
                        {"amount": 5000, "currency": "JPY", "paymentMethod": "pm_4242", "reference": "order-payment-1", "capture": true}"""))
                .willReturn(json(201, payment("pay_1", "captured", 5000, 5000, 0))));

        ProviderPayment payment = provider().authorize(new AuthorizationRequest("pay-key-1", jpy(5000), "pm_4242", "order-payment-1", true));

        assertThat(payment).isEqualTo(new ProviderPayment("pay_1", ProviderPayment.Status.CAPTURED, jpy(5000), jpy(5000), jpy(0), null));
        assertThat(count(postRequestedFor(urlPathEqualTo(PAYMENTS)))).isEqualTo(1);
    }

    @Test
    void authorizesOnlyThenCapturesPartlyThenRefundsInParts() {
        HttpPaymentProvider provider = provider();
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS)).withRequestBody(equalToJson("{\"capture\": false}", true, true))
                .willReturn(json(201, payment("pay_2", "authorized", 8000, 0, 0))));
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS + "/pay_2/capture")).withHeader("Idempotency-Key", equalTo("cap-1"))
                .withRequestBody(equalToJson("{\"amount\": 6000, \"currency\": \"JPY\"}"))
                .willReturn(json(200, payment("pay_2", "captured", 8000, 6000, 0))));
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS + "/pay_2/refunds")).withHeader("Idempotency-Key", equalTo("ref-1"))
                .withRequestBody(equalToJson("{\"amount\": 1000, \"currency\": \"JPY\"}"))
                .willReturn(json(201, refund("re_1", "pay_2", 1000, "succeeded"))));
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS + "/pay_2/refunds")).withHeader("Idempotency-Key", equalTo("ref-2"))
                .withRequestBody(equalToJson("{\"amount\": 2500, \"currency\": \"JPY\"}"))
                .willReturn(json(202, refund("re_2", "pay_2", 2500, "pending"))));

        ProviderPayment authorized = provider.authorize(new AuthorizationRequest("auth-2", jpy(8000), "pm_4242", "p-2", false));
        assertThat(authorized.status()).isEqualTo(ProviderPayment.Status.AUTHORIZED);
        assertThat(authorized.captured()).isEqualTo(jpy(0));

        ProviderPayment captured = provider.capture("pay_2", jpy(6000), "cap-1");
        assertThat(captured).isEqualTo(new ProviderPayment("pay_2", ProviderPayment.Status.CAPTURED, jpy(8000), jpy(6000), jpy(0), null));

        assertThat(provider.refund("pay_2", jpy(1000), "ref-1"))
                .isEqualTo(new ProviderRefund("re_1", "pay_2", jpy(1000), ProviderRefund.Status.SUCCEEDED));
        assertThat(provider.refund("pay_2", jpy(2500), "ref-2"))
                .isEqualTo(new ProviderRefund("re_2", "pay_2", jpy(2500), ProviderRefund.Status.PENDING));
    }

    @Test
    void voidsAnAuthorization() {
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS + "/pay_3/void")).withHeader("Idempotency-Key", equalTo("void-1"))
                .willReturn(json(200, payment("pay_3", "voided", 3000, 0, 0))));

        ProviderPayment voided = provider().voidAuthorization("pay_3", "void-1");

        assertThat(voided.status()).isEqualTo(ProviderPayment.Status.VOIDED);
        assertThat(voided.authorized()).isEqualTo(jpy(3000));
    }

    @Test
    void aPaymentIdCannotChangeThePath() {
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS + "/pay%2F..%2Fx/void"))
                .willReturn(json(200, payment("pay/../x", "voided", 3000, 0, 0))));

        assertThat(provider().voidAuthorization("pay/../x", "void-2").id()).isEqualTo("pay/../x");
    }

    // ---- declines

    @ParameterizedTest
    @CsvSource({"card_declined, 402", "insufficient_funds, 402", "card_declined, 200"})
    void aDeclineIsAnOutcomeWithItsCode(String declineCode, int status) {
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS)).willReturn(json(status, """
                {"id": "pay_d", "status": "declined", "currency": "JPY", "authorized": 0, "captured": 0, "refunded": 0,
                 "declineCode": "%s"}""".formatted(declineCode))));

        ProviderPayment declined = provider().authorize(authorization("decline-key"));

        assertThat(declined).isEqualTo(new ProviderPayment("pay_d", ProviderPayment.Status.DECLINED, jpy(0), jpy(0), jpy(0), declineCode));
        assertThat(count(postRequestedFor(urlPathEqualTo(PAYMENTS)))).as("a decline is not retried").isEqualTo(1);
    }

    @Test
    void aDeclineWithoutAReasonGetsTheGenericCode() {
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS)).willReturn(json(402, payment("pay_d", "declined", 0, 0, 0))));

        assertThat(provider().authorize(authorization("decline-key")).declineCode()).isEqualTo(HttpPaymentProvider.GENERIC_DECLINE);
    }

    // ---- no answer: outcome unknown, reconciled by key

    @Test
    void aTimeoutLeavesTheOutcomeUnknownAfterRetriesWithTheSameKeyAndTheKeyReconciles() {
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS)).willReturn(json(201, payment("pay_t", "authorized", 5000, 0, 0))
                .withFixedDelay(1_000)));
        HttpPaymentProvider provider = provider(Map.of("timeout", "PT0.2S"));

        PaymentProviderException failure = assertFailure(() -> provider.authorize(authorization("slow-key")));

        assertThat(failure.outcomeUnknown()).isTrue();
        assertThat(failure.code()).isEqualTo(HttpPaymentProvider.UNAVAILABLE);
        Await.until(Duration.ofSeconds(5), "WireMock logged 3 attempts", () -> count(postRequestedFor(urlPathEqualTo(PAYMENTS))) == 3);
        wireMock.verify(3, postRequestedFor(urlPathEqualTo(PAYMENTS)).withHeader("Idempotency-Key", equalTo("slow-key")));

        // The provider did act; asking by key repairs the caller's record.
        wireMock.stubFor(get(urlPathEqualTo(PAYMENTS)).withQueryParam("idempotencyKey", equalTo("slow-key"))
                .withHeader("Authorization", equalTo("Bearer " + API_KEY))
                .willReturn(json(200, "{\"data\": [" + payment("pay_t", "authorized", 5000, 0, 0) + "]}")));
        assertThat(provider.findByIdempotencyKey("slow-key"))
                .contains(new ProviderPayment("pay_t", ProviderPayment.Status.AUTHORIZED, jpy(5000), jpy(0), jpy(0), null));
    }

    @Test
    void reconcilingAKeyTheProviderNeverSawFindsNothing() {
        wireMock.stubFor(get(urlPathEqualTo(PAYMENTS)).withQueryParam("idempotencyKey", equalTo("never sent/&"))
                .willReturn(json(200, "{\"data\": []}")));

        assertThat(provider().findByIdempotencyKey("never sent/&")).isEmpty();
    }

    @Test
    void twoPaymentsForOneKeyAreNotAnAnswer() {
        String two = "{\"data\": [" + payment("pay_a", "authorized", 1, 0, 0) + ", " + payment("pay_b", "authorized", 1, 0, 0) + "]}";
        wireMock.stubFor(get(urlPathEqualTo(PAYMENTS)).willReturn(json(200, two)));

        assertThat(assertFailure(() -> provider().findByIdempotencyKey("k")).code()).isEqualTo(HttpPaymentProvider.INVALID_RESPONSE);
    }

    @Test
    void aServerErrorIsRetriedWithTheSameKeyUntilItSucceeds() {
        stubSequence(PAYMENTS, status(503), json(201, payment("pay_r", "captured", 5000, 5000, 0)));
        stubSequence(PAYMENTS + "/pay_r/refunds",
                aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER), status(500), json(201, refund("re_r", "pay_r", 500, "succeeded")));
        HttpPaymentProvider provider = provider();

        assertThat(provider.authorize(authorization("retry-key")).id()).isEqualTo("pay_r");
        assertThat(provider.refund("pay_r", jpy(500), "refund-retry-key").id()).isEqualTo("re_r");

        wireMock.verify(2, postRequestedFor(urlPathEqualTo(PAYMENTS)).withHeader("Idempotency-Key", equalTo("retry-key")));
        assertThat(count(postRequestedFor(urlPathEqualTo(PAYMENTS)))).isEqualTo(2);
        wireMock.verify(3, postRequestedFor(urlPathEqualTo(PAYMENTS + "/pay_r/refunds"))
                .withHeader("Idempotency-Key", equalTo("refund-retry-key")));
        assertThat(count(postRequestedFor(urlPathEqualTo(PAYMENTS + "/pay_r/refunds")))).isEqualTo(3);
    }

    @Test
    void persistentServerErrorsOpenTheCircuitAndThenNothingIsSent() {
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS + "/pay_c/capture")).willReturn(status(502)));
        HttpPaymentProvider provider = provider(Map.of("max-attempts", "2", "sliding-window-size", "4",
                "minimum-number-of-calls", "4", "failure-rate-threshold", "50", "wait-in-open-state", "PT1M"));

        for (String key : List.of("cap-a", "cap-b")) {
            PaymentProviderException failure = assertFailure(() -> provider.capture("pay_c", jpy(100), key));
            assertThat(failure.outcomeUnknown()).isTrue();
            assertThat(failure.code()).isEqualTo(HttpPaymentProvider.UNAVAILABLE);
        }
        assertThat(count(postRequestedFor(urlPathEqualTo(PAYMENTS + "/pay_c/capture")))).isEqualTo(4);

        PaymentProviderException whileOpen = assertFailure(() -> provider.capture("pay_c", jpy(100), "cap-c"));

        assertThat(whileOpen.outcomeUnknown()).isTrue();
        assertThat(whileOpen.code()).isEqualTo(HttpPaymentProvider.UNAVAILABLE);
        assertThat(whileOpen.getMessage()).contains("open");
        assertThat(count(postRequestedFor(urlPathEqualTo(PAYMENTS + "/pay_c/capture")))).as("nothing sent while open").isEqualTo(4);
    }

    // ---- answers that cannot be read: the provider may have acted

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"id\": \"pay_m\", \"status\": ",
            "<html><body>Bad Gateway</body></html>",
            "[]",
            "{\"id\": \"pay_m\", \"status\": \"exploded\", \"currency\": \"JPY\", \"authorized\": 0, \"captured\": 0, \"refunded\": 0}",
            "{\"id\": \"pay_m\", \"status\": \"authorized\", \"currency\": \"USD\", \"authorized\": 5000, \"captured\": 0, \"refunded\": 0}",
            "{\"id\": \"pay_m\", \"status\": \"authorized\", \"currency\": \"JPY\", \"authorized\": 50.5, \"captured\": 0, \"refunded\": 0}",
            "{\"id\": \"pay_m\", \"status\": \"authorized\", \"currency\": \"JPY\", \"authorized\": -5000, \"captured\": 0, \"refunded\": 0}",
            "{\"id\": \"pay_m\", \"status\": \"authorized\", \"currency\": \"JPY\", \"authorized\": \"5000\", \"captured\": 0, \"refunded\": 0}",
            "{\"status\": \"authorized\", \"currency\": \"JPY\", \"authorized\": 5000, \"captured\": 0, \"refunded\": 0}"})
    void anUnreadableAnswerLeavesTheOutcomeUnknownWithoutRetrying(String body) {
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS)).willReturn(json(201, body)));

        PaymentProviderException failure = assertFailure(() -> provider().authorize(authorization("garbled-key")));

        assertThat(failure.outcomeUnknown()).isTrue();
        assertThat(failure.code()).isEqualTo(HttpPaymentProvider.INVALID_RESPONSE);
        assertThat(count(postRequestedFor(urlPathEqualTo(PAYMENTS)))).isEqualTo(1);
    }

    @Test
    void anAnswerAboutAnotherPaymentIsNotTaken() {
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS + "/pay_x/capture")).willReturn(json(200, payment("pay_y", "captured", 100, 100, 0))));
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS + "/pay_x/refunds")).willReturn(json(200, refund("re_y", "pay_y", 100, "succeeded"))));
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS)).willReturn(json(402, payment("pay_z", "authorized", 100, 0, 0))));
        HttpPaymentProvider provider = provider();

        for (ThrowingCallable call : List.<ThrowingCallable>of(
                () -> provider.capture("pay_x", jpy(100), "c"),
                () -> provider.refund("pay_x", jpy(100), "r"),
                () -> provider.authorize(authorization("a")))) {
            PaymentProviderException failure = assertFailure(call);
            assertThat(failure.outcomeUnknown()).isTrue();
            assertThat(failure.code()).isEqualTo(HttpPaymentProvider.INVALID_RESPONSE);
        }
    }

    // ---- refusals: nothing happened

    @Test
    void aRefusalCarriesTheProvidersCodeAndIsNotRetried() {
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS + "/pay_4/refunds")).willReturn(json(422, """
                {"error": {"code": "amount_exceeds_capture", "message": "refunds cannot exceed what was captured"}}""")));

        PaymentProviderException refused = assertFailure(() -> provider().refund("pay_4", jpy(99_999), "too-much"));

        assertThat(refused.outcomeUnknown()).isFalse();
        assertThat(refused.code()).isEqualTo("amount_exceeds_capture");
        assertThat(refused.getMessage()).contains("422").contains("refunds cannot exceed what was captured");
        assertThat(count(postRequestedFor(urlPathEqualTo(PAYMENTS + "/pay_4/refunds")))).isEqualTo(1);
    }

    @Test
    void aRefusalWithoutAReadableCodeIsStillARefusal() {
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS)).willReturn(status(401).withBody("<html>Unauthorized</html>")));
        wireMock.stubFor(post(urlPathEqualTo(PAYMENTS + "/pay_5/void"))
                .willReturn(json(409, "{\"error\": {\"code\": \"Not A Code <script>\"}}")));
        HttpPaymentProvider provider = provider();

        PaymentProviderException unauthorized = assertFailure(() -> provider.authorize(authorization("k")));
        PaymentProviderException conflict = assertFailure(() -> provider.voidAuthorization("pay_5", "k2"));

        assertThat(List.of(unauthorized, conflict)).allSatisfy(refused -> {
            assertThat(refused.outcomeUnknown()).isFalse();
            assertThat(refused.code()).isEqualTo(HttpPaymentProvider.REFUSED);
        });
        assertThat(unauthorized.getMessage()).contains("401");
    }

    // ---- webhooks

    @Test
    void aSignedWebhookIsReadAndADuplicateDeliveryKeepsItsId() throws InvalidWebhookException {
        byte[] body = """
                {"type":"payment.captured","data":{"paymentId":"pay_2","amount":6000,"currency":"JPY"}}""".getBytes(StandardCharsets.UTF_8);
        Map<String, List<String>> headers = signed("msg_captured_1", NOW.minusSeconds(30), body);
        HttpPaymentProvider provider = provider();

        ProviderEvent first = provider.readWebhook(headers, body);
        ProviderEvent again = provider.readWebhook(headers, body);

        assertThat(first).isEqualTo(new ProviderEvent("msg_captured_1", ProviderEvent.Type.PAYMENT_CAPTURED, "pay_2", null, jpy(6000), null));
        assertThat(again).as("the same id, so the caller handles it once").isEqualTo(first);
    }

    @Test
    void tamperedStaleAndForeignWebhooksAreRefused() {
        byte[] body = """
                {"type":"refund.succeeded","data":{"paymentId":"pay_2","refundId":"re_1","amount":1000,"currency":"JPY"}}"""
                .getBytes(StandardCharsets.UTF_8);
        byte[] tampered = new String(body, StandardCharsets.UTF_8).replace("1000", "9000").getBytes(StandardCharsets.UTF_8);
        StandardWebhooks someoneElse = new StandardWebhooks("whsec_" + Base64.getEncoder().encodeToString(new byte[32]), Duration.ofMinutes(5));
        Map<String, List<String>> foreign = new HashMap<>();
        someoneElse.sign("msg_3", NOW, body).forEach((name, value) -> foreign.put(name, List.of(value)));
        HttpPaymentProvider provider = provider();

        assertThatThrownBy(() -> provider.readWebhook(signed("msg_1", NOW, body), tampered))
                .isInstanceOf(InvalidWebhookException.class).hasMessageContaining("signature");
        assertThatThrownBy(() -> provider.readWebhook(signed("msg_2", NOW.minus(Duration.ofMinutes(6)), body), body))
                .isInstanceOf(InvalidWebhookException.class).hasMessageContaining("timestamp");
        assertThatThrownBy(() -> provider.readWebhook(foreign, body))
                .isInstanceOf(InvalidWebhookException.class).hasMessageContaining("signature");
    }

    // ---- configuration

    @Test
    void everySettingIsRequiredAndTheBaseUrlMustBeHttp() {
        Map<String, String> complete = Map.of("base.url", "https://pay.example.com", "api.key", API_KEY, "webhook.secret", WEBHOOK_SECRET);
        for (String key : complete.keySet()) {
            Map<String, String> missing = new HashMap<>(complete);
            missing.remove(key);
            assertThatThrownBy(() -> HttpPaymentProvider.Settings.from(Config.just(ConfigSources.create(missing))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(key);
        }
        Map<String, String> ftp = new HashMap<>(complete);
        ftp.put("base.url", "ftp://pay.example.com");
        assertThatThrownBy(() -> HttpPaymentProvider.Settings.from(Config.just(ConfigSources.create(ftp))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("base.url");

        assertThat(HttpPaymentProvider.Settings.from(Config.just(ConfigSources.create(complete))).toString())
                .contains("https://pay.example.com").doesNotContain(API_KEY).doesNotContain(WEBHOOK_SECRET);
    }

    @Test
    void aBaseUrlWithAPathKeepsIt() {
        wireMock.stubFor(post(urlPathEqualTo("/provider" + PAYMENTS + "/pay_6/void")).willReturn(json(200, payment("pay_6", "voided", 1, 0, 0))));

        assertThat(provider(Map.of(), "http://127.0.0.1:" + wireMock.port() + "/provider/").voidAuthorization("pay_6", "v").status())
                .isEqualTo(ProviderPayment.Status.VOIDED);
    }

    // ---- helpers

    private HttpPaymentProvider provider() {
        return provider(Map.of());
    }

    private HttpPaymentProvider provider(Map<String, String> targetSettings) {
        return provider(targetSettings, "http://127.0.0.1:" + wireMock.port());
    }

    /** Built from configuration as the server does; {@code targetSettings} override outbound.targets.payments.*. */
    private HttpPaymentProvider provider(Map<String, String> targetSettings, String baseUrl) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "outbound.allowed-private-networks.0", "127.0.0.1/32",
                "outbound.targets.payments.timeout", "PT2S",
                "outbound.targets.payments.initial-backoff", "PT0.001S",
                "outbound.targets.payments.max-backoff", "PT0.002S",
                "payments.http.base.url", baseUrl,
                "payments.http.api.key", API_KEY,
                "payments.http.webhook.secret", WEBHOOK_SECRET));
        targetSettings.forEach((key, value) -> settings.put("outbound.targets.payments." + key, value));
        Config config = Config.just(ConfigSources.create(settings));
        outbound = OutboundHttp.create(config.get("outbound"));
        return HttpPaymentProvider.create(config.get("payments.http"), outbound, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private Map<String, List<String>> signed(String id, Instant at, byte[] body) {
        Map<String, List<String>> headers = new HashMap<>();
        providerSigning.sign(id, at, body).forEach((name, value) -> headers.put(name, List.of(value)));
        return headers;
    }

    private static AuthorizationRequest authorization(String key) {
        return new AuthorizationRequest(key, jpy(5000), "pm_4242", "ref-" + key, false);
    }

    private static Money jpy(long amount) {
        return Money.of(amount, "JPY");
    }

    private static String payment(String id, String status, long authorized, long captured, long refunded) {
        return """
                {"id": "%s", "status": "%s", "currency": "JPY", "authorized": %d, "captured": %d, "refunded": %d}"""
                .formatted(id, status, authorized, captured, refunded);
    }

    private static String refund(String id, String paymentId, long amount, String status) {
        return """
                {"id": "%s", "paymentId": "%s", "amount": %d, "currency": "JPY", "status": "%s"}""".formatted(id, paymentId, amount, status);
    }

    private static ResponseDefinitionBuilder json(int status, String body) {
        return okJson(body).withStatus(status);
    }

    /** Answers POSTs to {@code path} with the given responses in turn, the last one from then on. */
    private static void stubSequence(String path, ResponseDefinitionBuilder... responses) {
        for (int i = 0; i < responses.length; i++) {
            ScenarioMappingBuilder stub = post(urlPathEqualTo(path)).inScenario(path)
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "answer " + i).willReturn(responses[i]);
            if (i < responses.length - 1) {
                stub.willSetStateTo("answer " + (i + 1));
            }
            wireMock.stubFor(stub);
        }
    }

    private static int count(RequestPatternBuilder pattern) {
        return wireMock.countRequestsMatching(pattern.build()).getCount();
    }

    private static PaymentProviderException assertFailure(ThrowingCallable call) {
        PaymentProviderException failure = catchThrowableOfType(PaymentProviderException.class, call);
        assertThat(failure).as("a PaymentProviderException").isNotNull();
        return failure;
    }
}
