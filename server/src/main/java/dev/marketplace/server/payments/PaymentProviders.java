package dev.marketplace.server.payments;

import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.webhooks.StandardWebhooks;
import io.helidon.config.Config;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/**
 * Chooses the payment provider from configuration: {@code payments.provider} is {@code test} (the default: the
 * built-in {@link TestPaymentProvider}) or {@code http} (an external provider's REST API through the outbound
 * target {@code payments}: {@link HttpPaymentProvider}, set up under {@code payments.http.*}). The test provider's webhooks are checked with {@code payments.test.webhook.secret}
 * (Standard Webhooks, {@code whsec_<base64>}); without one a random secret is generated at start, so only this
 * process can sign its webhooks.
 */
public final class PaymentProviders {

    /** How far a webhook's timestamp may be from now (Standard Webhooks recommends five minutes). */
    private static final Duration WEBHOOK_TOLERANCE = Duration.ofMinutes(5);

    private PaymentProviders() {
    }

    public static PaymentProvider from(Config payments, OutboundHttp outbound) {
        String name = payments.get("provider").asString().get();
        if (name.equals("http")) {
            return HttpPaymentProvider.create(payments.get("http"), outbound, Clock.systemUTC());
        }
        if (!name.equals("test")) {
            throw new IllegalArgumentException("unknown payments.provider '" + name + "' (known: test, http)");
        }
        String secret = payments.get("test.webhook.secret").asString().orElseGet(PaymentProviders::randomSecret);
        return new TestPaymentProvider(new StandardWebhooks(secret, WEBHOOK_TOLERANCE), Clock.systemUTC());
    }

    private static String randomSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return "whsec_" + Base64.getEncoder().encodeToString(secret);
    }
}
