package dev.marketplace.server.partners;

import static dev.marketplace.schema.Tables.PARTNER_EXCHANGE;
import static dev.marketplace.schema.Tables.PARTNER_FILE_LINE;

import dev.marketplace.schema.tables.records.PartnerExchangeRecord;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.security.Principal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Daily reconciliation with a partner (decision 37): our file of its exchanges for a day, its own file of the same
 * day, the mismatches between them, and the statement of what each side owes over a period. A day is a UTC date of
 * the exchange's creation. Exchanges compare by reference and direction (a compensation counts as the outbound
 * credit it makes good); the amount compared is the partner points that took effect (completed, not reversed).
 */
final class ExchangeReports {

    /** One line the partner reports. */
    record PartnerLine(String direction, String reference, long partnerPoints) {
    }

    record Mismatch(String direction, String reference, String kind, Long marketplacePoints,
                    Long partnerFilePoints) {
    }

    /**
     * Money owed over a period at the terms' settlement prices: by the platform to the partner (outbound and
     * compensations) and by the partner to the platform (inbound, reversals taken out); net positive: the partner owes.
     */
    record Statement(UUID partnerId, LocalDate from, LocalDate to, String currency, long owedToPartner,
                     long owedByPartner, long net, long exchanges) {
    }

    private final DSLContext dsl;
    private final Clock clock;

    ExchangeReports(DSLContext dsl, Clock clock) {
        this.dsl = dsl;
        this.clock = clock;
    }

    List<PartnerExchangeRecord> day(Principal caller, UUID partner, LocalDate day) {
        PartnerRegistry.requireVisible(caller, partner);
        return dsl.selectFrom(PARTNER_EXCHANGE).where(PARTNER_EXCHANGE.PARTNER_ID.eq(partner))
                .and(PARTNER_EXCHANGE.BUSINESS_DATE.eq(day))
                .orderBy(PARTNER_EXCHANGE.CREATED_AT, PARTNER_EXCHANGE.ID).fetch();
    }

    /** Replaces the partner's file for the day; the operator's upload or the partner's own. */
    int upload(Principal caller, UUID partner, LocalDate day, List<PartnerLine> lines) {
        PartnerRegistry.requireVisible(caller, partner);
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            db.deleteFrom(PARTNER_FILE_LINE).where(PARTNER_FILE_LINE.PARTNER_ID.eq(partner))
                    .and(PARTNER_FILE_LINE.BUSINESS_DATE.eq(day)).execute();
            var insert = db.insertInto(PARTNER_FILE_LINE, PARTNER_FILE_LINE.PARTNER_ID, PARTNER_FILE_LINE.BUSINESS_DATE,
                    PARTNER_FILE_LINE.DIRECTION, PARTNER_FILE_LINE.REFERENCE, PARTNER_FILE_LINE.PARTNER_POINTS,
                    PARTNER_FILE_LINE.UPLOADED_AT);
            for (PartnerLine line : lines) {
                insert = insert.values(partner, day, line.direction(), line.reference(), line.partnerPoints(), now);
            }
            if (!lines.isEmpty()) {
                try {
                    insert.execute();
                } catch (org.jooq.exception.IntegrityConstraintViolationException e) {
                    throw ProblemException.validation("lines", "duplicate", "name each reference once per direction");
                }
            }
            return lines.size();
        });
    }

    /** The day's mismatches; 404 until the partner's file for the day was uploaded. */
    List<Mismatch> mismatches(Principal caller, UUID partner, LocalDate day) {
        PartnerRegistry.requireVisible(caller, partner);
        Map<String, Long> theirs = new TreeMap<>();
        dsl.selectFrom(PARTNER_FILE_LINE).where(PARTNER_FILE_LINE.PARTNER_ID.eq(partner))
                .and(PARTNER_FILE_LINE.BUSINESS_DATE.eq(day))
                .forEach(line -> theirs.merge(key(line.getDirection(), line.getReference()), line.getPartnerPoints(),
                        Long::sum));
        if (theirs.isEmpty() && !dsl.fetchExists(PARTNER_FILE_LINE, PARTNER_FILE_LINE.PARTNER_ID.eq(partner)
                .and(PARTNER_FILE_LINE.BUSINESS_DATE.eq(day)))) {
            throw ProblemException.notFound("partner file");
        }
        Map<String, Long> ours = new TreeMap<>();
        for (PartnerExchangeRecord row : day(caller, partner, day)) {
            long effective = Exchanges.COMPLETED.equals(row.getState()) ? row.getPartnerPoints() : 0;
            ours.merge(key(row.getDirection(), row.getReference()), effective, Long::sum);
        }
        List<Mismatch> mismatches = new ArrayList<>();
        for (String key : new TreeSet<>(union(ours, theirs))) {
            Long our = ours.get(key);
            Long their = theirs.get(key);
            long ourAmount = our == null ? 0 : our;
            long theirAmount = their == null ? 0 : their;
            if (ourAmount == theirAmount) {
                continue;
            }
            String kind = their == null ? "missing_at_partner" : our == null || ourAmount == 0 && theirAmount > 0
                    ? "missing_at_marketplace" : "amount_differs";
            String[] parts = key.split("\n", 2);
            mismatches.add(new Mismatch(parts[0], parts[1], kind, ourAmount, their));
        }
        return mismatches;
    }

    private static java.util.Set<String> union(Map<String, Long> a, Map<String, Long> b) {
        java.util.Set<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }

    private static String key(String direction, String reference) {
        return (Exchanges.COMPENSATION.equals(direction) ? ExchangeTerms.OUTBOUND : direction) + "\n" + reference;
    }

    Statement statement(Principal caller, UUID partner, LocalDate from, LocalDate to, String currency) {
        PartnerRegistry.requireVisible(caller, partner);
        var rows = dsl.selectFrom(PARTNER_EXCHANGE).where(PARTNER_EXCHANGE.PARTNER_ID.eq(partner))
                .and(PARTNER_EXCHANGE.BUSINESS_DATE.between(from, to))
                .and(PARTNER_EXCHANGE.STATE.eq(Exchanges.COMPLETED)).fetch();
        long toPartner = 0;
        long byPartner = 0;
        for (PartnerExchangeRecord row : rows) {
            if (ExchangeTerms.INBOUND.equals(row.getDirection())) {
                byPartner = Math.addExact(byPartner, row.getSettlementAmount());
            } else {
                toPartner = Math.addExact(toPartner, row.getSettlementAmount());
            }
        }
        return new Statement(partner, from, to, currency, toPartner, byPartner, byPartner - toPartner, rows.size());
    }
}
