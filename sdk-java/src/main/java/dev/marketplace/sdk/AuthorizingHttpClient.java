package dev.marketplace.sdk;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Sends each request with a bearer token from its {@link TokenSource} (client credentials, or a customer's sign-in). When the API answers 401 with
 * {@code WWW-Authenticate: Bearer error="invalid_token"} (the token was revoked, or the server's keys rotated
 * before the token's stated expiry), the token is dropped, a new one fetched and the request sent once more.
 */
final class AuthorizingHttpClient extends DelegatingHttpClient {

    private static final Pattern INVALID_TOKEN_CHALLENGE =
            Pattern.compile("\\bBearer\\b.*\\berror\\s*=\\s*\"?invalid_token\\b", Pattern.CASE_INSENSITIVE);

    private final TokenSource tokens;

    AuthorizingHttpClient(HttpClient delegate, TokenSource tokens) {
        super(delegate);
        this.tokens = tokens;
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        String token = tokens.accessToken();
        AtomicBoolean tokenRejected = new AtomicBoolean();
        HttpResponse<T> response = delegate.send(withBearer(request, token), info -> {
            if (rejectsToken(info)) {
                tokenRejected.set(true);
                return HttpResponse.BodySubscribers.replacing(null);
            }
            return handler.apply(info);
        });
        if (!tokenRejected.get()) {
            return response;
        }
        tokens.forget(token);
        return delegate.send(withBearer(request, tokens.accessToken()), handler);
    }

    private static boolean rejectsToken(HttpResponse.ResponseInfo info) {
        return info.statusCode() == 401 && info.headers().allValues("WWW-Authenticate").stream()
                .anyMatch(challenge -> INVALID_TOKEN_CHALLENGE.matcher(challenge).find());
    }

    private static HttpRequest withBearer(HttpRequest request, String token) {
        return HttpRequest.newBuilder(request, (name, value) -> !name.equalsIgnoreCase("Authorization"))
                .header("Authorization", "Bearer " + token)
                .build();
    }
}
