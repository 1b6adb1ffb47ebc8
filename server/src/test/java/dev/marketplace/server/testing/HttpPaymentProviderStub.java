package dev.marketplace.server.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A WireMock payment provider on loopback, and the settings that point a test server's http provider at it. */
public final class HttpPaymentProviderStub {

    /** The provider's webhook signing secret (Standard Webhooks form). */
    public static final String WEBHOOK_SECRET = "whsec_" + Base64.getEncoder()
            .encodeToString("provider-webhook-secret-32-bytes".getBytes(StandardCharsets.UTF_8));

    private HttpPaymentProviderStub() {
    }

    /** {@code server} paying through the http provider at {@code provider} (loopback allowed as an outbound target). */
    public static TestServer payingThrough(TestServer server, WireMockServer provider) {
        return server.with("payments.provider", "http")
                .with("payments.http.base.url", "http://127.0.0.1:" + provider.port())
                .with("payments.http.api.key", "sk_test_marketplace")
                .with("payments.http.webhook.secret", WEBHOOK_SECRET)
                .with("outbound.allowed-private-networks.0", "127.0.0.1/32");
    }
}
