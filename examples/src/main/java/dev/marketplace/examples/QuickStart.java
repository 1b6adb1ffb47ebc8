package dev.marketplace.examples;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.Pages;
import dev.marketplace.sdk.api.CategoriesApi;
import dev.marketplace.sdk.api.CategoriesApi.ListCategoriesParams;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.CategoryPage;
import dev.marketplace.sdk.model.CategoryUpdate;
import java.net.URI;

/**
 * The README's SDK sample: build a small category tree, change a commission rate, count the roots across all
 * pages, and handle a typed error. Usage: {@code QuickStart [baseUri [clientId clientSecret]]} (default
 * http://localhost:8080). Without a client id and secret on the command line, {@code MARKETPLACE_CLIENT_ID} and
 * {@code MARKETPLACE_CLIENT_SECRET} are used when set; with neither, no credentials are sent.
 */
public final class QuickStart {

    private QuickStart() {
    }

    public static void main(String[] args) {
        URI baseUri = URI.create(args.length > 0 ? args[0] : "http://localhost:8080");
        String clientId = args.length > 2 ? args[1] : System.getenv("MARKETPLACE_CLIENT_ID");
        String clientSecret = args.length > 2 ? args[2] : System.getenv("MARKETPLACE_CLIENT_SECRET");

        MarketplaceClient.Builder builder = MarketplaceClient.builder().baseUri(baseUri);
        if (clientId != null && clientSecret != null) {
            builder.clientCredentials(clientId, clientSecret); // tokens are fetched, cached and renewed by the SDK
        }
        MarketplaceClient client = builder.build();

        String suffix = Long.toString(System.currentTimeMillis(), 36); // the example may run more than once
        Category food = client.categories().createCategory(
                new CategoryCreate().name("Food " + suffix).commissionRateBasisPoints(1000)); // 10 %
        Category tea = client.categories().createCategory(
                new CategoryCreate().name("お茶").parentId(food.getId()).commissionRateBasisPoints(800));

        // Updates name the version they saw; a stale version is refused with a ConflictException.
        tea = client.categories().updateCategory(tea.getId(),
                new CategoryUpdate().commissionRateBasisPoints(900).version(tea.getVersion()));

        long roots = Pages.stream(cursor -> client.categories().listCategories(
                ListCategoriesParams.builder().limit(100).cursor(cursor).build()),
                CategoryPage::getItems, CategoryPage::getNextCursor).count();
        System.out.printf("%s > %s at %d bp (version %d); %d root categories%n",
                food.getName(), tea.getName(), tea.getCommissionRateBasisPoints(), tea.getVersion(), roots);

        try {
            client.categories().deleteCategory(food.getId());
        } catch (MarketplaceException e) {
            System.out.println("As expected, " + e.code() + ": " + e.getMessage());
        }
    }
}
