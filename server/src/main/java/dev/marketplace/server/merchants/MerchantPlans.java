package dev.marketplace.server.merchants;

import dev.marketplace.server.platform.money.Money;
import io.helidon.config.Config;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The plans merchants can choose, from configuration: {@code merchants.plans.<code>.monthly.fee.amount} and
 * {@code .currency}; "standard" at 50,000 JPY a month when none are configured. Configuration rather than a
 * table because plans change with a release of the price list, not at runtime, and a merchant keeps the fee
 * it agreed to (copied into its row when it applies).
 */
public final class MerchantPlans {

    private final Map<String, MerchantPlan> plans;

    private MerchantPlans(Map<String, MerchantPlan> plans) {
        this.plans = Map.copyOf(plans);
    }

    /** From the {@code merchants} configuration node. */
    public static MerchantPlans from(Config merchants) {
        Map<String, MerchantPlan> plans = new TreeMap<>();
        merchants.get("plans").asNodeList().orElse(java.util.List.of()).forEach(plan -> plans.put(
                plan.name(), new MerchantPlan(plan.name(), Money.of(
                        plan.get("monthly.fee.amount").asLong().get(),
                        plan.get("monthly.fee.currency").asString().get()))));
        if (plans.isEmpty()) {
            plans.put("standard", new MerchantPlan("standard", Money.of(50_000, "JPY")));
        }
        return new MerchantPlans(plans);
    }

    public Optional<MerchantPlan> find(String code) {
        return Optional.ofNullable(plans.get(code));
    }

    public Set<String> codes() {
        return plans.keySet();
    }
}
