package dev.marketplace.server.platform.security;

import static dev.marketplace.schema.Tables.AUDIT_EVENT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.schema.tables.records.AuditEventRecord;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rate limits per client and per address, with the IETF headers; and the audit trail of writes. */
class TrafficAndAuditIT {

    private static final int MERCHANT_PER_MINUTE = 120;
    private static final int TOKEN_ENDPOINT_PER_MINUTE = 600;

    @RegisterExtension
    static final TestServer server = new TestServer()
            .with("rate.limits.merchant", String.valueOf(MERCHANT_PER_MINUTE))
            .with("rate.limits.token.endpoint", String.valueOf(TOKEN_ENDPOINT_PER_MINUTE));

    @Test
    void aBurstReaches429WithHeadersAndRecovers() throws Exception {
        ClientCredentials merchant = server.client().clients().createClient(new ClientCreate().name("Bursty ERP")
                .principalType(PrincipalType.MERCHANT).principalId(UUID.randomUUID())
                .scopes(List.of(Scope.CATALOG_READ)));
        String token = server.token(merchant.getClient().getClientId(), merchant.getClientSecret());

        HttpResponse<String> first = list(token);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("RateLimit-Policy")).contains("\"client\";q=" + MERCHANT_PER_MINUTE + ";w=60");
        assertThat(remaining(first)).isEqualTo(MERCHANT_PER_MINUTE - 1);

        HttpResponse<String> throttled = null;
        for (int i = 0; i < 2 * MERCHANT_PER_MINUTE && throttled == null; i++) { // slack for refills on a slow machine
            HttpResponse<String> response = list(token);
            if (response.statusCode() == 429) {
                throttled = response;
            }
        }
        assertThat(throttled).as("a 429 within the burst").isNotNull();
        assertThat(throttled.body()).contains("\"code\":\"rate_limited\"");
        long retryAfter = Long.parseLong(throttled.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 60L);
        assertThat(remaining(throttled)).isZero();

        // Other clients are not affected by this one's burst.
        assertThat(server.send(server.request("/v1/categories").GET().build()).statusCode()).isEqualTo(200);

        // The bucket refills at 2 requests a second: the client gets through again without any reset.
        Await.until(Duration.ofSeconds(5), "the merchant is served again", () -> list(token).statusCode() == 200);
    }

    @Test
    void everyWriteIsAuditedWithWhoWhatAndTheRequestId() {
        HttpResponse<String> created = server.send(server.request("/v1/categories")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Audited\",\"commissionRateBasisPoints\":900}"))
                .build());
        assertThat(created.statusCode()).isEqualTo(201);
        String requestId = created.headers().firstValue("X-Request-Id").orElseThrow();

        AuditEventRecord event = auditEventOf(requestId);
        assertThat(event.getClientId()).isEqualTo(TestServer.OPERATOR_CLIENT_ID);
        assertThat(event.getPrincipalType()).isEqualTo("operator");
        assertThat(event.getMethod()).isEqualTo("POST");
        assertThat(event.getPath()).isEqualTo("/v1/categories");
        assertThat(event.getStatus()).isEqualTo(201);
        assertThat(event.getOccurredAt()).isNotNull();

        HttpResponse<String> refused = server.send(server.anonymousRequest("/v1/categories")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        AuditEventRecord refusal = auditEventOf(refused.headers().firstValue("X-Request-Id").orElseThrow());
        assertThat(refusal.getStatus()).isEqualTo(401);
        assertThat(refusal.getClientId()).isNull();

        HttpResponse<String> read = server.send(server.request("/v1/categories").GET().build());
        assertThat(server.db().fetchCount(AUDIT_EVENT,
                AUDIT_EVENT.REQUEST_ID.eq(read.headers().firstValue("X-Request-Id").orElseThrow())))
                .as("reads are not audited").isZero();
    }

    /** The event is written once the response has gone out, so it may land a moment after the client has it. */
    private static AuditEventRecord auditEventOf(String requestId) {
        Await.until(Duration.ofSeconds(5), "request " + requestId + " is audited",
                () -> server.db().fetchExists(AUDIT_EVENT, AUDIT_EVENT.REQUEST_ID.eq(requestId)));
        return server.db().selectFrom(AUDIT_EVENT).where(AUDIT_EVENT.REQUEST_ID.eq(requestId)).fetchSingle();
    }

    private static HttpResponse<String> list(String token) {
        return server.send(server.anonymousRequest("/v1/categories").header("Authorization", "Bearer " + token).GET().build());
    }

    private static long remaining(HttpResponse<String> response) {
        Matcher matcher = Pattern.compile("r=(\\d+)").matcher(response.headers().firstValue("RateLimit").orElseThrow());
        assertThat(matcher.find()).isTrue();
        return Long.parseLong(matcher.group(1));
    }
}
