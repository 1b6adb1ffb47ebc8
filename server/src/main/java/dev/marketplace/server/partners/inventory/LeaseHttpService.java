package dev.marketplace.server.partners.inventory;

import dev.marketplace.server.orders.Order;
import dev.marketplace.server.platform.contact.PhoneNumber;
import dev.marketplace.server.platform.contact.PostalAddress;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Idempotency;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Authentication;
import dev.marketplace.server.platform.security.Principal;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** {@code /v1/partner-inventory/leases}: a partner's holds on stock, committed into partner orders. */
public final class LeaseHttpService implements HttpService {

    public static final String PATH = "/v1/partner-inventory/leases";
    private static final int LINES_MAX = 100;
    private static final long QUANTITY_MAX = 100_000;
    /** The document's bound; the configured maximum hold may be lower, never higher. */
    private static final int HOLD_SECONDS_MAX = 1_800;
    private static final int HOLD_SECONDS_DEFAULT = 600;

    private final LeaseService leases;

    LeaseHttpService(LeaseService leases) {
        this.leases = leases;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/{leaseId}", (req, res) -> send(res, leases.get(Authentication.principal(req), id(req))))
                .post("/{leaseId}/commit", this::commit)
                .post("/{leaseId}/release", (req, res) -> send(res,
                        leases.release(Authentication.principal(req), id(req), Idempotency.ownKey(req))));
    }

    /** The JSON representation (see {@code Lease} in the OpenAPI document). */
    public record LeaseResource(UUID id, String status, List<Lease.Line> lines, OffsetDateTime expiresAt,
                         PartnerOrderResource order, OffsetDateTime createdAt, OffsetDateTime updatedAt) {
        static LeaseResource of(LeaseService.LeaseView view) {
            Lease lease = view.lease();
            return new LeaseResource(lease.id(), lease.status().wireName(), lease.lines(), lease.expiresAt(),
                    view.order().map(PartnerOrderResource::of).orElse(null), lease.createdAt(), lease.updatedAt());
        }
    }

    public record PartnerOrderResource(UUID id, Money total, List<PartnerSubOrderResource> subOrders) {
        static PartnerOrderResource of(Order order) {
            return new PartnerOrderResource(order.id(), order.total(), order.subOrders().stream()
                    .map(s -> new PartnerSubOrderResource(s.id(), s.merchantId(), s.status().wireName(), s.total()))
                    .toList());
        }
    }

    public record PartnerSubOrderResource(UUID id, UUID merchantId, String status, Money total) {
    }

    /**
     * A create with a key sent again is answered as the first was (replayed), whatever would refuse it now: its key is
     * kept on its lease, not by the platform's filter (decision 90).
     */
    private void create(ServerRequest req, ServerResponse res) {
        Principal partner = Authentication.principal(req);
        try {
            LeaseService.LeaseView created = createLease(req, partner);
            sendCreated(res, created);
        } catch (ProblemException refused) {
            LeaseService.LeaseView first = Idempotency.ownKey(req).flatMap(key -> leases.createdEarlier(partner, key))
                    .orElseThrow(() -> refused);
            res.header(Idempotency.REPLAYED, "true");
            sendCreated(res, first);
        }
    }

    private static void sendCreated(ServerResponse res, LeaseService.LeaseView lease) {
        res.header(HeaderNames.LOCATION, PATH + "/" + lease.lease().id());
        JsonResponses.send(res, Status.CREATED_201, LeaseResource.of(lease));
    }

    private LeaseService.LeaseView createLease(ServerRequest req, Principal partner) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "lines", "holdSeconds");
        List<JsonFields> fields = body.optionalObjects("lines", 1, LINES_MAX, "variantId", "quantity").orElse(List.of());
        if (!body.isPresent("lines")) {
            body.reject("lines", FieldError.REQUIRED, "is required");
        }
        List<LeaseService.LineRequest> lines = new ArrayList<>();
        for (JsonFields line : fields) {
            UUID variantId = line.requiredUuid("variantId");
            Long quantity = line.optionalLong("quantity", 1, QUANTITY_MAX).orElse(null);
            if (!line.isPresent("quantity")) {
                line.reject("quantity", FieldError.REQUIRED, "is required");
            }
            if (variantId != null && quantity != null) {
                lines.add(new LeaseService.LineRequest(variantId, quantity));
            }
        }
        int holdSeconds = body.optionalInt("holdSeconds", 1, HOLD_SECONDS_MAX).orElse(HOLD_SECONDS_DEFAULT);
        if (holdSeconds > leases.maxHold().toSeconds()) {
            body.reject("holdSeconds", FieldError.OUT_OF_RANGE, "must be at most " + leases.maxHold().toSeconds()
                    + " (the configured maximum hold)");
        }
        body.throwIfInvalid();
        return leases.create(partner, lines, Duration.ofSeconds(holdSeconds), Idempotency.ownKey(req));
    }

    private void commit(ServerRequest req, ServerResponse res) {
        UUID id = id(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "shippingAddress");
        JsonFields address = body.requiredObject("shippingAddress",
                "name", "country", "postalCode", "region", "locality", "line1", "line2", "phone");
        String name = address.requiredString("name", 1, Order.ShippingAddress.NAME_MAX);
        PostalAddress postal = PostalAddress.read(address, "locality");
        PhoneNumber phone = PhoneNumber.required(address, "phone");
        body.throwIfInvalid();
        send(res, leases.commit(Authentication.principal(req), id, Order.ShippingAddress.of(name, postal, phone),
                Idempotency.ownKey(req)));
    }

    private static void send(ServerResponse res, LeaseService.LeaseView view) {
        JsonResponses.ok(res, LeaseResource.of(view));
    }

    private static void send(ServerResponse res, LeaseService.EndAnswer answer) {
        if (answer.replayed()) {
            res.header(Idempotency.REPLAYED, "true");
        }
        send(res, answer.view());
    }

    /** A malformed id cannot name a lease: answered like an unknown one. */
    private static UUID id(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("leaseId"))
                .orElseThrow(() -> ProblemException.notFound("lease"));
    }
}
