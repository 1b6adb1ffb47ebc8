package dev.marketplace.sdk;

import dev.marketplace.sdk.TokenEndpoint.IssuedToken;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A signed-in customer's tokens: the access token is renewed with the refresh token shortly before it expires (or
 * when the API rejects it), single-flight, and a rotated refresh token replaces the spent one at once.
 */
final class CustomerTokenSource implements TokenSource {

    private final TokenEndpoint endpoint;
    private final Consumer<String> onRefreshTokenChanged;
    private final Clock clock = Clock.systemUTC();
    private final ReentrantLock refreshing = new ReentrantLock();
    private final AtomicReference<IssuedToken> current;

    CustomerTokenSource(TokenEndpoint endpoint, IssuedToken issued, Consumer<String> onRefreshTokenChanged) {
        this.endpoint = endpoint;
        this.current = new AtomicReference<>(issued);
        this.onRefreshTokenChanged = onRefreshTokenChanged;
    }

    @Override
    public String accessToken() throws IOException, InterruptedException {
        IssuedToken token = current.get();
        if (token.usableAt(clock.instant())) {
            return token.accessToken();
        }
        refreshing.lockInterruptibly();
        try {
            token = current.get();
            if (!token.usableAt(clock.instant())) {
                token = refreshed(token);
            }
            return token.accessToken();
        } finally {
            refreshing.unlock();
        }
    }

    @Override
    public void forget(String rejectedToken) {
        current.updateAndGet(token -> token.accessToken().equals(rejectedToken)
                ? new IssuedToken(token.accessToken(), Instant.MIN, token.refreshToken()) : token);
    }

    /** The refresh token to save for later; it changes with every renewal. */
    String refreshToken() {
        return current.get().refreshToken();
    }

    private IssuedToken refreshed(IssuedToken spent) throws IOException, InterruptedException {
        if (spent.refreshToken() == null) {
            throw new IOException("the customer's access token expired and no refresh token was issued: sign in again");
        }
        IssuedToken issued = endpoint.request(Map.of("grant_type", "refresh_token", "refresh_token", spent.refreshToken()));
        IssuedToken kept = issued.refreshToken() != null ? issued
                : new IssuedToken(issued.accessToken(), issued.renewAt(), spent.refreshToken());
        current.set(kept);
        if (!kept.refreshToken().equals(spent.refreshToken())) {
            onRefreshTokenChanged.accept(kept.refreshToken());
        }
        return kept;
    }
}
