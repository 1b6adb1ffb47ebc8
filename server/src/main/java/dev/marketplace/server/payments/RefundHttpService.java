package dev.marketplace.server.payments;

import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.UUID;

/** {@code /v1/refunds}: the operator's view of a refund, and its retry once the provider refused it for good. */
public final class RefundHttpService implements HttpService {

    public static final String PATH = "/v1/refunds";

    private final PaymentService payments;

    public RefundHttpService(PaymentService payments) {
        this.payments = payments;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{refundId}", (req, res) -> JsonResponses.ok(res,
                        RefundResource.of(payments.refund(Authentication.principal(req), refundId(req)))))
                .post("/{refundId}/retry", this::retry);
    }

    /** The JSON representation (see {@code Refund} in the OpenAPI document). */
    public record RefundResource(UUID id, UUID paymentId, UUID subOrderId, Money amount, String status, int attempts,
                                 int retries, String failureCode) {
        static RefundResource of(Refund refund) {
            return new RefundResource(refund.id(), refund.paymentId(), refund.subOrderId(), refund.amount(),
                    refund.status(), refund.attempts(), refund.retries(), refund.failureCode());
        }
    }

    private void retry(ServerRequest req, ServerResponse res) {
        UUID refundId = refundId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reason");
        String reason = body.optionalString("reason", 1, 500).orElse(null);
        body.throwIfInvalid();
        JsonResponses.send(res, Status.ACCEPTED_202,
                RefundResource.of(payments.retry(Authentication.principal(req), refundId, reason)));
    }

    private static UUID refundId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("refundId")).orElseThrow(() -> ProblemException.notFound("refund"));
    }
}
