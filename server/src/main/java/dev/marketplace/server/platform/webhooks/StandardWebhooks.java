package dev.marketplace.server.platform.webhooks;

import io.helidon.http.Header;
import io.helidon.webserver.http.ServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signatures per the Standard Webhooks scheme, for webhooks we receive (payment providers) and, later, send
 * (partners): {@code webhook-id}, {@code webhook-timestamp} (Unix seconds) and {@code webhook-signature}
 * ({@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">}, several space-separated while a secret rotates).
 * The secret is {@code whsec_<base64>}.
 */
public final class StandardWebhooks {

    public static final String ID = "webhook-id";
    public static final String TIMESTAMP = "webhook-timestamp";
    public static final String SIGNATURE = "webhook-signature";
    private static final String SECRET_PREFIX = "whsec_";

    /** Why a received webhook is refused. */
    public static final class InvalidWebhookException extends Exception {
        public InvalidWebhookException(String reason) {
            super(reason, null, false, false);
        }
    }

    private final byte[] secret;
    private final Duration tolerance;

    public StandardWebhooks(String secret, Duration tolerance) {
        String encoded = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
        this.secret = Base64.getDecoder().decode(encoded);
        if (this.secret.length < 16) {
            throw new IllegalArgumentException("a webhook secret needs at least 16 bytes");
        }
        this.tolerance = tolerance;
    }

    /** The three headers that sign {@code body} as message {@code id} sent at {@code timestamp}. */
    public Map<String, String> sign(String id, Instant timestamp, byte[] body) {
        String seconds = Long.toString(timestamp.getEpochSecond());
        return Map.of(ID, id, TIMESTAMP, seconds, SIGNATURE, "v1," + signature(id, seconds, body));
    }

    /**
     * Checks a received webhook; returns its id (the key that makes handling it idempotent). Refuses missing
     * headers, a timestamp outside the tolerance (replays) and any signature that does not match.
     */
    public String verify(Map<String, List<String>> headers, byte[] body, Instant now) throws InvalidWebhookException {
        String id = header(headers, ID).orElseThrow(() -> new InvalidWebhookException("webhook-id is missing"));
        String seconds = header(headers, TIMESTAMP).orElseThrow(() -> new InvalidWebhookException("webhook-timestamp is missing"));
        String signatures = header(headers, SIGNATURE).orElseThrow(() -> new InvalidWebhookException("webhook-signature is missing"));
        Instant sent;
        try {
            sent = Instant.ofEpochSecond(Long.parseLong(seconds));
        } catch (NumberFormatException e) {
            throw new InvalidWebhookException("webhook-timestamp is not a number of seconds");
        }
        if (sent.isBefore(now.minus(tolerance)) || sent.isAfter(now.plus(tolerance))) {
            throw new InvalidWebhookException("webhook-timestamp is too far from now");
        }
        byte[] expected = signature(id, seconds, body).getBytes(StandardCharsets.US_ASCII);
        for (String candidate : signatures.trim().split(" +")) {
            if (candidate.startsWith("v1,") && MessageDigest.isEqual(expected,
                    candidate.substring(3).getBytes(StandardCharsets.US_ASCII))) {
                return id;
            }
        }
        throw new InvalidWebhookException("no webhook-signature matches");
    }

    private String signature(String id, String seconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((id + "." + seconds + ".").getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** A received request's headers as {@link #verify} and the payment port take them: lower-case names, all values. */
    public static Map<String, List<String>> headersOf(ServerRequest request) {
        Map<String, List<String>> headers = new HashMap<>();
        for (Header header : request.headers()) {
            headers.computeIfAbsent(header.name().toLowerCase(Locale.ROOT), name -> new ArrayList<>())
                    .addAll(header.allValues());
        }
        return headers;
    }

    private static Optional<String> header(Map<String, List<String>> headers, String name) {
        return headers.entrySet().stream()
                .filter(entry -> entry.getKey().equalsIgnoreCase(name) && !entry.getValue().isEmpty())
                .map(entry -> entry.getValue().getFirst())
                .findFirst();
    }
}
