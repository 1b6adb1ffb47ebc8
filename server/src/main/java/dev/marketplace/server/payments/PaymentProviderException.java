package dev.marketplace.server.payments;

/**
 * A provider call that did not produce an outcome. {@code outcomeUnknown}: the provider may have acted (timeout,
 * 5xx, open circuit), so the caller reconciles by idempotency key before trying anything else. Otherwise the
 * provider refused the request itself (e.g. capturing more than authorized) and nothing happened.
 */
public final class PaymentProviderException extends RuntimeException {

    private final boolean outcomeUnknown;
    private final String code;

    public PaymentProviderException(String code, String message, boolean outcomeUnknown, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.outcomeUnknown = outcomeUnknown;
    }

    public boolean outcomeUnknown() {
        return outcomeUnknown;
    }

    /** A stable code: {@code provider_unavailable}, {@code amount_exceeds_capture}, {@code unknown_payment}… */
    public String code() {
        return code;
    }
}
