package dev.marketplace.server.partners;

import io.helidon.config.Config;
import java.time.Duration;

/**
 * {@code partners.*}: how the outbound exchange's unknown outcomes are followed up, and the inbound reversal window.
 *
 * @param firstCheckAfter how long after an unanswered credit call the reconciliation job first asks the partner
 * @param longestCheckInterval the longest wait between two questions (the interval doubles from the first)
 * @param giveUpAfter after this, a credit the partner says it never received is released rather than sent again
 * @param reversalWindow how long a partner may reverse an inbound exchange
 * @param checkBatch pending exchanges one run of the job asks about
 */
record PartnersSettings(Duration firstCheckAfter, Duration longestCheckInterval, Duration giveUpAfter,
                        Duration reversalWindow, int checkBatch) {

    static PartnersSettings from(Config partners) {
        return new PartnersSettings(
                partners.get("first-check-after").as(Duration.class).get(),
                partners.get("longest-check-interval").as(Duration.class).get(),
                partners.get("give-up-after").as(Duration.class).get(),
                partners.get("reversal-window").as(Duration.class).get(),
                partners.get("check-batch").asInt().get());
    }
}
