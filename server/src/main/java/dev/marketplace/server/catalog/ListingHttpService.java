package dev.marketplace.server.catalog;

import dev.marketplace.server.catalog.ListingQuery.ListingSort;
import dev.marketplace.server.platform.http.ConcurrencyLimit;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/** {@code /v1/listings}: the storefront's read-only view of published products. Parses, delegates, renders. */
public final class ListingHttpService implements HttpService {

    public static final String PATH = "/v1/listings";
    private static final Map<String, ListingSort> SORTS = Arrays.stream(ListingSort.values())
            .collect(Collectors.toUnmodifiableMap(ListingSort::wireName, Function.identity()));
    private static final int SEARCH_TEXT_MAX = 100;
    /** How long a listings query waits for PostgreSQL's turn before it is refused: about one query's time. */
    private static final Duration DATABASE_SEARCH_QUEUE = Duration.ofMillis(100);

    private final ProductService products;
    private final ListingCache cache;
    private final ListingSearch search;
    /**
     * Listings queries the index answers at once (CPU work): beyond it they are refused, so that what cannot be
     * served under overload does not take the cores from cached reads (decision 69).
     */
    private final ConcurrencyLimit memorySearches;
    /** Listings queries PostgreSQL answers at once: beyond it they are refused, not queued behind each other. */
    private final ConcurrencyLimit databaseSearches;

    ListingHttpService(ProductService products, ListingCache cache, ListingSearch search,
                       ConcurrencyLimit memorySearches, ConcurrencyLimit databaseSearches) {
        this.products = products;
        this.cache = cache;
        this.search = search;
        this.memorySearches = memorySearches;
        this.databaseSearches = databaseSearches;
    }

    /** The limit on listings queries PostgreSQL answers at once. */
    static ConcurrencyLimit databaseSearches(int concurrentDatabaseSearches) {
        return new ConcurrencyLimit("listings queries in the database", concurrentDatabaseSearches,
                DATABASE_SEARCH_QUEUE);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .get("/{productId}", this::get);
    }

    /** The JSON representation (see {@code Listing} in the OpenAPI document): no moderation details. */
    public record ListingResource(UUID productId, UUID merchantId, UUID categoryId, Map<String, String> title,
                                  Map<String, String> description, Map<String, String> attributes,
                                  List<String> imageUrls, List<ProductVariant> variants, Money price,
                                  OffsetDateTime publishedAt, RatingResource rating, RatingResource merchantRating) {
        static ListingResource of(Listing listing) {
            Product product = listing.product();
            return new ListingResource(product.id(), product.merchantId(), product.categoryId(), product.title(),
                    product.description(), product.attributes(), product.imageUrls(), product.variants(),
                    product.lowestPrice(), product.publishedAt(), RatingResource.of(listing.rating()),
                    RatingResource.of(listing.merchantRating()));
        }
    }

    /** Published reviews' ratings: how many, and their average in stars (absent when there are none). */
    public record RatingResource(int count, BigDecimal average) {
        static RatingResource of(Rating rating) {
            return new RatingResource(rating.count(), rating.average());
        }
    }

    public record ListingPage(List<ListingResource> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "q", "categoryId", "merchantId", "currency", "minPrice",
                "maxPrice", "inStock", "minRating", "sort", "limit", "cursor");
        Optional<String> text = query.text("q", 1, SEARCH_TEXT_MAX);
        Optional<UUID> categoryId = query.uuid("categoryId");
        Optional<UUID> merchantId = query.uuid("merchantId");
        Optional<String> currency = query.currency("currency");
        Optional<Long> minPrice = query.wholeNumber("minPrice", 0, Long.MAX_VALUE);
        Optional<Long> maxPrice = query.wholeNumber("maxPrice", 0, Long.MAX_VALUE);
        boolean inStockOnly = query.oneOf("inStock", Set.of("true", "false")).map(Boolean::parseBoolean).orElse(false);
        Optional<Integer> minRating = query.wholeNumber("minRating", 1, 5).map(Math::toIntExact);
        ListingSort sort = query.oneOf("sort", SORTS.keySet()).map(SORTS::get)
                .orElse(req.query().contains("q") ? ListingSort.RELEVANCE : ListingSort.NEWEST);
        PageRequest page = query.pageRequest(CursorKey.TEXT, CursorKey.TEXT, CursorKey.UUID);
        boolean priceSort = sort == ListingSort.PRICE_ASC || sort == ListingSort.PRICE_DESC;
        if ((minPrice.isPresent() || maxPrice.isPresent() || priceSort) && !req.query().contains("currency")) {
            query.reject("currency", FieldError.REQUIRED, "is required with minPrice, maxPrice and the price sorts");
        }
        if (sort == ListingSort.RELEVANCE && !req.query().contains("q")) {
            query.reject("q", FieldError.REQUIRED, "is required with sort=relevance");
        }
        page.after().ifPresent(cursor -> {
            if (!cursor.keys().getFirst().equals(sort.wireName()) || !sort.isKey(cursor.keys().get(1))
                    || Ids.parse(cursor.keys().get(2)).isEmpty()) {
                query.reject("cursor", FieldError.INVALID_FORMAT, "is not a cursor of this sort order");
            }
        });
        query.throwIfInvalid();
        ListingQuery listingQuery = new ListingQuery(text, categoryId, merchantId, currency, minPrice, maxPrice,
                inStockOnly, minRating, sort);
        Optional<byte[]> fromIndex = memorySearches.call(() -> search.answer(listingQuery, page));
        if (fromIndex.isPresent()) {
            JsonResponses.send(res, Status.OK_200, fromIndex.get());
            return;
        }
        JsonResponses.send(res, Status.OK_200, cache.page(req.query().rawValue(), () -> fromDatabase(listingQuery, page)));
    }

    /** A listings page from PostgreSQL, refused with 503 while as many are being answered as it may take at once. */
    private byte[] fromDatabase(ListingQuery listingQuery, PageRequest page) {
        return databaseSearches.call(() -> {
            Page<ListingResource> result = products.listings(listingQuery, page).map(ListingResource::of);
            return JsonResponses.json(new ListingPage(result.items(), result.nextCursor()));
        });
    }

    private void get(ServerRequest req, ServerResponse res) {
        UUID id = Ids.parse(req.path().pathParameters().get("productId"))
                .orElseThrow(() -> ProblemException.notFound("listing"));
        JsonResponses.send(res, Status.OK_200,
                cache.listing(id, () -> JsonResponses.json(ListingResource.of(products.listing(id)))));
    }
}
