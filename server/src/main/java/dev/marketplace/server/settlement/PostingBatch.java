package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.LEDGER_PENDING_COMMISSION;
import static dev.marketplace.schema.Tables.SETTLEMENT_COMMISSION;
import static dev.marketplace.schema.Tables.SETTLEMENT_COMMISSION_OVERRIDE;
import static dev.marketplace.schema.Tables.SETTLEMENT_MERCHANT_GMV;
import static dev.marketplace.schema.Tables.SETTLEMENT_RESERVE_HOLD;

import dev.marketplace.schema.tables.records.LedgerPendingCommissionRecord;
import dev.marketplace.schema.tables.records.SettlementCommissionRecord;
import dev.marketplace.schema.tables.records.SettlementReserveHoldRecord;
import dev.marketplace.server.platform.events.DomainEvent;
import dev.marketplace.server.platform.events.DomainEvents;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * What the posting rules of one subscriber batch read and write besides the ledger itself (decision 60): held
 * commissions, commission decisions, the merchants' monthly GMV, overrides, the orders' lines, rolling reserve holds
 * and the movements settlement appends. Read for the whole batch in one statement each before its events are posted,
 * kept and changed in memory while they are, written in one statement each after them — instead of about eight
 * statements per order. A key the batch did not announce is read on its own when first asked for, so the result never
 * depends on the announcement, only the number of statements does.
 *
 * <p>Only the posting subscriber writes these tables, one batch at a time under its cursor's row lock, so what was
 * read at the batch's start stays true until it commits.
 */
final class PostingBatch {

    static final String PENDING = "pending";
    static final String POSTED = "posted";
    static final String VOIDED = "voided";

    /** A merchant's GMV in a calendar month and currency (the tiers' position). */
    record MonthKey(UUID merchantId, String currency, LocalDate month) {
    }

    /** The sub-orders, merchants and months a batch will ask about. */
    record Announced(Set<UUID> subOrders, Set<UUID> accruedSubOrders, Set<UUID> merchants, Set<MonthKey> months) {
    }

    private final DSLContext tx;
    private final Commissions.Basis basis;
    private final Ledger ledger;
    private final Map<UUID, Optional<LedgerPendingCommissionRecord>> held = new HashMap<>();
    private final Set<UUID> heldChanged = new HashSet<>();
    private final Map<UUID, Optional<SettlementCommissionRecord>> decided = new HashMap<>();
    private final List<SettlementCommissionRecord> decisions = new ArrayList<>();
    private final Map<UUID, Optional<List<CommissionRates.Line>>> lines = new HashMap<>();
    private final Map<UUID, OptionalInt> overrides = new HashMap<>();
    private final Map<MonthKey, Long> gmv = new HashMap<>();
    private final Map<MonthKey, Long> gmvAdded = new LinkedHashMap<>();
    private final Map<UUID, Boolean> released = new HashMap<>();
    private final Map<UUID, SettlementReserveHoldRecord> reserveHolds = new LinkedHashMap<>();
    private final Map<UUID, DomainEvent> reserveHeldEvents = new HashMap<>();
    private final List<DomainEvent> appended = new ArrayList<>();

    private PostingBatch(DSLContext tx, Commissions.Basis basis, Ledger ledger) {
        this.tx = tx;
        this.basis = basis;
        this.ledger = ledger;
    }

    /** Reads what the batch announced: six statements at most, whatever its size. */
    static PostingBatch load(DSLContext tx, Commissions.Basis basis, Ledger ledger, Announced announced) {
        PostingBatch batch = new PostingBatch(tx, basis, ledger);
        batch.loadHeld(announced.subOrders());
        batch.loadReleased(announced.accruedSubOrders());
        batch.loadDecided(announced.subOrders());
        batch.loadLines(announced.subOrders().stream().filter(id -> batch.decided.get(id).isEmpty()).toList());
        batch.loadOverrides(announced.merchants());
        batch.loadGmv(announced.months());
        return batch;
    }

    // Held commissions (ledger_pending_commission).

    Optional<LedgerPendingCommissionRecord> held(UUID subOrderId) {
        if (!held.containsKey(subOrderId)) {
            loadHeld(Set.of(subOrderId));
        }
        return held.get(subOrderId);
    }

    /** Holds the accrual unless the sub-order holds one already; whether it was held. */
    boolean hold(LedgerPendingCommissionRecord accrual) {
        if (held(accrual.getSubOrderId()).isPresent()) {
            return false;
        }
        held.put(accrual.getSubOrderId(), Optional.of(accrual));
        heldChanged.add(accrual.getSubOrderId());
        return true;
    }

    /** Moves the held commission to {@code state} (voided by {@code voidedBy}, else null). */
    void settle(LedgerPendingCommissionRecord commission, String state, UUID voidedBy) {
        commission.setState(state);
        commission.setVoidedBy(voidedBy);
        heldChanged.add(commission.getSubOrderId());
    }

    private void loadHeld(Collection<UUID> subOrderIds) {
        subOrderIds.forEach(id -> held.put(id, Optional.empty()));
        if (!subOrderIds.isEmpty()) {
            tx.selectFrom(LEDGER_PENDING_COMMISSION).where(LEDGER_PENDING_COMMISSION.SUB_ORDER_ID.in(subOrderIds))
                    .forEach(row -> held.put(row.getSubOrderId(), Optional.of(row)));
        }
    }

    // Escrow releases posted (before the batch, or handled in it).

    boolean released(UUID subOrderId) {
        if (!released.containsKey(subOrderId)) {
            loadReleased(Set.of(subOrderId));
        }
        return released.get(subOrderId);
    }

    void release(UUID subOrderId) {
        released.put(subOrderId, true);
    }

    private void loadReleased(Collection<UUID> subOrderIds) {
        subOrderIds.forEach(id -> released.put(id, false));
        ledger.subOrdersPosted(tx, subOrderIds, "escrow_released").forEach(id -> released.put(id, true));
    }

    // Commission decisions (settlement_commission) and what they are made of.

    Optional<SettlementCommissionRecord> decided(UUID subOrderId) {
        if (!decided.containsKey(subOrderId)) {
            loadDecided(Set.of(subOrderId));
        }
        return decided.get(subOrderId);
    }

    void decide(SettlementCommissionRecord decision) {
        decided.put(decision.getSubOrderId(), Optional.of(decision));
        decisions.add(decision);
    }

    private void loadDecided(Collection<UUID> subOrderIds) {
        subOrderIds.forEach(id -> decided.put(id, Optional.empty()));
        if (!subOrderIds.isEmpty()) {
            tx.selectFrom(SETTLEMENT_COMMISSION).where(SETTLEMENT_COMMISSION.SUB_ORDER_ID.in(subOrderIds))
                    .forEach(row -> decided.put(row.getSubOrderId(), Optional.of(row)));
        }
    }

    /** The sub-order's lines as the orders domain knows them; empty for a sub-order it does not know. */
    Optional<List<CommissionRates.Line>> lines(UUID subOrderId) {
        if (!lines.containsKey(subOrderId)) {
            loadLines(Set.of(subOrderId));
        }
        return lines.get(subOrderId);
    }

    private void loadLines(Collection<UUID> subOrderIds) {
        if (subOrderIds.isEmpty()) {
            return;
        }
        Map<UUID, List<CommissionRates.Line>> known = basis.lines(tx, subOrderIds);
        subOrderIds.forEach(id -> lines.put(id, Optional.ofNullable(known.get(id))));
    }

    OptionalInt override(UUID merchantId) {
        if (!overrides.containsKey(merchantId)) {
            loadOverrides(Set.of(merchantId));
        }
        return overrides.get(merchantId);
    }

    private void loadOverrides(Collection<UUID> merchantIds) {
        merchantIds.forEach(id -> overrides.put(id, OptionalInt.empty()));
        if (!merchantIds.isEmpty()) {
            tx.select(SETTLEMENT_COMMISSION_OVERRIDE.MERCHANT_ID, SETTLEMENT_COMMISSION_OVERRIDE.RATE_BASIS_POINTS)
                    .from(SETTLEMENT_COMMISSION_OVERRIDE)
                    .where(SETTLEMENT_COMMISSION_OVERRIDE.MERCHANT_ID.in(merchantIds))
                    .forEach(row -> overrides.put(row.value1(), OptionalInt.of(row.value2())));
        }
    }

    /** Counts {@code base} into the month's GMV; returns the GMV before it. */
    long addToGmv(MonthKey month, long base) {
        if (!gmv.containsKey(month)) {
            loadGmv(Set.of(month));
        }
        long before = gmv.get(month);
        gmv.put(month, Math.addExact(before, base));
        gmvAdded.merge(month, base, Math::addExact);
        return before;
    }

    private void loadGmv(Collection<MonthKey> months) {
        months.forEach(key -> gmv.put(key, 0L));
        if (!months.isEmpty()) {
            tx.selectFrom(SETTLEMENT_MERCHANT_GMV)
                    .where(DSL.row(SETTLEMENT_MERCHANT_GMV.MERCHANT_ID, SETTLEMENT_MERCHANT_GMV.CURRENCY,
                            SETTLEMENT_MERCHANT_GMV.MONTH).in(months.stream()
                            .map(key -> DSL.row(key.merchantId(), key.currency(), key.month())).toList()))
                    .forEach(row -> gmv.put(new MonthKey(row.getMerchantId(), row.getCurrency(), row.getMonth()),
                            row.getGmv()));
        }
    }

    // What the batch appends.

    /** Holds a rolling reserve share once per sub-order; its event is appended only if the hold is new. */
    void holdReserve(SettlementReserveHoldRecord hold, DomainEvent held) {
        if (reserveHolds.putIfAbsent(hold.getSubOrderId(), hold) == null) {
            reserveHeldEvents.put(hold.getSubOrderId(), held);
        }
    }

    /** A movement settlement records (appended once per idempotency id, like {@link DomainEvents#append}). */
    void append(DomainEvent event) {
        appended.add(event);
    }

    /** Writes what the batch changed: one statement per table it touched. */
    void write() {
        writeHeld();
        writeDecisions();
        writeGmv();
        List<DomainEvent> events = new ArrayList<>(appended);
        if (!reserveHolds.isEmpty()) {
            var insert = tx.insertInto(SETTLEMENT_RESERVE_HOLD, SETTLEMENT_RESERVE_HOLD.SUB_ORDER_ID,
                    SETTLEMENT_RESERVE_HOLD.MERCHANT_ID, SETTLEMENT_RESERVE_HOLD.CURRENCY,
                    SETTLEMENT_RESERVE_HOLD.AMOUNT, SETTLEMENT_RESERVE_HOLD.RELEASE_DUE);
            for (SettlementReserveHoldRecord hold : reserveHolds.values()) {
                insert = insert.values(hold.getSubOrderId(), hold.getMerchantId(), hold.getCurrency(),
                        hold.getAmount(), hold.getReleaseDue());
            }
            insert.onConflict(SETTLEMENT_RESERVE_HOLD.SUB_ORDER_ID).doNothing()
                    .returning(SETTLEMENT_RESERVE_HOLD.SUB_ORDER_ID).fetch(SETTLEMENT_RESERVE_HOLD.SUB_ORDER_ID)
                    .forEach(subOrderId -> events.add(reserveHeldEvents.get(subOrderId)));
        }
        DomainEvents.appendAll(tx, events);
    }

    private void writeHeld() {
        if (heldChanged.isEmpty()) {
            return;
        }
        var insert = tx.insertInto(LEDGER_PENDING_COMMISSION, LEDGER_PENDING_COMMISSION.SUB_ORDER_ID,
                LEDGER_PENDING_COMMISSION.EVENT_ID, LEDGER_PENDING_COMMISSION.EVENT_POSITION,
                LEDGER_PENDING_COMMISSION.ORDER_ID, LEDGER_PENDING_COMMISSION.MERCHANT_ID,
                LEDGER_PENDING_COMMISSION.CUSTOMER_ID, LEDGER_PENDING_COMMISSION.LEGS, LEDGER_PENDING_COMMISSION.STATE,
                LEDGER_PENDING_COMMISSION.VOIDED_BY);
        for (UUID subOrderId : heldChanged.stream().sorted().toList()) {
            LedgerPendingCommissionRecord row = held.get(subOrderId).orElseThrow();
            insert = insert.values(row.getSubOrderId(), row.getEventId(), row.getEventPosition(), row.getOrderId(),
                    row.getMerchantId(), row.getCustomerId(), row.getLegs(), row.getState(), row.getVoidedBy());
        }
        insert.onConflict(LEDGER_PENDING_COMMISSION.SUB_ORDER_ID).doUpdate()
                .set(LEDGER_PENDING_COMMISSION.STATE, DSL.excluded(LEDGER_PENDING_COMMISSION.STATE))
                .set(LEDGER_PENDING_COMMISSION.VOIDED_BY, DSL.excluded(LEDGER_PENDING_COMMISSION.VOIDED_BY))
                .execute();
    }

    private void writeDecisions() {
        if (decisions.isEmpty()) {
            return;
        }
        var insert = tx.insertInto(SETTLEMENT_COMMISSION, SETTLEMENT_COMMISSION.SUB_ORDER_ID,
                SETTLEMENT_COMMISSION.MERCHANT_ID, SETTLEMENT_COMMISSION.CURRENCY, SETTLEMENT_COMMISSION.MONTH,
                SETTLEMENT_COMMISSION.BASE, SETTLEMENT_COMMISSION.GMV_BEFORE, SETTLEMENT_COMMISSION.CATEGORY_COMMISSION,
                SETTLEMENT_COMMISSION.CHARGED, SETTLEMENT_COMMISSION.OVERRIDE_BASIS_POINTS,
                SETTLEMENT_COMMISSION.CHARGED_AT);
        for (SettlementCommissionRecord row : decisions) {
            insert = insert.values(row.getSubOrderId(), row.getMerchantId(), row.getCurrency(), row.getMonth(),
                    row.getBase(), row.getGmvBefore(), row.getCategoryCommission(), row.getCharged(),
                    row.getOverrideBasisPoints(), row.getChargedAt());
        }
        insert.execute();
    }

    private void writeGmv() {
        if (gmvAdded.isEmpty()) {
            return;
        }
        var insert = tx.insertInto(SETTLEMENT_MERCHANT_GMV, SETTLEMENT_MERCHANT_GMV.MERCHANT_ID,
                SETTLEMENT_MERCHANT_GMV.CURRENCY, SETTLEMENT_MERCHANT_GMV.MONTH, SETTLEMENT_MERCHANT_GMV.GMV);
        for (Map.Entry<MonthKey, Long> added : gmvAdded.entrySet()) {
            MonthKey key = added.getKey();
            insert = insert.values(key.merchantId(), key.currency(), key.month(), added.getValue());
        }
        insert.onConflict(SETTLEMENT_MERCHANT_GMV.MERCHANT_ID, SETTLEMENT_MERCHANT_GMV.CURRENCY,
                        SETTLEMENT_MERCHANT_GMV.MONTH)
                .doUpdate().set(SETTLEMENT_MERCHANT_GMV.GMV,
                        SETTLEMENT_MERCHANT_GMV.GMV.plus(DSL.excluded(SETTLEMENT_MERCHANT_GMV.GMV)))
                .execute();
    }
}
