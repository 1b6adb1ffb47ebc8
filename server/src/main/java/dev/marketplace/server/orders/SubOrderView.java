package dev.marketplace.server.orders;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A merchant's part of an order as the merchant works on it: the sub-order, where to ship it, how much of each line
 * has shipped, its shipments and its deadlines ({@code shipByAt}: the promised shipment, decision 56; null before
 * payment and for sub-orders paid before it was recorded).
 */
public record SubOrderView(UUID orderId, Order.SubOrder subOrder, Order.ShippingAddress shippingAddress,
                           Map<Integer, Long> shippedByLine, List<Shipment> shipments, OffsetDateTime acceptanceDueAt,
                           OffsetDateTime shippedAt, OffsetDateTime deliveredAt, OffsetDateTime escrowReleasedAt,
                           OffsetDateTime shipByAt) {

    public SubOrderView {
        shippedByLine = Map.copyOf(shippedByLine);
        shipments = List.copyOf(shipments);
    }

    public record Shipment(UUID id, String carrier, String trackingNumber, Map<Integer, Long> quantitiesByLine,
                           OffsetDateTime shippedAt) {
        public Shipment {
            quantitiesByLine = Map.copyOf(quantitiesByLine);
        }
    }
}
