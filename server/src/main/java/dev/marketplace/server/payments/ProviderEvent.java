package dev.marketplace.server.payments;

import dev.marketplace.server.platform.money.Money;

/**
 * A provider's asynchronous result, read from a verified webhook. {@code id} is the webhook's id: handling the same
 * event twice must change nothing. {@code refundId} is set for refund events only.
 */
public record ProviderEvent(String id, Type type, String paymentId, String refundId, Money amount, String declineCode) {

    public enum Type {
        PAYMENT_AUTHORIZED("payment.authorized"),
        PAYMENT_CAPTURED("payment.captured"),
        PAYMENT_DECLINED("payment.declined"),
        PAYMENT_VOIDED("payment.voided"),
        REFUND_SUCCEEDED("refund.succeeded"),
        REFUND_FAILED("refund.failed");

        private final String wireName;

        Type(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static java.util.Optional<Type> fromWireName(String name) {
            for (Type type : values()) {
                if (type.wireName.equals(name)) {
                    return java.util.Optional.of(type);
                }
            }
            return java.util.Optional.empty();
        }
    }
}
