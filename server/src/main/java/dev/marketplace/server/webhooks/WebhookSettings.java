package dev.marketplace.server.webhooks;

import io.helidon.config.Config;
import java.time.Duration;
import java.util.List;

/**
 * The {@code webhooks} configuration node; defaults in {@code application.yaml}.
 *
 * @param requireHttps      endpoints must be https (only tests and local development turn it off)
 * @param poll              how often each node's delivery worker looks for due deliveries
 * @param lease             how long a worker holds an endpoint it took (a killed node's endpoints wait this long)
 * @param endpointsPerClaim endpoints one worker sends to at once, each on its own virtual thread
 * @param batch             deliveries taken per endpoint at a time, sent in order
 * @param schedule          the waits after the 1st, 2nd … failed attempt; after the last the delivery fails and the
 *                          endpoint is disabled
 * @param jitter            each wait is shortened by up to this fraction at random, so failures spread out
 * @param responseHeadBytes how much of an answer the log keeps
 * @param retention         how long deliveries and attempts are kept
 * @param replayPerSecond   how fast a bulk replay's deliveries become due
 * @param replayMax         events one bulk replay resends at most
 */
record WebhookSettings(boolean requireHttps, Duration poll, Duration lease, int endpointsPerClaim, int batch,
                       List<Duration> schedule, double jitter, int responseHeadBytes, Duration retention,
                       int replayPerSecond, int replayMax) {

    WebhookSettings {
        schedule = List.copyOf(schedule);
        if (schedule.isEmpty()) {
            throw new IllegalArgumentException("webhooks.retry.schedule needs at least one wait");
        }
    }

    static WebhookSettings from(Config webhooks) {
        return new WebhookSettings(
                webhooks.get("require-https").asBoolean().get(),
                webhooks.get("delivery.poll").as(Duration.class).get(),
                webhooks.get("delivery.lease").as(Duration.class).get(),
                webhooks.get("delivery.endpoints-per-claim").asInt().get(),
                webhooks.get("delivery.batch").asInt().get(),
                webhooks.get("retry.schedule").asList(Duration.class).get(),
                webhooks.get("retry.jitter").asDouble().get(),
                webhooks.get("log.response-head-bytes").asInt().get(),
                webhooks.get("log.retention").as(Duration.class).get(),
                webhooks.get("replay.per-second").asInt().get(),
                webhooks.get("replay.max-events").asInt().get());
    }

    /** The wait after the n-th failed attempt (1-based), jittered; empty when the schedule is over. */
    java.util.Optional<Duration> waitAfter(int failedAttempts, double random) {
        if (failedAttempts > schedule.size()) {
            return java.util.Optional.empty();
        }
        Duration wait = schedule.get(failedAttempts - 1);
        return java.util.Optional.of(Duration.ofMillis(Math.round(wait.toMillis() * (1 - jitter * random))));
    }
}
