package dev.marketplace.server.settlement;

import dev.marketplace.schema.tables.records.LedgerPendingCommissionRecord;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.MoneyMovement.Leg;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.events.StoredEvent;
import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.money.Money;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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

    private static final String PENDING = PostingBatch.PENDING;
    private static final String POSTED = PostingBatch.POSTED;
    private static final String VOIDED = PostingBatch.VOIDED;
    /** The movements whose rules read held commissions, commission decisions and GMV. */
    private static final Set<EventType> COMMISSION_TYPES = Set.of(EventType.COMMISSION_ACCRUED,
            EventType.ESCROW_RELEASED, EventType.COMMISSION_REVERSED, EventType.PAYMENT_REFUNDED);

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
                .collect(Collectors.toSet()), (tx, stored) -> postAll(tx, List.of(stored)), this::postAll);
    }

    /**
     * In the subscriber's transaction: a batch's events posted one by one by the posting rules, what they read loaded
     * for the whole batch first and what they write — ledger transactions and the rules' own rows — written set-based
     * at its end (decisions 53 and 60). A single event is a batch of one.
     */
    void postAll(DSLContext tx, List<StoredEvent> batch) {
        PostingBatch state = PostingBatch.load(tx, commissions.basis(), ledger, announced(batch));
        ledger.batched(tx, () -> batch.forEach(stored -> post(tx, state, stored)));
        state.write();
    }

    /** The sub-orders, merchants and months the batch's events will ask about. */
    private PostingBatch.Announced announced(List<StoredEvent> batch) {
        Set<UUID> subOrders = new HashSet<>();
        Set<UUID> accrued = new HashSet<>();
        Set<UUID> merchants = new HashSet<>();
        Set<PostingBatch.MonthKey> months = new HashSet<>();
        for (StoredEvent stored : batch) {
            MoneyMovement movement = (MoneyMovement) stored.event();
            Parties parties = movement.parties();
            if (parties.subOrderId() == null || !COMMISSION_TYPES.contains(movement.type())) {
                continue;
            }
            subOrders.add(parties.subOrderId());
            if (movement.type() == EventType.COMMISSION_ACCRUED) {
                accrued.add(parties.subOrderId());
            }
            if (parties.merchantId() != null) {
                merchants.add(parties.merchantId());
                months.add(new PostingBatch.MonthKey(parties.merchantId(), movement.amount().currency(),
                        commissions.monthOf(stored.occurredAt())));
            }
        }
        return new PostingBatch.Announced(subOrders, accrued, merchants, months);
    }

    /** The event's effect on the ledger; a replay changes nothing. */
    private void post(DSLContext tx, PostingBatch batch, StoredEvent stored) {
        MoneyMovement movement = (MoneyMovement) stored.event();
        Ledger.Cause cause = Ledger.Cause.of(stored);
        ledger.reference(tx, stored.eventId(), movement.idempotencyId());
        switch (movement.type()) {
            case COMMISSION_ACCRUED -> holdCommission(tx, batch, stored, movement);
            case ESCROW_RELEASED -> {
                ledger.post(tx, cause, movement.legs());
                batch.release(movement.parties().subOrderId());
                postHeldCommission(tx, batch, stored, movement.parties().subOrderId());
                reserves.holdShareOf(batch, stored, movement);
            }
            case COMMISSION_REVERSED -> {
                if (!voidsHeldCommission(batch, stored.eventId(), movement)) {
                    ledger.post(tx, cause, returnReversal(batch, stored, movement));
                }
            }
            case PAYMENT_CAPTURED -> {
                ledger.post(tx, cause, movement.legs());
                paymentFees.chargeOn(batch, movement);
            }
            case PAYMENT_REFUNDED -> ledger.post(tx, cause, withClearing(batch, movement));
            case REFUND_FAILED -> ledger.post(tx, cause, undoneByFailedRefund(tx, movement));
            case REFUND_RETRIED -> ledger.post(tx, cause, negated(ledger.legsPostedFor(tx,
                    MoneyMovement.failureRetried(movement.idempotencyId()))));
            default -> ledger.post(tx, cause, movement.legs());
        }
    }

    private void holdCommission(DSLContext tx, PostingBatch batch, StoredEvent stored, MoneyMovement accrued) {
        Parties parties = accrued.parties();
        boolean released = batch.released(parties.subOrderId());
        LedgerPendingCommissionRecord commission = new LedgerPendingCommissionRecord();
        commission.setSubOrderId(parties.subOrderId());
        commission.setEventId(stored.eventId());
        commission.setEventPosition(stored.position());
        commission.setOrderId(parties.orderId());
        commission.setMerchantId(parties.merchantId());
        commission.setCustomerId(parties.customerId());
        commission.setLegs(JSONB.jsonb(legsJson(accrued.legs())));
        commission.setState(released ? POSTED : PENDING);
        if (batch.hold(commission) && released) { // released first (not what the orders domain does today): accrues at once
            ledger.post(tx, Ledger.Cause.of(stored), charged(batch, parties, accrued.amount(), stored.occurredAt()));
        }
    }

    private void postHeldCommission(DSLContext tx, PostingBatch batch, StoredEvent released, UUID subOrderId) {
        batch.held(subOrderId).filter(row -> PENDING.equals(row.getState())).ifPresent(row -> {
            batch.settle(row, POSTED, null);
            Parties parties = new Parties(row.getOrderId(), subOrderId, row.getMerchantId(), row.getCustomerId());
            ledger.post(tx, new Ledger.Cause(row.getEventId(), EventType.COMMISSION_ACCRUED, row.getEventPosition(),
                    parties), charged(batch, parties, accrued(row.getLegs().data()), released.occurredAt()));
        });
    }

    private List<Leg> charged(PostingBatch batch, Parties subOrder, Money recorded, OffsetDateTime at) {
        return SettlementMovements.commission(subOrder.merchantId(), commissions.charged(batch, subOrder,
                recorded.currency(), recorded.amount(), at), recorded.currency());
    }

    /** The accrual's amount, from its legs: what the merchant's payable is debited. */
    private static Money accrued(String legsJson) {
        Leg debited = legs(legsJson).stream().filter(leg -> leg.amount() >= 0).findFirst().orElseThrow();
        return Money.of(debited.amount(), debited.currency());
    }

    /** A return's reversal (decision 31): its share of what the sub-order was charged. */
    private List<Leg> returnReversal(PostingBatch batch, StoredEvent stored, MoneyMovement reversed) {
        Parties subOrder = reversed.parties();
        String currency = reversed.amount().currency();
        long recorded = batch.held(subOrder.subOrderId()).map(row -> accrued(row.getLegs().data()).amount()).orElse(0L);
        return SettlementMovements.commissionReversal(subOrder.merchantId(), commissions.reversal(batch, subOrder,
                currency, recorded, reversed.amount().amount(), stored.occurredAt()), currency);
    }

    /**
     * The sub-order's own reversal (not a return's) of a commission still held voids it, and posts nothing (nor
     * when it is replayed).
     */
    private boolean voidsHeldCommission(PostingBatch batch, UUID eventId, MoneyMovement reversed) {
        UUID subOrderId = reversed.parties().subOrderId();
        if (!reversed.idempotencyId().equals("commission_reversed:" + subOrderId)) {
            return false;
        }
        Optional<LedgerPendingCommissionRecord> held = batch.held(subOrderId);
        held.filter(row -> PENDING.equals(row.getState())).ifPresent(row -> batch.settle(row, VOIDED, eventId));
        return held.filter(row -> eventId.equals(row.getVoidedBy())).isPresent();
    }

    /**
     * A refund the provider finally refused (decision 52): what its cause posted for the refund is undone — a
     * return's commission reversal, so the merchant, who keeps the customer's money, does not keep the commission
     * too. Nothing else moved for the refund (its clearing posts only on {@code payment_refunded}).
     */
    private List<Leg> undoneByFailedRefund(DSLContext tx, MoneyMovement failed) {
        return MoneyMovement.refundFailureCause(failed.idempotencyId())
                .map(cause -> negated(ledger.legsPostedFor(tx, "commission_reversed:" + cause)))
                .orElse(List.of());
    }

    /** The exact opposite of posted legs: what undoes them, or redoes what they undid. */
    private static List<Leg> negated(List<Leg> posted) {
        return posted.stream().map(leg -> new Leg(leg.account(), Math.negateExact(leg.amount()), leg.currency()))
                .toList();
    }

    private List<Leg> withClearing(PostingBatch batch, MoneyMovement refunded) {
        UUID subOrderId = refunded.parties().subOrderId();
        boolean voided = subOrderId != null
                && batch.held(subOrderId).filter(row -> VOIDED.equals(row.getState())).isPresent();
        String chargedTo = voided ? MoneyMovement.ESCROW : MoneyMovement.merchantPayable(refunded.parties().merchantId());
        List<Leg> legs = new ArrayList<>(refunded.legs());
        legs.add(new Leg(chargedTo, refunded.amount().amount(), refunded.amount().currency()));
        legs.add(new Leg(MoneyMovement.REFUNDS_CLEARING, -refunded.amount().amount(), refunded.amount().currency()));
        return legs;
    }

    private static String legsJson(List<Leg> legs) {
        JsonArrayBuilder json = JsonP.JSON.createArrayBuilder();
        legs.forEach(leg -> json.add(JsonP.JSON.createObjectBuilder().add("account", leg.account())
                .add("amount", leg.amount()).add("currency", leg.currency())));
        return json.build().toString();
    }

    private static List<Leg> legs(String json) {
        try (var reader = JsonP.JSON.createReader(new StringReader(json))) {
            return reader.readArray().getValuesAs(JsonValue::asJsonObject).stream()
                    .map(leg -> new Leg(leg.getString("account"), leg.getJsonNumber("amount").longValueExact(),
                            leg.getString("currency")))
                    .toList();
        }
    }
}
