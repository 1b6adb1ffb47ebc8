package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.outbound.OutboundHttp;
import io.helidon.config.Config;

/**
 * Chooses the payout provider from {@code settlement.payouts.provider}: {@code test} (the default: the built-in
 * {@link TestPayoutProvider}) or {@code http} ({@link HttpPayoutProvider}, set up under
 * {@code settlement.payouts.http.*}, calling through the outbound target {@code payouts}).
 */
final class PayoutProviders {

    private PayoutProviders() {
    }

    static PayoutProvider from(Config payouts, OutboundHttp outbound) {
        String name = payouts.get("provider").asString().get();
        return switch (name) {
            case "test" -> new TestPayoutProvider();
            case "http" -> HttpPayoutProvider.create(payouts.get("http"), outbound);
            default -> throw new IllegalArgumentException("unknown settlement.payouts.provider '" + name + "' (known: test, http)");
        };
    }
}
