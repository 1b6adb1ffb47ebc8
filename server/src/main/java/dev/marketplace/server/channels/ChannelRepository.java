package dev.marketplace.server.channels;

import static dev.marketplace.schema.Tables.CHANNEL;
import static dev.marketplace.schema.Tables.CHANNEL_CODE;
import static dev.marketplace.schema.Tables.CHANNEL_DEPOSIT;
import static dev.marketplace.schema.Tables.CHANNEL_ORDER;
import static dev.marketplace.schema.Tables.CHANNEL_SERVICE_RESPONSE;
import static dev.marketplace.schema.Tables.CHANNEL_STATEMENT_LINE;
import static dev.marketplace.schema.Tables.CHANNEL_SUB_ORDER;

import dev.marketplace.schema.tables.records.ChannelRecord;
import dev.marketplace.schema.tables.records.ChannelSubOrderRecord;
import dev.marketplace.server.orders.Order;
import dev.marketplace.server.orders.OrderAttribution;
import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.time.OffsetDateTime;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/** The channels domain's tables (V30), in the caller's transaction. */
final class ChannelRepository {

    /** A statement line as stored: amount the channel's view (owed to it positive). */
    record Line(long id, String type, String reference, UUID orderId, UUID subOrderId, Long tierFrom,
                Integer rateBasisPoints, Long base, String reason, long amount, String currency,
                OffsetDateTime occurredAt) {
    }

    record NewLine(UUID channelId, String type, String reference, int part, UUID orderId, UUID subOrderId,
                   Long tierFrom, Integer rateBasisPoints, Long base, String reason, Money amount,
                   OffsetDateTime occurredAt) {
    }

    /** An attributed order as a channel sees it. */
    record AttributedOrder(UUID orderId, UUID channelId, String attributedBy, String code, String placedByType,
                           UUID placedById, UUID customerId, OffsetDateTime placedAt, List<ChannelSubOrderRecord> subOrders) {
    }

    /** A ticket the channel answered. */
    record Ticket(String reference, OffsetDateTime raisedAt, OffsetDateTime answeredAt) {
    }

    // Channels.

    void insert(DSLContext tx, Channel channel) {
        tx.insertInto(CHANNEL)
                .set(CHANNEL.ID, channel.id())
                .set(CHANNEL.NAME, channel.name())
                .set(CHANNEL.KIND, channel.kind())
                .set(CHANNEL.PRINCIPAL_TYPE, channel.principalType() == null ? null : channel.principalType().wireName())
                .set(CHANNEL.PRINCIPAL_ID, channel.principalId())
                .set(CHANNEL.CURRENCY, channel.programme().currency())
                .set(CHANNEL.PERIOD, channel.programme().period())
                .set(CHANNEL.FUNDED_BY, channel.programme().fundedBy())
                .set(CHANNEL.TIERS, tiersJson(channel.programme().tiers()))
                .set(CHANNEL.GMV_TARGET, channel.programme().gmvTarget())
                .set(CHANNEL.CREATED_AT, channel.createdAt())
                .execute();
    }

    boolean principalTaken(DSLContext tx, PrincipalType type, UUID id) {
        return tx.fetchExists(CHANNEL, CHANNEL.PRINCIPAL_TYPE.eq(type.wireName()).and(CHANNEL.PRINCIPAL_ID.eq(id)));
    }

    /** The channel if the viewer may see it: the operator any, a storefront or partner the one it is. */
    Optional<Channel> find(DSLContext db, Principal viewer, UUID id) {
        return db.selectFrom(CHANNEL).where(CHANNEL.ID.eq(id)).and(visibleTo(viewer))
                .fetchOptional(row -> channel(db, row));
    }

    /** The same, its row locked (deposits and draws of one channel one after the other). */
    Optional<Channel> lock(DSLContext tx, Principal viewer, UUID id) {
        return tx.selectFrom(CHANNEL).where(CHANNEL.ID.eq(id)).and(visibleTo(viewer)).forUpdate()
                .fetchOptional(row -> channel(tx, row));
    }

    /** The server's own lookup (the revenue share), for no viewer. */
    Channel get(DSLContext db, UUID id) {
        return channel(db, db.selectFrom(CHANNEL).where(CHANNEL.ID.eq(id)).fetchSingle());
    }

    private static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, CHANNEL.PRINCIPAL_TYPE, CHANNEL.PRINCIPAL_ID);
    }

    private static Channel channel(DSLContext db, ChannelRecord row) {
        List<String> codes = db.select(CHANNEL_CODE.CODE).from(CHANNEL_CODE).where(CHANNEL_CODE.CHANNEL_ID.eq(row.getId()))
                .orderBy(CHANNEL_CODE.CODE_KEY).fetch(CHANNEL_CODE.CODE);
        return new Channel(row.getId(), row.getName(), row.getKind(),
                row.getPrincipalType() == null ? null : PrincipalType.fromWireName(row.getPrincipalType()).orElseThrow(),
                row.getPrincipalId(), new Channel.Programme(row.getCurrency(), row.getPeriod(), row.getFundedBy(),
                tiers(row.getTiers()), row.getGmvTarget()), codes, row.getCreatedAt());
    }

    // Codes.

    static String codeKey(String code) {
        return code.toLowerCase(Locale.ROOT);
    }

    /** Whether the code was free (and is now the channel's). */
    boolean insertCode(DSLContext tx, UUID channelId, String code) {
        return tx.insertInto(CHANNEL_CODE)
                .set(CHANNEL_CODE.CODE_KEY, codeKey(code))
                .set(CHANNEL_CODE.CODE, code)
                .set(CHANNEL_CODE.CHANNEL_ID, channelId)
                .onConflict(CHANNEL_CODE.CODE_KEY).doNothing()
                .execute() == 1;
    }

    Optional<UUID> channelOfCode(DSLContext db, String code) {
        return db.select(CHANNEL_CODE.CHANNEL_ID).from(CHANNEL_CODE).where(CHANNEL_CODE.CODE_KEY.eq(codeKey(code)))
                .fetchOptional(CHANNEL_CODE.CHANNEL_ID);
    }

    // Attribution.

    /**
     * The order's attribution in one statement (decision 109): the channel named by {@code named} (its channel code,
     * already looked up), else the channel holding the last of {@code couponCodes} that any holds, else the placer's
     * own channel; the order's row, and its sub-orders' rows when a channel is credited. Returns the attribution.
     */
    Optional<Order.Channel> attribute(DSLContext tx, UUID orderId, Optional<Named> named, List<String> couponCodes,
                                      Principal placedBy, UUID customerId, List<OrderAttribution.SubOrder> subOrders,
                                      OffsetDateTime placedAt) {
        return ATTRIBUTE.fetch(tx, binds -> binds.uuid("named_channel", named.map(Named::channelId).orElse(null))
                        .text("named_code", named.map(Named::code).orElse(null))
                        .texts("coupon_codes", couponCodes)
                        .texts("coupon_code_keys", couponCodes.stream().map(ChannelRepository::codeKey).toList())
                        .text("placed_by_type", placedBy.type().wireName()).uuid("placed_by_id", placedBy.id())
                        .uuid("order", orderId).timestamp("placed_at", placedAt).uuid("customer", customerId)
                        .text("currency", subOrders.getFirst().total().currency())
                        .uuids("sub_orders", subOrders.stream().map(OrderAttribution.SubOrder::subOrderId).toList())
                        .uuids("merchants", subOrders.stream().map(OrderAttribution.SubOrder::merchantId).toList())
                        .bigints("net_sales", subOrders.stream().map(s -> s.subtotal().amount()).toList())
                        .bigints("totals", subOrders.stream().map(s -> s.total().amount()).toList()),
                row -> row.get(ATTRIBUTED_CHANNEL) == null ? Optional.<Order.Channel>empty()
                        : Optional.of(new Order.Channel(row.get(ATTRIBUTED_CHANNEL), row.get(ATTRIBUTED_BY),
                        row.get(ATTRIBUTED_CODE)))).getFirst();
    }

    /** A channel named by its code at checkout. */
    record Named(UUID channelId, String code) {
    }

    /**
     * Ranked candidates (a named channel, the last coupon code a channel holds, the placer's channel: none looked for
     * when the placer has no id), the best one attributed; one row in channel_order always, the sub-orders' rows only
     * with a channel. A checkout sends this text with every order, so it is one text whatever the codes, rendered once
     * (decision 128; jOOQ casts each array, id and time it binds, so the text is the one sent before): the placer's
     * type and id are one parameter each in two places.
     */
    private static final String ATTRIBUTE_SQL = """
            with "chosen" as (
              select "channel_id", "code", "attributed_by", "rank" from (
                select {0} as "channel_id", cast({1} as text) as "code", 'code' as "attributed_by", 0 as "rank"
                union all
                (select "channel_code"."channel_id", "coupon"."code", 'code', 1
                 from unnest({2}, {3}) with ordinality as "coupon"("code", "code_key", "position")
                 join "channel_code" on "channel_code"."code_key" = "coupon"."code_key"
                 order by "coupon"."position" desc limit 1)
                union all
                select "channel"."id", null, 'client', 2 from "channel"
                where "channel"."principal_type" = {4} and "channel"."principal_id" = {5}) "candidate"
              where "channel_id" is not null
              order by "rank" limit 1),
            "order_row" as (
              insert into "channel_order" ("order_id", "placed_at", "channel_id", "attributed_by", "code",
                "placed_by_type", "placed_by_id", "customer_id", "currency")
              select {6}, {7}, "chosen"."channel_id",
                "chosen"."attributed_by", "chosen"."code", {4}, {5}, {8}, {9}
              from (select) "one" left join "chosen" on true
              returning "channel_order"."order_id", "channel_order"."channel_id", "channel_order"."attributed_by",
                "channel_order"."code", "channel_order"."currency"),
            "sub_order_rows" as (
              insert into "channel_sub_order" ("sub_order_id", "order_id", "channel_id", "merchant_id", "currency",
                "net_sales", "total")
              select "sub"."id", "order_row"."order_id", "order_row"."channel_id", "sub"."merchant_id",
                "order_row"."currency", "sub"."net_sales", "sub"."total"
              from "order_row", unnest({10}, {11}, {12}, {13})
                as "sub"("id", "merchant_id", "net_sales", "total")
              where "order_row"."channel_id" is not null)
            select "channel_id", "attributed_by", "code" from "order_row"
            """;

    private static final Field<UUID> ATTRIBUTED_CHANNEL = DSL.field(DSL.name("channel_id"), SQLDataType.UUID);
    private static final Field<String> ATTRIBUTED_BY = DSL.field(DSL.name("attributed_by"), SQLDataType.CLOB);
    private static final Field<String> ATTRIBUTED_CODE = DSL.field(DSL.name("code"), SQLDataType.CLOB);
    private static final RenderedStatement ATTRIBUTE = RenderedStatement.of(DSL.resultQuery(ATTRIBUTE_SQL,
                    DSL.param("named_channel", SQLDataType.UUID), DSL.param("named_code", SQLDataType.CLOB),
                    DSL.param("coupon_codes", SQLDataType.CLOB.array()),
                    DSL.param("coupon_code_keys", SQLDataType.CLOB.array()), DSL.param("placed_by_type", String.class),
                    DSL.param("placed_by_id", SQLDataType.UUID), DSL.param("order", UUID.class),
                    DSL.param("placed_at", OffsetDateTime.class), DSL.param("customer", UUID.class),
                    DSL.param("currency", String.class), DSL.param("sub_orders", SQLDataType.UUID.array()),
                    DSL.param("merchants", SQLDataType.UUID.array()), DSL.param("net_sales", SQLDataType.BIGINT.array()),
                    DSL.param("totals", SQLDataType.BIGINT.array()))
            .coerce(ATTRIBUTED_CHANNEL, ATTRIBUTED_BY, ATTRIBUTED_CODE));

    /** The order's channel, if it is attributed to one. */
    Optional<Order.Channel> attributionOf(DSLContext db, UUID orderId) {
        return db.select(CHANNEL_ORDER.CHANNEL_ID, CHANNEL_ORDER.ATTRIBUTED_BY, CHANNEL_ORDER.CODE).from(CHANNEL_ORDER)
                .where(CHANNEL_ORDER.ORDER_ID.eq(orderId)).and(CHANNEL_ORDER.CHANNEL_ID.isNotNull())
                .fetchOptional(row -> new Order.Channel(row.value1(), row.value2(), row.value3()));
    }

    /** The channel's attributed orders, newest first, after the cursor's (placed at, order id); one more than asked. */
    List<AttributedOrder> orders(DSLContext db, UUID channelId, Optional<OffsetDateTime> afterPlacedAt,
                                 Optional<UUID> afterOrder, int fetchSize) {
        Condition after = afterPlacedAt.isPresent()
                ? DSL.row(CHANNEL_ORDER.PLACED_AT, CHANNEL_ORDER.ORDER_ID).lt(afterPlacedAt.get(), afterOrder.orElseThrow())
                : DSL.noCondition();
        return db.selectFrom(CHANNEL_ORDER).where(CHANNEL_ORDER.CHANNEL_ID.eq(channelId)).and(after)
                .orderBy(CHANNEL_ORDER.PLACED_AT.desc(), CHANNEL_ORDER.ORDER_ID.desc()).limit(fetchSize)
                .fetch(row -> new AttributedOrder(row.getOrderId(), row.getChannelId(), row.getAttributedBy(),
                        row.getCode(), row.getPlacedByType(), row.getPlacedById(), row.getCustomerId(),
                        row.getPlacedAt(), db.selectFrom(CHANNEL_SUB_ORDER)
                        .where(CHANNEL_SUB_ORDER.ORDER_ID.eq(row.getOrderId()))
                        .orderBy(CHANNEL_SUB_ORDER.SUB_ORDER_ID).fetch()));
    }

    /** An attributed sub-order, locked: the revenue share decides on it one event at a time. */
    Optional<ChannelSubOrderRecord> lockSubOrder(DSLContext tx, UUID subOrderId) {
        return tx.selectFrom(CHANNEL_SUB_ORDER).where(CHANNEL_SUB_ORDER.SUB_ORDER_ID.eq(subOrderId)).forUpdate()
                .fetchOptional();
    }

    /** The net sales the channel's shares were of in the period so far (in the currency). */
    long periodBase(DSLContext db, UUID channelId, LocalDate periodStart, String currency) {
        Field<Long> sum = DSL.coalesce(DSL.sum(CHANNEL_SUB_ORDER.BASE).cast(SQLDataType.BIGINT), DSL.inline(0L));
        return db.select(sum).from(CHANNEL_SUB_ORDER)
                .where(CHANNEL_SUB_ORDER.CHANNEL_ID.eq(channelId)).and(CHANNEL_SUB_ORDER.PERIOD_START.eq(periodStart))
                .and(CHANNEL_SUB_ORDER.CURRENCY.eq(currency)).and(CHANNEL_SUB_ORDER.RELEASED_AT.isNotNull())
                .fetchSingle().value1();
    }

    /** The attributed sub-orders released in [from, to). */
    List<ChannelSubOrderRecord> releasedBetween(DSLContext db, UUID channelId, OffsetDateTime from, OffsetDateTime to) {
        return db.selectFrom(CHANNEL_SUB_ORDER).where(CHANNEL_SUB_ORDER.CHANNEL_ID.eq(channelId))
                .and(CHANNEL_SUB_ORDER.RELEASED_AT.ge(from)).and(CHANNEL_SUB_ORDER.RELEASED_AT.lt(to))
                .orderBy(CHANNEL_SUB_ORDER.RELEASED_AT, CHANNEL_SUB_ORDER.SUB_ORDER_ID).fetch();
    }

    /** Per customer, the attributed orders placed in [from, to) with at least one sub-order released. */
    List<org.jooq.Record2<UUID, Integer>> purchasesBetween(DSLContext db, UUID channelId, OffsetDateTime from,
                                                           OffsetDateTime to) {
        return db.select(CHANNEL_ORDER.CUSTOMER_ID, DSL.count())
                .from(CHANNEL_ORDER)
                .where(CHANNEL_ORDER.CHANNEL_ID.eq(channelId))
                .and(CHANNEL_ORDER.PLACED_AT.ge(from)).and(CHANNEL_ORDER.PLACED_AT.lt(to))
                .andExists(DSL.selectOne().from(CHANNEL_SUB_ORDER)
                        .where(CHANNEL_SUB_ORDER.ORDER_ID.eq(CHANNEL_ORDER.ORDER_ID))
                        .and(CHANNEL_SUB_ORDER.RELEASED_AT.isNotNull()))
                .groupBy(CHANNEL_ORDER.CUSTOMER_ID)
                .orderBy(CHANNEL_ORDER.CUSTOMER_ID)
                .fetch();
    }

    // Statement lines.

    /** Whether the line was new (a replayed event inserts nothing). */
    boolean insertLine(DSLContext tx, NewLine line) {
        return tx.insertInto(CHANNEL_STATEMENT_LINE)
                .set(CHANNEL_STATEMENT_LINE.CHANNEL_ID, line.channelId())
                .set(CHANNEL_STATEMENT_LINE.TYPE, line.type())
                .set(CHANNEL_STATEMENT_LINE.REFERENCE, line.reference())
                .set(CHANNEL_STATEMENT_LINE.PART, line.part())
                .set(CHANNEL_STATEMENT_LINE.ORDER_ID, line.orderId())
                .set(CHANNEL_STATEMENT_LINE.SUB_ORDER_ID, line.subOrderId())
                .set(CHANNEL_STATEMENT_LINE.TIER_FROM, line.tierFrom())
                .set(CHANNEL_STATEMENT_LINE.RATE_BASIS_POINTS, line.rateBasisPoints())
                .set(CHANNEL_STATEMENT_LINE.BASE, line.base())
                .set(CHANNEL_STATEMENT_LINE.REASON, line.reason())
                .set(CHANNEL_STATEMENT_LINE.AMOUNT, line.amount().amount())
                .set(CHANNEL_STATEMENT_LINE.CURRENCY, line.amount().currency())
                .set(CHANNEL_STATEMENT_LINE.OCCURRED_AT, line.occurredAt())
                .onConflict(CHANNEL_STATEMENT_LINE.REFERENCE, CHANNEL_STATEMENT_LINE.PART).doNothing()
                .execute() == 1;
    }

    long sumBefore(DSLContext db, UUID channelId, String currency, OffsetDateTime before) {
        Field<Long> sum = DSL.coalesce(DSL.sum(CHANNEL_STATEMENT_LINE.AMOUNT).cast(SQLDataType.BIGINT), DSL.inline(0L));
        return db.select(sum).from(CHANNEL_STATEMENT_LINE)
                .where(CHANNEL_STATEMENT_LINE.CHANNEL_ID.eq(channelId)).and(CHANNEL_STATEMENT_LINE.CURRENCY.eq(currency))
                .and(CHANNEL_STATEMENT_LINE.OCCURRED_AT.lt(before))
                .fetchSingle().value1();
    }

    List<Line> lines(DSLContext db, UUID channelId, String currency, OffsetDateTime from, OffsetDateTime to) {
        return db.selectFrom(CHANNEL_STATEMENT_LINE)
                .where(CHANNEL_STATEMENT_LINE.CHANNEL_ID.eq(channelId)).and(CHANNEL_STATEMENT_LINE.CURRENCY.eq(currency))
                .and(CHANNEL_STATEMENT_LINE.OCCURRED_AT.ge(from)).and(CHANNEL_STATEMENT_LINE.OCCURRED_AT.lt(to))
                .orderBy(CHANNEL_STATEMENT_LINE.OCCURRED_AT, CHANNEL_STATEMENT_LINE.ID)
                .fetch(row -> new Line(row.getId(), row.getType(), row.getReference(), row.getOrderId(),
                        row.getSubOrderId(), row.getTierFrom(), row.getRateBasisPoints(), row.getBase(), row.getReason(),
                        row.getAmount(), row.getCurrency(), row.getOccurredAt()));
    }

    // Deposits.

    boolean depositReferenceTaken(DSLContext tx, UUID channelId, String reference) {
        return tx.fetchExists(CHANNEL_DEPOSIT, CHANNEL_DEPOSIT.CHANNEL_ID.eq(channelId)
                .and(CHANNEL_DEPOSIT.KIND.eq("deposit")).and(CHANNEL_DEPOSIT.REFERENCE.eq(reference)));
    }

    OffsetDateTime insertDeposit(DSLContext tx, UUID id, UUID channelId, String kind, String reference, String reason,
                                 Money amount, String decidedBy, OffsetDateTime at) {
        return tx.insertInto(CHANNEL_DEPOSIT)
                .set(CHANNEL_DEPOSIT.ID, id)
                .set(CHANNEL_DEPOSIT.OCCURRED_AT, at)
                .set(CHANNEL_DEPOSIT.CHANNEL_ID, channelId)
                .set(CHANNEL_DEPOSIT.KIND, kind)
                .set(CHANNEL_DEPOSIT.REFERENCE, reference)
                .set(CHANNEL_DEPOSIT.REASON, reason)
                .set(CHANNEL_DEPOSIT.AMOUNT, amount.amount())
                .set(CHANNEL_DEPOSIT.CURRENCY, amount.currency())
                .set(CHANNEL_DEPOSIT.DECIDED_BY, decidedBy)
                .returning(CHANNEL_DEPOSIT.OCCURRED_AT)
                .fetchSingle().getOccurredAt();
    }

    /** What the channel's deposit holds in the currency: deposits less draws. */
    long depositHeld(DSLContext db, UUID channelId, String currency) {
        Field<Long> signed = DSL.when(CHANNEL_DEPOSIT.KIND.eq("deposit"), CHANNEL_DEPOSIT.AMOUNT)
                .otherwise(CHANNEL_DEPOSIT.AMOUNT.neg());
        Field<Long> sum = DSL.coalesce(DSL.sum(signed).cast(SQLDataType.BIGINT), DSL.inline(0L));
        return db.select(sum).from(CHANNEL_DEPOSIT)
                .where(CHANNEL_DEPOSIT.CHANNEL_ID.eq(channelId)).and(CHANNEL_DEPOSIT.CURRENCY.eq(currency))
                .fetchSingle().value1();
    }

    // Service responses.

    boolean insertTicket(DSLContext tx, UUID channelId, Ticket ticket) {
        return tx.insertInto(CHANNEL_SERVICE_RESPONSE)
                .set(CHANNEL_SERVICE_RESPONSE.CHANNEL_ID, channelId)
                .set(CHANNEL_SERVICE_RESPONSE.REFERENCE, ticket.reference())
                .set(CHANNEL_SERVICE_RESPONSE.RAISED_AT, ticket.raisedAt())
                .set(CHANNEL_SERVICE_RESPONSE.ANSWERED_AT, ticket.answeredAt())
                .onConflict(CHANNEL_SERVICE_RESPONSE.CHANNEL_ID, CHANNEL_SERVICE_RESPONSE.REFERENCE).doNothing()
                .execute() == 1;
    }

    List<Ticket> ticketsRaisedBetween(DSLContext db, UUID channelId, OffsetDateTime from, OffsetDateTime to) {
        return db.selectFrom(CHANNEL_SERVICE_RESPONSE)
                .where(CHANNEL_SERVICE_RESPONSE.CHANNEL_ID.eq(channelId))
                .and(CHANNEL_SERVICE_RESPONSE.RAISED_AT.ge(from)).and(CHANNEL_SERVICE_RESPONSE.RAISED_AT.lt(to))
                .orderBy(CHANNEL_SERVICE_RESPONSE.RAISED_AT, CHANNEL_SERVICE_RESPONSE.REFERENCE)
                .fetch(row -> new Ticket(row.getReference(), row.getRaisedAt(), row.getAnsweredAt()));
    }

    // Tiers as JSON.

    private static JSONB tiersJson(ShareTiers tiers) {
        JsonArrayBuilder array = JsonP.JSON.createArrayBuilder();
        tiers.tiers().forEach(tier -> array.add(JsonP.JSON.createObjectBuilder().add("from", tier.from())
                .add("rateBasisPoints", tier.rateBasisPoints())));
        return JSONB.jsonb(array.build().toString());
    }

    private static ShareTiers tiers(JSONB json) {
        try (var reader = JsonP.JSON.createReader(new StringReader(json.data()))) {
            return new ShareTiers(reader.readArray().getValuesAs(JsonValue::asJsonObject).stream()
                    .map(tier -> new ShareTiers.Tier(tier.getJsonNumber("from").longValueExact(),
                            tier.getInt("rateBasisPoints")))
                    .toList());
        }
    }
}
