package dev.marketplace.server.points;

import static dev.marketplace.schema.Tables.POINTS_CAMPAIGN;
import static dev.marketplace.schema.Tables.POINTS_ENTRY;
import static dev.marketplace.schema.Tables.POINTS_LOT;
import static dev.marketplace.schema.Tables.POINTS_TIER;

import dev.marketplace.schema.tables.records.PointsCampaignRecord;
import dev.marketplace.schema.tables.records.PointsEntryRecord;
import dev.marketplace.schema.tables.records.PointsLotRecord;
import dev.marketplace.schema.tables.records.PointsTierRecord;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Reads of the points tables for the API; a customer's rows by the customer its token acts for. */
final class PointsRepository {

    /** The customer's lots, newest first. */
    List<PointsLotRecord> lots(DSLContext db, UUID customer, PageRequest page) {
        Condition after = page.after().map(cursor -> DSL.row(POINTS_LOT.EARNED_AT, POINTS_LOT.ID)
                .lt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(POINTS_LOT).where(POINTS_LOT.CUSTOMER_ID.eq(customer)).and(after)
                .orderBy(POINTS_LOT.EARNED_AT.desc(), POINTS_LOT.ID.desc()).limit(page.fetchSize()).fetch();
    }

    /** The customer's points ledger, newest first. */
    List<PointsEntryRecord> entries(DSLContext db, UUID customer, PageRequest page) {
        Condition after = page.after().map(cursor -> POINTS_ENTRY.ID.lt(Long.parseLong(cursor.keys().getFirst())))
                .orElse(DSL.noCondition());
        return db.selectFrom(POINTS_ENTRY).where(POINTS_ENTRY.CUSTOMER_ID.eq(customer)).and(after)
                .orderBy(POINTS_ENTRY.ID.desc()).limit(page.fetchSize()).fetch();
    }

    /** The campaigns the viewer may see (the operator all, a merchant its own), newest first. */
    List<PointsCampaignRecord> campaigns(DSLContext db, Principal viewer, PageRequest page) {
        Condition after = page.after().map(cursor -> DSL.row(POINTS_CAMPAIGN.CREATED_AT, POINTS_CAMPAIGN.ID)
                .lt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(POINTS_CAMPAIGN).where(visibleTo(viewer)).and(after)
                .orderBy(POINTS_CAMPAIGN.CREATED_AT.desc(), POINTS_CAMPAIGN.ID.desc()).limit(page.fetchSize()).fetch();
    }

    static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, DSL.inline(PrincipalType.MERCHANT.wireName()), POINTS_CAMPAIGN.MERCHANT_ID);
    }

    List<PointsTierRecord> tiers(DSLContext db) {
        return db.selectFrom(POINTS_TIER).orderBy(POINTS_TIER.MIN_SPEND).fetch();
    }
}
