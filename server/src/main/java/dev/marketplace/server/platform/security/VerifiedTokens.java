package dev.marketplace.server.platform.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens this node has already verified, until they expire: checking an ES256 signature costs more CPU than
 * the rest of a typical read, and a client sends the same token for minutes. Keyed by the token's SHA-256, so no
 * usable bearer token is kept in memory. Holds only what the signature and claims proved; revocation is not
 * cached and is checked on every use by the caller. Bounded: when full, expired entries go, and if that is not
 * enough, all of them (they are re-verified on their next use).
 */
final class VerifiedTokens {

    /** What a verified token proved: who it speaks for, and what revocation is checked against. */
    record Verified(Principal principal, String jti, String clientId, Instant issuedAt, Instant expiresAt) {
    }

    private final int capacity;
    private final Clock clock;
    private final Map<String, Verified> byHash = new ConcurrentHashMap<>();

    VerifiedTokens(int capacity, Clock clock) {
        this.capacity = capacity;
        this.clock = clock;
    }

    /** The token's verified content if it was verified before and has not expired since. */
    Optional<Verified> find(String token) {
        String hash = hash(token);
        Verified known = byHash.get(hash);
        if (known == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(known.expiresAt())) {
            byHash.remove(hash);
            return Optional.empty();
        }
        return Optional.of(known);
    }

    void remember(String token, Verified verified) {
        if (byHash.size() >= capacity) {
            Instant now = clock.instant();
            byHash.values().removeIf(entry -> !now.isBefore(entry.expiresAt()));
            if (byHash.size() >= capacity) {
                byHash.clear();
            }
        }
        byHash.put(hash(token), verified);
    }

    int size() {
        return byHash.size();
    }

    private static String hash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
            return new String(digest, StandardCharsets.ISO_8859_1); // 32 bytes as 32 chars: a compact map key
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
