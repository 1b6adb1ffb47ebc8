package dev.marketplace.server.platform.events;

import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.regex.Pattern;

/** {@code /v1/events/parked}: the operator's view of parked events, and their retry ({@code events:admin}). */
public final class ParkedEventsHttpService implements HttpService {

    public static final String PATH = "/v1/events/parked";
    private static final Pattern POSITION = Pattern.compile("[1-9][0-9]{0,15}");

    private final ParkedEvents parked;

    public ParkedEventsHttpService(ParkedEvents parked) {
        this.parked = parked;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/{subscriber}/{position}/retry", this::retry);
    }

    public record ParkedEventPage(List<ParkedEvents.ParkedEvent> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TEXT, CursorKey.POSITION);
        query.throwIfInvalid();
        Page<ParkedEvents.ParkedEvent> events = parked.list(page);
        JsonResponses.ok(res, new ParkedEventPage(events.items(), events.nextCursor()));
    }

    private void retry(ServerRequest req, ServerResponse res) {
        String position = req.path().pathParameters().get("position");
        if (!POSITION.matcher(position).matches()) {
            throw ProblemException.notFound("parked event");
        }
        JsonResponses.ok(res, parked.retry(req.path().pathParameters().get("subscriber"), Long.parseLong(position)));
    }
}
