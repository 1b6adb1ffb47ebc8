package dev.marketplace.server.cluster;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.QueryParameter;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The payment and payout provider's own books, kept by the WireMock that plays it in the cluster tests: every charge,
 * refund and payout it answered, by idempotency key (a retry under a known key is the same movement), and the
 * search by key a real provider offers ({@code GET /v1/payments?idempotencyKey=}, {@code GET /v1/payouts?…}), so
 * that the nodes' reconciliation finds what a dead node was told. It also plays a points partner's API under
 * {@value #PARTNER_API} (decision 37): the credits it answered 2xx, by reference, and their look-up
 * ({@code GET …/points/credits/{reference}}: credited, or 404 when it never received one). Tests compare these books
 * with the marketplace's.
 */
final class ProviderRecords implements ResponseDefinitionTransformerV2 {

    /** One movement as the provider did it: its amount and currency. */
    record Movement(long amount, String currency) {
    }

    private final Map<String, Movement> charges = new ConcurrentHashMap<>();
    private final Map<String, Movement> refunds = new ConcurrentHashMap<>();
    private final Map<String, Movement> payouts = new ConcurrentHashMap<>();
    private final Map<String, Long> partnerCredits = new ConcurrentHashMap<>();

    /** Where the points partner's API is. */
    static final String PARTNER_API = "/partner";
    private static final String PARTNER_CREDITS = PARTNER_API + "/points/credits";

    @Override
    public String getName() {
        return "provider-records";
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        var request = event.getRequest();
        String path = URI.create(request.getUrl()).getPath();
        ResponseDefinition answer = event.getResponseDefinition();
        if (request.getMethod().equals(RequestMethod.POST) && answer.getStatus() / 100 == 2
                && path.equals(PARTNER_CREDITS)) {
            JsonObject body = Json.createReader(new StringReader(request.getBodyAsString())).readObject();
            partnerCredits.putIfAbsent(request.getHeader("Idempotency-Key"), body.getJsonNumber("points").longValue());
            return answer;
        }
        if (request.getMethod().equals(RequestMethod.GET) && path.startsWith(PARTNER_CREDITS + "/")) {
            boolean credited = partnerCredits.containsKey(path.substring(PARTNER_CREDITS.length() + 1));
            return ResponseDefinitionBuilder.responseDefinition().withStatus(credited ? 200 : 404)
                    .withHeader("Content-Type", "application/json")
                    .withBody(credited ? "{\"status\": \"credited\"}" : "{\"error\": \"not found\"}").build();
        }
        if (request.getMethod().equals(RequestMethod.POST) && answer.getStatus() / 100 == 2) {
            Map<String, Movement> book = path.equals("/v1/payments") ? charges
                    : path.matches("/v1/payments/[^/]+/refunds") ? refunds
                    : path.equals("/v1/payouts") ? payouts : null;
            if (book != null) {
                JsonObject body = Json.createReader(new StringReader(request.getBodyAsString())).readObject();
                book.putIfAbsent(request.getHeader("Idempotency-Key"),
                        new Movement(body.getJsonNumber("amount").longValue(), body.getString("currency")));
            }
            return answer;
        }
        QueryParameter key = request.queryParameter("idempotencyKey");
        if (request.getMethod().equals(RequestMethod.GET) && key.isPresent()
                && (path.equals("/v1/payments") || path.equals("/v1/payouts"))) {
            boolean payment = path.equals("/v1/payments");
            Movement found = (payment ? charges : payouts).get(key.firstValue());
            String data = found == null ? "" : payment
                    ? """
                      {"id": "pay_%s", "status": "captured", "currency": "%s", "authorized": %d, "captured": %d,
                       "refunded": 0}""".formatted(key.firstValue(), found.currency(), found.amount(), found.amount())
                    : """
                      {"id": "po_%s", "status": "paid", "amount": %d, "currency": "%s"}"""
                            .formatted(key.firstValue(), found.amount(), found.currency());
            return ResponseDefinitionBuilder.responseDefinition().withStatus(200)
                    .withHeader("Content-Type", "application/json").withBody("{\"data\": [" + data + "]}").build();
        }
        return answer;
    }

    /** Charges made, by idempotency key. */
    Map<String, Movement> charges() {
        return Map.copyOf(charges);
    }

    /** Refunds made, by idempotency key. */
    Map<String, Movement> refunds() {
        return Map.copyOf(refunds);
    }

    /** The points partner's credits, partner points by reference (its idempotency key). */
    Map<String, Long> partnerCredits() {
        return Map.copyOf(partnerCredits);
    }

    /** Payouts made, by idempotency key. */
    Map<String, Movement> payouts() {
        return Map.copyOf(payouts);
    }
}
