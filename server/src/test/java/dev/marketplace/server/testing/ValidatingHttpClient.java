package dev.marketplace.server.testing;

import dev.marketplace.sdk.DecoratingHttpClientBuilder;
import dev.marketplace.sdk.DelegatingHttpClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLSession;

/**
 * A JDK HTTP client that checks every response against the contract ({@link ContractValidator}) before
 * handing it to the caller. The SDK under test and the raw-HTTP tests both send through it, so no response
 * in the integration tests escapes validation.
 */
public final class ValidatingHttpClient extends DelegatingHttpClient {

    private ValidatingHttpClient(HttpClient delegate) {
        super(delegate);
    }

    public static ValidatingHttpClient create() {
        return new ValidatingHttpClient(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    }

    /** A builder for the SDK: whatever it configures, the client it builds validates. */
    public static HttpClient.Builder builder() {
        return new DecoratingHttpClientBuilder(HttpClient.newBuilder(), ValidatingHttpClient::new);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return validatedAndReplayed(delegate.send(request, HttpResponse.BodyHandlers.ofByteArray()), handler);
    }

    private static <T> HttpResponse<T> validatedAndReplayed(HttpResponse<byte[]> raw, HttpResponse.BodyHandler<T> handler) {
        ContractValidator.instance().validate(raw.request().method(), raw.uri(), raw.statusCode(), raw.headers(), raw.body());
        return new Replayed<>(raw, replay(raw, handler));
    }

    /** Feeds the buffered body to the caller's handler, as if it had come from the network. */
    private static <T> T replay(HttpResponse<byte[]> raw, HttpResponse.BodyHandler<T> handler) {
        HttpResponse.BodySubscriber<T> subscriber = handler.apply(new HttpResponse.ResponseInfo() {
            @Override
            public int statusCode() {
                return raw.statusCode();
            }

            @Override
            public HttpHeaders headers() {
                return raw.headers();
            }

            @Override
            public Version version() {
                return raw.version();
            }
        });
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
            }
        });
        if (raw.body().length > 0) {
            subscriber.onNext(List.of(ByteBuffer.wrap(raw.body())));
        }
        subscriber.onComplete();
        return subscriber.getBody().toCompletableFuture().join();
    }

    private record Replayed<T>(HttpResponse<byte[]> raw, T body) implements HttpResponse<T> {
        @Override
        public int statusCode() {
            return raw.statusCode();
        }

        @Override
        public HttpRequest request() {
            return raw.request();
        }

        @Override
        public Optional<HttpResponse<T>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public HttpHeaders headers() {
            return raw.headers();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return raw.sslSession();
        }

        @Override
        public URI uri() {
            return raw.uri();
        }

        @Override
        public Version version() {
            return raw.version();
        }
    }
}
