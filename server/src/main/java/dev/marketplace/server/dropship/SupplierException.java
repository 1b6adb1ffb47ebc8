package dev.marketplace.server.dropship;

import java.time.Duration;
import java.util.Optional;

/**
 * A supplier call that gave no usable answer: unreachable, timed out, 5xx, over its quota (with the wait it asked
 * for), an answer we cannot read, or refused credentials. Nothing was changed on our side because of it.
 */
public final class SupplierException extends RuntimeException {

    private final Optional<Duration> retryAfter;

    public SupplierException(String message, Throwable cause) {
        this(message, Optional.empty(), cause);
    }

    public SupplierException(String message, Optional<Duration> retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    public SupplierException(String message) {
        this(message, Optional.empty(), null);
    }

    /** The wait the supplier asked for (a quota answered 429 with Retry-After). */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
