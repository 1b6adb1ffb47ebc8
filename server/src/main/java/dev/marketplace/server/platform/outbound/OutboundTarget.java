package dev.marketplace.server.platform.outbound;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.platform.outbound.OutboundException.Kind;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import jakarta.json.JsonException;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One external service — a supplier, a partner, a payment provider, a webhook receiver — called through its own
 * Resilience4j retry, circuit breaker, bulkhead and time limiter, in that order: each attempt asks the breaker,
 * takes a bulkhead slot and is bounded by the timeout; the retry waits between attempts with no slot held.
 *
 * <p>An attempt fails ({@link OutboundException}) on a connection failure, a timeout, a 5xx, a 429 or a 408;
 * those are retried (exponential backoff with jitter, or the target's {@code Retry-After} up to
 * {@code max-retry-after}) when the request may be repeated: GET, HEAD, PUT, DELETE, OPTIONS and TRACE always,
 * POST, PATCH and other methods only with an {@code Idempotency-Key} header. Other answers, 4xx included, are
 * returned as they are and count as successes for the breaker. A call takes at most
 * {@code max-attempts × timeout + (max-attempts − 1) × max(max-backoff, max-retry-after)}. Within one attempt the JDK
 * client may itself repeat a refused connect, and an idempotent request whose connection closed before any answer
 * (a stale pooled connection), once each.
 *
 * <p>Metrics, tagged {@code target}: {@code outbound_calls_total{outcome}}, one per attempt, {@code outcome} being
 * {@code success} (below 400), {@code client_error} (a 4xx returned) or the failure's {@link Kind} in lower case;
 * and {@code outbound_circuit_state}: 0 closed, 1 open, 2 half-open (Resilience4j's state order).
 *
 * <p>Never call it inside a database transaction (see {@link OutboundHttp}).
 */
public final class OutboundTarget {

    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private static final Set<String> IDEMPOTENT_METHODS = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE");

    private final String name;
    private final TargetSettings settings;
    private final RedirectFollowingClient client;
    private final ExecutorService exchanges;
    private final Sleeper sleeper;
    private final Clock clock;
    private final MeterRegistry meters;
    private final CircuitBreaker breaker;
    private final Retry retry;
    private final Bulkhead bulkhead;
    private final TimeLimiter timeLimiter;

    OutboundTarget(String name, TargetSettings settings, RedirectFollowingClient client, ExecutorService exchanges,
                   Sleeper sleeper, Clock clock, MeterRegistry meters) {
        this.name = name;
        this.settings = settings;
        this.client = client;
        this.exchanges = exchanges;
        this.sleeper = sleeper;
        this.clock = clock;
        this.meters = meters;
        this.breaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .failureRateThreshold(settings.failureRateThreshold())
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.slidingWindowSize())
                .minimumNumberOfCalls(settings.minimumNumberOfCalls())
                .waitDurationInOpenState(settings.waitInOpenState())
                .permittedNumberOfCallsInHalfOpenState(settings.permittedCallsInHalfOpenState())
                // Half-open on time rather than on the next call, so the state metric tells the truth.
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build());
        this.retry = Retry.of(name, RetryConfig.custom()
                .maxAttempts(settings.maxAttempts())
                .retryOnException(failure -> failure instanceof OutboundException e && e.kind().retryable())
                .intervalBiFunction(this::millisBeforeRetry)
                .build());
        this.bulkhead = Bulkhead.of(name, BulkheadConfig.custom()
                .maxConcurrentCalls(settings.maxConcurrentCalls())
                .maxWaitDuration(Duration.ZERO)
                .build());
        this.timeLimiter = TimeLimiter.of(name, TimeLimiterConfig.custom()
                .timeoutDuration(settings.timeout())
                .cancelRunningFuture(true)
                .build());
        meters.getOrCreate(Gauge.builder("outbound.circuit.state", breaker, b -> b.getState().getOrder())
                .tags(List.of(Tag.create("target", name)))
                .description("Circuit breaker state of an outbound target: 0 closed, 1 open, 2 half-open"));
    }

    public String name() {
        return name;
    }

    public TargetSettings settings() {
        return settings;
    }

    /** Whether its calls follow redirects (checked hop by hop), or fail on one ({@link OutboundHttp#targetRefusingRedirects}). */
    public boolean followsRedirects() {
        return client.followsRedirects();
    }

    /** The breaker's state now; {@code HALF_OPEN} comes by itself once {@code wait-in-open-state} has passed. */
    public CircuitBreaker.State circuitState() {
        return breaker.getState();
    }

    /**
     * Sends the request and returns the answer, body read in full; a 4xx is an answer, not an exception.
     *
     * @throws OutboundException when no usable answer came (see {@link Kind})
     */
    public HttpResponse<byte[]> send(HttpRequest request) {
        return call(request, response -> response);
    }

    /**
     * Sends the request and returns its JSON body (any JSON value). A body that is not exactly one JSON value counts as
     * a failure of the target ({@link Kind#MALFORMED_RESPONSE}, not retried); an answer other than 2xx is
     * {@link Kind#UNEXPECTED_STATUS}, carrying its status.
     *
     * @throws OutboundException when no JSON answer came (see {@link Kind})
     */
    public JsonValue sendJson(HttpRequest request) {
        return call(request, this::jsonBody);
    }

    private <T> T call(HttpRequest request, ResponseReader<T> reader) {
        try {
            client.prepare();
        } catch (IOException e) {
            throw counted(new OutboundException(Kind.CONNECTION_FAILED, name, e.toString(), e));
        }
        if (!mayRepeat(request)) {
            return attempt(request, reader);
        }
        Retry.AsyncContext<T> retries = retry.asyncContext();
        while (true) {
            try {
                T result = attempt(request, reader);
                retries.onComplete();
                return result;
            } catch (OutboundException failure) {
                // Resilience4j decides whether and how long to wait; waiting here lets tests substitute the sleeper.
                long waitMillis = retries.onError(failure);
                if (waitMillis < 0) {
                    throw failure;
                }
                pause(Duration.ofMillis(waitMillis), failure);
            }
        }
    }

    private static boolean mayRepeat(HttpRequest request) {
        return IDEMPOTENT_METHODS.contains(request.method()) || request.headers().firstValue(IDEMPOTENCY_KEY).isPresent();
    }

    private <T> T attempt(HttpRequest request, ResponseReader<T> reader) {
        if (!breaker.tryAcquirePermission()) {
            throw counted(new OutboundException(Kind.CIRCUIT_OPEN, name, "circuit breaker is open; not attempted"));
        }
        if (!bulkhead.tryAcquirePermission()) {
            breaker.releasePermission();
            throw counted(new OutboundException(Kind.BULKHEAD_FULL, name,
                    settings.maxConcurrentCalls() + " calls already in flight; not attempted"));
        }
        long started = System.nanoTime();
        try {
            HttpResponse<byte[]> response = failOnRetryableStatus(exchangeWithinTimeout(request));
            T result = reader.read(response);
            breaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            count(response.statusCode() < 400 ? "success" : "client_error");
            return result;
        } catch (OutboundException failure) {
            long elapsed = System.nanoTime() - started;
            if (failure.kind().targetFailure()) {
                breaker.onError(elapsed, TimeUnit.NANOSECONDS, failure);
            } else if (failure.kind() == Kind.UNEXPECTED_STATUS) {
                breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS); // a proper answer, only not the one the caller wanted
            } else {
                breaker.releasePermission(); // refused by us (a forbidden redirect) or interrupted: says nothing of the target
            }
            throw counted(failure);
        } catch (RuntimeException unexpected) {
            breaker.releasePermission();
            throw unexpected;
        } finally {
            bulkhead.onComplete();
        }
    }

    /** Runs the exchange on its own virtual thread so the time limiter can abandon it and interrupt it (which cancels it). */
    private HttpResponse<byte[]> exchangeWithinTimeout(HttpRequest request) {
        Future<HttpResponse<byte[]>> exchange = exchanges.submit(() -> client.send(request));
        try {
            return timeLimiter.executeFutureSupplier(() -> exchange);
        } catch (OutboundException e) {
            throw e;
        } catch (TimeoutException | HttpTimeoutException e) {
            throw new OutboundException(Kind.TIMEOUT, name, "no answer within " + settings.timeout(), e);
        } catch (IOException e) {
            throw new OutboundException(Kind.CONNECTION_FAILED, name, e.toString(), e);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new OutboundException(Kind.INTERRUPTED, name, "interrupted while waiting for an answer", e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("the exchange threw an exception it does not declare", e);
        }
    }

    private HttpResponse<byte[]> failOnRetryableStatus(HttpResponse<byte[]> response) {
        int status = response.statusCode();
        Kind kind = status >= 500 ? Kind.SERVER_ERROR : status == 429 ? Kind.THROTTLED : status == 408 ? Kind.TIMEOUT : null;
        if (kind == null) {
            return response;
        }
        throw new OutboundException(kind, name, "answered " + status, status, retryAfter(response.headers()));
    }

    private Duration retryAfter(HttpHeaders headers) {
        return headers.firstValue("Retry-After").flatMap(value -> RetryAfter.parse(value, clock.instant())).orElse(null);
    }

    /** The target's {@code Retry-After} up to {@code max-retry-after}; otherwise exponential backoff with jitter. */
    private long millisBeforeRetry(int retryNumber, Either<Throwable, Object> outcome) {
        if (outcome.isLeft() && outcome.getLeft() instanceof OutboundException failure && failure.retryAfter().isPresent()) {
            Duration asked = failure.retryAfter().get();
            return (asked.compareTo(settings.maxRetryAfter()) > 0 ? settings.maxRetryAfter() : asked).toMillis();
        }
        return backoffMillis(retryNumber, settings.initialBackoff(), settings.maxBackoff());
    }

    /**
     * The n-th retry waits {@code initial × 2^(n−1)}, capped at {@code max}, with "equal jitter": a random wait between
     * half of that and all of it, so callers that failed together do not retry together yet still back off.
     */
    static long backoffMillis(int retryNumber, Duration initial, Duration max) {
        long ceiling = (long) Math.min(max.toMillis(), initial.toMillis() * Math.pow(2, retryNumber - 1));
        long half = ceiling / 2;
        return half + ThreadLocalRandom.current().nextLong(ceiling - half + 1);
    }

    private void pause(Duration wait, OutboundException retried) {
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            OutboundException interrupted = new OutboundException(Kind.INTERRUPTED, name, "interrupted before retrying", e);
            interrupted.addSuppressed(retried);
            throw interrupted;
        }
    }

    private JsonValue jsonBody(HttpResponse<byte[]> response) {
        if (response.statusCode() / 100 != 2) {
            throw new OutboundException(Kind.UNEXPECTED_STATUS, name, "answered " + response.statusCode() + " where JSON was expected",
                    response.statusCode(), null);
        }
        try (JsonParser parser = JSON.createParser(new ByteArrayInputStream(response.body()))) {
            parser.next();
            JsonValue value = parser.getValue();
            if (parser.hasNext()) {
                throw new JsonException("more than one JSON value");
            }
            return value;
        } catch (JsonException | IllegalStateException | NoSuchElementException e) {
            throw new OutboundException(Kind.MALFORMED_RESPONSE, name, "the body is not valid JSON: " + e.getMessage(), e);
        }
    }

    private OutboundException counted(OutboundException failure) {
        count(failure.kind().name().toLowerCase(Locale.ROOT));
        return failure;
    }

    private void count(String outcome) {
        meters.getOrCreate(Counter.builder("outbound.calls")
                        .tags(List.of(Tag.create("target", name), Tag.create("outcome", outcome)))
                        .description("Outbound attempts by target and outcome"))
                .increment();
    }

    /** Turns an answer into the caller's result inside the attempt, so a result it cannot use counts against the target. */
    @FunctionalInterface
    private interface ResponseReader<T> {
        T read(HttpResponse<byte[]> response);
    }
}
