package dev.marketplace.sdk;

import dev.marketplace.sdk.api.FulfilmentApi;
import dev.marketplace.sdk.api.FulfilmentApi.ListSubOrderChangesParams;
import dev.marketplace.sdk.api.InventoryApi;
import dev.marketplace.sdk.api.InventoryApi.ListStockChangesParams;
import dev.marketplace.sdk.api.PartnerInventoryApi;
import dev.marketplace.sdk.api.PartnerInventoryApi.ListSharedListingChangesParams;
import dev.marketplace.sdk.api.ProductsApi;
import dev.marketplace.sdk.api.ProductsApi.ListProductChangesParams;
import dev.marketplace.sdk.api.ReviewsApi;
import dev.marketplace.sdk.api.ReviewsApi.ListReviewChangesParams;
import dev.marketplace.sdk.api.SettlementApi;
import dev.marketplace.sdk.api.SettlementApi.ListLedgerEntriesParams;
import dev.marketplace.sdk.model.LedgerEntry;
import dev.marketplace.sdk.model.ProductChange;
import dev.marketplace.sdk.model.ReviewChange;
import dev.marketplace.sdk.model.SharedListingChange;
import dev.marketplace.sdk.model.StockChange;
import dev.marketplace.sdk.model.SubOrderChange;
import java.util.Objects;

/**
 * The API's change feeds, each to {@link Feed#follow follow} or {@link Feed#drain drain} with a stored cursor:
 * sub-orders, stock, products and reviews of the caller, the entries of one of its ledger accounts, and a partner's
 * shared listings.
 */
public final class Feeds {

    private final Feed<SubOrderChange> subOrders;
    private final Feed<StockChange> stock;
    private final Feed<ProductChange> products;
    private final Feed<ReviewChange> reviews;
    private final Feed<SharedListingChange> sharedListings;
    private final SettlementApi settlement;

    Feeds(FulfilmentApi fulfilment, InventoryApi inventory, ProductsApi productsApi, ReviewsApi reviewsApi,
          SettlementApi settlement, PartnerInventoryApi partnerInventory) {
        this.settlement = settlement;
        this.sharedListings = Feed.filtered("shared-listings", (limit, cursor) -> {
            var page = partnerInventory.listSharedListingChanges(
                    ListSharedListingChangesParams.builder().limit(limit).cursor(cursor).build());
            return new Feed.ChangePage<>(page.getItems(), page.getNextCursor());
        });
        this.subOrders = new Feed<>("sub-orders", (limit, cursor) -> {
            var page = fulfilment.listSubOrderChanges(
                    ListSubOrderChangesParams.builder().limit(limit).cursor(cursor).build());
            return new Feed.ChangePage<>(page.getItems(), page.getNextCursor());
        });
        this.stock = new Feed<>("stock", (limit, cursor) -> {
            var page = inventory.listStockChanges(ListStockChangesParams.builder().limit(limit).cursor(cursor).build());
            return new Feed.ChangePage<>(page.getItems(), page.getNextCursor());
        });
        this.products = new Feed<>("products", (limit, cursor) -> {
            var page = productsApi.listProductChanges(
                    ListProductChangesParams.builder().limit(limit).cursor(cursor).build());
            return new Feed.ChangePage<>(page.getItems(), page.getNextCursor());
        });
        this.reviews = new Feed<>("reviews", (limit, cursor) -> {
            var page = reviewsApi.listReviewChanges(
                    ListReviewChangesParams.builder().limit(limit).cursor(cursor).build());
            return new Feed.ChangePage<>(page.getItems(), page.getNextCursor());
        });
    }

    /** Sub-orders as they are placed, paid, accepted, shipped, delivered… (scope {@code orders:read}). */
    public Feed<SubOrderChange> subOrders() {
        return subOrders;
    }

    /** Stock levels as they are set, adjusted, reserved, committed and released (scope {@code inventory:read}). */
    public Feed<StockChange> stock() {
        return stock;
    }

    /** Products as they are created, edited, moderated and deleted (scope {@code catalog:write}). */
    public Feed<ProductChange> products() {
        return products;
    }

    /** Reviews of the merchant's products as they are written, edited, moderated and answered (scope {@code reviews:read}). */
    public Feed<ReviewChange> reviews() {
        return reviews;
    }

    /**
     * A partner's shared listings as their stock, availability to lease and partner price change (scope
     * {@code partner_inventory:read}); changes are kept 30 days (410 {@code cursor_expired} resynchronizes). The
     * server skips other listings' changes, so a short page is not yet the end: this feed is caught up only when
     * a page moves the cursor no further.
     */
    public Feed<SharedListingChange> sharedListings() {
        return sharedListings;
    }

    /**
     * The entries of one ledger account as they are posted (scope {@code settlement:read}): escrow released per
     * sub-order, commission, fees, refunds, payouts — each with its transaction, the event that caused it and the
     * order and sub-order it belongs to. A merchant follows its own accounts ({@code merchant_payable:{merchantId}}
     * and the others {@code client.settlement().listLedgerAccounts()} shows it); entries never change once posted,
     * and the feed's cursor never skips one that committed late. Another merchant's account is 404, which stops a
     * follower.
     *
     * <pre>{@code
     * String payable = client.settlement().listLedgerAccounts().getItems().stream()
     *         .filter(account -> account.getName().startsWith("merchant_payable:")).findFirst().orElseThrow().getId();
     * FeedFollower follower = client.feeds().ledger(payable)
     *         .follow(CursorStore.file(Path.of("ledger.cursor")), entries -> books.post(entries));
     * }</pre>
     *
     * @param accountId a ledger account's {@code id} ({@code LedgerAccount.getId()})
     */
    public Feed<LedgerEntry> ledger(String accountId) {
        Objects.requireNonNull(accountId, "accountId");
        return new Feed<>("ledger-" + accountId, (limit, cursor) -> {
            var page = settlement.listLedgerEntries(accountId,
                    ListLedgerEntriesParams.builder().limit(limit).cursor(cursor).build());
            return new Feed.ChangePage<>(page.getItems(), page.getNextCursor());
        });
    }
}
