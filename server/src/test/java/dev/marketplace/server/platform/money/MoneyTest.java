package dev.marketplace.server.platform.money;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.RoundingMode;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MoneyTest {

    @Test
    void acceptsOnlyIso4217Codes() {
        assertThat(Money.of(100, "JPY").fractionDigits()).isZero();
        assertThat(Money.of(100, "USD").fractionDigits()).isEqualTo(2);
        for (String bad : new String[] {"jpy", "YEN", "EURO", "", "ZZZ", "JP", "JPy", "J@Y", "J[Y", "1PY", "JP "}) {
            assertThatThrownBy(() -> Money.of(1, bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Money.of(1, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void neverMixesCurrencies() {
        assertThatThrownBy(() -> Money.of(1, "JPY").plus(Money.of(1, "USD")))
                .isInstanceOf(Money.CurrencyMismatchException.class);
        assertThatThrownBy(() -> Money.of(1, "JPY").minus(Money.of(1, "CNY")))
                .isInstanceOf(Money.CurrencyMismatchException.class);
    }

    @Test
    void arithmeticIsExactAndRefusesToOverflow() {
        assertThat(Money.of(1999, "JPY").plus(Money.of(1, "JPY"))).isEqualTo(Money.of(2000, "JPY"));
        assertThat(Money.of(500, "JPY").minus(Money.of(800, "JPY"))).isEqualTo(Money.of(-300, "JPY"));
        assertThat(Money.of(-300, "JPY").negate().isNegative()).isFalse();
        assertThat(Money.of(250, "USD").times(4)).isEqualTo(Money.of(1000, "USD"));
        assertThatThrownBy(() -> Money.of(Long.MAX_VALUE, "JPY").plus(Money.of(1, "JPY")))
                .isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Money.of(Long.MAX_VALUE / 2 + 1, "JPY").times(2)).isInstanceOf(ArithmeticException.class);
    }

    @ParameterizedTest
    @CsvSource({
            "1999, 1000, HALF_EVEN, 200",   // 199.9 -> 200
            "1995, 1000, HALF_EVEN, 200",   // 199.5 -> 200 (even)
            "1985, 1000, HALF_EVEN, 198",   // 198.5 -> 198 (even)
            "1999, 1000, DOWN, 199",
            "1000000, 1500, HALF_EVEN, 150000",
            "-1999, 1000, HALF_EVEN, -200",
            "7, 0, HALF_EVEN, 0",
            "7, 10000, HALF_EVEN, 7"})
    void appliesRatesInBasisPointsWithExplicitRounding(long amount, int basisPoints, RoundingMode rounding, long expected) {
        assertThat(Money.of(amount, "JPY").timesBasisPoints(basisPoints, rounding)).isEqualTo(Money.of(expected, "JPY"));
    }

    @Test
    void allocationAddsUpToTheWholeAmount() {
        Money[] thirds = Money.of(100, "JPY").allocate(1, 1, 1);
        assertThat(thirds).containsExactly(Money.of(34, "JPY"), Money.of(33, "JPY"), Money.of(33, "JPY"));

        Money[] weighted = Money.of(1001, "JPY").allocate(500, 300, 200);
        assertThat(Arrays.stream(weighted).mapToLong(Money::amount).sum()).isEqualTo(1001);
        assertThat(weighted).containsExactly(Money.of(501, "JPY"), Money.of(300, "JPY"), Money.of(200, "JPY"));

        Money[] negative = Money.of(-100, "JPY").allocate(1, 1, 1);
        assertThat(Arrays.stream(negative).mapToLong(Money::amount).sum()).isEqualTo(-100);

        Money[] withZeroWeight = Money.of(10, "JPY").allocate(0, 1, 2);
        assertThat(withZeroWeight[0]).isEqualTo(Money.of(0, "JPY"));
        assertThat(Arrays.stream(withZeroWeight).mapToLong(Money::amount).sum()).isEqualTo(10);

        assertThatThrownBy(() -> Money.of(10, "JPY").allocate()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.of(10, "JPY").allocate(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.of(10, "JPY").allocate(1, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void allocationOfManyRandomSplitsNeverLosesAUnit() {
        java.util.Random random = new java.util.Random(42);
        for (int round = 0; round < 10_000; round++) {
            long amount = random.nextLong(-1_000_000_000L, 1_000_000_000L);
            long[] weights = random.longs(1 + random.nextInt(7), 0, 1_000).toArray();
            if (Arrays.stream(weights).sum() == 0) {
                continue;
            }
            Money[] parts = Money.of(amount, "JPY").allocate(weights);
            assertThat(Arrays.stream(parts).mapToLong(Money::amount).sum()).isEqualTo(amount);
        }
    }
}
