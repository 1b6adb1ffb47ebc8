package dev.marketplace.server.payments;

import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

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
        byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
        payments.handleWebhook(req.path().pathParameters().get("provider"), StandardWebhooks.headersOf(req), body);
        res.status(Status.NO_CONTENT_204).send();
    }
}
