package dev.marketplace.server.platform.events;

import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.money.Money;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A movement of money for the settlement ledger: its amount and its legs on the named ledger accounts of DESIGN.md
 * ("Ledger accounts"), signed (positive debits, negative credits) and summing to zero per currency. The factories
 * are the one place that decides which accounts a movement touches.
 */
public record MoneyMovement(EventType type, String idempotencyId, Parties parties, Money amount, List<Leg> legs)
        implements DomainEvent {

    public static final String CUSTOMER_PAYMENTS = "customer_payments";
    public static final String ESCROW = "escrow";
    public static final String REFUNDS_CLEARING = "refunds_clearing";
    public static final String PLATFORM_COMMISSION_REVENUE = "platform_commission_revenue";

    /** One account's side of a movement, in minor units: positive a debit, negative a credit. */
    public record Leg(String account, long amount, String currency) {

        public Leg {
            Objects.requireNonNull(account);
            Objects.requireNonNull(currency);
        }
    }

    public MoneyMovement {
        if (!type.isMoneyMovement()) {
            throw new IllegalArgumentException(type + " is not a money movement");
        }
        Objects.requireNonNull(idempotencyId);
        Objects.requireNonNull(parties);
        Objects.requireNonNull(amount);
        legs = List.copyOf(legs);
        Map<String, Long> balance = new HashMap<>();
        for (Leg leg : legs) {
            balance.merge(leg.currency(), leg.amount(), Math::addExact);
        }
        balance.forEach((currency, sum) -> {
            if (sum != 0) {
                throw new IllegalArgumentException(type + " does not balance in " + currency + ": " + sum);
            }
        });
    }

    public static String merchantPayable(UUID merchantId) {
        return "merchant_payable:" + Objects.requireNonNull(merchantId, "merchant");
    }

    public static MoneyMovement paymentAuthorized(UUID paymentId, Parties order, Money amount) {
        return new MoneyMovement(EventType.PAYMENT_AUTHORIZED, "payment_authorized:" + paymentId, order, amount, List.of());
    }

    public static MoneyMovement paymentCaptured(UUID paymentId, Parties order, Money amount) {
        return new MoneyMovement(EventType.PAYMENT_CAPTURED, "payment_captured:" + paymentId, order, amount,
                transfer(CUSTOMER_PAYMENTS, ESCROW, amount));
    }

    /**
     * An order with nothing left to pay (points and coupons paid it all, decision 54), paid at checkout without the
     * payment provider: a capture of nothing, so what follows a capture (points earning, the points' and coupons'
     * money into escrow) follows it, while the ledger posts nothing for it and no payment fee is charged.
     */
    public static MoneyMovement capturedWithoutPayment(UUID orderId, Parties order, String currency) {
        Money nothing = Money.zero(currency);
        return new MoneyMovement(EventType.PAYMENT_CAPTURED, "payment_captured:order:" + orderId, order, nothing,
                transfer(CUSTOMER_PAYMENTS, ESCROW, nothing));
    }

    public static MoneyMovement paymentRefunded(UUID refundId, Parties subOrder, Money amount) {
        return new MoneyMovement(EventType.PAYMENT_REFUNDED, "payment_refunded:" + refundId, subOrder, amount,
                transfer(REFUNDS_CLEARING, CUSTOMER_PAYMENTS, amount));
    }

    /**
     * A refund the provider finally refused: no legs (no money moved); {@code cause} names what asked for it
     * ({@code return:{id}}), or null, and follows the refund's id in the idempotency id.
     */
    public static MoneyMovement refundFailed(UUID refundId, String cause, Parties subOrder, Money amount) {
        return new MoneyMovement(EventType.REFUND_FAILED, "refund_failed:" + refundId + (cause == null ? "" : ":" + cause),
                subOrder, amount, List.of());
    }

    /** The cause a {@link #refundFailed} names, if any ({@code return:{id}}). */
    public static java.util.Optional<String> refundFailureCause(String idempotencyId) {
        String rest = idempotencyId.substring("refund_failed:".length());
        int colon = rest.indexOf(':');
        return colon < 0 ? java.util.Optional.empty() : java.util.Optional.of(rest.substring(colon + 1));
    }

    /**
     * A failed refund the operator retried ({@code retry}, from 1) was done: no legs; settlement posts again what
     * the refund's {@link #refundFailed} undid. One idempotency id per retry, the cause following it as there.
     */
    public static MoneyMovement refundRetried(UUID refundId, int retry, String cause, Parties subOrder, Money amount) {
        return new MoneyMovement(EventType.REFUND_RETRIED, "refund_retried:" + refundId + ":" + retry
                + (cause == null ? "" : ":" + cause), subOrder, amount, List.of());
    }

    /** The idempotency id of the {@link #refundFailed} a {@link #refundRetried} redoes. */
    public static String failureRetried(String idempotencyId) {
        String[] refundRetryCause = idempotencyId.substring("refund_retried:".length()).split(":", 3);
        return "refund_failed:" + refundRetryCause[0] + (refundRetryCause.length < 3 ? "" : ":" + refundRetryCause[2]);
    }

    public static MoneyMovement escrowReleased(Parties subOrder, Money amount) {
        return new MoneyMovement(EventType.ESCROW_RELEASED, "escrow_released:" + subOrder.subOrderId(), subOrder, amount,
                transfer(ESCROW, merchantPayable(subOrder.merchantId()), amount));
    }

    public static MoneyMovement commissionAccrued(Parties subOrder, Money commission) {
        return new MoneyMovement(EventType.COMMISSION_ACCRUED, "commission_accrued:" + subOrder.subOrderId(), subOrder,
                commission, transfer(merchantPayable(subOrder.merchantId()), PLATFORM_COMMISSION_REVENUE, commission));
    }

    /** The sub-order's commission given back; {@code cause} names the movement (the sub-order, or a return). */
    public static MoneyMovement commissionReversed(String cause, Parties subOrder, Money commission) {
        return new MoneyMovement(EventType.COMMISSION_REVERSED, "commission_reversed:" + cause, subOrder, commission,
                transfer(PLATFORM_COMMISSION_REVENUE, merchantPayable(subOrder.merchantId()), commission));
    }

    // Payouts and adjustments (settlement, decision 32).
    public static final String PAYOUTS_CLEARING = "payouts_clearing";
    public static final String ADJUSTMENTS = "adjustments";

    public static MoneyMovement payoutInitiated(UUID payoutId, UUID merchantId, Money amount) {
        return new MoneyMovement(EventType.PAYOUT_INITIATED, "payout_initiated:" + payoutId, ofMerchant(merchantId),
                amount, transfer(merchantPayable(merchantId), PAYOUTS_CLEARING, amount));
    }

    /** Paid out of the money the payment provider holds for us ({@code customer_payments}, decision 32). */
    public static MoneyMovement payoutPaid(UUID payoutId, UUID merchantId, Money amount) {
        return new MoneyMovement(EventType.PAYOUT_PAID, "payout_paid:" + payoutId, ofMerchant(merchantId), amount,
                transfer(PAYOUTS_CLEARING, CUSTOMER_PAYMENTS, amount));
    }

    public static MoneyMovement payoutFailed(UUID payoutId, UUID merchantId, Money amount) {
        return new MoneyMovement(EventType.PAYOUT_FAILED, "payout_failed:" + payoutId, ofMerchant(merchantId), amount,
                transfer(PAYOUTS_CLEARING, merchantPayable(merchantId), amount));
    }

    /** {@code credit} true: the merchant is owed {@code amount} more; false: {@code amount} less. */
    public static MoneyMovement adjustment(UUID adjustmentId, UUID merchantId, Money amount, boolean credit) {
        return new MoneyMovement(EventType.ADJUSTMENT, "adjustment:" + adjustmentId, ofMerchant(merchantId), amount,
                credit ? transfer(ADJUSTMENTS, merchantPayable(merchantId), amount)
                        : transfer(merchantPayable(merchantId), ADJUSTMENTS, amount));
    }

    private static Parties ofMerchant(UUID merchantId) {
        return new Parties(null, null, merchantId, null);
    }

    // Points (decision 35): each movement concerns one funder, 'platform' or 'merchant:{uuid}'.
    public static final String PLATFORM_POINTS_LIABILITY = "platform_points_liability";
    public static final String PLATFORM_POINTS_EXPENSE = "platform_points_expense";

    /** The funder's points liability: {@code platform_points_liability} or {@code merchant_points_liability:{m}}. */
    public static String pointsLiability(UUID merchantFunder) {
        return merchantFunder == null ? PLATFORM_POINTS_LIABILITY : "merchant_points_liability:" + merchantFunder;
    }

    /** Who pays for points: the merchant's payable (charged to what it is owed) or the platform's points expense. */
    public static String pointsCost(UUID merchantFunder) {
        return merchantFunder == null ? PLATFORM_POINTS_EXPENSE : merchantPayable(merchantFunder);
    }

    /** {@code cause} names the lot issued; a merchant funder is {@code parties.merchantId()}, null the platform. */
    public static MoneyMovement pointsFunded(String cause, Parties parties, UUID merchantFunder, Money amount) {
        return new MoneyMovement(EventType.POINTS_FUNDED, "points_funded:" + cause, parties, amount,
                transfer(pointsCost(merchantFunder), pointsLiability(merchantFunder), amount));
    }

    public static MoneyMovement pointsRedeemed(String cause, Parties order, UUID merchantFunder, Money amount) {
        return new MoneyMovement(EventType.POINTS_REDEEMED, "points_redeemed:" + cause, order, amount,
                transfer(pointsLiability(merchantFunder), ESCROW, amount));
    }

    /**
     * Redeemed points back to the customer: taken from escrow when the sub-order's escrow was never released
     * (cancelled, rejected), otherwise from the selling merchant's payable (a return after release).
     */
    public static MoneyMovement pointsRedemptionReturned(String cause, Parties subOrder, UUID merchantFunder,
                                                         boolean fromEscrow, Money amount) {
        return new MoneyMovement(EventType.POINTS_REDEMPTION_RETURNED, "points_redemption_returned:" + cause, subOrder,
                amount, transfer(fromEscrow ? ESCROW : merchantPayable(subOrder.merchantId()),
                pointsLiability(merchantFunder), amount));
    }

    public static MoneyMovement pointsExpired(String cause, Parties parties, UUID merchantFunder, Money amount) {
        return new MoneyMovement(EventType.POINTS_EXPIRED, "points_expired:" + cause, parties, amount,
                transfer(pointsLiability(merchantFunder), pointsCost(merchantFunder), amount));
    }

    public static MoneyMovement pointsVoided(String cause, Parties parties, UUID merchantFunder, Money amount) {
        return new MoneyMovement(EventType.POINTS_VOIDED, "points_voided:" + cause, parties, amount,
                transfer(pointsLiability(merchantFunder), pointsCost(merchantFunder), amount));
    }

    // Partner points exchange (decision 37): the points' liability against what the platform and the partner owe
    // each other at the terms' settlement price; the difference is the platform's exchange margin.
    public static final String POINTS_EXCHANGE_MARGIN = "platform_points_exchange_margin";

    /** What the platform owes the partner (credit) or the partner owes the platform (debit). */
    public static String partnerPointsClearing(UUID partnerId) {
        return "partner_points_clearing:" + Objects.requireNonNull(partnerId, "partner");
    }

    /** The value of points of one funder ({@code merchantFunder} null: the platform) that left a customer. */
    public record FunderValue(UUID merchantFunder, Money value) {
    }

    /**
     * Our points left for the partner: each funder's liability debited by its points' value, the partner's clearing
     * credited with what the platform owes it, the margin credited with the difference (debited if it is a loss).
     */
    public static MoneyMovement pointsExchangedOut(String cause, Parties parties, UUID partnerId,
                                                   List<FunderValue> taken, Money owedToPartner) {
        List<Leg> legs = new java.util.ArrayList<>();
        long value = 0;
        for (FunderValue funder : taken) {
            legs.add(new Leg(pointsLiability(funder.merchantFunder()), funder.value().amount(), funder.value().currency()));
            value = Math.addExact(value, funder.value().amount());
        }
        legs.add(new Leg(partnerPointsClearing(partnerId), Math.negateExact(owedToPartner.amount()),
                owedToPartner.currency()));
        legs.add(new Leg(POINTS_EXCHANGE_MARGIN, Math.subtractExact(owedToPartner.amount(), value),
                owedToPartner.currency()));
        return new MoneyMovement(EventType.POINTS_EXCHANGED_OUT, "points_exchanged_out:" + cause, parties,
                owedToPartner, legs);
    }

    /**
     * Partner points came in as ours: the partner's clearing debited with what it owes the platform, the platform's
     * points liability credited with the points' value, the margin with the difference.
     */
    public static MoneyMovement pointsExchangedIn(String cause, Parties parties, UUID partnerId, Money owedByPartner,
                                                  Money credited) {
        return new MoneyMovement(EventType.POINTS_EXCHANGED_IN, "points_exchanged_in:" + cause, parties, owedByPartner,
                exchangeIn(partnerId, owedByPartner, credited, 1));
    }

    /** An inbound exchange taken back: the legs of {@link #pointsExchangedIn} reversed. */
    public static MoneyMovement pointsExchangeReversed(String cause, Parties parties, UUID partnerId,
                                                       Money owedByPartner, Money credited) {
        return new MoneyMovement(EventType.POINTS_EXCHANGE_REVERSED, "points_exchange_reversed:" + cause, parties,
                owedByPartner, exchangeIn(partnerId, owedByPartner, credited, -1));
    }

    private static List<Leg> exchangeIn(UUID partnerId, Money owedByPartner, Money credited, int sign) {
        String currency = owedByPartner.currency();
        return List.of(new Leg(partnerPointsClearing(partnerId), sign * owedByPartner.amount(), currency),
                new Leg(PLATFORM_POINTS_LIABILITY, -sign * credited.amount(), credited.currency()),
                new Leg(POINTS_EXCHANGE_MARGIN, sign * Math.subtractExact(credited.amount(), owedByPartner.amount()),
                        currency));
    }

    // Coupons and promotions (decision 42): each movement concerns one coupon's funder, the platform or a merchant.
    public static final String PLATFORM_PROMOTIONS_EXPENSE = "platform_promotions_expense";

    /** Who pays for a coupon: the merchant's payable (charged to what it is owed) or the platform's promotions expense. */
    public static String couponCost(UUID merchantFunder) {
        return merchantFunder == null ? PLATFORM_PROMOTIONS_EXPENSE : merchantPayable(merchantFunder);
    }

    /** A coupon paid for part of a paid order: its funder's cost account debited, {@code escrow} credited. */
    public static MoneyMovement couponRedeemed(String cause, Parties order, UUID merchantFunder, Money amount) {
        return new MoneyMovement(EventType.COUPON_REDEEMED, "coupon_redeemed:" + cause, order, amount,
                transfer(couponCost(merchantFunder), ESCROW, amount));
    }

    /**
     * A coupon's share of units that came back goes back to its funder: from escrow when the sub-order's escrow was
     * never released (cancelled, rejected), otherwise from the selling merchant's payable (a return after release).
     */
    public static MoneyMovement couponRedemptionReturned(String cause, Parties subOrder, UUID merchantFunder,
                                                         boolean fromEscrow, Money amount) {
        return new MoneyMovement(EventType.COUPON_REDEMPTION_RETURNED, "coupon_redemption_returned:" + cause, subOrder,
                amount, transfer(fromEscrow ? ESCROW : merchantPayable(subOrder.merchantId()),
                couponCost(merchantFunder), amount));
    }

    private static List<Leg> transfer(String debited, String credited, Money amount) {
        return List.of(new Leg(debited, amount.amount(), amount.currency()),
                new Leg(credited, Math.negateExact(amount.amount()), amount.currency()));
    }

    @Override
    public JsonObject payload() {
        JsonArrayBuilder legsJson = JsonP.JSON.createArrayBuilder();
        legs.forEach(leg -> legsJson.add(JsonP.JSON.createObjectBuilder().add("account", leg.account())
                .add("amount", leg.amount()).add("currency", leg.currency())));
        var payload = JsonP.JSON.createObjectBuilder().add("amount", money(amount)).add("legs", legsJson);
        String subject = switch (type) {
            case PAYOUT_INITIATED, PAYOUT_PAID, PAYOUT_FAILED -> "payoutId";
            case ADJUSTMENT -> "adjustmentId";
            case REFUND_FAILED, REFUND_RETRIED -> "refundId";
            default -> null;
        };
        if (subject != null) { // webhook receivers look the payout or adjustment up by it (its factory's id)
            String id = idempotencyId.substring(idempotencyId.indexOf(':') + 1);
            payload.add(subject, (type == EventType.REFUND_FAILED || type == EventType.REFUND_RETRIED)
                    && id.contains(":") ? id.substring(0, id.indexOf(':')) : id);
        }
        return payload.build();
    }

    static MoneyMovement fromPayload(EventType type, String idempotencyId, Parties parties, JsonObject payload) {
        List<Leg> legs = payload.getJsonArray("legs").getValuesAs(JsonValue::asJsonObject).stream()
                .map(leg -> new Leg(leg.getString("account"), leg.getJsonNumber("amount").longValueExact(),
                        leg.getString("currency")))
                .toList();
        return new MoneyMovement(type, idempotencyId, parties, money(payload.getJsonObject("amount")), legs);
    }

    static JsonObject money(Money money) {
        return JsonP.JSON.createObjectBuilder().add("amount", money.amount()).add("currency", money.currency()).build();
    }

    static Money money(JsonObject json) {
        return Money.of(json.getJsonNumber("amount").longValueExact(), json.getString("currency"));
    }

    // Partner orders (decision 38): the partner pays on its account; what it owes is its receivable.
    /** What a partner owes the marketplace for its orders (debit = owed). */
    public static String partnerReceivable(UUID partnerId) {
        return "partner_receivable:" + Objects.requireNonNull(partnerId, "partner");
    }

    public static MoneyMovement partnerOrderCharged(UUID partnerId, Parties order, Money amount) {
        return new MoneyMovement(EventType.PARTNER_ORDER_CHARGED, "partner_order_charged:" + order.orderId(), order,
                amount, transfer(partnerReceivable(partnerId), ESCROW, amount));
    }

    /**
     * {@code cause} names what is given back (the sub-order, or a return): from escrow when the sub-order's escrow was
     * never released, otherwise from the merchant's payable.
     */
    public static MoneyMovement partnerOrderCredited(String cause, UUID partnerId, Parties subOrder, boolean fromEscrow,
                                                     Money amount) {
        return new MoneyMovement(EventType.PARTNER_ORDER_CREDITED, "partner_order_credited:" + cause, subOrder, amount,
                transfer(fromEscrow ? ESCROW : merchantPayable(subOrder.merchantId()), partnerReceivable(partnerId),
                        amount));
    }
}
