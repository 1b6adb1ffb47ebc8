package dev.marketplace.server.platform.http;

import static dev.marketplace.schema.Tables.API_CLIENT;
import static dev.marketplace.schema.Tables.CATALOG_CATEGORY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.testing.TestServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.util.UUID;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Decision 50: once a request's transaction committed, its Idempotency-Key is never released, whatever goes wrong
 * after the commit; a resend gets the stored answer or 409 {@code idempotency_outcome_committed}, never a second run.
 */
class IdempotencyAfterCommitIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void aCategoryCreatedBeforeAFailureIsNotCreatedAgainByTheResend() {
        String name = "After commit " + UUID.randomUUID().toString().substring(0, 8);
        failAfterCommitAndResend("/v1/categories", "{\"name\":\"" + name + "\",\"commissionRateBasisPoints\":1000}",
                () -> categoriesNamed(name));
    }

    @Test
    void aClientCreatedBeforeAFailureIsNotCreatedAgainByTheResend() {
        String name = "After commit " + UUID.randomUUID().toString().substring(0, 8);
        failAfterCommitAndResend("/v1/clients", clientBody(name), () -> clientsNamed(name));
    }

    /** The POST fails (500) right after its commit; two resends are told it took effect; it took effect once. */
    private static void failAfterCommitAndResend(String path, String body, IntSupplier created) {
        String key = UUID.randomUUID().toString();
        server.idempotency().injectFault(Idempotency.Fault.AFTER_COMMIT, path);
        HttpResponse<String> failed = post(path, key, body);
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(500);
        assertThat(created.getAsInt()).as("the effect committed before the failure").isEqualTo(1);
        for (int resend = 0; resend < 2; resend++) {
            assertOutcomeCommitted(post(path, key, body));
        }
        assertThat(created.getAsInt()).isEqualTo(1);
    }

    @Test
    void anAnswerThatCouldNotBeStoredIsStillSentAndTheResendIsTold() {
        String key = UUID.randomUUID().toString();
        String name = "Unstored " + UUID.randomUUID().toString().substring(0, 8);
        String body = clientBody(name);
        server.idempotency().injectFault(Idempotency.Fault.STORING_ANSWER, "/v1/clients");

        HttpResponse<String> first = post("/v1/clients", key, body);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);

        assertOutcomeCommitted(post("/v1/clients", key, body));
        assertThat(clientsNamed(name)).isEqualTo(1);
    }

    @Test
    void aRefusalThatWroteNothingStillReleasesItsKey() {
        String key = UUID.randomUUID().toString();
        String name = "Corrected " + UUID.randomUUID().toString().substring(0, 8);
        // A category under a parent that does not exist: refused inside its transaction, which rolls back.
        HttpResponse<String> refused = post("/v1/categories", key, "{\"name\":\"" + name
                + "\",\"commissionRateBasisPoints\":1000,\"parentId\":\"" + UUID.randomUUID() + "\"}");
        assertThat(refused.statusCode()).as(refused.body()).isBetween(400, 499);
        HttpResponse<String> corrected = post("/v1/categories", key, "{\"name\":\"" + name
                + "\",\"commissionRateBasisPoints\":1000}");
        assertThat(corrected.statusCode()).as(corrected.body()).isEqualTo(201);
        assertThat(categoriesNamed(name)).isEqualTo(1);
    }

    @Test
    void aSuccessIsReplayedAsBefore() {
        String key = UUID.randomUUID().toString();
        String name = "Replayed " + UUID.randomUUID().toString().substring(0, 8);
        String body = "{\"name\":\"" + name + "\",\"commissionRateBasisPoints\":1000}";
        HttpResponse<String> first = post("/v1/categories", key, body);
        HttpResponse<String> again = post("/v1/categories", key, body);
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(categoriesNamed(name)).isEqualTo(1);
    }

    private static void assertOutcomeCommitted(HttpResponse<String> resend) {
        assertThat(resend.statusCode()).as(resend.body()).isEqualTo(409);
        JsonObject problem = Json.createReader(new StringReader(resend.body())).readObject();
        assertThat(problem.getString("code")).isEqualTo("idempotency_outcome_committed");
        assertThat(OffsetDateTime.parse(problem.getString("committedAt")))
                .isBetween(OffsetDateTime.now().minusMinutes(5), OffsetDateTime.now().plusMinutes(1));
        assertThat(resend.headers().firstValue("Idempotent-Replayed")).isEmpty();
    }

    private static String clientBody(String name) {
        return "{\"name\":\"" + name + "\",\"principalType\":\"operator\",\"scopes\":[\"categories:write\"]}";
    }

    private static HttpResponse<String> post(String path, String key, String body) {
        return server.send(server.request(path).header("Content-Type", "application/json")
                .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static int categoriesNamed(String name) {
        return server.db().fetchCount(CATALOG_CATEGORY, CATALOG_CATEGORY.NAME.eq(name));
    }

    private static int clientsNamed(String name) {
        return server.db().fetchCount(API_CLIENT, API_CLIENT.NAME.eq(name));
    }
}
