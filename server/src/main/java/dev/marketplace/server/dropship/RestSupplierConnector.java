package dev.marketplace.server.dropship;

import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.outbound.OutboundException;
import dev.marketplace.server.platform.outbound.OutboundTarget;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A JSON REST supplier in the style of CJ Dropshipping's API (decision 39), through the connection's outbound target
 * (retry with backoff honouring Retry-After, circuit breaker, bulkhead, timeout):
 * <ul>
 *   <li>{@code POST /v1/authentication/getAccessToken {"apiKey"}} → an access token with its expiry and a refresh
 *   token; {@code POST /v1/authentication/refreshAccessToken {"refreshToken"}} renews it. Tokens are kept per
 *   connection ({@link Tokens}); a token refused mid-sync (401) is renewed once and the call repeated.</li>
 *   <li>{@code GET /v1/product/list?pageNum&pageSize}: products with their variants (costs in minor units).</li>
 *   <li>{@code GET /v1/product/stock?pageNum&pageSize[&updatedSince]}: per-variant stock per warehouse, summed here;
 *   {@code data.serverTime} is the marker of the next incremental read.</li>
 *   <li>{@code POST /v1/shopping/order/createOrder} with {@code Idempotency-Key} and {@code orderNumber} both the
 *   sub-order line: the supplier answers the first order for a repeated number.</li>
 *   <li>{@code GET /v1/shopping/order/getOrderDetail?orderId}: status, carrier and tracking number.</li>
 * </ul>
 * Answers are {@code {"code", "result", "message", "data"}}; quotas are 429 with Retry-After. Each request (a token
 * renewal too) first takes one call from the connection's own quota count, when it has one ({@link CallQuota}).
 */
final class RestSupplierConnector implements SupplierConnector {

    static final int PAGE_SIZE = 200;
    private static final Duration RENEW_BEFORE = Duration.ofMinutes(1);

    /** The tokens of one connection, shared by its calls on this node. */
    static final class Tokens {
        private String accessToken;
        private Instant accessExpiresAt = Instant.MIN;
        private String refreshToken;
    }

    private final OutboundTarget target;
    private final URI base;
    private final String apiKey;
    private final Tokens tokens;
    private final CallQuota quota;
    private final Clock clock;

    RestSupplierConnector(OutboundTarget target, URI base, String apiKey, Tokens tokens, CallQuota quota, Clock clock) {
        this.target = target;
        this.base = base;
        this.apiKey = apiKey;
        this.tokens = tokens;
        this.quota = quota;
        this.clock = clock;
    }

    @Override
    public CatalogPage products(Optional<String> cursor) {
        int pageNum = cursor.map(Integer::parseInt).orElse(1);
        JsonObject data = get("/v1/product/list?pageNum=" + pageNum + "&pageSize=" + PAGE_SIZE);
        List<SupplierProduct> products = new ArrayList<>();
        for (JsonValue item : array(data, "list")) {
            readProduct(item).ifPresent(products::add);
        }
        long total = number(data, "total");
        boolean more = (long) pageNum * PAGE_SIZE < total;
        return new CatalogPage(products, more ? Optional.of(Integer.toString(pageNum + 1)) : Optional.empty());
    }

    private static Optional<SupplierProduct> readProduct(JsonValue value) {
        try {
            JsonObject p = value.asJsonObject();
            List<SupplierVariant> variants = new ArrayList<>();
            for (JsonValue v : p.getJsonArray("variants")) {
                JsonObject variant = v.asJsonObject();
                variants.add(new SupplierVariant(variant.getString("variantSku"),
                        Map.of("variant", variant.getString("variantKey", "standard")),
                        variant.getJsonNumber("variantSellPrice").longValueExact(), 0));
            }
            List<String> images = p.containsKey("productImage") && !p.isNull("productImage")
                    ? List.of(p.getString("productImage")) : List.of();
            return Optional.of(new SupplierProduct(p.getString("pid"), p.getString("categoryName", null),
                    p.getString("productNameEn"), p.getString("description", ""), images, variants));
        } catch (RuntimeException unreadable) { // one unreadable product does not spoil the page
            return Optional.empty();
        }
    }

    @Override
    public StockReport stock(Optional<String> marker) {
        List<SupplierStock> items = new ArrayList<>();
        int skipped = 0;
        String serverTime = null;
        for (int pageNum = 1; ; pageNum++) {
            JsonObject data = get("/v1/product/stock?pageNum=" + pageNum + "&pageSize=" + PAGE_SIZE
                    + marker.map(m -> "&updatedSince=" + URLEncoder.encode(m, StandardCharsets.UTF_8)).orElse(""));
            if (serverTime == null) {
                serverTime = data.getString("serverTime", null);
            }
            JsonArray list = array(data, "list");
            for (JsonValue item : list) {
                Optional<SupplierStock> stock = readStock(item);
                stock.ifPresent(items::add);
                skipped += stock.isEmpty() ? 1 : 0;
            }
            long total = number(data, "total");
            long seen = (long) (pageNum - 1) * PAGE_SIZE + list.size();
            if (seen >= total) {
                break;
            }
            if (list.size() < PAGE_SIZE) { // a short page before the end: the read is incomplete, trust none of it
                throw new SupplierException("partial stock page " + pageNum + ": " + list.size() + " items, "
                        + seen + " of " + total + " read");
            }
        }
        return new StockReport(items, marker.isPresent(), false, skipped,
                Optional.ofNullable(serverTime).or(() -> marker));
    }

    private static Optional<SupplierStock> readStock(JsonValue value) {
        try {
            JsonObject s = value.asJsonObject();
            long quantity = 0;
            for (JsonValue w : s.getJsonArray("warehouses")) {
                long storage = w.asJsonObject().getJsonNumber("storageNum").longValueExact();
                if (storage < 0) {
                    return Optional.empty();
                }
                quantity += storage;
            }
            long cost = s.getJsonNumber("sellPrice").longValueExact();
            return cost < 0 ? Optional.empty() : Optional.of(new SupplierStock(s.getString("variantSku"), quantity, cost));
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    @Override
    public PlacedOrder placeOrder(SupplierOrder order) {
        JsonObject body = JsonP.JSON.createObjectBuilder()
                .add("orderNumber", order.idempotencyKey())
                .add("shippingCustomerName", order.shipTo().name())
                .add("shippingCountryCode", order.shipTo().country())
                .add("shippingZip", order.shipTo().postalCode())
                .add("shippingProvince", nullToEmpty(order.shipTo().region()))
                .add("shippingCity", order.shipTo().locality())
                .add("shippingAddress", order.shipTo().line1() + (order.shipTo().line2() == null ? ""
                        : ", " + order.shipTo().line2()))
                .add("shippingPhone", nullToEmpty(order.shipTo().phone()))
                .add("products", JsonP.JSON.createArrayBuilder().add(JsonP.JSON.createObjectBuilder()
                        .add("variantSku", order.sku()).add("quantity", order.quantity())))
                .build();
        HttpResponse<byte[]> response = authorized(token -> HttpRequest.newBuilder(uri("/v1/shopping/order/createOrder"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", order.idempotencyKey())
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
        JsonObject answer = object(response);
        if (response.statusCode() >= 400 || !answer.getBoolean("result", false)) {
            if (response.statusCode() >= 400 && response.statusCode() != 422 && response.statusCode() != 400) {
                throw new SupplierException("order refused with status " + response.statusCode());
            }
            return new PlacedOrder.Refused(answer.getString("message", "refused by the supplier"));
        }
        return new PlacedOrder.Accepted(text(data(answer), "orderId"));
    }

    @Override
    public SupplierOrderStatus orderStatus(String supplierOrderRef) {
        JsonObject data = get("/v1/shopping/order/getOrderDetail?orderId="
                + URLEncoder.encode(supplierOrderRef, StandardCharsets.UTF_8));
        String status = text(data, "orderStatus");
        Progress progress = switch (status) {
            case "CREATED", "IN_CART", "UNPAID", "UNSHIPPED", "PENDING" -> Progress.PLACED;
            case "SHIPPED" -> Progress.SHIPPED;
            case "DELIVERED" -> Progress.DELIVERED;
            default -> throw new SupplierException("unknown order status " + status);
        };
        Optional<String> tracking = Optional.ofNullable(data.getString("trackNumber", null)).filter(t -> !t.isBlank());
        if (progress != Progress.PLACED && tracking.isEmpty()) {
            progress = Progress.PLACED; // shipped without a tracking number yet: nothing to record
        }
        return new SupplierOrderStatus(progress, Optional.ofNullable(data.getString("logisticName", null)), tracking);
    }

    private JsonObject get(String pathAndQuery) {
        HttpResponse<byte[]> response = authorized(token -> HttpRequest.newBuilder(uri(pathAndQuery)).GET());
        if (response.statusCode() >= 400) {
            throw new SupplierException("GET " + pathAndQuery + " answered " + response.statusCode());
        }
        JsonObject answer = object(response);
        if (!answer.getBoolean("result", false)) {
            throw new SupplierException("GET " + pathAndQuery + ": " + answer.getString("message", "not a result"));
        }
        return data(answer);
    }

    private interface RequestBuilder {
        HttpRequest.Builder build(String token);
    }

    /** Sends with the current token; a 401 renews the token once and sends again. */
    private HttpResponse<byte[]> authorized(RequestBuilder request) {
        String token = token(false);
        HttpResponse<byte[]> response = send(request.build(token).header("CJ-Access-Token", token).build());
        if (response.statusCode() == 401) {
            token = token(true);
            response = send(request.build(token).header("CJ-Access-Token", token).build());
        }
        if (response.statusCode() == 401) {
            throw new SupplierException("the supplier refused the connection's credentials");
        }
        return response;
    }

    private String token(boolean refused) {
        synchronized (tokens) {
            Instant now = clock.instant();
            if (!refused && tokens.accessToken != null && now.plus(RENEW_BEFORE).isBefore(tokens.accessExpiresAt)) {
                return tokens.accessToken;
            }
            JsonObject data = null;
            if (tokens.refreshToken != null) {
                HttpResponse<byte[]> refreshed = send(post("/v1/authentication/refreshAccessToken",
                        JsonP.JSON.createObjectBuilder().add("refreshToken", tokens.refreshToken).build()));
                if (refreshed.statusCode() == 200) {
                    JsonObject answer = object(refreshed);
                    data = answer.getBoolean("result", false) ? data(answer) : null;
                }
            }
            if (data == null) { // no refresh token, or it was refused: sign in again with the API key
                HttpResponse<byte[]> issued = send(post("/v1/authentication/getAccessToken",
                        JsonP.JSON.createObjectBuilder().add("apiKey", apiKey).build()));
                JsonObject answer = object(issued);
                if (issued.statusCode() != 200 || !answer.getBoolean("result", false)) {
                    throw new SupplierException("the supplier refused the API key: "
                            + answer.getString("message", "status " + issued.statusCode()));
                }
                data = data(answer);
            }
            tokens.accessToken = text(data, "accessToken");
            tokens.refreshToken = data.getString("refreshToken", null);
            try {
                tokens.accessExpiresAt = Instant.parse(text(data, "accessTokenExpiryDate"));
            } catch (DateTimeParseException e) {
                throw new SupplierException("unreadable token expiry", e);
            }
            return tokens.accessToken;
        }
    }

    private HttpRequest post(String path, JsonObject body) {
        return HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }

    private URI uri(String pathAndQuery) {
        return URI.create(base.toString().replaceAll("/+$", "") + pathAndQuery);
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        quota.take();
        try {
            return target.send(request);
        } catch (OutboundException e) {
            throw new SupplierException(e.getMessage(), e.retryAfter(), e);
        }
    }

    private static JsonObject object(HttpResponse<byte[]> response) {
        try {
            JsonValue value = JsonP.JSON.createReader(new StringReader(new String(response.body(), StandardCharsets.UTF_8)))
                    .readValue();
            if (value.getValueType() != JsonValue.ValueType.OBJECT) {
                throw new SupplierException("the supplier's answer is not a JSON object");
            }
            return value.asJsonObject();
        } catch (JsonException | IllegalStateException e) {
            throw new SupplierException("the supplier's answer is not JSON (status " + response.statusCode() + ")", e);
        }
    }

    private static JsonObject data(JsonObject answer) {
        JsonValue data = answer.get("data");
        if (data == null || data.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new SupplierException("the supplier's answer has no data object");
        }
        return data.asJsonObject();
    }

    private static JsonArray array(JsonObject data, String name) {
        JsonValue value = data.get(name);
        if (value == null || value.getValueType() != JsonValue.ValueType.ARRAY) {
            throw new SupplierException("the supplier's answer has no " + name + " array");
        }
        return value.asJsonArray();
    }

    private static long number(JsonObject data, String name) {
        JsonValue value = data.get(name);
        if (!(value instanceof JsonNumber number) || !number.isIntegral()) {
            throw new SupplierException("the supplier's answer has no integer " + name);
        }
        return number.longValue();
    }

    private static String text(JsonObject data, String name) {
        JsonValue value = data.get(name);
        if (!(value instanceof JsonString string) || string.getString().isBlank()) {
            throw new SupplierException("the supplier's answer has no " + name);
        }
        return string.getString();
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }
}
