package dev.marketplace.sdk;

import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Passes every setting to the caller's builder and wraps whatever client it builds, so that the SDK's
 * behaviour (retries, authorisation) sits around the caller's own client (proxy, TLS, a test's validating
 * client) instead of replacing it. The generated {@code ApiClient} takes a builder, not a client, hence this.
 */
public final class DecoratingHttpClientBuilder implements HttpClient.Builder {

    private final HttpClient.Builder delegate;
    private final UnaryOperator<HttpClient> decoration;
    private final boolean once;
    private HttpClient built;

    /** Builds with {@code delegate}, then applies {@code decoration} to the client it built. */
    public DecoratingHttpClientBuilder(HttpClient.Builder delegate, UnaryOperator<HttpClient> decoration) {
        this(delegate, decoration, false);
    }

    private DecoratingHttpClientBuilder(HttpClient.Builder delegate, UnaryOperator<HttpClient> decoration, boolean once) {
        this.delegate = delegate;
        this.decoration = decoration;
        this.once = once;
    }

    /**
     * Like the constructor, but every {@link #build()} returns the one client built first. The generated API
     * classes each ask their {@code ApiClient} for a client; without this, every one of them would hold its own
     * connection pool and selector thread (a few file descriptors each, for as long as the client lives).
     */
    public static DecoratingHttpClientBuilder once(HttpClient.Builder delegate, UnaryOperator<HttpClient> decoration) {
        return new DecoratingHttpClientBuilder(delegate, decoration, true);
    }

    @Override
    public synchronized HttpClient build() {
        if (!once) {
            return decoration.apply(delegate.build());
        }
        if (built == null) {
            built = decoration.apply(delegate.build());
        }
        return built;
    }

    @Override
    public HttpClient.Builder cookieHandler(CookieHandler cookieHandler) {
        delegate.cookieHandler(cookieHandler);
        return this;
    }

    @Override
    public HttpClient.Builder connectTimeout(Duration duration) {
        delegate.connectTimeout(duration);
        return this;
    }

    @Override
    public HttpClient.Builder sslContext(SSLContext sslContext) {
        delegate.sslContext(sslContext);
        return this;
    }

    @Override
    public HttpClient.Builder sslParameters(SSLParameters sslParameters) {
        delegate.sslParameters(sslParameters);
        return this;
    }

    @Override
    public HttpClient.Builder executor(Executor executor) {
        delegate.executor(executor);
        return this;
    }

    @Override
    public HttpClient.Builder followRedirects(HttpClient.Redirect policy) {
        delegate.followRedirects(policy);
        return this;
    }

    @Override
    public HttpClient.Builder version(HttpClient.Version version) {
        delegate.version(version);
        return this;
    }

    @Override
    public HttpClient.Builder priority(int priority) {
        delegate.priority(priority);
        return this;
    }

    @Override
    public HttpClient.Builder proxy(ProxySelector proxySelector) {
        delegate.proxy(proxySelector);
        return this;
    }

    @Override
    public HttpClient.Builder authenticator(Authenticator authenticator) {
        delegate.authenticator(authenticator);
        return this;
    }

    @Override
    public HttpClient.Builder localAddress(InetAddress localAddress) {
        delegate.localAddress(localAddress);
        return this;
    }
}
