package dev.marketplace.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.ProductUpdate;
import dev.marketplace.sdk.model.ProductVariantInput;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Generated models print on one line, like records, and compare by value. */
class ReadableModelsTest {

    @Test
    void aModelPrintsOnOneLineWithNestedModelsInline() {
        ProductVariantInput variant = new ProductVariantInput().sku("SEN-1").price(new Money().amount(1200L).currency("JPY"));

        assertThat(variant.toString()).doesNotContain("\n").startsWith("ProductVariantInput[")
                .contains("sku=SEN-1", "price=Money[amount=1200, currency=JPY]");
        assertThat(new ProductUpdate().handlingDays(4).toString()).as("a nullable field by its value")
                .contains("handlingDays=4");
    }

    @Test
    void modelsWithTheSameValuesAreEqual() {
        UUID parent = UUID.randomUUID();
        CategoryCreate one = new CategoryCreate().name("Tea").parentId(parent).commissionRateBasisPoints(800);
        CategoryCreate same = new CategoryCreate().name("Tea").parentId(parent).commissionRateBasisPoints(800);

        assertThat(one).isEqualTo(same).hasSameHashCodeAs(same).isNotEqualTo(same.name("Coffee"));
    }

    @Test
    void secretsNeverPrint() {
        ClientCredentials credentials = new ClientCredentials().clientSecret("s3cr3t-value");

        assertThat(credentials.toString()).contains("clientSecret=*").doesNotContain("s3cr3t-value");
    }
}
