package dev.marketplace.sdk;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * Sends a request again when the server refused it for now (429, 503) or the connection failed, waiting as
 * the server asked (Retry-After) or else with exponential backoff ({@link RetryPolicy}). The very same
 * {@link HttpRequest} is resent, so a POST keeps its {@code Idempotency-Key} and the server runs it once.
 */
final class RetryingHttpClient extends DelegatingHttpClient {

    private static final Set<String> IDEMPOTENT_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

    private final RetryPolicy policy;
    private final Predicate<HttpRequest> resendableAfterConnectionFailure;

    /**
     * @param resendableAfterConnectionFailure whether a request may be sent again when the connection failed
     *                                         mid-way and the server may already have acted on it
     */
    RetryingHttpClient(HttpClient delegate, RetryPolicy policy, Predicate<HttpRequest> resendableAfterConnectionFailure) {
        super(delegate);
        this.policy = policy;
        this.resendableAfterConnectionFailure = resendableAfterConnectionFailure;
    }

    /** Safe to send twice: an idempotent method (RFC 9110 §9.2.2), or a request the server deduplicates by its key. */
    static boolean isSafeToResend(HttpRequest request) {
        return IDEMPOTENT_METHODS.contains(request.method())
                || request.headers().firstValue(IdempotencyKeyInterceptor.HEADER).isPresent();
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        for (int retriesDone = 0; ; retriesDone++) {
            int retriesSoFar = retriesDone;
            AtomicReference<Duration> waitBeforeResending = new AtomicReference<>();
            HttpResponse<T> response;
            try {
                // Decided as soon as the status and headers are in, so that an answer to be retried is discarded
                // unread and only the final one reaches the caller's handler.
                response = delegate.send(request, info -> {
                    Optional<Duration> wait = policy.waitAfterAnswer(info.statusCode(), info.headers(), retriesSoFar);
                    if (wait.isEmpty()) {
                        return handler.apply(info);
                    }
                    waitBeforeResending.set(wait.get());
                    return HttpResponse.BodySubscribers.replacing(null);
                });
            } catch (IOException e) {
                Optional<Duration> wait = resendableAfterConnectionFailure.test(request)
                        ? policy.waitAfterConnectionFailure(retriesDone) : Optional.empty();
                if (wait.isEmpty()) {
                    throw e;
                }
                policy.sleeper().sleep(wait.get());
                continue;
            }
            if (waitBeforeResending.get() == null) {
                return response;
            }
            policy.sleeper().sleep(waitBeforeResending.get());
        }
    }
}
