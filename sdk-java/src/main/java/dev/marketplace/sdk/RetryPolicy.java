package dev.marketplace.sdk;

import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a request is sent again and how long the SDK waits first.
 *
 * @param maxRetries   how many times one request may be sent again
 * @param maxRetryWait the longest single wait; a server asking for longer gets its error passed on at once
 * @param clock        for Retry-After given as a date
 * @param sleeper      spends the waits
 */
record RetryPolicy(int maxRetries, Duration maxRetryWait, Clock clock, Sleeper sleeper) {

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    private static final int MOST_DOUBLINGS = 20;

    /**
     * The wait before sending again after this answer; empty when the answer is final: neither 429 nor 503 nor a
     * 409 with Retry-After, no retries left, or a Retry-After longer than {@link #maxRetryWait}. 429 and 503 say the
     * server did not act on the request, so any method may be resent; a 409 with Retry-After says the same
     * Idempotency-Key is still being worked on, and resending it returns that request's answer.
     */
    Optional<Duration> waitAfterAnswer(int status, HttpHeaders headers, int retriesDone) {
        Optional<Duration> asked = RetryAfter.of(headers, clock);
        boolean inProgress = status == 409 && asked.isPresent();
        if ((status != 429 && status != 503 && !inProgress) || retriesDone >= maxRetries) {
            return Optional.empty();
        }
        return asked.isPresent()
                ? asked.filter(wait -> wait.compareTo(maxRetryWait) <= 0)
                : Optional.of(backoff(retriesDone));
    }

    /** The wait before sending again after a failed connection; empty when no retries are left. */
    Optional<Duration> waitAfterConnectionFailure(int retriesDone) {
        return retriesDone >= maxRetries ? Optional.empty() : Optional.of(backoff(retriesDone));
    }

    /**
     * Exponential backoff: between half and all of 0.5 s × 2^retriesDone, capped at {@link #maxRetryWait}. The
     * random part keeps many clients that failed together from retrying together.
     */
    Duration backoff(int retriesDone) {
        long ceilingMillis = Math.min(maxRetryWait.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(retriesDone, MOST_DOUBLINGS));
        long halfMillis = ceilingMillis / 2;
        return Duration.ofMillis(halfMillis + ThreadLocalRandom.current().nextLong(ceilingMillis - halfMillis + 1));
    }
}
