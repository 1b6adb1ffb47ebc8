package dev.marketplace.sdk;

import java.net.http.HttpRequest;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Gives every POST an {@code Idempotency-Key} (a random UUID) unless the caller set one in the generated
 * method's {@code headers}, so that the server acts on a POST once however often the SDK has to resend it.
 * A caller who repeats an operation themselves (say after a crash) passes their own stored key instead.
 */
final class IdempotencyKeyInterceptor implements Consumer<HttpRequest.Builder> {

    static final String HEADER = "Idempotency-Key";

    @Override
    public void accept(HttpRequest.Builder builder) {
        HttpRequest request = builder.copy().build(); // a builder cannot be asked for its method or headers
        if ("POST".equals(request.method()) && request.headers().firstValue(HEADER).isEmpty()) {
            builder.header(HEADER, UUID.randomUUID().toString());
        }
    }
}
