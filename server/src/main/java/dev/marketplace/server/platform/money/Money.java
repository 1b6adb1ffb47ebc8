package dev.marketplace.server.platform.money;

import jakarta.json.bind.annotation.JsonbTransient;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.Objects;

/**
 * An amount of money: integer minor units (yen, cents) of one ISO 4217 currency. Never floating point.
 * Arithmetic refuses to mix currencies and to overflow, so a bug cannot silently lose or invent money.
 */
public record Money(long amount, String currency) {

    public Money {
        Objects.requireNonNull(currency, "currency");
        if (!isCurrencyCode(currency)) {
            throw new IllegalArgumentException("not an ISO 4217 currency code: " + currency);
        }
    }

    public static Money of(long amount, String currency) {
        return new Money(amount, currency);
    }

    public static Money zero(String currency) {
        return new Money(0, currency);
    }

    /**
     * Whether {@code code} is an active ISO 4217 code in upper case (JPY, USD, CNY, ...). Its letters checked by hand:
     * every amount made checks its code, and {@code matches("[A-Z]{3}")} compiled the pattern each time, over a third
     * of a checkout's allocation (decision 138).
     */
    public static boolean isCurrencyCode(String code) {
        if (code == null || code.length() != 3) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            char letter = code.charAt(i);
            if (letter < 'A' || letter > 'Z') {
                return false;
            }
        }
        try {
            return Currency.getInstance(code).getDefaultFractionDigits() >= 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Digits after the decimal point of this currency's major unit: 0 for JPY, 2 for USD. */
    public int fractionDigits() {
        return Currency.getInstance(currency).getDefaultFractionDigits();
    }

    public Money plus(Money other) {
        requireSameCurrency(other);
        return new Money(Math.addExact(amount, other.amount), currency);
    }

    public Money minus(Money other) {
        requireSameCurrency(other);
        return new Money(Math.subtractExact(amount, other.amount), currency);
    }

    public Money negate() {
        return new Money(Math.negateExact(amount), currency);
    }

    public Money times(long factor) {
        return new Money(Math.multiplyExact(amount, factor), currency);
    }

    @JsonbTransient // not part of the JSON form, which is exactly {"amount": ..., "currency": ...}
    public boolean isNegative() {
        return amount < 0;
    }

    @JsonbTransient
    public boolean isZero() {
        return amount == 0;
    }

    /**
     * This amount times a rate in basis points (1 bp = 0.01 %), rounded to a whole minor unit.
     * Commission of 10 % on 1,999 JPY is {@code of(1999, "JPY").timesBasisPoints(1000, HALF_EVEN)} = 200 JPY.
     */
    public Money timesBasisPoints(int basisPoints, RoundingMode rounding) {
        BigDecimal exact = BigDecimal.valueOf(amount).multiply(BigDecimal.valueOf(basisPoints)).movePointLeft(4);
        return new Money(exact.setScale(0, rounding).longValueExact(), currency);
    }

    /**
     * Splits this amount into parts proportional to {@code weights} that add up to exactly this amount:
     * the units left over by rounding down go one each to the parts with the largest remainders
     * (earlier parts first on ties). Used to spread a discount or a fee across lines.
     */
    public Money[] allocate(long... weights) {
        if (weights.length == 0) {
            throw new IllegalArgumentException("no weights");
        }
        BigDecimal total = BigDecimal.ZERO;
        for (long weight : weights) {
            if (weight < 0) {
                throw new IllegalArgumentException("negative weight: " + weight);
            }
            total = total.add(BigDecimal.valueOf(weight));
        }
        if (total.signum() == 0) {
            throw new IllegalArgumentException("weights add up to zero");
        }
        long[] parts = new long[weights.length];
        BigDecimal[] remainders = new BigDecimal[weights.length];
        long allocated = 0;
        for (int i = 0; i < weights.length; i++) {
            BigDecimal[] division = BigDecimal.valueOf(amount).multiply(BigDecimal.valueOf(weights[i]))
                    .divideAndRemainder(total);
            parts[i] = division[0].longValueExact();
            remainders[i] = division[1].abs();
            allocated += parts[i];
        }
        long leftOver = amount - allocated;
        long step = Long.signum(leftOver);
        while (leftOver != 0) {
            int largest = 0;
            for (int i = 1; i < remainders.length; i++) {
                if (remainders[i].compareTo(remainders[largest]) > 0) {
                    largest = i;
                }
            }
            parts[largest] += step;
            remainders[largest] = BigDecimal.valueOf(-1);
            leftOver -= step;
        }
        Money[] result = new Money[parts.length];
        for (int i = 0; i < parts.length; i++) {
            result[i] = new Money(parts[i], currency);
        }
        return result;
    }

    private void requireSameCurrency(Money other) {
        if (!currency.equals(other.currency)) {
            throw new CurrencyMismatchException(currency, other.currency);
        }
    }

    /** Two amounts of different currencies met in one calculation: a programming error, never converted silently. */
    public static final class CurrencyMismatchException extends IllegalArgumentException {
        public CurrencyMismatchException(String expected, String actual) {
            super("currency mismatch: " + expected + " and " + actual);
        }
    }
}
