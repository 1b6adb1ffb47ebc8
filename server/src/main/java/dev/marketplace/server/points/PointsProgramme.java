package dev.marketplace.server.points;

import static dev.marketplace.schema.Tables.POINTS_CAMPAIGN;
import static dev.marketplace.schema.Tables.POINTS_TIER;

import dev.marketplace.schema.tables.records.PointsCampaignRecord;
import dev.marketplace.schema.tables.records.PointsEntryRecord;
import dev.marketplace.schema.tables.records.PointsLotRecord;
import dev.marketplace.schema.tables.records.PointsTierRecord;
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
    long adjust(Principal caller, UUID customer, long delta, String reason) {
        requireOperator(caller);
        return points.adjust(caller.subject(), customer, delta, reason);
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
            PointsSettings.MerchantCampaignLimits limits = points.settings().merchantCampaigns();
            if (merchant != null && !merchant.equals(caller.id())) {
                errors.add(new FieldError("merchantId", FieldError.OUT_OF_RANGE, "a merchant's campaign is its own"));
            }
            merchant = caller.id();
            if (campaign.multiplierBasisPoints() > limits.maxMultiplierBasisPoints()) {
                errors.add(new FieldError("multiplierBasisPoints", FieldError.OUT_OF_RANGE,
                        "at most " + limits.maxMultiplierBasisPoints() + " for a merchant's campaign"));
            }
            if (Duration.between(campaign.startsAt(), campaign.endsAt()).compareTo(limits.maxDuration()) > 0) {
                errors.add(new FieldError("endsAt", FieldError.OUT_OF_RANGE,
                        "a merchant's campaign runs at most " + limits.maxDuration()));
            }
            if (campaign.capPerOrder() > limits.maxCapPerOrder()) {
                errors.add(new FieldError("capPerOrder", FieldError.OUT_OF_RANGE,
                        "at most " + limits.maxCapPerOrder() + " for a merchant's campaign"));
            }
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
