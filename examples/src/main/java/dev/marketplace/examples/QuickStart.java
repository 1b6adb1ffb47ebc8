package dev.marketplace.examples;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.invoker.ApiException;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.CategoryPage;
import dev.marketplace.sdk.model.CategoryUpdate;
import java.net.URI;

/**
 * The README's SDK sample: build a small category tree, change a commission rate, list the roots,
 * and handle a typed error. Usage: {@code QuickStart [baseUri]} (default http://localhost:8080).
 */
public final class QuickStart {

    private QuickStart() {
    }

    public static void main(String[] args) throws ApiException {
        URI baseUri = URI.create(args.length > 0 ? args[0] : "http://localhost:8080");
        MarketplaceClient client = MarketplaceClient.builder().baseUri(baseUri).build();

        String suffix = Long.toString(System.currentTimeMillis(), 36); // the example may run more than once
        Category food = client.categories().createCategory(
                new CategoryCreate().name("Food " + suffix).commissionRateBasisPoints(1000), null); // 10 %
        Category tea = client.categories().createCategory(
                new CategoryCreate().name("お茶").parentId(food.getId()).commissionRateBasisPoints(800), null);

        // Updates name the version they saw; a stale version is refused with a ConflictException.
        tea = client.categories().updateCategory(tea.getId(),
                new CategoryUpdate().commissionRateBasisPoints(900).version(tea.getVersion()), null);

        CategoryPage roots = client.categories().listCategories(null, 20, null);
        System.out.printf("%s > %s at %d bp (version %d); %d root categories on the first page%n",
                food.getName(), tea.getName(), tea.getCommissionRateBasisPoints(), tea.getVersion(),
                roots.getItems().size());

        try {
            client.categories().deleteCategory(food.getId(), null);
        } catch (MarketplaceException e) {
            System.out.println("As expected, " + e.code() + ": " + e.getMessage());
        }
    }
}
