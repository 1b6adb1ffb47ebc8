package dev.marketplace.sdk;

import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.CategoryPage;
import dev.marketplace.sdk.model.MerchantSubOrder;
import java.net.URI;
import java.nio.file.Path;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The code examples of the hand-written classes' Javadoc, word for word, so that the build fails when one stops
 * compiling (the README's example is compiled as examples/.../QuickStart). Never run.
 */
@SuppressWarnings("unused")
final class JavadocExamples {

    private JavadocExamples() {
    }

    static void marketplaceClient(String clientId, String clientSecret) throws Exception {
        MarketplaceClient client = MarketplaceClient.builder()
                .baseUri(URI.create("https://api.example.com"))
                .clientCredentials(clientId, clientSecret)
                .build();
        Category food = client.categories().createCategory(new CategoryCreate().name("Food").commissionRateBasisPoints(1000), null);
    }

    static void pages(MarketplaceClient client, UUID parentId) {
        for (Category category : Pages.all(cursor -> client.categories().listCategories(parentId, 100, cursor),
                                           CategoryPage::getItems, CategoryPage::getNextCursor)) {
        }
    }

    static void feed(MarketplaceClient client, Consumer<MerchantSubOrder> erp) throws Exception {
        try (FeedFollower follower = client.feeds().subOrders().follow(CursorStore.file(Path.of("sub-orders.cursor")),
                changes -> changes.forEach(change -> erp.accept(change.getSubOrder())))) {
        }
    }

    static void customerSignIn(String clientId, String clientSecret, URI callbackUri, Consumer<String> store)
            throws Exception {
        CustomerSignIn signIn = CustomerSignIn.builder()
                .baseUri(URI.create("https://api.example.com"))
                .client(clientId, clientSecret)
                .redirectUri(URI.create("https://shop.example.com/signed-in"))
                .scopes("customers:read", "cart:write", "orders:write")
                .build();
        CustomerSignIn.Request request = signIn.start();
        CustomerSession session = signIn.complete(request, callbackUri);
        session.client().carts().createCart(new Object(), null);
        store.accept(session.refreshToken());
    }
}
