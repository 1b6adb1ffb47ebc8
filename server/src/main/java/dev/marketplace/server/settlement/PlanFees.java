package dev.marketplace.server.settlement;

import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.money.Money;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.jooq.DSLContext;

/**
 * The monthly plan fee (decision 31): each merchant that holds a plan (active, suspended or frozen) is charged its
 * plan's fee once per calendar month. The job may run on every node, as often as it likes: the movement's
 * idempotency id {@code plan_fee:{merchant}:{yyyy-mm}} is unique in the outbox, so a month's fee is recorded once
 * and the ledger subscriber posts it once.
 */
final class PlanFees {

    static final String JOB = "settlement.plan-fees";

    /** The merchants' side: each merchant that owes a plan fee, with its plan's monthly fee. */
    @FunctionalInterface
    interface Plans {
        void forEachOwing(BiConsumer<UUID, Money> merchantAndFee);
    }

    private final DSLContext dsl;
    private final Plans plans;
    private final Clock clock;
    private final ZoneId monthZone;

    PlanFees(DSLContext dsl, Plans plans, Clock clock, ZoneId monthZone) {
        this.dsl = dsl;
        this.plans = plans;
        this.clock = clock;
        this.monthZone = monthZone;
    }

    /** Charges this month's fee to every merchant not yet charged it; returns how many were charged now. */
    int chargeThisMonth() {
        YearMonth month = YearMonth.now(clock.withZone(monthZone));
        int[] charged = {0};
        plans.forEachOwing((merchantId, fee) -> {
            if (fee.amount() > 0 && dsl.transactionResult(tx -> DomainEvents.append(tx.dsl(),
                    SettlementMovements.planFeeCharged(merchantId, month, fee)))) {
                charged[0]++;
            }
        });
        return charged[0];
    }
}
