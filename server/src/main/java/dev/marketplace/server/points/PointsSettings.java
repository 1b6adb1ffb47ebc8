package dev.marketplace.server.points;

import io.helidon.config.Config;
import java.time.Duration;

/** The programme's settings ({@code points.*}, defaults in application.yaml). */
record PointsSettings(String currency, long pointValue, int baseRateBasisPoints, Duration returnWindow,
                      Duration validity, long maxPerOrder, Duration unpaidGrace, Duration tierWindow,
                      MerchantCampaignLimits merchantCampaigns) {

    /** The operator's limits on a merchant's own campaigns. */
    record MerchantCampaignLimits(int maxMultiplierBasisPoints, Duration maxDuration, long maxCapPerOrder) {
    }

    PointsSettings {
        if (pointValue < 1 || baseRateBasisPoints < 0 || maxPerOrder < 0) {
            throw new IllegalArgumentException("points: point-value ≥ 1, base-rate-bp and max-per-order ≥ 0");
        }
    }

    static PointsSettings from(Config points) {
        Config limits = points.get("merchant-campaigns");
        return new PointsSettings(points.get("currency").asString().get(),
                points.get("point-value").asLong().get(),
                points.get("base-rate-bp").asInt().get(),
                points.get("return-window").as(Duration.class).get(),
                points.get("validity").as(Duration.class).get(),
                points.get("max-per-order").asLong().get(),
                points.get("unpaid-grace").as(Duration.class).get(),
                points.get("tier-window").as(Duration.class).get(),
                new MerchantCampaignLimits(limits.get("max-multiplier-bp").asInt().get(),
                        limits.get("max-duration").as(Duration.class).get(),
                        limits.get("max-cap-per-order").asLong().get()));
    }
}
