package dev.marketplace.server.inventory;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.security.Authentication;
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
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/reservations}: stock held for checkouts. Parses, delegates, renders. */
public final class ReservationHttpService implements HttpService {

    public static final String PATH = "/v1/reservations";
    private static final int LINES_MAX = 100;
    private static final long QUANTITY_MAX = 1_000_000_000L;
    private static final int HOLD_SECONDS_MAX = 86_400;
    private static final int HOLD_SECONDS_DEFAULT = 900;

    private final ReservationService reservations;

    public ReservationHttpService(ReservationService reservations) {
        this.reservations = reservations;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/{reservationId}", (req, res) -> send(res, reservations.get(Authentication.principal(req), id(req))))
                .post("/{reservationId}/release", (req, res) ->
                        send(res, reservations.release(Authentication.principal(req), id(req))))
                .post("/{reservationId}/commit", (req, res) ->
                        send(res, reservations.commit(Authentication.principal(req), id(req))));
    }

    /** The JSON representation (see {@code Reservation} in the OpenAPI document). */
    public record ReservationResource(UUID id, String status, List<Reservation.Line> lines, OffsetDateTime expiresAt,
                                      OffsetDateTime createdAt, OffsetDateTime updatedAt) {
        static ReservationResource of(Reservation reservation) {
            return new ReservationResource(reservation.id(), reservation.status().wireName(), reservation.lines(),
                    reservation.expiresAt(), reservation.createdAt(), reservation.updatedAt());
        }
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "lines", "expiresInSeconds");
        List<JsonFields> fields = body.optionalObjects("lines", 1, LINES_MAX, "variantId", "quantity", "locationId")
                .orElse(List.of());
        if (!body.isPresent("lines")) {
            body.reject("lines", FieldError.REQUIRED, "is required");
        }
        List<ReservationRequest.Line> lines = new ArrayList<>();
        for (JsonFields line : fields) {
            UUID variantId = line.requiredUuid("variantId");
            Long quantity = line.isPresent("quantity") ? line.optionalLong("quantity", 1, QUANTITY_MAX).orElse(null) : null;
            if (!line.isPresent("quantity")) {
                line.reject("quantity", FieldError.REQUIRED, "is required");
            }
            Optional<UUID> locationId = line.nullableUuid("locationId");
            if (variantId != null && quantity != null) {
                lines.add(new ReservationRequest.Line(variantId, quantity, locationId));
            }
        }
        int holdSeconds = body.optionalInt("expiresInSeconds", 1, HOLD_SECONDS_MAX).orElse(HOLD_SECONDS_DEFAULT);
        body.throwIfInvalid();
        Reservation created = reservations.reserve(Authentication.principal(req),
                new ReservationRequest(lines, Duration.ofSeconds(holdSeconds)));
        res.header(HeaderNames.LOCATION, PATH + "/" + created.id());
        JsonResponses.send(res, Status.CREATED_201, ReservationResource.of(created));
    }

    private static void send(ServerResponse res, Reservation reservation) {
        JsonResponses.ok(res, ReservationResource.of(reservation));
    }

    /** A malformed id cannot name a reservation: answered like an unknown one. */
    private static UUID id(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("reservationId"))
                .orElseThrow(() -> ProblemException.notFound("reservation"));
    }
}
