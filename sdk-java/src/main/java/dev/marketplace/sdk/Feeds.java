package dev.marketplace.sdk;

import dev.marketplace.sdk.api.FulfilmentApi;
import dev.marketplace.sdk.api.FulfilmentApi.ListSubOrderChangesParams;
import dev.marketplace.sdk.api.InventoryApi;
import dev.marketplace.sdk.api.InventoryApi.ListStockChangesParams;
import dev.marketplace.sdk.api.ProductsApi;
import dev.marketplace.sdk.api.ProductsApi.ListProductChangesParams;
import dev.marketplace.sdk.api.ReviewsApi;
import dev.marketplace.sdk.api.ReviewsApi.ListReviewChangesParams;
import dev.marketplace.sdk.model.ProductChange;
import dev.marketplace.sdk.model.ReviewChange;
import dev.marketplace.sdk.model.StockChange;
import dev.marketplace.sdk.model.SubOrderChange;

/** The API's change feeds, each to {@link Feed#follow follow} or {@link Feed#drain drain} with a stored cursor. */
public final class Feeds {

    private final Feed<SubOrderChange> subOrders;
    private final Feed<StockChange> stock;
    private final Feed<ProductChange> products;
    private final Feed<ReviewChange> reviews;

    Feeds(FulfilmentApi fulfilment, InventoryApi inventory, ProductsApi productsApi, ReviewsApi reviewsApi) {
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
}
