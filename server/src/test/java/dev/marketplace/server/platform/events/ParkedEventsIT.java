package dev.marketplace.server.platform.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestServer;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Parked events through the API: the ledger's subscriber parks a payment it cannot post (the database refuses every
 * ledger transaction), the operator lists it, a retry while the cause remains fails again (409, one more attempt),
 * and a retry after the cause is gone posts it once and un-parks it. Only the operator's scope reaches them.
 */
class ParkedEventsIT {

    private static final String LEDGER = "settlement.ledger-posting";

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void anEventParkedByTheLedgerIsListedAndPostedOnceRetriedAfterTheCauseIsFixed() {
        server.db().execute("ALTER TABLE ledger_transaction ADD CONSTRAINT refuse_for_test CHECK (false) NOT VALID");
        UUID paymentId = UUID.randomUUID();
        server.db().transaction(tx -> DomainEvents.append(tx.dsl(), MoneyMovement.paymentCaptured(paymentId,
                Parties.ofOrder(UUID.randomUUID(), UUID.randomUUID()), Money.of(1_200, "JPY"))));
        Await.until(Duration.ofSeconds(30), "the ledger parks the event", () -> parked().size() == 1);

        JsonObject parked = parked().getJsonObject(0);
        assertThat(parked.getString("subscriber")).isEqualTo(LEDGER);
        assertThat(parked.getString("eventType")).isEqualTo("payment_captured");
        assertThat(parked.getInt("attempts")).isEqualTo(3);
        assertThat(parked.getString("error")).contains("refuse_for_test");
        String retry = "/v1/events/parked/" + LEDGER + "/" + parked.getJsonNumber("position").longValue() + "/retry";

        HttpResponse<String> stillFailing = server.send(server.request(retry).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(stillFailing.statusCode()).isEqualTo(409);
        assertThat(json(stillFailing.body()).getString("code")).isEqualTo("event_handling_failed");
        assertThat(parked().getJsonObject(0).getInt("attempts")).isEqualTo(4);
        assertThat(transactionsOf(parked.getString("eventId"))).isZero();

        server.db().execute("ALTER TABLE ledger_transaction DROP CONSTRAINT refuse_for_test");
        HttpResponse<String> posted = server.send(server.request(retry).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(posted.statusCode()).isEqualTo(200);
        assertThat(json(posted.body()).getString("eventId")).isEqualTo(parked.getString("eventId"));
        assertThat(parked()).isEmpty();
        assertThat(transactionsOf(parked.getString("eventId"))).isEqualTo(1);

        HttpResponse<String> again = server.send(server.request(retry).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(again.statusCode()).as("no longer parked").isEqualTo(404);
        assertThat(transactionsOf(parked.getString("eventId"))).isEqualTo(1);
    }

    @Test
    void onlyTheOperatorsScopeReachesParkedEvents() {
        String withoutScope = server.token(TestServer.OPERATOR_CLIENT_ID, TestServer.OPERATOR_CLIENT_SECRET, "settlement:read");
        HttpResponse<String> refused = server.send(server.anonymousRequest("/v1/events/parked")
                .header("Authorization", "Bearer " + withoutScope).build());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(json(refused.body()).getString("code")).isEqualTo("insufficient_scope");
    }

    private static JsonArray parked() {
        HttpResponse<String> page = server.send(server.request("/v1/events/parked").build());
        assertThat(page.statusCode()).isEqualTo(200);
        return json(page.body()).getJsonArray("items");
    }

    private static long transactionsOf(String eventId) {
        return ((Number) server.db().fetchValue("SELECT count(*) FROM ledger_transaction WHERE event_id = ?::uuid",
                eventId)).longValue();
    }

    private static JsonObject json(String body) {
        try (var reader = Json.createReader(new StringReader(body))) {
            return reader.readObject();
        }
    }
}
