package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Principal;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jooq.DSLContext;

/**
 * The operator's settlement terms and figures (decision 31): commission overrides, admission deposits, the platform
 * summary; and the settlement jobs. Each public method is one transaction.
 */
final class CommissionFeeService {

    private final DSLContext dsl;
    private final Commissions commissions;
    private final Reserves reserves;
    private final PlanFees planFees;
    private final PlatformSummary summary = new PlatformSummary();
    /** The deposit the merchant lodged with its application (the merchants domain's); 404 for an unknown merchant. */
    private final Function<UUID, Money> lodgedDeposit;
    private final ZoneId zone;

    CommissionFeeService(DSLContext dsl, Commissions commissions, Reserves reserves, PlanFees planFees,
                         Function<UUID, Money> lodgedDeposit, ZoneId zone) {
        this.dsl = dsl;
        this.commissions = commissions;
        this.reserves = reserves;
        this.planFees = planFees;
        this.lodgedDeposit = lodgedDeposit;
        this.zone = zone;
    }

    Optional<Commissions.Override> override(Principal caller, UUID merchantId) {
        requireOperator(caller, merchantId);
        return commissions.override(dsl, merchantId);
    }

    /** Sets the merchant's rate; it applies to sub-orders charged from now on (decision 31). */
    Commissions.Override setOverride(Principal caller, UUID merchantId, int rateBasisPoints) {
        requireOperator(caller, merchantId);
        return dsl.transactionResult(tx -> commissions.setOverride(tx.dsl(), merchantId, rateBasisPoints,
                caller.subject()));
    }

    void removeOverride(Principal caller, UUID merchantId) {
        requireOperator(caller, merchantId);
        if (!dsl.transactionResult(tx -> commissions.removeOverride(tx.dsl(), merchantId))) {
            throw ProblemException.notFound("commission override");
        }
    }

    /** Records the deposit once per reference; without an amount, the deposit the merchant lodged when it applied. */
    Reserves.Deposit recordDeposit(Principal caller, UUID merchantId, String reference, Optional<Money> amount) {
        Money lodged = requireOperator(caller, merchantId);
        return dsl.transactionResult(tx -> reserves.recordDeposit(tx.dsl(), merchantId, reference,
                amount.orElse(lodged), caller.subject()));
    }

    /** Gives part of the merchant's deposit back once per reference (decision 52). */
    Reserves.DepositRefund refundDeposit(Principal caller, UUID merchantId, String reference, Money amount,
                                         String reason) {
        requireOperator(caller, merchantId);
        return dsl.transactionResult(tx -> reserves.refundDeposit(tx.dsl(), merchantId, reference, amount, reason,
                caller.subject()));
    }

    /** The period [from, to), days in the settlement time zone, as of one snapshot. */
    PlatformSummary.Summary summary(Principal caller, LocalDate from, LocalDate to) {
        if (!caller.isOperator()) {
            throw ProblemException.forbidden("Only the operator reads the platform summary.");
        }
        return dsl.transactionResult(tx -> {
            tx.dsl().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            return summary.of(tx.dsl(), from.atStartOfDay(zone).toOffsetDateTime(),
                    to.atStartOfDay(zone).toOffsetDateTime());
        });
    }

    int chargePlanFees() {
        return planFees.chargeThisMonth();
    }

    int releaseDueReserves() {
        return reserves.releaseDue(dsl);
    }

    /** The operator's alone, for a merchant that exists: answers the merchant's lodged deposit. */
    private Money requireOperator(Principal caller, UUID merchantId) {
        if (!caller.isOperator()) {
            throw ProblemException.forbidden("Only the operator sets a merchant's settlement terms.");
        }
        return lodgedDeposit.apply(merchantId);
    }
}
