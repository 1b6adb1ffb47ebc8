package dev.marketplace.server.partners;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.LoopbackWireMock;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCustomers;
import dev.marketplace.server.testing.TestServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The points exchange against a partner API played by WireMock (decision 37): success, refusal, timeout, 5xx, 429,
 * duplicate callbacks, a confirmation after release, a partner down for minutes; inbound credits with replays,
 * reversals and caps under 50 concurrent requests; the day's file, the partner's file and their mismatches. After
 * each case every exchange has one outcome, no points are left held, and the ledger reconciles with the
 * partner's clearing account equal to the statement's net.
 */
class PointsExchangeIT {

    private static final UUID PARTNER = UUID.fromString("5a1e0000-0000-4000-8000-00000000cafe");
    private static final String REDIRECT = "https://partner.example/callback";
    private static final WireMockServer partnerApi = LoopbackWireMock.started();
    private static final MovableClock clock = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer()
            .withClock(clock)
            .with("outbound.allowed-private-networks.0", "127.0.0.1/32")
            .with("outbound.defaults.timeout", "PT0.4S")
            .with("outbound.defaults.max-attempts", "2")
            .with("outbound.defaults.initial-backoff", "PT0.001S")
            .with("outbound.defaults.max-backoff", "PT0.002S")
            // The breaker opens only when the last four calls all failed: in the down-for-minutes case, not after a
            // single failing exchange of another case (the partner's target, and its breaker, is shared by the cases).
            .with("outbound.defaults.failure-rate-threshold", "100")
            .with("outbound.defaults.minimum-number-of-calls", "4")
            .with("outbound.defaults.sliding-window-size", "4")
            .with("outbound.defaults.wait-in-open-state", "PT0.3S")
            .with("partners.first-check-after", "PT1M")
            .with("partners.give-up-after", "PT30M");

    private static TestCustomers customers;
    private static TestCustomers.SignInClient storefront;
    private static TestCustomers.SignInClient partnerClient;
    private static String partnerToken;

    @AfterAll
    static void stop() {
        partnerApi.stop();
    }

    @BeforeAll
    static void registerPartner() throws Exception {
        customers = new TestCustomers(server);
        storefront = customers.storefront("Storefront", "https://shop.example/callback");
        ClientCredentials created = server.client().clients().createClient(new ClientCreate().name("Partner points")
                .principalType(PrincipalType.PARTNER).principalId(PARTNER)
                .scopes(List.of(Scope.POINTS_EXCHANGE, Scope.POINTS_READ, Scope.PARTNERS_READ))
                .redirectUris(List.of(REDIRECT)));
        partnerClient = new TestCustomers.SignInClient(created.getClient().getClientId(), created.getClientSecret(),
                REDIRECT, null);
        partnerToken = server.token(partnerClient.clientId(), partnerClient.secret());
        HttpResponse<String> registered = send("POST", "/v1/partners", server.operatorToken(), """
                {"partnerId": "%s", "name": "T-Point-like programme", "apiBaseUrl": "%s/api",
                 "authType": "oauth2_client_credentials", "tokenUrl": "%s/oauth/token", "authClientId": "marketplace",
                 "secret": "partner-issued-secret", "webhookSecret": "whsec_cGFydG5lci13ZWJob29rLXNlY3JldC0wMQ=="}"""
                .formatted(PARTNER, partnerApi.baseUrl(), partnerApi.baseUrl()));
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        // Outbound: 1 of our points → 1 partner point; inbound: 2 partner points → 1 of ours; 1 partner point = 1 JPY.
        assertThat(terms("outbound", now().plusSeconds(1), 1, 1, 100, 100, 1_000_000).statusCode()).isEqualTo(201);
        assertThat(terms("inbound", now().plusSeconds(1), 1, 2, 100, 100, 2_000).statusCode()).isEqualTo(201);
        clock.advance(Duration.ofSeconds(2));
    }

    @BeforeEach
    void partnerAnswers() {
        partnerApi.resetAll();
        partnerApi.stubFor(post(urlEqualTo("/oauth/token"))
                .willReturn(okJson("{\"access_token\": \"partner-token\", \"token_type\": \"Bearer\", \"expires_in\": 3600}")));
    }

    // ---- terms

    @Test
    void termsThatLoopMakeValueOrLookBackAreRefused() {
        HttpResponse<String> loop = terms("inbound", now().plusSeconds(60), 1, 1, 1, 1, 100);
        assertThat(loop.statusCode()).isEqualTo(409);
        assertThat(json(loop).getString("code")).isEqualTo("exchange_loop");
        HttpResponse<String> value = terms("outbound", now().plusSeconds(60), 3, 2, 1, 1, 100);
        assertThat(value.statusCode()).isEqualTo(409);
        assertThat(json(value).getString("code")).isEqualTo("exchange_above_value");
        HttpResponse<String> past = terms("outbound", now().minusSeconds(60), 1, 2, 1, 1, 100);
        assertThat(past.statusCode()).isEqualTo(400);
        HttpResponse<String> notOperator = send("POST", "/v1/partners/" + PARTNER + "/exchange-terms", partnerToken,
                "{}");
        assertThat(notOperator.statusCode()).isEqualTo(403);
    }

    // ---- outbound

    @Test
    void aCreditedExchangePostsTheHeldPoints() throws Exception {
        Member member = member("M-ok", 10_000);
        creditAnswers(aResponse().withStatus(201).withBody("{\"status\": \"credited\"}"));

        HttpResponse<String> response = exchangeOut(member, 1_000);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonObject exchange = json(response).getJsonObject("exchange");
        assertThat(exchange.getString("state")).isEqualTo("completed");
        assertThat(exchange.getJsonNumber("partnerPoints").longValue()).isEqualTo(1_000);
        assertThat(available(member)).isEqualTo(9_000);
        partnerApi.verify(1, postRequestedFor(urlEqualTo("/api/points/credits"))
                .withHeader("Idempotency-Key", equalTo(exchange.getString("reference")))
                .withHeader("Authorization", equalTo("Bearer partner-token")));
        assertSettled();
    }

    @Test
    void aRefusedExchangeGivesThePointsBack() throws Exception {
        Member member = member("M-refused", 10_000);
        creditAnswers(aResponse().withStatus(409).withBody("{\"error\": \"member closed\"}"));

        HttpResponse<String> response = exchangeOut(member, 500);

        assertThat(json(response).getJsonObject("exchange").getString("state")).isEqualTo("failed");
        assertThat(available(member)).isEqualTo(10_000);
        assertSettled();
    }

    @Test
    void aTimeoutStaysPendingUntilThePartnerSaysItCredited() throws Exception {
        Member member = member("M-timeout", 10_000);
        creditAnswers(aResponse().withStatus(201).withFixedDelay(1_000));

        HttpResponse<String> response = exchangeOut(member, 2_000);

        assertThat(response.statusCode()).isEqualTo(202);
        String reference = json(response).getJsonObject("exchange").getString("reference");
        assertThat(available(member)).as("held").isEqualTo(8_000);
        lookupAnswers(reference, okJson("{\"status\": \"credited\"}"));
        assertThat(server.runJob(PartnersModule.RECONCILE_JOB)).as("not due yet").isZero();
        clock.advance(Duration.ofMinutes(2));
        resolvedByTheJob(member, reference, "completed");

        assertThat(available(member)).isEqualTo(8_000);
        assertSettled();
    }

    @Test
    void aServerErrorIsSentAgainWhenThePartnerNeverReceivedIt() throws Exception {
        Member member = member("M-5xx", 10_000);
        creditAnswers(aResponse().withStatus(503));
        String reference = json(exchangeOut(member, 300)).getJsonObject("exchange").getString("reference");
        lookupAnswers(reference, aResponse().withStatus(404));
        creditAnswers(aResponse().withStatus(201));

        clock.advance(Duration.ofMinutes(2));
        resolvedByTheJob(member, reference, "completed");

        assertThat(available(member)).isEqualTo(9_700);
        assertSettled();
    }

    @Test
    void aThrottledCreditTheParterLaterRefusedIsReleased() throws Exception {
        Member member = member("M-429", 10_000);
        creditAnswers(aResponse().withStatus(429).withHeader("Retry-After", "0"));
        String reference = json(exchangeOut(member, 400)).getJsonObject("exchange").getString("reference");
        assertThat(available(member)).isEqualTo(9_600);
        lookupAnswers(reference, okJson("{\"status\": \"refused\"}"));

        clock.advance(Duration.ofMinutes(2));
        resolvedByTheJob(member, reference, "failed");

        assertThat(available(member)).isEqualTo(10_000);
        assertSettled();
    }

    @Test
    void aPartnerThatCreditsAfterWeReleasedGetsOneCompensation() throws Exception {
        Member member = member("M-late", 10_000);
        creditAnswers(aResponse().withStatus(500));
        String reference = json(exchangeOut(member, 700)).getJsonObject("exchange").getString("reference");
        lookupAnswers(reference, aResponse().withStatus(404));
        creditAnswers(aResponse().withStatus(500));
        clock.advance(Duration.ofMinutes(31));
        server.runJob(PartnersModule.RECONCILE_JOB);
        assertThat(outbound(member, reference).getString("state")).isEqualTo("failed");
        assertThat(available(member)).isEqualTo(10_000);

        String path = "/v1/exchanges/outbound/" + reference + "/partner-outcome";
        HttpResponse<String> late = send("POST", path, partnerToken, "{\"status\": \"credited\"}");
        HttpResponse<String> duplicate = send("POST", path, partnerToken, "{\"status\": \"credited\"}");

        assertThat(late.statusCode()).as(late.body()).isEqualTo(200);
        assertThat(duplicate.statusCode()).isEqualTo(200);
        JsonObject compensation = json(duplicate).getJsonObject("compensation");
        assertThat(compensation.getString("direction")).isEqualTo("compensation");
        assertThat(compensation.getString("state")).isEqualTo("completed");
        assertThat(compensation.getJsonNumber("points").longValue()).isEqualTo(700);
        assertThat(json(late).getJsonObject("compensation").getString("id")).isEqualTo(compensation.getString("id"));
        assertThat(available(member)).as("taken once").isEqualTo(9_300);
        HttpResponse<String> refusedNow = send("POST", path, partnerToken, "{\"status\": \"refused\"}");
        assertThat(refusedNow.statusCode()).isEqualTo(200);
        assertThat(json(refusedNow).getJsonObject("exchange").getString("state")).isEqualTo("failed");
        assertSettled();
    }

    @Test
    void aPartnerDownForMinutesLeavesExchangesPendingUntilItIsBack() throws Exception {
        Member member = member("M-down", 10_000);
        partnerApi.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl()).willReturn(aResponse().withStatus(503)));
        List<String> references = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> response = exchangeOut(member, 100);
            assertThat(response.statusCode()).isEqualTo(202);
            references.add(json(response).getJsonObject("exchange").getString("reference"));
        }
        assertThat(available(member)).isEqualTo(9_400);
        for (int minute = 0; minute < 5; minute++) {
            clock.advance(Duration.ofMinutes(11));
            server.runJob(PartnersModule.RECONCILE_JOB);
        }
        for (String reference : references) {
            assertThat(outbound(member, reference).getString("state")).as("unknown stays pending").isEqualTo("pending");
        }

        partnerApi.resetAll();
        partnerAnswers();
        for (String reference : references) {
            lookupAnswers(reference, okJson("{\"status\": \"credited\"}"));
        }
        // The breaker's open state (wait-in-open-state) is timed by Resilience4j on real time: runs until it half-opens.
        dev.marketplace.server.testing.Await.until(Duration.ofSeconds(10), "every exchange resolved", () -> {
            server.runJob(PartnersModule.RECONCILE_JOB);
            clock.advance(Duration.ofMinutes(1));
            return references.stream().allMatch(reference -> outbound(member, reference).getString("state")
                    .equals("completed"));
        });
        assertThat(available(member)).isEqualTo(9_400);
        assertSettled();
    }

    // ---- the partner's allowed hosts (decision 56)

    @Test
    void aHostOffThePartnersAllowListIsNeverCalledAndItsExchangeWaits() throws Exception {
        String host = java.net.URI.create(partnerApi.baseUrl()).getHost();
        HttpResponse<String> refused = send("POST", "/v1/partners", server.operatorToken(), """
                {"partnerId": "%s", "name": "Elsewhere", "apiBaseUrl": "%s/api", "authType": "api_key",
                 "secret": "partner-issued-secret", "webhookSecret": "whsec_cGFydG5lci13ZWJob29rLXNlY3JldC0wMQ==",
                 "allowedHosts": ["points.partner.example"]}"""
                .formatted(UUID.randomUUID(), partnerApi.baseUrl()));
        assertThat(refused.statusCode()).as("the base URL's host is not on the list").isEqualTo(400);
        assertThat(refused.body()).contains("apiBaseUrl");
        JsonObject partner = json(send("GET", "/v1/partners/" + PARTNER, server.operatorToken(), null));
        assertThat(partner.getJsonArray("allowedHosts").getValuesAs(jakarta.json.JsonString.class))
                .extracting(jakarta.json.JsonString::getString).as("without a list: the registered URLs' host")
                .containsExactly(host);

        // The operator takes the host off the list: the exchange is not sent, and waits with the points held.
        long version = allowHosts(partner.getJsonNumber("version").longValue(), "points.partner.example");
        Member member = member("M-off-list", 10_000);
        creditAnswers(aResponse().withStatus(201));
        HttpResponse<String> response = exchangeOut(member, 600);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        String reference = json(response).getJsonObject("exchange").getString("reference");
        lookupAnswers(reference, aResponse().withStatus(404));
        clock.advance(Duration.ofMinutes(2));
        server.runJob(PartnersModule.RECONCILE_JOB);
        partnerApi.verify(0, postRequestedFor(urlEqualTo("/api/points/credits")));
        partnerApi.verify(0, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlEqualTo("/api/points/credits/" + reference)));
        assertThat(outbound(member, reference).getString("state")).isEqualTo("pending");
        assertThat(available(member)).as("held").isEqualTo(9_400);

        // Allowed again: the reconciliation reaches the partner, which never received it, and sends it once.
        allowHosts(version, host);
        clock.advance(Duration.ofMinutes(2));
        resolvedByTheJob(member, reference, "completed");
        partnerApi.verify(1, postRequestedFor(urlEqualTo("/api/points/credits")));
        assertThat(available(member)).isEqualTo(9_400);
        assertSettled();
    }

    @Test
    void aRedirectToAnotherHostIsNeverFollowedAndItsExchangeWaits() throws Exception {
        WireMockServer elsewhere = LoopbackWireMock.started();
        try {
            // 127.0.0.1 passes the SSRF rules here, but it is not the partner's host (localhost) on its list.
            String offList = "http://127.0.0.1:" + elsewhere.port() + "/api/points/credits";
            elsewhere.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(
                    com.github.tomakehurst.wiremock.client.WireMock.anyUrl()).willReturn(aResponse().withStatus(201)));
            Member member = member("M-redirected", 10_000);
            creditAnswers(aResponse().withStatus(307).withHeader("Location", offList));
            HttpResponse<String> response = exchangeOut(member, 600);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            String reference = json(response).getJsonObject("exchange").getString("reference");
            lookupAnswers(reference, aResponse().withStatus(302).withHeader("Location", offList + "/" + reference));
            clock.advance(Duration.ofMinutes(2));
            server.runJob(PartnersModule.RECONCILE_JOB);

            assertThat(elsewhere.getAllServeEvents()).as("the redirects' host is never called").isEmpty();
            assertThat(outbound(member, reference).getString("state")).isEqualTo("pending");
            assertThat(available(member)).as("held").isEqualTo(9_400);

            // The partner answers itself again: the job finds it never received the credit and sends it once.
            creditAnswers(aResponse().withStatus(201));
            lookupAnswers(reference, aResponse().withStatus(404));
            clock.advance(Duration.ofMinutes(2));
            resolvedByTheJob(member, reference, "completed");
            assertThat(elsewhere.getAllServeEvents()).isEmpty();
            assertThat(available(member)).isEqualTo(9_400);
            assertSettled();
        } finally {
            elsewhere.stop();
        }
    }

    /** Replaces the partner's allowed hosts (it stays active); returns its new version. */
    private static long allowHosts(long version, String... hosts) {
        HttpResponse<String> changed = send("PATCH", "/v1/partners/" + PARTNER, server.operatorToken(),
                "{\"status\": \"active\", \"version\": " + version + ", \"allowedHosts\": [\""
                        + String.join("\", \"", hosts) + "\"]}");
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        return json(changed).getJsonNumber("version").longValue();
    }

    // ---- inbound

    @Test
    void anInboundCreditIsPostedOnceAndCanBeReversedWhileUnused() throws Exception {
        Member member = member("M-in", 0);
        String key = "in-" + UUID.randomUUID();

        HttpResponse<String> first = exchangeIn(key, member.memberId(), 1_000);
        HttpResponse<String> replay = exchangeIn(key, member.memberId(), 1_000);
        HttpResponse<String> reused = exchangeIn(key, member.memberId(), 1_200);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(json(first).getJsonNumber("points").longValue()).isEqualTo(500);
        assertThat(replay.statusCode()).isIn(200, 201);
        assertThat(json(replay).getString("id")).isEqualTo(json(first).getString("id"));
        assertThat(reused.statusCode()).isEqualTo(422);
        assertThat(available(member)).isEqualTo(500);
        HttpResponse<String> read = send("GET", "/v1/exchanges/inbound/" + key, partnerToken, null);
        assertThat(json(read).getString("state")).isEqualTo("completed");

        HttpResponse<String> reversed = send("POST", "/v1/exchanges/inbound/" + key + "/reversal", partnerToken, null);
        assertThat(reversed.statusCode()).as(reversed.body()).isEqualTo(200);
        assertThat(json(reversed).getString("state")).isEqualTo("reversed");
        assertThat(available(member)).isZero();

        String spentKey = "in-" + UUID.randomUUID();
        exchangeIn(spentKey, member.memberId(), 400);
        adjust(member, -100);
        HttpResponse<String> tooLate = send("POST", "/v1/exchanges/inbound/" + spentKey + "/reversal", partnerToken, null);
        assertThat(tooLate.statusCode()).isEqualTo(409);
        assertThat(json(tooLate).getString("code")).isEqualTo("points_already_used");
        assertSettled();
    }

    @Test
    void anUnlinkedMemberAndACustomerTokenCannotCreditIn() throws Exception {
        Member member = member("M-unlinked", 0);
        HttpResponse<String> unknown = exchangeIn("in-" + UUID.randomUUID(), "M-nobody", 1_000);
        assertThat(unknown.statusCode()).isEqualTo(409);
        assertThat(json(unknown).getString("code")).isEqualTo("member_not_linked");
        HttpResponse<String> asCustomer = send("POST", "/v1/exchanges/inbound", member.token(),
                "{\"memberId\": \"M-unlinked\", \"partnerPoints\": 1000}", "in-" + UUID.randomUUID());
        assertThat(asCustomer.statusCode()).isEqualTo(403);
        HttpResponse<String> offStep = exchangeIn("in-" + UUID.randomUUID(), member.memberId(), 1_050);
        assertThat(json(offStep).getString("code")).isEqualTo("exchange_off_step");
    }

    @Test
    void theDailyCapHoldsUnderFiftyConcurrentCredits() throws Exception {
        Member member = member("M-caps", 0);
        List<Callable<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String key = "cap-" + i + "-" + UUID.randomUUID();
            calls.add(() -> exchangeIn(key, member.memberId(), 200).statusCode());
        }
        List<Integer> statuses = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(50)) {
            for (Future<Integer> status : pool.invokeAll(calls)) {
                statuses.add(status.get());
            }
        }
        // Refused: 409 at the cap, or 503 when a request found no free database connection while the others
        // queued on the customer's counter row; never a credit past the cap.
        assertThat(statuses.stream().filter(s -> s == 201).count()).as("2,000 a day at 200 each: " + statuses)
                .isEqualTo(10);
        assertThat(statuses).as("the others refused").filteredOn(s -> s != 201).allMatch(s -> s == 409 || s == 503);
        assertThat(available(member)).isEqualTo(1_000);
        assertSettled();
    }

    @Test
    void thePartnersDailyCapHoldsExactlyWhicheverStripesTheCreditsTook() throws Exception {
        UUID partner = UUID.randomUUID();
        String token = partnerWithInboundDailyCap(partner, 2_000);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 52; i++) {
            members.add("cap-" + i);
            server.db().execute("INSERT INTO partner_member_link (customer_id, partner_id, member_id) VALUES (?, ?, ?)",
                    UUID.randomUUID(), partner, members.getLast());
        }
        // The first credit of the day splits the cap over the stripes; a small one then raises one stripe, splitting
        // nothing again; the next is more than any one stripe's share.
        assertThat(exchangeIn(token, "first", members.get(0), 1).statusCode()).isEqualTo(201);
        List<Long> split = allowances(partner);
        assertThat(split).hasSize(16).allMatch(allowance -> allowance >= 124);
        assertThat(exchangeIn(token, "small", members.get(0), 10).statusCode()).isEqualTo(201);
        assertThat(allowances(partner)).as("allowances after a credit that fit on one stripe").isEqualTo(split);
        HttpResponse<String> large = exchangeIn(token, "large", members.get(1), 1_500);
        assertThat(large.statusCode()).as("a credit within the day's cap, though no stripe alone has room: "
                + large.body()).isEqualTo(201);

        List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 2; i < 52; i++) {
            String member = members.get(i);
            calls.add(() -> exchangeIn(token, "concurrent-" + member, member, 10));
        }
        List<HttpResponse<String>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(50)) {
            for (Future<HttpResponse<String>> answer : pool.invokeAll(calls)) {
                answers.add(answer.get());
            }
        }
        // 489 left for 50 credits of 10: of those that ran (not a 503 for want of a database connection), all but
        // what passes the cap; each refusal is the partner's cap, never the stripe a credit happened to find.
        long credited = answers.stream().filter(answer -> answer.statusCode() == 201).count();
        long ran = answers.stream().filter(answer -> answer.statusCode() != 503).count();
        assertThat(credited).as("credits of 10 while the day had room").isEqualTo(Math.min(48, ran));
        assertThat(answers).filteredOn(answer -> answer.statusCode() != 201 && answer.statusCode() != 503)
                .allSatisfy(refused -> assertThat(json(refused).getString("code")).isEqualTo("exchange_partner_daily_cap"));
        long left = 2_000 - 1 - 10 - 1_500 - 10 * credited;
        assertThat(exchangeIn(token, "the-rest", members.get(0), left).statusCode()).isEqualTo(201);
        HttpResponse<String> over = exchangeIn(token, "over", members.get(0), 1);
        assertThat(over.statusCode()).isEqualTo(409);
        assertThat(json(over).getString("code")).isEqualTo("exchange_partner_daily_cap");
        assertThat(dayUse(partner)).isEqualTo(List.of(2_000L, 2_000L, 2_000L));

        // A reversal gives its points back to the day: the same credit fits again, and not a point more.
        HttpResponse<String> reversed = send("POST", "/v1/exchanges/inbound/large/reversal", token, null);
        assertThat(reversed.statusCode()).as(reversed.body()).isEqualTo(200);
        assertThat(dayUse(partner)).isEqualTo(List.of(500L, 500L, 2_000L));
        assertThat(exchangeIn(token, "large-again", members.get(1), 1_500).statusCode()).isEqualTo(201);
        assertThat(exchangeIn(token, "over-again", members.get(1), 1).statusCode()).isEqualTo(409);
        assertThat(dayUse(partner)).isEqualTo(List.of(2_000L, 2_000L, 2_000L));
    }

    /**
     * The partner's day as its exchanges and its stripes count it: the completed inbound partner points, the stripes'
     * use, and their allowances (which add up to the cap they were split for).
     */
    private static List<Long> dayUse(UUID partner) {
        return List.of(
                sum("SELECT sum(partner_points) FROM partner_exchange WHERE partner_id = ? AND direction = 'inbound' "
                        + "AND state = 'completed'", partner),
                sum("SELECT sum(used) FROM partner_exchange_day_stripe WHERE partner_id = ?", partner),
                sum("SELECT sum(allowance) FROM partner_exchange_day_stripe WHERE partner_id = ?", partner));
    }

    private static List<Long> allowances(UUID partner) {
        return server.db().fetch("SELECT allowance FROM partner_exchange_day_stripe WHERE partner_id = ? ORDER BY stripe",
                partner).getValues(0, Long.class);
    }

    private static long sum(String sql, UUID partner) {
        return server.db().fetchSingle("SELECT coalesce((" + sql + "), 0)::bigint", partner).get(0, Long.class);
    }

    /** Another partner with its own client, and inbound terms of 1:1 whose daily cap for the partner is {@code cap}. */
    private static String partnerWithInboundDailyCap(UUID partner, long cap) {
        ClientCredentials created = server.client().clients().createClient(new ClientCreate().name("Capped partner")
                .principalType(PrincipalType.PARTNER).principalId(partner).scopes(List.of(Scope.POINTS_EXCHANGE)));
        String token = server.token(created.getClient().getClientId(), created.getClientSecret());
        HttpResponse<String> registered = send("POST", "/v1/partners", server.operatorToken(), """
                {"partnerId": "%s", "name": "Capped programme", "apiBaseUrl": "%s/api", "authType": "api_key",
                 "secret": "capped-api-key", "webhookSecret": "whsec_Y2FwcGVkLXBhcnRuZXItd2ViaG9vay1zZWNyZXQ="}"""
                .formatted(partner, partnerApi.baseUrl()));
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        HttpResponse<String> terms = send("POST", "/v1/partners/" + partner + "/exchange-terms", server.operatorToken(), """
                {"direction": "inbound", "effectiveFrom": "%s", "rateNumerator": 1, "rateDenominator": 1,
                 "minimum": 1, "step": 1, "customerDailyCap": 1000000, "customerMonthlyCap": 1000000,
                 "globalDailyCap": %d, "settlementPrice": {"amount": 1, "currency": "JPY"}}"""
                .formatted(now().plusSeconds(1), cap));
        assertThat(terms.statusCode()).as(terms.body()).isEqualTo(201);
        clock.advance(Duration.ofSeconds(2));
        return token;
    }

    // ---- links, reconciliation files

    @Test
    void linksAreTheCustomersToListAndRemove() throws Exception {
        Member member = member("M-links", 0);
        HttpResponse<String> list = send("GET", "/v1/partner-links", member.token(), null);
        assertThat(json(list).getJsonArray("items")).hasSize(1);
        HttpResponse<String> again = send("POST", "/v1/partner-links", member.token(),
                "{\"partnerId\": \"" + PARTNER + "\", \"memberId\": \"M-other\"}");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(send("DELETE", "/v1/partner-links/" + PARTNER, member.token(), null).statusCode()).isEqualTo(204);
        assertThat(json(send("GET", "/v1/partner-links", member.token(), null)).getJsonArray("items")).isEmpty();
        assertThat(send("DELETE", "/v1/partner-links/" + PARTNER, member.token(), null).statusCode()).isEqualTo(404);
    }

    @Test
    void theDaysFileComparesWithThePartnersFile() throws Exception {
        Member member = member("M-file", 0);
        String matched = "file-" + UUID.randomUUID();
        String differs = "file-" + UUID.randomUUID();
        exchangeIn(matched, member.memberId(), 200);
        exchangeIn(differs, member.memberId(), 400);
        String day = now().toLocalDate().toString();
        String path = "/v1/partners/" + PARTNER + "/exchange-days/" + day;

        HttpResponse<String> file = send("GET", path, partnerToken, null);
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(json(file).getJsonArray("items").stream().map(v -> v.asJsonObject().getString("reference")))
                .contains(matched, differs);
        HttpResponse<String> csv = server.send(server.anonymousRequest(path).header("Authorization", "Bearer " + partnerToken)
                .header("Accept", "text/csv").GET().build());
        assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        assertThat(csv.body()).startsWith(PartnersHttpService.CSV_COLUMNS + "\r\n").contains(matched + ",inbound,completed");

        HttpResponse<String> upload = send("PUT", path + "/partner-file", partnerToken, """
                {"lines": [{"direction": "inbound", "reference": "%s", "partnerPoints": 200},
                           {"direction": "inbound", "reference": "%s", "partnerPoints": 300},
                           {"direction": "inbound", "reference": "theirs-only", "partnerPoints": 50}]}"""
                .formatted(matched, differs));
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
        JsonObject report = json(send("GET", path + "/mismatches", server.operatorToken(), null));
        List<String> kinds = report.getJsonArray("items").stream().map(JsonObject.class::cast)
                .filter(m -> List.of(differs, "theirs-only").contains(m.getString("reference")))
                .map(m -> m.getString("reference") + ":" + m.getString("kind")).toList();
        assertThat(kinds).containsExactlyInAnyOrder(differs + ":amount_differs", "theirs-only:missing_at_marketplace");
        assertThat(report.getJsonArray("items").stream().map(JsonObject.class::cast)
                .noneMatch(m -> m.getString("reference").equals(matched))).isTrue();
    }

    // ---- helpers

    /**
     * Runs the reconciliation job until the exchange has the outcome: a scheduled run of the job (real time) may hold
     * the exchange's claim while this one runs.
     */
    private static void resolvedByTheJob(Member member, String reference, String state) {
        dev.marketplace.server.testing.Await.until(Duration.ofSeconds(20), reference + " " + state, () -> {
            server.runJob(PartnersModule.RECONCILE_JOB);
            if (outbound(member, reference).getString("state").equals(state)) {
                return true;
            }
            clock.advance(Duration.ofMinutes(1)); // past a check the other run rescheduled
            return false;
        });
    }

    record Member(UUID customerId, String memberId, String token) {
    }

    /** A customer signed in through the partner (customer-bound token), linked as {@code memberId}, with points. */
    private static Member member(String memberId, long points) throws Exception {
        String email = memberId.toLowerCase() + "-" + UUID.randomUUID() + "@example.com";
        UUID customer = customers.registerVerified(storefront, email);
        String token = customers.signIn(partnerClient, email, "points:exchange points:read").accessToken();
        HttpResponse<String> link = send("POST", "/v1/partner-links", token,
                "{\"partnerId\": \"" + PARTNER + "\", \"memberId\": \"" + memberId + "\"}");
        assertThat(link.statusCode()).as(link.body()).isEqualTo(201);
        Member member = new Member(customer, memberId, token);
        if (points != 0) {
            adjust(member, points);
        }
        return member;
    }

    private static void adjust(Member member, long points) {
        HttpResponse<String> adjusted = send("POST", "/v1/points/adjustments", server.operatorToken(),
                "{\"customerId\": \"" + member.customerId() + "\", \"points\": " + points + ", \"reason\": \"test\"}");
        assertThat(adjusted.statusCode()).as(adjusted.body()).isEqualTo(201);
    }

    private static long available(Member member) {
        return json(send("GET", "/v1/points/balance", member.token(), null)).getJsonNumber("available").longValue();
    }

    private static HttpResponse<String> exchangeOut(Member member, long points) {
        return send("POST", "/v1/exchanges/outbound", member.token(),
                "{\"partnerId\": \"" + PARTNER + "\", \"points\": " + points + "}");
    }

    private static JsonObject outbound(Member member, String reference) {
        return json(send("GET", "/v1/exchanges/outbound/" + reference, member.token(), null)).getJsonObject("exchange");
    }

    private static HttpResponse<String> exchangeIn(String key, String memberId, long partnerPoints) {
        return exchangeIn(partnerToken, key, memberId, partnerPoints);
    }

    private static HttpResponse<String> exchangeIn(String token, String key, String memberId, long partnerPoints) {
        return send("POST", "/v1/exchanges/inbound", token,
                "{\"memberId\": \"" + memberId + "\", \"partnerPoints\": " + partnerPoints + "}", key);
    }

    private static void creditAnswers(com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
        partnerApi.stubFor(post(urlEqualTo("/api/points/credits")).willReturn(answer));
    }

    private static void lookupAnswers(String reference,
                                      com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
        partnerApi.stubFor(get(urlEqualTo("/api/points/credits/" + reference)).willReturn(answer));
    }

    private static HttpResponse<String> terms(String direction, OffsetDateTime from, long numerator, long denominator,
                                              long minimum, long step, long dailyCap) {
        return send("POST", "/v1/partners/" + PARTNER + "/exchange-terms", server.operatorToken(), """
                {"direction": "%s", "effectiveFrom": "%s", "rateNumerator": %d, "rateDenominator": %d,
                 "minimum": %d, "step": %d, "customerDailyCap": %d, "customerMonthlyCap": 100000000,
                 "globalDailyCap": 1000000000, "settlementPrice": {"amount": 1, "currency": "JPY"}}"""
                .formatted(direction, from, numerator, denominator, minimum, step, dailyCap));
    }

    /**
     * Every exchange has one outcome and no points are held; once the ledger caught up it reconciles and the
     * partner's clearing account is what the statement says the partner owes, net.
     */
    private static void assertSettled() {
        var db = server.db();
        assertThat(db.fetchCount(db.selectFrom("points_exchange_hold").where("state = 'held' AND hold_id IN "
                + "(SELECT id FROM partner_exchange WHERE state <> 'pending')"))).as("holds of resolved exchanges").isZero();
        assertThat(db.fetchCount(db.selectFrom("partner_exchange").where("state IN ('completed', 'reversed') AND "
                + "direction = 'outbound' AND id IN (SELECT hold_id FROM points_exchange_hold WHERE state <> 'posted')")))
                .as("completed outbound exchanges posted their whole hold").isZero();
        server.catchUp(SettlementModule.LEDGER_POSTING);
        HttpResponse<String> reconciliation = send("GET", "/v1/ledger/reconciliation", server.operatorToken(), null);
        assertThat(json(reconciliation).getBoolean("reconciled")).isTrue();
        long clearing = db.fetchOptional("SELECT balance FROM ledger_account WHERE name = ?",
                "partner_points_clearing:" + PARTNER).map(row -> row.get(0, Long.class)).orElse(0L);
        String today = now().toLocalDate().toString();
        JsonObject statement = json(send("GET", "/v1/partners/" + PARTNER + "/statement?from="
                + now().toLocalDate().minusDays(300) + "&to=" + now().toLocalDate().plusDays(1), partnerToken, null));
        assertThat(clearing).as("clearing = statement net, " + today)
                .isEqualTo(statement.getJsonObject("net").getJsonNumber("amount").longValue());
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }

    private static HttpResponse<String> send(String method, String path, String token, String body) {
        return send(method, path, token, body, null);
    }

    private static HttpResponse<String> send(String method, String path, String token, String body, String key) {
        HttpRequest.Builder request = server.anonymousRequest(path).header("Authorization", "Bearer " + token);
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return server.send(request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static JsonObject json(HttpResponse<String> response) {
        return Json.createReader(new StringReader(response.body())).readObject();
    }
}
