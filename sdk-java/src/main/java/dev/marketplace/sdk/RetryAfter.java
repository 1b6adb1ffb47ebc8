package dev.marketplace.sdk;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads the {@code Retry-After} header (RFC 9110 §10.2.3): either delta-seconds or an HTTP-date. The date form
 * is measured against the SDK's clock, so that tests can pin "now".
 */
final class RetryAfter {

    private static final int MOST_DIGITS_OF_A_LONG = 18;

    private RetryAfter() {
    }

    /** How long the server asks the client to wait; empty when the header is absent or unreadable. */
    static Optional<Duration> of(HttpHeaders headers, Clock clock) {
        return headers.firstValue("Retry-After").map(String::trim).flatMap(value -> parse(value, clock));
    }

    private static Optional<Duration> parse(String value, Clock clock) {
        if (!value.isEmpty() && value.length() <= MOST_DIGITS_OF_A_LONG && value.chars().allMatch(Character::isDigit)) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
        }
        try {
            Instant at = DateTimeFormatter.RFC_1123_DATE_TIME.parse(value, Instant::from);
            Duration untilThen = Duration.between(clock.instant(), at);
            return Optional.of(untilThen.isNegative() ? Duration.ZERO : untilThen);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
