package dev.marketplace.server.platform.http;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** Parsing of the UUIDs that identify resources in paths, queries and bodies. */
public final class Ids {

    // UUID.fromString accepts forms like "1-2-3-4-5"; the API accepts only the canonical one.
    private static final Pattern CANONICAL = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private Ids() {
    }

    public static Optional<UUID> parse(String text) {
        if (text == null || !CANONICAL.matcher(text).matches()) {
            return Optional.empty();
        }
        return Optional.of(UUID.fromString(text));
    }
}
