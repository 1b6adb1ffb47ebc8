package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.ORDER_RETURN;
import static dev.marketplace.schema.Tables.ORDER_RETURN_LINE;

import dev.marketplace.schema.tables.records.OrderReturnRecord;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Returns and their lines; runs in the caller's transaction. */
final class ReturnRepository {

    private static final Tenancy.Owners OWNERS = Tenancy.Owners.of(PrincipalType.MERCHANT, ORDER_RETURN.MERCHANT_ID)
            .withCustomer(ORDER_RETURN.CUSTOMER_ID, Tenancy.CustomerRows.SHARED_WITH_OWNER);

    /** The operator sees every return; a merchant those of its sub-orders; a customer (through a storefront) its own. */
    static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, OWNERS);
    }

    void insert(DSLContext db, UUID id, Order order, Order.SubOrder subOrder, String reason, Map<Integer, Long> lines) {
        db.insertInto(ORDER_RETURN)
                .set(ORDER_RETURN.ID, id)
                .set(ORDER_RETURN.ORDER_ID, order.id())
                .set(ORDER_RETURN.SUB_ORDER_ID, subOrder.id())
                .set(ORDER_RETURN.MERCHANT_ID, subOrder.merchantId())
                .set(ORDER_RETURN.CUSTOMER_ID, order.customerId())
                .set(ORDER_RETURN.STATUS, ReturnStatus.REQUESTED.wireName())
                .set(ORDER_RETURN.REASON, reason)
                .set(ORDER_RETURN.CURRENCY, order.total().currency())
                .execute();
        lines.forEach((line, quantity) -> db.insertInto(ORDER_RETURN_LINE).set(ORDER_RETURN_LINE.RETURN_ID, id)
                .set(ORDER_RETURN_LINE.LINE_NUMBER, line).set(ORDER_RETURN_LINE.QUANTITY, quantity).execute());
    }

    Optional<OrderReturn> find(DSLContext db, Principal viewer, UUID id, boolean forUpdate) {
        var query = db.selectFrom(ORDER_RETURN).where(ORDER_RETURN.ID.eq(id)).and(visibleTo(viewer));
        return (forUpdate ? query.forUpdate().fetchOptional() : query.fetchOptional()).map(row -> orderReturn(db, row));
    }

    /** Units of each line of the sub-order in returns that were not refused. */
    Map<Integer, Long> returnedQuantities(DSLContext db, UUID subOrderId) {
        return db.select(ORDER_RETURN_LINE.LINE_NUMBER, DSL.sum(ORDER_RETURN_LINE.QUANTITY).cast(Long.class))
                .from(ORDER_RETURN_LINE).join(ORDER_RETURN).on(ORDER_RETURN.ID.eq(ORDER_RETURN_LINE.RETURN_ID))
                .where(ORDER_RETURN.SUB_ORDER_ID.eq(subOrderId))
                .and(ORDER_RETURN.STATUS.ne(ReturnStatus.REFUSED.wireName()))
                .groupBy(ORDER_RETURN_LINE.LINE_NUMBER)
                .fetchMap(r -> r.value1(), r -> r.value2());
    }

    void update(DSLContext db, UUID id, ReturnStatus status, UUID restockedLocationId, Money refunded) {
        var update = db.update(ORDER_RETURN).set(ORDER_RETURN.STATUS, status.wireName())
                .set(ORDER_RETURN.VERSION, ORDER_RETURN.VERSION.plus(1))
                .set(ORDER_RETURN.UPDATED_AT, DSL.currentOffsetDateTime());
        if (restockedLocationId != null) {
            update = update.set(ORDER_RETURN.RESTOCKED_LOCATION_ID, restockedLocationId);
        }
        if (refunded != null) {
            update = update.set(ORDER_RETURN.REFUNDED_AMOUNT, refunded.amount());
        }
        update.where(ORDER_RETURN.ID.eq(id)).execute();
    }

    private static OrderReturn orderReturn(DSLContext db, OrderReturnRecord row) {
        Map<Integer, Long> lines = db.select(ORDER_RETURN_LINE.LINE_NUMBER, ORDER_RETURN_LINE.QUANTITY)
                .from(ORDER_RETURN_LINE).where(ORDER_RETURN_LINE.RETURN_ID.eq(row.getId()))
                .fetchMap(ORDER_RETURN_LINE.LINE_NUMBER, ORDER_RETURN_LINE.QUANTITY);
        return new OrderReturn(row.getId(), row.getOrderId(), row.getSubOrderId(), row.getMerchantId(),
                row.getCustomerId(), ReturnStatus.fromWireName(row.getStatus()), row.getReason(), lines,
                row.getRestockedLocationId(), row.getRefundedAmount() == null ? null
                : Money.of(row.getRefundedAmount(), row.getCurrency()), row.getVersion(), row.getCreatedAt(),
                row.getUpdatedAt());
    }
}
