package dev.marketplace.server.partners.inventory;

import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** {@code /v1/partner-inventory/listings}: the listings shared with the calling partner, as its change feed. */
public final class SharedListingHttpService implements HttpService {

    public static final String PATH = "/v1/partner-inventory/listings";

    private final AssortmentService assortment;

    SharedListingHttpService(AssortmentService assortment) {
        this.assortment = assortment;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::snapshot)
                .get("/changes", this::changes);
    }

    /** The JSON representation (see {@code SharedListingChange} in the OpenAPI document). */
    public record ListingChangeResource(long position, OffsetDateTime changedAt, UUID variantId, UUID productId,
                                 UUID merchantId, String sku, Map<String, String> title, Money price, long available) {
        static ListingChangeResource of(AssortmentService.ListingChange change) {
            var variant = change.variant();
            return new ListingChangeResource(change.position(), change.changedAt(), variant.variantId(),
                    variant.productId(), variant.merchantId(), variant.sku(), variant.title(), variant.price(),
                    change.available());
        }
    }

    public record ListingChangePage(List<ListingChangeResource> items, String nextCursor) {
    }

    /** The JSON representation (see {@code SharedListing} in the OpenAPI document). */
    public record SharedListingResource(UUID variantId, UUID productId, UUID merchantId, String sku,
                                        Map<String, String> title, Money price, long available) {
        static SharedListingResource of(AssortmentService.SharedListing listing) {
            var variant = listing.variant();
            return new SharedListingResource(variant.variantId(), variant.productId(), variant.merchantId(),
                    variant.sku(), variant.title(), variant.price(), listing.available());
        }
    }

    public record SharedListingSnapshotPage(List<SharedListingResource> items, String nextCursor, String feedCursor) {
    }

    /** The first sync: the shared listings now, then the feed from {@code feedCursor} (decision 56). */
    private void snapshot(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.POSITION, CursorKey.UUID);
        query.throwIfInvalid();
        AssortmentService.Snapshot result = assortment.snapshot(Authentication.principal(req), page);
        JsonResponses.ok(res, new SharedListingSnapshotPage(result.items().stream().map(SharedListingResource::of)
                .toList(), result.nextCursor(), result.feedCursor()));
    }

    private void changes(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = ChangeLog.pageRequest(query);
        query.throwIfInvalid();
        ChangePage<AssortmentService.ListingChange> result = assortment.changes(Authentication.principal(req), page);
        JsonResponses.ok(res, new ListingChangePage(
                result.items().stream().map(ListingChangeResource::of).toList(), result.nextCursor()));
    }
}
