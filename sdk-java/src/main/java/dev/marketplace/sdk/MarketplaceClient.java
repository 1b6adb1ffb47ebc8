package dev.marketplace.sdk;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.marketplace.sdk.api.CartsApi;
import dev.marketplace.sdk.api.CategoriesApi;
import dev.marketplace.sdk.api.ClientsApi;
import dev.marketplace.sdk.api.FulfilmentApi;
import dev.marketplace.sdk.api.InventoryApi;
import dev.marketplace.sdk.api.ListingsApi;
import dev.marketplace.sdk.api.MerchantsApi;
import dev.marketplace.sdk.api.OperationsApi;
import dev.marketplace.sdk.api.OrdersApi;
import dev.marketplace.sdk.api.PaymentsApi;
import dev.marketplace.sdk.api.ProductsApi;
import dev.marketplace.sdk.api.CustomersApi;
import dev.marketplace.sdk.api.ReservationsApi;
import dev.marketplace.sdk.api.ReturnsApi;
import dev.marketplace.sdk.api.PointsApi;
import dev.marketplace.sdk.api.PromotionsApi;
import dev.marketplace.sdk.api.ReviewsApi;
import dev.marketplace.sdk.api.SettlementApi;
import dev.marketplace.sdk.api.WebhookEndpointsApi;
import dev.marketplace.sdk.api.DropshipApi;
import dev.marketplace.sdk.api.ChannelsApi;
import dev.marketplace.sdk.api.PartnerInventoryApi;
import dev.marketplace.sdk.api.PartnersApi;
import dev.marketplace.sdk.api.ReportsApi;
import dev.marketplace.sdk.api.ServiceLevelsApi;
import dev.marketplace.sdk.invoker.ApiClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The one object an integration needs: holds the connection settings and hands out the API groups.
 * Underneath the generated API classes it authenticates (OAuth2 client credentials, tokens cached and renewed),
 * gives every POST an {@code Idempotency-Key}, and retries 429, 503, a 409 whose idempotency key is still in
 * progress, and failed connections. Every call that gets an error answer throws a typed
 * {@link MarketplaceException} carrying the server's problem document (code, field errors, request id). For lists,
 * {@link Pages} walks the cursors; change feeds are followed with {@link #feeds()}.
 *
 * <pre>{@code
 * MarketplaceClient client = MarketplaceClient.builder()
 *         .baseUri(URI.create("https://api.example.com"))
 *         .clientCredentials(clientId, clientSecret)
 *         .build();
 * Category food = client.categories().createCategory(new CategoryCreate().name("Food").commissionRateBasisPoints(1000));
 * Category tea = client.categories().createCategory(new CategoryCreate().name("Tea").parentId(food.getId())
 *         .commissionRateBasisPoints(800), RequestOptions.builder().idempotencyKey("category-tea").build());
 * }</pre>
 */
public final class MarketplaceClient {

    private final ApiClient apiClient;
    private final CategoriesApi categories;
    private final ClientsApi clients;
    private final MerchantsApi merchants;
    private final ProductsApi products;
    private final ListingsApi listings;
    private final InventoryApi inventory;
    private final ReservationsApi reservations;
    private final CustomersApi customers;
    private final CartsApi carts;
    private final OrdersApi orders;
    private final PaymentsApi payments;
    private final FulfilmentApi fulfilment;
    private final ReturnsApi returns;
    private final PointsApi points;
    private final PromotionsApi promotions;
    private final OperationsApi operations;
    private final SettlementApi settlement;
    private final WebhookEndpointsApi webhookEndpoints;
    private final DropshipApi dropship;
    private final PartnersApi partners;
    private final PartnerInventoryApi partnerInventory;
    private final ReviewsApi reviews;
    private final ChannelsApi channels;
    private final ServiceLevelsApi serviceLevels;
    private final ReportsApi reports;
    private final Feeds feeds;

    private MarketplaceClient(Builder builder) {
        String baseUri = builder.baseUri.toString().replaceAll("/+$", "");
        ApiClient client = new ApiClient();
        // A schema without properties (CartCreate) is generated as Object: new Object() is sent as {}.
        client.setObjectMapper(ApiClient.createDefaultObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS));
        client.updateBaseUri(baseUri);
        HttpClient.Builder transport = builder.httpClientBuilder.connectTimeout(builder.connectTimeout);
        RetryPolicy retryPolicy = new RetryPolicy(builder.maxRetries, builder.maxRetryWait, builder.clock, builder.sleeper);
        ProblemInterceptor problems = new ProblemInterceptor(client.getObjectMapper(), builder.clock);
        TokenSource tokens = builder.tokenSource != null ? builder.tokenSource
                : builder.clientId == null ? null : new ClientCredentialsTokenSource(new TokenEndpoint(
                        new RetryingHttpClient(transport.build(), retryPolicy, tokenRequest -> true), // asking again is harmless
                        URI.create(baseUri + "/oauth2/token"), builder.clientId, builder.clientSecret,
                        builder.requestTimeout, client.getObjectMapper(), problems, builder.clock),
                        builder.scopes, builder.clock);
        client.setHttpClientBuilder(DecoratingHttpClientBuilder.once(transport, built -> {
            HttpClient retrying = new RetryingHttpClient(built, retryPolicy, RetryingHttpClient::isSafeToResend);
            return tokens == null ? retrying : new AuthorizingHttpClient(retrying, tokens);
        }));
        client.setReadTimeout(builder.requestTimeout);
        Consumer<HttpRequest.Builder> requestInterceptor = new IdempotencyKeyInterceptor();
        if (builder.accessToken != null) {
            String authorization = "Bearer " + builder.accessToken;
            requestInterceptor = requestInterceptor.andThen(request -> request.setHeader("Authorization", authorization));
        }
        client.setRequestInterceptor(requestInterceptor);
        client.setResponseInterceptor(problems);
        this.apiClient = client;
        this.categories = new CategoriesApi(client);
        this.clients = new ClientsApi(client);
        this.merchants = new MerchantsApi(client);
        this.products = new ProductsApi(client);
        this.listings = new ListingsApi(client);
        this.inventory = new InventoryApi(client);
        this.reservations = new ReservationsApi(client);
        this.customers = new CustomersApi(client);
        this.carts = new CartsApi(client);
        this.orders = new OrdersApi(client);
        this.payments = new PaymentsApi(client);
        this.fulfilment = new FulfilmentApi(client);
        this.returns = new ReturnsApi(client);
        this.points = new PointsApi(client);
        this.promotions = new PromotionsApi(client);
        this.operations = new OperationsApi(client);
        this.settlement = new SettlementApi(client);
        this.webhookEndpoints = new WebhookEndpointsApi(client);
        this.dropship = new DropshipApi(client);
        this.partners = new PartnersApi(client);
        this.partnerInventory = new PartnerInventoryApi(client);
        this.reviews = new ReviewsApi(client);
        this.channels = new ChannelsApi(client);
        this.serviceLevels = new ServiceLevelsApi(client);
        this.reports = new ReportsApi(client);
        this.feeds = new Feeds(fulfilment, inventory, products, reviews, settlement, partnerInventory);
    }

    /** Settings: only {@code baseUri} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The category tree of the catalog. */
    public CategoriesApi categories() {
        return categories;
    }

    /** API clients (OAuth2 client credentials) of the caller's principal. */
    public ClientsApi clients() {
        return clients;
    }

    /** Merchants: applications, review and status (the operator), or the caller itself (a merchant). */
    public MerchantsApi merchants() {
        return merchants;
    }

    /** Products with their variants, and their moderation: a merchant's own products, or all of them (the operator). */
    public ProductsApi products() {
        return products;
    }

    /** Published products of active merchants, as storefronts browse them. */
    public ListingsApi listings() {
        return listings;
    }

    /** Stock locations, stock levels and their updates (one item or up to 10,000), and low-stock events. */
    public InventoryApi inventory() {
        return inventory;
    }

    /** Stock reserved for checkouts (all lines or none), committed or released. */
    public ReservationsApi reservations() {
        return reservations;
    }

    /** Customers: registration and mailed codes (storefront), a customer's own data (customer-bound token), lookup (operator). */
    public CustomersApi customers() {
        return customers;
    }

    /** Storefront carts priced by the server; claiming an anonymous cart for the signed-in customer. */
    public CartsApi carts() {
        return carts;
    }

    /** Checkout into orders split per merchant, and reading orders. */
    public OrdersApi orders() {
        return orders;
    }

    /** Paying orders. */
    public PaymentsApi payments() {
        return payments;
    }

    /** A merchant's sub-orders: list, accept or reject, ship by line, deliver. */
    public FulfilmentApi fulfilment() {
        return fulfilment;
    }

    /** Returns (RMA): requested by the customer, handled by the merchant. */
    public ReturnsApi returns() {
        return returns;
    }

    /**
     * Loyalty points: a customer's balance, lots, history and coming expiries (customer-bound token); campaigns,
     * tiers and adjustments (the operator; a merchant its own campaigns).
     */
    public PointsApi points() {
        return points;
    }

    /** Coupons and automatic promotions: the operator's, and a merchant's own. */
    public PromotionsApi promotions() {
        return promotions;
    }

    /** The change feeds (sub-orders, stock, products, reviews, ledger entries, shared listings), followed with a stored cursor. */
    public Feeds feeds() {
        return feeds;
    }

    /** The ledger, settlement terms, payouts, statements and adjustments. */
    public SettlementApi settlement() {
        return settlement;
    }

    /** The caller's webhook endpoints: subscribe, rotate secrets, ping, read the delivery log, replay. */
    public WebhookEndpointsApi webhookEndpoints() {
        return webhookEndpoints;
    }

    /**
     * Drop-shipping: a merchant's supplier connections, catalog imports, stock syncs, backups and failover switches,
     * and the forwards of sold lines to suppliers.
     */
    public DropshipApi dropship() {
        return dropship;
    }

    /**
     * Partner platforms: the operator registers partners and sets their exchange terms; a partner exchanges points
     * in and out, reads its exchange days and mismatches, uploads its own file; a customer links its partner
     * member ids.
     */
    public PartnersApi partners() {
        return partners;
    }

    /**
     * Inventory shared with partners: a merchant's opt-ins, the operator's assortment shares and lease limits, and a
     * partner's leases (held, committed into a partner order, released). The shared listings' changes are a feed:
     * {@link Feeds#sharedListings()}.
     */
    public PartnerInventoryApi partnerInventory() {
        return partnerInventory;
    }

    /** Product reviews: written by customers, moderated by the operator, answered by the merchant. */
    public ReviewsApi reviews() {
        return reviews;
    }

    /** Sales channels (storefronts and affiliates): codes, attributed orders, deposits, scorecards and statements. */
    public ChannelsApi channels() {
        return channels;
    }

    /** A merchant's service levels as the marketplace measures them: sub-orders accepted and shipped, reviews answered in time. */
    public ServiceLevelsApi serviceLevels() {
        return serviceLevels;
    }

    /** The operator's reports (sales and loyalty). */
    public ReportsApi reports() {
        return reports;
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
        private String clientId;
        private String clientSecret;
        private List<String> scopes = List.of();
        private String accessToken;
        private TokenSource tokenSource;
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
         * Authenticate with the OAuth2 client credentials grant: the SDK asks {@code {baseUri}/oauth2/token} for an
         * access token, sends it as {@code Authorization: Bearer}, keeps it until shortly before it expires, and
         * fetches a new one once when the API rejects it. Refused credentials throw
         * {@link MarketplaceException.AuthenticationException} (code {@code invalid_client}, for example).
         */
        public Builder clientCredentials(String clientId, String clientSecret) {
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
            return this;
        }

        /** The scopes to ask for with {@link #clientCredentials}, such as {@code catalog:read}; none asks for the client's default. */
        public Builder scopes(String... scopes) {
            for (String scope : scopes) {
                if (scope == null || scope.isBlank() || scope.chars().anyMatch(Character::isWhitespace)) {
                    throw new IllegalArgumentException("a scope is one word, not \"" + scope + "\"");
                }
            }
            this.scopes = List.copyOf(Arrays.asList(scopes));
            return this;
        }

        /**
         * Send this access token, obtained elsewhere, instead of using {@link #clientCredentials}. The SDK cannot
         * renew it: once it expires, calls throw {@link MarketplaceException.AuthenticationException}.
         */
        public Builder accessToken(String accessToken) {
            this.accessToken = Objects.requireNonNull(accessToken, "accessToken");
            return this;
        }

        /**
         * The JDK HTTP client to use (proxy, TLS, executor). The SDK sets its connect timeout and wraps each client
         * it builds, so retries and token requests go through the caller's client rather than around it.
         */
        public Builder httpClientBuilder(HttpClient.Builder httpClientBuilder) {
            this.httpClientBuilder = Objects.requireNonNull(httpClientBuilder, "httpClientBuilder");
            return this;
        }

        /** How long opening a connection may take (default 5 s). */
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

        /** Tokens of a signed-in customer ({@link CustomerSignIn}), renewed with their refresh token. */
        Builder tokenSource(TokenSource tokenSource) {
            this.tokenSource = Objects.requireNonNull(tokenSource, "tokenSource");
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

        /** @throws IllegalStateException when {@code baseUri} is missing or several ways to authenticate are set */
        public MarketplaceClient build() {
            if (baseUri == null) {
                throw new IllegalStateException("baseUri is required");
            }
            if ((clientId != null ? 1 : 0) + (accessToken != null ? 1 : 0) + (tokenSource != null ? 1 : 0) > 1) {
                throw new IllegalStateException("use one of clientCredentials, accessToken or a customer's sign-in");
            }
            if (clientId == null && !scopes.isEmpty()) {
                throw new IllegalStateException("scopes are asked for with clientCredentials");
            }
            return new MarketplaceClient(this);
        }
    }
}
