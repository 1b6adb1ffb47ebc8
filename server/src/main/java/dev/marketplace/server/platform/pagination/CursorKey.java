package dev.marketplace.server.platform.pagination;

import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.StorableText;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * What one key of a list's cursor holds. Each list names its cursor's keys ({@code pageRequest(TIMESTAMP, UUID)}),
 * and a cursor is checked key by key when it is decoded, in the HTTP layer: a forged one (valid base64, wrong keys)
 * is a 400 there instead of an exception deep in a repository's query (a 500).
 */
public enum CursorKey {

    /** Text as stored (a name, a code, a client id). */
    TEXT,
    UUID,
    /** An instant as {@link OffsetDateTime#toString()} writes it, in years PostgreSQL's timestamps hold. */
    TIMESTAMP,
    /** A position in a sequence: a whole number from 0. */
    POSITION;

    public boolean accepts(String key) {
        return switch (this) {
            case TEXT -> StorableText.isStorable(key);
            case UUID -> Ids.parse(key).isPresent();
            case TIMESTAMP -> isTimestamp(key);
            case POSITION -> isPosition(key);
        };
    }

    private static boolean isTimestamp(String key) {
        try {
            int year = OffsetDateTime.parse(key).getYear();
            return year >= 1 && year <= 9999;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static boolean isPosition(String key) {
        try {
            return Long.parseLong(key) >= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
