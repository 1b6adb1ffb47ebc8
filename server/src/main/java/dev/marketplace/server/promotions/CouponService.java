package dev.marketplace.server.promotions;

import static dev.marketplace.schema.Tables.PROMOTION_COUPON;
import static dev.marketplace.schema.Tables.PROMOTION_COUPON_STRIPE;
import static dev.marketplace.schema.Tables.PROMOTION_CUSTOMER_USE;
import static dev.marketplace.schema.Tables.PROMOTION_ORDER;
import static dev.marketplace.schema.Tables.PROMOTION_ORDER_LINE;
import static dev.marketplace.schema.Tables.PROMOTION_REDEMPTION;

import dev.marketplace.schema.tables.records.PromotionCouponRecord;
import dev.marketplace.schema.tables.records.PromotionOrderLineRecord;
import dev.marketplace.schema.tables.records.PromotionOrderRecord;
import dev.marketplace.schema.tables.records.PromotionRedemptionRecord;
import dev.marketplace.server.orders.OrderCoupons;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record1;
import org.jooq.Select;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * Coupons at checkout, cancellation and returns (decision 42), offered to the orders domain as {@link OrderCoupons};
 * and the money that follows an order's payment. Methods taking a {@link DSLContext} run in the caller's transaction.
 *
 * <p>Stacking: at most one coupon per funder applies to an order — the platform's and each merchant's. A code names
 * the funder's coupon; for a funder no code names, the automatic promotion that gives the most applies. Merchants'
 * coupons apply first (each on its own goods), the platform's on what they left, loyalty points on what is left
 * after that. A use counts when the order is placed: the conditional updates of the coupon's row (and the customer's
 * uses) are where concurrent checkouts queue, so a limit is never passed.
 */
final class CouponService implements OrderCoupons {

    static final String UNPAID_JOB = "promotions.unpaid-release";
    private static final int JOB_BATCH = 100;
    private static final String PLACED = "placed";
    private static final String PAID = "paid";
    private static final String RELEASED = "released";

    private final DSLContext dsl;
    private final Duration unpaidGrace;
    private final Clock clock;

    CouponService(DSLContext dsl, Duration unpaidGrace, Clock clock) {
        this.dsl = dsl;
        this.unpaidGrace = unpaidGrace;
        this.clock = clock;
    }

    /** The promotions' now, to the microsecond PostgreSQL keeps. */
    OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * A coupon's discount on the order: its total, its share of each line (0 on lines it does not cover) and, once
     * taken, the stripe its use is counted on (null: the coupon has no use limit).
     */
    private record Applied(PromotionCouponRecord coupon, long amount, long[] perLine, Integer stripe) {
        Applied taken(Integer stripe) {
            return new Applied(coupon, amount, perLine, stripe);
        }
    }

    /** The outcome of taking a use: refused (a limit reached), or taken on a stripe (null: no use limit). */
    private record Use(boolean taken, Integer stripe) {
        static final Use REFUSED = new Use(false, null);
    }

    /** How a coupon's use is counted: taken at checkout, only checked in a preview. */
    @FunctionalInterface
    private interface UseCounter {
        Use count(DSLContext db, PromotionCouponRecord coupon, UUID customerId, long amount);
    }

    @Override
    public Money[] placed(DSLContext tx, UUID customerId, UUID orderId, OffsetDateTime paymentDueAt, List<Line> lines,
                         List<String> codes) {
        String currency = lines.getFirst().subtotal().currency();
        List<Applied> applied = apply(tx, customerId, lines, codes, CouponService::take);
        Money[] discounts = new Money[lines.size()];
        long[] total = new long[lines.size()];
        applied.forEach(a -> Arrays.setAll(total, i -> total[i] + a.perLine()[i]));
        Arrays.setAll(discounts, i -> Money.of(total[i], currency));
        if (!applied.isEmpty()) {
            record(tx, customerId, orderId, paymentDueAt, lines, currency, applied);
        }
        return discounts;
    }

    @Override
    public List<Previewed> preview(DSLContext db, UUID customerId, List<Line> lines, List<String> codes) {
        String currency = lines.getFirst().subtotal().currency();
        return apply(db, customerId, lines, codes, CouponService::wouldTake).stream()
                .filter(discount -> discount.amount() > 0)
                .map(discount -> new Previewed(discount.coupon().getId(), discount.coupon().getCode(),
                        discount.coupon().getName(), discount.coupon().getMerchantId(),
                        Money.of(discount.amount(), currency), Arrays.stream(discount.perLine())
                                .mapToObj(amount -> Money.of(amount, currency)).toArray(Money[]::new)))
                .toList();
    }

    /**
     * One read: the coupons named and the automatic promotions running now in the order's currency. Every checkout and
     * cart preview runs it: rendered once (decision 108).
     */
    private static final RenderedStatement NAMED_AND_RUNNING = namedAndRunning(
            DSL.param("now", OffsetDateTime.class));

    private static RenderedStatement namedAndRunning(Field<OffsetDateTime> now) {
        return RenderedStatement.of(DSL.select(PROMOTION_COUPON.fields()).from(PROMOTION_COUPON)
                .where(PROMOTION_COUPON.CODE.eq(DSL.any(DSL.param("codes", SQLDataType.CLOB.array())))
                        .or(PROMOTION_COUPON.CODE.isNull()
                                .and(PROMOTION_COUPON.CURRENCY.eq(DSL.param("currency", String.class)))
                                .and(PROMOTION_COUPON.STARTS_AT.le(now)).and(PROMOTION_COUPON.ENDS_AT.gt(now))))
                .orderBy(PROMOTION_COUPON.CREATED_AT, PROMOTION_COUPON.ID));
    }

    /**
     * The coupons of {@code codes} and the automatic promotions the lines fit, in the order they apply, each with
     * its discount per line; refuses (409) as checkout does. Uses are counted by {@code uses}.
     */
    private List<Applied> apply(DSLContext tx, UUID customerId, List<Line> lines, List<String> codes,
                                UseCounter uses) {
        String currency = lines.getFirst().subtotal().currency();
        OffsetDateTime now = now();
        Set<String> named = new LinkedHashSet<>();
        codes.forEach(code -> named.add(code.toUpperCase(Locale.ROOT)));
        List<PromotionCouponRecord> read = NAMED_AND_RUNNING.fetch(tx, binds -> binds.texts("codes", named)
                .text("currency", currency).timestamp("now", now), row -> row.into(PROMOTION_COUPON));
        List<PromotionCouponRecord> coupons = read.stream().filter(coupon -> coupon.getCode() != null).toList();
        List<PromotionCouponRecord> running = read.stream().filter(coupon -> coupon.getCode() == null).toList();
        for (String code : named) {
            if (coupons.stream().noneMatch(c -> code.equals(c.getCode()))) {
                throw ProblemException.conflict("coupon_unknown", "No coupon has this code.").with("couponCode", code);
            }
        }
        Map<UUID, PromotionCouponRecord> byFunder = new LinkedHashMap<>();
        for (PromotionCouponRecord coupon : coupons) {
            if (byFunder.put(funderKey(coupon), coupon) != null) {
                throw ProblemException.conflict("coupons_not_stackable",
                        "At most one coupon per funder applies: the platform's and one per merchant.")
                        .with("couponCode", coupon.getCode());
            }
        }
        long[] remaining = lines.stream().mapToLong(line -> line.subtotal().amount()).toArray();
        List<Applied> applied = new ArrayList<>();
        for (PromotionCouponRecord coupon : inApplicationOrder(coupons)) {
            String refusal = refusal(coupon, lines, currency, now);
            if (refusal != null) {
                throw ProblemException.conflict("coupon_not_applicable", refusal).with("couponCode", coupon.getCode());
            }
            Applied discount = discount(coupon, lines, remaining);
            Use use = uses.count(tx, coupon, customerId, discount.amount());
            if (!use.taken()) {
                throw ProblemException.conflict("coupon_exhausted",
                        "The coupon's uses or budget are used up, or the customer used it as often as it allows.")
                        .with("couponCode", coupon.getCode());
            }
            subtract(remaining, discount);
            applied.add(discount.taken(use.stripe()));
        }
        applied.addAll(automatic(tx, customerId, lines, currency, now, running, byFunder.keySet(), remaining, uses));
        return applied;
    }

    /** Merchants' coupons first (by merchant), the platform's last. */
    private static List<PromotionCouponRecord> inApplicationOrder(List<PromotionCouponRecord> coupons) {
        return coupons.stream().sorted(Comparator.comparing(CouponService::funderKey,
                Comparator.nullsLast(Comparator.naturalOrder()))).toList();
    }

    /** The merchant paying for the coupon, or null for the platform. */
    private static UUID funderKey(PromotionCouponRecord coupon) {
        return coupon.getMerchantId();
    }

    /** Why the coupon does not apply to these lines now, or null when it does. */
    private static String refusal(PromotionCouponRecord coupon, List<Line> lines, String currency, OffsetDateTime now) {
        if (!coupon.getCurrency().equals(currency)) {
            return "The coupon is for orders in " + coupon.getCurrency() + ".";
        }
        if (now.isBefore(coupon.getStartsAt()) || !now.isBefore(coupon.getEndsAt())) {
            return "The coupon is not valid now (from " + coupon.getStartsAt() + " to " + coupon.getEndsAt() + ").";
        }
        long covered = 0;
        for (Line line : lines) {
            if (covers(coupon, line)) {
                covered += line.subtotal().amount();
            }
        }
        if (covered == 0) {
            return "The coupon covers none of the order's goods.";
        }
        if (covered < coupon.getMinSpend()) {
            return "The goods the coupon covers cost less than its minimum spend of " + coupon.getMinSpend()
                    + " (price excluding tax).";
        }
        return null;
    }

    static boolean covers(PromotionCouponRecord coupon, Line line) {
        return (coupon.getMerchantId() == null || coupon.getMerchantId().equals(line.merchantId()))
                && within(coupon.getMerchantIds(), line.merchantId())
                && within(coupon.getCategoryIds(), line.categoryId())
                && within(coupon.getProductIds(), line.productId());
    }

    private static boolean within(UUID[] allowed, UUID id) {
        return allowed.length == 0 || Arrays.asList(allowed).contains(id);
    }

    /**
     * The coupon's discount on what earlier coupons left of the lines it covers: a percentage rounded down or a fixed
     * amount, at most what is left, allocated over those lines in proportion to it (exactly: {@link Money#allocate}).
     */
    private static Applied discount(PromotionCouponRecord coupon, List<Line> lines, long[] remaining) {
        long[] weights = new long[lines.size()];
        long base = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (covers(coupon, lines.get(i))) {
                weights[i] = remaining[i];
                base += remaining[i];
            }
        }
        long amount = coupon.getPercentageBp() != null
                ? BigInteger.valueOf(base).multiply(BigInteger.valueOf(coupon.getPercentageBp()))
                        .divide(BigInteger.valueOf(10_000)).longValueExact()
                : Math.min(coupon.getAmountOff(), base);
        long[] perLine = new long[lines.size()];
        if (amount > 0) {
            Money[] parts = Money.of(amount, coupon.getCurrency()).allocate(weights);
            Arrays.setAll(perLine, i -> parts[i].amount());
        }
        return new Applied(coupon, amount, perLine, null);
    }

    private static void subtract(long[] remaining, Applied discount) {
        Arrays.setAll(remaining, i -> remaining[i] - discount.perLine()[i]);
    }

    /**
     * Counts a use of the coupon by the customer, on one of its stripes, and its amount against its budget, if its
     * limits allow; each step undoes the ones before when it is refused, so a refusal changes nothing. A zero
     * discount takes nothing.
     */
    private static Use take(DSLContext tx, PromotionCouponRecord coupon, UUID customerId, long amount) {
        if (amount == 0) {
            return new Use(true, null);
        }
        Integer stripe = null;
        if (coupon.getMaxUses() != null) {
            Optional<Integer> taken = takeStripe(tx, coupon.getId());
            if (taken.isEmpty()) {
                return Use.REFUSED;
            }
            stripe = taken.get();
        }
        if (coupon.getBudget() != null && tx.update(PROMOTION_COUPON)
                .set(PROMOTION_COUPON.BUDGET_SPENT, PROMOTION_COUPON.BUDGET_SPENT.plus(amount))
                .where(PROMOTION_COUPON.ID.eq(coupon.getId()))
                .and(PROMOTION_COUPON.BUDGET_SPENT.plus(amount).le(PROMOTION_COUPON.BUDGET)).execute() == 0) {
            giveStripeBack(tx, coupon.getId(), stripe);
            return Use.REFUSED;
        }
        if (coupon.getMaxUsesPerCustomer() != null && tx.insertInto(PROMOTION_CUSTOMER_USE)
                .set(PROMOTION_CUSTOMER_USE.COUPON_ID, coupon.getId())
                .set(PROMOTION_CUSTOMER_USE.CUSTOMER_ID, customerId).set(PROMOTION_CUSTOMER_USE.USES, 1L)
                .onConflict(PROMOTION_CUSTOMER_USE.COUPON_ID, PROMOTION_CUSTOMER_USE.CUSTOMER_ID).doUpdate()
                .set(PROMOTION_CUSTOMER_USE.USES, PROMOTION_CUSTOMER_USE.USES.plus(1))
                .where(PROMOTION_CUSTOMER_USE.USES.lt((long) coupon.getMaxUsesPerCustomer())).execute() == 0) {
            giveStripeBack(tx, coupon.getId(), stripe);
            giveBudgetBack(tx, coupon.getId(), amount);
            return Use.REFUSED;
        }
        return new Use(true, stripe);
    }

    /**
     * Whether {@link #take} would count the use now, without counting it or locking anything: a stripe with a use
     * left, the budget, and the customer's uses (not checked without a customer).
     */
    private static Use wouldTake(DSLContext db, PromotionCouponRecord coupon, UUID customerId, long amount) {
        if (amount == 0) {
            return new Use(true, null);
        }
        boolean usesLeft = coupon.getMaxUses() == null || db.fetchExists(PROMOTION_COUPON_STRIPE,
                PROMOTION_COUPON_STRIPE.COUPON_ID.eq(coupon.getId())
                        .and(PROMOTION_COUPON_STRIPE.USES.lt(PROMOTION_COUPON_STRIPE.MAX_USES)));
        boolean budgetLeft = coupon.getBudget() == null || coupon.getBudgetSpent() + amount <= coupon.getBudget();
        boolean customerUsesLeft = coupon.getMaxUsesPerCustomer() == null || customerId == null
                || db.select(PROMOTION_CUSTOMER_USE.USES).from(PROMOTION_CUSTOMER_USE)
                        .where(PROMOTION_CUSTOMER_USE.COUPON_ID.eq(coupon.getId()))
                        .and(PROMOTION_CUSTOMER_USE.CUSTOMER_ID.eq(customerId))
                        .fetchOptional(PROMOTION_CUSTOMER_USE.USES).orElse(0L) < coupon.getMaxUsesPerCustomer();
        return usesLeft && budgetLeft && customerUsesLeft ? new Use(true, null) : Use.REFUSED;
    }

    /**
     * A use from a stripe with uses left: first one no other checkout holds (SKIP LOCKED, in random order so
     * checkouts spread), else waiting for a held one, each chosen and counted by one statement. A stripe waited for
     * may have no use left once its holder commits, and a limit raised meanwhile adds stripes the waiting statement's
     * snapshot does not show (decision 54): so whenever a wait ends with nothing, the stripes are looked at again by
     * new statements, which see every commit. Empty only when no stripe has a use left.
     */
    private static Optional<Integer> takeStripe(DSLContext tx, UUID couponId) {
        while (true) {
            Optional<Integer> free = countUseOn(tx, couponId, true);
            if (free.isPresent()) {
                return free;
            }
            // Most refusals of a used-up coupon end here, without waiting for stripes other checkouts hold.
            if (!tx.fetchExists(PROMOTION_COUPON_STRIPE, PROMOTION_COUPON_STRIPE.COUPON_ID.eq(couponId)
                    .and(PROMOTION_COUPON_STRIPE.USES.lt(PROMOTION_COUPON_STRIPE.MAX_USES)))) {
                return Optional.empty();
            }
            Optional<Integer> waited = countUseOn(tx, couponId, false);
            if (waited.isPresent()) {
                return waited;
            }
        }
    }

    /**
     * One statement: a stripe of the coupon with a use left is locked (one no other checkout holds, in random order,
     * when {@code skipLocked}; else the first, waiting for its holder) and a use counted on it; empty when none was.
     */
    private static Optional<Integer> countUseOn(DSLContext tx, UUID couponId, boolean skipLocked) {
        var free = PROMOTION_COUPON_STRIPE.as("free");
        var withUseLeft = DSL.select(free.STRIPE).from(free).where(free.COUPON_ID.eq(couponId))
                .and(free.USES.lt(free.MAX_USES));
        Select<Record1<Integer>> chosen = skipLocked ? withUseLeft.orderBy(DSL.rand()).limit(1).forUpdate().skipLocked()
                : withUseLeft.orderBy(free.STRIPE).limit(1).forUpdate();
        return tx.update(PROMOTION_COUPON_STRIPE).set(PROMOTION_COUPON_STRIPE.USES, PROMOTION_COUPON_STRIPE.USES.plus(1))
                .where(PROMOTION_COUPON_STRIPE.COUPON_ID.eq(couponId))
                .and(PROMOTION_COUPON_STRIPE.STRIPE.eq(chosen))
                .returningResult(PROMOTION_COUPON_STRIPE.STRIPE)
                .fetchOptional(PROMOTION_COUPON_STRIPE.STRIPE);
    }

    private static void giveStripeBack(DSLContext tx, UUID couponId, Integer stripe) {
        if (stripe != null) {
            tx.update(PROMOTION_COUPON_STRIPE).set(PROMOTION_COUPON_STRIPE.USES, PROMOTION_COUPON_STRIPE.USES.minus(1))
                    .where(PROMOTION_COUPON_STRIPE.COUPON_ID.eq(couponId))
                    .and(PROMOTION_COUPON_STRIPE.STRIPE.eq(stripe)).execute();
        }
    }

    /** Back to the budget of a coupon that has one. */
    private static void giveBudgetBack(DSLContext tx, UUID couponId, long amount) {
        if (amount > 0) {
            tx.update(PROMOTION_COUPON).set(PROMOTION_COUPON.BUDGET_SPENT, PROMOTION_COUPON.BUDGET_SPENT.minus(amount))
                    .where(PROMOTION_COUPON.ID.eq(couponId)).and(PROMOTION_COUPON.BUDGET.isNotNull()).execute();
        }
    }

    private static void giveCustomerUseBack(DSLContext tx, UUID couponId, UUID customerId) {
        tx.update(PROMOTION_CUSTOMER_USE).set(PROMOTION_CUSTOMER_USE.USES, PROMOTION_CUSTOMER_USE.USES.minus(1))
                .where(PROMOTION_CUSTOMER_USE.COUPON_ID.eq(couponId))
                .and(PROMOTION_CUSTOMER_USE.CUSTOMER_ID.eq(customerId)).execute();
    }

    /**
     * For each funder no code named, the running automatic promotion ({@code running}, oldest first) of that funder
     * that gives the most on what is left; one whose limits are reached is passed over.
     */
    private static List<Applied> automatic(DSLContext tx, UUID customerId, List<Line> lines, String currency,
                                           OffsetDateTime now, List<PromotionCouponRecord> running,
                                           Set<UUID> namedFunders, long[] remaining, UseCounter uses) {
        Map<UUID, List<PromotionCouponRecord>> byFunder = new LinkedHashMap<>();
        for (PromotionCouponRecord coupon : inApplicationOrder(running)) {
            if (!namedFunders.contains(funderKey(coupon)) && refusal(coupon, lines, currency, now) == null) {
                byFunder.computeIfAbsent(funderKey(coupon), funder -> new ArrayList<>()).add(coupon);
            }
        }
        List<Applied> applied = new ArrayList<>();
        for (List<PromotionCouponRecord> candidates : byFunder.values()) {
            List<Applied> best = candidates.stream().map(coupon -> discount(coupon, lines, remaining))
                    .filter(discount -> discount.amount() > 0)
                    .sorted(Comparator.comparingLong(Applied::amount).reversed()).toList();
            for (Applied discount : best) {
                Use use = uses.count(tx, discount.coupon(), customerId, discount.amount());
                if (use.taken()) {
                    subtract(remaining, discount);
                    applied.add(discount.taken(use.stripe()));
                    break;
                }
            }
        }
        return applied;
    }

    /**
     * The order's coupon rows in one statement: the order, a redemption per coupon that discounted it and each
     * coupon's share of each line (the foreign keys are checked at the statement's end, the order's row inserted).
     */
    private static void record(DSLContext tx, UUID customerId, UUID orderId, OffsetDateTime paymentDueAt,
                               List<Line> lines, String currency, List<Applied> applied) {
        List<Applied> discounting = applied.stream().filter(discount -> discount.amount() > 0).toList();
        var order = DSL.insertInto(PROMOTION_ORDER).set(PROMOTION_ORDER.ORDER_ID, orderId)
                .set(PROMOTION_ORDER.CUSTOMER_ID, customerId).set(PROMOTION_ORDER.CURRENCY, currency)
                .set(PROMOTION_ORDER.PAYMENT_DUE_AT, paymentDueAt).returningResult(PROMOTION_ORDER.ORDER_ID);
        if (discounting.isEmpty()) {
            tx.execute(order);
            return;
        }
        var redemptions = DSL.insertInto(PROMOTION_REDEMPTION, PROMOTION_REDEMPTION.ORDER_ID,
                PROMOTION_REDEMPTION.COUPON_ID, PROMOTION_REDEMPTION.MERCHANT_ID, PROMOTION_REDEMPTION.STRIPE,
                PROMOTION_REDEMPTION.AMOUNT);
        for (Applied discount : discounting) {
            redemptions = redemptions.values(orderId, discount.coupon().getId(), discount.coupon().getMerchantId(),
                    discount.stripe(), discount.amount());
        }
        var lineRows = tx.with("promotion_order_row").as(order)
                .with("redemption_rows").as(redemptions.returningResult(PROMOTION_REDEMPTION.COUPON_ID))
                .insertInto(PROMOTION_ORDER_LINE, PROMOTION_ORDER_LINE.ORDER_ID, PROMOTION_ORDER_LINE.COUPON_ID,
                        PROMOTION_ORDER_LINE.SUB_ORDER_ID, PROMOTION_ORDER_LINE.MERCHANT_ID,
                        PROMOTION_ORDER_LINE.LINE_NUMBER, PROMOTION_ORDER_LINE.QUANTITY, PROMOTION_ORDER_LINE.DISCOUNT);
        for (Applied discount : discounting) {
            for (int i = 0; i < lines.size(); i++) {
                if (discount.perLine()[i] > 0) {
                    Line line = lines.get(i);
                    lineRows = lineRows.values(orderId, discount.coupon().getId(), line.subOrderId(),
                            line.merchantId(), line.lineNumber(), line.quantity(), discount.perLine()[i]);
                }
            }
        }
        lineRows.execute();
    }

    // ---- cancellations and returns (the orders domain calls these in its transactions)

    @Override
    public Money paidWithCoupons(DSLContext tx, UUID subOrderId, Map<Integer, Long> units, String currency) {
        long paid = 0;
        for (PromotionOrderLineRecord line : lines(tx, subOrderId, false)) {
            paid += share(line, unitsOf(line, units));
        }
        return Money.of(paid, currency);
    }

    @Override
    public void givenBack(DSLContext tx, UUID subOrderId, String cause, Map<Integer, Long> units, boolean beforeRelease) {
        List<PromotionOrderLineRecord> lines = lines(tx, subOrderId, true);
        if (lines.isEmpty()) {
            return; // no coupon discounted this sub-order
        }
        UUID orderId = lines.getFirst().getOrderId();
        PromotionOrderRecord order = tx.selectFrom(PROMOTION_ORDER).where(PROMOTION_ORDER.ORDER_ID.eq(orderId))
                .forUpdate().fetchSingle();
        Map<UUID, Long> backByCoupon = new LinkedHashMap<>();
        for (PromotionOrderLineRecord line : lines) {
            long back = unitsOf(line, units);
            backByCoupon.merge(line.getCouponId(), share(line, back), Long::sum);
            tx.update(PROMOTION_ORDER_LINE)
                    .set(PROMOTION_ORDER_LINE.RETURNED_QUANTITY, line.getReturnedQuantity() + back)
                    .where(PROMOTION_ORDER_LINE.SUB_ORDER_ID.eq(subOrderId))
                    .and(PROMOTION_ORDER_LINE.LINE_NUMBER.eq(line.getLineNumber()))
                    .and(PROMOTION_ORDER_LINE.COUPON_ID.eq(line.getCouponId())).execute();
        }
        if (RELEASED.equals(order.getState())) {
            return; // never paid: the uses and budget went back already
        }
        Parties parties = new Parties(orderId, subOrderId, lines.getFirst().getMerchantId(), order.getCustomerId());
        backByCoupon.forEach((couponId, back) -> {
            PromotionRedemptionRecord redemption = tx.selectFrom(PROMOTION_REDEMPTION)
                    .where(PROMOTION_REDEMPTION.ORDER_ID.eq(orderId)).and(PROMOTION_REDEMPTION.COUPON_ID.eq(couponId))
                    .forUpdate().fetchSingle();
            boolean allBack = !tx.fetchExists(PROMOTION_ORDER_LINE, PROMOTION_ORDER_LINE.ORDER_ID.eq(orderId)
                    .and(PROMOTION_ORDER_LINE.COUPON_ID.eq(couponId))
                    .and(PROMOTION_ORDER_LINE.RETURNED_QUANTITY.lt(PROMOTION_ORDER_LINE.QUANTITY)));
            boolean useBack = allBack && !redemption.getUseReturned();
            giveBack(tx, redemption, order.getCustomerId(), back, useBack);
            if (back > 0) {
                // Posted even before the payment's redemption is (the subscriber may lag): the ledger nets them.
                DomainEvents.append(tx, MoneyMovement.couponRedemptionReturned(cause + ":" + couponId, parties,
                        redemption.getMerchantId(), beforeRelease, Money.of(back, order.getCurrency())));
            }
        });
    }

    /** {@code amount} of the redemption back to the coupon's budget, and its use when {@code use}. */
    private static void giveBack(DSLContext tx, PromotionRedemptionRecord redemption, UUID customerId, long amount,
                                 boolean use) {
        if (amount == 0 && !use) {
            return;
        }
        tx.update(PROMOTION_REDEMPTION).set(PROMOTION_REDEMPTION.RETURNED, redemption.getReturned() + amount)
                .set(PROMOTION_REDEMPTION.USE_RETURNED, redemption.getUseReturned() || use)
                .where(PROMOTION_REDEMPTION.ORDER_ID.eq(redemption.getOrderId()))
                .and(PROMOTION_REDEMPTION.COUPON_ID.eq(redemption.getCouponId())).execute();
        giveBudgetBack(tx, redemption.getCouponId(), amount);
        if (use) {
            giveStripeBack(tx, redemption.getCouponId(), redemption.getStripe());
            giveCustomerUseBack(tx, redemption.getCouponId(), customerId);
        }
    }

    private static List<PromotionOrderLineRecord> lines(DSLContext tx, UUID subOrderId, boolean lock) {
        var query = tx.selectFrom(PROMOTION_ORDER_LINE).where(PROMOTION_ORDER_LINE.SUB_ORDER_ID.eq(subOrderId))
                .orderBy(PROMOTION_ORDER_LINE.LINE_NUMBER, PROMOTION_ORDER_LINE.COUPON_ID);
        return lock ? query.forUpdate().fetch() : query.fetch();
    }

    /** The units of the line named in {@code units}, or all it still has when {@code units} is empty. */
    private static long unitsOf(PromotionOrderLineRecord line, Map<Integer, Long> units) {
        long left = line.getQuantity() - line.getReturnedQuantity();
        return units.isEmpty() ? left : Math.min(left, units.getOrDefault(line.getLineNumber(), 0L));
    }

    /**
     * The discount on {@code units} more of the line after those already back: the difference of cumulative shares,
     * so the shares of all its units add up to its discount exactly.
     */
    private static long share(PromotionOrderLineRecord line, long units) {
        long before = line.getReturnedQuantity();
        return floorOf(line.getDiscount(), before + units, line.getQuantity())
                - floorOf(line.getDiscount(), before, line.getQuantity());
    }

    private static long floorOf(long value, long numerator, long denominator) {
        return BigInteger.valueOf(value).multiply(BigInteger.valueOf(numerator))
                .divide(BigInteger.valueOf(denominator)).longValueExact();
    }

    // ---- following the orders

    /**
     * The order was paid: each coupon's funder pays its discount into escrow (the merchant through its payable, the
     * platform through its promotions expense). Recording it again changes nothing.
     */
    void paid(DSLContext tx, UUID orderId) {
        PromotionOrderRecord order = tx.selectFrom(PROMOTION_ORDER).where(PROMOTION_ORDER.ORDER_ID.eq(orderId))
                .forUpdate().fetchOptional().orElse(null);
        if (order == null || !PLACED.equals(order.getState())) {
            return; // no coupon, handled before, or released unpaid
        }
        tx.update(PROMOTION_ORDER).set(PROMOTION_ORDER.STATE, PAID).where(PROMOTION_ORDER.ORDER_ID.eq(orderId)).execute();
        for (PromotionRedemptionRecord redemption : tx.selectFrom(PROMOTION_REDEMPTION)
                .where(PROMOTION_REDEMPTION.ORDER_ID.eq(orderId)).orderBy(PROMOTION_REDEMPTION.COUPON_ID).fetch()) {
            UUID merchant = redemption.getMerchantId();
            DomainEvents.append(tx, MoneyMovement.couponRedeemed(orderId + ":" + redemption.getCouponId(),
                    new Parties(orderId, null, merchant, order.getCustomerId()), merchant,
                    Money.of(redemption.getAmount(), order.getCurrency())));
        }
    }

    /**
     * Orders still unpaid {@code unpaid-grace} after their payment deadline (expired or cancelled unpaid; by then no
     * payment can be captured) give their coupons' uses and budget back. No money had moved for them.
     */
    long releaseUnpaid() {
        return inBatches(tx -> {
            List<PromotionOrderRecord> due = tx.selectFrom(PROMOTION_ORDER).where(PROMOTION_ORDER.STATE.eq(PLACED))
                    .and(PROMOTION_ORDER.PAYMENT_DUE_AT.le(now().minus(unpaidGrace)))
                    .orderBy(PROMOTION_ORDER.PAYMENT_DUE_AT).limit(JOB_BATCH).forUpdate().skipLocked().fetch();
            for (PromotionOrderRecord order : due) {
                tx.update(PROMOTION_ORDER).set(PROMOTION_ORDER.STATE, RELEASED)
                        .where(PROMOTION_ORDER.ORDER_ID.eq(order.getOrderId())).execute();
                for (PromotionRedemptionRecord redemption : tx.selectFrom(PROMOTION_REDEMPTION)
                        .where(PROMOTION_REDEMPTION.ORDER_ID.eq(order.getOrderId()))
                        .orderBy(PROMOTION_REDEMPTION.COUPON_ID).forUpdate().fetch()) {
                    giveBack(tx, redemption, order.getCustomerId(), redemption.getAmount() - redemption.getReturned(),
                            !redemption.getUseReturned());
                }
            }
            return due.size();
        });
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
}
