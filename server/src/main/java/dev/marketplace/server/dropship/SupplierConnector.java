package dev.marketplace.server.dropship;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One supplier API style (decision 39): the catalog, stock, orders and tracking of one merchant's account there.
 * Implementations call out (through {@code platform/outbound}, or in process for the simulated supplier) and are never
 * called inside a database transaction. A failed call throws {@link SupplierException}.
 */
public interface SupplierConnector {

    /** A page of the supplier's catalog; {@code cursor} empty for the first. */
    CatalogPage products(Optional<String> cursor);

    /**
     * The supplier's stock (and costs) changed since {@code marker} (the one a previous report returned; empty: all
     * of it). A report whose {@link StockReport#unchanged()} is true had nothing new (a feed answering 304).
     */
    StockReport stock(Optional<String> marker);

    /**
     * Places an order for one sub-order line; {@code idempotencyKey} is the line, so a repeated call (after a lost
     * answer) returns the first order's reference. A supplier's refusal is an outcome, not an exception.
     */
    PlacedOrder placeOrder(SupplierOrder order);

    /** Where the supplier's order stands, with its tracking once shipped. */
    SupplierOrderStatus orderStatus(String supplierOrderRef);

    record SupplierVariant(String sku, Map<String, String> attributes, long cost, long stock) {
        public SupplierVariant {
            attributes = Map.copyOf(attributes);
        }
    }

    record SupplierProduct(String id, String category, String title, String description, List<String> imageUrls,
                           List<SupplierVariant> variants) {
        public SupplierProduct {
            imageUrls = List.copyOf(imageUrls);
            variants = List.copyOf(variants);
        }
    }

    record CatalogPage(List<SupplierProduct> products, Optional<String> nextCursor) {
        public CatalogPage {
            products = List.copyOf(products);
        }
    }

    /** The stock of one supplier SKU (summed over the supplier's warehouses) and its current cost. */
    record SupplierStock(String sku, long quantity, long cost) {
    }

    /**
     * What a stock read found. {@code incremental}: only changes since the marker; {@code skipped}: items the supplier
     * sent unreadable (counted as failures, their stock left as it was); {@code nextMarker}: what the next read
     * starts from.
     */
    record StockReport(List<SupplierStock> items, boolean incremental, boolean unchanged, int skipped,
                       Optional<String> nextMarker) {
        public StockReport {
            items = List.copyOf(items);
        }

        static StockReport notChanged(Optional<String> marker) {
            return new StockReport(List.of(), true, true, 0, marker);
        }
    }

    record ShipTo(String name, String country, String postalCode, String region, String locality, String line1,
                  String line2, String phone) {
    }

    record SupplierOrder(String idempotencyKey, String sku, long quantity, ShipTo shipTo) {
    }

    sealed interface PlacedOrder {
        record Accepted(String supplierOrderRef) implements PlacedOrder {
        }

        record Refused(String reason) implements PlacedOrder {
        }
    }

    /** The supplier's order status, in the order it moves: placed, shipped (with tracking), delivered. */
    enum Progress {
        PLACED, SHIPPED, DELIVERED
    }

    record SupplierOrderStatus(Progress progress, Optional<String> carrier, Optional<String> trackingNumber) {
    }
}
