package dev.marketplace.server.dropship;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PricingRuleTest {

    @Test
    void marksUpAddsTheFixedAmountAndRaisesToTheEnding() {
        PricingRule rule = new PricingRule(15_000, 100, 80, 100, 0);
        // 537 × 1.5 = 805.5 → 806 (fractions round up), + 100 = 906 → next …80: 980
        assertThat(rule.priceOf(537)).isEqualTo(980);
        assertThat(rule.priceOf(520)).as("880 ends in 80 already").isEqualTo(880);
        assertThat(rule.priceOf(0)).isEqualTo(180);
    }

    @Test
    void neverGoesBelowTheMinimumMargin() {
        PricingRule thin = new PricingRule(10_000, 0, 0, 1, 3_000);
        assertThat(thin.priceOf(1_000)).as("cost × 1.3").isEqualTo(1_300);
        assertThat(thin.priceOf(1)).as("a fraction of a unit of margin is a whole unit").isEqualTo(2);
    }

    @Test
    void refusesARuleThatWouldSellBelowCostOrCannotEnd() {
        assertThatThrownBy(() -> new PricingRule(9_999, 0, 0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PricingRule(10_000, 0, 100, 100, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBufferKeepsUnitsAndAPercentRoundedUp() {
        StockBuffer buffer = new StockBuffer(1, 10);
        assertThat(List.of(buffer.sellable(11), buffer.sellable(2), buffer.sellable(0), buffer.sellable(-3)))
                .containsExactly(8L, 0L, 0L, 0L);
        assertThat(new StockBuffer(0, 0).sellable(7)).isEqualTo(7);
    }
}
