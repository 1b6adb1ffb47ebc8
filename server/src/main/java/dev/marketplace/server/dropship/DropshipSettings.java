package dev.marketplace.server.dropship;

import io.helidon.config.Config;
import java.time.Duration;

/**
 * The {@code dropship} configuration node (defaults in application.yaml; decision 39).
 *
 * @param syncEvery          a new connection's stock sync interval (the seeds: at least every 10 minutes)
 * @param staleAfter         a connection whose last successful sync is older stops selling (the seeds: 30 minutes)
 * @param syncLease          how long a node's claim on a connection's sync holds (longer than a sync takes)
 * @param retryAfterFailure  the wait after a failed sync, unless the supplier asked for a longer one (Retry-After)
 * @param forwardLease       how long a claimed forward waits before it is sent again (an unknown outcome)
 * @param trackingEvery      how often a forwarded line's tracking is read from its supplier
 * @param simulatedProducts  the built-in supplier's catalog size
 * @param simulatedVariants  the built-in supplier's variants per product
 * @param sweep              how often each node looks for due syncs, stale connections and due tracking
 */
record DropshipSettings(Duration syncEvery, Duration staleAfter, Duration syncLease, Duration retryAfterFailure,
                        Duration forwardLease, Duration trackingEvery, int simulatedProducts, int simulatedVariants,
                        Duration sweep) {

    static DropshipSettings from(Config config) {
        return new DropshipSettings(
                config.get("sync.every").as(Duration.class).get(),
                config.get("stale.after").as(Duration.class).get(),
                config.get("sync.lease").as(Duration.class).get(),
                config.get("sync.retry-after-failure").as(Duration.class).get(),
                config.get("forwarding.lease").as(Duration.class).get(),
                config.get("tracking.every").as(Duration.class).get(),
                config.get("simulated.products").asInt().get(),
                config.get("simulated.variants-per-product").asInt().get(),
                config.get("jobs.sweep").as(Duration.class).get());
    }
}
