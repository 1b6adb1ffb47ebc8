package dev.marketplace.server.platform.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class VerifiedTokensTest {

    private static final Instant NOW = Instant.parse("2026-11-22T06:00:00Z");

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private Instant now = NOW;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static VerifiedTokens.Verified verified(String clientId, Instant expiresAt) {
        Principal principal = new Principal(PrincipalType.STOREFRONT, UUID.randomUUID(), clientId, Set.of("catalog:read"));
        return new VerifiedTokens.Verified(principal, UUID.randomUUID().toString(), clientId, NOW, expiresAt);
    }

    @Test
    void aTokenIsKnownUntilItExpiresAndOnlyThatToken() {
        ManualClock clock = new ManualClock();
        VerifiedTokens tokens = new VerifiedTokens(10, clock);
        VerifiedTokens.Verified shop = verified("shop", NOW.plus(Duration.ofMinutes(10)));
        tokens.remember("token-a", shop);

        assertThat(tokens.find("token-a")).contains(shop);
        assertThat(tokens.find("token-b")).isEmpty();
        assertThat(tokens.find("token-a ")).as("a different string is a different token").isEmpty();

        clock.now = NOW.plus(Duration.ofMinutes(10));
        assertThat(tokens.find("token-a")).as("expired: verified afresh, and refused there").isEmpty();
        assertThat(tokens.size()).isZero();
    }

    @Test
    void whenFullExpiredTokensGoFirstThenEverything() {
        ManualClock clock = new ManualClock();
        VerifiedTokens tokens = new VerifiedTokens(3, clock);
        tokens.remember("short", verified("a", NOW.plusSeconds(1)));
        tokens.remember("long-1", verified("b", NOW.plusSeconds(600)));
        tokens.remember("long-2", verified("c", NOW.plusSeconds(600)));
        clock.now = NOW.plusSeconds(2);

        tokens.remember("long-3", verified("d", NOW.plusSeconds(600)));
        assertThat(tokens.size()).isEqualTo(3);
        assertThat(tokens.find("long-1")).isPresent();

        tokens.remember("long-4", verified("e", NOW.plusSeconds(600)));
        assertThat(tokens.size()).as("none expired: all forgotten, the new one kept").isEqualTo(1);
        assertThat(tokens.find("long-4")).isPresent();
    }
}
