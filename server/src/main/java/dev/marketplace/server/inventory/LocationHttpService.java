package dev.marketplace.server.inventory;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.regex.Pattern;

/** {@code /v1/locations}: a merchant's stock locations. Parses, delegates, renders. */
public final class LocationHttpService implements HttpService {

    public static final String PATH = "/v1/locations";
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final int CODE_MAX = 64;
    private static final int NAME_MAX = 200;

    private final InventoryService inventory;

    public LocationHttpService(InventoryService inventory) {
        this.inventory = inventory;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list).post("/", this::create);
    }

    public record LocationPage(List<Location> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TEXT, CursorKey.UUID);
        query.throwIfInvalid();
        Page<Location> result = inventory.listLocations(Authentication.principal(req), page);
        JsonResponses.ok(res, new LocationPage(result.items(), result.nextCursor()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "code", "name");
        String code = body.requiredString("code", 1, CODE_MAX);
        if (code != null && !CODE.matcher(code).matches()) {
            body.reject("code", FieldError.INVALID_FORMAT,
                    "must be letters, digits, '.', '_' and '-', starting with a letter or digit");
        }
        String name = body.requiredString("name", 1, NAME_MAX);
        body.throwIfInvalid();
        Location created = inventory.createLocation(Authentication.principal(req), code, name);
        res.header(HeaderNames.LOCATION, PATH + "/" + created.id());
        JsonResponses.send(res, Status.CREATED_201, created);
    }
}
