package dev.marketplace.server.platform.outbound;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An outbound call that produced no usable answer. {@link #kind()} says why, so callers can decide without
 * parsing messages: reschedule a webhook delivery after a {@code THROTTLED}, give up on a
 * {@code FORBIDDEN_DESTINATION}, and so on. Unchecked like the rest of the server's errors.
 */
public final class OutboundException extends RuntimeException {

    /** Why a call failed, whether it is worth repeating, and whether it is the target's fault. */
    public enum Kind {
        /** No complete answer within the timeout, or the target answered 408. */
        TIMEOUT(true, true),
        /** The connection could not be opened or broke (refused, reset, unknown host). */
        CONNECTION_FAILED(true, true),
        /** The target answered 5xx. */
        SERVER_ERROR(true, true),
        /** The target answered 429; {@link #retryAfter()} carries its {@code Retry-After}, uncapped. */
        THROTTLED(true, true),
        /** The body is not what was expected (invalid JSON for {@code sendJson}), or a redirect's location is unusable. */
        MALFORMED_RESPONSE(false, true),
        /** The target kept redirecting past the limit. */
        TOO_MANY_REDIRECTS(false, true),
        /**
         * The target answered a redirect, and it is one whose calls never follow redirects (a partner's or supplier's
         * API, whose hosts the operator allows one by one): the redirect is not followed and the call failed.
         */
        REDIRECT_REFUSED(false, true),
        /** The target's circuit breaker is open: the call was not attempted. */
        CIRCUIT_OPEN(false, false),
        /** The target already has its maximum of concurrent calls in flight: the call was not attempted. */
        BULKHEAD_FULL(false, false),
        /** The URL, or a redirect, leads to an address or scheme outbound calls may not reach: refused before connecting. */
        FORBIDDEN_DESTINATION(false, false),
        /** {@code sendJson} got an answer other than 2xx; {@link #statusCode()} tells which. */
        UNEXPECTED_STATUS(false, false),
        /** The calling thread was interrupted while waiting for an answer or for the next attempt. */
        INTERRUPTED(false, false);

        private final boolean retryable;
        private final boolean targetFailure;

        Kind(boolean retryable, boolean targetFailure) {
            this.retryable = retryable;
            this.targetFailure = targetFailure;
        }

        /** Whether another attempt may succeed (retried when the request may be repeated). */
        public boolean retryable() {
            return retryable;
        }

        /** Whether it counts against the target in its circuit breaker. */
        public boolean targetFailure() {
            return targetFailure;
        }
    }

    private final Kind kind;
    private final String target;
    private final int statusCode;
    private final Duration retryAfter;

    OutboundException(Kind kind, String target, String message) {
        this(kind, target, message, null);
    }

    OutboundException(Kind kind, String target, String message, Throwable cause) {
        this(kind, target, message, cause, 0, null);
    }

    /** A failure that is an HTTP answer: its status and, when the target sent one, its {@code Retry-After}. */
    OutboundException(Kind kind, String target, String message, int statusCode, Duration retryAfter) {
        this(kind, target, message, null, statusCode, retryAfter);
    }

    private OutboundException(Kind kind, String target, String message, Throwable cause, int statusCode, Duration retryAfter) {
        super(target + ": " + message, cause);
        this.kind = kind;
        this.target = target;
        this.statusCode = statusCode;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** The name of the target that was called. */
    public String target() {
        return target;
    }

    /** The HTTP status of the last answer, when the failure is one. */
    public OptionalInt statusCode() {
        return statusCode == 0 ? OptionalInt.empty() : OptionalInt.of(statusCode);
    }

    /** How long the target asked to be left alone ({@code Retry-After}, as sent: not capped). */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
