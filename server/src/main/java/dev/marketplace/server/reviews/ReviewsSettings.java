package dev.marketplace.server.reviews;

import io.helidon.config.Config;
import java.time.Duration;

/**
 * The reviews' settings ({@code reviews.*}, defaults in application.yaml).
 *
 * @param editWindow         how long after writing it a customer may change a review
 * @param negativeUpTo       ratings up to this many stars are negative: they start a reply deadline
 * @param replyWithin        the merchant's reply deadline for a negative review
 * @param serviceLevels      the thresholds and what follows from missing them
 */
record ReviewsSettings(Duration editWindow, int negativeUpTo, Duration replyWithin, ServiceLevelSettings serviceLevels) {

    /**
     * @param window              how far back the evaluation job looks
     * @param shippingWithin      the shipping promise after acceptance for sub-orders paid before V46 recorded their
     *                            promised ship-by time (decision 56)
     * @param replyInTime         the least share of negative reviews answered in time, in basis points
     * @param acceptanceInTime    the least share of sub-orders accepted by their deadline, in basis points
     * @param shippingInTime      the least share of accepted sub-orders shipped within the promise, in basis points
     * @param dataFreshInTime     the least share of a supplier-fed merchant's connected minutes with fresh data, in
     *                            basis points
     * @param minimumCases        a measure with fewer due cases than this is not judged
     * @param evaluateEvery       how often the evaluation job runs
     * @param freezeAutomatically whether a merchant still missing a threshold {@code freezeAfter} a warning is frozen
     *                            by the server; otherwise the operator decides (POST /v1/merchants/{id}/freeze)
     * @param freezeAfter         the grace period between the warning and the automatic freeze
     */
    record ServiceLevelSettings(Duration window, Duration shippingWithin, int replyInTime, int acceptanceInTime,
                                int shippingInTime, int dataFreshInTime, int minimumCases, Duration evaluateEvery,
                                boolean freezeAutomatically, Duration freezeAfter) {
    }

    ReviewsSettings {
        if (negativeUpTo < 0 || negativeUpTo > 5) {
            throw new IllegalArgumentException("reviews.negative-up-to: 0 to 5 stars");
        }
    }

    static ReviewsSettings from(Config reviews) {
        Config levels = reviews.get("service-levels");
        Config thresholds = levels.get("thresholds");
        return new ReviewsSettings(reviews.get("edit-window").as(Duration.class).get(),
                reviews.get("negative-up-to").asInt().get(),
                reviews.get("reply-within").as(Duration.class).get(),
                new ServiceLevelSettings(levels.get("window").as(Duration.class).get(),
                        levels.get("shipping-within").as(Duration.class).get(),
                        thresholds.get("reply-in-time-bp").asInt().get(),
                        thresholds.get("acceptance-in-time-bp").asInt().get(),
                        thresholds.get("shipping-in-time-bp").asInt().get(),
                        thresholds.get("data-fresh-in-time-bp").asInt().get(),
                        levels.get("minimum-cases").asInt().get(),
                        levels.get("evaluate-every").as(Duration.class).get(),
                        levels.get("freeze.automatic").asBoolean().get(),
                        levels.get("freeze.after-warning").as(Duration.class).get()));
    }
}
