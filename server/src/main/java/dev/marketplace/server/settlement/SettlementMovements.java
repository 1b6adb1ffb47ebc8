package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.MoneyMovement.Leg;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.money.Money;
import java.time.YearMonth;
import java.util.List;
import java.util.UUID;

/**
 * The money movements settlement itself records (decision 31), and the accounts they touch: the one place that
 * decides their legs and idempotency ids.
 */
final class SettlementMovements {

    static final String PLATFORM_FEE_REVENUE = "platform_fee_revenue";
    static final String PAYMENT_FEES = "payment_fees";
    /** The prefix of a channel's payable, {@code channel_payable:{channel}}, which the channels' shares credit (decision 41). */
    static final String CHANNEL_PAYABLE = "channel_payable:";

    private SettlementMovements() {
    }

    static String merchantReserve(UUID merchantId) {
        return "merchant_reserve:" + merchantId;
    }

    /** Once per merchant and month: the idempotency id {@code plan_fee:{merchant}:{yyyy-mm}}. */
    static MoneyMovement planFeeCharged(UUID merchantId, YearMonth month, Money fee) {
        return new MoneyMovement(EventType.PLAN_FEE_CHARGED, "plan_fee:" + merchantId + ":" + month,
                merchant(merchantId), fee, transfer(MoneyMovement.merchantPayable(merchantId), PLATFORM_FEE_REVENUE, fee));
    }

    /** The provider's fee on a capture, borne by the platform. */
    static MoneyMovement paymentFeeCharged(String paymentId, Parties order, Money fee) {
        return new MoneyMovement(EventType.PAYMENT_FEE_CHARGED, "payment_fee:" + paymentId, order, fee,
                transfer(PAYMENT_FEES, MoneyMovement.CUSTOMER_PAYMENTS, fee));
    }

    /** A deposit withheld from what the merchant is owed, named by its (bank transfer) reference. */
    static MoneyMovement depositRecorded(UUID merchantId, String reference, Money amount) {
        return new MoneyMovement(EventType.DEPOSIT_RECORDED, "deposit:" + merchantId + ":" + reference,
                merchant(merchantId), amount,
                transfer(MoneyMovement.merchantPayable(merchantId), merchantReserve(merchantId), amount));
    }

    /** A deposit given back to the merchant's payable (decision 52), named by its (bank transfer) reference. */
    static MoneyMovement depositRefunded(UUID merchantId, String reference, Money amount) {
        return new MoneyMovement(EventType.DEPOSIT_REFUNDED, "deposit_refund:" + merchantId + ":" + reference,
                merchant(merchantId), amount,
                transfer(merchantReserve(merchantId), MoneyMovement.merchantPayable(merchantId), amount));
    }

    static MoneyMovement reserveHeld(Parties subOrder, Money amount) {
        return new MoneyMovement(EventType.RESERVE_HELD, "reserve_held:" + subOrder.subOrderId(), subOrder, amount,
                transfer(MoneyMovement.merchantPayable(subOrder.merchantId()), merchantReserve(subOrder.merchantId()),
                        amount));
    }

    static MoneyMovement reserveReleased(Parties subOrder, Money amount) {
        return new MoneyMovement(EventType.RESERVE_RELEASED, "reserve_released:" + subOrder.subOrderId(), subOrder,
                amount, transfer(merchantReserve(subOrder.merchantId()),
                        MoneyMovement.merchantPayable(subOrder.merchantId()), amount));
    }

    /** Commission as settlement charges it (decision 31), caused by the orders domain's accrual. */
    static List<Leg> commission(UUID merchantId, long amount, String currency) {
        return transfer(MoneyMovement.merchantPayable(merchantId), MoneyMovement.PLATFORM_COMMISSION_REVENUE,
                Money.of(amount, currency));
    }

    /** A return's commission given back, as settlement reverses it (decision 31). */
    static List<Leg> commissionReversal(UUID merchantId, long amount, String currency) {
        return transfer(MoneyMovement.PLATFORM_COMMISSION_REVENUE, MoneyMovement.merchantPayable(merchantId),
                Money.of(amount, currency));
    }

    /**
     * A channel's payout (decision 43): the same events, ids and clearing account as a merchant's, from the channel's
     * payable; the payout names no merchant.
     */
    static MoneyMovement channelPayoutInitiated(UUID payoutId, UUID channelId, Money amount) {
        return new MoneyMovement(EventType.PAYOUT_INITIATED, "payout_initiated:" + payoutId, NO_PARTIES, amount,
                transfer(CHANNEL_PAYABLE + channelId, MoneyMovement.PAYOUTS_CLEARING, amount));
    }

    static MoneyMovement channelPayoutPaid(UUID payoutId, UUID channelId, Money amount) {
        return new MoneyMovement(EventType.PAYOUT_PAID, "payout_paid:" + payoutId, NO_PARTIES, amount,
                transfer(MoneyMovement.PAYOUTS_CLEARING, MoneyMovement.CUSTOMER_PAYMENTS, amount));
    }

    /** The money back to the channel's payable. */
    static MoneyMovement channelPayoutFailed(UUID payoutId, UUID channelId, Money amount) {
        return new MoneyMovement(EventType.PAYOUT_FAILED, "payout_failed:" + payoutId, NO_PARTIES, amount,
                transfer(MoneyMovement.PAYOUTS_CLEARING, CHANNEL_PAYABLE + channelId, amount));
    }

    private static final Parties NO_PARTIES = new Parties(null, null, null, null);

    private static Parties merchant(UUID merchantId) {
        return new Parties(null, null, merchantId, null);
    }

    private static List<Leg> transfer(String debited, String credited, Money amount) {
        return List.of(new Leg(debited, amount.amount(), amount.currency()),
                new Leg(credited, Math.negateExact(amount.amount()), amount.currency()));
    }
}
