package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.money.Money;
import java.math.RoundingMode;
import java.util.Map;

/**
 * The payment provider's fee (decisions 31 and 52): a rate of each captured amount, rounded half-even, plus a fixed
 * amount per capture in the capture's currency (none for a currency without one), borne by the platform (the
 * provider keeps it out of what it holds for us: {@code payment_fees} debited, {@code customer_payments} credited);
 * merchants' payables and customers' refunds never see it.
 */
final class PaymentFees {

    private static final String CAPTURED = "payment_captured:";

    private final int rateBasisPoints;
    private final Map<String, Long> fixedByCurrency;

    /** {@code fixedByCurrency}: the fixed fee per capture, in minor units of each currency (settlement.payment-fees.fixed). */
    PaymentFees(int rateBasisPoints, Map<String, Long> fixedByCurrency) {
        if (rateBasisPoints < 0 || rateBasisPoints > CommissionRates.BASIS) {
            throw new IllegalArgumentException("a payment fee rate is 0 to 10,000 basis points");
        }
        fixedByCurrency.forEach((currency, fixed) -> {
            if (fixed < 0) {
                throw new IllegalArgumentException("the fixed payment fee in " + currency + " is negative");
            }
        });
        this.rateBasisPoints = rateBasisPoints;
        this.fixedByCurrency = Map.copyOf(fixedByCurrency);
    }

    /** The fee on a capture: the rate's part, half-even, plus the currency's fixed part. */
    Money feeOn(Money captured) {
        return captured.timesBasisPoints(rateBasisPoints, RoundingMode.HALF_EVEN)
                .plus(Money.of(fixedByCurrency.getOrDefault(captured.currency(), 0L), captured.currency()));
    }

    /** In the subscriber's batch, on a capture: records its fee (once: the fee's id is the payment's). */
    void chargeOn(PostingBatch batch, MoneyMovement captured) {
        Money fee = feeOn(captured.amount());
        if (fee.amount() > 0) {
            String paymentId = captured.idempotencyId().substring(CAPTURED.length());
            batch.append(SettlementMovements.paymentFeeCharged(paymentId, captured.parties(), fee));
        }
    }
}
