package dev.marketplace.server.partners;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Seeded property: at any terms the rules accept (no loop, no value made), no sequence of exchanges in either
 * direction raises a customer's total value — our points at the point value plus the partner's points at the
 * settlement price (one price per partner point, as the terms of both directions carry it). And the rules are not
 * vacuous: the generator meets terms they refuse, and accepted terms that still exchange.
 */
class ExchangeValuePropertyTest {

    private static final long SEED = 20261205L;

    @Test
    void noSequenceOfExchangesAtAcceptedTermsRaisesTheCustomersValue() {
        Random random = new Random(SEED);
        int accepted = 0;
        int refused = 0;
        long exchanged = 0;
        for (int trial = 0; trial < 5_000; trial++) {
            long pointValue = 1 + random.nextInt(3);
            long price = random.nextInt(4);
            ExchangeTerms.Terms out = terms("outbound", 1 + random.nextInt(20), 1 + random.nextInt(20), price);
            ExchangeTerms.Terms in = terms("inbound", 1 + random.nextInt(20), 1 + random.nextInt(20), price);
            if (ExchangeTerms.formsLoop(out, in) || ExchangeTerms.makesValue(out, pointValue)
                    || ExchangeTerms.makesValue(in, pointValue)) {
                refused++;
                continue;
            }
            accepted++;
            long ours = 1 + random.nextInt(10_000);
            long theirs = random.nextInt(10_000);
            long value = ours * pointValue + theirs * price;
            for (int step = 0; step < 40; step++) {
                boolean outbound = random.nextBoolean();
                long available = outbound ? ours : theirs;
                if (available == 0) {
                    continue;
                }
                long given = 1 + (long) (random.nextDouble() * available);
                if (outbound) {
                    ours -= given;
                    theirs += out.convert(given);
                } else {
                    theirs -= given;
                    ours += in.convert(given);
                }
                exchanged++;
                long after = ours * pointValue + theirs * price;
                assertThat(after).as("trial %d step %d: %s / %s", trial, step, out, in).isLessThanOrEqualTo(value);
                value = after;
            }
        }
        assertThat(refused).as("terms the rules refuse").isGreaterThan(100);
        assertThat(accepted).as("terms the rules accept").isGreaterThan(100);
        assertThat(exchanged).isGreaterThan(1_000);
    }

    @Test
    void aRoundTripAtAcceptedTermsNeverGainsPoints() {
        Random random = new Random(SEED + 1);
        for (int trial = 0; trial < 20_000; trial++) {
            ExchangeTerms.Terms out = terms("outbound", 1 + random.nextInt(50), 1 + random.nextInt(50), 0);
            ExchangeTerms.Terms in = terms("inbound", 1 + random.nextInt(50), 1 + random.nextInt(50), 0);
            long points = 1 + random.nextInt(1_000_000);
            long back = in.convert(out.convert(points));
            if (ExchangeTerms.formsLoop(out, in)) {
                continue;
            }
            assertThat(back).as("%d through %s / %s", points, out, in).isLessThan(points);
        }
    }

    private static ExchangeTerms.Terms terms(String direction, long numerator, long denominator, long price) {
        return new ExchangeTerms.Terms(UUID.randomUUID(), UUID.randomUUID(), direction, null, numerator, denominator,
                1, 1, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, price, "JPY", "test", null);
    }
}
