package dev.marketplace.server.partners;

import static dev.marketplace.schema.Tables.PARTNER;
import static dev.marketplace.schema.Tables.PARTNER_EXCHANGE_TERMS;

import dev.marketplace.schema.tables.records.PartnerExchangeTermsRecord;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.points.PointsExchange;
import java.math.BigInteger;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Dated exchange terms per partner and direction (decision 37). Terms apply from their {@code effectiveFrom}, which
 * is never before now, so no exchange is ever priced again. Every conversion rounds down (in the platform's favour).
 * Refused when set:
 * <ul>
 *   <li>a profitable loop: with the other direction's terms in force at any time the new terms will be,
 *   out × in must stay below 1 ({@code exchange_loop}); with rounding down, a round trip then always loses;</li>
 *   <li>value made from nothing: at the terms' settlement price, the points a customer receives are never worth more
 *   than the points the customer gives ({@code exchange_above_value}), one of our points being worth
 *   {@code points.point-value}.</li>
 * </ul>
 */
final class ExchangeTerms {

    static final String OUTBOUND = "outbound";
    static final String INBOUND = "inbound";

    record Terms(UUID id, UUID partnerId, String direction, OffsetDateTime effectiveFrom, long rateNumerator,
                 long rateDenominator, long minimum, long step, long customerDailyCap, long customerMonthlyCap,
                 long globalDailyCap, long settlementPrice, String currency, String createdBy,
                 OffsetDateTime createdAt) {

        static Terms of(PartnerExchangeTermsRecord row) {
            return new Terms(row.getId(), row.getPartnerId(), row.getDirection(), row.getEffectiveFrom(),
                    row.getRateNumerator(), row.getRateDenominator(), row.getMinimum(), row.getStep(),
                    row.getCustomerDailyCap(), row.getCustomerMonthlyCap(), row.getGlobalDailyCap(),
                    row.getSettlementPrice(), row.getCurrency(), row.getCreatedBy(), row.getCreatedAt());
        }

        /** The points received for {@code given}, rounded down. */
        long convert(long given) {
            return BigInteger.valueOf(given).multiply(BigInteger.valueOf(rateNumerator))
                    .divide(BigInteger.valueOf(rateDenominator)).longValueExact();
        }
    }

    private final DSLContext dsl;
    private final PointsExchange points;

    ExchangeTerms(DSLContext dsl, PointsExchange points) {
        this.dsl = dsl;
        this.points = points;
    }

    Terms set(Principal caller, Terms proposed, OffsetDateTime now) {
        if (!caller.isOperator()) {
            throw ProblemException.forbidden("Only the operator sets exchange terms.");
        }
        if (proposed.effectiveFrom().isBefore(now)) {
            throw ProblemException.validation("effectiveFrom", "out_of_range",
                    "must not be in the past: terms are never retroactive");
        }
        if (!proposed.currency().equals(points.currency())) {
            throw ProblemException.validation("settlementPrice", "invalid",
                    "must be in " + points.currency() + ", the points' currency");
        }
        requireNoValueMade(proposed);
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            // One terms change per partner at a time: the loop check reads the other direction's terms.
            if (db.select(PARTNER.ID).from(PARTNER).where(PARTNER.ID.eq(proposed.partnerId())).forUpdate()
                    .fetchOptional().isEmpty()) {
                throw ProblemException.notFound("partner");
            }
            String other = proposed.direction().equals(OUTBOUND) ? INBOUND : OUTBOUND;
            for (Terms opposite : overlapping(db, proposed.partnerId(), other, proposed.effectiveFrom(), now)) {
                requireNoLoop(proposed, opposite);
            }
            if (db.fetchExists(PARTNER_EXCHANGE_TERMS, PARTNER_EXCHANGE_TERMS.PARTNER_ID.eq(proposed.partnerId())
                    .and(PARTNER_EXCHANGE_TERMS.DIRECTION.eq(proposed.direction()))
                    .and(PARTNER_EXCHANGE_TERMS.EFFECTIVE_FROM.eq(proposed.effectiveFrom())))) {
                throw ProblemException.conflict("terms_exist", "Terms from this moment exist for this direction.");
            }
            return Terms.of(db.insertInto(PARTNER_EXCHANGE_TERMS)
                    .set(PARTNER_EXCHANGE_TERMS.ID, UUID.randomUUID())
                    .set(PARTNER_EXCHANGE_TERMS.PARTNER_ID, proposed.partnerId())
                    .set(PARTNER_EXCHANGE_TERMS.DIRECTION, proposed.direction())
                    .set(PARTNER_EXCHANGE_TERMS.EFFECTIVE_FROM, proposed.effectiveFrom())
                    .set(PARTNER_EXCHANGE_TERMS.RATE_NUMERATOR, proposed.rateNumerator())
                    .set(PARTNER_EXCHANGE_TERMS.RATE_DENOMINATOR, proposed.rateDenominator())
                    .set(PARTNER_EXCHANGE_TERMS.MINIMUM, proposed.minimum())
                    .set(PARTNER_EXCHANGE_TERMS.STEP, proposed.step())
                    .set(PARTNER_EXCHANGE_TERMS.CUSTOMER_DAILY_CAP, proposed.customerDailyCap())
                    .set(PARTNER_EXCHANGE_TERMS.CUSTOMER_MONTHLY_CAP, proposed.customerMonthlyCap())
                    .set(PARTNER_EXCHANGE_TERMS.GLOBAL_DAILY_CAP, proposed.globalDailyCap())
                    .set(PARTNER_EXCHANGE_TERMS.SETTLEMENT_PRICE, proposed.settlementPrice())
                    .set(PARTNER_EXCHANGE_TERMS.CURRENCY, proposed.currency())
                    .set(PARTNER_EXCHANGE_TERMS.CREATED_BY, caller.subject())
                    .set(PARTNER_EXCHANGE_TERMS.CREATED_AT, now)
                    .returning().fetchSingle());
        });
    }

    /** The other direction's terms in force at some moment from {@code from} on: the one in force then, and later ones. */
    private static List<Terms> overlapping(DSLContext db, UUID partner, String direction, OffsetDateTime from,
                                           OffsetDateTime now) {
        var inForceThen = db.selectFrom(PARTNER_EXCHANGE_TERMS).where(PARTNER_EXCHANGE_TERMS.PARTNER_ID.eq(partner))
                .and(PARTNER_EXCHANGE_TERMS.DIRECTION.eq(direction))
                .and(PARTNER_EXCHANGE_TERMS.EFFECTIVE_FROM.le(from))
                .orderBy(PARTNER_EXCHANGE_TERMS.EFFECTIVE_FROM.desc()).limit(1).fetch(Terms::of);
        var later = db.selectFrom(PARTNER_EXCHANGE_TERMS).where(PARTNER_EXCHANGE_TERMS.PARTNER_ID.eq(partner))
                .and(PARTNER_EXCHANGE_TERMS.DIRECTION.eq(direction))
                .and(PARTNER_EXCHANGE_TERMS.EFFECTIVE_FROM.gt(from)).fetch(Terms::of);
        var all = new java.util.ArrayList<>(inForceThen);
        all.addAll(later);
        return all;
    }

    static void requireNoLoop(Terms one, Terms other) {
        if (formsLoop(one, other)) {
            throw ProblemException.conflict("exchange_loop", "With the " + other.direction() + " terms from "
                    + other.effectiveFrom() + " a round trip would not lose points: out × in must stay below 1.")
                    .with("conflictingTermsId", other.id());
        }
    }

    /** Whether a round trip through both could keep or gain points: out × in ≥ 1, exactly (n₁·n₂ ≥ d₁·d₂). */
    static boolean formsLoop(Terms one, Terms other) {
        BigInteger numerators = BigInteger.valueOf(one.rateNumerator()).multiply(BigInteger.valueOf(other.rateNumerator()));
        BigInteger denominators = BigInteger.valueOf(one.rateDenominator())
                .multiply(BigInteger.valueOf(other.rateDenominator()));
        return numerators.compareTo(denominators) >= 0;
    }

    /**
     * Outbound: partner points × price ≤ our points × point value, i.e. n × price ≤ d × value; inbound: our points ×
     * value ≤ partner points × price, i.e. n × value ≤ d × price. Rounding down only lowers what is received.
     */
    private void requireNoValueMade(Terms terms) {
        if (makesValue(terms, points.money(1).amount())) {
            throw ProblemException.conflict("exchange_above_value", "At the settlement price the points received "
                    + "would be worth more than the points given.");
        }
    }

    static boolean makesValue(Terms terms, long pointValue) {
        BigInteger value = BigInteger.valueOf(pointValue);
        BigInteger price = BigInteger.valueOf(terms.settlementPrice());
        BigInteger received = BigInteger.valueOf(terms.rateNumerator())
                .multiply(terms.direction().equals(OUTBOUND) ? price : value);
        BigInteger given = BigInteger.valueOf(terms.rateDenominator())
                .multiply(terms.direction().equals(OUTBOUND) ? value : price);
        return received.compareTo(given) > 0;
    }

    /** The terms in force for the direction at {@code at}. */
    Optional<Terms> inForce(DSLContext db, UUID partner, String direction, OffsetDateTime at) {
        return db.selectFrom(PARTNER_EXCHANGE_TERMS).where(PARTNER_EXCHANGE_TERMS.PARTNER_ID.eq(partner))
                .and(PARTNER_EXCHANGE_TERMS.DIRECTION.eq(direction)).and(PARTNER_EXCHANGE_TERMS.EFFECTIVE_FROM.le(at))
                .orderBy(PARTNER_EXCHANGE_TERMS.EFFECTIVE_FROM.desc()).limit(1).fetchOptional(Terms::of);
    }

    Terms byId(DSLContext db, UUID id) {
        return db.selectFrom(PARTNER_EXCHANGE_TERMS).where(PARTNER_EXCHANGE_TERMS.ID.eq(id)).fetchSingle(Terms::of);
    }

    /** Every terms of the partner, newest first; the operator's or the partner's own. */
    List<Terms> list(Principal caller, UUID partner) {
        PartnerRegistry.requireVisible(caller, partner);
        return dsl.selectFrom(PARTNER_EXCHANGE_TERMS).where(PARTNER_EXCHANGE_TERMS.PARTNER_ID.eq(partner))
                .orderBy(PARTNER_EXCHANGE_TERMS.EFFECTIVE_FROM.desc(), PARTNER_EXCHANGE_TERMS.DIRECTION)
                .fetch(Terms::of);
    }
}
