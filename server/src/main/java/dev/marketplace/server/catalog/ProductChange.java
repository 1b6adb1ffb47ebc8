package dev.marketplace.server.catalog;

/**
 * One entry of the product change feed, as the JSON of {@code ProductChange} in the OpenAPI document (the UTF-8 bytes
 * PostgreSQL sent, passed on undecoded: decision 112), and its position. An upsert carries the product as it is now
 * (not as it was then): a mirror only needs the latest state, and an upsert whose product has been deleted since is
 * left out of the feed, its tombstone follows.
 */
public record ProductChange(long position, byte[] json) {
}
