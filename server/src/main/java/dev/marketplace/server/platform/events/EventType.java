package dev.marketplace.server.platform.events;

import java.util.Arrays;
import java.util.Locale;

/**
 * The catalogue of domain events: what each one means and what its payload holds. Money movements
 * ({@link MoneyMovement}) carry {@code {"amount": money, "legs": [{"account", "amount", "currency"}, …]}}: the
 * movement's amount and its signed ledger legs (positive debits, negative credits) that sum to zero per currency.
 */
public enum EventType {

    /** The provider holds the order's total for us. Money movement without legs: nothing moves in the ledger yet. */
    PAYMENT_AUTHORIZED(true),
    /** The order's total was captured: {@code customer_payments} debited, {@code escrow} credited. */
    PAYMENT_CAPTURED(true),
    /** An authorization was let go at the provider. Money movement without legs. */
    PAYMENT_VOIDED(true),
    /**
     * A refund was done by the provider: {@code refunds_clearing} debited, {@code customer_payments} credited
     * (settlement clears {@code refunds_clearing} against the sub-order's escrow or the merchant's payable).
     */
    PAYMENT_REFUNDED(true),
    /** A sub-order's total leaves escrow for its merchant: {@code escrow} debited, {@code merchant_payable:{merchant}} credited. */
    ESCROW_RELEASED(true),
    /** A sub-order's commission: {@code merchant_payable:{merchant}} debited, {@code platform_commission_revenue} credited. */
    COMMISSION_ACCRUED(true),
    /** Commission given back (rejection, cancellation, return): the legs of {@link #COMMISSION_ACCRUED} reversed. */
    COMMISSION_REVERSED(true),
    /**
     * A refund was asked for in the transaction of the change that causes it ({@link RefundRequested}): payload
     * {@code {"refundId", "paymentId", "amount": money}}. The refund itself is sent by the payments domain's
     * job (decision 27); the event is for subscribers that follow refunds (settlement, webhooks).
     */
    REFUND_REQUESTED(false),

    // Points (decision 35): the money side of loyalty points, one funder per movement ('platform' or a merchant).
    /** Points were issued: the funder's cost account debited ({@code merchant_payable:{m}} or {@code platform_points_expense}), its points liability credited. */
    POINTS_FUNDED(true),
    /** Points paid for part of an order: the funder's points liability debited, {@code escrow} credited. */
    POINTS_REDEEMED(true),
    /** Redeemed points given back (cancellation, return): {@code escrow} or the merchant's payable debited, the liability credited. */
    POINTS_REDEMPTION_RETURNED(true),
    /** Points lapsed: the funder's points liability debited, its cost account credited. */
    POINTS_EXPIRED(true),
    /** Points voided or clawed back (the order was cancelled or returned): as {@link #POINTS_EXPIRED}. */
    POINTS_VOIDED(true);

    private final boolean moneyMovement;

    EventType(boolean moneyMovement) {
        this.moneyMovement = moneyMovement;
    }

    public boolean isMoneyMovement() {
        return moneyMovement;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static EventType fromWireName(String wireName) {
        return Arrays.stream(values()).filter(type -> type.wireName().equals(wireName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown event type " + wireName));
    }
}
