package dev.marketplace.sdk;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies the marketplace's webhook messages (Standard Webhooks): the {@code webhook-signature} header must hold a
 * {@code v1} HMAC-SHA256 of {@code "<webhook-id>.<webhook-timestamp>.<body>"} under the endpoint's secret, and
 * {@code webhook-timestamp} must be within the tolerance of now (5 minutes by default), so a captured message cannot
 * be replayed later. While a secret rotates, a message carries two signatures; either one matching is enough.
 *
 * <pre>{@code
 * String messageId = Webhooks.verify(body, headers, System.getenv("MARKETPLACE_WEBHOOK_SECRET"));
 * // deduplicate on messageId: a message may come more than once
 * }</pre>
 */
public final class Webhooks {

    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    private Webhooks() {
    }

    /** Why a message was refused; nothing about it can be trusted. */
    public static final class WebhookVerificationException extends RuntimeException {
        public WebhookVerificationException(String reason) {
            super(reason);
        }
    }

    /**
     * Verifies the message and returns its id ({@code webhook-id}), with the default tolerance and the system clock.
     *
     * @param payload the body exactly as received (before any JSON parsing)
     * @param headers the request's headers, names in any case
     * @param secret  the endpoint's secret, {@code whsec_…}
     * @throws WebhookVerificationException when a header is missing, the timestamp is too far from now or no
     *                                      signature matches
     */
    public static String verify(String payload, Map<String, ? extends List<String>> headers, String secret) {
        return verify(payload.getBytes(StandardCharsets.UTF_8), headers, secret, DEFAULT_TOLERANCE, Clock.systemUTC());
    }

    public static String verify(byte[] payload, Map<String, ? extends List<String>> headers, String secret,
                                Duration tolerance, Clock clock) {
        String id = header(headers, "webhook-id");
        String timestamp = header(headers, "webhook-timestamp");
        String signatures = header(headers, "webhook-signature");
        Instant sent;
        try {
            sent = Instant.ofEpochSecond(Long.parseLong(timestamp));
        } catch (NumberFormatException e) {
            throw new WebhookVerificationException("webhook-timestamp is not a number of seconds");
        }
        Instant now = clock.instant();
        if (sent.isBefore(now.minus(tolerance)) || sent.isAfter(now.plus(tolerance))) {
            throw new WebhookVerificationException("webhook-timestamp is too far from now");
        }
        byte[] expected = sign(secret, id, timestamp, payload).getBytes(StandardCharsets.US_ASCII);
        for (String candidate : signatures.trim().split(" +")) {
            // MessageDigest.isEqual takes the same time wherever the first difference is.
            if (candidate.startsWith("v1,")
                    && MessageDigest.isEqual(expected, candidate.substring(3).getBytes(StandardCharsets.US_ASCII))) {
                return id;
            }
        }
        throw new WebhookVerificationException("no webhook-signature matches");
    }

    private static String sign(String secret, String id, String timestamp, byte[] payload) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.startsWith("whsec_") ? secret.substring(6) : secret);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the secret is not whsec_<base64>", e);
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(mac.doFinal(payload));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static String header(Map<String, ? extends List<String>> headers, String name) {
        Optional<String> value = headers.entrySet().stream()
                .filter(entry -> entry.getKey().toLowerCase(Locale.ROOT).equals(name) && !entry.getValue().isEmpty())
                .map(entry -> entry.getValue().getFirst())
                .findFirst();
        return value.orElseThrow(() -> new WebhookVerificationException(name + " is missing"));
    }
}
