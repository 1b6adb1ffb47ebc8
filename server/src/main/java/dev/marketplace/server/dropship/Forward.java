package dev.marketplace.server.dropship;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/**
 * A sub-order line sent to its supplier. The supplier's idempotency key is {@link #idempotencyKey()}: the line, so
 * however often it is sent (an answer lost, a node died) the supplier makes one order of it.
 */
public record Forward(UUID id, UUID merchantId, UUID subOrderId, int lineNumber, UUID variantId, long quantity,
                      UUID connectionId, String supplierSku, ForwardStatus status, Optional<String> supplierOrderRef,
                      Optional<String> refusalReason, int attempts, OffsetDateTime dueAt, Optional<String> carrier,
                      Optional<String> trackingNumber, boolean shipmentRecorded, OffsetDateTime createdAt,
                      OffsetDateTime updatedAt) {

    public String idempotencyKey() {
        return subOrderId + ":" + lineNumber;
    }

    Forward with(ForwardStatus next, OffsetDateTime due) {
        return new Forward(id, merchantId, subOrderId, lineNumber, variantId, quantity, connectionId, supplierSku, next,
                supplierOrderRef, refusalReason, attempts, due, carrier, trackingNumber, shipmentRecorded, createdAt,
                updatedAt);
    }

    Forward forwarded(String ref, OffsetDateTime due) {
        return new Forward(id, merchantId, subOrderId, lineNumber, variantId, quantity, connectionId, supplierSku,
                ForwardStatus.FORWARDED, Optional.of(ref), Optional.empty(), attempts, due, carrier, trackingNumber,
                shipmentRecorded, createdAt, updatedAt);
    }

    Forward refused(String reason, OffsetDateTime due) {
        return new Forward(id, merchantId, subOrderId, lineNumber, variantId, quantity, connectionId, supplierSku,
                ForwardStatus.REFUSED, supplierOrderRef, Optional.of(reason), attempts, due, carrier, trackingNumber,
                shipmentRecorded, createdAt, updatedAt);
    }

    Forward via(UUID connection, String sku) {
        return new Forward(id, merchantId, subOrderId, lineNumber, variantId, quantity, connection, sku, status,
                supplierOrderRef, refusalReason, attempts, dueAt, carrier, trackingNumber, shipmentRecorded, createdAt,
                updatedAt);
    }

    Forward tracked(ForwardStatus next, String carrierName, String tracking, boolean recorded, OffsetDateTime due) {
        return new Forward(id, merchantId, subOrderId, lineNumber, variantId, quantity, connectionId, supplierSku, next,
                supplierOrderRef, refusalReason, attempts, due, Optional.of(carrierName), Optional.of(tracking), recorded,
                createdAt, updatedAt);
    }
}
