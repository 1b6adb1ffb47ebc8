package dev.marketplace.server.orders;

import static dev.marketplace.server.platform.http.JsonP.JSON;
import static dev.marketplace.schema.Tables.CUSTOMER_ORDER;
import static dev.marketplace.schema.Tables.ORDER_LINE;
import static dev.marketplace.schema.Tables.ORDER_TRANSITION;
import static dev.marketplace.schema.Tables.SUB_ORDER;

import dev.marketplace.schema.tables.records.CustomerOrderRecord;
import dev.marketplace.schema.tables.records.OrderLineRecord;
import dev.marketplace.schema.tables.records.SubOrderRecord;
import dev.marketplace.server.payments.OrderPayments;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.OrderLifecycleEvent;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.persistence.DatabaseClock;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.CaseWhenStep;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record2;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** Orders, sub-orders, lines and their history; runs in the caller's transaction. */
final class OrderRepository {

    /** What an erased customer's personal fields read as. */
    static final String ERASED = "(erased)";

    private static final Tenancy.Owners OWNERS = Tenancy.Owners.of(PrincipalType.STOREFRONT, CUSTOMER_ORDER.STOREFRONT_ID)
            .withCustomer(CUSTOMER_ORDER.CUSTOMER_ID, Tenancy.CustomerRows.SHARED_WITH_OWNER);

    private final PiiKeys piiKeys;
    private final OrderAttribution channels;

    OrderRepository(PiiKeys piiKeys, OrderAttribution channels) {
        this.piiKeys = piiKeys;
        this.channels = channels;
    }

    /**
     * Who sees an order: the operator every order; a storefront acting for a customer that customer's orders; a
     * storefront on its own the orders placed through it. Merchants see their sub-orders, not customer orders.
     */
    static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, OWNERS);
    }

    /**
     * An order to insert, in {@code status} at {@code version}: a checkout's placed (1), a partner order already paid
     * (2: placed and paid in one transaction, decision 107).
     */
    record NewOrder(UUID id, UUID storefrontId, UUID customerId, UUID cartId, OrderStatus status, long version,
                    Money subtotal, Money tax, Money discount, Money total,
                    Order.ShippingAddress address, UUID reservationId, Field<OffsetDateTime> paymentDueAt,
                    boolean stockCommitted) {
    }

    /**
     * When a sub-order inserted already paid is due: accepted within {@code acceptWithin} and shipped within
     * {@code shipWithin} from now, on PostgreSQL's clock (decision 62), as {@link FulfilmentRepository#paidDueTimes}
     * sets them on a payment.
     */
    record DueTimes(Duration acceptWithin, Duration shipWithin) {
    }

    /**
     * How sub-orders are listed when an order is read ({@code created_at, id}): within one order they share
     * {@code created_at}, so by id as PostgreSQL compares uuids (bytes unsigned, most significant first).
     */
    static final Comparator<Order.SubOrder> SUB_ORDERS_AS_LISTED = (a, b) -> {
        int high = Long.compareUnsigned(a.id().getMostSignificantBits(), b.id().getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.id().getLeastSignificantBits(), b.id().getLeastSignificantBits());
    };

    /**
     * Inserts the order with its sub-orders (each in its status and version, due as {@code dueTimes} says: none for a
     * sub-order awaiting payment) and all their lines: one statement whatever their number (the foreign keys to the
     * order and sub-order rows are checked at its end, when they are there). Returns the order's {@code created_at},
     * the transaction's now(), which every default timestamp of these rows is.
     */
    OffsetDateTime insertOrder(DSLContext db, NewOrder order, List<Order.SubOrder> subOrders,
                               Map<UUID, DueTimes> dueTimes) {
        var orderRow = DSL.insertInto(CUSTOMER_ORDER)
                .set(CUSTOMER_ORDER.ID, order.id())
                .set(CUSTOMER_ORDER.STOREFRONT_ID, order.storefrontId())
                .set(CUSTOMER_ORDER.CUSTOMER_ID, order.customerId())
                .set(CUSTOMER_ORDER.CART_ID, order.cartId())
                .set(CUSTOMER_ORDER.STATUS, order.status().wireName())
                .set(CUSTOMER_ORDER.VERSION, order.version())
                .set(CUSTOMER_ORDER.CURRENCY, order.total().currency())
                .set(CUSTOMER_ORDER.SUBTOTAL_AMOUNT, order.subtotal().amount())
                .set(CUSTOMER_ORDER.TAX_AMOUNT, order.tax().amount())
                .set(CUSTOMER_ORDER.DISCOUNT_AMOUNT, order.discount().amount())
                .set(CUSTOMER_ORDER.TOTAL_AMOUNT, order.total().amount())
                .set(CUSTOMER_ORDER.SHIPPING_ADDRESS_SEALED, seal(order.id(), order.address()))
                .set(CUSTOMER_ORDER.PII_KEY_ID, piiKeys.currentId())
                .set(CUSTOMER_ORDER.RESERVATION_ID, order.reservationId())
                .set(CUSTOMER_ORDER.PAYMENT_DUE_AT, order.paymentDueAt())
                .set(CUSTOMER_ORDER.STOCK_COMMITTED, order.stockCommitted())
                .returningResult(CUSTOMER_ORDER.CREATED_AT);
        var subOrderRows = DSL.insertInto(SUB_ORDER, SUB_ORDER.ID, SUB_ORDER.ORDER_ID, SUB_ORDER.MERCHANT_ID,
                SUB_ORDER.STATUS, SUB_ORDER.VERSION, SUB_ORDER.CURRENCY, SUB_ORDER.SUBTOTAL_AMOUNT, SUB_ORDER.TAX_AMOUNT,
                SUB_ORDER.TOTAL_AMOUNT, SUB_ORDER.COMMISSION_AMOUNT, SUB_ORDER.ACCEPTANCE_DUE_AT, SUB_ORDER.SHIP_BY_AT);
        var lineRows = DSL.insertInto(ORDER_LINE, ORDER_LINE.SUB_ORDER_ID, ORDER_LINE.LINE_NUMBER, ORDER_LINE.VARIANT_ID,
                ORDER_LINE.PRODUCT_ID, ORDER_LINE.SKU, ORDER_LINE.TITLE, ORDER_LINE.QUANTITY, ORDER_LINE.UNIT_PRICE_AMOUNT,
                ORDER_LINE.SUBTOTAL_AMOUNT, ORDER_LINE.TAX_RATE_BP, ORDER_LINE.TAX_AMOUNT, ORDER_LINE.COMMISSION_RATE_BP);
        for (Order.SubOrder subOrder : subOrders) {
            DueTimes due = dueTimes.get(subOrder.id());
            subOrderRows = subOrderRows.values(DSL.val(subOrder.id()), DSL.val(order.id()), DSL.val(subOrder.merchantId()),
                    DSL.val(subOrder.status().wireName()), DSL.val(subOrder.version()),
                    DSL.val(subOrder.total().currency()), DSL.val(subOrder.subtotal().amount()),
                    DSL.val(subOrder.tax().amount()), DSL.val(subOrder.total().amount()),
                    DSL.val(subOrder.commission().amount()),
                    due == null ? DSL.val(null, SUB_ORDER.ACCEPTANCE_DUE_AT) : DatabaseClock.nowPlus(due.acceptWithin()),
                    due == null ? DSL.val(null, SUB_ORDER.SHIP_BY_AT) : DatabaseClock.nowPlus(due.shipWithin()));
            for (Order.Line line : subOrder.lines()) {
                lineRows = lineRows.values(subOrder.id(), line.lineNumber(), line.variantId(), line.productId(),
                        line.sku(), stringMapJson(line.title()), line.quantity(), line.unitPrice().amount(),
                        line.subtotal().amount(), line.taxRateBasisPoints(), line.tax().amount(),
                        line.commissionRateBasisPoints());
            }
        }
        return db.with("order_row").as(orderRow)
                .with("sub_order_rows").as(subOrderRows.returningResult(SUB_ORDER.ID))
                .with("order_line_rows").as(lineRows.returningResult(ORDER_LINE.LINE_NUMBER))
                .select(DSL.field(DSL.name("order_row", CUSTOMER_ORDER.CREATED_AT.getName()),
                        CUSTOMER_ORDER.CREATED_AT.getDataType()))
                .from(DSL.table(DSL.name("order_row")))
                .fetchSingle()
                .value1();
    }

    /**
     * An order's placement recorded in one statement (decision 117): its history rows (the order's first, then its
     * sub-orders', {@code to_statuses} each row's status) and the event of the order's row, whose idempotency id is
     * that row's id from the insert's {@code RETURNING} ({@link OrderLifecycleEvent#idempotencyIdOf}). One text
     * whatever the number of sub-orders (arrays, the order's row a null sub-order), rendered once.
     */
    private static final RenderedStatement PLACEMENT = placementStatement();

    private static RenderedStatement placementStatement() {
        Table<?> rows = DSL.table("unnest({0}, {1}) with ordinality as {2}(sub_order_id, to_status, position)",
                DSL.param("sub_orders", SQLDataType.UUID.array()), DSL.param("to_statuses", SQLDataType.CLOB.array()),
                DSL.name("history_row"));
        var history = DSL.insertInto(ORDER_TRANSITION, ORDER_TRANSITION.ORDER_ID, ORDER_TRANSITION.SUB_ORDER_ID,
                        ORDER_TRANSITION.TO_STATUS, ORDER_TRANSITION.ACTOR, ORDER_TRANSITION.REASON)
                .select(DSL.select(DSL.param("order_id", UUID.class),
                                DSL.field(DSL.name("history_row", "sub_order_id"), UUID.class),
                                DSL.field(DSL.name("history_row", "to_status"), String.class),
                                DSL.param("actor", String.class), DSL.param("reason", String.class))
                        .from(rows).orderBy(DSL.field(DSL.name("history_row", "position"))))
                .returningResult(ORDER_TRANSITION.ID);
        Field<Long> written = DSL.field(DSL.name("history", ORDER_TRANSITION.ID.getName()), Long.class);
        return RenderedStatement.of(DomainEvents.appendOneFrom(DSL.with("history").as(history),
                DSL.table(DSL.name("history")), OrderLifecycleEvent.idempotencyIdOf(written), written));
    }

    /**
     * Appends the placement's history rows (the order's first, each with a null from-status, {@code reason} and the
     * transaction's now()) and the order's event of {@code type}, one statement; see {@link #PLACEMENT}.
     */
    void insertPlacement(DSLContext db, UUID orderId, List<Order.Transition> history, String actor, String reason,
                         EventType type, Parties parties, JsonObject payload) {
        PLACEMENT.execute(db, binds -> DomainEvents.bindOne(binds.uuid("order_id", orderId)
                .uuids("sub_orders", history.stream().map(Order.Transition::subOrderId).toList())
                .texts("to_statuses", history.stream().map(Order.Transition::to).toList())
                .text("actor", actor).text("reason", reason), type, parties, payload));
    }

    /** Appends one history row; returns its id. Its time is the transaction's now(). */
    long insertTransition(DSLContext db, UUID orderId, UUID subOrderId, UUID returnId, String from, String to,
                          String actor, String reason) {
        return db.insertInto(ORDER_TRANSITION)
                .set(ORDER_TRANSITION.ORDER_ID, orderId)
                .set(ORDER_TRANSITION.SUB_ORDER_ID, subOrderId)
                .set(ORDER_TRANSITION.RETURN_ID, returnId)
                .set(ORDER_TRANSITION.FROM_STATUS, from)
                .set(ORDER_TRANSITION.TO_STATUS, to)
                .set(ORDER_TRANSITION.ACTOR, actor)
                .set(ORDER_TRANSITION.REASON, reason)
                .returningResult(ORDER_TRANSITION.ID)
                .fetchSingle(ORDER_TRANSITION.ID);
    }

    /**
     * Appends these history rows of the order in list order, one statement; returns their ids and times in that order
     * (an identity hands the ids out in the order of the statement's rows).
     */
    List<Record2<Long, OffsetDateTime>> insertTransitions(DSLContext db, UUID orderId,
                                                          List<Order.Transition> transitions) {
        var insert = db.insertInto(ORDER_TRANSITION, ORDER_TRANSITION.ORDER_ID, ORDER_TRANSITION.SUB_ORDER_ID,
                ORDER_TRANSITION.FROM_STATUS, ORDER_TRANSITION.TO_STATUS, ORDER_TRANSITION.ACTOR, ORDER_TRANSITION.REASON);
        for (Order.Transition transition : transitions) {
            insert = insert.values(orderId, transition.subOrderId(), transition.from(), transition.to(),
                    transition.actor(), transition.reason());
        }
        return insert.returningResult(ORDER_TRANSITION.ID, ORDER_TRANSITION.OCCURRED_AT).fetch()
                .sortAsc(ORDER_TRANSITION.ID);
    }

    void updateOrderStatus(DSLContext db, UUID orderId, OrderStatus status) {
        db.update(CUSTOMER_ORDER).set(CUSTOMER_ORDER.STATUS, status.wireName())
                .set(CUSTOMER_ORDER.VERSION, CUSTOMER_ORDER.VERSION.plus(1))
                .set(CUSTOMER_ORDER.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(CUSTOMER_ORDER.ID.eq(orderId)).execute();
    }

    void updateSubOrderStatus(DSLContext db, UUID subOrderId, SubOrderStatus status) {
        db.update(SUB_ORDER).set(SUB_ORDER.STATUS, status.wireName())
                .set(SUB_ORDER.VERSION, SUB_ORDER.VERSION.plus(1))
                .set(SUB_ORDER.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(SUB_ORDER.ID.eq(subOrderId)).execute();
    }

    /**
     * Moves these sub-orders, each to its status, in one statement (one change-feed entry each), setting
     * {@code alsoSet} too.
     */
    void updateSubOrderStatuses(DSLContext db, Map<UUID, SubOrderStatus> statuses, Map<Field<?>, Field<?>> alsoSet) {
        var status = DSL.choose(SUB_ORDER.ID);
        CaseWhenStep<UUID, String> byId = null;
        for (Map.Entry<UUID, SubOrderStatus> entry : statuses.entrySet()) {
            byId = byId == null ? status.when(entry.getKey(), entry.getValue().wireName())
                    : byId.when(entry.getKey(), entry.getValue().wireName());
        }
        db.update(SUB_ORDER).set(SUB_ORDER.STATUS, byId)
                .set(SUB_ORDER.VERSION, SUB_ORDER.VERSION.plus(1))
                .set(SUB_ORDER.UPDATED_AT, DSL.currentOffsetDateTime())
                .set(alsoSet)
                .where(SUB_ORDER.ID.in(statuses.keySet())).execute();
    }

    void markStockCommitted(DSLContext db, UUID orderId) {
        db.update(CUSTOMER_ORDER).set(CUSTOMER_ORDER.STOCK_COMMITTED, true).where(CUSTOMER_ORDER.ID.eq(orderId)).execute();
    }

    Optional<Order> find(DSLContext db, Principal viewer, UUID id, boolean forUpdate) {
        var query = db.selectFrom(CUSTOMER_ORDER).where(CUSTOMER_ORDER.ID.eq(id)).and(visibleTo(viewer));
        Optional<CustomerOrderRecord> row = forUpdate ? query.forUpdate().fetchOptional() : query.fetchOptional();
        return row.map(r -> order(db, r));
    }

    /**
     * The order the viewer may see, locked, with whether its payment deadline has passed on PostgreSQL's clock (in the
     * same statement).
     */
    Optional<OrderService.PaymentLock> lockForPayment(DSLContext db, Principal viewer, UUID id) {
        Field<Boolean> pastDeadline = DSL.field(CUSTOMER_ORDER.PAYMENT_DUE_AT.le(DatabaseClock.now()));
        return db.select(CUSTOMER_ORDER.fields()).select(pastDeadline).from(CUSTOMER_ORDER)
                .where(CUSTOMER_ORDER.ID.eq(id)).and(visibleTo(viewer)).forUpdate().fetchOptional()
                .map(row -> new OrderService.PaymentLock(order(db, row.into(CUSTOMER_ORDER)),
                        Boolean.TRUE.equals(row.get(pastDeadline))));
    }

    /** The order a sub-order belongs to, if the sub-order exists. */
    Optional<UUID> orderOfSubOrder(DSLContext db, UUID subOrderId) {
        return db.select(SUB_ORDER.ORDER_ID).from(SUB_ORDER).where(SUB_ORDER.ID.eq(subOrderId))
                .fetchOptional(SUB_ORDER.ORDER_ID);
    }

    /** The lines of those sub-orders that exist, each sub-order's in line order: one statement for any number. */
    Map<UUID, List<Order.Line>> linesOfSubOrders(DSLContext db, Collection<UUID> subOrderIds) {
        Map<UUID, List<Order.Line>> lines = new HashMap<>();
        db.select(SUB_ORDER.CURRENCY).select(ORDER_LINE.fields()).from(SUB_ORDER)
                .join(ORDER_LINE).on(ORDER_LINE.SUB_ORDER_ID.eq(SUB_ORDER.ID))
                .where(SUB_ORDER.ID.in(subOrderIds))
                .orderBy(ORDER_LINE.SUB_ORDER_ID, ORDER_LINE.LINE_NUMBER)
                .forEach(row -> lines.computeIfAbsent(row.get(ORDER_LINE.SUB_ORDER_ID), id -> new ArrayList<>())
                        .add(line(row.into(ORDER_LINE), row.get(SUB_ORDER.CURRENCY))));
        return lines;
    }

    private static Order.Line line(OrderLineRecord line, String currency) {
        return new Order.Line(line.getLineNumber(), line.getVariantId(), line.getProductId(), line.getSku(),
                stringMap(line.getTitle()), line.getQuantity(), Money.of(line.getUnitPriceAmount(), currency),
                Money.of(line.getSubtotalAmount(), currency), line.getTaxRateBp(),
                Money.of(line.getTaxAmount(), currency), line.getCommissionRateBp());
    }

    Order get(DSLContext db, UUID id) {
        return order(db, db.selectFrom(CUSTOMER_ORDER).where(CUSTOMER_ORDER.ID.eq(id)).fetchSingle());
    }

    /** The viewer's orders, newest first. */
    List<Order> list(DSLContext db, Principal viewer, PageRequest page) {
        Condition after = page.after().map(cursor -> DSL.row(CUSTOMER_ORDER.CREATED_AT, CUSTOMER_ORDER.ID)
                        .lt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(CUSTOMER_ORDER).where(visibleTo(viewer)).and(after)
                .orderBy(CUSTOMER_ORDER.CREATED_AT.desc(), CUSTOMER_ORDER.ID.desc())
                .limit(page.fetchSize())
                .fetch() // read to the end first: mapping while the cursor is open took a second pooled connection
                .map(row -> order(db, row));
    }

    /** Every order of a customer, oldest first: their privacy export. */
    List<Order> ofCustomer(DSLContext db, UUID customerId) {
        return db.selectFrom(CUSTOMER_ORDER).where(CUSTOMER_ORDER.CUSTOMER_ID.eq(customerId))
                .orderBy(CUSTOMER_ORDER.CREATED_AT, CUSTOMER_ORDER.ID)
                .fetch()
                .map(row -> order(db, row));
    }

    /** Whether some order of the customer is still placed or paid (its sub-orders not all final). */
    boolean hasOpenOrders(DSLContext db, UUID customerId) {
        return db.fetchExists(CUSTOMER_ORDER, CUSTOMER_ORDER.CUSTOMER_ID.eq(customerId),
                CUSTOMER_ORDER.STATUS.in(OrderStatus.PLACED.wireName(), OrderStatus.PAID.wireName()));
    }

    /**
     * Replaces the shipping addresses of a customer's orders by an anonymous one that keeps only the country (which
     * taxes and statements may need). Amounts, lines and history stay as they were, so the books still balance.
     */
    int anonymiseAddresses(DSLContext db, UUID customerId) {
        List<CustomerOrderRecord> rows = db.selectFrom(CUSTOMER_ORDER).where(CUSTOMER_ORDER.CUSTOMER_ID.eq(customerId))
                .forUpdate().fetch();
        rows.forEach(row -> reseal(row, erased(address(row).country())));
        return rows.size();
    }

    /** Re-seals up to {@code limit} orders' addresses sealed under an older PII key (SKIP LOCKED); how many. */
    int resealAddresses(DSLContext db, int limit) {
        List<CustomerOrderRecord> rows = db.selectFrom(CUSTOMER_ORDER).where(CUSTOMER_ORDER.PII_KEY_ID.ne(piiKeys.currentId()))
                .limit(limit).forUpdate().skipLocked().fetch();
        rows.forEach(row -> reseal(row, address(row)));
        return rows.size();
    }

    private void reseal(CustomerOrderRecord row, Order.ShippingAddress address) {
        row.setShippingAddressSealed(seal(row.getId(), address));
        row.setPiiKeyId(piiKeys.currentId());
        row.store(CUSTOMER_ORDER.SHIPPING_ADDRESS_SEALED, CUSTOMER_ORDER.PII_KEY_ID);
    }

    private static Order.ShippingAddress erased(String country) {
        return new Order.ShippingAddress(ERASED, country, ERASED, ERASED, ERASED, ERASED, null, ERASED);
    }

    static Cursor cursorOf(Order order) {
        return Cursor.of(order.createdAt().toString(), order.id().toString());
    }


    /**
     * Placed orders past their payment deadline with no payment in flight or captured, locked; orders another node
     * holds are skipped.
     */
    List<UUID> lockOverdueUnpaid(DSLContext db, int limit) {
        return db.select(CUSTOMER_ORDER.ID).from(CUSTOMER_ORDER)
                .where(CUSTOMER_ORDER.STATUS.eq(OrderStatus.PLACED.wireName()))
                .and(CUSTOMER_ORDER.PAYMENT_DUE_AT.le(DSL.currentOffsetDateTime()))
                .andNot(OrderPayments.inFlightOrCaptured(CUSTOMER_ORDER.ID))
                .orderBy(CUSTOMER_ORDER.PAYMENT_DUE_AT)
                .limit(limit)
                .forUpdate().skipLocked()
                .fetch(CUSTOMER_ORDER.ID);
    }

    /** Paid orders whose stock is not yet committed (a crash came between payment and commit). */
    List<UUID> paidWithUncommittedStock(DSLContext db, int limit) {
        return db.select(CUSTOMER_ORDER.ID).from(CUSTOMER_ORDER)
                .where(CUSTOMER_ORDER.STATUS.eq(OrderStatus.PAID.wireName()))
                .and(CUSTOMER_ORDER.STOCK_COMMITTED.isFalse())
                .limit(limit)
                .fetch(CUSTOMER_ORDER.ID);
    }

    private Order order(DSLContext db, CustomerOrderRecord row) {
        String currency = row.getCurrency();
        Map<UUID, List<Order.Line>> lines = db.select(ORDER_LINE.fields()).from(ORDER_LINE)
                .join(SUB_ORDER).on(SUB_ORDER.ID.eq(ORDER_LINE.SUB_ORDER_ID))
                .where(SUB_ORDER.ORDER_ID.eq(row.getId()))
                .orderBy(ORDER_LINE.SUB_ORDER_ID, ORDER_LINE.LINE_NUMBER)
                .fetchInto(ORDER_LINE)
                .stream()
                .collect(Collectors.groupingBy(line -> line.getSubOrderId(),
                        Collectors.mapping(line -> line(line, currency), Collectors.toList())));
        List<Order.SubOrder> subOrders = db.selectFrom(SUB_ORDER).where(SUB_ORDER.ORDER_ID.eq(row.getId()))
                .orderBy(SUB_ORDER.CREATED_AT, SUB_ORDER.ID)
                .fetch(sub -> subOrder(sub, lines.getOrDefault(sub.getId(), List.of())));
        List<Order.Transition> history = db.selectFrom(ORDER_TRANSITION).where(ORDER_TRANSITION.ORDER_ID.eq(row.getId()))
                .orderBy(ORDER_TRANSITION.ID)
                .fetch(t -> new Order.Transition(t.getSubOrderId(), t.getFromStatus(), t.getToStatus(), t.getActor(),
                        t.getReason(), t.getOccurredAt()));
        return new Order(row.getId(), row.getStorefrontId(), row.getCustomerId(), row.getCartId(),
                OrderStatus.fromWireName(row.getStatus()), Money.of(row.getSubtotalAmount(), currency),
                Money.of(row.getTaxAmount(), currency), Money.of(row.getDiscountAmount(), currency),
                Money.of(row.getTotalAmount(), currency), address(row), row.getReservationId(),
                row.getStockCommitted(), row.getPaymentDueAt(), subOrders, history, row.getVersion(),
                row.getCreatedAt(), row.getUpdatedAt(), channels.channelOf(db, row.getId()).orElse(null));
    }

    private static Order.SubOrder subOrder(SubOrderRecord row, List<Order.Line> lines) {
        String currency = row.getCurrency();
        return new Order.SubOrder(row.getId(), row.getMerchantId(), SubOrderStatus.fromWireName(row.getStatus()),
                Money.of(row.getSubtotalAmount(), currency), Money.of(row.getTaxAmount(), currency),
                Money.of(row.getTotalAmount(), currency), Money.of(row.getCommissionAmount(), currency), lines,
                row.getVersion(), row.getCreatedAt(), row.getUpdatedAt());
    }

    private byte[] seal(UUID orderId, Order.ShippingAddress address) {
        return piiKeys.seal(addressJson(address).data().getBytes(StandardCharsets.UTF_8), addressContext(orderId));
    }

    private Order.ShippingAddress address(CustomerOrderRecord row) {
        byte[] json = piiKeys.open(row.getPiiKeyId(), row.getShippingAddressSealed(), addressContext(row.getId()));
        return address(JSONB.jsonb(new String(json, StandardCharsets.UTF_8)));
    }

    /** Binds a sealed address to its order, so a sealed value copied to another row does not open. */
    private static byte[] addressContext(UUID orderId) {
        return ("customer_order.shipping_address:" + orderId).getBytes(StandardCharsets.UTF_8);
    }

    private static JSONB addressJson(Order.ShippingAddress address) {
        JsonObjectBuilder json = JSON.createObjectBuilder()
                .add("name", address.name()).add("country", address.country()).add("postalCode", address.postalCode())
                .add("region", address.region()).add("locality", address.locality()).add("line1", address.line1())
                .add("phone", address.phone());
        if (address.line2() != null) {
            json.add("line2", address.line2());
        }
        return JSONB.jsonb(json.build().toString());
    }

    private static Order.ShippingAddress address(JSONB json) {
        JsonObject object = readObject(json);
        return new Order.ShippingAddress(object.getString("name"), object.getString("country"),
                object.getString("postalCode"), object.getString("region"), object.getString("locality"),
                object.getString("line1"), object.getString("line2", null), object.getString("phone"));
    }

    private static JSONB stringMapJson(Map<String, String> map) {
        JsonObjectBuilder object = JSON.createObjectBuilder();
        map.forEach(object::add);
        return JSONB.jsonb(object.build().toString());
    }

    private static Map<String, String> stringMap(JSONB json) {
        return readObject(json).entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                entry -> ((jakarta.json.JsonString) entry.getValue()).getString()));
    }

    private static JsonObject readObject(JSONB json) {
        try (JsonReader reader = JSON.createReader(new StringReader(json.data()))) {
            return reader.readObject();
        }
    }

    /**
     * A merchant's acceptance and shipping times (see {@link FulfilmentTimes}): acceptance deadlines in
     * [{@code from}, {@code to}), acceptances in the same period for shipping, against the sub-order's promised
     * ship-by time ({@code shipWithin} after acceptance for one paid before V46); "by now" is {@code now}.
     */
    FulfilmentTimes fulfilmentTimes(DSLContext db, UUID merchantId, OffsetDateTime from, OffsetDateTime to,
                                    Duration shipWithin, OffsetDateTime now) {
        Field<OffsetDateTime> accepted = DSL.field(DSL.select(DSL.min(ORDER_TRANSITION.OCCURRED_AT)).from(ORDER_TRANSITION)
                // The order's transitions are indexed by order (order_transition_order_idx).
                .where(ORDER_TRANSITION.ORDER_ID.eq(SUB_ORDER.ORDER_ID)).and(ORDER_TRANSITION.SUB_ORDER_ID.eq(SUB_ORDER.ID))
                .and(ORDER_TRANSITION.TO_STATUS.eq(SubOrderStatus.ACCEPTED.wireName()))).as("accepted_at");
        var subOrders = db.select(SUB_ORDER.ID, SUB_ORDER.STATUS, SUB_ORDER.ACCEPTANCE_DUE_AT, SUB_ORDER.SHIPPED_AT,
                        SUB_ORDER.SHIP_BY_AT, accepted)
                .from(SUB_ORDER)
                .where(SUB_ORDER.MERCHANT_ID.eq(merchantId))
                .and(SUB_ORDER.ACCEPTANCE_DUE_AT.isNotNull())
                // Accepted in the period implies a deadline after its start; the sub-order index narrows by merchant.
                .and(SUB_ORDER.ACCEPTANCE_DUE_AT.ge(from))
                .fetch();
        int acceptanceDue = 0;
        int acceptedInTime = 0;
        int shippingDue = 0;
        int shippedInTime = 0;
        for (var row : subOrders) {
            OffsetDateTime due = row.get(SUB_ORDER.ACCEPTANCE_DUE_AT);
            OffsetDateTime acceptedAt = row.get(accepted);
            String status = row.get(SUB_ORDER.STATUS);
            if (!due.isBefore(from) && due.isBefore(to) && (acceptedAt != null
                    || status.equals(SubOrderStatus.REJECTED.wireName())
                    || status.equals(SubOrderStatus.AWAITING_ACCEPTANCE.wireName()) && !due.isAfter(now))) {
                acceptanceDue++;
                if (acceptedAt != null && !acceptedAt.isAfter(due)) {
                    acceptedInTime++;
                }
            }
            OffsetDateTime shippedAt = row.get(SUB_ORDER.SHIPPED_AT);
            if (acceptedAt != null && !acceptedAt.isBefore(from) && acceptedAt.isBefore(to)) {
                // The promise made at payment (decision 56); sub-orders paid before it was recorded: acceptance + setting.
                OffsetDateTime promised = row.get(SUB_ORDER.SHIP_BY_AT);
                OffsetDateTime shipBy = promised != null ? promised : acceptedAt.plus(shipWithin);
                boolean cancelledUnshipped = status.equals(SubOrderStatus.CANCELLED.wireName()) && shippedAt == null;
                if (!cancelledUnshipped && (shippedAt != null || !shipBy.isAfter(now))) {
                    shippingDue++;
                    if (shippedAt != null && !shippedAt.isAfter(shipBy)) {
                        shippedInTime++;
                    }
                }
            }
        }
        return new FulfilmentTimes(acceptanceDue, acceptedInTime, shippingDue, shippedInTime);
    }
}
