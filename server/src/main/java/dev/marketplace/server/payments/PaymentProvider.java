package dev.marketplace.server.payments;

import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.webhooks.StandardWebhooks.InvalidWebhookException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The payment-provider port. Every call is idempotent by its idempotency key (a retry with the same key returns the
 * first outcome and never moves money twice) and is made outside any database transaction.
 *
 * <p>A decline is an outcome ({@link ProviderPayment.Status#DECLINED}), not an exception. A
 * {@link PaymentProviderException} with {@code outcomeUnknown} means the provider may or may not have acted (timeout,
 * 5xx, open circuit): the caller keeps its intent and later reconciles with {@link #findByIdempotencyKey}.
 */
public interface PaymentProvider {

    /** The name used in configuration, in stored payments and in the webhook path. */
    String name();

    /** Authorizes {@code amount} on the payment method, capturing at once when {@code capture} is set. */
    ProviderPayment authorize(AuthorizationRequest request);

    /** Captures up to the authorized amount. */
    ProviderPayment capture(String providerPaymentId, Money amount, String idempotencyKey);

    /** Releases an authorization that was not captured. */
    ProviderPayment voidAuthorization(String providerPaymentId, String idempotencyKey);

    /** Refunds part or all of what was captured; the sum of refunds never exceeds the capture. */
    ProviderRefund refund(String providerPaymentId, Money amount, String idempotencyKey);

    /** What the provider recorded for an authorization request's key: how a crash between call and write is repaired. */
    Optional<ProviderPayment> findByIdempotencyKey(String idempotencyKey);

    /** Checks a webhook's signature and reads it; a duplicate delivery carries the same {@link ProviderEvent#id()}. */
    ProviderEvent readWebhook(Map<String, List<String>> headers, byte[] body) throws InvalidWebhookException;

    /** What to authorize: {@code reference} is our payment's id, shown in the provider's records. */
    record AuthorizationRequest(String idempotencyKey, Money amount, String paymentMethod, String reference, boolean capture) {
    }
}
