package dev.marketplace.server.dropship;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

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

    private final int products;
    private final int variantsPerProduct;
    /**
     * Stock and cost of the SKUs changed since the start, by position in the catalog; the others still have their
     * generated values, so nothing is built per SKU up front (10,000 products of 10 variants took 0.4 s of the start).
     */
    private final Map<Integer, long[]> changedValues = new HashMap<>();
    /** The change counter at each changed SKU's last change, by position: in catalog order. */
    private final NavigableMap<Integer, Long> changedAt = new TreeMap<>();
    private final Map<String, String> orderByKey = new HashMap<>();
    private final Map<String, SupplierOrderStatus> orders = new LinkedHashMap<>();
    private long clock;
    private boolean stopped;

    public SimulatedSupplier(int products, int variantsPerProduct) {
        if (variantsPerProduct < 1 || variantsPerProduct > 26) {
            throw new IllegalArgumentException("dropship.simulated.variants-per-product: 1 to 26");
        }
        this.products = products;
        this.variantsPerProduct = variantsPerProduct;
    }

    private static String sku(int product, int variant) {
        return productId(product) + "-" + (char) ('A' + variant);
    }

    private String sku(int position) {
        return sku(position / variantsPerProduct + 1, position % variantsPerProduct);
    }

    /** The SKU's position in the catalog (product by product, variant by variant), or -1 if it has none. */
    private int position(String sku) {
        int dash = sku.lastIndexOf('-');
        if (!sku.startsWith("SIM-P") || dash != sku.length() - 2) {
            return -1;
        }
        int product;
        try {
            product = Integer.parseInt(sku, "SIM-P".length(), dash, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
        int variant = sku.charAt(dash + 1) - 'A';
        boolean listed = product >= 1 && product <= products && variant >= 0 && variant < variantsPerProduct
                && sku.equals(sku(product, variant));
        return listed ? (product - 1) * variantsPerProduct + variant : -1;
    }

    /** Stock and cost now, {@code [stock, cost]}: to read only (see {@link #changing}). */
    private long[] values(int position) {
        long[] changed = changedValues.get(position);
        return changed != null ? changed : generated(position);
    }

    private long[] generated(int position) {
        int product = position / variantsPerProduct + 1;
        int variant = position % variantsPerProduct;
        return new long[] {10 + (product + variant) % 50, 500 + (product * 37L) % 5_000 + variant * 10L};
    }

    /** The SKU's values to change, its change recorded. */
    private long[] changing(int position) {
        long[] values = changedValues.computeIfAbsent(position, this::generated);
        changedAt.put(position, ++clock);
        return values;
    }

    private int listedPosition(String sku) {
        int position = position(sku);
        if (position < 0) {
            throw new IllegalArgumentException("the simulated supplier has no SKU " + sku);
        }
        return position;
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
        changing(listedPosition(sku))[0] = quantity;
    }

    public synchronized void setCost(String sku, long cost) {
        changing(listedPosition(sku))[1] = cost;
    }

    public synchronized long stockOf(String sku) {
        return values(listedPosition(sku))[0];
    }

    /** How many orders it took (each idempotency key once). */
    public synchronized int orderCount() {
        return orders.size();
    }

    @Override
    public synchronized CatalogPage products(Optional<String> cursor) {
        requireRunning();
        int from = cursor.map(Integer::parseInt).orElse(0);
        int to = Math.min(products, from + PAGE);
        List<SupplierProduct> page = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            int n = i + 1;
            List<SupplierVariant> variants = new ArrayList<>(variantsPerProduct);
            for (int v = 0; v < variantsPerProduct; v++) {
                long[] values = values(i * variantsPerProduct + v);
                variants.add(new SupplierVariant(sku(n, v), Map.of("size", v == 0 ? "standard" : "size " + (char) ('A' + v)),
                        values[1], values[0]));
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
        if (marker.isEmpty()) {
            for (int position = 0; position < products * variantsPerProduct; position++) {
                items.add(stockAt(position));
            }
        } else {
            changedAt.forEach((position, changed) -> {
                if (changed > since) {
                    items.add(stockAt(position));
                }
            });
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
        int position = position(order.sku());
        if (position < 0) {
            return new PlacedOrder.Refused("unknown SKU " + order.sku());
        }
        long stock = values(position)[0];
        if (stock < order.quantity()) {
            return new PlacedOrder.Refused("out of stock: " + stock + " left of " + order.sku());
        }
        changing(position)[0] -= order.quantity();
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

    private SupplierStock stockAt(int position) {
        long[] values = values(position);
        return new SupplierStock(sku(position), values[0], values[1]);
    }

    private void requireRunning() {
        if (stopped) {
            throw new SupplierException("the simulated supplier is stopped");
        }
    }
}
