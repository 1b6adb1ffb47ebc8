package dev.marketplace.sdk;

import dev.marketplace.sdk.invoker.ApiException;

/**
 * An {@link ApiException} (the connection failed after all retries, or an answer could not be read) thrown where a
 * checked exception cannot go, such as from the iterator of {@link Pages#all}. Error answers from the API are
 * {@link MarketplaceException}s and are never wrapped.
 */
public final class UncheckedApiException extends RuntimeException {

    UncheckedApiException(ApiException cause) {
        super(cause.getMessage(), cause);
    }

    @Override
    public synchronized ApiException getCause() {
        return (ApiException) super.getCause();
    }
}
