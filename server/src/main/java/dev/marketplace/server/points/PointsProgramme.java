package dev.marketplace.server.points;

import static dev.marketplace.schema.Tables.POINTS_CAMPAIGN;
import static dev.marketplace.schema.Tables.POINTS_MERCHANT_CAMPAIGN_LIMIT;
import static dev.marketplace.schema.Tables.POINTS_TIER;

import dev.marketplace.schema.tables.records.PointsCampaignRecord;
import dev.marketplace.schema.tables.records.PointsEntryRecord;
import dev.marketplace.schema.tables.records.PointsLotRecord;
import dev.marketplace.schema.tables.records.PointsTierRecord;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * What the API offers: a customer's balance, lots, history and coming expiries (a customer-bound token); the
 * operator's tiers and audited adjustments; campaigns by the operator, and by merchants for their own goods within
 * the operator's limits ({@code points.merchant-campaigns}).
 */
final class PointsProgramme {

    static final int MAX_EXPIRING = 200;

    record NewCampaign(String name, int multiplierBasisPoints, OffsetDateTime startsAt, OffsetDateTime endsAt,
                       long capPerOrder, Optional<UUID> merchantId, Optional<UUID> categoryId) {
    }

    /** A change of a campaign: each field empty when it stays. */
    record CampaignChange(Optional<String> name, Optional<Integer> multiplierBasisPoints,
                          Optional<OffsetDateTime> endsAt, Optional<Long> capPerOrder) {
    }

    /** The limits in force for a merchant's own campaigns; {@code ownLimits}: the operator's for it, not defaults. */
    record MerchantLimits(UUID merchantId, PointsSettings.MerchantCampaignLimits limits, boolean ownLimits) {
    }

    private final DSLContext dsl;
    private final PointsService points;
    private final PointsRepository repository = new PointsRepository();

    PointsProgramme(DSLContext dsl, PointsService points) {
        this.dsl = dsl;
        this.points = points;
    }

    PointsService.Balance balance(Principal caller) {
        return points.balance(customerOf(caller));
    }

    Page<PointsLotRecord> lots(Principal caller, PageRequest page) {
        return Page.fromLookahead(repository.lots(dsl, customerOf(caller), page), page.limit(),
                lot -> Cursor.of(lot.getEarnedAt().toString(), lot.getId().toString()));
    }

    Page<PointsEntryRecord> history(Principal caller, PageRequest page) {
        return Page.fromLookahead(repository.entries(dsl, customerOf(caller), page), page.limit(),
                entry -> Cursor.of(entry.getId().toString()));
    }

    List<PointsLotRecord> expiring(Principal caller, long days) {
        return points.expiring(customerOf(caller), days, MAX_EXPIRING);
    }

    /** The operator's adjustment of a customer's points, with its reason; returns the available balance after. */
    long adjust(Principal caller, UUID customer, long delta, String reason, Optional<OffsetDateTime> expiresAt) {
        requireOperator(caller);
        return points.adjust(caller.subject(), customer, delta, reason, expiresAt);
    }

    Page<PointsCampaignRecord> campaigns(Principal caller, PageRequest page) {
        requireOperatorOrMerchant(caller);
        return Page.fromLookahead(repository.campaigns(dsl, caller, page), page.limit(),
                campaign -> Cursor.of(campaign.getCreatedAt().toString(), campaign.getId().toString()));
    }

    /**
     * The operator's campaigns are platform-wide or for one merchant (and paid by the platform, or by that merchant
     * when it names one); a merchant's are its own, paid by it, within the operator's limits.
     */
    PointsCampaignRecord createCampaign(Principal caller, NewCampaign campaign) {
        requireOperatorOrMerchant(caller);
        List<FieldError> errors = new ArrayList<>();
        if (!campaign.endsAt().isAfter(campaign.startsAt())) {
            errors.add(new FieldError("endsAt", FieldError.OUT_OF_RANGE, "must be after startsAt"));
        }
        UUID merchant = campaign.merchantId().orElse(null);
        if (caller.type() == PrincipalType.MERCHANT) {
            if (merchant != null && !merchant.equals(caller.id())) {
                errors.add(new FieldError("merchantId", FieldError.OUT_OF_RANGE, "a merchant's campaign is its own"));
            }
            merchant = caller.id();
            errors.addAll(beyondLimits(merchantLimits(dsl, caller.id()).limits(), campaign.multiplierBasisPoints(),
                    campaign.startsAt(), campaign.endsAt(), campaign.capPerOrder()));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        UUID owner = merchant;
        return dsl.transactionResult(tx -> tx.dsl().insertInto(POINTS_CAMPAIGN)
                .set(POINTS_CAMPAIGN.ID, UUID.randomUUID())
                .set(POINTS_CAMPAIGN.MERCHANT_ID, owner)
                .set(POINTS_CAMPAIGN.CATEGORY_ID, campaign.categoryId().orElse(null))
                .set(POINTS_CAMPAIGN.NAME, campaign.name())
                .set(POINTS_CAMPAIGN.MULTIPLIER_BP, campaign.multiplierBasisPoints())
                .set(POINTS_CAMPAIGN.STARTS_AT, campaign.startsAt())
                .set(POINTS_CAMPAIGN.ENDS_AT, campaign.endsAt())
                .set(POINTS_CAMPAIGN.CAP_PER_ORDER, campaign.capPerOrder())
                .set(POINTS_CAMPAIGN.CREATED_BY, caller.subject())
                .returning().fetchSingle());
    }

    /** What a merchant's campaign of these terms would pass of its limits, one error per field. */
    private static List<FieldError> beyondLimits(PointsSettings.MerchantCampaignLimits limits, int multiplier,
                                                 OffsetDateTime startsAt, OffsetDateTime endsAt, long capPerOrder) {
        List<FieldError> errors = new ArrayList<>();
        if (multiplier > limits.maxMultiplierBasisPoints()) {
            errors.add(new FieldError("multiplierBasisPoints", FieldError.OUT_OF_RANGE,
                    "at most " + limits.maxMultiplierBasisPoints() + " for a merchant's campaign"));
        }
        if (Duration.between(startsAt, endsAt).compareTo(limits.maxDuration()) > 0) {
            errors.add(new FieldError("endsAt", FieldError.OUT_OF_RANGE,
                    "a merchant's campaign runs at most " + limits.maxDuration()));
        }
        if (capPerOrder > limits.maxCapPerOrder()) {
            errors.add(new FieldError("capPerOrder", FieldError.OUT_OF_RANGE,
                    "at most " + limits.maxCapPerOrder() + " for a merchant's campaign"));
        }
        return errors;
    }

    /**
     * Changes a campaign (the operator any, a merchant its own within its limits). Before it starts anything may
     * change; once started, orders may have earned by its rate and cap, so only its name and end change (409
     * {@code campaign_started}); an ended one does not change (409 {@code campaign_ended}). The end stays later
     * than now: ending it now is {@link #endCampaign}.
     */
    PointsCampaignRecord changeCampaign(Principal caller, UUID id, CampaignChange change, ExpectedVersion expected) {
        requireOperatorOrMerchant(caller);
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            PointsCampaignRecord campaign = db.selectFrom(POINTS_CAMPAIGN).where(POINTS_CAMPAIGN.ID.eq(id))
                    .and(PointsRepository.visibleTo(caller)).forUpdate().fetchOptional()
                    .orElseThrow(() -> ProblemException.notFound("campaign"));
            expected.check(campaign.getVersion());
            OffsetDateTime now = points.now();
            if (!campaign.getEndsAt().isAfter(now)) {
                throw ProblemException.conflict("campaign_ended", "The campaign has ended; it does not change.");
            }
            boolean termsChange = change.multiplierBasisPoints().filter(m -> m != campaign.getMultiplierBp())
                    .isPresent() || change.capPerOrder().filter(cap -> cap != campaign.getCapPerOrder()).isPresent();
            if (termsChange && !campaign.getStartsAt().isAfter(now)) {
                throw ProblemException.conflict("campaign_started", "The campaign has started: orders may have earned "
                        + "by its multiplier and cap, so only its name and end can change.");
            }
            int multiplier = change.multiplierBasisPoints().orElse(campaign.getMultiplierBp());
            OffsetDateTime endsAt = change.endsAt().orElse(campaign.getEndsAt());
            long cap = change.capPerOrder().orElse(campaign.getCapPerOrder());
            List<FieldError> errors = new ArrayList<>();
            if (!endsAt.isAfter(now) || !endsAt.isAfter(campaign.getStartsAt())) {
                errors.add(new FieldError("endsAt", FieldError.OUT_OF_RANGE,
                        "must be later than now and than startsAt (to end the campaign now, end it)"));
            }
            if (caller.type() == PrincipalType.MERCHANT) {
                errors.addAll(beyondLimits(merchantLimits(db, caller.id()).limits(), multiplier,
                        campaign.getStartsAt(), endsAt, cap));
            }
            if (!errors.isEmpty()) {
                throw ProblemException.validation(errors);
            }
            return db.update(POINTS_CAMPAIGN).set(POINTS_CAMPAIGN.NAME, change.name().orElse(campaign.getName()))
                    .set(POINTS_CAMPAIGN.MULTIPLIER_BP, multiplier).set(POINTS_CAMPAIGN.ENDS_AT, endsAt)
                    .set(POINTS_CAMPAIGN.CAP_PER_ORDER, cap).set(POINTS_CAMPAIGN.VERSION, POINTS_CAMPAIGN.VERSION.plus(1))
                    .where(POINTS_CAMPAIGN.ID.eq(id)).returning().fetchSingle();
        });
    }

    /** The limits in force for the merchant's campaigns: the operator's for it, else the defaults. */
    MerchantLimits merchantLimits(Principal caller, UUID merchantId) {
        if (!caller.isOperator() && !(caller.type() == PrincipalType.MERCHANT && caller.id().equals(merchantId))) {
            throw ProblemException.notFound("merchant");
        }
        return merchantLimits(dsl, merchantId);
    }

    private MerchantLimits merchantLimits(DSLContext db, UUID merchantId) {
        return db.selectFrom(POINTS_MERCHANT_CAMPAIGN_LIMIT)
                .where(POINTS_MERCHANT_CAMPAIGN_LIMIT.MERCHANT_ID.eq(merchantId)).fetchOptional()
                .map(row -> new MerchantLimits(merchantId, new PointsSettings.MerchantCampaignLimits(
                        row.getMaxMultiplierBp(), Duration.ofHours(row.getMaxDurationHours()), row.getMaxCapPerOrder()),
                        true))
                .orElseGet(() -> new MerchantLimits(merchantId, points.settings().merchantCampaigns(), false));
    }

    /** The operator sets a merchant's limits; campaigns created before keep their terms. */
    MerchantLimits putMerchantLimits(Principal caller, UUID merchantId, int maxMultiplierBasisPoints,
                                     int maxDurationHours, long maxCapPerOrder) {
        requireOperator(caller);
        dsl.transaction(tx -> tx.dsl().insertInto(POINTS_MERCHANT_CAMPAIGN_LIMIT)
                .set(POINTS_MERCHANT_CAMPAIGN_LIMIT.MERCHANT_ID, merchantId)
                .set(POINTS_MERCHANT_CAMPAIGN_LIMIT.MAX_MULTIPLIER_BP, maxMultiplierBasisPoints)
                .set(POINTS_MERCHANT_CAMPAIGN_LIMIT.MAX_DURATION_HOURS, maxDurationHours)
                .set(POINTS_MERCHANT_CAMPAIGN_LIMIT.MAX_CAP_PER_ORDER, maxCapPerOrder)
                .set(POINTS_MERCHANT_CAMPAIGN_LIMIT.UPDATED_BY, caller.subject())
                .onConflict(POINTS_MERCHANT_CAMPAIGN_LIMIT.MERCHANT_ID).doUpdate()
                .set(POINTS_MERCHANT_CAMPAIGN_LIMIT.MAX_MULTIPLIER_BP, maxMultiplierBasisPoints)
                .set(POINTS_MERCHANT_CAMPAIGN_LIMIT.MAX_DURATION_HOURS, maxDurationHours)
                .set(POINTS_MERCHANT_CAMPAIGN_LIMIT.MAX_CAP_PER_ORDER, maxCapPerOrder)
                .set(POINTS_MERCHANT_CAMPAIGN_LIMIT.UPDATED_BY, caller.subject())
                .set(POINTS_MERCHANT_CAMPAIGN_LIMIT.UPDATED_AT, DSL.currentOffsetDateTime())
                .execute());
        return merchantLimits(dsl, merchantId);
    }

    /**
     * Ends the campaign now (its end moves to now when later; one not yet started never runs): orders paid from now
     * on earn without it. The operator ends any campaign, a merchant its own.
     */
    PointsCampaignRecord endCampaign(Principal caller, UUID id) {
        requireOperatorOrMerchant(caller);
        return dsl.transactionResult(tx -> {
            PointsCampaignRecord campaign = tx.dsl().selectFrom(POINTS_CAMPAIGN).where(POINTS_CAMPAIGN.ID.eq(id))
                    .and(PointsRepository.visibleTo(caller)).forUpdate().fetchOptional()
                    .orElseThrow(() -> ProblemException.notFound("campaign"));
            OffsetDateTime now = points.now();
            if (!campaign.getEndsAt().isAfter(now)) {
                return campaign;
            }
            OffsetDateTime end = now.isAfter(campaign.getStartsAt()) ? now : campaign.getStartsAt().plusNanos(1_000);
            return tx.dsl().update(POINTS_CAMPAIGN).set(POINTS_CAMPAIGN.ENDS_AT, end)
                    .set(POINTS_CAMPAIGN.VERSION, POINTS_CAMPAIGN.VERSION.plus(1)).where(POINTS_CAMPAIGN.ID.eq(id))
                    .returning().fetchSingle();
        });
    }

    /** What one point is worth at checkout. */
    Money pointValue() {
        return Money.of(points.settings().pointValue(), points.settings().currency());
    }

    List<PointsTierRecord> tiers() {
        return repository.tiers(dsl);
    }

    /** Creates or changes a tier (operator); the tier job places customers by it from its next run. */
    PointsTierRecord putTier(Principal caller, String name, long minSpend, int bonusBasisPoints) {
        requireOperator(caller);
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            boolean spendTaken = db.fetchExists(POINTS_TIER, POINTS_TIER.MIN_SPEND.eq(minSpend)
                    .and(POINTS_TIER.NAME.ne(name)));
            if (spendTaken) {
                throw ProblemException.conflict("tier_spend_taken", "Another tier starts at that spend.");
            }
            return db.insertInto(POINTS_TIER).set(POINTS_TIER.NAME, name).set(POINTS_TIER.MIN_SPEND, minSpend)
                    .set(POINTS_TIER.BONUS_BP, bonusBasisPoints)
                    .onConflict(POINTS_TIER.NAME).doUpdate().set(POINTS_TIER.MIN_SPEND, minSpend)
                    .set(POINTS_TIER.BONUS_BP, bonusBasisPoints).set(POINTS_TIER.VERSION, POINTS_TIER.VERSION.plus(1))
                    .returning().fetchSingle();
        });
    }

    private static UUID customerOf(Principal caller) {
        return caller.customer().orElseThrow(() -> new ProblemException(403, "customer_required", "Forbidden",
                "Points are read with a token acting for the customer."));
    }

    private static void requireOperator(Principal caller) {
        if (!caller.isOperator()) {
            throw ProblemException.forbidden("Only the operator does this.");
        }
    }

    private static void requireOperatorOrMerchant(Principal caller) {
        if (!caller.isOperator() && caller.type() != PrincipalType.MERCHANT) {
            throw ProblemException.forbidden("Campaigns are the operator's and merchants'.");
        }
    }
}
