package dev.marketplace.sdk;

import dev.marketplace.sdk.MarketplaceException.AuthenticationException;
import dev.marketplace.sdk.TokenEndpoint.IssuedToken;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Obtains access tokens with the OAuth2 client credentials grant (RFC 6749 §4.4) and keeps each one until
 * shortly before it expires, so that calls neither wait for a token nor fail on one that ran out in flight.
 * Fetching is single-flight: however many threads need a new token at once, one request is sent.
 */
final class ClientCredentialsTokenSource implements TokenSource {

    private final TokenEndpoint endpoint;
    private final Map<String, String> form;
    private final Clock clock;
    private final ReentrantLock fetching = new ReentrantLock();
    private final AtomicReference<IssuedToken> cached = new AtomicReference<>();

    /** Asks for {@code scopes} when there are any, else for the client's default scopes. */
    ClientCredentialsTokenSource(TokenEndpoint endpoint, List<String> scopes, Clock clock) {
        this.endpoint = endpoint;
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        if (!scopes.isEmpty()) {
            form.put("scope", String.join(" ", scopes));
        }
        this.form = Map.copyOf(form);
        this.clock = clock;
    }

    /**
     * @throws AuthenticationException when the token endpoint refuses the client (code: the OAuth2 error)
     * @throws IOException             when the token endpoint cannot be reached or answers nonsense
     */
    @Override
    public String accessToken() throws IOException, InterruptedException {
        IssuedToken token = cached.get();
        if (token != null && token.usableAt(clock.instant())) {
            return token.accessToken();
        }
        fetching.lockInterruptibly();
        try {
            token = cached.get();
            if (token == null || !token.usableAt(clock.instant())) {
                token = endpoint.request(form);
                cached.set(token);
            }
            return token.accessToken();
        } finally {
            fetching.unlock();
        }
    }

    @Override
    public void forget(String rejectedToken) {
        cached.updateAndGet(token -> token != null && token.accessToken().equals(rejectedToken) ? null : token);
    }
}
