package dev.marketplace.server.catalog;

/** A published product of an active merchant as storefronts see it, with its own and its merchant's ratings. */
public record Listing(Product product, Rating rating, Rating merchantRating) {
}
