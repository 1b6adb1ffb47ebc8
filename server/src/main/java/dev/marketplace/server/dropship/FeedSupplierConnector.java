package dev.marketplace.server.dropship;

import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.outbound.OutboundException;
import dev.marketplace.server.platform.outbound.OutboundTarget;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A feed supplier (decision 39): one product and stock file at the connection's HTTPS URL, CSV
 * ({@code product_id,sku,title,category,cost,stock}, a header line first, RFC 4180 quoting) or JSON
 * ({@code {"products": [{"id", "title", "category", "description"?, "imageUrl"?, "variants": [{"sku", "cost",
 * "stock"}]}]}}), read by its {@code Content-Type}. Stock reads are conditional ({@code If-None-Match} with the last
 * ETag, {@code If-Modified-Since} with the last Last-Modified, both kept as the connection's marker): a 304 is
 * "unchanged". Orders are posted to {@code orders} beside the file ({@code POST …/orders} with Idempotency-Key,
 * {@code {"reference", "sku", "quantity", "shipTo"}} → {@code {"orderId"}}, or 422 {@code {"reason"}}), their
 * status read at {@code GET …/orders/{id}} → {@code {"status": "placed"|"shipped"|"delivered", "carrier",
 * "trackingNumber"}}. The connection's key, if any, is sent as a bearer token.
 */
final class FeedSupplierConnector implements SupplierConnector {

    private static final String MARKER_SEPARATOR = "\n";

    private final OutboundTarget target;
    private final URI feed;
    private final String token;
    private final CallQuota quota;

    FeedSupplierConnector(OutboundTarget target, URI feed, String token, CallQuota quota) {
        this.target = target;
        this.feed = feed;
        this.token = token;
        this.quota = quota;
    }

    @Override
    public CatalogPage products(Optional<String> cursor) {
        HttpResponse<byte[]> response = send(request(feed).GET());
        requireOk(response);
        return new CatalogPage(parse(response).products(), Optional.empty());
    }

    @Override
    public StockReport stock(Optional<String> marker) {
        HttpRequest.Builder request = request(feed).GET();
        if (marker.isPresent()) {
            String[] validators = marker.get().split(MARKER_SEPARATOR, -1);
            if (!validators[0].isEmpty()) {
                request.header("If-None-Match", validators[0]);
            }
            if (validators.length > 1 && !validators[1].isEmpty()) {
                request.header("If-Modified-Since", validators[1]);
            }
        }
        HttpResponse<byte[]> response = send(request);
        if (response.statusCode() == 304) {
            return StockReport.notChanged(marker);
        }
        requireOk(response);
        Parsed parsed = parse(response);
        List<SupplierStock> items = new ArrayList<>();
        for (SupplierProduct product : parsed.products()) {
            for (SupplierVariant variant : product.variants()) {
                items.add(new SupplierStock(variant.sku(), variant.stock(), variant.cost()));
            }
        }
        String etag = response.headers().firstValue("ETag").orElse("");
        String lastModified = response.headers().firstValue("Last-Modified").orElse("");
        Optional<String> next = etag.isEmpty() && lastModified.isEmpty() ? Optional.empty()
                : Optional.of(etag + MARKER_SEPARATOR + lastModified);
        return new StockReport(items, false, false, parsed.skipped(), next);
    }

    @Override
    public PlacedOrder placeOrder(SupplierOrder order) {
        ShipTo to = order.shipTo();
        JsonObject body = JsonP.JSON.createObjectBuilder().add("reference", order.idempotencyKey()).add("sku", order.sku())
                .add("quantity", order.quantity())
                .add("shipTo", JsonP.JSON.createObjectBuilder().add("name", to.name()).add("country", to.country())
                        .add("postalCode", to.postalCode()).add("region", to.region() == null ? "" : to.region())
                        .add("locality", to.locality()).add("line1", to.line1())
                        .add("line2", to.line2() == null ? "" : to.line2())
                        .add("phone", to.phone() == null ? "" : to.phone()))
                .build();
        HttpResponse<byte[]> response = send(request(feed.resolve("orders"))
                .header("Content-Type", "application/json").header("Idempotency-Key", order.idempotencyKey())
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
        if (response.statusCode() == 422 || response.statusCode() == 409) {
            return new PlacedOrder.Refused(json(response).getString("reason", "refused by the supplier"));
        }
        requireOk(response);
        String orderId = json(response).getString("orderId", "");
        if (orderId.isBlank()) {
            throw new SupplierException("the supplier's order answer has no orderId");
        }
        return new PlacedOrder.Accepted(orderId);
    }

    @Override
    public SupplierOrderStatus orderStatus(String supplierOrderRef) {
        HttpResponse<byte[]> response = send(request(feed.resolve("orders/")
                .resolve(java.net.URLEncoder.encode(supplierOrderRef, StandardCharsets.UTF_8))).GET());
        requireOk(response);
        JsonObject status = json(response);
        Optional<String> tracking = Optional.ofNullable(status.getString("trackingNumber", null)).filter(t -> !t.isBlank());
        Progress progress = switch (status.getString("status", "")) {
            case "placed" -> Progress.PLACED;
            case "shipped" -> Progress.SHIPPED;
            case "delivered" -> Progress.DELIVERED;
            default -> throw new SupplierException("unknown order status in the supplier's answer");
        };
        return new SupplierOrderStatus(tracking.isEmpty() ? Progress.PLACED : progress,
                Optional.ofNullable(status.getString("carrier", null)), tracking);
    }

    private record Parsed(List<SupplierProduct> products, int skipped) {
    }

    private static Parsed parse(HttpResponse<byte[]> response) {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        String type = response.headers().firstValue("Content-Type").orElse("");
        return type.contains("json") ? parseJson(body) : parseCsv(body);
    }

    private static Parsed parseJson(String body) {
        JsonValue root;
        try {
            root = JsonP.JSON.createReader(new StringReader(body)).readValue();
        } catch (JsonException e) {
            throw new SupplierException("the feed is not JSON", e);
        }
        if (root.getValueType() != JsonValue.ValueType.OBJECT
                || root.asJsonObject().get("products") == null
                || root.asJsonObject().get("products").getValueType() != JsonValue.ValueType.ARRAY) {
            throw new SupplierException("the feed has no products array");
        }
        List<SupplierProduct> products = new ArrayList<>();
        int skipped = 0;
        for (JsonValue value : root.asJsonObject().getJsonArray("products")) {
            try {
                JsonObject p = value.asJsonObject();
                List<SupplierVariant> variants = new ArrayList<>();
                for (JsonValue v : p.getJsonArray("variants")) {
                    JsonObject variant = v.asJsonObject();
                    long cost = variant.getJsonNumber("cost").longValueExact();
                    long stock = variant.getJsonNumber("stock").longValueExact();
                    if (cost < 0 || stock < 0) {
                        throw new IllegalArgumentException("negative");
                    }
                    variants.add(new SupplierVariant(variant.getString("sku"), Map.of(), cost, stock));
                }
                products.add(new SupplierProduct(p.getString("id"), p.getString("category", null), p.getString("title"),
                        p.getString("description", ""), p.containsKey("imageUrl") ? List.of(p.getString("imageUrl"))
                        : List.of(), variants));
            } catch (RuntimeException unreadable) {
                skipped++;
            }
        }
        return new Parsed(products, skipped);
    }

    /** CSV rows grouped by product id, in the order they come. */
    private static Parsed parseCsv(String body) {
        List<List<String>> rows = Csv.parse(body);
        if (rows.isEmpty() || !rows.getFirst().equals(List.of("product_id", "sku", "title", "category", "cost", "stock"))) {
            throw new SupplierException("the feed's CSV header is not product_id,sku,title,category,cost,stock");
        }
        Map<String, SupplierProduct> products = new LinkedHashMap<>();
        int skipped = 0;
        for (List<String> row : rows.subList(1, rows.size())) {
            try {
                long cost = Long.parseLong(row.get(4));
                long stock = Long.parseLong(row.get(5));
                if (row.size() != 6 || cost < 0 || stock < 0 || row.get(0).isBlank() || row.get(1).isBlank()) {
                    throw new IllegalArgumentException("invalid row");
                }
                SupplierVariant variant = new SupplierVariant(row.get(1), Map.of(), cost, stock);
                products.merge(row.get(0), new SupplierProduct(row.get(0), row.get(3), row.get(2), "", List.of(),
                        List.of(variant)), (a, b) -> {
                    List<SupplierVariant> all = new ArrayList<>(a.variants());
                    all.addAll(b.variants());
                    return new SupplierProduct(a.id(), a.category(), a.title(), a.description(), a.imageUrls(), all);
                });
            } catch (RuntimeException unreadable) {
                skipped++;
            }
        }
        return new Parsed(List.copyOf(products.values()), skipped);
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri);
        if (!token.isEmpty()) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) {
        quota.take();
        try {
            return target.send(request.build());
        } catch (OutboundException e) {
            throw new SupplierException(e.getMessage(), e.retryAfter(), e);
        }
    }

    private static void requireOk(HttpResponse<byte[]> response) {
        if (response.statusCode() / 100 != 2) {
            throw new SupplierException("the feed supplier answered " + response.statusCode());
        }
    }

    private static JsonObject json(HttpResponse<byte[]> response) {
        try {
            return JsonP.JSON.createReader(new StringReader(new String(response.body(), StandardCharsets.UTF_8))).readObject();
        } catch (JsonException | IllegalStateException e) {
            throw new SupplierException("the feed supplier's answer is not a JSON object", e);
        }
    }
}
