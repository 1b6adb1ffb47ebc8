package dev.marketplace.server.catalog;

/** One valid item of a bulk upsert: the product the merchant's ERP knows as {@code externalId}, at {@code index}. */
public record ProductUpsert(int index, String externalId, ProductContent content) {
}
