package dev.marketplace.server.platform.events;

import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static dev.marketplace.schema.Tables.DOMAIN_EVENT_FEED;

import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Name;
import org.jooq.OrderField;
import org.jooq.Query;
import org.jooq.Table;
import org.jooq.WithStep;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The outbox of domain events ({@code domain_event}, V18). Writers append in the transaction of their change;
 * {@code settle_changes()} (see {@link dev.marketplace.server.platform.changes.ChangeLog#settle}) gives an event
 * its position once no older transaction is running, so reading by position never skips a late commit.
 */
public final class DomainEvents {

    private DomainEvents() {
    }

    /**
     * In the caller's transaction: appends the event unless one with the same idempotency id exists; returns whether
     * it was appended.
     */
    public static boolean append(DSLContext tx, DomainEvent event) {
        Parties parties = event.parties();
        return tx.insertInto(DOMAIN_EVENT)
                .set(DOMAIN_EVENT.EVENT_ID, UUID.randomUUID())
                .set(DOMAIN_EVENT.IDEMPOTENCY_ID, event.idempotencyId())
                .set(DOMAIN_EVENT.TYPE, event.type().wireName())
                .set(DOMAIN_EVENT.ORDER_ID, parties.orderId())
                .set(DOMAIN_EVENT.SUB_ORDER_ID, parties.subOrderId())
                .set(DOMAIN_EVENT.MERCHANT_ID, parties.merchantId())
                .set(DOMAIN_EVENT.CUSTOMER_ID, parties.customerId())
                .set(DOMAIN_EVENT.PAYLOAD, JSONB.jsonb(event.payload().toString()))
                .onConflict(DOMAIN_EVENT.IDEMPOTENCY_ID).doNothing()
                .execute() == 1;
    }

    /**
     * In the caller's transaction: appends those of the events whose idempotency id is new, in one statement (the
     * ledger's posting appends a batch's fees and reserves at once, decision 60), in list order; see {@link #APPEND_ALL}.
     */
    public static void appendAll(DSLContext tx, List<? extends DomainEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        int size = events.size();
        List<UUID> eventIds = new ArrayList<>(size);
        List<String> idempotencyIds = new ArrayList<>(size);
        List<String> types = new ArrayList<>(size);
        List<UUID> orders = new ArrayList<>(size);
        List<UUID> subOrders = new ArrayList<>(size);
        List<UUID> merchants = new ArrayList<>(size);
        List<UUID> customers = new ArrayList<>(size);
        List<String> payloads = new ArrayList<>(size);
        for (DomainEvent event : events) {
            Parties parties = event.parties();
            eventIds.add(UUID.randomUUID());
            idempotencyIds.add(event.idempotencyId());
            types.add(event.type().wireName());
            orders.add(parties.orderId());
            subOrders.add(parties.subOrderId());
            merchants.add(parties.merchantId());
            customers.add(parties.customerId());
            payloads.add(event.payload().toString());
        }
        APPEND_ALL.execute(tx, binds -> binds.uuids("event_ids", eventIds).texts("idempotency_ids", idempotencyIds)
                .texts("types", types).uuids("orders", orders).uuids("sub_orders", subOrders)
                .uuids("merchants", merchants).uuids("customers", customers).texts("payloads", payloads));
    }

    /**
     * {@link #appendAll}'s insert: one text whatever the number of events (arrays through {@code unnest}, rendered once),
     * where a multi-row {@code VALUES} was built and rendered by jOOQ per call, a sixth of a lease commit's JVM samples
     * (decision 142). The rows go in in list order, as the {@code VALUES} did: settling hands positions out by id.
     */
    private static final RenderedStatement APPEND_ALL = appendAllStatement();

    private static RenderedStatement appendAllStatement() {
        Name row = DSL.name("event_row");
        Table<?> rows = DSL.table("unnest({0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}) with ordinality as {8}(event_id, "
                        + "idempotency_id, type, order_id, sub_order_id, merchant_id, customer_id, payload, position)",
                DSL.param("event_ids", SQLDataType.UUID.array()),
                DSL.param("idempotency_ids", SQLDataType.CLOB.array()), DSL.param("types", SQLDataType.CLOB.array()),
                DSL.param("orders", SQLDataType.UUID.array()), DSL.param("sub_orders", SQLDataType.UUID.array()),
                DSL.param("merchants", SQLDataType.UUID.array()), DSL.param("customers", SQLDataType.UUID.array()),
                DSL.param("payloads", SQLDataType.CLOB.array()), row);
        return RenderedStatement.of(DSL.insertInto(DOMAIN_EVENT, DOMAIN_EVENT.EVENT_ID, DOMAIN_EVENT.IDEMPOTENCY_ID,
                        DOMAIN_EVENT.TYPE, DOMAIN_EVENT.ORDER_ID, DOMAIN_EVENT.SUB_ORDER_ID, DOMAIN_EVENT.MERCHANT_ID,
                        DOMAIN_EVENT.CUSTOMER_ID, DOMAIN_EVENT.PAYLOAD)
                .select(DSL.select(DSL.field(row.append("event_id"), SQLDataType.UUID),
                                DSL.field(row.append("idempotency_id"), SQLDataType.CLOB),
                                DSL.field(row.append("type"), SQLDataType.CLOB),
                                DSL.field(row.append("order_id"), SQLDataType.UUID),
                                DSL.field(row.append("sub_order_id"), SQLDataType.UUID),
                                DSL.field(row.append("merchant_id"), SQLDataType.UUID),
                                DSL.field(row.append("customer_id"), SQLDataType.UUID),
                                DSL.field(row.append("payload"), SQLDataType.CLOB).cast(SQLDataType.JSONB))
                        .from(rows).orderBy(DSL.field(row.append("position"))))
                .onConflict(DOMAIN_EVENT.IDEMPOTENCY_ID).doNothing());
    }

    /**
     * The insert of one event by a statement that writes the change it tells of (a {@code WITH} of data-modifying
     * statements, {@code with}), its idempotency id computed from that change's rows: {@code idempotencyId} over the
     * first row of {@code source} in {@code order} (a history row's id read from its insert's {@code RETURNING}, which
     * an insert of its own would need a round trip more to learn). The event's other values are named parameters,
     * set by {@link #bindOne}: for a statement rendered once (decision 117).
     */
    public static Query appendOneFrom(WithStep with, Table<?> source, Field<String> idempotencyId,
                                      OrderField<?> order) {
        return with.insertInto(DOMAIN_EVENT, DOMAIN_EVENT.EVENT_ID, DOMAIN_EVENT.IDEMPOTENCY_ID, DOMAIN_EVENT.TYPE,
                        DOMAIN_EVENT.ORDER_ID, DOMAIN_EVENT.SUB_ORDER_ID, DOMAIN_EVENT.MERCHANT_ID,
                        DOMAIN_EVENT.CUSTOMER_ID, DOMAIN_EVENT.PAYLOAD)
                .select(DSL.select(DSL.param("event_id", UUID.class), idempotencyId,
                                DSL.param("event_type", String.class), DSL.param("event_order", UUID.class),
                                DSL.param("event_sub_order", UUID.class), DSL.param("event_merchant", UUID.class),
                                DSL.param("event_customer", UUID.class), DSL.param("event_payload", JSONB.class))
                        .from(source).orderBy(order).limit(DSL.inline(1)))
                .onConflict(DOMAIN_EVENT.IDEMPOTENCY_ID).doNothing();
    }

    /** Sets {@link #appendOneFrom}'s parameters: the event of this type, parties and payload, a new event id. */
    public static RenderedStatement.Binds bindOne(RenderedStatement.Binds binds, EventType type, Parties parties,
                                                  JsonObject payload) throws SQLException {
        return binds.uuid("event_id", UUID.randomUUID()).text("event_type", type.wireName())
                .uuid("event_order", parties.orderId()).uuid("event_sub_order", parties.subOrderId())
                .uuid("event_merchant", parties.merchantId()).uuid("event_customer", parties.customerId())
                .jsonb("event_payload", JSONB.jsonb(payload.toString()));
    }

    /** The highest position handed out so far. */
    static long settledThrough(DSLContext db) {
        return SETTLED_THROUGH.fetch(db, binds -> { }, row -> row.get(DOMAIN_EVENT_FEED.SETTLED_THROUGH)).getFirst();
    }

    private static final RenderedStatement SETTLED_THROUGH = RenderedStatement.of(
            DSL.select(DOMAIN_EVENT_FEED.SETTLED_THROUGH).from(DOMAIN_EVENT_FEED));

    /** What a subscriber is given of an event, read in this order by {@link #stored}. */
    private static final Field<?>[] STORED = {DOMAIN_EVENT.POSITION, DOMAIN_EVENT.EVENT_ID, DOMAIN_EVENT.OCCURRED_AT,
            DOMAIN_EVENT.TYPE, DOMAIN_EVENT.IDEMPOTENCY_ID, DOMAIN_EVENT.ORDER_ID, DOMAIN_EVENT.SUB_ORDER_ID,
            DOMAIN_EVENT.MERCHANT_ID, DOMAIN_EVENT.CUSTOMER_ID, DOMAIN_EVENT.PAYLOAD};

    /**
     * A subscriber's read of its settled events ({@link #settled}), rendered once per subscriber: its types and batch
     * size are inlined, the text jOOQ built and rendered on every poll with work before (17 % of the subscribers'
     * handling samples, decision 147). Literal types keep the plan the bound ones got, one probe of
     * {@code (type, position)} per type.
     */
    static RenderedStatement settledOf(Collection<EventType> types, int limit) {
        return RenderedStatement.of(DSL.select(STORED).from(DOMAIN_EVENT)
                .where(DOMAIN_EVENT.TYPE.in(types.stream().map(EventType::wireName).sorted().map(DSL::inline).toList()))
                .and(DOMAIN_EVENT.POSITION.gt(DSL.param("after", Long.class)))
                .and(DOMAIN_EVENT.POSITION.le(DSL.param("through", Long.class)))
                .orderBy(DOMAIN_EVENT.POSITION)
                .limit(DSL.inline(limit)));
    }

    /**
     * Settled events with positions in ({@code after}, {@code through}], in position order: those of {@code settled}'s
     * types, at most its limit.
     */
    static List<StoredEvent> settled(DSLContext db, RenderedStatement settled, long after, long through) {
        return settled.fetch(db, binds -> binds.bigint("after", after).bigint("through", through),
                DomainEvents::stored);
    }

    /** The event at that position. */
    static Optional<StoredEvent> at(DSLContext db, long position) {
        return AT.fetch(db, binds -> binds.bigint("position", position), DomainEvents::stored).stream().findFirst();
    }

    private static final RenderedStatement AT = RenderedStatement.of(DSL.select(STORED).from(DOMAIN_EVENT)
            .where(DOMAIN_EVENT.POSITION.eq(DSL.param("position", Long.class))));

    private static StoredEvent stored(RenderedStatement.Row row) throws SQLException {
        JsonObject payload;
        try (var reader = JsonP.JSON.createReader(new StringReader(row.get(DOMAIN_EVENT.PAYLOAD).data()))) {
            payload = reader.readObject();
        }
        Parties parties = new Parties(row.get(DOMAIN_EVENT.ORDER_ID), row.get(DOMAIN_EVENT.SUB_ORDER_ID),
                row.get(DOMAIN_EVENT.MERCHANT_ID), row.get(DOMAIN_EVENT.CUSTOMER_ID));
        return new StoredEvent(row.get(DOMAIN_EVENT.POSITION), row.get(DOMAIN_EVENT.EVENT_ID),
                row.get(DOMAIN_EVENT.OCCURRED_AT), DomainEvent.of(EventType.fromWireName(row.get(DOMAIN_EVENT.TYPE)),
                row.get(DOMAIN_EVENT.IDEMPOTENCY_ID), parties, payload));
    }
}
