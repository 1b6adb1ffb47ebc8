package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.catalog.VariantForSale;
import dev.marketplace.server.orders.Pricing.Item;
import dev.marketplace.server.orders.Pricing.MerchantPart;
import dev.marketplace.server.orders.Pricing.PricedLine;
import dev.marketplace.server.platform.money.Money;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PricingTest {

    private static final UUID TEA_SHOP = UUID.randomUUID();
    private static final UUID BOOK_SHOP = UUID.randomUUID();
    private static final Map<String, String> FOOD = Map.of(TaxRates.TAX_CLASS_ATTRIBUTE, TaxRates.REDUCED);

    private final Pricing pricing = new Pricing(new TaxRates(1000, 800));

    @Test
    void itemsAreSplitPerMerchantInTheOrderTheirMerchantsFirstAppear() {
        List<MerchantPart> parts = pricing.price(List.of(
                new Item(variant(BOOK_SHOP, 1200, Map.of()), 1),
                new Item(variant(TEA_SHOP, 500, FOOD), 2),
                new Item(variant(BOOK_SHOP, 800, Map.of()), 3)));

        assertThat(parts).extracting(MerchantPart::merchantId).containsExactly(BOOK_SHOP, TEA_SHOP);
        MerchantPart books = parts.getFirst();
        assertThat(books.lines()).extracting(PricedLine::subtotal).containsExactly(yen(1200), yen(2400));
        assertThat(books.subtotal()).isEqualTo(yen(3600));
        assertThat(books.tax()).isEqualTo(yen(360));
        assertThat(books.total()).isEqualTo(yen(3960));
        MerchantPart tea = parts.get(1);
        assertThat(tea.lines()).extracting(PricedLine::taxRateBasisPoints).containsExactly(800);
        assertThat(tea.tax()).isEqualTo(yen(80));
    }

    @Test
    void taxIsRoundedDownOncePerRateAndSpreadOverThatRatesLinesExactly() {
        // Three lines of 333 yen at 10 %: 10 % of 999 is 99.9, rounded down once to 99 and split 33 / 33 / 33.
        // Two reduced lines of 105 and 106 yen: 8 % of 211 is 16.88, rounded down once to 16 and split 8 / 8.
        List<MerchantPart> parts = pricing.price(List.of(
                new Item(variant(TEA_SHOP, 333, Map.of()), 1),
                new Item(variant(TEA_SHOP, 105, FOOD), 1),
                new Item(variant(TEA_SHOP, 333, Map.of()), 1),
                new Item(variant(TEA_SHOP, 106, FOOD), 1),
                new Item(variant(TEA_SHOP, 333, Map.of()), 1)));

        MerchantPart part = parts.getFirst();
        assertThat(part.lines()).extracting(PricedLine::taxRateBasisPoints).containsExactly(1000, 800, 1000, 800, 1000);
        long standardTax = part.lines().stream().filter(line -> line.taxRateBasisPoints() == 1000)
                .mapToLong(line -> line.tax().amount()).sum();
        long reducedTax = part.lines().stream().filter(line -> line.taxRateBasisPoints() == 800)
                .mapToLong(line -> line.tax().amount()).sum();
        assertThat(standardTax).isEqualTo(99);
        assertThat(reducedTax).isEqualTo(16);
        assertThat(part.tax()).isEqualTo(yen(115));
        assertThat(part.subtotal()).isEqualTo(yen(1210));
    }

    @Test
    void oneRoundingPerInvoiceCanDifferFromRoundingEachLine() {
        // 8 % of 19 yen is 1.52: per line rounded down 1 + 1 = 2, on the invoice's 38 yen 3.04 → 3.
        MerchantPart part = pricing.price(List.of(
                new Item(variant(TEA_SHOP, 19, FOOD), 1),
                new Item(variant(TEA_SHOP, 19, FOOD), 1))).getFirst();

        assertThat(part.tax()).isEqualTo(yen(3));
        assertThat(part.lines()).extracting(line -> line.tax().amount()).containsExactlyInAnyOrder(1L, 2L);
    }

    @Test
    void freeLinesCarryNoTax() {
        MerchantPart part = pricing.price(List.of(new Item(variant(TEA_SHOP, 0, FOOD), 5))).getFirst();

        assertThat(part.subtotal()).isEqualTo(yen(0));
        assertThat(part.lines()).extracting(PricedLine::tax).containsExactly(yen(0));
    }

    private static VariantForSale variant(UUID merchant, long yen, Map<String, String> attributes) {
        UUID id = UUID.randomUUID();
        return new VariantForSale(id, UUID.randomUUID(), merchant, UUID.randomUUID(), "SKU-" + id,
                Map.of("ja", "お茶"), attributes, yen(yen), true, 1000);
    }

    private static Money yen(long amount) {
        return Money.of(amount, "JPY");
    }
}
