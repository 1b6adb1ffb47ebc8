package dev.marketplace.server.orders;

import dev.marketplace.server.catalog.VariantForSale;
import dev.marketplace.server.platform.money.Money;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Prices lines from the catalog's current prices (never the client's), split per merchant. Tax is computed once per
 * merchant and rate and rounded down, as on a Japanese qualified invoice (one rounding per rate per invoice), then
 * spread over that rate's lines in proportion to their subtotals so the lines add up to it exactly.
 */
final class Pricing {

    record Item(VariantForSale variant, long quantity) {
    }

    record PricedLine(VariantForSale variant, long quantity, Money subtotal, int taxRateBasisPoints, Money tax) {
    }

    record MerchantPart(UUID merchantId, List<PricedLine> lines, Money subtotal, Money tax) {
        Money total() {
            return subtotal.plus(tax);
        }
    }

    private final TaxRates taxRates;

    Pricing(TaxRates taxRates) {
        this.taxRates = taxRates;
    }

    /** Parts in the order their merchants first appear; all items must share one currency. */
    List<MerchantPart> price(List<Item> items) {
        Map<UUID, List<Item>> byMerchant = new LinkedHashMap<>();
        items.forEach(item -> byMerchant.computeIfAbsent(item.variant().merchantId(), m -> new ArrayList<>()).add(item));
        return byMerchant.entrySet().stream().map(entry -> part(entry.getKey(), entry.getValue())).toList();
    }

    private MerchantPart part(UUID merchantId, List<Item> items) {
        String currency = items.getFirst().variant().price().currency();
        Map<Integer, List<Integer>> indexesByRate = new LinkedHashMap<>();
        Money[] subtotals = new Money[items.size()];
        Money[] taxes = new Money[items.size()];
        int[] rates = new int[items.size()];
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            subtotals[i] = item.variant().price().times(item.quantity());
            rates[i] = taxRates.rateFor(item.variant().productAttributes());
            indexesByRate.computeIfAbsent(rates[i], r -> new ArrayList<>()).add(i);
        }
        indexesByRate.forEach((rate, indexes) -> {
            Money base = indexes.stream().map(i -> subtotals[i]).reduce(Money.zero(currency), Money::plus);
            Money tax = base.timesBasisPoints(rate, RoundingMode.DOWN);
            if (base.isZero()) {
                indexes.forEach(i -> taxes[i] = Money.zero(currency));
                return;
            }
            Money[] shares = tax.allocate(indexes.stream().mapToLong(i -> subtotals[i].amount()).toArray());
            for (int k = 0; k < indexes.size(); k++) {
                taxes[indexes.get(k)] = shares[k];
            }
        });
        List<PricedLine> lines = new ArrayList<>();
        Money subtotal = Money.zero(currency);
        Money tax = Money.zero(currency);
        for (int i = 0; i < items.size(); i++) {
            lines.add(new PricedLine(items.get(i).variant(), items.get(i).quantity(), subtotals[i], rates[i], taxes[i]));
            subtotal = subtotal.plus(subtotals[i]);
            tax = tax.plus(taxes[i]);
        }
        return new MerchantPart(merchantId, lines, subtotal, tax);
    }
}
