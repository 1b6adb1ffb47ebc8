package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.money.Money;
import java.math.RoundingMode;
import org.jooq.DSLContext;

/**
 * The payment provider's fee (decision 31): a rate of each captured amount, rounded half-even, borne by the platform
 * (the provider keeps it out of what it holds for us: {@code payment_fees} debited, {@code customer_payments}
 * credited); merchants' payables and customers' refunds never see it.
 */
final class PaymentFees {

    private static final String CAPTURED = "payment_captured:";

    private final int rateBasisPoints;

    PaymentFees(int rateBasisPoints) {
        if (rateBasisPoints < 0 || rateBasisPoints > CommissionRates.BASIS) {
            throw new IllegalArgumentException("a payment fee rate is 0 to 10,000 basis points");
        }
        this.rateBasisPoints = rateBasisPoints;
    }

    /** In the subscriber's transaction, on a capture: records its fee (once: the fee's id is the payment's). */
    void chargeOn(DSLContext tx, MoneyMovement captured) {
        Money fee = captured.amount().timesBasisPoints(rateBasisPoints, RoundingMode.HALF_EVEN);
        if (fee.amount() > 0) {
            String paymentId = captured.idempotencyId().substring(CAPTURED.length());
            DomainEvents.append(tx, SettlementMovements.paymentFeeCharged(paymentId, captured.parties(), fee));
        }
    }
}
