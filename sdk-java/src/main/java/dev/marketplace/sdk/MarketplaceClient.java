package dev.marketplace.sdk;

import dev.marketplace.sdk.api.CategoriesApi;
import dev.marketplace.sdk.api.OperationsApi;
import dev.marketplace.sdk.invoker.ApiClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The one object an integration needs: holds the connection settings and hands out the API groups.
 * Every call that gets an error answer throws a typed {@link MarketplaceException} carrying the server's
 * problem document (code, field errors, request id).
 *
 * <pre>{@code
 * MarketplaceClient client = MarketplaceClient.builder().baseUri(URI.create("http://localhost:8080")).build();
 * Category food = client.categories().createCategory(new CategoryCreate().name("Food").commissionRateBasisPoints(1000));
 * }</pre>
 */
public final class MarketplaceClient {

    private final ApiClient apiClient;
    private final CategoriesApi categories;
    private final OperationsApi operations;

    private MarketplaceClient(Builder builder) {
        ApiClient client = new ApiClient();
        client.updateBaseUri(builder.baseUri.toString().replaceAll("/+$", ""));
        RetryPolicy retryPolicy = new RetryPolicy(builder.maxRetries, builder.maxRetryWait, builder.clock, builder.sleeper);
        client.setHttpClientBuilder(new DecoratingHttpClientBuilder(
                builder.httpClientBuilder.connectTimeout(builder.connectTimeout),
                transport -> new RetryingHttpClient(transport, retryPolicy, RetryingHttpClient::isIdempotent)));
        client.setReadTimeout(builder.requestTimeout);
        client.setRequestInterceptor(new IdempotencyKeyInterceptor());
        client.setResponseInterceptor(new ProblemInterceptor(client.getObjectMapper(), builder.clock));
        this.apiClient = client;
        this.categories = new CategoriesApi(client);
        this.operations = new OperationsApi(client);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The category tree of the catalog. */
    public CategoriesApi categories() {
        return categories;
    }

    /** Health and metrics. */
    public OperationsApi operations() {
        return operations;
    }

    /** The generated client underneath, for settings this class does not expose. */
    public ApiClient apiClient() {
        return apiClient;
    }

    public static final class Builder {
        private URI baseUri;
        private HttpClient.Builder httpClientBuilder = HttpClient.newBuilder();
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private int maxRetries = 2;
        private Duration maxRetryWait = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();
        private Sleeper sleeper = Sleeper.REAL;

        private Builder() {
        }

        /** Where the API is, such as {@code https://api.example.com}. */
        public Builder baseUri(URI baseUri) {
            this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
            return this;
        }

        /**
         * The JDK HTTP client to use (proxy, TLS, executor). The SDK sets its connect timeout and wraps each client
         * it builds, so retries go through the caller's client rather than around it.
         */
        public Builder httpClientBuilder(HttpClient.Builder httpClientBuilder) {
            this.httpClientBuilder = Objects.requireNonNull(httpClientBuilder, "httpClientBuilder");
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        /** How long one request may take, from sending to the end of the response headers. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
            return this;
        }

        /**
         * How often one call is sent again after 429 Too Many Requests, 503 Service Unavailable or a failed
         * connection (default 2; 0 turns retries off). After a failed connection only requests that are safe to
         * repeat are resent: idempotent methods and POSTs, which carry an {@code Idempotency-Key}.
         */
        public Builder maxRetries(int maxRetries) {
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must not be negative: " + maxRetries);
            }
            this.maxRetries = maxRetries;
            return this;
        }

        /**
         * The longest the SDK waits before one retry (default 30 s). It waits as long as the server's
         * {@code Retry-After} asks; when that is longer, the error is thrown at once
         * ({@link MarketplaceException.RateLimitException#retryAfter()} tells how long to wait).
         */
        public Builder maxRetryWait(Duration maxRetryWait) {
            Objects.requireNonNull(maxRetryWait, "maxRetryWait");
            if (maxRetryWait.isNegative()) {
                throw new IllegalArgumentException("maxRetryWait must not be negative: " + maxRetryWait);
            }
            this.maxRetryWait = maxRetryWait;
            return this;
        }

        /** Spends the waits between retries; tests record them instead. */
        Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /** The time source for token lifetimes and Retry-After dates; tests replace it to move time. */
        Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public MarketplaceClient build() {
            if (baseUri == null) {
                throw new IllegalStateException("baseUri is required");
            }
            return new MarketplaceClient(this);
        }
    }
}
