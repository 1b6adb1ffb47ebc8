package dev.marketplace.server.promotions;

import static dev.marketplace.schema.Tables.PROMOTION_COUPON;
import static dev.marketplace.schema.Tables.PROMOTION_REDEMPTION;

import dev.marketplace.schema.tables.records.PromotionCouponRecord;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.impl.DSL;

/** Reads of coupons for the API: the operator sees all, a merchant the coupons it funds. */
final class PromotionsRepository {

    /** A coupon with its uses (by orders placed or paid) and what its discounts cost, both from its redemptions. */
    record CouponRow(PromotionCouponRecord coupon, long uses, long spent) {
    }

    private static final Field<Integer> USES = DSL.field(DSL.selectCount().from(PROMOTION_REDEMPTION)
            .where(PROMOTION_REDEMPTION.COUPON_ID.eq(PROMOTION_COUPON.ID))
            .and(PROMOTION_REDEMPTION.USE_RETURNED.isFalse())).as("uses");
    private static final Field<BigDecimal> SPENT = DSL.field(DSL.select(DSL.coalesce(
                    DSL.sum(PROMOTION_REDEMPTION.AMOUNT.minus(PROMOTION_REDEMPTION.RETURNED)), BigDecimal.ZERO))
            .from(PROMOTION_REDEMPTION).where(PROMOTION_REDEMPTION.COUPON_ID.eq(PROMOTION_COUPON.ID))).as("spent");

    /** The coupons the viewer may see, newest first. */
    List<CouponRow> coupons(DSLContext db, Principal viewer, PageRequest page) {
        Condition after = page.after().map(cursor -> DSL.row(PROMOTION_COUPON.CREATED_AT, PROMOTION_COUPON.ID)
                .lt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return select(db).where(visibleTo(viewer)).and(after)
                .orderBy(PROMOTION_COUPON.CREATED_AT.desc(), PROMOTION_COUPON.ID.desc()).limit(page.fetchSize())
                .fetch(PromotionsRepository::row);
    }

    Optional<CouponRow> coupon(DSLContext db, Principal viewer, UUID id) {
        return select(db).where(PROMOTION_COUPON.ID.eq(id)).and(visibleTo(viewer)).fetchOptional()
                .map(PromotionsRepository::row);
    }

    private static org.jooq.SelectJoinStep<Record> select(DSLContext db) {
        return db.select(PROMOTION_COUPON.fields()).select(USES, SPENT).from(PROMOTION_COUPON);
    }

    private static CouponRow row(Record record) {
        return new CouponRow(record.into(PROMOTION_COUPON), record.get(USES), record.get(SPENT).longValueExact());
    }

    static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, DSL.inline(PrincipalType.MERCHANT.wireName()), PROMOTION_COUPON.MERCHANT_ID);
    }
}
