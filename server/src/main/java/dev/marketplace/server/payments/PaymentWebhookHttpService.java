package dev.marketplace.server.payments;

import io.helidon.http.Header;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code /webhooks/payments/{provider}}: the provider's asynchronous results. Not OAuth-protected — the provider has
 * no token — but every delivery must carry a valid Standard Webhooks signature.
 */
public final class PaymentWebhookHttpService implements HttpService {

    public static final String PATH = "/webhooks/payments";

    private final PaymentService payments;

    public PaymentWebhookHttpService(PaymentService payments) {
        this.payments = payments;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/{provider}", this::receive);
    }

    private void receive(ServerRequest req, ServerResponse res) {
        Map<String, List<String>> headers = new HashMap<>();
        for (Header header : req.headers()) {
            headers.computeIfAbsent(header.name().toLowerCase(Locale.ROOT), name -> new ArrayList<>())
                    .addAll(header.allValues());
        }
        byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
        payments.handleWebhook(req.path().pathParameters().get("provider"), headers, body);
        res.status(Status.NO_CONTENT_204).send();
    }
}
