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
        client.setHttpClientBuilder(builder.httpClientBuilder.connectTimeout(builder.connectTimeout));
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
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Where the API is, such as {@code https://api.example.com}. */
        public Builder baseUri(URI baseUri) {
            this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
            return this;
        }

        /** The JDK HTTP client to use (proxy, TLS, executor); the SDK sets its connect timeout. */
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
