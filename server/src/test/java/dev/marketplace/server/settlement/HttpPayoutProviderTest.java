package dev.marketplace.server.settlement;

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
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.settlement.PayoutProvider.PayoutRequest;
import dev.marketplace.server.settlement.PayoutProvider.ProviderPayout;
import dev.marketplace.server.testing.LoopbackWireMock;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP payout adapter against a provider played by WireMock on 127.0.0.1, through the outbound layer built from
 * configuration as the server builds it: success, decline, refusal, timeout, 5xx (retried with the same key),
 * unreadable answers, and the search by idempotency key that repairs a lost answer.
 */
class HttpPayoutProviderTest {

    private static final String API_KEY = "sk_payouts_7c1e";
    private static final String PAYOUTS = "/v1/payouts";
    private static final UUID MERCHANT = UUID.fromString("7d0f3a5e-8c1b-4e4f-9d61-2b3c4d5e6f70");

    private static WireMockServer wireMock;
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

    @Test
    void paysSendingTheApiKeyTheIdempotencyKeyAndTheBeneficiary() {
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS))
                .withHeader("Authorization", equalTo("Bearer " + API_KEY))
                .withHeader("Idempotency-Key", equalTo("payout:1"))
                .withRequestBody(equalToJson("""
                        {"amount": 90000, "currency": "JPY", "beneficiary": "%s", "reference": "ref-1"}""".formatted(MERCHANT)))
                .willReturn(json(201, payout("po_1", "paid", 90000, null))));

        assertThat(provider().pay(request("payout:1", 90_000)))
                .isEqualTo(new ProviderPayout("po_1", ProviderPayout.Status.PAID, null));
    }

    @Test
    void aPendingPayoutIsAnOutcomeToAskAboutLater() {
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).willReturn(json(202, payout("po_2", "pending", 5000, null))));

        assertThat(provider().pay(request("payout:2", 5000)).status()).isEqualTo(ProviderPayout.Status.PENDING);
    }

    @Test
    void aDeclineIsAFailedPayoutWithTheProvidersCode() {
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).willReturn(json(402, payout("po_3", "failed", 5000, "account_closed"))));
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).withHeader("Idempotency-Key", equalTo("payout:3b"))
                .willReturn(json(402, payout("po_3b", "failed", 5000, null))));

        assertThat(provider().pay(request("payout:3", 5000)))
                .isEqualTo(new ProviderPayout("po_3", ProviderPayout.Status.FAILED, "account_closed"));
        assertThat(provider().pay(request("payout:3b", 5000)).failureCode()).isEqualTo(HttpPayoutProvider.GENERIC_FAILURE);
    }

    @Test
    void aRefusalPaidNothingAndSaysWhy() {
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).willReturn(json(422, "{\"error\": {\"code\": \"beneficiary_unknown\"}}")));

        PayoutProviderException refused = failure(() -> provider().pay(request("payout:4", 5000)));

        assertThat(refused.outcomeUnknown()).isFalse();
        assertThat(refused.code()).isEqualTo("beneficiary_unknown");
    }

    @Test
    void aConflictOnTheKeyLeavesTheOutcomeUnknown() {
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).willReturn(json(409, "{\"error\": {\"code\": \"in_progress\"}}")));

        assertThat(failure(() -> provider().pay(request("payout:5", 5000))).outcomeUnknown()).isTrue();
    }

    @Test
    void aTimeoutIsAnUnknownOutcome() {
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).willReturn(json(201, payout("po_6", "paid", 5000, null))
                .withFixedDelay(1_000)));

        PayoutProviderException failure = failure(() -> provider(Map.of("timeout", "PT0.2S")).pay(request("payout:6", 5000)));

        assertThat(failure.outcomeUnknown()).isTrue();
        assertThat(failure.code()).isEqualTo(HttpPayoutProvider.UNAVAILABLE);
    }

    @Test
    void serverErrorsAreRetriedWithTheSameKeyUntilAnAnswer() {
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(status(503)).willSetStateTo("reset"));
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).inScenario("flaky").whenScenarioStateIs("reset")
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("up"));
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).inScenario("flaky").whenScenarioStateIs("up")
                .willReturn(json(201, payout("po_7", "paid", 5000, null))));

        assertThat(provider().pay(request("payout:7", 5000)).id()).isEqualTo("po_7");
        assertThat(wireMock.countRequestsMatching(postRequestedFor(urlPathEqualTo(PAYOUTS))
                .withHeader("Idempotency-Key", equalTo("payout:7")).build()).getCount()).isEqualTo(3);
    }

    @Test
    void serverErrorsThroughoutAreAnUnknownOutcome() {
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).willReturn(status(500)));

        assertThat(failure(() -> provider().pay(request("payout:8", 5000))).outcomeUnknown()).isTrue();
    }

    @Test
    void unreadableAnswersAreUnknownOutcomes() {
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).withHeader("Idempotency-Key", equalTo("garbage"))
                .willReturn(aResponse().withStatus(200).withBody("<html>ok</html>")));
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).withHeader("Idempotency-Key", equalTo("other-amount"))
                .willReturn(json(201, payout("po_9", "paid", 4999, null))));
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).withHeader("Idempotency-Key", equalTo("odd-status"))
                .willReturn(json(201, payout("po_9", "sent", 5000, null))));
        wireMock.stubFor(post(urlPathEqualTo(PAYOUTS)).withHeader("Idempotency-Key", equalTo("paid-402"))
                .willReturn(json(402, payout("po_9", "paid", 5000, null))));
        HttpPayoutProvider provider = provider();

        for (String key : new String[] {"garbage", "other-amount", "odd-status", "paid-402"}) {
            PayoutProviderException failure = failure(() -> provider.pay(request(key, 5000)));
            assertThat(failure.outcomeUnknown()).as(key).isTrue();
            assertThat(failure.code()).as(key).isEqualTo(HttpPayoutProvider.INVALID_RESPONSE);
        }
    }

    @Test
    void findsAPayoutByItsKeyOrNothing() {
        wireMock.stubFor(get(urlPathEqualTo(PAYOUTS)).withQueryParam("idempotencyKey", equalTo("payout:10"))
                .willReturn(okJson("{\"data\": [" + payout("po_10", "paid", 5000, null) + "]}")));
        wireMock.stubFor(get(urlPathEqualTo(PAYOUTS)).withQueryParam("idempotencyKey", equalTo("payout:11"))
                .willReturn(okJson("{\"data\": []}")));
        HttpPayoutProvider provider = provider();

        assertThat(provider.findByIdempotencyKey("payout:10"))
                .contains(new ProviderPayout("po_10", ProviderPayout.Status.PAID, null));
        assertThat(provider.findByIdempotencyKey("payout:11")).isEmpty();
    }

    @Test
    void settingsAreRequiredAndTheKeyNeverPrinted() {
        assertThatThrownBy(() -> HttpPayoutProvider.Settings.from(Config.just(ConfigSources.create(Map.of("base.url", "https://p.example.com")))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("api.key");
        assertThatThrownBy(() -> HttpPayoutProvider.Settings.from(Config.just(ConfigSources.create(
                Map.of("base.url", "ftp://p.example.com", "api.key", API_KEY)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("base.url");
        assertThat(HttpPayoutProvider.Settings.from(Config.just(ConfigSources.create(
                Map.of("base.url", "https://p.example.com", "api.key", API_KEY)))).toString()).doesNotContain(API_KEY);
    }

    private static PayoutRequest request(String key, long amount) {
        return new PayoutRequest(key, MERCHANT, Money.of(amount, "JPY"), "ref-1");
    }

    private static String payout(String id, String status, long amount, String failureCode) {
        return "{\"id\": \"%s\", \"status\": \"%s\", \"amount\": %d, \"currency\": \"JPY\"%s}".formatted(id, status, amount,
                failureCode == null ? "" : ", \"failureCode\": \"" + failureCode + "\"");
    }

    private static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    private static PayoutProviderException failure(Runnable call) {
        return catchThrowableOfType(PayoutProviderException.class, call::run);
    }

    private HttpPayoutProvider provider() {
        return provider(Map.of());
    }

    private HttpPayoutProvider provider(Map<String, String> target) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "outbound.allowed-private-networks.0", "127.0.0.1/32",
                "outbound.targets.payouts.timeout", "PT2S",
                "outbound.targets.payouts.initial-backoff", "PT0.001S",
                "outbound.targets.payouts.max-backoff", "PT0.002S",
                "settlement.payouts.http.base.url", "http://127.0.0.1:" + wireMock.port(),
                "settlement.payouts.http.api.key", API_KEY));
        target.forEach((key, value) -> settings.put("outbound.targets.payouts." + key, value));
        Config config = Config.just(ConfigSources.create(settings));
        if (outbound != null) {
            outbound.close();
        }
        outbound = OutboundHttp.create(config.get("outbound"));
        return HttpPayoutProvider.create(config.get("settlement.payouts.http"), outbound);
    }
}
