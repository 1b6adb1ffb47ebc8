package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.CHANGE_LOG;
import static dev.marketplace.schema.Tables.CUSTOMER_ORDER;
import static dev.marketplace.schema.Tables.ORDER_LINE;
import static dev.marketplace.schema.Tables.SHIPMENT;
import static dev.marketplace.schema.Tables.SHIPMENT_LINE;
import static dev.marketplace.schema.Tables.SUB_ORDER;

import dev.marketplace.schema.tables.records.SubOrderRecord;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.DatabaseClock;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.CaseWhenStep;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

/** Sub-orders as merchants work on them, and their shipments; runs in the caller's transaction. */
final class FulfilmentRepository {

    /** The operator sees every sub-order; a merchant its own; anyone else none. */
    static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.MERCHANT, SUB_ORDER.MERCHANT_ID));
    }

    Optional<UUID> findVisible(DSLContext db, Principal viewer, UUID subOrderId, boolean forUpdate) {
        var query = db.select(SUB_ORDER.ID).from(SUB_ORDER).where(SUB_ORDER.ID.eq(subOrderId)).and(visibleTo(viewer));
        return forUpdate ? query.forUpdate().fetchOptional(SUB_ORDER.ID) : query.fetchOptional(SUB_ORDER.ID);
    }

    UUID orderOf(DSLContext db, UUID subOrderId) {
        return db.select(SUB_ORDER.ORDER_ID).from(SUB_ORDER).where(SUB_ORDER.ID.eq(subOrderId)).fetchSingle(SUB_ORDER.ORDER_ID);
    }

    /** The viewer's sub-orders, oldest first, optionally of one status. */
    List<UUID> list(DSLContext db, Principal viewer, Optional<SubOrderStatus> status, PageRequest page) {
        Condition after = page.after().map(cursor -> DSL.row(SUB_ORDER.CREATED_AT, SUB_ORDER.ID)
                        .gt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.select(SUB_ORDER.ID).from(SUB_ORDER).where(visibleTo(viewer)).and(after)
                .and(status.map(s -> SUB_ORDER.STATUS.eq(s.wireName())).orElse(DSL.noCondition()))
                .orderBy(SUB_ORDER.CREATED_AT, SUB_ORDER.ID)
                .limit(page.fetchSize())
                .fetch(SUB_ORDER.ID);
    }

    /** A position in the sub-order feed: which sub-order changed, when, and what happened (empty before V32). */
    record Change(long position, OffsetDateTime changedAt, UUID subOrderId, Optional<String> event) {
    }

    /** The viewer's sub-order changes after {@code afterPosition}, in feed order; the operator sees all. */
    List<Change> changes(DSLContext db, Principal viewer, long afterPosition, int limit) {
        Condition visible = Tenancy.visibleTo(viewer, Tenancy.Owners.of(PrincipalType.MERCHANT, CHANGE_LOG.MERCHANT_ID));
        return db.select(CHANGE_LOG.POSITION, CHANGE_LOG.CHANGED_AT, CHANGE_LOG.ENTITY_ID, CHANGE_LOG.EVENT).from(CHANGE_LOG)
                .where(CHANGE_LOG.FEED.eq(ChangeLog.SUB_ORDERS)).and(CHANGE_LOG.POSITION.gt(afterPosition)).and(visible)
                .orderBy(CHANGE_LOG.POSITION)
                .limit(limit)
                .fetch(row -> new Change(row.value1(), row.value2(), row.value3(), Optional.ofNullable(row.value4())));
    }

    static Cursor cursorOf(SubOrderView view) {
        return Cursor.of(view.subOrder().createdAt().toString(), view.subOrder().id().toString());
    }

    SubOrderView view(DSLContext db, Order order, UUID subOrderId) {
        SubOrderRecord row = db.selectFrom(SUB_ORDER).where(SUB_ORDER.ID.eq(subOrderId)).fetchSingle();
        Order.SubOrder subOrder = order.subOrders().stream().filter(s -> s.id().equals(subOrderId)).findFirst().orElseThrow();
        Map<Integer, Long> shipped = db.select(ORDER_LINE.LINE_NUMBER, ORDER_LINE.SHIPPED_QUANTITY).from(ORDER_LINE)
                .where(ORDER_LINE.SUB_ORDER_ID.eq(subOrderId)).fetchMap(ORDER_LINE.LINE_NUMBER, ORDER_LINE.SHIPPED_QUANTITY);
        Map<UUID, Map<Integer, Long>> linesByShipment = new HashMap<>();
        db.select(SHIPMENT_LINE.SHIPMENT_ID, SHIPMENT_LINE.LINE_NUMBER, SHIPMENT_LINE.QUANTITY).from(SHIPMENT_LINE)
                .join(SHIPMENT).on(SHIPMENT.ID.eq(SHIPMENT_LINE.SHIPMENT_ID))
                .where(SHIPMENT.SUB_ORDER_ID.eq(subOrderId))
                .forEach(r -> linesByShipment.computeIfAbsent(r.value1(), id -> new HashMap<>()).put(r.value2(), r.value3()));
        List<SubOrderView.Shipment> shipments = db.selectFrom(SHIPMENT).where(SHIPMENT.SUB_ORDER_ID.eq(subOrderId))
                .orderBy(SHIPMENT.SHIPPED_AT, SHIPMENT.ID)
                .fetch(s -> new SubOrderView.Shipment(s.getId(), s.getCarrier(), s.getTrackingNumber(),
                        linesByShipment.getOrDefault(s.getId(), Map.of()), s.getShippedAt()));
        return new SubOrderView(order.id(), subOrder, order.shippingAddress(), shipped, shipments,
                row.getAcceptanceDueAt(), row.getShippedAt(), row.getDeliveredAt(), row.getEscrowReleasedAt(),
                row.getShipByAt());
    }

    /**
     * What paying sets on the sub-orders (decisions 56, 65), for the update that moves them: acceptance due
     * {@code acceptWithin} from now, and each sub-order's ship-by time its handling time from now, on PostgreSQL's
     * clock, which the deadline jobs compare them with (decision 62).
     */
    static Map<Field<?>, Field<?>> paidDueTimes(Duration acceptWithin, Map<UUID, Duration> handling) {
        var byId = DSL.choose(SUB_ORDER.ID);
        CaseWhenStep<UUID, OffsetDateTime> shipBy = null;
        for (Map.Entry<UUID, Duration> entry : handling.entrySet()) {
            shipBy = shipBy == null ? byId.when(entry.getKey(), DatabaseClock.nowPlus(entry.getValue()))
                    : shipBy.when(entry.getKey(), DatabaseClock.nowPlus(entry.getValue()));
        }
        Map<Field<?>, Field<?>> columns = new LinkedHashMap<>();
        columns.put(SUB_ORDER.ACCEPTANCE_DUE_AT, DatabaseClock.nowPlus(acceptWithin));
        columns.put(SUB_ORDER.SHIP_BY_AT, shipBy.otherwise(SUB_ORDER.SHIP_BY_AT));
        return columns;
    }

    void insertShipment(DSLContext db, UUID subOrderId, UUID shipmentId, String carrier, String trackingNumber,
                        Map<Integer, Long> quantities) {
        db.insertInto(SHIPMENT).set(SHIPMENT.ID, shipmentId).set(SHIPMENT.SUB_ORDER_ID, subOrderId)
                .set(SHIPMENT.CARRIER, carrier).set(SHIPMENT.TRACKING_NUMBER, trackingNumber).execute();
        quantities.forEach((line, quantity) -> {
            db.insertInto(SHIPMENT_LINE).set(SHIPMENT_LINE.SHIPMENT_ID, shipmentId).set(SHIPMENT_LINE.LINE_NUMBER, line)
                    .set(SHIPMENT_LINE.QUANTITY, quantity).execute();
            db.update(ORDER_LINE).set(ORDER_LINE.SHIPPED_QUANTITY, ORDER_LINE.SHIPPED_QUANTITY.plus(quantity))
                    .where(ORDER_LINE.SUB_ORDER_ID.eq(subOrderId)).and(ORDER_LINE.LINE_NUMBER.eq(line)).execute();
        });
    }

    void markShipped(DSLContext db, UUID subOrderId) {
        db.update(SUB_ORDER).set(SUB_ORDER.SHIPPED_AT, DSL.currentOffsetDateTime()).where(SUB_ORDER.ID.eq(subOrderId)).execute();
    }

    void markDelivered(DSLContext db, UUID subOrderId) {
        db.update(SUB_ORDER).set(SUB_ORDER.DELIVERED_AT, DSL.currentOffsetDateTime()).where(SUB_ORDER.ID.eq(subOrderId)).execute();
    }

    /** The sub-order a carrier's parcel belongs to (the carrier's name matched ignoring case). */
    Optional<UUID> subOrderOfParcel(DSLContext db, String carrier, String trackingNumber) {
        return db.select(SHIPMENT.SUB_ORDER_ID).from(SHIPMENT)
                .where(DSL.lower(SHIPMENT.CARRIER).eq(carrier.toLowerCase(java.util.Locale.ROOT)))
                .and(SHIPMENT.TRACKING_NUMBER.eq(trackingNumber))
                .fetchOptional(SHIPMENT.SUB_ORDER_ID);
    }

    void markParcelDelivered(DSLContext db, String carrier, String trackingNumber) {
        db.update(SHIPMENT).set(SHIPMENT.DELIVERED_AT, DSL.coalesce(SHIPMENT.DELIVERED_AT, DSL.currentOffsetDateTime()))
                .where(DSL.lower(SHIPMENT.CARRIER).eq(carrier.toLowerCase(java.util.Locale.ROOT)))
                .and(SHIPMENT.TRACKING_NUMBER.eq(trackingNumber))
                .execute();
    }

    boolean everyParcelDelivered(DSLContext db, UUID subOrderId) {
        return !db.fetchExists(SHIPMENT, SHIPMENT.SUB_ORDER_ID.eq(subOrderId), SHIPMENT.DELIVERED_AT.isNull());
    }

    /** Marks the escrow released unless it was; whether this call released it. */
    boolean releaseEscrow(DSLContext db, UUID subOrderId) {
        return db.update(SUB_ORDER).set(SUB_ORDER.ESCROW_RELEASED_AT, DSL.currentOffsetDateTime())
                .where(SUB_ORDER.ID.eq(subOrderId)).and(SUB_ORDER.ESCROW_RELEASED_AT.isNull()).execute() == 1;
    }

    /** Sub-orders awaiting acceptance past their deadline (each is re-checked under its order's lock). */
    List<UUID> overdueAcceptance(DSLContext db, int limit) {
        return db.select(SUB_ORDER.ID).from(SUB_ORDER)
                .where(SUB_ORDER.STATUS.eq(SubOrderStatus.AWAITING_ACCEPTANCE.wireName()))
                .and(SUB_ORDER.ACCEPTANCE_DUE_AT.le(DSL.currentOffsetDateTime()))
                .orderBy(SUB_ORDER.ACCEPTANCE_DUE_AT).limit(limit)
                .fetch(SUB_ORDER.ID);
    }

    /**
     * Shipped sub-orders whose escrow is still held though they shipped longer than {@code releaseAfter} ago, by
     * PostgreSQL's clock, which wrote {@code shipped_at} (decision 62).
     */
    List<UUID> escrowDue(DSLContext db, Duration releaseAfter, int limit) {
        return db.select(SUB_ORDER.ID).from(SUB_ORDER)
                .where(SUB_ORDER.STATUS.eq(SubOrderStatus.SHIPPED.wireName()))
                .and(SUB_ORDER.ESCROW_RELEASED_AT.isNull())
                .and(SUB_ORDER.SHIPPED_AT.le(DatabaseClock.nowMinus(releaseAfter)))
                .orderBy(SUB_ORDER.SHIPPED_AT).limit(limit)
                .fetch(SUB_ORDER.ID);
    }

    /** Locks the order row, so sub-order changes of one order (and its completion) are serialized. */
    void lockOrder(DSLContext db, UUID orderId) {
        db.selectOne().from(CUSTOMER_ORDER).where(CUSTOMER_ORDER.ID.eq(orderId)).forUpdate().execute();
    }

    static Map<Integer, Long> remaining(Order.SubOrder subOrder, Map<Integer, Long> shipped) {
        return subOrder.lines().stream().collect(Collectors.toMap(Order.Line::lineNumber,
                line -> line.quantity() - shipped.getOrDefault(line.lineNumber(), 0L)));
    }
}
