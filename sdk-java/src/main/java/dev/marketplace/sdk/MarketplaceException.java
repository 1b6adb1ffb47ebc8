package dev.marketplace.sdk;

import dev.marketplace.sdk.model.FieldError;
import dev.marketplace.sdk.model.Problem;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every failure of a call: an error answer from the Marketplace API, with the server's RFC 9457 problem document, or
 * no usable answer at all ({@link CommunicationException}). Unchecked, like every exception of the SDK.
 * Branch on the subclass for the kind of failure, and on {@link #code()} for the exact reason
 * ({@link ErrorCode#CATEGORY_NOT_EMPTY}, {@link ErrorCode#VERSION_CONFLICT}, ...). Quote {@link #requestId()} to
 * support.
 *
 * <pre>{@code
 * try {
 *     erp.fulfilment().acceptSubOrder(subOrderId);
 * } catch (MarketplaceException.ConflictException e) {
 *     if (e.code().equals(ErrorCode.ILLEGAL_STATUS_TRANSITION) && "accepted".equals(e.currentState())) {
 *         return; // accepted before: nothing to do
 *     }
 *     throw e;
 * }
 * }</pre>
 */
public class MarketplaceException extends RuntimeException {

    private final int status;
    private final transient Problem problem;
    private final String requestId;

    MarketplaceException(int status, Problem problem, String requestId) {
        this(status, problem, requestId, null);
    }

    private MarketplaceException(int status, Problem problem, String requestId, Throwable cause) {
        super(status + " " + problem.getCode() + ": " + problem.getDetail()
                + (requestId == null ? "" : " (request " + requestId + ")"), cause);
        this.status = status;
        this.problem = problem;
        this.requestId = requestId;
    }

    /** The exception for an error answer; {@code retryAfter} is the answer's Retry-After, or null. */
    static MarketplaceException of(int status, Problem problem, String requestId, Duration retryAfter) {
        return switch (status) {
            case 400 -> "validation_failed".equals(problem.getCode())
                    ? new ValidationException(status, problem, requestId)
                    : new BadRequestException(status, problem, requestId);
            case 401 -> new AuthenticationException(status, problem, requestId);
            case 403 -> new PermissionException(status, problem, requestId);
            case 404 -> new NotFoundException(status, problem, requestId);
            case 409, 412, 428 -> new ConflictException(status, problem, requestId);
            case 422 -> "idempotency_key_reused".equals(problem.getCode())
                    ? new IdempotencyException(status, problem, requestId)
                    : new MarketplaceException(status, problem, requestId);
            case 429 -> new RateLimitException(status, problem, requestId, retryAfter);
            default -> status >= 500
                    ? new ServerException(status, problem, requestId)
                    : new MarketplaceException(status, problem, requestId);
        };
    }

    /** The HTTP status of the answer; 0 when none arrived ({@link CommunicationException}). */
    public int status() {
        return status;
    }

    /** The stable machine-readable reason; codes this SDK version does not know come through too. */
    public ErrorCode code() {
        return ErrorCode.of(problem.getCode());
    }

    /** For a conflict with a resource's state ({@code illegal_status_transition}), the state it is in now, or null. */
    public String currentState() {
        return problem.getCurrentState();
    }

    /** For a stale version ({@code version_conflict}, {@code precondition_failed}), the current version, or null. */
    public Long currentVersion() {
        return problem.getCurrentVersion();
    }

    /**
     * For {@code validation_failed}, one entry per offending field: its name, a stable code ({@code required},
     * {@code too_long}, ...) and a message; otherwise empty.
     */
    public List<FieldError> fieldErrors() {
        return problem.getErrors() == null ? List.of() : problem.getErrors();
    }

    /** The whole problem document (RFC 9457), with members such as {@code currentState}. */
    public Problem problem() {
        return problem;
    }

    /** The server's id of the request ({@code X-Request-Id}), to quote to support; null when it sent none. */
    public String requestId() {
        return requestId;
    }

    /** The request was malformed (bad JSON, wrong media type). */
    public static final class BadRequestException extends MarketplaceException {
        BadRequestException(int status, Problem problem, String requestId) {
            super(status, problem, requestId);
        }
    }

    /** Some fields were invalid: {@link #fieldErrors()} names each one. Nothing was changed. */
    public static final class ValidationException extends MarketplaceException {
        ValidationException(int status, Problem problem, String requestId) {
            super(status, problem, requestId);
        }
    }

    /**
     * The client is not who it claims to be: bad client credentials at the token endpoint (then {@link #code()}
     * is the OAuth2 {@code error}, such as {@code invalid_client}), or an access token the API no longer accepts.
     */
    public static final class AuthenticationException extends MarketplaceException {
        AuthenticationException(int status, Problem problem, String requestId) {
            super(status, problem, requestId);
        }
    }

    /** The client is known but may not do this, typically {@code insufficient_scope}: ask for more scopes. */
    public static final class PermissionException extends MarketplaceException {
        PermissionException(int status, Problem problem, String requestId) {
            super(status, problem, requestId);
        }
    }

    /** No such resource (or not one this client may see). */
    public static final class NotFoundException extends MarketplaceException {
        NotFoundException(int status, Problem problem, String requestId) {
            super(status, problem, requestId);
        }
    }

    /**
     * The resource's state or version forbids the change: a stale version (409 {@code version_conflict},
     * 412 {@code precondition_failed}), a missing one (428), a business rule ({@code category_not_empty}), or
     * a request with the same idempotency key still being processed ({@code idempotency_request_in_progress}).
     */
    public static final class ConflictException extends MarketplaceException {
        ConflictException(int status, Problem problem, String requestId) {
            super(status, problem, requestId);
        }
    }

    /**
     * An idempotency key was sent again with a different request ({@code idempotency_key_reused}): the server
     * refuses to replay a key for other content. A new operation needs a new key.
     */
    public static final class IdempotencyException extends MarketplaceException {
        IdempotencyException(int status, Problem problem, String requestId) {
            super(status, problem, requestId);
        }
    }

    /**
     * Too many requests, still refused after the SDK's own retries (or the server asked for a longer wait than
     * the client's {@code maxRetryWait}).
     */
    public static final class RateLimitException extends MarketplaceException {
        private final Duration retryAfter;

        RateLimitException(int status, Problem problem, String requestId, Duration retryAfter) {
            super(status, problem, requestId);
            this.retryAfter = retryAfter;
        }

        /** How long the server asked to wait before trying again, when it said. */
        public Optional<Duration> retryAfter() {
            return Optional.ofNullable(retryAfter);
        }
    }

    /** The server failed (5xx); safe to retry later for reads and for writes sent with an idempotency key. */
    public static final class ServerException extends MarketplaceException {
        ServerException(int status, Problem problem, String requestId) {
            super(status, problem, requestId);
        }
    }

    /**
     * No usable answer: the connection failed after the SDK's retries, the call was interrupted, or the answer could
     * not be read. {@link #status()} is 0 and {@link #code()} {@link ErrorCode#CONNECTION_FAILED}; the cause tells
     * more. Whether a write took effect is unknown: repeat it with the same idempotency key.
     */
    public static final class CommunicationException extends MarketplaceException {
        /** Thrown by the generated API classes. */
        public CommunicationException(String message, Throwable cause) {
            super(0, new Problem().status(0).code(ErrorCode.CONNECTION_FAILED.value()).title("No answer")
                    .detail(message), null, cause);
        }
    }
}
