package dev.marketplace.server.platform.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A request that cannot be served as asked, answered as an RFC 9457 problem document with a stable
 * {@code code}. Domain services throw it; the platform renders it. Codes are part of the API contract:
 * never rename one.
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String code;
    private final String title;
    private final List<FieldError> errors;
    private final Map<String, Object> extensions = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();

    public ProblemException(int status, String code, String title, String detail) {
        this(status, code, title, detail, List.of());
    }

    private ProblemException(int status, String code, String title, String detail, List<FieldError> errors) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    public static ProblemException notFound(String what) {
        return new ProblemException(404, "not_found", "Not Found", "No " + what + " with that id exists.");
    }

    /**
     * The most field errors a problem lists (the document's {@code maxItems}): a 4 MiB body of unknown or empty
     * members would otherwise be answered with tens of megabytes.
     */
    public static final int MAX_FIELD_ERRORS = 1000;

    public static ProblemException validation(List<FieldError> errors) {
        String detail = errors.size() == 1 ? errors.getFirst().field() + ": " + errors.getFirst().message()
                : errors.size() > MAX_FIELD_ERRORS
                ? errors.size() + " fields are invalid; the first " + MAX_FIELD_ERRORS + " are listed in errors."
                : errors.size() + " fields are invalid; see errors.";
        return new ProblemException(400, "validation_failed", "Validation Failed", detail,
                errors.size() > MAX_FIELD_ERRORS ? List.copyOf(errors.subList(0, MAX_FIELD_ERRORS)) : errors);
    }

    public static ProblemException validation(String field, String code, String message) {
        return validation(List.of(new FieldError(field, code, message)));
    }

    public static ProblemException malformedJson(String detail) {
        return new ProblemException(400, "malformed_json", "Malformed JSON", detail);
    }

    public static ProblemException jsonTooDeep(int maxDepth) {
        return new ProblemException(400, "json_too_deep", "JSON Too Deep",
                "The body nests objects and arrays deeper than " + maxDepth + " levels.");
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(400, "bad_request", "Bad Request", detail);
    }

    public static ProblemException unsupportedMediaType(String contentType) {
        return new ProblemException(415, "unsupported_media_type", "Unsupported Media Type",
                "The body must be application/json" + (contentType == null ? "; no Content-Type was sent." : ", not " + contentType + "."));
    }

    public static ProblemException payloadTooLarge() {
        return new ProblemException(413, "payload_too_large", "Payload Too Large",
                "The body is larger than this server accepts.");
    }

    public static ProblemException uriTooLong() {
        return new ProblemException(414, "uri_too_long", "URI Too Long",
                "The request line is longer than this server reads (2,048 bytes); shorten the query.");
    }

    public static ProblemException conflict(String code, String detail) {
        return new ProblemException(409, code, "Conflict", detail);
    }

    public static ProblemException versionConflict(long expected, long current) {
        return new ProblemException(409, "version_conflict", "Version Conflict",
                "The resource is at version " + current + ", not " + expected + "; read it again and retry.")
                .with("currentVersion", current);
    }

    public static ProblemException preconditionFailed(long expected, long current) {
        return new ProblemException(412, "precondition_failed", "Precondition Failed",
                "If-Match names version " + expected + " but the resource is at version " + current + ".")
                .with("currentVersion", current);
    }

    public static ProblemException preconditionRequired(String detail) {
        return new ProblemException(428, "precondition_required", "Precondition Required", detail);
    }

    public static ProblemException methodNotAllowed(String method, Set<String> allowed) {
        ProblemException problem = new ProblemException(405, "method_not_allowed", "Method Not Allowed",
                method + " is not allowed here; allowed: " + String.join(", ", allowed) + ".");
        problem.headers.put("Allow", String.join(", ", allowed));
        return problem;
    }

    public static ProblemException routeNotFound(String path) {
        return new ProblemException(404, "not_found", "Not Found", "No resource at " + path + ".");
    }

    /** A path not written the one way the API documents it: found under no other spelling either (decision 22). */
    public static ProblemException nonCanonicalPath(String rawPath) {
        return new ProblemException(404, "not_found", "Not Found", "No resource at " + rawPath + ": write the path"
                + " exactly as documented, without a trailing or doubled slash, dot segments, matrix parameters (;)"
                + " or percent-encoded letters, digits, dots or slashes.");
    }

    /** No usable credentials: 401 with the RFC 6750 challenge. */
    public static ProblemException unauthorized(String detail, boolean tokenWasSent) {
        ProblemException problem = new ProblemException(401, tokenWasSent ? "invalid_token" : "unauthorized",
                "Unauthorized", detail);
        problem.headers.put("WWW-Authenticate", tokenWasSent
                ? "Bearer realm=\"marketplace\", error=\"invalid_token\", error_description=\"" + detail + "\""
                : "Bearer realm=\"marketplace\"");
        return problem;
    }

    public static ProblemException insufficientScope(Set<String> required) {
        String scopes = String.join(" ", new java.util.TreeSet<>(required));
        ProblemException problem = new ProblemException(403, "insufficient_scope", "Forbidden",
                "This operation needs the scope " + scopes + ", which the token does not carry.");
        problem.headers.put("WWW-Authenticate", "Bearer realm=\"marketplace\", error=\"insufficient_scope\", scope=\"" + scopes + "\"");
        return problem;
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(403, "forbidden", "Forbidden", detail);
    }

    public static ProblemException rateLimited(long retryAfterSeconds) {
        ProblemException problem = new ProblemException(429, "rate_limited", "Too Many Requests",
                "The rate limit is used up; retry after " + retryAfterSeconds + " s.");
        problem.headers.put("Retry-After", Long.toString(retryAfterSeconds));
        return problem;
    }

    /**
     * A request with the same Idempotency-Key is still running. {@code Retry-After} tells a client (the SDK does)
     * that sending the same request again shortly is right: it then gets the first request's answer.
     */
    public static ProblemException requestInProgress() {
        ProblemException problem = conflict("idempotency_request_in_progress",
                "A request with this Idempotency-Key is still running; retry shortly.");
        problem.headers.put("Retry-After", "1");
        return problem;
    }

    /**
     * The first request with this Idempotency-Key took effect (its transaction committed at {@code committedAt}) but
     * its answer was lost: it is not run again (decision 50).
     */
    public static ProblemException outcomeCommitted(java.time.OffsetDateTime committedAt) {
        return conflict("idempotency_outcome_committed", "The request with this Idempotency-Key took effect, but its "
                + "answer was lost; it is not run again. Read the resource to see the outcome.")
                .with("committedAt", java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
                        committedAt.withOffsetSameInstant(java.time.ZoneOffset.UTC)));
    }

    public static ProblemException internalError() {
        return new ProblemException(500, "internal_error", "Internal Server Error",
                "An unexpected error occurred. Quote the request id to support.");
    }

    public static ProblemException serviceUnavailable(String detail) {
        ProblemException problem = new ProblemException(503, "service_unavailable", "Service Unavailable", detail);
        problem.headers.put("Retry-After", "5");
        return problem;
    }

    /** Asks the client to retry after this many seconds (a 429's or 503's {@code Retry-After}). */
    public ProblemException retryAfter(long seconds) {
        headers.put("Retry-After", Long.toString(seconds));
        return this;
    }

    /** Adds a member to the problem document, such as {@code currentVersion} or {@code currentState}. */
    public ProblemException with(String name, Object value) {
        extensions.put(name, value);
        return this;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return getMessage();
    }

    public List<FieldError> errors() {
        return errors;
    }

    public Map<String, Object> extensions() {
        return Collections.unmodifiableMap(extensions);
    }

    public Map<String, String> headers() {
        return Collections.unmodifiableMap(headers);
    }
}
