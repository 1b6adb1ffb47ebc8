package dev.marketplace.server.channels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The progressive tiers of decision 41 at their edges, with half-even rounding per part. */
class ShareTiersTest {

    private static final ShareTiers SEED = new ShareTiers(List.of(new ShareTiers.Tier(1_000_000, 1200),
            new ShareTiers.Tier(0, 1500), new ShareTiers.Tier(5_000_000, 1000)));

    @Test
    void aBaseBelowTheFirstThresholdIsOnePartAtTheFirstRate() {
        assertThat(SEED.parts(0, 300_000)).containsExactly(new ShareTiers.Part(0, 1500, 300_000, 45_000));
    }

    @Test
    void endingExactlyAtAThresholdStaysBelowItAndStartingThereIsAboveIt() {
        assertThat(SEED.parts(700_000, 300_000)).containsExactly(new ShareTiers.Part(0, 1500, 300_000, 45_000));
        assertThat(SEED.parts(1_000_000, 100_000))
                .containsExactly(new ShareTiers.Part(1_000_000, 1200, 100_000, 12_000));
    }

    @Test
    void aBaseSpanningTwoThresholdsIsSplitAtEach() {
        assertThat(SEED.parts(900_000, 4_200_000)).containsExactly(
                new ShareTiers.Part(0, 1500, 100_000, 15_000),
                new ShareTiers.Part(1_000_000, 1200, 4_000_000, 480_000),
                new ShareTiers.Part(5_000_000, 1000, 100_000, 10_000));
    }

    @Test
    void eachPartIsRoundedHalfEven() {
        // 5 × 15 % = 0.75 → 1; 3 × 15 % = 0.45 → 0; 10 × 5 % = 0.5 → 0 (even); 30 × 5 % = 1.5 → 2 (even)
        assertThat(SEED.parts(0, 5).getFirst().amount()).isEqualTo(1);
        assertThat(SEED.parts(0, 3).getFirst().amount()).isZero();
        ShareTiers five = new ShareTiers(List.of(new ShareTiers.Tier(0, 500)));
        assertThat(five.parts(0, 10).getFirst().amount()).isZero();
        assertThat(five.parts(0, 30).getFirst().amount()).isEqualTo(2);
        assertThat(ShareTiers.proportion(24_000, 108_000, 216_000)).isEqualTo(12_000);
        assertThat(ShareTiers.proportion(1, 1, 2)).isZero();
        assertThat(ShareTiers.proportion(3, 1, 2)).isEqualTo(2);
    }

    @Test
    void aZeroBaseHasNoParts() {
        assertThat(SEED.parts(2_000_000, 0)).isEmpty();
    }

    @Test
    void tiersStartAtZeroOnceEach() {
        assertThatThrownBy(() -> new ShareTiers(List.of(new ShareTiers.Tier(100, 1500))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ShareTiers(List.of(new ShareTiers.Tier(0, 1500), new ShareTiers.Tier(0, 1200))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ShareTiers.Tier(0, 10_001)).isInstanceOf(IllegalArgumentException.class);
    }
}
