package dev.marketplace.server.partners;

import static dev.marketplace.schema.Tables.PARTNER_EXCHANGE_USAGE;

import dev.marketplace.server.platform.http.ProblemException;
import java.time.LocalDate;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The caps on the points a customer gives (per day, per month) and on a partner's whole day, as counter rows raised
 * by one conditional upsert each: the row lock orders concurrent exchanges and none raises a counter past its cap,
 * so caps hold under any concurrency without reading first. A refused exchange rolls its raises back with its
 * transaction; a failed or reversed one gives its points back.
 */
final class ExchangeCaps {

    /** The partner-wide counter's customer id. */
    private static final UUID WHOLE_PARTNER = new UUID(0, 0);

    /** The customer's caps (its own rows, hardly ever contended). */
    void takeCustomer(DSLContext db, ExchangeTerms.Terms terms, UUID customer, long points, LocalDate day) {
        raise(db, terms, "day", day, customer, points, terms.customerDailyCap(), "exchange_daily_cap");
        raise(db, terms, "month", Exchanges.monthStart(day), customer, points, terms.customerMonthlyCap(),
                "exchange_monthly_cap");
    }

    /**
     * The partner's daily cap: one row every exchange of the partner and direction raises, so the caller raises it as
     * the last statement of its transaction, and the row stays locked only from here to the commit.
     */
    void takePartnerDay(DSLContext db, ExchangeTerms.Terms terms, long points, LocalDate day) {
        raise(db, terms, "day", day, WHOLE_PARTNER, points, terms.globalDailyCap(), "exchange_partner_daily_cap");
    }

    private static void raise(DSLContext db, ExchangeTerms.Terms terms, String period, LocalDate start, UUID customer,
                              long points, long cap, String code) {
        boolean raised = points <= cap && db.insertInto(PARTNER_EXCHANGE_USAGE)
                .set(PARTNER_EXCHANGE_USAGE.PARTNER_ID, terms.partnerId())
                .set(PARTNER_EXCHANGE_USAGE.DIRECTION, terms.direction())
                .set(PARTNER_EXCHANGE_USAGE.PERIOD, period)
                .set(PARTNER_EXCHANGE_USAGE.PERIOD_START, start)
                .set(PARTNER_EXCHANGE_USAGE.CUSTOMER_ID, customer)
                .set(PARTNER_EXCHANGE_USAGE.POINTS, points)
                .onConflict(PARTNER_EXCHANGE_USAGE.PARTNER_ID, PARTNER_EXCHANGE_USAGE.DIRECTION,
                        PARTNER_EXCHANGE_USAGE.PERIOD, PARTNER_EXCHANGE_USAGE.PERIOD_START,
                        PARTNER_EXCHANGE_USAGE.CUSTOMER_ID)
                .doUpdate().set(PARTNER_EXCHANGE_USAGE.POINTS, PARTNER_EXCHANGE_USAGE.POINTS.plus(points))
                .where(PARTNER_EXCHANGE_USAGE.POINTS.plus(points).le(cap))
                .execute() == 1;
        if (!raised) {
            throw ProblemException.conflict(code, "The exchange would pass a cap of " + cap + " points.")
                    .with("cap", cap);
        }
    }

    void giveBack(DSLContext db, UUID partner, String direction, UUID customer, long points, LocalDate day) {
        lower(db, partner, direction, "day", day, customer, points);
        lower(db, partner, direction, "month", Exchanges.monthStart(day), customer, points);
        lower(db, partner, direction, "day", day, WHOLE_PARTNER, points);
    }

    private static void lower(DSLContext db, UUID partner, String direction, String period, LocalDate start,
                              UUID customer, long points) {
        db.update(PARTNER_EXCHANGE_USAGE)
                .set(PARTNER_EXCHANGE_USAGE.POINTS, org.jooq.impl.DSL.greatest(
                        PARTNER_EXCHANGE_USAGE.POINTS.minus(points), org.jooq.impl.DSL.inline(0L)))
                .where(PARTNER_EXCHANGE_USAGE.PARTNER_ID.eq(partner)).and(PARTNER_EXCHANGE_USAGE.DIRECTION.eq(direction))
                .and(PARTNER_EXCHANGE_USAGE.PERIOD.eq(period)).and(PARTNER_EXCHANGE_USAGE.PERIOD_START.eq(start))
                .and(PARTNER_EXCHANGE_USAGE.CUSTOMER_ID.eq(customer)).execute();
    }
}
