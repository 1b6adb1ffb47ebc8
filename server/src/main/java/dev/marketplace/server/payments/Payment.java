package dev.marketplace.server.payments;

import dev.marketplace.server.platform.money.Money;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A payment of an order through a provider. {@code pending} is an intent whose outcome is not known yet (the call is
 * running, timed out, or the provider will answer by webhook); {@code providerPaymentId} is null until the provider
 * named its payment.
 */
public record Payment(UUID id, UUID orderId, String provider, String idempotencyKey, String paymentMethod,
                      PaymentStatus status, Money amount, Money refunded, String providerPaymentId, String failureCode,
                      OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    public enum PaymentStatus {
        PENDING, CAPTURED, DECLINED, FAILED, VOIDED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static PaymentStatus fromWireName(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }

        public boolean isFinal() {
            return this != PENDING;
        }
    }
}
