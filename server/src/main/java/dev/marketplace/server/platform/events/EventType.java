package dev.marketplace.server.platform.events;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

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
    /**
     * The provider refused a refund for good (decision 52): every attempt of the retry policy was refused. Money
     * movement without legs of its own, payload {@code {"amount", "legs": [], "refundId"}}: settlement undoes what
     * its cause posted (a return's commission reversal), named by the idempotency id
     * {@code refund_failed:{refund}[:{cause}]}.
     */
    REFUND_FAILED(true),
    /**
     * A refund given up and retried by the operator was done at last (decision 60): money movement without legs of
     * its own, payload {@code {"amount", "legs": [], "refundId"}}, appended beside its {@link #PAYMENT_REFUNDED}.
     * Settlement posts again what the refund's {@link #REFUND_FAILED} undid (a return's commission reversal), named
     * by the idempotency id {@code refund_retried:{refund}:{retry}[:{cause}]}.
     */
    REFUND_RETRIED(true),

    // The order lifecycle ({@link OrderLifecycleEvent}), appended by the orders domain's one transition function in
    // the transaction of the change. Payload {"storefrontId", "returnId"?, "fromStatus"?, "toStatus", "reason"?};
    // the event's parties name the order, the sub-order and its merchant where there is one, and the customer.
    /** Checkout placed an order ({@code fromStatus} absent); its sub-orders await payment. */
    ORDER_PLACED(false),
    /** The order's payment was captured; its sub-orders now await their merchants' acceptance. */
    ORDER_PAID(false),
    /** Every sub-order of the paid order is final (delivered, closed, rejected or cancelled). */
    ORDER_COMPLETED(false),
    /** The order was not paid by its deadline; its stock is released. */
    ORDER_EXPIRED(false),
    /** The customer or the operator cancelled the order (each open sub-order gets {@link #SUB_ORDER_CANCELLED}). */
    ORDER_CANCELLED(false),
    /** A merchant's sub-order is paid and awaits its acceptance (the merchant's "new order"). */
    SUB_ORDER_AWAITING_ACCEPTANCE(false),
    SUB_ORDER_ACCEPTED(false),
    /** The merchant refused the sub-order, or did not accept it in time; it is refunded and restocked. */
    SUB_ORDER_REJECTED(false),
    /** A shipment left: {@code toStatus} is {@code partially_shipped} until every unit has shipped, then {@code shipped}. */
    SUB_ORDER_SHIPPED(false),
    /** Delivered (the merchant or the carrier says so): the sub-order's escrow is released. */
    SUB_ORDER_DELIVERED(false),
    /** A paid sub-order cancelled before shipment, by its merchant or with its whole order; refunded and restocked. */
    SUB_ORDER_CANCELLED(false),
    /** The customer asked to return shipped units ({@code returnId}, {@code fromStatus} absent). */
    RETURN_REQUESTED(false),
    RETURN_APPROVED(false),
    RETURN_REFUSED(false),
    /** The goods came back (restocked or written off). */
    RETURN_RECEIVED(false),
    /** The return's refund was requested from the provider (followed by {@link #REFUND_REQUESTED}). */
    RETURN_REFUNDED(false),

    // Catalog, inventory and merchants (issue 15), appended by the owning domain in the transaction of the change as
    // a DomainFact, whose JSON payload is the one documented here (and in the OpenAPI document, for webhooks).
    /** The operator approved a product: {@code {"productId", "fromStatus", "toStatus"}}; parties: its merchant. */
    PRODUCT_PUBLISHED(false),
    /**
     * A product was refused, by the operator or at once by the compliance check on submission:
     * {@code {"productId", "fromStatus", "toStatus", "reasons": [text]}}; parties: its merchant.
     */
    PRODUCT_REJECTED(false),
    /**
     * Stock of a variant at a location fell below its low-stock threshold (the row of {@code low_stock_event}):
     * {@code {"lowStockEventId", "variantId", "locationId", "available", "threshold"}}; parties: its merchant.
     */
    STOCK_LOW(false),
    /**
     * A merchant's status changed (the row of {@code merchant_status_change}):
     * {@code {"statusChangeId", "fromStatus" (absent on application), "toStatus", "reasons": [text]}}.
     */
    MERCHANT_STATUS_CHANGED(false),
    /**
     * The marketplace disabled a webhook endpoint: it answered 410 Gone, or failed for its whole retry schedule:
     * {@code {"endpointId", "ownerType", "ownerId", "reason": "gone" | "failing", "url"}}; parties: its merchant, if a
     * merchant owns it.
     */
    WEBHOOK_ENDPOINT_DISABLED(false),

    // Settlement's own money movements (decision 31), appended by the settlement domain and posted by its ledger
    // subscriber like every other movement.
    /** A merchant's monthly plan fee: {@code merchant_payable:{merchant}} debited, {@code platform_fee_revenue} credited. */
    PLAN_FEE_CHARGED(true),
    /** The payment provider's fee on a capture, borne by the platform: {@code payment_fees} debited, {@code customer_payments} credited. */
    PAYMENT_FEE_CHARGED(true),
    /** An admission deposit withheld from the merchant: {@code merchant_payable:{merchant}} debited, {@code merchant_reserve:{merchant}} credited. */
    DEPOSIT_RECORDED(true),
    /** An admission deposit given back (decision 52): {@code merchant_reserve:{merchant}} debited, {@code merchant_payable:{merchant}} credited. */
    DEPOSIT_REFUNDED(true),
    /** A share of an escrow release held back: {@code merchant_payable:{merchant}} debited, {@code merchant_reserve:{merchant}} credited. */
    RESERVE_HELD(true),
    /** A held share let go when due: {@code merchant_reserve:{merchant}} debited, {@code merchant_payable:{merchant}} credited. */
    RESERVE_RELEASED(true),

    // Payouts and adjustments (settlement, decision 32).
    /** A payout left for the merchant's bank: {@code merchant_payable:{merchant}} debited, {@code payouts_clearing} credited. */
    PAYOUT_INITIATED(true),
    /** The payout provider paid it: {@code payouts_clearing} debited, {@code customer_payments} credited. */
    PAYOUT_PAID(true),
    /** The payout provider did not pay it: the money goes back, {@code payouts_clearing} debited, the payable credited. */
    PAYOUT_FAILED(true),
    /** An operator's credit ({@code adjustments} debited, the payable credited) or debit (the reverse) of a merchant. */
    ADJUSTMENT(true),

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
    POINTS_VOIDED(true),

    // Sales channels (decision 41): the revenue share and deposits, appended by the channels domain.
    /** A channel's share of a released sub-order: the funder (platform commission or the merchant's payable) debited, {@code channel_payable:{channel}} credited. */
    CHANNEL_SHARE_ACCRUED(true),
    /** A refund's part of that share given back: the legs of {@link #CHANNEL_SHARE_ACCRUED} reversed. */
    CHANNEL_SHARE_REVERSED(true),
    /** A channel's deposit withheld from what it is owed: {@code channel_payable:{channel}} debited, {@code channel_reserve:{channel}} credited. */
    CHANNEL_DEPOSIT_RECORDED(true),
    /** The operator drew on a channel's deposit: {@code channel_reserve:{channel}} debited, {@code channel_deposit_draws} credited. */
    CHANNEL_DEPOSIT_DRAWN(true),
    // Drop-shipping (decision 39), appended by the dropship domain as a DomainFact.
    /**
     * A supplier connection's last successful stock sync is too old: its listings stopped selling until a sync
     * succeeds: {@code {"connectionId", "lastSuccessfulSyncAt", "variantsOffSale"}}; parties: its merchant.
     */
    DROPSHIP_STALE(false),
    // The partner points exchange (decision 37), appended by the partners domain in the transaction of the change.
    /** Our points left for a partner: the funders' points liabilities debited, {@code partner_points_clearing:{partner}} credited, {@code platform_points_exchange_margin} the difference. */
    POINTS_EXCHANGED_OUT(true),
    /** A partner's points came in as ours: {@code partner_points_clearing:{partner}} debited, {@code platform_points_liability} credited, the margin the difference. */
    POINTS_EXCHANGED_IN(true),
    /** An inbound exchange reversed by the partner: the legs of {@link #POINTS_EXCHANGED_IN} reversed. */
    POINTS_EXCHANGE_REVERSED(true),
    /**
     * An exchange reached its outcome (DomainFact): {@code {"exchangeId", "partnerId", "direction", "reference",
     * "memberId", "points", "partnerPoints", "state", "ownerType": "partner", "ownerId": partnerId}}; parties: the
     * customer. {@code direction} {@code compensation}: the partner credited after the exchange had been released.
     */
    EXCHANGE_COMPLETED(false),
    /** An outbound exchange failed and its points went back to the customer (DomainFact, payload as above). */
    EXCHANGE_FAILED(false),
    /** The partner reversed an inbound exchange (DomainFact, payload as above). */
    EXCHANGE_REVERSED(false),
    // Reviews (decision 40), appended by the reviews domain as a DomainFact in the transaction of the change; the
    // payload is {"reviewId", "productId", "subOrderId", "rating", "status", "replyDueAt"?}; parties: the merchant.
    /** A customer reviewed a delivered line (published at once, or held for moderation: {@code status}). */
    REVIEW_CREATED(false),
    /** A review became visible to storefronts: at once when clean, or when the operator published it. */
    REVIEW_PUBLISHED(false),
    /** A negative review's reply deadline ({@code replyDueAt}) passed without the merchant's reply. */
    REVIEW_REPLY_OVERDUE(false),
    // Coupons and promotions (decision 42): the money side of a coupon, one funder per movement.
    /** A coupon paid for part of a paid order: the funder's cost ({@code merchant_payable:{m}} or {@code platform_promotions_expense}) debited, {@code escrow} credited. */
    COUPON_REDEEMED(true),
    /** A coupon's share of cancelled or returned units back to its funder: {@code escrow} or the selling merchant's payable debited, the funder's cost credited. */
    COUPON_REDEMPTION_RETURNED(true),
    // Partner orders (partners.inventory, decision 38): paid on the partner's account instead of a payment provider.
    /** A partner order's total charged to the partner: {@code partner_receivable:{partner}} debited, {@code escrow} credited. */
    PARTNER_ORDER_CHARGED(true),
    /**
     * A partner sub-order's money given back to the partner (rejected, cancelled, returned): {@code escrow} (never
     * released) or the merchant's payable (released) debited, {@code partner_receivable:{partner}} credited.
     */
    PARTNER_ORDER_CREDITED(true),
    // Partner leases (partners.inventory, decisions 38 and 45), DomainFacts to the partner holding the lease:
    // {"leaseId", "status", "orderId" (committed only), "ownerType": "partner", "ownerId": partnerId}; no parties.
    /** A lease was committed into a partner order. */
    LEASE_COMMITTED(false),
    /** The partner released a lease; its stock is free again. */
    LEASE_RELEASED(false),
    /** A lease was not committed in time and lapsed; its stock is free again. */
    LEASE_LAPSED(false),
    // Service-level warnings (decision 56), appended by the merchants domain as DomainFacts.
    /**
     * A merchant missed a service-level threshold and is warned:
     * {@code {"from", "to", "warnedAt", "measures": [{"name", "due", "inTime", "shareBasisPoints",
     * "thresholdBasisPoints"}]}}; parties: the merchant.
     */
    MERCHANT_WARNED(false),
    /** A warned merchant is back within every threshold: {@code {"clearedAt", "warnedAt"}}; parties: the merchant. */
    MERCHANT_WARNING_CLEARED(false);

    /**
     * Each type by its wire name: a subscriber's read names the type of every event it reads, and finding it by
     * lower-casing every constant's name per event was a tenth of the subscribers' allocation (decision 142).
     */
    private static final Map<String, EventType> BY_WIRE_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(EventType::wireName, type -> type));

    private final boolean moneyMovement;
    private final String wireName;

    EventType(boolean moneyMovement) {
        this.moneyMovement = moneyMovement;
        this.wireName = name().toLowerCase(Locale.ROOT);
    }

    public boolean isMoneyMovement() {
        return moneyMovement;
    }

    public String wireName() {
        return wireName;
    }

    public static EventType fromWireName(String wireName) {
        EventType type = wireName == null ? null : BY_WIRE_NAME.get(wireName); // the map refuses a null key
        if (type == null) {
            throw new IllegalArgumentException("unknown event type " + wireName);
        }
        return type;
    }
}
