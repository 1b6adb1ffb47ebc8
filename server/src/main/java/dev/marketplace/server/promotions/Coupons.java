package dev.marketplace.server.promotions;

import static dev.marketplace.schema.Tables.PROMOTION_COUPON;
import static dev.marketplace.schema.Tables.PROMOTION_COUPON_STRIPE;

import dev.marketplace.schema.tables.records.PromotionCouponRecord;
import dev.marketplace.schema.tables.records.PromotionCouponStripeRecord;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.Constraints;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

/**
 * What the API offers on coupons: the operator's (platform-funded, or funded by a merchant it names) and merchants'
 * own (funded by them, covering only their goods); listing, reading, changing and ending them early.
 */
final class Coupons {

    private static final String CODE_TAKEN = "promotion_coupon_code_key";
    /** How many checkouts can count a use of one coupon at once (decision 42). */
    private static final int STRIPES = 16;

    /** A coupon as asked for: the amounts are minor units of {@code currency}; empty restrictions cover everything. */
    record NewCoupon(Optional<String> code, String name, String kind, Optional<Integer> percentageBasisPoints,
                     Optional<Long> amountOff, String currency, long minSpend, OffsetDateTime startsAt,
                     OffsetDateTime endsAt, Optional<Long> maxUses, Optional<Long> budget,
                     Optional<Integer> maxUsesPerCustomer, Optional<UUID> merchantId, List<UUID> merchantIds,
                     List<UUID> categoryIds, List<UUID> productIds) {
    }

    /** A change of a coupon: each field empty when it stays as it is (decision 54). */
    record CouponChange(Optional<String> name, Optional<Integer> percentageBasisPoints, Optional<Money> amountOff,
                        Optional<Money> minSpend, Optional<OffsetDateTime> endsAt, Optional<Long> maxUses,
                        Optional<Money> budget, Optional<Integer> maxUsesPerCustomer) {

        boolean changesTheDiscount() {
            return percentageBasisPoints.isPresent() || amountOff.isPresent() || minSpend.isPresent();
        }
    }

    private final DSLContext dsl;
    private final CouponService coupons;
    private final PromotionsRepository repository = new PromotionsRepository();

    Coupons(DSLContext dsl, CouponService coupons) {
        this.dsl = dsl;
        this.coupons = coupons;
    }

    Page<PromotionsRepository.CouponRow> list(Principal caller, PageRequest page) {
        requireOperatorOrMerchant(caller);
        return Page.fromLookahead(repository.coupons(dsl, caller, page), page.limit(),
                row -> Cursor.of(row.coupon().getCreatedAt().toString(), row.coupon().getId().toString()));
    }

    PromotionsRepository.CouponRow get(Principal caller, UUID id) {
        requireOperatorOrMerchant(caller);
        return repository.coupon(dsl, caller, id).orElseThrow(() -> ProblemException.notFound("coupon"));
    }

    PromotionsRepository.CouponRow create(Principal caller, NewCoupon coupon) {
        requireOperatorOrMerchant(caller);
        List<FieldError> errors = new ArrayList<>();
        if (!coupon.endsAt().isAfter(coupon.startsAt())) {
            errors.add(new FieldError("endsAt", FieldError.OUT_OF_RANGE, "must be after startsAt"));
        }
        if ("percentage".equals(coupon.kind()) != coupon.percentageBasisPoints().isPresent()) {
            errors.add(new FieldError("percentageBasisPoints", FieldError.REQUIRED,
                    "is given for, and only for, a percentage coupon"));
        }
        if ("fixed_amount".equals(coupon.kind()) != coupon.amountOff().isPresent()) {
            errors.add(new FieldError("amountOff", FieldError.REQUIRED,
                    "is given for, and only for, a fixed_amount coupon"));
        }
        UUID funder = coupon.merchantId().orElse(null);
        if (caller.type() == PrincipalType.MERCHANT) {
            if (funder != null && !funder.equals(caller.id())) {
                errors.add(new FieldError("merchantId", FieldError.OUT_OF_RANGE, "a merchant's coupon is its own"));
            }
            funder = caller.id();
        }
        if (funder != null && !coupon.merchantIds().isEmpty()) {
            errors.add(new FieldError("merchantIds", FieldError.OUT_OF_RANGE,
                    "a merchant-funded coupon covers only its merchant's goods"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        UUID owner = funder;
        try {
            return dsl.transactionResult(tx -> {
                UUID id = UUID.randomUUID();
                tx.dsl().insertInto(PROMOTION_COUPON)
                    .set(PROMOTION_COUPON.ID, id)
                    .set(PROMOTION_COUPON.CODE, coupon.code().map(code -> code.toUpperCase(Locale.ROOT)).orElse(null))
                    .set(PROMOTION_COUPON.MERCHANT_ID, owner)
                    .set(PROMOTION_COUPON.NAME, coupon.name())
                    .set(PROMOTION_COUPON.KIND, coupon.kind())
                    .set(PROMOTION_COUPON.PERCENTAGE_BP, coupon.percentageBasisPoints().orElse(null))
                    .set(PROMOTION_COUPON.AMOUNT_OFF, coupon.amountOff().orElse(null))
                    .set(PROMOTION_COUPON.CURRENCY, coupon.currency())
                    .set(PROMOTION_COUPON.MIN_SPEND, coupon.minSpend())
                    .set(PROMOTION_COUPON.STARTS_AT, coupon.startsAt())
                    .set(PROMOTION_COUPON.ENDS_AT, coupon.endsAt())
                    .set(PROMOTION_COUPON.MAX_USES, coupon.maxUses().orElse(null))
                    .set(PROMOTION_COUPON.BUDGET, coupon.budget().orElse(null))
                    .set(PROMOTION_COUPON.MAX_USES_PER_CUSTOMER, coupon.maxUsesPerCustomer().orElse(null))
                    .set(PROMOTION_COUPON.MERCHANT_IDS, coupon.merchantIds().toArray(UUID[]::new))
                    .set(PROMOTION_COUPON.CATEGORY_IDS, coupon.categoryIds().toArray(UUID[]::new))
                    .set(PROMOTION_COUPON.PRODUCT_IDS, coupon.productIds().toArray(UUID[]::new))
                    .set(PROMOTION_COUPON.CREATED_BY, caller.subject())
                    .execute();
                coupon.maxUses().ifPresent(uses -> insertStripes(tx.dsl(), id, uses));
                return repository.coupon(tx.dsl(), caller, id).orElseThrow();
            });
        } catch (DataAccessException e) {
            if (Constraints.isViolated(e, CODE_TAKEN)) {
                throw ProblemException.conflict("coupon_code_taken", "Another coupon has this code.");
            }
            throw e;
        }
    }

    /** The coupon's uses split over its stripes, exactly (some stripes hold one more). */
    private static void insertStripes(DSLContext db, UUID couponId, long maxUses) {
        int stripes = (int) Math.min(STRIPES, maxUses);
        var insert = db.insertInto(PROMOTION_COUPON_STRIPE, PROMOTION_COUPON_STRIPE.COUPON_ID,
                PROMOTION_COUPON_STRIPE.STRIPE, PROMOTION_COUPON_STRIPE.MAX_USES);
        for (int stripe = 0; stripe < stripes; stripe++) {
            insert = insert.values(couponId, stripe, maxUses / stripes + (stripe < maxUses % stripes ? 1 : 0));
        }
        insert.execute();
    }

    /**
     * Ends the coupon now (its end moves to now when later): checkouts from now on refuse it; orders placed with it
     * keep their discount.
     */
    PromotionsRepository.CouponRow end(Principal caller, UUID id) {
        requireOperatorOrMerchant(caller);
        return dsl.transactionResult(tx -> {
            PromotionCouponRecord coupon = repository.coupon(tx.dsl(), caller, id)
                    .orElseThrow(() -> ProblemException.notFound("coupon")).coupon();
            OffsetDateTime now = coupons.now();
            if (coupon.getEndsAt().isAfter(now)) {
                OffsetDateTime end = now.isAfter(coupon.getStartsAt()) ? now : coupon.getStartsAt().plusNanos(1000);
                tx.dsl().update(PROMOTION_COUPON).set(PROMOTION_COUPON.ENDS_AT, end)
                        .set(PROMOTION_COUPON.VERSION, PROMOTION_COUPON.VERSION.plus(1))
                        .where(PROMOTION_COUPON.ID.eq(id)).execute();
            }
            return repository.coupon(tx.dsl(), caller, id).orElseThrow();
        });
    }

    /**
     * Changes the coupon under decision 54's rules: the discount (percentage, amount off, minimum spend) only before
     * it starts; the name, end and limits also while it runs; nothing once ended. Its stripes are locked first (in
     * order, as a checkout takes one stripe and then the coupon's row for its budget), then its row: a checkout
     * counting a use or spending the budget meanwhile has either committed (and is counted here) or waits and then
     * sees the new limits. A new use limit keeps every stripe's uses and spreads the uses left over up to 16 stripes.
     */
    PromotionsRepository.CouponRow change(Principal caller, UUID id, CouponChange change, ExpectedVersion expected) {
        requireOperatorOrMerchant(caller);
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            repository.coupon(db, caller, id).orElseThrow(() -> ProblemException.notFound("coupon"));
            var stripes = db.selectFrom(PROMOTION_COUPON_STRIPE).where(PROMOTION_COUPON_STRIPE.COUPON_ID.eq(id))
                    .orderBy(PROMOTION_COUPON_STRIPE.STRIPE).forUpdate().fetch();
            PromotionCouponRecord coupon = db.selectFrom(PROMOTION_COUPON).where(PROMOTION_COUPON.ID.eq(id))
                    .forUpdate().fetchSingle();
            expected.check(coupon.getVersion());
            OffsetDateTime now = coupons.now();
            if (!coupon.getEndsAt().isAfter(now)) {
                throw ProblemException.conflict("coupon_ended", "An ended coupon does not change.");
            }
            if (change.changesTheDiscount() && !now.isBefore(coupon.getStartsAt())) {
                throw ProblemException.conflict("coupon_started", "The coupon has started: orders may have been "
                        + "discounted by it, so its percentage, amount off and minimum spend stay as they are.");
            }
            refuseInvalid(coupon, change, now);
            change.name().ifPresent(coupon::setName);
            change.percentageBasisPoints().ifPresent(coupon::setPercentageBp);
            change.amountOff().ifPresent(amount -> coupon.setAmountOff(amount.amount()));
            change.minSpend().ifPresent(amount -> coupon.setMinSpend(amount.amount()));
            change.endsAt().ifPresent(coupon::setEndsAt);
            if (change.maxUses().isPresent()) {
                long used = stripes.stream().mapToLong(PromotionCouponStripeRecord::getUses).sum();
                long max = change.maxUses().get();
                if (max < used) {
                    throw belowUsed("maxUses", used);
                }
                respread(db, id, stripes, max, used);
                coupon.setMaxUses(max);
            }
            if (change.budget().isPresent()) {
                long budget = change.budget().get().amount();
                if (budget < coupon.getBudgetSpent()) {
                    throw belowUsed("budget", coupon.getBudgetSpent());
                }
                coupon.setBudget(budget);
            }
            change.maxUsesPerCustomer().ifPresent(coupon::setMaxUsesPerCustomer);
            coupon.setVersion(coupon.getVersion() + 1);
            coupon.update();
            return repository.coupon(db, caller, id).orElseThrow();
        });
    }

    /** 400 for a field that does not fit the coupon; 409 for a limit it was created without. */
    private static void refuseInvalid(PromotionCouponRecord coupon, CouponChange change, OffsetDateTime now) {
        List<FieldError> errors = new ArrayList<>();
        if (change.percentageBasisPoints().isPresent() && !"percentage".equals(coupon.getKind())) {
            errors.add(new FieldError("percentageBasisPoints", FieldError.OUT_OF_RANGE, "is for a percentage coupon"));
        }
        if (change.amountOff().isPresent() && !"fixed_amount".equals(coupon.getKind())) {
            errors.add(new FieldError("amountOff", FieldError.OUT_OF_RANGE, "is for a fixed_amount coupon"));
        }
        for (var money : List.of(java.util.Map.entry("amountOff", change.amountOff()),
                java.util.Map.entry("minSpend", change.minSpend()), java.util.Map.entry("budget", change.budget()))) {
            if (money.getValue().isPresent() && !money.getValue().get().currency().equals(coupon.getCurrency())) {
                errors.add(new FieldError(money.getKey() + "/currency", FieldError.OUT_OF_RANGE,
                        "must be the coupon's currency " + coupon.getCurrency()));
            }
        }
        change.endsAt().ifPresent(end -> {
            if (!end.isAfter(now) || !end.isAfter(coupon.getStartsAt())) {
                errors.add(new FieldError("endsAt", FieldError.OUT_OF_RANGE,
                        "must be later than now and than startsAt (to end it now, use /end)"));
            }
        });
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        if (change.maxUses().isPresent() && coupon.getMaxUses() == null
                || change.budget().isPresent() && coupon.getBudget() == null
                || change.maxUsesPerCustomer().isPresent() && coupon.getMaxUsesPerCustomer() == null) {
            throw ProblemException.conflict("coupon_limit_absent", "The coupon was created without this limit: its "
                    + "uses were not counted against one, so it cannot be added now.");
        }
    }

    private static ProblemException belowUsed(String field, long used) {
        return ProblemException.conflict("coupon_limit_below_used", "The new " + field + " is below what is already "
                + "used (" + used + ").");
    }

    /**
     * {@code max} uses over the coupon's stripes (locked), each keeping the uses it holds: the uses left are spread
     * evenly over up to {@link #STRIPES} stripes (new ones numbered after the last); a stripe left with no use at all
     * is removed (no order holds a use on it, so none gives one back to it).
     */
    private static void respread(DSLContext db, UUID couponId, List<PromotionCouponStripeRecord> stripes, long max,
                                 long used) {
        int count = (int) Math.max(stripes.size(), Math.min(STRIPES, max));
        long left = max - used;
        int next = stripes.stream().mapToInt(PromotionCouponStripeRecord::getStripe).max().orElse(-1) + 1;
        for (int i = 0; i < count; i++) {
            long share = left / count + (i < left % count ? 1 : 0);
            if (i < stripes.size()) {
                PromotionCouponStripeRecord stripe = stripes.get(i);
                long stripeMax = stripe.getUses() + share;
                if (stripeMax == 0) {
                    stripe.delete();
                } else {
                    stripe.setMaxUses(stripeMax);
                    stripe.update();
                }
            } else if (share > 0) {
                db.insertInto(PROMOTION_COUPON_STRIPE).set(PROMOTION_COUPON_STRIPE.COUPON_ID, couponId)
                        .set(PROMOTION_COUPON_STRIPE.STRIPE, next++).set(PROMOTION_COUPON_STRIPE.MAX_USES, share)
                        .execute();
            }
        }
    }

    private static void requireOperatorOrMerchant(Principal caller) {
        if (!caller.isOperator() && caller.type() != PrincipalType.MERCHANT) {
            throw ProblemException.forbidden("Coupons are the operator's and merchants'.");
        }
    }
}
