package dev.marketplace.server.dropship;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in supplier (like the test payment provider): a generated catalog of {@code products} products with one
 * variant each, in memory, so connecting, importing, syncing, forwarding and tracking run on a fresh machine with
 * nothing external. Deterministic: product {@code n} is {@code SIM-P<n>} with SKU {@code SIM-P<n>-A}. Each status
 * query of an order moves it one step (placed → shipped with tracking → delivered). {@link #stop()} makes every call
 * fail, as a supplier outage would; the demo and the tests use it and the stock and cost setters.
 */
public final class SimulatedSupplier implements SupplierConnector {

    private static final String[] CATEGORIES = {"Home", "Kitchen", "Garden", "Toys"};
    private static final String[] WORDS = {"Oak", "Linen", "Steel", "Bamboo", "Cotton", "Ceramic", "Glass", "Wool"};
    private static final String[] THINGS = {"Lamp", "Bowl", "Planter", "Blanket", "Mug", "Shelf", "Basket", "Kite"};
    private static final int PAGE = 500;

    private final List<String> skus = new ArrayList<>();
    private final Map<String, long[]> stockAndCost = new HashMap<>();
    private final Map<String, Long> changedAt = new HashMap<>();
    private final Map<String, String> orderByKey = new HashMap<>();
    private final Map<String, SupplierOrderStatus> orders = new LinkedHashMap<>();
    private long clock;
    private boolean stopped;

    public SimulatedSupplier(int products) {
        for (int n = 1; n <= products; n++) {
            String sku = productId(n) + "-A";
            skus.add(sku);
            stockAndCost.put(sku, new long[] {10 + n % 50, 500 + (n * 37L) % 5_000});
            changedAt.put(sku, 0L);
        }
    }

    static String productId(int n) {
        return "SIM-P%06d".formatted(n);
    }

    public synchronized void stop() {
        stopped = true;
    }

    public synchronized void start() {
        stopped = false;
    }

    public synchronized void setStock(String sku, long quantity) {
        stockAndCost.get(sku)[0] = quantity;
        changedAt.put(sku, ++clock);
    }

    public synchronized void setCost(String sku, long cost) {
        stockAndCost.get(sku)[1] = cost;
        changedAt.put(sku, ++clock);
    }

    public synchronized long stockOf(String sku) {
        return stockAndCost.get(sku)[0];
    }

    /** How many orders it took (each idempotency key once). */
    public synchronized int orderCount() {
        return orders.size();
    }

    @Override
    public synchronized CatalogPage products(Optional<String> cursor) {
        requireRunning();
        int from = cursor.map(Integer::parseInt).orElse(0);
        int to = Math.min(skus.size(), from + PAGE);
        List<SupplierProduct> page = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            int n = i + 1;
            String sku = skus.get(i);
            page.add(new SupplierProduct(productId(n), CATEGORIES[n % CATEGORIES.length],
                    WORDS[n % WORDS.length] + " " + THINGS[(n / WORDS.length) % THINGS.length] + " " + n,
                    "Shipped by the simulated supplier.", List.of("https://images.example.com/sim/" + n + ".jpg"),
                    List.of(new SupplierVariant(sku, Map.of("size", "standard"), stockAndCost.get(sku)[1],
                            stockAndCost.get(sku)[0]))));
        }
        return new CatalogPage(page, to < skus.size() ? Optional.of(Integer.toString(to)) : Optional.empty());
    }

    /** Incremental: the marker is the supplier's change counter; only SKUs changed after it are reported. */
    @Override
    public synchronized StockReport stock(Optional<String> marker) {
        requireRunning();
        long since = marker.map(Long::parseLong).orElse(-1L);
        List<SupplierStock> items = new ArrayList<>();
        for (String sku : skus) {
            if (changedAt.get(sku) > since) {
                long[] values = stockAndCost.get(sku);
                items.add(new SupplierStock(sku, values[0], values[1]));
            }
        }
        return new StockReport(items, marker.isPresent(), false, 0, Optional.of(Long.toString(clock)));
    }

    @Override
    public synchronized PlacedOrder placeOrder(SupplierOrder order) {
        requireRunning();
        String existing = orderByKey.get(order.idempotencyKey());
        if (existing != null) {
            return new PlacedOrder.Accepted(existing);
        }
        long[] values = stockAndCost.get(order.sku());
        if (values == null) {
            return new PlacedOrder.Refused("unknown SKU " + order.sku());
        }
        if (values[0] < order.quantity()) {
            return new PlacedOrder.Refused("out of stock: " + values[0] + " left of " + order.sku());
        }
        values[0] -= order.quantity();
        changedAt.put(order.sku(), ++clock);
        String ref = "SIM-O%06d".formatted(orders.size() + 1);
        orderByKey.put(order.idempotencyKey(), ref);
        orders.put(ref, new SupplierOrderStatus(Progress.PLACED, Optional.empty(), Optional.empty()));
        return new PlacedOrder.Accepted(ref);
    }

    @Override
    public synchronized SupplierOrderStatus orderStatus(String supplierOrderRef) {
        requireRunning();
        SupplierOrderStatus now = orders.get(supplierOrderRef);
        if (now == null) {
            throw new SupplierException("the simulated supplier has no order " + supplierOrderRef);
        }
        SupplierOrderStatus next = switch (now.progress()) {
            case PLACED -> new SupplierOrderStatus(Progress.SHIPPED, Optional.of("sim-post"),
                    Optional.of("SIMTRACK" + supplierOrderRef.substring(5)));
            case SHIPPED, DELIVERED -> new SupplierOrderStatus(Progress.DELIVERED, now.carrier(), now.trackingNumber());
        };
        orders.put(supplierOrderRef, next);
        return next;
    }

    private void requireRunning() {
        if (stopped) {
            throw new SupplierException("the simulated supplier is stopped");
        }
    }
}
