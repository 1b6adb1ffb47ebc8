package dev.marketplace.server.dropship;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import dev.marketplace.server.platform.webhooks.StandardWebhooks.InvalidWebhookException;
import io.helidon.config.Config;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code /webhooks/suppliers/{connectionId}}: a supplier reports an order shipped or delivered (decision 56). Not
 * OAuth-protected, but signed (Standard Webhooks, five minutes' tolerance against replays) with the secret configured
 * for the connection's kind ({@code dropship.webhooks.<kind>.secret}); a connection without one is unknown (404).
 * Body: {@code {"supplierOrderRef", "status": "shipped" | "delivered", "trackingNumber", "carrier"?}}; applied as the
 * tracking poll applies the supplier's answer ({@link ForwardingService#supplierEvent}).
 */
final class SupplierWebhookHttpService implements HttpService {

    static final String PATH = "/webhooks/suppliers";
    private static final Duration TOLERANCE = Duration.ofMinutes(5);
    private static final Set<String> FIELDS = Set.of("supplierOrderRef", "status", "trackingNumber", "carrier");

    private final ForwardingService forwarding;
    private final Map<ConnectorKind, StandardWebhooks> secrets;
    private final Clock clock;

    SupplierWebhookHttpService(ForwardingService forwarding, Config webhooks, Clock clock) {
        this.forwarding = forwarding;
        this.clock = clock;
        Map<ConnectorKind, StandardWebhooks> configured = new EnumMap<>(ConnectorKind.class);
        for (ConnectorKind kind : ConnectorKind.values()) {
            webhooks.get(kind.wireName()).get("secret").asString().ifPresent(secret ->
                    configured.put(kind, new StandardWebhooks(secret, TOLERANCE)));
        }
        this.secrets = Map.copyOf(configured);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/{connectionId}", this::receive);
    }

    private void receive(ServerRequest req, ServerResponse res) {
        UUID connectionId = Ids.parse(req.path().pathParameters().get("connectionId"))
                .orElseThrow(() -> ProblemException.notFound("connection"));
        StandardWebhooks signature = forwarding.connectionKind(connectionId).map(secrets::get)
                .orElseThrow(() -> ProblemException.notFound("connection"));
        byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
        try {
            signature.verify(StandardWebhooks.headersOf(req), body, clock.instant());
        } catch (InvalidWebhookException e) {
            throw new ProblemException(400, "invalid_webhook", "Bad Request", "The webhook's signature or timestamp "
                    + "is not valid.");
        }
        JsonObject event = JsonBody.parseObject(body);
        String ref = text(event, "supplierOrderRef", true).orElseThrow();
        String status = text(event, "status", true).orElseThrow();
        if (!Set.of("shipped", "delivered").contains(status)) {
            throw ProblemException.validation("status", FieldError.OUT_OF_RANGE, FieldError.oneOf(Set.of("shipped", "delivered")));
        }
        String tracking = text(event, "trackingNumber", true).orElseThrow();
        Optional<String> carrier = text(event, "carrier", false);
        if (!FIELDS.containsAll(event.keySet())) {
            throw ProblemException.validation("body", FieldError.UNKNOWN_FIELD,
                    "has members other than supplierOrderRef, status, trackingNumber and carrier");
        }
        if (forwarding.supplierEvent(connectionId, ref, new SupplierConnector.SupplierOrderStatus(
                status.equals("delivered") ? SupplierConnector.Progress.DELIVERED : SupplierConnector.Progress.SHIPPED,
                carrier, Optional.of(tracking))) == 0) {
            throw ProblemException.notFound("supplier order");
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    private static Optional<String> text(JsonObject event, String name, boolean required) {
        if (event.get(name) instanceof JsonString value && !value.getString().isBlank() && value.getString().length() <= 200) {
            return Optional.of(value.getString());
        }
        if (required || event.containsKey(name)) {
            throw ProblemException.validation(name, required && !event.containsKey(name) ? FieldError.REQUIRED
                    : FieldError.INVALID_FORMAT, "must be a non-blank string of at most 200 characters");
        }
        return Optional.empty();
    }
}
