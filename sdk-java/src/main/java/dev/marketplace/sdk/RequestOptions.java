package dev.marketplace.sdk;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Settings for one call, passed as the last argument of any operation:
 *
 * <pre>{@code
 * erp.fulfilment().acceptSubOrder(subOrderId, RequestOptions.builder()
 *         .idempotencyKey("accept-" + subOrderId)   // the same key on every attempt, even after a restart
 *         .timeout(Duration.ofSeconds(5))
 *         .build());
 * }</pre>
 *
 * Without options a POST still gets a fresh random idempotency key, which makes the SDK's own retries safe; pass
 * your own stable key when your program may repeat an operation itself (after a crash, from a queue).
 */
public final class RequestOptions {

    /** Headers the SDK sets itself; extra headers may not replace them. */
    private static final Set<String> RESERVED = Set.of("authorization", "content-type", "accept", "content-length",
            "host", "idempotency-key", "if-match");
    private static final RequestOptions NONE = builder().build();

    private final String idempotencyKey;
    private final String ifMatch;
    private final Duration timeout;
    private final Map<String, String> headers;

    private RequestOptions(Builder builder) {
        this.idempotencyKey = builder.idempotencyKey;
        this.ifMatch = builder.ifMatch;
        this.timeout = builder.timeout;
        this.headers = Map.copyOf(builder.headers);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The options of a call given as {@code RequestOptions...}: none, or one. */
    public static RequestOptions of(RequestOptions... options) {
        if (options == null || options.length == 0) {
            return NONE;
        }
        if (options.length > 1) {
            throw new IllegalArgumentException("one RequestOptions per call, not " + options.length);
        }
        return Objects.requireNonNull(options[0], "options");
    }

    /** The {@code Idempotency-Key} to send, or null for a random one on POSTs. */
    public String idempotencyKey() {
        return idempotencyKey;
    }

    /** The {@code If-Match} entity tag to send, or null. */
    public String ifMatch() {
        return ifMatch;
    }

    /** How long this call may take, or null for the client's request timeout. */
    public Duration timeout() {
        return timeout;
    }

    /** Extra headers to send. */
    public Map<String, String> headers() {
        return headers;
    }

    /** Puts these options on a request; the generated API classes call it before the client's own interceptors. */
    public void applyTo(HttpRequest.Builder request) {
        headers.forEach(request::setHeader);
        if (idempotencyKey != null) {
            request.setHeader("Idempotency-Key", idempotencyKey);
        }
        if (ifMatch != null) {
            request.setHeader("If-Match", ifMatch);
        }
        if (timeout != null) {
            request.timeout(timeout);
        }
    }

    @Override
    public String toString() {
        return "RequestOptions{idempotencyKey=" + idempotencyKey + ", ifMatch=" + ifMatch + ", timeout=" + timeout
                + ", headers=" + headers.keySet() + "}";
    }

    public static final class Builder {
        private String idempotencyKey;
        private String ifMatch;
        private Duration timeout;
        private final Map<String, String> headers = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * The {@code Idempotency-Key} of a POST (1 to 255 characters): the server acts once per key and replays its
         * first answer to a repeat with the same body. Derive it from your own record ("ship-" + your shipment id)
         * so that a repeat after a crash is recognised.
         */
        public Builder idempotencyKey(String idempotencyKey) {
            Objects.requireNonNull(idempotencyKey, "idempotencyKey");
            if (idempotencyKey.isEmpty() || idempotencyKey.length() > 255) {
                throw new IllegalArgumentException("an idempotency key has 1 to 255 characters");
            }
            this.idempotencyKey = idempotencyKey;
            return this;
        }

        /** Update only if the resource is still at this version (sent as {@code If-Match: "3"}; a stale one answers 412). */
        public Builder ifMatch(long version) {
            this.ifMatch = "\"" + version + "\"";
            return this;
        }

        /** Update only if the resource still has this entity tag, as read from an {@code ETag} header. */
        public Builder ifMatch(String entityTag) {
            this.ifMatch = Objects.requireNonNull(entityTag, "entityTag");
            return this;
        }

        /** How long this call may take, from sending to the end of the response headers (each retry again). */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("a timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** An extra header, such as {@code X-Request-Id} to trace the call; the SDK's own headers cannot be replaced. */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(name + " is set by the SDK"
                        + (name.equalsIgnoreCase("Idempotency-Key") || name.equalsIgnoreCase("If-Match")
                        ? "; use idempotencyKey or ifMatch" : ""));
            }
            headers.put(name, value);
            return this;
        }

        public RequestOptions build() {
            return new RequestOptions(this);
        }
    }
}
