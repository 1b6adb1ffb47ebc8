package dev.marketplace.server.clients;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/**
 * A storefront registered by the operator: its id is the principal its API clients act as. {@code url} is its
 * public site, {@code defaultLanguage} the language it shows when a shopper has none.
 */
public record Storefront(UUID id, String name, Optional<String> url, Optional<String> defaultLanguage,
                         OffsetDateTime createdAt) {
}
