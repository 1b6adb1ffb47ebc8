package dev.marketplace.server.webhooks;

import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * Endpoints' signing secrets: {@code whsec_<base64 of 32 random bytes>}, shown once, stored sealed with the
 * personal-data keys (AES-256-GCM, bound to the endpoint's id so a sealed secret copied to another row does not
 * open). A secret must be readable to sign with it, so it cannot be hashed like client secrets.
 */
final class WebhookSecrets {

    /** Standard Webhooks' own tolerance; the server only signs, receivers check it. */
    private static final Duration TOLERANCE = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PiiKeys keys;

    WebhookSecrets(PiiKeys keys) {
        this.keys = keys;
    }

    static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "whsec_" + Base64.getEncoder().encodeToString(bytes);
    }

    record Sealed(String keyId, byte[] value) {
    }

    Sealed seal(UUID endpointId, String secret) {
        return new Sealed(keys.currentId(), keys.seal(secret.getBytes(StandardCharsets.UTF_8), context(endpointId)));
    }

    String open(UUID endpointId, String keyId, byte[] sealed) {
        return new String(keys.open(keyId, sealed, context(endpointId)), StandardCharsets.UTF_8);
    }

    /** The personal-data key sealing now; a secret sealed under another one is re-sealed (PII key rotation). */
    String currentKeyId() {
        return keys.currentId();
    }

    Sealed reseal(UUID endpointId, String keyId, byte[] sealed) {
        return seal(endpointId, open(endpointId, keyId, sealed));
    }

    /**
     * The {@code webhook-signature} value: one {@code v1,<signature>} per secret given, space-separated (the current
     * and, while a rotation's grace period lasts, the previous one).
     */
    static String signature(String messageId, Instant timestamp, byte[] body, Iterable<String> secrets) {
        StringBuilder signatures = new StringBuilder();
        for (String secret : secrets) {
            if (!signatures.isEmpty()) {
                signatures.append(' ');
            }
            signatures.append(new StandardWebhooks(secret, TOLERANCE).sign(messageId, timestamp, body)
                    .get(StandardWebhooks.SIGNATURE));
        }
        return signatures.toString();
    }

    private static byte[] context(UUID endpointId) {
        return ("webhook_endpoint:" + endpointId).getBytes(StandardCharsets.UTF_8);
    }
}
