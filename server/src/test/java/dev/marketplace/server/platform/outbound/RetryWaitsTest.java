package dev.marketplace.server.platform.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How long a retry waits: the target's Retry-After when it sends one, otherwise backoff with jitter. */
class RetryWaitsTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void readsDelaySeconds() {
        assertThat(RetryAfter.parse("1", NOW)).contains(Duration.ofSeconds(1));
        assertThat(RetryAfter.parse(" 120 ", NOW)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse("0", NOW)).contains(Duration.ZERO);
        assertThat(RetryAfter.parse("99999999999999999999999", NOW)).contains(Duration.ofSeconds(Long.MAX_VALUE));
    }

    @Test
    void readsAnHttpDateRelativeToNow() {
        assertThat(RetryAfter.parse("Sun, 01 Mar 2026 12:00:30 GMT", NOW)).contains(Duration.ofSeconds(30));
        assertThat(RetryAfter.parse("Sun, 1 Mar 2026 12:00:03 GMT", NOW)).contains(Duration.ofSeconds(3));
        assertThat(RetryAfter.parse("Sun, 01 Mar 2026 11:59:00 GMT", NOW)).contains(Duration.ZERO);
    }

    @Test
    void ignoresWhatItCannotRead() {
        assertThat(RetryAfter.parse("", NOW)).isEmpty();
        assertThat(RetryAfter.parse("-5", NOW)).isEmpty();
        assertThat(RetryAfter.parse("1.5", NOW)).isEmpty();
        assertThat(RetryAfter.parse("soon", NOW)).isEmpty();
        assertThat(RetryAfter.parse("Sunday, 01-Mar-26 12:00:30 GMT", NOW)).isEmpty(); // obsolete RFC 850 form
    }

    @Test
    void backoffDoublesWithinJitterAndNeverPassesTheMaximum() {
        Duration initial = Duration.ofMillis(200);
        Duration max = Duration.ofSeconds(1);
        for (int i = 0; i < 100; i++) {
            assertThat(OutboundTarget.backoffMillis(1, initial, max)).isBetween(100L, 200L);
            assertThat(OutboundTarget.backoffMillis(2, initial, max)).isBetween(200L, 400L);
            assertThat(OutboundTarget.backoffMillis(3, initial, max)).isBetween(400L, 800L);
            assertThat(OutboundTarget.backoffMillis(4, initial, max)).isBetween(500L, 1000L);
            assertThat(OutboundTarget.backoffMillis(40, initial, max)).isBetween(500L, 1000L);
        }
    }
}
