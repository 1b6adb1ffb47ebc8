package dev.marketplace.server.platform.http;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The one rule for an RFC 3339 date-time in a request, in a body ({@link JsonFields#requiredInstant}) or a query
 * ({@link QueryParameters#instant}): a date-time with an offset such as {@code 2026-12-05T10:15:30Z}, in the years 1
 * to 9999 (what PostgreSQL's timestamptz keeps and our answers can write back).
 */
final class Rfc3339 {

    /** Longer than any RFC 3339 date-time, with nanoseconds and an offset. */
    static final int MAX_LENGTH = 40;

    /** Where a refusal goes: {@link JsonFields#reject} or {@link QueryParameters#reject}. */
    interface Rejections {
        void reject(String name, String code, String message);
    }

    private Rfc3339() {
    }

    /** The date-time {@code text} of {@code name}, or empty after telling {@code rejections} why not. */
    static Optional<OffsetDateTime> parse(String name, String text, Rejections rejections) {
        try {
            OffsetDateTime instant = OffsetDateTime.parse(text);
            if (instant.getYear() < 1 || instant.getYear() > 9999) {
                rejections.reject(name, FieldError.OUT_OF_RANGE, "must be in the years 1 to 9999");
                return Optional.empty();
            }
            return Optional.of(instant);
        } catch (DateTimeParseException e) {
            rejections.reject(name, FieldError.INVALID_FORMAT, "must be an RFC 3339 date-time, e.g. 2026-12-05T10:15:30Z");
            return Optional.empty();
        }
    }
}
