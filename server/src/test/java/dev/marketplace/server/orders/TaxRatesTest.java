package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaxRatesTest {

    private final TaxRates japan = new TaxRates(1000, 800);

    @Test
    void foodAndDrinkTakeTheReducedRateEverythingElseTheStandardOne() {
        assertThat(japan.rateFor(Map.of(TaxRates.TAX_CLASS_ATTRIBUTE, TaxRates.REDUCED))).isEqualTo(800);
        assertThat(japan.rateFor(Map.of(TaxRates.TAX_CLASS_ATTRIBUTE, "standard"))).isEqualTo(1000);
        assertThat(japan.rateFor(Map.of(TaxRates.TAX_CLASS_ATTRIBUTE, "Reduced"))).isEqualTo(1000);
        assertThat(japan.rateFor(Map.of("colour", "reduced"))).isEqualTo(1000);
        assertThat(japan.rateFor(Map.of())).isEqualTo(1000);
    }

    @Test
    void ratesDefaultToJapansTenAndEightPercentAndAreConfigurable() {
        assertThat(TaxRates.from(config(Map.of()))).isEqualTo(japan);
        assertThat(TaxRates.from(config(Map.of("orders.tax.standard.bp", "2000", "orders.tax.reduced.bp", "500"))))
                .isEqualTo(new TaxRates(2000, 500));
    }

    @Test
    void aRateIsBetweenZeroAndAHundredPercent() {
        assertThat(new TaxRates(0, 10_000).rateFor(Map.of(TaxRates.TAX_CLASS_ATTRIBUTE, TaxRates.REDUCED)))
                .isEqualTo(10_000);
        assertThatThrownBy(() -> new TaxRates(10_001, 800)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TaxRates(1000, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Config config(Map<String, String> values) {
        return Config.builder().sources(ConfigSources.create(values), ConfigSources.classpath("application.yaml"))
                .disableEnvironmentVariablesSource().disableSystemPropertiesSource().build().get("orders");
    }
}
