package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.money.Money;
import java.util.Optional;
import java.util.UUID;

/**
 * The payout-provider port: the bank transfer of a merchant's payout. Every call is idempotent by its idempotency
 * key (a repeat with the same key answers the first outcome and never pays twice) and is made outside any database
 * transaction.
 *
 * <p>A decline is an outcome ({@link ProviderPayout.Status#FAILED}), not an exception. A
 * {@link PayoutProviderException} with {@code outcomeUnknown} means the provider may or may not have acted (timeout,
 * 5xx, open circuit): the payout stays initiated and the reconciliation asks {@link #findByIdempotencyKey}.
 */
public interface PayoutProvider {

    /** The name used in configuration and stored with each payout. */
    String name();

    /**
     * Pays {@code amount} to the payee's bank account on file at the provider: the beneficiary is the merchant, or the
     * sales channel (decision 43), by its id.
     */
    ProviderPayout pay(PayoutRequest request);

    /** What the provider recorded for a payout's key: how a lost answer, or a crash after the call, is repaired. */
    Optional<ProviderPayout> findByIdempotencyKey(String idempotencyKey);

    /** What to pay: {@code reference} is our payout's id, shown on the provider's records and the bank statement. */
    record PayoutRequest(String idempotencyKey, UUID payeeId, Money amount, String reference) {
    }

    /** The provider's payout: {@code failureCode} set when it failed. */
    record ProviderPayout(String id, Status status, String failureCode) {

        public enum Status {
            /** Accepted, not yet paid: the reconciliation asks again later. */
            PENDING,
            PAID,
            FAILED
        }
    }
}
