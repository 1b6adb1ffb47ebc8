package dev.marketplace.server.merchants;

import dev.marketplace.server.platform.money.Money;

/** A plan a merchant can be on, and what it costs per month. */
public record MerchantPlan(String code, Money monthlyFee) {
}
