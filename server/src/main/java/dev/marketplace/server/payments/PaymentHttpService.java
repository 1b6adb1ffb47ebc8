package dev.marketplace.server.payments;

import dev.marketplace.server.orders.OrderHttpService;
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
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** {@code /v1/orders/{orderId}/payments}: paying an order. Parses, delegates, renders. */
public final class PaymentHttpService implements HttpService {

    /** Registered under the orders' path; its routes are the payments below one order. */
    public static final String PATH = OrderHttpService.PATH;

    private final PaymentService payments;

    public PaymentHttpService(PaymentService payments) {
        this.payments = payments;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/{orderId}/payments", this::pay)
                .get("/{orderId}/payments", (req, res) -> JsonResponses.ok(res, new PaymentList(payments
                        .ofOrder(Authentication.principal(req), orderId(req)).stream().map(PaymentResource::of).toList())));
    }

    /** The JSON representation (see {@code Payment} in the OpenAPI document). */
    public record PaymentResource(UUID id, UUID orderId, String provider, String paymentMethod, String status,
                                  Money amount, Money refunded, String failureCode, OffsetDateTime createdAt,
                                  OffsetDateTime updatedAt) {
        static PaymentResource of(Payment payment) {
            return new PaymentResource(payment.id(), payment.orderId(), payment.provider(), payment.paymentMethod(),
                    payment.status().wireName(), payment.amount(), payment.refunded(), payment.failureCode(),
                    payment.createdAt(), payment.updatedAt());
        }
    }

    public record PaymentList(List<PaymentResource> items) {
    }

    private void pay(ServerRequest req, ServerResponse res) {
        UUID orderId = orderId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "paymentMethod");
        String paymentMethod = body.requiredString("paymentMethod", 1, 255);
        body.throwIfInvalid();
        Payment payment = payments.pay(Authentication.principal(req), orderId, paymentMethod);
        JsonResponses.send(res, Status.CREATED_201, PaymentResource.of(payment));
    }

    private static UUID orderId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("orderId")).orElseThrow(() -> ProblemException.notFound("order"));
    }
}
