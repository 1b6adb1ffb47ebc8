package dev.marketplace.server.orders;

import dev.marketplace.server.platform.http.FieldError;
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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code /webhooks/carriers/{carrier}}: carriers report parcels delivered. Not OAuth-protected — a carrier has no
 * token — but signed (Standard Webhooks) with the carrier's secret from {@code carriers.<name>.webhook.secret}; a
 * carrier without one is unknown (404). Body: {@code {"trackingNumber": "…", "status": "in_transit" | "delivered"}}.
 */
public final class CarrierWebhookHttpService implements HttpService {

    public static final String PATH = "/webhooks/carriers";
    private static final Duration TOLERANCE = Duration.ofMinutes(5);
    private static final Set<String> STATUSES = Set.of("in_transit", "delivered");

    private final FulfilmentService fulfilment;
    private final Map<String, StandardWebhooks> carriers;
    private final Clock clock;

    public CarrierWebhookHttpService(FulfilmentService fulfilment, Config carriersConfig, Clock clock) {
        this.fulfilment = fulfilment;
        this.clock = clock;
        Map<String, StandardWebhooks> configured = new HashMap<>();
        carriersConfig.asNodeList().orElse(List.of()).forEach(carrier -> carrier.get("webhook.secret").asString()
                .ifPresent(secret -> configured.put(carrier.name().toLowerCase(Locale.ROOT), new StandardWebhooks(secret, TOLERANCE))));
        this.carriers = Map.copyOf(configured);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/{carrier}", this::receive);
    }

    private void receive(ServerRequest req, ServerResponse res) {
        String carrier = req.path().pathParameters().get("carrier").toLowerCase(Locale.ROOT);
        StandardWebhooks signature = carriers.get(carrier);
        if (signature == null) {
            throw ProblemException.notFound("carrier");
        }
        byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
        try {
            signature.verify(StandardWebhooks.headersOf(req), body, clock.instant());
        } catch (InvalidWebhookException e) {
            throw new ProblemException(400, "invalid_webhook", "Bad Request", e.getMessage());
        }
        JsonObject event = read(body);
        if (event.getString("status").equals("delivered")) {
            fulfilment.parcelDelivered(carrier, event.getString("trackingNumber"));
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    private static JsonObject read(byte[] body) {
        JsonObject event = JsonBody.parseObject(body);
        if (!(event.get("trackingNumber") instanceof JsonString tracking) || tracking.getString().isBlank()) {
            throw ProblemException.validation("trackingNumber", FieldError.REQUIRED, "is required");
        }
        if (!(event.get("status") instanceof JsonString status) || !STATUSES.contains(status.getString())) {
            throw ProblemException.validation("status", FieldError.OUT_OF_RANGE, FieldError.oneOf(STATUSES));
        }
        if (!Set.of("trackingNumber", "status").containsAll(event.keySet())) {
            throw ProblemException.validation("body", FieldError.UNKNOWN_FIELD, "has members other than trackingNumber and status");
        }
        return event;
    }
}
