package dev.marketplace.sdk;

import dev.marketplace.sdk.model.FieldError;
import dev.marketplace.sdk.model.Problem;
import java.util.List;

/**
 * An error answer from the Marketplace API, with the server's RFC 9457 problem document.
 * Branch on the subclass for the kind of failure, and on {@link #code()} for the exact reason
 * ({@code category_not_empty}, {@code version_conflict}, ...). Quote {@link #requestId()} to support.
 */
public class MarketplaceException extends RuntimeException {

    private final int status;
    private final transient Problem problem;
    private final String requestId;

    protected MarketplaceException(int status, Problem problem, String requestId) {
        super(status + " " + problem.getCode() + ": " + problem.getDetail()
                + (requestId == null ? "" : " (request " + requestId + ")"));
        this.status = status;
        this.problem = problem;
        this.requestId = requestId;
    }

    static MarketplaceException of(int status, Problem problem, String requestId) {
        return switch (status) {
            case 400 -> "validation_failed".equals(problem.getCode())
                    ? new ValidationException(status, problem, requestId)
                    : new BadRequestException(status, problem, requestId);
            case 404 -> new NotFoundException(status, problem, requestId);
            case 409, 412, 428 -> new ConflictException(status, problem, requestId);
            default -> status >= 500
                    ? new ServerException(status, problem, requestId)
                    : new MarketplaceException(status, problem, requestId);
        };
    }

    public int status() {
        return status;
    }

    /** The stable machine-readable reason. */
    public String code() {
        return problem.getCode();
    }

    public Problem problem() {
        return problem;
    }

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

        public List<FieldError> fieldErrors() {
            return problem().getErrors() == null ? List.of() : problem().getErrors();
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
     * 412 {@code precondition_failed}), a missing one (428), or a business rule ({@code category_not_empty}).
     */
    public static final class ConflictException extends MarketplaceException {
        ConflictException(int status, Problem problem, String requestId) {
            super(status, problem, requestId);
        }

        /** For a stale version: the resource's current version, to read again and retry. */
        public Long currentVersion() {
            return problem().getCurrentVersion();
        }
    }

    /** The server failed (5xx); safe to retry later for reads and for writes sent with an idempotency key. */
    public static final class ServerException extends MarketplaceException {
        ServerException(int status, Problem problem, String requestId) {
            super(status, problem, requestId);
        }
    }
}
