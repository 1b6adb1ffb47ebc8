package dev.marketplace.sdk;

import dev.marketplace.sdk.api.CategoriesApi;
import dev.marketplace.sdk.api.CategoriesApi.ListCategoriesParams;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.CategoryPage;
import dev.marketplace.sdk.model.LedgerEntry;
import dev.marketplace.sdk.model.MerchantSubOrder;
import dev.marketplace.sdk.model.StockChange;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The code examples of the hand-written classes' Javadoc and of the README's feed and sign-in sections, word for
 * word, so that the build fails when one stops compiling (the README's first example is examples/.../QuickStart).
 * Never run.
 */
@SuppressWarnings("unused")
final class JavadocExamples {

    /** What the examples' ERP does with what it reads. */
    interface Erp {
        void mirror(MerchantSubOrder subOrder);

        void applyStock(List<StockChange> changes);

        void runUntilShutdown();
    }

    /** Where the examples' ERP books ledger entries. */
    interface Books {
        void post(List<LedgerEntry> entries);
    }

    /** Where the examples' storefront keeps its shoppers' refresh tokens. */
    interface Sessions {
        void save(UUID shopperId, String refreshToken);
    }

    private JavadocExamples() {
    }

    static void marketplaceClient(String clientId, String clientSecret) throws Exception {
        MarketplaceClient client = MarketplaceClient.builder()
                .baseUri(URI.create("https://api.example.com"))
                .clientCredentials(clientId, clientSecret)
                .build();
        Category food = client.categories().createCategory(new CategoryCreate().name("Food").commissionRateBasisPoints(1000));
        Category tea = client.categories().createCategory(new CategoryCreate().name("Tea").parentId(food.getId())
                .commissionRateBasisPoints(800), RequestOptions.builder().idempotencyKey("category-tea").build());
    }

    static void requestOptions(MarketplaceClient erp, UUID subOrderId) {
        erp.fulfilment().acceptSubOrder(subOrderId, RequestOptions.builder()
                .idempotencyKey("accept-" + subOrderId)   // the same key on every attempt, even after a restart
                .timeout(Duration.ofSeconds(5))
                .build());
    }

    static void errors(MarketplaceClient erp, UUID subOrderId) {
        try {
            erp.fulfilment().acceptSubOrder(subOrderId);
        } catch (MarketplaceException.ConflictException e) {
            if (e.code().equals(ErrorCode.ILLEGAL_STATUS_TRANSITION) && "accepted".equals(e.currentState())) {
                return; // accepted before: nothing to do
            }
            throw e;
        }
    }

    static void pages(MarketplaceClient client, UUID parentId) {
        for (Category category : Pages.all(cursor -> client.categories().listCategories(
                ListCategoriesParams.builder().parentId(parentId).limit(100).cursor(cursor).build()),
                                           CategoryPage::getItems, CategoryPage::getNextCursor)) {
        }
    }

    static void feeds(MarketplaceClient client, Erp erp) throws Exception {
        try (FeedFollower follower = client.feeds().subOrders().follow(CursorStore.file(Path.of("sub-orders.cursor")),
                changes -> changes.forEach(change -> erp.mirror(change.getSubOrder())))) {
            erp.runUntilShutdown();   // the follower reads on its own thread until closed
        }
        long handled = client.feeds().stock().drain(CursorStore.inMemory(), erp::applyStock); // a batch job: catch up, return
    }

    static FeedFollower ledgerFeed(MarketplaceClient client, Books books) {
        String payable = client.settlement().listLedgerAccounts().getItems().stream()
                .filter(account -> account.getName().startsWith("merchant_payable:")).findFirst().orElseThrow().getId();
        FeedFollower follower = client.feeds().ledger(payable)
                .follow(CursorStore.file(Path.of("ledger.cursor")), entries -> books.post(entries));
        return follower;
    }

    static void customerSignIn(String clientId, String clientSecret, URI callbackUri, Consumer<String> store)
            throws Exception {
        CustomerSignIn signIn = CustomerSignIn.builder()
                .baseUri(URI.create("https://api.example.com"))
                .client(clientId, clientSecret)                       // or .publicClient(clientId)
                .redirectUri(URI.create("https://shop.example.com/signed-in"))
                .scopes("customers:read", "cart:write", "orders:write")
                .build();
        CustomerSignIn.Request request = signIn.start();             // keep it in the shopper's session
        CustomerSession session = signIn.complete(request, callbackUri);
        session.client().carts().createCart();     // acts for the customer, renewing its token
        store.accept(session.refreshToken());                       // the latest one; each is good once
    }

    static void readmeSignIn(URI api, String clientId, String clientSecret, Sessions sessions, UUID shopperId,
                             URI callbackUri, String savedRefreshToken) throws Exception {
        CustomerSignIn signIn = CustomerSignIn.builder().baseUri(api).client(clientId, clientSecret)
                .redirectUri(URI.create("https://shop.example.com/signed-in")).scopes("customers:read", "cart:write")
                .onRefreshTokenChanged(refreshToken -> sessions.save(shopperId, refreshToken)).build();
        CustomerSignIn.Request request = signIn.start();       // state + S256 verifier; keep it in the shopper's session
        CustomerSession session = signIn.complete(request, callbackUri);   // checks the state, exchanges the code
        session.client().customers().getMyCustomerProfile();               // acts for the customer
        CustomerSession later = signIn.resume(savedRefreshToken);          // after a restart
    }
}
