package dev.marketplace.server.platform.outbound;

import io.helidon.config.Config;
import java.time.Duration;
import java.util.Objects;

/**
 * How one target is called: timeout, retries, circuit breaker and bulkhead. Read from
 * {@code outbound.defaults.*}, overridden per target by {@code outbound.targets.<name>.*} (keys in brackets
 * below), or built in code with {@link #builder()}.
 *
 * @param timeout                       longest wait for one attempt's complete answer, redirects included ({@code timeout})
 * @param maxAttempts                   attempts per call, the first included; 1 means no retry ({@code max-attempts})
 * @param initialBackoff                wait before the first retry, doubled for each further one, with jitter ({@code initial-backoff})
 * @param maxBackoff                    longest computed wait between attempts ({@code max-backoff})
 * @param maxRetryAfter                 longest wait the target's {@code Retry-After} can impose ({@code max-retry-after})
 * @param failureRateThreshold          percentage of failed attempts in the window that opens the breaker; it opens at
 *                                      a rate equal to or above it ({@code failure-rate-threshold})
 * @param slidingWindowSize             how many recent attempts the failure rate is computed over ({@code sliding-window-size})
 * @param minimumNumberOfCalls          attempts recorded before the failure rate is judged at all ({@code minimum-number-of-calls})
 * @param waitInOpenState               how long an open breaker refuses calls before letting trial calls through
 *                                      ({@code wait-in-open-state})
 * @param permittedCallsInHalfOpenState trial calls that decide whether the breaker closes again
 *                                      ({@code permitted-calls-in-half-open-state})
 * @param maxConcurrentCalls            calls to the target in flight at once; one more fails at once ({@code max-concurrent-calls})
 */
public record TargetSettings(Duration timeout, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
                             Duration maxRetryAfter, float failureRateThreshold, int slidingWindowSize,
                             int minimumNumberOfCalls, Duration waitInOpenState, int permittedCallsInHalfOpenState,
                             int maxConcurrentCalls) {

    /** The platform's defaults, also shipped in {@code application.yaml}. */
    public static final TargetSettings DEFAULTS = new TargetSettings(Duration.ofSeconds(2), 3, Duration.ofMillis(200),
            Duration.ofSeconds(5), Duration.ofSeconds(5), 5f, 100, 50, Duration.ofSeconds(30), 3, 32);

    public TargetSettings {
        requirePositive(timeout, "timeout");
        requirePositive(initialBackoff, "initial-backoff");
        requirePositive(maxBackoff, "max-backoff");
        requirePositive(maxRetryAfter, "max-retry-after");
        requirePositive(waitInOpenState, "wait-in-open-state");
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("max-backoff " + maxBackoff + " is shorter than initial-backoff " + initialBackoff);
        }
        if (!(failureRateThreshold > 0 && failureRateThreshold <= 100)) {
            throw new IllegalArgumentException("failure-rate-threshold must be above 0 and at most 100, not " + failureRateThreshold);
        }
        requireAtLeastOne(maxAttempts, "max-attempts");
        requireAtLeastOne(slidingWindowSize, "sliding-window-size");
        requireAtLeastOne(minimumNumberOfCalls, "minimum-number-of-calls");
        requireAtLeastOne(permittedCallsInHalfOpenState, "permitted-calls-in-half-open-state");
        requireAtLeastOne(maxConcurrentCalls, "max-concurrent-calls");
    }

    /** Settings from one configuration node; keys it lacks keep the value from {@code fallback}. */
    public static TargetSettings from(Config node, TargetSettings fallback) {
        return new TargetSettings(
                node.get("timeout").as(Duration.class).orElse(fallback.timeout),
                node.get("max-attempts").asInt().orElse(fallback.maxAttempts),
                node.get("initial-backoff").as(Duration.class).orElse(fallback.initialBackoff),
                node.get("max-backoff").as(Duration.class).orElse(fallback.maxBackoff),
                node.get("max-retry-after").as(Duration.class).orElse(fallback.maxRetryAfter),
                node.get("failure-rate-threshold").asDouble().map(Double::floatValue).orElse(fallback.failureRateThreshold),
                node.get("sliding-window-size").asInt().orElse(fallback.slidingWindowSize),
                node.get("minimum-number-of-calls").asInt().orElse(fallback.minimumNumberOfCalls),
                node.get("wait-in-open-state").as(Duration.class).orElse(fallback.waitInOpenState),
                node.get("permitted-calls-in-half-open-state").asInt().orElse(fallback.permittedCallsInHalfOpenState),
                node.get("max-concurrent-calls").asInt().orElse(fallback.maxConcurrentCalls));
    }

    /** A builder starting from {@link #DEFAULTS}. */
    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void requirePositive(Duration duration, String key) {
        Objects.requireNonNull(duration, key);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(key + " must be positive, not " + duration);
        }
    }

    private static void requireAtLeastOne(int value, String key) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " must be at least 1, not " + value);
        }
    }

    /** Builds settings in code (tests, targets whose settings are not configuration); validated by {@link #build()}. */
    public static final class Builder {
        private Duration timeout;
        private int maxAttempts;
        private Duration initialBackoff;
        private Duration maxBackoff;
        private Duration maxRetryAfter;
        private float failureRateThreshold;
        private int slidingWindowSize;
        private int minimumNumberOfCalls;
        private Duration waitInOpenState;
        private int permittedCallsInHalfOpenState;
        private int maxConcurrentCalls;

        private Builder(TargetSettings start) {
            timeout = start.timeout;
            maxAttempts = start.maxAttempts;
            initialBackoff = start.initialBackoff;
            maxBackoff = start.maxBackoff;
            maxRetryAfter = start.maxRetryAfter;
            failureRateThreshold = start.failureRateThreshold;
            slidingWindowSize = start.slidingWindowSize;
            minimumNumberOfCalls = start.minimumNumberOfCalls;
            waitInOpenState = start.waitInOpenState;
            permittedCallsInHalfOpenState = start.permittedCallsInHalfOpenState;
            maxConcurrentCalls = start.maxConcurrentCalls;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
            return this;
        }

        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
            return this;
        }

        public Builder maxRetryAfter(Duration maxRetryAfter) {
            this.maxRetryAfter = maxRetryAfter;
            return this;
        }

        public Builder failureRateThreshold(float failureRateThreshold) {
            this.failureRateThreshold = failureRateThreshold;
            return this;
        }

        public Builder slidingWindowSize(int slidingWindowSize) {
            this.slidingWindowSize = slidingWindowSize;
            return this;
        }

        public Builder minimumNumberOfCalls(int minimumNumberOfCalls) {
            this.minimumNumberOfCalls = minimumNumberOfCalls;
            return this;
        }

        public Builder waitInOpenState(Duration waitInOpenState) {
            this.waitInOpenState = waitInOpenState;
            return this;
        }

        public Builder permittedCallsInHalfOpenState(int permittedCallsInHalfOpenState) {
            this.permittedCallsInHalfOpenState = permittedCallsInHalfOpenState;
            return this;
        }

        public Builder maxConcurrentCalls(int maxConcurrentCalls) {
            this.maxConcurrentCalls = maxConcurrentCalls;
            return this;
        }

        public TargetSettings build() {
            return new TargetSettings(timeout, maxAttempts, initialBackoff, maxBackoff, maxRetryAfter, failureRateThreshold,
                    slidingWindowSize, minimumNumberOfCalls, waitInOpenState, permittedCallsInHalfOpenState, maxConcurrentCalls);
        }
    }
}
