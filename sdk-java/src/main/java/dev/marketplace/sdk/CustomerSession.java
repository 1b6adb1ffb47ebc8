package dev.marketplace.sdk;

/**
 * A signed-in customer, from {@link CustomerSignIn#complete} or {@link CustomerSignIn#resume}: a client acting for
 * the customer, and the refresh token to keep.
 */
public final class CustomerSession {

    private final MarketplaceClient client;
    private final CustomerTokenSource tokens;

    CustomerSession(MarketplaceClient client, CustomerTokenSource tokens) {
        this.client = client;
        this.tokens = tokens;
    }

    /**
     * The SDK acting for the customer: it sends the customer's access token and renews it with the refresh token
     * shortly before it expires. A refused renewal (the customer signed out everywhere, or was erased) throws
     * {@link MarketplaceException.AuthenticationException} with code {@code invalid_grant}: sign in again.
     */
    public MarketplaceClient client() {
        return client;
    }

    /** The latest refresh token (rotated on every renewal; each is good once), to resume this session later. */
    public String refreshToken() {
        return tokens.refreshToken();
    }
}
