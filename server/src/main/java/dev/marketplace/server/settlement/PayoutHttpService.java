package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/payouts}: the payouts the caller may see (a merchant its own; the operator also the channels'), newest
 * first, and one by id.
 */
public final class PayoutHttpService implements HttpService {

    public static final String PATH = "/v1/payouts";

    private final Payouts payouts;

    PayoutHttpService(Payouts payouts) {
        this.payouts = payouts;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list).get("/{payoutId}", this::get);
    }

    public record PayoutView(UUID id, UUID merchantId, UUID channelId, Money amount, String status, String failureCode,
                             OffsetDateTime initiatedAt, OffsetDateTime settledAt) {

        static PayoutView of(Payouts.Payout payout) {
            return new PayoutView(payout.id(), payout.merchantId(), payout.channelId(), payout.amount(), payout.status(),
                    payout.failureCode(), payout.initiatedAt(), payout.settledAt());
        }
    }

    public record PayoutPage(List<PayoutView> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "merchantId", "limit", "cursor");
        Optional<UUID> merchant = query.uuid("merchantId");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Page<PayoutView> found = payouts.list(Authentication.principal(req), merchant, page).map(PayoutView::of);
        JsonResponses.ok(res, new PayoutPage(found.items(), found.nextCursor()));
    }

    private void get(ServerRequest req, ServerResponse res) {
        UUID id = Ids.parse(req.path().pathParameters().get("payoutId")).orElseThrow(() -> ProblemException.notFound("payout"));
        JsonResponses.ok(res, PayoutView.of(payouts.find(Authentication.principal(req), id)
                .orElseThrow(() -> ProblemException.notFound("payout"))));
    }
}
