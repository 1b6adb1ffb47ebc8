package dev.marketplace.server.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.platform.money.Money;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Commission to the unit (decision 31): tiers as points off the line's rate, progressive, half-even per line. */
class CommissionRatesTest {

    private static final OptionalInt NO_OVERRIDE = OptionalInt.empty();

    /** The default tiers of application.yaml: 0 points off up to 1,000,000 JPY, 300 to 5,000,000, 500 beyond. */
    private final CommissionRates rates = CommissionRates.from(Config.builder().disableEnvironmentVariablesSource()
            .disableSystemPropertiesSource().sources(ConfigSources.classpath("application.yaml")).build()
            .get("settlement.commission"));

    @Test
    void theDefaultTiersAreFifteenTwelveAndTenPercentOfAFifteenPercentCategory() {
        assertThat(rates.tiers("JPY")).containsExactly(new CommissionRates.Tier(0, 0),
                new CommissionRates.Tier(1_000_000, 300), new CommissionRates.Tier(5_000_000, 500));
        assertThat(rates.charge("JPY", 0, lines(100_000), NO_OVERRIDE)).isEqualTo(15_000);
        assertThat(rates.charge("JPY", 2_000_000, lines(100_000), NO_OVERRIDE)).isEqualTo(12_000);
        assertThat(rates.charge("JPY", 7_000_000, lines(100_000), NO_OVERRIDE)).isEqualTo(10_000);
        assertThat(rates.tiers("USD")).as("a currency without tiers").containsExactly(new CommissionRates.Tier(0, 0));
        assertThat(rates.charge("USD", 900_000_000, lines(100_000), NO_OVERRIDE)).isEqualTo(15_000);
    }

    @Test
    void exactlyAtTheThresholdTheNextTierBegins() {
        assertThat(rates.charge("JPY", 0, lines(1_000_000), NO_OVERRIDE)).as("up to 1,000,000: all at 15 %")
                .isEqualTo(150_000);
        assertThat(rates.charge("JPY", 1_000_000, lines(1), NO_OVERRIDE)).as("the 1,000,001st yen at 12 %")
                .isZero(); // 0.12 rounds half-even to 0
        assertThat(rates.charge("JPY", 1_000_000, lines(100), NO_OVERRIDE)).isEqualTo(12);
        assertThat(rates.charge("JPY", 999_999, lines(1), NO_OVERRIDE)).as("the 1,000,000th yen still at 15 %")
                .isZero();
        assertThat(rates.charge("JPY", 999_900, lines(100), NO_OVERRIDE)).isEqualTo(15);
    }

    @Test
    void aSubOrderSpanningAThresholdIsChargedEachPartAtItsTier() {
        // 900,000 before: 100,000 at 15 % and 100,000 at 12 %
        assertThat(rates.charge("JPY", 900_000, lines(200_000), NO_OVERRIDE)).isEqualTo(15_000 + 12_000);
        // spanning two thresholds: 500,000 at 15 %, 4,000,000 at 12 %, 500,000 at 10 %
        assertThat(rates.charge("JPY", 500_000, lines(5_000_000), NO_OVERRIDE))
                .isEqualTo(75_000 + 480_000 + 50_000);
        // lines take their places in line order: the first fills the tier, the second starts the next
        assertThat(rates.charge("JPY", 950_000, List.of(new CommissionRates.Line(50_000, 1000),
                new CommissionRates.Line(50_000, 1500)), NO_OVERRIDE)).isEqualTo(5_000 + 6_000);
    }

    @Test
    void tiersArePointsOffTheCategoryRateNeverBelowZero() {
        assertThat(rates.charge("JPY", 2_000_000, List.of(new CommissionRates.Line(100_000, 800)), NO_OVERRIDE))
                .as("an 8 % category at 5 %").isEqualTo(5_000);
        assertThat(rates.charge("JPY", 6_000_000, List.of(new CommissionRates.Line(100_000, 400)), NO_OVERRIDE))
                .as("a 4 % category less 5 points").isZero();
        assertThat(rates.charge("JPY", 0, List.of(new CommissionRates.Line(100_000, 0)), NO_OVERRIDE)).isZero();
    }

    @Test
    void anOverrideReplacesEveryNonZeroCategoryRateAndTiersStillApply() {
        List<CommissionRates.Line> mixed = List.of(new CommissionRates.Line(100_000, 1500),
                new CommissionRates.Line(100_000, 0), new CommissionRates.Line(100_000, 800));
        assertThat(rates.charge("JPY", 0, mixed, OptionalInt.of(1000))).isEqualTo(10_000 + 0 + 10_000);
        assertThat(rates.charge("JPY", 1_000_000, mixed, OptionalInt.of(1000))).isEqualTo(7_000 + 0 + 7_000);
        assertThat(rates.charge("JPY", 0, mixed, OptionalInt.of(0))).as("an override of 0: commission-free").isZero();
    }

    @Test
    void eachLineRoundsHalfEvenOnce() {
        assertThat(rates.charge("JPY", 0, List.of(new CommissionRates.Line(1005, 1000)), NO_OVERRIDE))
                .as("100.5").isEqualTo(100);
        assertThat(rates.charge("JPY", 0, List.of(new CommissionRates.Line(1015, 1000)), NO_OVERRIDE))
                .as("101.5").isEqualTo(102);
        assertThat(rates.charge("JPY", 0, List.of(new CommissionRates.Line(1005, 1000),
                new CommissionRates.Line(1005, 1000)), NO_OVERRIDE)).as("per line, not per sub-order").isEqualTo(200);
        // a line across the threshold: 999,995 + 5 → 5 × 15 % + 5 × 12 % = 0.75 + 0.6 = 1.35 → 1
        assertThat(rates.charge("JPY", 999_995, lines(10), NO_OVERRIDE)).isEqualTo(1);
    }

    @Test
    void belowTheFirstThresholdTheChargeIsTheOrdersDomainsCategoryCommission() {
        Random random = new Random(31);
        for (int i = 0; i < 1_000; i++) {
            List<CommissionRates.Line> lines = new ArrayList<>();
            long expected = 0;
            for (int l = 0; l <= random.nextInt(4); l++) {
                long base = 1 + random.nextInt(200_000);
                int rate = random.nextInt(1_501);
                lines.add(new CommissionRates.Line(base, rate));
                // as OrderService.place computes a line's commission
                expected += Money.of(base, "JPY").timesBasisPoints(rate, RoundingMode.HALF_EVEN).amount();
            }
            assertThat(rates.charge("JPY", 0, lines, NO_OVERRIDE)).isEqualTo(expected);
            assertThat(CommissionRates.atCategoryRates(lines)).isEqualTo(expected);
        }
    }

    @Test
    void aReturnReversesItsShareOfWhatWasCharged() {
        assertThat(CommissionRates.reversal(1_500, 1_500, 300)).as("charged at the category rate: the same")
                .isEqualTo(300);
        assertThat(CommissionRates.reversal(1_200, 1_500, 300)).as("a fifth of 1,200").isEqualTo(240);
        assertThat(CommissionRates.reversal(1_201, 1_500, 750)).as("600.5, half-even").isEqualTo(600);
        assertThat(CommissionRates.reversal(1_203, 1_500, 750)).as("601.5, half-even").isEqualTo(602);
        assertThat(CommissionRates.reversal(0, 0, 0)).as("a commission-free sub-order").isZero();
        assertThat(CommissionRates.reversal(1_200, 1_500, 1_600)).as("never more than charged").isEqualTo(1_200);
    }

    @Test
    void tiersStartAtZero() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CommissionRates(Map.of("JPY",
                List.of(new CommissionRates.Tier(10, 0))))).hasMessageContaining("start at 0");
    }

    private static List<CommissionRates.Line> lines(long base) {
        return List.of(new CommissionRates.Line(base, 1500));
    }
}
