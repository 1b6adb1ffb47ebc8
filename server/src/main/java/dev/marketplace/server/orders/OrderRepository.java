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
     * (2: placed and paid in one transaction, decision 107). {@code paymentDueAt} null: due at once, at the
     * transaction's start on PostgreSQL's clock (decision 80).
     */
    record NewOrder(UUID id, UUID storefrontId, UUID customerId, UUID cartId, OrderStatus status, long version,
                    Money subtotal, Money tax, Money discount, Money total,
                    Order.ShippingAddress address, UUID reservationId, OffsetDateTime paymentDueAt,
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
        int lineCount = subOrders.stream().mapToInt(subOrder -> subOrder.lines().size()).sum();
        List<UUID> subOrderIds = new ArrayList<>(subOrders.size());
        List<UUID> merchants = new ArrayList<>(subOrders.size());
        List<String> statuses = new ArrayList<>(subOrders.size());
        List<Long> versions = new ArrayList<>(subOrders.size());
        List<String> currencies = new ArrayList<>(subOrders.size());
        List<Long> subtotals = new ArrayList<>(subOrders.size());
        List<Long> taxes = new ArrayList<>(subOrders.size());
        List<Long> totals = new ArrayList<>(subOrders.size());
        List<Long> commissions = new ArrayList<>(subOrders.size());
        List<Long> acceptWithin = new ArrayList<>(subOrders.size()); // milliseconds; null: not due (awaiting payment)
        List<Long> shipWithin = new ArrayList<>(subOrders.size());
        List<UUID> lineSubOrders = new ArrayList<>(lineCount);
        List<Integer> lineNumbers = new ArrayList<>(lineCount);
        List<UUID> variants = new ArrayList<>(lineCount);
        List<UUID> products = new ArrayList<>(lineCount);
        List<String> skus = new ArrayList<>(lineCount);
        List<String> titles = new ArrayList<>(lineCount);
        List<Long> quantities = new ArrayList<>(lineCount);
        List<Long> unitPrices = new ArrayList<>(lineCount);
        List<Long> lineSubtotals = new ArrayList<>(lineCount);
        List<Integer> taxRates = new ArrayList<>(lineCount);
        List<Long> lineTaxes = new ArrayList<>(lineCount);
        List<Integer> commissionRates = new ArrayList<>(lineCount);
        for (Order.SubOrder subOrder : subOrders) {
            DueTimes due = dueTimes.get(subOrder.id());
            subOrderIds.add(subOrder.id());
            merchants.add(subOrder.merchantId());
            statuses.add(subOrder.status().wireName());
            versions.add(subOrder.version());
            currencies.add(subOrder.total().currency());
            subtotals.add(subOrder.subtotal().amount());
            taxes.add(subOrder.tax().amount());
            totals.add(subOrder.total().amount());
            commissions.add(subOrder.commission().amount());
            acceptWithin.add(due == null ? null : due.acceptWithin().toMillis());
            shipWithin.add(due == null ? null : due.shipWithin().toMillis());
            for (Order.Line line : subOrder.lines()) {
                lineSubOrders.add(subOrder.id());
                lineNumbers.add(line.lineNumber());
                variants.add(line.variantId());
                products.add(line.productId());
                skus.add(line.sku());
                titles.add(stringMapJson(line.title()).data());
                quantities.add(line.quantity());
                unitPrices.add(line.unitPrice().amount());
                lineSubtotals.add(line.subtotal().amount());
                taxRates.add(line.taxRateBasisPoints());
                lineTaxes.add(line.tax().amount());
                commissionRates.add(line.commissionRateBasisPoints());
            }
        }
        return INSERT_ORDER.fetch(db, binds -> binds.uuid("order", order.id())
                        .uuid("storefront", order.storefrontId()).uuid("customer", order.customerId())
                        .uuid("cart", order.cartId()).text("status", order.status().wireName())
                        .bigint("version", order.version()).text("currency", order.total().currency())
                        .bigint("subtotal", order.subtotal().amount()).bigint("tax", order.tax().amount())
                        .bigint("discount", order.discount().amount()).bigint("total", order.total().amount())
                        .bytes("address", seal(order.id(), order.address())).text("piiKey", piiKeys.currentId())
                        .uuid("reservation", order.reservationId()).timestamp("paymentDueAt", order.paymentDueAt())
                        .bool("stockCommitted", order.stockCommitted())
                        .uuids("subOrders", subOrderIds).uuids("merchants", merchants).texts("statuses", statuses)
                        .bigints("versions", versions).texts("currencies", currencies)
                        .bigints("subtotals", subtotals).bigints("taxes", taxes).bigints("totals", totals)
                        .bigints("commissions", commissions).bigints("acceptWithin", acceptWithin)
                        .bigints("shipWithin", shipWithin)
                        .uuids("lineSubOrders", lineSubOrders).integers("lineNumbers", lineNumbers)
                        .uuids("variants", variants).uuids("products", products).texts("skus", skus)
                        .texts("titles", titles).bigints("quantities", quantities).bigints("unitPrices", unitPrices)
                        .bigints("lineSubtotals", lineSubtotals).integers("taxRates", taxRates)
                        .bigints("lineTaxes", lineTaxes).integers("commissionRates", commissionRates),
                row -> row.get(ORDER_CREATED_AT)).getFirst();
    }

    private static final Field<OffsetDateTime> ORDER_CREATED_AT = DSL.field(
            DSL.name("order_row", CUSTOMER_ORDER.CREATED_AT.getName()), CUSTOMER_ORDER.CREATED_AT.getDataType());

    /**
     * The order, its sub-orders and their lines in one statement of one text, for checkout and partner orders alike
     * (decision 115): sub-orders and lines as arrays through {@code unnest}, each sub-order's due times as milliseconds
     * from PostgreSQL's clock (null: not due). A payment due time left null is the transaction's start (paid at once).
     */
    private static final RenderedStatement INSERT_ORDER;

    static {
        var orderRow = DSL.insertInto(CUSTOMER_ORDER)
                .set(CUSTOMER_ORDER.ID, DSL.param("order", UUID.class))
                .set(CUSTOMER_ORDER.STOREFRONT_ID, DSL.param("storefront", UUID.class))
                .set(CUSTOMER_ORDER.CUSTOMER_ID, DSL.param("customer", UUID.class))
                .set(CUSTOMER_ORDER.CART_ID, DSL.param("cart", UUID.class))
                .set(CUSTOMER_ORDER.STATUS, DSL.param("status", String.class))
                .set(CUSTOMER_ORDER.VERSION, DSL.param("version", Long.class))
                .set(CUSTOMER_ORDER.CURRENCY, DSL.param("currency", String.class))
                .set(CUSTOMER_ORDER.SUBTOTAL_AMOUNT, DSL.param("subtotal", Long.class))
                .set(CUSTOMER_ORDER.TAX_AMOUNT, DSL.param("tax", Long.class))
                .set(CUSTOMER_ORDER.DISCOUNT_AMOUNT, DSL.param("discount", Long.class))
                .set(CUSTOMER_ORDER.TOTAL_AMOUNT, DSL.param("total", Long.class))
                .set(CUSTOMER_ORDER.SHIPPING_ADDRESS_SEALED, DSL.param("address", byte[].class))
                .set(CUSTOMER_ORDER.PII_KEY_ID, DSL.param("piiKey", String.class))
                .set(CUSTOMER_ORDER.RESERVATION_ID, DSL.param("reservation", UUID.class))
                .set(CUSTOMER_ORDER.PAYMENT_DUE_AT, DSL.coalesce(DSL.param("paymentDueAt", OffsetDateTime.class),
                        DSL.currentOffsetDateTime()))
                .set(CUSTOMER_ORDER.STOCK_COMMITTED, DSL.param("stockCommitted", Boolean.class))
                .returningResult(CUSTOMER_ORDER.CREATED_AT);
        var subOrderRows = DSL.insertInto(SUB_ORDER, SUB_ORDER.ID, SUB_ORDER.ORDER_ID, SUB_ORDER.MERCHANT_ID,
                        SUB_ORDER.STATUS, SUB_ORDER.VERSION, SUB_ORDER.CURRENCY, SUB_ORDER.SUBTOTAL_AMOUNT,
                        SUB_ORDER.TAX_AMOUNT, SUB_ORDER.TOTAL_AMOUNT, SUB_ORDER.COMMISSION_AMOUNT,
                        SUB_ORDER.ACCEPTANCE_DUE_AT, SUB_ORDER.SHIP_BY_AT)
                .select(DSL.select(column("s", "id", SQLDataType.UUID), DSL.param("order", UUID.class),
                                column("s", "merchant_id", SQLDataType.UUID), column("s", "status", SQLDataType.CLOB),
                                column("s", "version", SQLDataType.BIGINT), column("s", "currency", SQLDataType.CLOB),
                                column("s", "subtotal", SQLDataType.BIGINT), column("s", "tax", SQLDataType.BIGINT),
                                column("s", "total", SQLDataType.BIGINT), column("s", "commission", SQLDataType.BIGINT),
                                DatabaseClock.nowPlus(column("s", "accept_within", SQLDataType.BIGINT)),
                                DatabaseClock.nowPlus(column("s", "ship_within", SQLDataType.BIGINT)))
                        .from(DSL.table("unnest({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}) AS s(id, "
                                        + "merchant_id, status, version, currency, subtotal, tax, total, commission, "
                                        + "accept_within, ship_within)",
                                DSL.param("subOrders", SQLDataType.UUID.array()),
                                DSL.param("merchants", SQLDataType.UUID.array()),
                                DSL.param("statuses", SQLDataType.CLOB.array()),
                                DSL.param("versions", SQLDataType.BIGINT.array()),
                                DSL.param("currencies", SQLDataType.CLOB.array()),
                                DSL.param("subtotals", SQLDataType.BIGINT.array()),
                                DSL.param("taxes", SQLDataType.BIGINT.array()),
                                DSL.param("totals", SQLDataType.BIGINT.array()),
                                DSL.param("commissions", SQLDataType.BIGINT.array()),
                                DSL.param("acceptWithin", SQLDataType.BIGINT.array()),
                                DSL.param("shipWithin", SQLDataType.BIGINT.array()))))
                .returningResult(SUB_ORDER.ID);
        var lineRows = DSL.insertInto(ORDER_LINE, ORDER_LINE.SUB_ORDER_ID, ORDER_LINE.LINE_NUMBER,
                        ORDER_LINE.VARIANT_ID, ORDER_LINE.PRODUCT_ID, ORDER_LINE.SKU, ORDER_LINE.TITLE,
                        ORDER_LINE.QUANTITY, ORDER_LINE.UNIT_PRICE_AMOUNT, ORDER_LINE.SUBTOTAL_AMOUNT,
                        ORDER_LINE.TAX_RATE_BP, ORDER_LINE.TAX_AMOUNT, ORDER_LINE.COMMISSION_RATE_BP)
                .select(DSL.select(column("l", "sub_order_id", SQLDataType.UUID),
                                column("l", "line_number", SQLDataType.INTEGER),
                                column("l", "variant_id", SQLDataType.UUID), column("l", "product_id", SQLDataType.UUID),
                                column("l", "sku", SQLDataType.CLOB),
                                column("l", "title", SQLDataType.CLOB).cast(SQLDataType.JSONB),
                                column("l", "quantity", SQLDataType.BIGINT), column("l", "unit_price", SQLDataType.BIGINT),
                                column("l", "subtotal", SQLDataType.BIGINT), column("l", "tax_rate", SQLDataType.INTEGER),
                                column("l", "tax", SQLDataType.BIGINT), column("l", "commission_rate", SQLDataType.INTEGER))
                        .from(DSL.table("unnest({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11}) AS "
                                        + "l(sub_order_id, line_number, variant_id, product_id, sku, title, quantity, "
                                        + "unit_price, subtotal, tax_rate, tax, commission_rate)",
                                DSL.param("lineSubOrders", SQLDataType.UUID.array()),
                                DSL.param("lineNumbers", SQLDataType.INTEGER.array()),
                                DSL.param("variants", SQLDataType.UUID.array()),
                                DSL.param("products", SQLDataType.UUID.array()),
                                DSL.param("skus", SQLDataType.CLOB.array()),
                                DSL.param("titles", SQLDataType.CLOB.array()),
                                DSL.param("quantities", SQLDataType.BIGINT.array()),
                                DSL.param("unitPrices", SQLDataType.BIGINT.array()),
                                DSL.param("lineSubtotals", SQLDataType.BIGINT.array()),
                                DSL.param("taxRates", SQLDataType.INTEGER.array()),
                                DSL.param("lineTaxes", SQLDataType.BIGINT.array()),
                                DSL.param("commissionRates", SQLDataType.INTEGER.array()))))
                .returningResult(ORDER_LINE.LINE_NUMBER);
        INSERT_ORDER = RenderedStatement.of(DSL.with("order_row").as(orderRow)
                .with("sub_order_rows").as(subOrderRows)
                .with("order_line_rows").as(lineRows)
                .select(ORDER_CREATED_AT)
                .from(DSL.table(DSL.name("order_row"))));
    }

    private static <T> Field<T> column(String table, String column, org.jooq.DataType<T> type) {
        return DSL.field(DSL.name(table, column), type);
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

    /** A history row as written: its id and time. */
    record WrittenTransition(long id, OffsetDateTime occurredAt) {
    }

    /**
     * Appends these history rows of the order in list order, one statement ({@link #TRANSITIONS}); returns their ids and
     * times in that order (an identity hands the ids out in the order of the statement's rows).
     */
    List<WrittenTransition> insertTransitions(DSLContext db, UUID orderId, List<Order.Transition> transitions) {
        int size = transitions.size();
        List<UUID> subOrders = new ArrayList<>(size);
        List<String> from = new ArrayList<>(size);
        List<String> to = new ArrayList<>(size);
        List<String> actors = new ArrayList<>(size);
        List<String> reasons = new ArrayList<>(size);
        for (Order.Transition transition : transitions) {
            subOrders.add(transition.subOrderId());
            from.add(transition.from());
            to.add(transition.to());
            actors.add(transition.actor());
            reasons.add(transition.reason());
        }
        List<WrittenTransition> written = new ArrayList<>(TRANSITIONS.fetch(db, binds -> binds.uuid("order_id", orderId)
                        .uuids("sub_orders", subOrders).texts("from_statuses", from).texts("to_statuses", to)
                        .texts("actors", actors).texts("reasons", reasons),
                row -> new WrittenTransition(row.get(ORDER_TRANSITION.ID), row.get(ORDER_TRANSITION.OCCURRED_AT))));
        written.sort(Comparator.comparingLong(WrittenTransition::id));
        return written;
    }

    /**
     * {@link #insertTransitions}'s insert: one text whatever the number of rows (arrays through {@code unnest},
     * rendered once), where a multi-row {@code VALUES} was built and rendered by jOOQ per call (decision 142).
     */
    private static final RenderedStatement TRANSITIONS = transitionsStatement();

    private static RenderedStatement transitionsStatement() {
        Table<?> rows = DSL.table("unnest({0}, {1}, {2}, {3}, {4}) with ordinality as {5}(sub_order_id, from_status, "
                        + "to_status, actor, reason, position)",
                DSL.param("sub_orders", SQLDataType.UUID.array()), DSL.param("from_statuses", SQLDataType.CLOB.array()),
                DSL.param("to_statuses", SQLDataType.CLOB.array()), DSL.param("actors", SQLDataType.CLOB.array()),
                DSL.param("reasons", SQLDataType.CLOB.array()), DSL.name("transition_row"));
        return RenderedStatement.of(DSL.insertInto(ORDER_TRANSITION, ORDER_TRANSITION.ORDER_ID,
                        ORDER_TRANSITION.SUB_ORDER_ID, ORDER_TRANSITION.FROM_STATUS, ORDER_TRANSITION.TO_STATUS,
                        ORDER_TRANSITION.ACTOR, ORDER_TRANSITION.REASON)
                .select(DSL.select(DSL.param("order_id", UUID.class), column("transition_row", "sub_order_id",
                                SQLDataType.UUID), column("transition_row", "from_status", SQLDataType.CLOB),
                                column("transition_row", "to_status", SQLDataType.CLOB),
                                column("transition_row", "actor", SQLDataType.CLOB),
                                column("transition_row", "reason", SQLDataType.CLOB))
                        .from(rows).orderBy(column("transition_row", "position", SQLDataType.BIGINT)))
                .returningResult(ORDER_TRANSITION.ID, ORDER_TRANSITION.OCCURRED_AT));
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
