package dev.marketplace.server.partners;

import static dev.marketplace.schema.Tables.PARTNER_EXCHANGE_DAY_STRIPE;
import static dev.marketplace.schema.Tables.PARTNER_EXCHANGE_USAGE;

import dev.marketplace.schema.tables.PartnerExchangeDayStripe;
import dev.marketplace.schema.tables.records.PartnerExchangeDayStripeRecord;
import dev.marketplace.server.platform.http.ProblemException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * The caps on the points a customer gives (per day, per month) and on a partner's whole day (decision 75).
 *
 * <p>A customer's caps are counter rows raised by one conditional upsert: the row lock orders the customer's concurrent
 * exchanges and none raises a counter past its cap, so the caps hold under any concurrency without reading first.
 *
 * <p>The partner's daily cap is shared by every exchange of the partner, and one counter row kept them in a queue, each
 * holding it to its commit (decision 67). The day is split into {@value #STRIPES} stripe rows, each with an allowance:
 * the allowances sum to the cap and no stripe's use passes its allowance, so the day's use never passes the cap. An
 * exchange raises one stripe with room, chosen at random, waiting only if another transaction holds that one. When it
 * could not (none has room, the cap in force is not the one the stripes were split for, the day has none yet, or the
 * stripe it waited for had no room left) its transaction is rolled back and run again from the start taking
 * {@link PartnerDay#ALL_STRIPES}: every stripe locked in stripe order, the exchange refused exactly when the day's use
 * plus its points passes the cap, and otherwise what is left of the cap shared out again. Rolled back, because a
 * statement that waited for a row and then found it short can keep the row locked. A transaction waits for one stripe
 * holding none, or (fresh) for all in order, so none waits for a stripe while holding one another waits for out of
 * order: no deadlock. A refused exchange rolls its raises back with its transaction; a failed or reversed one gives its
 * points back.
 */
final class ExchangeCaps {

    /** Stripes per partner, direction and day: more than the credits that are usually between a raise and a commit. */
    static final int STRIPES = 16;

    /** How an exchange takes from the partner's daily cap. */
    enum PartnerDay {
        /** Raise one stripe with room, or throw {@link StripeWithoutRoom}. */
        ONE_STRIPE,
        /** Lock every stripe, check the cap against their sum, share what is left out again. */
        ALL_STRIPES
    }

    /** The stripe tried had no room: the exchange's transaction is rolled back and run with every stripe. */
    static final class StripeWithoutRoom extends RuntimeException {
        StripeWithoutRoom() {
            super(null, null, false, false);
        }
    }

    /**
     * The customer's caps, both in one statement (its own rows, hardly ever contended): each row is raised only while
     * it stays within its cap, so a row missing from what the statement returns is the cap passed.
     */
    void takeCustomer(DSLContext db, ExchangeTerms.Terms terms, UUID customer, long points, LocalDate day) {
        if (points > terms.customerDailyCap()) {
            throw capPassed("exchange_daily_cap", terms.customerDailyCap());
        }
        if (points > terms.customerMonthlyCap()) {
            throw capPassed("exchange_monthly_cap", terms.customerMonthlyCap());
        }
        var usage = PARTNER_EXCHANGE_USAGE;
        List<String> raised = db.insertInto(usage, usage.PARTNER_ID, usage.DIRECTION, usage.PERIOD, usage.PERIOD_START,
                        usage.CUSTOMER_ID, usage.POINTS)
                .values(terms.partnerId(), terms.direction(), "day", day, customer, points)
                .values(terms.partnerId(), terms.direction(), "month", Exchanges.monthStart(day), customer, points)
                .onConflict(usage.PARTNER_ID, usage.DIRECTION, usage.PERIOD, usage.PERIOD_START, usage.CUSTOMER_ID)
                .doUpdate().set(usage.POINTS, usage.POINTS.plus(points))
                .where(usage.POINTS.plus(points).le(DSL.when(usage.PERIOD.eq("day"), terms.customerDailyCap())
                        .otherwise(terms.customerMonthlyCap())))
                .returning(usage.PERIOD).fetch(usage.PERIOD);
        if (!raised.contains("day")) {
            throw capPassed("exchange_daily_cap", terms.customerDailyCap());
        }
        if (!raised.contains("month")) {
            throw capPassed("exchange_monthly_cap", terms.customerMonthlyCap());
        }
    }

    /** The partner's daily cap; the caller takes it last in its transaction, so a stripe is held only to the commit. */
    void takePartnerDay(DSLContext db, ExchangeTerms.Terms terms, long points, LocalDate day, PartnerDay how) {
        if (how == PartnerDay.ONE_STRIPE) {
            takeOneStripe(db, terms, points, day);
        } else {
            takeAllStripes(db, terms, points, day);
        }
    }

    /**
     * One statement: a stripe with room, chosen at random, raised; if another transaction holds it, after that one ends
     * (then its room is looked at again). Not {@code SKIP LOCKED}: while an all-stripes transaction holds every stripe,
     * credits would find none free, take that path too, and queue behind one another for as long as they keep coming.
     */
    private static void takeOneStripe(DSLContext db, ExchangeTerms.Terms terms, long points, LocalDate day) {
        var stripes = PARTNER_EXCHANGE_DAY_STRIPE;
        var withRoom = PARTNER_EXCHANGE_DAY_STRIPE.as("with_room");
        int raised = db.update(stripes).set(stripes.USED, stripes.USED.plus(points))
                .where(ofDay(stripes, terms.partnerId(), terms.direction(), day))
                .and(stripes.STRIPE.eq(DSL.select(withRoom.STRIPE).from(withRoom)
                        .where(ofDay(withRoom, terms.partnerId(), terms.direction(), day))
                        .and(withRoom.SPLIT_FOR_CAP.eq(terms.globalDailyCap()))
                        .and(withRoom.USED.plus(points).le(withRoom.ALLOWANCE))
                        .orderBy(DSL.rand()).limit(1)))
                .and(stripes.SPLIT_FOR_CAP.eq(terms.globalDailyCap()))
                .and(stripes.USED.plus(points).le(stripes.ALLOWANCE))
                .execute();
        if (raised == 0) {
            throw new StripeWithoutRoom();
        }
    }

    private static void takeAllStripes(DSLContext db, ExchangeTerms.Terms terms, long points, LocalDate day) {
        List<PartnerExchangeDayStripeRecord> stripes = lockAll(db, terms.partnerId(), terms.direction(), day, true);
        long cap = terms.globalDailyCap();
        long used = stripes.stream().mapToLong(PartnerExchangeDayStripeRecord::getUsed).sum();
        if (points > cap - used) {
            throw capPassed("exchange_partner_daily_cap", cap);
        }
        PartnerExchangeDayStripeRecord taking = stripes.get(ThreadLocalRandom.current().nextInt(STRIPES));
        taking.setUsed(taking.getUsed() + points);
        long left = cap - used - points;
        for (PartnerExchangeDayStripeRecord stripe : stripes) {
            int index = stripe.getStripe();
            stripe.setAllowance(stripe.getUsed() + left / STRIPES + (index < left % STRIPES ? 1 : 0));
            stripe.setSplitForCap(cap);
        }
        write(db, stripes);
    }

    /**
     * Gives the points of a failed or reversed exchange back to its customer's caps and its partner's day. The day's
     * use is lowered, stripe by stripe, the allowances stay: what was given back is room again, and the allowances still
     * sum to the cap they were split for.
     */
    void giveBack(DSLContext db, UUID partner, String direction, UUID customer, long points, LocalDate day) {
        lower(db, partner, direction, "day", day, customer, points);
        lower(db, partner, direction, "month", Exchanges.monthStart(day), customer, points);
        List<PartnerExchangeDayStripeRecord> stripes = lockAll(db, partner, direction, day, false);
        long owed = points;
        List<PartnerExchangeDayStripeRecord> lowered = new ArrayList<>();
        for (PartnerExchangeDayStripeRecord stripe : stripes.stream()
                .sorted(Comparator.comparingLong(PartnerExchangeDayStripeRecord::getUsed).reversed()).toList()) {
            if (owed == 0 || stripe.getUsed() == 0) {
                break;
            }
            long back = Math.min(owed, stripe.getUsed());
            stripe.setUsed(stripe.getUsed() - back);
            owed -= back;
            lowered.add(stripe);
        }
        write(db, lowered);
    }

    /** The day's stripes, locked in stripe order; made first (with no room) if {@code make} and the day has none. */
    private static List<PartnerExchangeDayStripeRecord> lockAll(DSLContext db, UUID partner, String direction,
                                                                LocalDate day, boolean make) {
        var stripes = PARTNER_EXCHANGE_DAY_STRIPE;
        if (make) {
            var insert = db.insertInto(stripes, stripes.PARTNER_ID, stripes.DIRECTION, stripes.DAY, stripes.STRIPE,
                    stripes.USED, stripes.ALLOWANCE, stripes.SPLIT_FOR_CAP);
            for (int stripe = 0; stripe < STRIPES; stripe++) {
                insert = insert.values(partner, direction, day, (short) stripe, 0L, 0L, 0L);
            }
            insert.onConflictDoNothing().execute();
        }
        return db.selectFrom(stripes).where(ofDay(stripes, partner, direction, day)).orderBy(stripes.STRIPE).forUpdate()
                .fetch();
    }

    /** The stripes' new use and allowances, in one round trip. */
    private static void write(DSLContext db, List<PartnerExchangeDayStripeRecord> changed) {
        if (!changed.isEmpty()) {
            db.batchUpdate(changed).execute();
        }
    }

    private static Condition ofDay(PartnerExchangeDayStripe stripes, UUID partner, String direction, LocalDate day) {
        return stripes.PARTNER_ID.eq(partner).and(stripes.DIRECTION.eq(direction)).and(stripes.DAY.eq(day));
    }

    private static ProblemException capPassed(String code, long cap) {
        return ProblemException.conflict(code, "The exchange would pass a cap of " + cap + " points.").with("cap", cap);
    }

    private static void lower(DSLContext db, UUID partner, String direction, String period, LocalDate start,
                              UUID customer, long points) {
        var usage = PARTNER_EXCHANGE_USAGE;
        db.update(usage)
                .set(usage.POINTS, DSL.greatest(usage.POINTS.minus(points), DSL.inline(0L)))
                .where(usage.PARTNER_ID.eq(partner)).and(usage.DIRECTION.eq(direction))
                .and(usage.PERIOD.eq(period)).and(usage.PERIOD_START.eq(start))
                .and(usage.CUSTOMER_ID.eq(customer)).execute();
    }
}
