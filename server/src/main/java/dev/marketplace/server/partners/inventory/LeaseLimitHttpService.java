package dev.marketplace.server.partners.inventory;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.UUID;

/** {@code /v1/partner-inventory/limits}: the operator's limits on what one partner may hold in leases. */
public final class LeaseLimitHttpService implements HttpService {

    public static final String PATH = "/v1/partner-inventory/limits";
    private static final long UNITS_MAX = 1_000_000_000L;
    private static final int LEASES_MAX = 1_000_000;

    private final LeaseService leases;

    LeaseLimitHttpService(LeaseService leases) {
        this.leases = leases;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{partnerId}", (req, res) -> JsonResponses.ok(res, leases.limits(partnerId(req))))
                .put("/{partnerId}", this::set);
    }

    private void set(ServerRequest req, ServerResponse res) {
        UUID partnerId = partnerId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "maxUnitsHeld", "maxOpenLeases");
        Long maxUnits = body.optionalLong("maxUnitsHeld", 0, UNITS_MAX).orElse(null);
        Integer maxLeases = body.requiredInt("maxOpenLeases", 0, LEASES_MAX);
        if (!body.isPresent("maxUnitsHeld")) {
            body.reject("maxUnitsHeld", FieldError.REQUIRED, "is required");
        }
        body.throwIfInvalid();
        JsonResponses.ok(res, leases.setLimits(partnerId, maxUnits, maxLeases));
    }

    private static UUID partnerId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("partnerId"))
                .orElseThrow(() -> ProblemException.notFound("partner"));
    }
}
