package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.LEDGER_PENDING_COMMISSION;

import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.MoneyMovement.Leg;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.events.StoredEvent;
import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.money.Money;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.JSONB;

/**
 * The posting rules (decision 29): each money movement becomes at most one ledger transaction, caused by its event,
 * in the subscriber's batch transaction (which also moves its cursor), so each posts exactly once.
 *
 * <ul>
 *   <li>Most movements post their own legs.</li>
 *   <li>Commission accrues when the sub-order's escrow is released: {@code commission_accrued} (recorded by the
 *       orders domain at payment) waits in {@code ledger_pending_commission} until {@code escrow_released} posts it,
 *       or the sub-order's own {@code commission_reversed} (rejected or cancelled before shipment) voids it, which
 *       then posts nothing. A return's reversal posts its legs.</li>
 *   <li>{@code payment_refunded} also clears {@code refunds_clearing} against the money the refund came from: the
 *       sub-order's escrow if the sub-order was rejected or cancelled (its escrow is never released), otherwise
 *       the merchant's payable (a return: its escrow is or will be released whole).</li>
 *   <li>Decision 31: the held commission posts the amount {@link Commissions} charges (GMV tiers, the merchant's
 *       override), a return reverses its share of that; a capture records its payment fee and a release its rolling
 *       reserve share, as movements of their own that this subscriber then posts like any other.</li>
 * </ul>
 */
final class LedgerPosting {

    static final String SUBSCRIBER = "settlement.ledger-posting";

    private static final String PENDING = "pending";
    private static final String POSTED = "posted";
    private static final String VOIDED = "voided";

    private final Ledger ledger;
    private final Commissions commissions;
    private final PaymentFees paymentFees;
    private final Reserves reserves;

    LedgerPosting(Ledger ledger, Commissions commissions, PaymentFees paymentFees, Reserves reserves) {
        this.ledger = ledger;
        this.commissions = commissions;
        this.paymentFees = paymentFees;
        this.reserves = reserves;
    }

    Subscriber subscriber() {
        return new Subscriber(SUBSCRIBER, Arrays.stream(EventType.values()).filter(EventType::isMoneyMovement)
                .collect(Collectors.toSet()), this::post, this::postAll);
    }

    /**
     * In the subscriber's transaction: a batch's events posted as {@link #post} would one by one, their ledger
     * writes set-based at the end (decision 53).
     */
    void postAll(DSLContext tx, List<StoredEvent> batch) {
        ledger.batched(tx, () -> batch.forEach(stored -> post(tx, stored)));
    }

    /** In the subscriber's transaction: the event's effect on the ledger; a replay changes nothing. */
    void post(DSLContext tx, StoredEvent stored) {
        MoneyMovement movement = (MoneyMovement) stored.event();
        Ledger.Cause cause = Ledger.Cause.of(stored);
        ledger.reference(tx, stored.eventId(), movement.idempotencyId());
        switch (movement.type()) {
            case COMMISSION_ACCRUED -> holdCommission(tx, stored, movement);
            case ESCROW_RELEASED -> {
                ledger.post(tx, cause, movement.legs());
                postHeldCommission(tx, stored, movement.parties().subOrderId());
                reserves.holdShareOf(tx, stored, movement);
            }
            case COMMISSION_REVERSED -> {
                if (!voidsHeldCommission(tx, stored.eventId(), movement)) {
                    ledger.post(tx, cause, returnReversal(tx, stored, movement));
                }
            }
            case PAYMENT_CAPTURED -> {
                ledger.post(tx, cause, movement.legs());
                paymentFees.chargeOn(tx, movement);
            }
            case PAYMENT_REFUNDED -> ledger.post(tx, cause, withClearing(tx, movement));
            case REFUND_FAILED -> ledger.post(tx, cause, undoneByFailedRefund(tx, movement));
            default -> ledger.post(tx, cause, movement.legs());
        }
    }

    private void holdCommission(DSLContext tx, StoredEvent stored, MoneyMovement accrued) {
        Parties parties = accrued.parties();
        boolean released = ledger.postedFor(tx, parties.subOrderId(), EventType.ESCROW_RELEASED.wireName());
        int held = tx.insertInto(LEDGER_PENDING_COMMISSION)
                .set(LEDGER_PENDING_COMMISSION.SUB_ORDER_ID, parties.subOrderId())
                .set(LEDGER_PENDING_COMMISSION.EVENT_ID, stored.eventId())
                .set(LEDGER_PENDING_COMMISSION.EVENT_POSITION, stored.position())
                .set(LEDGER_PENDING_COMMISSION.ORDER_ID, parties.orderId())
                .set(LEDGER_PENDING_COMMISSION.MERCHANT_ID, parties.merchantId())
                .set(LEDGER_PENDING_COMMISSION.CUSTOMER_ID, parties.customerId())
                .set(LEDGER_PENDING_COMMISSION.LEGS, JSONB.jsonb(legsJson(accrued.legs())))
                .set(LEDGER_PENDING_COMMISSION.STATE, released ? POSTED : PENDING)
                .onConflict(LEDGER_PENDING_COMMISSION.SUB_ORDER_ID).doNothing()
                .execute();
        if (held == 1 && released) { // released first (not what the orders domain does today): accrues at once
            ledger.post(tx, Ledger.Cause.of(stored), charged(tx, parties, accrued.amount(), stored.occurredAt()));
        }
    }

    private void postHeldCommission(DSLContext tx, StoredEvent released, UUID subOrderId) {
        var held = tx.update(LEDGER_PENDING_COMMISSION).set(LEDGER_PENDING_COMMISSION.STATE, POSTED)
                .where(LEDGER_PENDING_COMMISSION.SUB_ORDER_ID.eq(subOrderId))
                .and(LEDGER_PENDING_COMMISSION.STATE.eq(PENDING))
                .returning().fetchOptional();
        held.ifPresent(row -> {
            Parties parties = new Parties(row.getOrderId(), subOrderId, row.getMerchantId(), row.getCustomerId());
            ledger.post(tx, new Ledger.Cause(row.getEventId(), EventType.COMMISSION_ACCRUED, row.getEventPosition(),
                    parties), charged(tx, parties, accrued(row.getLegs().data()), released.occurredAt()));
        });
    }

    private List<Leg> charged(DSLContext tx, Parties subOrder, Money recorded, OffsetDateTime at) {
        return SettlementMovements.commission(subOrder.merchantId(), commissions.charged(tx, subOrder,
                recorded.currency(), recorded.amount(), at), recorded.currency());
    }

    /** The accrual's amount, from its legs: what the merchant's payable is debited. */
    private static Money accrued(String legsJson) {
        Leg debited = legs(legsJson).stream().filter(leg -> leg.amount() >= 0).findFirst().orElseThrow();
        return Money.of(debited.amount(), debited.currency());
    }

    /** A return's reversal (decision 31): its share of what the sub-order was charged. */
    private List<Leg> returnReversal(DSLContext tx, StoredEvent stored, MoneyMovement reversed) {
        Parties subOrder = reversed.parties();
        String currency = reversed.amount().currency();
        long recorded = Optional.ofNullable(tx.select(LEDGER_PENDING_COMMISSION.LEGS).from(LEDGER_PENDING_COMMISSION)
                        .where(LEDGER_PENDING_COMMISSION.SUB_ORDER_ID.eq(subOrder.subOrderId()))
                        .fetchOne(LEDGER_PENDING_COMMISSION.LEGS))
                .map(legs -> accrued(legs.data()).amount()).orElse(0L);
        return SettlementMovements.commissionReversal(subOrder.merchantId(), commissions.reversal(tx, subOrder,
                currency, recorded, reversed.amount().amount(), stored.occurredAt()), currency);
    }

    /**
     * The sub-order's own reversal (not a return's) of a commission still held voids it, and posts nothing (nor
     * when it is replayed).
     */
    private boolean voidsHeldCommission(DSLContext tx, UUID eventId, MoneyMovement reversed) {
        UUID subOrderId = reversed.parties().subOrderId();
        if (!reversed.idempotencyId().equals("commission_reversed:" + subOrderId)) {
            return false;
        }
        return tx.update(LEDGER_PENDING_COMMISSION).set(LEDGER_PENDING_COMMISSION.STATE, VOIDED)
                .set(LEDGER_PENDING_COMMISSION.VOIDED_BY, eventId)
                .where(LEDGER_PENDING_COMMISSION.SUB_ORDER_ID.eq(subOrderId))
                .and(LEDGER_PENDING_COMMISSION.STATE.eq(PENDING).or(LEDGER_PENDING_COMMISSION.VOIDED_BY.eq(eventId)))
                .execute() == 1;
    }

    /**
     * A refund the provider finally refused (decision 52): what its cause posted for the refund is undone — a
     * return's commission reversal, so the merchant, who keeps the customer's money, does not keep the commission
     * too. Nothing else moved for the refund (its clearing posts only on {@code payment_refunded}).
     */
    private List<Leg> undoneByFailedRefund(DSLContext tx, MoneyMovement failed) {
        return MoneyMovement.refundFailureCause(failed.idempotencyId())
                .map(cause -> ledger.legsPostedFor(tx, "commission_reversed:" + cause).stream()
                        .map(leg -> new Leg(leg.account(), Math.negateExact(leg.amount()), leg.currency()))
                        .toList())
                .orElse(List.of());
    }

    private List<Leg> withClearing(DSLContext tx, MoneyMovement refunded) {
        UUID subOrderId = refunded.parties().subOrderId();
        String chargedTo = subOrderVoided(tx, subOrderId)
                ? MoneyMovement.ESCROW : MoneyMovement.merchantPayable(refunded.parties().merchantId());
        List<Leg> legs = new ArrayList<>(refunded.legs());
        legs.add(new Leg(chargedTo, refunded.amount().amount(), refunded.amount().currency()));
        legs.add(new Leg(MoneyMovement.REFUNDS_CLEARING, -refunded.amount().amount(), refunded.amount().currency()));
        return legs;
    }

    private boolean subOrderVoided(DSLContext tx, UUID subOrderId) {
        return Optional.ofNullable(tx.select(LEDGER_PENDING_COMMISSION.STATE).from(LEDGER_PENDING_COMMISSION)
                .where(LEDGER_PENDING_COMMISSION.SUB_ORDER_ID.eq(subOrderId)).fetchOne(LEDGER_PENDING_COMMISSION.STATE))
                .filter(VOIDED::equals).isPresent();
    }

    private static String legsJson(List<Leg> legs) {
        JsonArrayBuilder json = Json.createArrayBuilder();
        legs.forEach(leg -> json.add(Json.createObjectBuilder().add("account", leg.account())
                .add("amount", leg.amount()).add("currency", leg.currency())));
        return json.build().toString();
    }

    private static List<Leg> legs(String json) {
        try (var reader = Json.createReader(new StringReader(json))) {
            return reader.readArray().getValuesAs(JsonValue::asJsonObject).stream()
                    .map(leg -> new Leg(leg.getString("account"), leg.getJsonNumber("amount").longValueExact(),
                            leg.getString("currency")))
                    .toList();
        }
    }
}
