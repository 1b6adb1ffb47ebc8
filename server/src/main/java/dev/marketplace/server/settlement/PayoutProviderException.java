package dev.marketplace.server.settlement;

/**
 * A payout-provider call that did not produce an outcome. {@code outcomeUnknown}: the provider may have acted
 * (timeout, 5xx, open circuit, an unreadable answer), so the payout stays initiated until the reconciliation finds
 * out. Otherwise the provider refused the request itself and paid nothing.
 */
public final class PayoutProviderException extends RuntimeException {

    private final String code;
    private final boolean outcomeUnknown;

    public PayoutProviderException(String code, String message, boolean outcomeUnknown, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.outcomeUnknown = outcomeUnknown;
    }

    /** A stable code: {@code provider_unavailable}, {@code beneficiary_unknown}, … */
    public String code() {
        return code;
    }

    public boolean outcomeUnknown() {
        return outcomeUnknown;
    }
}
