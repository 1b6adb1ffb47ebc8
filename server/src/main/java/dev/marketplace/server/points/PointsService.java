package dev.marketplace.server.points;

import static dev.marketplace.schema.Tables.POINTS_CAMPAIGN;
import static dev.marketplace.schema.Tables.POINTS_CUSTOMER_TIER;
import static dev.marketplace.schema.Tables.POINTS_LOT;
import static dev.marketplace.schema.Tables.POINTS_ORDER;
import static dev.marketplace.schema.Tables.POINTS_ORDER_LINE;
import static dev.marketplace.schema.Tables.POINTS_REDEMPTION;
import static dev.marketplace.schema.Tables.POINTS_SUB_ORDER;
import static dev.marketplace.schema.Tables.POINTS_TIER;

import dev.marketplace.schema.tables.records.PointsLotRecord;
import dev.marketplace.schema.tables.records.PointsOrderLineRecord;
import dev.marketplace.schema.tables.records.PointsOrderRecord;
import dev.marketplace.schema.tables.records.PointsRedemptionRecord;
import dev.marketplace.schema.tables.records.PointsSubOrderRecord;
import dev.marketplace.server.orders.OrderPoints;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record1;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The points programme's life of an order (decision 35): points held at checkout ({@link OrderPoints}), earned at
 * payment, pending through the return window after delivery, then available; given back on cancellation and return;
 * and the jobs that close windows, expire lots, release unpaid orders' points and recalculate tiers. Each public
 * method without a {@link DSLContext} is one transaction; those with one run in the caller's.
 */
final class PointsService implements OrderPoints {

    static final String WINDOW_JOB = "points.return-windows";
    static final String EXPIRY_JOB = "points.expiry";
    static final String UNPAID_JOB = "points.unpaid-release";
    static final String TIER_JOB = "points.tier-recalculation";
    private static final int JOB_BATCH = 100;
    private static final String PLACED = "placed";
    private static final String PAID = "paid";
    private static final String RELEASED = "released";
    /** The rule of a lot that holds redeemed points given back. */
    private static final String RETURNED_REDEMPTION = "redemption_returned";

    private final DSLContext dsl;
    private final PointsSettings settings;
    private final PointsLedger ledger;
    private final Clock clock;

    PointsService(DSLContext dsl, PointsSettings settings, PointsLedger ledger, Clock clock) {
        this.dsl = dsl;
        this.settings = settings;
        this.ledger = ledger;
        this.clock = clock;
    }

    /** The programme's now, to the microsecond PostgreSQL keeps. */
    OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    // ---- checkout, cancellation, returns (the orders domain calls these in its transactions)

    @Override
    public Money[] placed(DSLContext tx, UUID customerId, UUID orderId, OffsetDateTime paymentDueAt, List<Line> lines,
                          long points) {
        String currency = lines.getFirst().subtotal().currency();
        Money[] discounts = new Money[lines.size()];
        long[] linePoints = shares(lines, points);
        if (linePoints == null) {
            java.util.Arrays.fill(discounts, Money.zero(currency));
            return discounts;
        }
        for (int i = 0; i < lines.size(); i++) {
            discounts[i] = ledger.money(linePoints[i]);
        }
        // The lots are locked first; then one statement writes the points spent from them (if any) and the order's
        // points rows: the order, its lines and the lots its points came from (the foreign keys are checked at the
        // statement's end, the order's row inserted by then).
        OffsetDateTime now = now();
        List<PointsLedger.Take> takes = points == 0 ? List.of() : ledger.plan(tx, customerId, points, now, true);
        (takes.isEmpty() ? ROWS : ROWS_REDEEMING).execute(tx, binds -> {
            binds.uuid("order", orderId).uuid("customer", customerId).text("currency", currency)
                    .bigint("redeemed", points).timestamp("payment_due_at", paymentDueAt)
                    .uuids("sub_orders", lines.stream().map(Line::subOrderId).toList())
                    .uuids("merchants", lines.stream().map(Line::merchantId).toList())
                    .integers("line_numbers", lines.stream().map(Line::lineNumber).toList())
                    .uuids("categories", lines.stream().map(Line::categoryId).toList())
                    .bigints("quantities", lines.stream().map(Line::quantity).toList())
                    .bigints("subtotals", lines.stream().map(line -> line.subtotal().amount()).toList())
                    .bigints("line_points", java.util.Arrays.stream(linePoints).boxed().toList());
            if (!takes.isEmpty()) {
                binds.uuids("lots", takes.stream().map(PointsLedger.Take::lotId).toList())
                        .bigints("lot_points", takes.stream().map(PointsLedger.Take::points).toList())
                        .text("actor", "customer:" + customerId).text("reason", "order " + orderId)
                        .timestamp("now", now);
            }
        });
        return discounts;
    }

    /*
     * The checkout's points statements of placed(), rendered once (decision 128): the order's points row and its lines
     * (arrays through unnest, one text whatever their number); when points are redeemed, the same with the lots'
     * spending before and the redemptions after (arrays too). Two texts, so that an order redeeming nothing writes
     * nothing to the lots' tables (no empty writes to plan and lock).
     */
    private static final Field<UUID> ORDER = DSL.param("order", UUID.class);
    private static final Field<UUID> CUSTOMER = DSL.param("customer", UUID.class);
    private static final Field<?>[] POINTS_ORDER_LINE_COLUMNS = {POINTS_ORDER_LINE.ORDER_ID,
            POINTS_ORDER_LINE.SUB_ORDER_ID, POINTS_ORDER_LINE.MERCHANT_ID, POINTS_ORDER_LINE.LINE_NUMBER,
            POINTS_ORDER_LINE.CATEGORY_ID, POINTS_ORDER_LINE.QUANTITY, POINTS_ORDER_LINE.SUBTOTAL_AMOUNT,
            POINTS_ORDER_LINE.POINTS};

    private static final RenderedStatement ROWS = RenderedStatement.of(DSL.with("points_order_row").as(orderRow())
            .insertInto(POINTS_ORDER_LINE, POINTS_ORDER_LINE_COLUMNS).select(orderLines()));
    private static final RenderedStatement ROWS_REDEEMING = redeemingStatement();

    private static org.jooq.InsertResultStep<Record1<UUID>> orderRow() {
        return DSL.insertInto(POINTS_ORDER)
                .set(POINTS_ORDER.ORDER_ID, ORDER)
                .set(POINTS_ORDER.CUSTOMER_ID, CUSTOMER)
                .set(POINTS_ORDER.CURRENCY, DSL.param("currency", String.class))
                .set(POINTS_ORDER.REDEEMED_POINTS, DSL.param("redeemed", Long.class))
                .set(POINTS_ORDER.PAYMENT_DUE_AT, DSL.param("payment_due_at", OffsetDateTime.class))
                .returningResult(POINTS_ORDER.ORDER_ID);
    }

    /** The order's points lines, each with its share of the points, from the arrays bound. */
    private static org.jooq.Select<?> orderLines() {
        Table<?> lines = DSL.table("unnest({0}, {1}, {2}, {3}, {4}, {5}, {6}) AS line(sub_order_id, merchant_id, "
                        + "line_number, category_id, quantity, subtotal, points)",
                DSL.param("sub_orders", SQLDataType.UUID.array()), DSL.param("merchants", SQLDataType.UUID.array()),
                DSL.param("line_numbers", SQLDataType.INTEGER.array()),
                DSL.param("categories", SQLDataType.UUID.array()), DSL.param("quantities", SQLDataType.BIGINT.array()),
                DSL.param("subtotals", SQLDataType.BIGINT.array()),
                DSL.param("line_points", SQLDataType.BIGINT.array()));
        return DSL.select(ORDER, column("line", "sub_order_id", SQLDataType.UUID),
                        column("line", "merchant_id", SQLDataType.UUID),
                        column("line", "line_number", SQLDataType.INTEGER),
                        column("line", "category_id", SQLDataType.UUID),
                        column("line", "quantity", SQLDataType.BIGINT),
                        column("line", "subtotal", SQLDataType.BIGINT),
                        column("line", "points", SQLDataType.BIGINT))
                .from(lines);
    }

    private static RenderedStatement redeemingStatement() {
        Field<UUID[]> lots = DSL.param("lots", SQLDataType.UUID.array());
        Field<Long[]> lotPoints = DSL.param("lot_points", SQLDataType.BIGINT.array());
        return RenderedStatement.of(PointsLedger.spending(lots, lotPoints, CUSTOMER, DSL.inline("redeemed"), ORDER,
                        DSL.param("actor", String.class), DSL.param("reason", String.class),
                        DSL.param("now", OffsetDateTime.class))
                .with("points_order_row").as(orderRow())
                .with("points_order_lines").as(DSL.insertInto(POINTS_ORDER_LINE, POINTS_ORDER_LINE_COLUMNS)
                        .select(orderLines()).returningResult(POINTS_ORDER_LINE.LINE_NUMBER))
                .insertInto(POINTS_REDEMPTION, POINTS_REDEMPTION.ORDER_ID, POINTS_REDEMPTION.LOT_ID,
                        POINTS_REDEMPTION.POINTS)
                .select(DSL.select(ORDER, column("redeemed", "lot_id", SQLDataType.UUID),
                                column("redeemed", "points", SQLDataType.BIGINT))
                        .from(DSL.table("unnest({0}, {1}) AS redeemed(lot_id, points)", lots, lotPoints))));
    }

    private static <T> Field<T> column(String table, String column, org.jooq.DataType<T> type) {
        return DSL.field(DSL.name(table, column), type);
    }

    @Override
    public Previewed preview(DSLContext db, UUID customerId, List<Line> lines, long points) {
        String currency = lines.getFirst().subtotal().currency();
        long[] linePoints = shares(lines, points);
        Money[] discounts = new Money[lines.size()];
        java.util.Arrays.setAll(discounts, i -> linePoints == null ? Money.zero(currency) : ledger.money(linePoints[i]));
        Map<String, Money> byFunder = new LinkedHashMap<>();
        if (points > 0) {
            for (PointsLedger.Take take : ledger.plan(db, customerId, points, now(), false)) {
                byFunder.merge(take.funder(), ledger.money(take.points()), Money::plus);
            }
        }
        return new Previewed(discounts, byFunder);
    }

    /**
     * {@code points} in whole points per line: up to the lines' prices excluding tax in proportion to them, then the
     * rest in proportion to their tax (decision 54: points may pay the tax too; each line at most its price with
     * tax, as the most an order takes is at most their sum); null when the order is not in the points' currency and
     * takes none. Refuses (409) more than the order may take.
     */
    private long[] shares(List<Line> lines, long points) {
        if (!lines.getFirst().subtotal().currency().equals(settings.currency())) {
            if (points > 0) {
                throw ProblemException.conflict("points_currency", "Points pay only for orders in "
                        + settings.currency() + ".");
            }
            return null;
        }
        long subtotal = lines.stream().mapToLong(line -> line.subtotal().amount()).sum();
        long tax = lines.stream().mapToLong(line -> line.tax().amount()).sum();
        long most = Math.min(settings.maxPerOrder(), (subtotal + tax) / settings.pointValue());
        if (points > most) {
            throw ProblemException.conflict("points_above_maximum", "An order may take at most " + most
                    + " points (the per-order maximum, and no more than its price with tax).")
                    .with("maximumPoints", most);
        }
        long onPrices = Math.min(points, subtotal / settings.pointValue());
        long[] shares = Shares.allocate(onPrices, lines.stream().mapToLong(line -> line.subtotal().amount()).toArray());
        if (points > onPrices) {
            // The prices are paid in full (at a point value of 1, each line's share is its price); the rest is
            // spread over the tax, each line at most its tax.
            long[] onTax = Shares.allocate(points - onPrices, lines.stream().mapToLong(line -> line.tax().amount())
                    .toArray());
            for (int i = 0; i < shares.length; i++) {
                shares[i] += onTax[i];
            }
        }
        return shares;
    }

    @Override
    public Money paidWithPoints(DSLContext tx, UUID subOrderId, Map<Integer, Long> units, String currency) {
        long points = 0;
        for (PointsOrderLineRecord line : lines(tx, subOrderId, false)) {
            points += redeemedShare(line, unitsOf(line, units));
        }
        return currency.equals(settings.currency()) ? ledger.money(points) : Money.zero(currency);
    }

    @Override
    public void givenBack(DSLContext tx, UUID subOrderId, String cause, Map<Integer, Long> units, boolean beforeRelease) {
        List<PointsOrderLineRecord> lines = lines(tx, subOrderId, true);
        if (lines.isEmpty()) {
            return; // not an order of the points' currency
        }
        UUID orderId = lines.getFirst().getOrderId();
        PointsOrderRecord order = tx.selectFrom(POINTS_ORDER).where(POINTS_ORDER.ORDER_ID.eq(orderId)).forUpdate()
                .fetchSingle();
        long redeemed = 0;
        for (PointsOrderLineRecord line : lines) {
            long back = unitsOf(line, units);
            redeemed += redeemedShare(line, back);
            tx.update(POINTS_ORDER_LINE).set(POINTS_ORDER_LINE.RETURNED_QUANTITY, line.getReturnedQuantity() + back)
                    .where(POINTS_ORDER_LINE.SUB_ORDER_ID.eq(subOrderId))
                    .and(POINTS_ORDER_LINE.LINE_NUMBER.eq(line.getLineNumber())).execute();
        }
        Parties parties = new Parties(orderId, subOrderId, lines.getFirst().getMerchantId(), order.getCustomerId());
        revokeEarned(tx, subOrderId, lines(tx, subOrderId, false), cause, parties);
        if (units.isEmpty()) {
            tx.update(POINTS_SUB_ORDER).set(POINTS_SUB_ORDER.STATE, "voided")
                    .where(POINTS_SUB_ORDER.SUB_ORDER_ID.eq(subOrderId)).and(POINTS_SUB_ORDER.STATE.eq("open")).execute();
        }
        if (redeemed > 0 && !RELEASED.equals(order.getState())) {
            returnRedeemed(tx, order, redeemed, cause, parties, beforeRelease);
        }
    }

    private List<PointsOrderLineRecord> lines(DSLContext tx, UUID subOrderId, boolean lock) {
        var query = tx.selectFrom(POINTS_ORDER_LINE).where(POINTS_ORDER_LINE.SUB_ORDER_ID.eq(subOrderId))
                .orderBy(POINTS_ORDER_LINE.LINE_NUMBER);
        return lock ? query.forUpdate().fetch() : query.fetch();
    }

    /** The units of the line named in {@code units}, or all it still has when {@code units} is empty. */
    private static long unitsOf(PointsOrderLineRecord line, Map<Integer, Long> units) {
        long left = line.getQuantity() - line.getReturnedQuantity();
        return units.isEmpty() ? left : Math.min(left, units.getOrDefault(line.getLineNumber(), 0L));
    }

    /**
     * The points that paid for {@code units} more of the line after those already back: the difference of the
     * cumulative shares, so the shares of all its units add up to its points exactly.
     */
    private static long redeemedShare(PointsOrderLineRecord line, long units) {
        long before = line.getReturnedQuantity();
        return Shares.floorOf(line.getPoints(), before + units, line.getQuantity())
                - Shares.floorOf(line.getPoints(), before, line.getQuantity());
    }

    /**
     * The line's earning basis for the units it still has: its price excluding tax, less the points that paid (none
     * when points paid its tax too).
     */
    private long basisLeft(PointsOrderLineRecord line) {
        return Shares.floorOf(basis(line), line.getQuantity() - line.getReturnedQuantity(), line.getQuantity());
    }

    private long basis(PointsOrderLineRecord line) {
        return Math.max(0, line.getSubtotalAmount() - line.getPoints() * settings.pointValue());
    }

    /** Each earned lot of the sub-order keeps the share of its points the units still kept earn. */
    private void revokeEarned(DSLContext tx, UUID subOrderId, List<PointsOrderLineRecord> lines, String cause,
                              Parties parties) {
        long whole = lines.stream().mapToLong(this::basis).sum();
        long left = lines.stream().mapToLong(this::basisLeft).sum();
        List<PointsLotRecord> lots = tx.selectFrom(POINTS_LOT).where(POINTS_LOT.SUB_ORDER_ID.eq(subOrderId))
                .and(POINTS_LOT.RULE.ne(RETURNED_REDEMPTION)).orderBy(POINTS_LOT.ID).forUpdate().fetch();
        for (PointsLotRecord lot : lots) {
            // Read again: clawing back an earlier lot of this sub-order may have taken from this one (both are the
            // customer's available points), and its remaining as first read would then be too much.
            lot.refresh();
            long kept = whole == 0 ? 0 : Shares.floorOf(lot.getPoints(), left, whole);
            long revoke = lot.getPoints() - lot.getRevoked() - kept;
            if (revoke > 0) {
                ledger.revoke(tx, lot, revoke, cause, parties, now());
            }
        }
    }

    /**
     * Redeemed points back to the customer, spread over the lots they were taken from (in proportion to what each
     * still has out), each into a new lot of the same funder and expiry. Money: the funder's liability comes back
     * from escrow, or from the selling merchant's payable once escrow was released.
     */
    private void returnRedeemed(DSLContext tx, PointsOrderRecord order, long points, String cause, Parties parties,
                                boolean beforeRelease) {
        List<PointsRedemptionRecord> taken = tx.selectFrom(POINTS_REDEMPTION)
                .where(POINTS_REDEMPTION.ORDER_ID.eq(order.getOrderId())).orderBy(POINTS_REDEMPTION.LOT_ID).forUpdate()
                .fetch();
        long[] back = Shares.allocate(points, taken.stream().mapToLong(r -> r.getPoints() - r.getReturned()).toArray());
        for (int i = 0; i < taken.size(); i++) {
            if (back[i] == 0) {
                continue;
            }
            PointsRedemptionRecord redemption = taken.get(i);
            tx.update(POINTS_REDEMPTION).set(POINTS_REDEMPTION.RETURNED, redemption.getReturned() + back[i])
                    .where(POINTS_REDEMPTION.ORDER_ID.eq(redemption.getOrderId()))
                    .and(POINTS_REDEMPTION.LOT_ID.eq(redemption.getLotId())).execute();
            UUID lot = reinstate(tx, redemption, back[i], parties.subOrderId(), cause);
            // Posted even before the payment's redemption is (the subscriber may lag): the ledger nets them.
            UUID funder = PointsLedger.merchantFunder(funderOf(tx, redemption.getLotId()));
            DomainEvents.append(tx, MoneyMovement.pointsRedemptionReturned(lot.toString(), parties, funder,
                    beforeRelease, ledger.money(back[i])));
        }
    }

    private static String funderOf(DSLContext tx, UUID lot) {
        return tx.select(POINTS_LOT.FUNDER).from(POINTS_LOT).where(POINTS_LOT.ID.eq(lot)).fetchSingle(POINTS_LOT.FUNDER);
    }

    /** A new available lot of the returned points, of the taken lot's funder and expiry (it may be past: then it lapses). */
    private UUID reinstate(DSLContext tx, PointsRedemptionRecord redemption, long points, UUID subOrderId, String cause) {
        PointsLotRecord source = tx.selectFrom(POINTS_LOT).where(POINTS_LOT.ID.eq(redemption.getLotId())).fetchSingle();
        UUID lot = UUID.randomUUID();
        OffsetDateTime now = now();
        tx.insertInto(POINTS_LOT)
                .set(POINTS_LOT.ID, lot)
                .set(POINTS_LOT.CUSTOMER_ID, source.getCustomerId())
                .set(POINTS_LOT.FUNDER, source.getFunder())
                .set(POINTS_LOT.RULE, RETURNED_REDEMPTION)
                .set(POINTS_LOT.ORDER_ID, redemption.getOrderId())
                .set(POINTS_LOT.SUB_ORDER_ID, subOrderId)
                .set(POINTS_LOT.POINTS, points)
                .set(POINTS_LOT.REMAINING, points)
                .set(POINTS_LOT.STATE, PointsLedger.AVAILABLE)
                .set(POINTS_LOT.EARNED_AT, now)
                .set(POINTS_LOT.EXPIRES_AT, source.getExpiresAt())
                .execute();
        ledger.entry(tx, source.getCustomerId(), lot, RETURNED_REDEMPTION, PointsLedger.AVAILABLE, points,
                redemption.getOrderId(), subOrderId, "system", cause, now);
        return lot;
    }

    // ---- following the orders (the subscriber's handlers, in its batch transaction)

    /**
     * The order was paid: its redemption's money moves (the funders' liabilities pay into escrow) and its sub-orders
     * earn pending lots by the rules in force when it was paid. Recording it again changes nothing.
     */
    void paid(DSLContext tx, UUID orderId, OffsetDateTime paidAt) {
        PointsOrderRecord order = tx.selectFrom(POINTS_ORDER).where(POINTS_ORDER.ORDER_ID.eq(orderId)).forUpdate()
                .fetchOptional().orElse(null);
        if (order == null || !PLACED.equals(order.getState())) {
            return; // another currency, handled before, or its points already went back unpaid (decision 35)
        }
        tx.update(POINTS_ORDER).set(POINTS_ORDER.STATE, PAID).where(POINTS_ORDER.ORDER_ID.eq(orderId)).execute();
        Map<String, Long> byFunder = new LinkedHashMap<>();
        tx.select(POINTS_LOT.FUNDER, POINTS_REDEMPTION.POINTS).from(POINTS_REDEMPTION)
                .join(POINTS_LOT).on(POINTS_LOT.ID.eq(POINTS_REDEMPTION.LOT_ID))
                .where(POINTS_REDEMPTION.ORDER_ID.eq(orderId)).orderBy(POINTS_LOT.FUNDER)
                .forEach(row -> byFunder.merge(row.value1(), row.value2(), Long::sum));
        byFunder.forEach((funder, points) -> {
            UUID merchant = PointsLedger.merchantFunder(funder);
            DomainEvents.append(tx, MoneyMovement.pointsRedeemed(orderId + ":" + funder,
                    new Parties(orderId, null, merchant, order.getCustomerId()), merchant, ledger.money(points)));
        });
        List<PointsOrderLineRecord> lines = tx.selectFrom(POINTS_ORDER_LINE).where(POINTS_ORDER_LINE.ORDER_ID.eq(orderId))
                .orderBy(POINTS_ORDER_LINE.SUB_ORDER_ID, POINTS_ORDER_LINE.LINE_NUMBER).fetch();
        Map<UUID, UUID> merchants = new LinkedHashMap<>();
        lines.forEach(line -> merchants.put(line.getSubOrderId(), line.getMerchantId()));
        OffsetDateTime now = now();
        merchants.forEach((subOrder, merchant) -> {
            boolean givenBack = lines.stream().filter(line -> line.getSubOrderId().equals(subOrder))
                    .allMatch(line -> line.getReturnedQuantity() == line.getQuantity());
            tx.insertInto(POINTS_SUB_ORDER).set(POINTS_SUB_ORDER.SUB_ORDER_ID, subOrder)
                    .set(POINTS_SUB_ORDER.ORDER_ID, orderId).set(POINTS_SUB_ORDER.CUSTOMER_ID, order.getCustomerId())
                    .set(POINTS_SUB_ORDER.MERCHANT_ID, merchant).set(POINTS_SUB_ORDER.STATE, givenBack ? "voided" : "open")
                    .execute();
        });
        String tier = tierOf(tx, order.getCustomerId());
        int tierBonus = tx.select(POINTS_TIER.BONUS_BP).from(POINTS_TIER).where(POINTS_TIER.NAME.eq(tier))
                .fetchOptional(POINTS_TIER.BONUS_BP).orElse(0);
        List<EarningRules.LineBasis> bases = lines.stream().map(line -> new EarningRules.LineBasis(line.getSubOrderId(),
                line.getMerchantId(), line.getCategoryId(), basisLeft(line))).toList();
        for (EarningRules.Grant grant : EarningRules.earn(bases, settings.pointValue(), settings.baseRateBasisPoints(),
                campaignsAt(tx, paidAt), tier, tierBonus)) {
            ledger.issue(tx, order.getCustomerId(), grant.funder(), grant.rule(), orderId, grant.subOrderId(),
                    grant.points(), PointsLedger.PENDING, paidAt, paidAt.plus(settings.validity()), "earned", "system",
                    "order " + orderId + " paid", now);
        }
    }

    /** The sub-order was delivered (its escrow released): its points wait out the return window from then. */
    void delivered(DSLContext tx, UUID subOrderId, OffsetDateTime deliveredAt) {
        tx.update(POINTS_SUB_ORDER).set(POINTS_SUB_ORDER.STATE, "window")
                .set(POINTS_SUB_ORDER.AVAILABLE_AT, deliveredAt.plus(settings.returnWindow()))
                .where(POINTS_SUB_ORDER.SUB_ORDER_ID.eq(subOrderId)).and(POINTS_SUB_ORDER.STATE.eq("open")).execute();
    }

    private List<EarningRules.Campaign> campaignsAt(DSLContext tx, OffsetDateTime at) {
        return tx.selectFrom(POINTS_CAMPAIGN).where(POINTS_CAMPAIGN.STARTS_AT.le(at)).and(POINTS_CAMPAIGN.ENDS_AT.gt(at))
                .orderBy(POINTS_CAMPAIGN.CREATED_AT, POINTS_CAMPAIGN.ID)
                .fetch(c -> new EarningRules.Campaign(c.getId(), c.getMerchantId(), c.getCategoryId(),
                        c.getMultiplierBp(), c.getCapPerOrder()));
    }

    static String tierOf(DSLContext db, UUID customer) {
        return db.select(POINTS_CUSTOMER_TIER.TIER).from(POINTS_CUSTOMER_TIER)
                .where(POINTS_CUSTOMER_TIER.CUSTOMER_ID.eq(customer)).fetchOptional(POINTS_CUSTOMER_TIER.TIER)
                .orElseGet(() -> db.select(POINTS_TIER.NAME).from(POINTS_TIER).orderBy(POINTS_TIER.MIN_SPEND).limit(1)
                        .fetchOptional(POINTS_TIER.NAME).orElse("regular"));
    }

    // ---- jobs (each safe on every node at once: SKIP LOCKED)

    /** Sub-orders whose return window has closed: their pending lots become available. Returns how many. */
    long closeReturnWindows() {
        return inBatches(tx -> {
            OffsetDateTime now = now();
            List<PointsSubOrderRecord> due = tx.selectFrom(POINTS_SUB_ORDER).where(POINTS_SUB_ORDER.STATE.eq("window"))
                    .and(POINTS_SUB_ORDER.AVAILABLE_AT.le(now)).orderBy(POINTS_SUB_ORDER.AVAILABLE_AT)
                    .limit(JOB_BATCH).forUpdate().skipLocked().fetch();
            for (PointsSubOrderRecord subOrder : due) {
                tx.update(POINTS_SUB_ORDER).set(POINTS_SUB_ORDER.STATE, "closed")
                        .where(POINTS_SUB_ORDER.SUB_ORDER_ID.eq(subOrder.getSubOrderId())).execute();
                tx.selectFrom(POINTS_LOT).where(POINTS_LOT.SUB_ORDER_ID.eq(subOrder.getSubOrderId()))
                        .and(POINTS_LOT.STATE.eq(PointsLedger.PENDING)).forUpdate().fetch()
                        .forEach(lot -> ledger.makeAvailable(tx, lot, subOrder.getAvailableAt().plus(settings.validity()),
                                now));
            }
            return due.size();
        });
    }

    /** Available lots past their expiry lapse. Returns how many. */
    long expireLots() {
        return inBatches(tx -> {
            OffsetDateTime now = now();
            List<PointsLotRecord> due = tx.selectFrom(POINTS_LOT).where(POINTS_LOT.STATE.eq(PointsLedger.AVAILABLE))
                    .and(POINTS_LOT.REMAINING.gt(0L)).and(POINTS_LOT.EXPIRES_AT.le(now))
                    .orderBy(POINTS_LOT.EXPIRES_AT).limit(JOB_BATCH).forUpdate().skipLocked().fetch();
            due.forEach(lot -> ledger.expire(tx, lot, now));
            return due.size();
        });
    }

    /**
     * Orders still unpaid {@code unpaid-grace} after their payment deadline (expired or cancelled by the orders
     * domain, which by then takes no payment) give their held points back. No money had moved for them.
     */
    long releaseUnpaid() {
        return inBatches(tx -> {
            List<PointsOrderRecord> due = tx.selectFrom(POINTS_ORDER).where(POINTS_ORDER.STATE.eq(PLACED))
                    .and(POINTS_ORDER.PAYMENT_DUE_AT.le(now().minus(settings.unpaidGrace())))
                    .orderBy(POINTS_ORDER.PAYMENT_DUE_AT).limit(JOB_BATCH).forUpdate().skipLocked().fetch();
            for (PointsOrderRecord order : due) {
                tx.update(POINTS_ORDER).set(POINTS_ORDER.STATE, RELEASED)
                        .where(POINTS_ORDER.ORDER_ID.eq(order.getOrderId())).execute();
                for (PointsRedemptionRecord redemption : tx.selectFrom(POINTS_REDEMPTION)
                        .where(POINTS_REDEMPTION.ORDER_ID.eq(order.getOrderId())).fetch()) {
                    long back = redemption.getPoints() - redemption.getReturned();
                    if (back > 0) {
                        tx.update(POINTS_REDEMPTION).set(POINTS_REDEMPTION.RETURNED, redemption.getPoints())
                                .where(POINTS_REDEMPTION.ORDER_ID.eq(redemption.getOrderId()))
                                .and(POINTS_REDEMPTION.LOT_ID.eq(redemption.getLotId())).execute();
                        reinstate(tx, redemption, back, null, "order " + order.getOrderId() + " not paid");
                    }
                }
            }
            return due.size();
        });
    }

    /**
     * Every customer's tier from its spend over the rolling window: the earning basis of its paid orders' units not
     * given back. One statement; a customer whose spend fell out of the window drops to the lowest tier.
     */
    long recalculateTiers() {
        OffsetDateTime now = now();
        return dsl.transactionResult(tx -> (long) tx.dsl().execute("""
                INSERT INTO points_customer_tier (customer_id, tier, rolling_spend, recalculated_at)
                SELECT c.customer_id,
                       (SELECT t.name FROM points_tier t WHERE t.min_spend <= c.spend ORDER BY t.min_spend DESC LIMIT 1),
                       c.spend, ?::timestamptz
                  FROM (SELECT k.customer_id, COALESCE(s.spend, 0) AS spend
                          FROM (SELECT customer_id FROM points_order WHERE created_at >= ?::timestamptz
                                UNION SELECT customer_id FROM points_customer_tier) k
                          LEFT JOIN (SELECT o.customer_id,
                                            SUM(GREATEST(l.subtotal_amount - l.points * ?::bigint, 0) * (l.quantity - l.returned_quantity)
                                                / l.quantity)::bigint AS spend
                                       FROM points_order o JOIN points_order_line l ON l.order_id = o.order_id
                                      WHERE o.state = 'paid' AND o.created_at >= ?::timestamptz
                                      GROUP BY o.customer_id) s ON s.customer_id = k.customer_id) c
                ON CONFLICT (customer_id) DO UPDATE SET tier = EXCLUDED.tier, rolling_spend = EXCLUDED.rolling_spend,
                       recalculated_at = EXCLUDED.recalculated_at""",
                now.toString(), now.minus(settings.tierWindow()).toString(), settings.pointValue(),
                now.minus(settings.tierWindow()).toString()));
    }

    private long inBatches(Function<DSLContext, Integer> batch) {
        long done = 0;
        while (true) {
            int handled = dsl.transactionResult(tx -> batch.apply(tx.dsl()));
            done += handled;
            if (handled < JOB_BATCH) {
                return done;
            }
        }
    }

    // ---- adjustments

    /**
     * The operator gives ({@code points > 0}, a platform-funded lot valid for the programme's validity, or until
     * {@code expiresAt}: limited-time points, 400 unless later than now and within the validity) or takes
     * (first-expiring first; 409 when the customer has fewer) points, with its reason in the entries.
     */
    long adjust(String actor, UUID customer, long points, String reason, Optional<OffsetDateTime> expiresAt) {
        OffsetDateTime now = now();
        OffsetDateTime validUntil = now.plus(settings.validity());
        expiresAt.filter(at -> !at.isAfter(now) || at.isAfter(validUntil)).ifPresent(at -> {
            throw ProblemException.validation("expiresAt", FieldError.OUT_OF_RANGE,
                    "must be later than now and no later than " + validUntil + " (the programme's validity)");
        });
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            if (points > 0) {
                ledger.issue(db, customer, PointsLedger.PLATFORM, "adjustment", null, null, points,
                        PointsLedger.AVAILABLE, now, expiresAt.orElse(validUntil), "adjusted", actor, reason, now);
            } else {
                String adjustment = UUID.randomUUID().toString();
                for (PointsLedger.Take take : ledger.spend(db, customer, -points, "adjusted", null, actor, reason, now)) {
                    UUID merchant = PointsLedger.merchantFunder(take.funder());
                    DomainEvents.append(db, MoneyMovement.pointsVoided("adjustment:" + adjustment + ":" + take.lotId(),
                            new Parties(null, null, merchant, customer), merchant, ledger.money(take.points())));
                }
            }
            return PointsLedger.balance(db, customer, PointsLedger.AVAILABLE);
        });
    }

    /** Available lots of the customer that expire within {@code days} from now, first-expiring first. */
    List<PointsLotRecord> expiring(UUID customer, long days, int limit) {
        OffsetDateTime now = now();
        return dsl.selectFrom(POINTS_LOT).where(POINTS_LOT.CUSTOMER_ID.eq(customer))
                .and(POINTS_LOT.STATE.eq(PointsLedger.AVAILABLE)).and(POINTS_LOT.REMAINING.gt(0L))
                .and(POINTS_LOT.EXPIRES_AT.gt(now)).and(POINTS_LOT.EXPIRES_AT.le(now.plusDays(days)))
                .orderBy(POINTS_LOT.EXPIRES_AT, POINTS_LOT.ID).limit(limit).fetch();
    }

    record Balance(long available, long pending, String tier, Optional<OffsetDateTime> nextExpiry) {
    }

    Balance balance(UUID customer) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            return new Balance(PointsLedger.balance(db, customer, PointsLedger.AVAILABLE),
                    PointsLedger.balance(db, customer, PointsLedger.PENDING), tierOf(db, customer),
                    Optional.ofNullable(db.select(DSL.min(POINTS_LOT.EXPIRES_AT)).from(POINTS_LOT)
                            .where(POINTS_LOT.CUSTOMER_ID.eq(customer)).and(POINTS_LOT.STATE.eq(PointsLedger.AVAILABLE))
                            .and(POINTS_LOT.REMAINING.gt(0L)).fetchOne(0, OffsetDateTime.class)));
        });
    }

    PointsSettings settings() {
        return settings;
    }
}
