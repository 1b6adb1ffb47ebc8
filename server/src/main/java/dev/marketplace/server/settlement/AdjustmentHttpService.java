package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/** {@code /v1/adjustments}: the operator credits or debits a merchant's payable, with a reason (idempotent by key). */
public final class AdjustmentHttpService implements HttpService {

    public static final String PATH = "/v1/adjustments";
    static final int REASON_MAX = 500;

    private final Adjustments adjustments;

    AdjustmentHttpService(Adjustments adjustments) {
        this.adjustments = adjustments;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create);
    }

    public record AdjustmentView(UUID id, UUID merchantId, String direction, Money amount, String reason,
                                 String createdBy, OffsetDateTime createdAt) {
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "merchantId", "direction", "amount", "reason");
        UUID merchant = body.requiredUuid("merchantId");
        String direction = body.optionalEnum("direction", Set.of("credit", "debit")).orElse(null);
        if (direction == null && !body.isPresent("direction")) {
            body.reject("direction", "required", "must be credit or debit");
        }
        Money amount = body.requiredMoney("amount", 1);
        String reason = body.requiredString("reason", 1, REASON_MAX);
        body.throwIfInvalid();
        Adjustments.Adjustment made = adjustments.create(Authentication.principal(req), merchant,
                Adjustments.Direction.valueOf(direction.toUpperCase(Locale.ROOT)), amount, reason);
        JsonResponses.send(res, Status.CREATED_201, new AdjustmentView(made.id(), made.merchantId(),
                made.direction().name().toLowerCase(Locale.ROOT), made.amount(), made.reason(), made.createdBy(),
                made.createdAt()));
    }
}
