package dev.marketplace.server.dropship;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in supplier (like the test payment provider): a generated catalog of {@code products} products with
 * {@code variantsPerProduct} variants each (1 by default; the benchmark's 100,000-variant sync uses 10), in memory, so
 * connecting, importing, syncing, forwarding and tracking run on a fresh machine with nothing external.
 * Deterministic: product {@code n} is {@code SIM-P<n>} with SKUs {@code SIM-P<n>-A}, {@code -B}, …. Each status
 * query of an order moves it one step (placed → shipped with tracking → delivered). {@link #stop()} makes every call
 * fail, as a supplier outage would; the demo and the tests use it and the stock and cost setters.
 */
public final class SimulatedSupplier implements SupplierConnector {

    private static final String[] CATEGORIES = {"Home", "Kitchen", "Garden", "Toys"};
    private static final String[] WORDS = {"Oak", "Linen", "Steel", "Bamboo", "Cotton", "Ceramic", "Glass", "Wool"};
    private static final String[] THINGS = {"Lamp", "Bowl", "Planter", "Blanket", "Mug", "Shelf", "Basket", "Kite"};
    private static final int PAGE = 500;

    private final int variantsPerProduct;
    private final List<String> skus = new ArrayList<>();
    private final Map<String, long[]> stockAndCost = new HashMap<>();
    private final Map<String, Long> changedAt = new HashMap<>();
    private final Map<String, String> orderByKey = new HashMap<>();
    private final Map<String, SupplierOrderStatus> orders = new LinkedHashMap<>();
    private long clock;
    private boolean stopped;

    public SimulatedSupplier(int products, int variantsPerProduct) {
        if (variantsPerProduct < 1 || variantsPerProduct > 26) {
            throw new IllegalArgumentException("dropship.simulated.variants-per-product: 1 to 26");
        }
        this.variantsPerProduct = variantsPerProduct;
        for (int n = 1; n <= products; n++) {
            for (int v = 0; v < variantsPerProduct; v++) {
                String sku = sku(n, v);
                skus.add(sku);
                stockAndCost.put(sku, new long[] {10 + (n + v) % 50, 500 + (n * 37L) % 5_000 + v * 10L});
                changedAt.put(sku, 0L);
            }
        }
    }

    private static String sku(int product, int variant) {
        return productId(product) + "-" + (char) ('A' + variant);
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
        int products = skus.size() / variantsPerProduct;
        int from = cursor.map(Integer::parseInt).orElse(0);
        int to = Math.min(products, from + PAGE);
        List<SupplierProduct> page = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            int n = i + 1;
            List<SupplierVariant> variants = new ArrayList<>(variantsPerProduct);
            for (int v = 0; v < variantsPerProduct; v++) {
                String sku = sku(n, v);
                variants.add(new SupplierVariant(sku, Map.of("size", v == 0 ? "standard" : "size " + (char) ('A' + v)),
                        stockAndCost.get(sku)[1], stockAndCost.get(sku)[0]));
            }
            page.add(new SupplierProduct(productId(n), CATEGORIES[n % CATEGORIES.length],
                    WORDS[n % WORDS.length] + " " + THINGS[(n / WORDS.length) % THINGS.length] + " " + n,
                    "Shipped by the simulated supplier.", List.of("https://images.example.com/sim/" + n + ".jpg"),
                    variants));
        }
        return new CatalogPage(page, to < products ? Optional.of(Integer.toString(to)) : Optional.empty());
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
