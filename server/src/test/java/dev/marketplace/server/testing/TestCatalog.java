package dev.marketplace.server.testing;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.Merchant;
import dev.marketplace.sdk.model.MerchantAddress;
import dev.marketplace.sdk.model.MerchantApplication;
import dev.marketplace.sdk.model.MerchantApproval;
import dev.marketplace.sdk.model.MerchantApproved;
import dev.marketplace.sdk.model.MerchantContact;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Product;
import dev.marketplace.sdk.model.ProductCreate;
import dev.marketplace.sdk.model.ProductStatusChange;
import dev.marketplace.sdk.model.ProductVariantInput;
import dev.marketplace.sdk.model.Scope;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Setting the scene for catalog tests through the SDK: active merchants with their own clients, and products. */
public final class TestCatalog {

    /** An approved merchant, an SDK client acting as it, and its access token (for requests sent without the SDK). */
    public record ActiveMerchant(Merchant merchant, MarketplaceClient client, String token) {
        public UUID id() {
            return merchant.getId();
        }
    }

    private final TestServer server;

    public TestCatalog(TestServer server) {
        this.server = server;
    }

    /** Files an application the admission rules accept, approves it, and signs in with the issued client. */
    public ActiveMerchant activeMerchant(String legalName, UUID categoryId) throws Exception {
        Merchant applied = server.client().merchants().applyMerchant(new MerchantApplication()
                .legalName(legalName)
                .contact(new MerchantContact().name("Yamada Hanako").email("hanako@example.jp").phone("+81 75-123-4567"))
                .address(new MerchantAddress().country("JP").postalCode("600-8001").region("Kyoto")
                        .locality("Shimogyo-ku").line1("1-2-3 Shijo-dori"))
                .yearsInBusiness(12).categoryId(categoryId).plan("standard")
                .deposit(new Money().amount(500_000L).currency("JPY")));
        MerchantApproved approved = server.client().merchants().approveMerchant(applied.getId(),
                new MerchantApproval().version(applied.getVersion()));
        String token = server.token(approved.getCredentials().getClient().getClientId(),
                approved.getCredentials().getClientSecret());
        return new ActiveMerchant(approved.getMerchant(), server.clientWithToken(token), token);
    }

    /** A storefront's client holding {@code catalog:read}. */
    public MarketplaceClient storefront() throws Exception {
        ClientCredentials credentials = server.storefrontClient(new ClientCreate().name("Storefront")
                .scopes(List.of(Scope.CATALOG_READ)));
        return server.clientWithToken(server.token(credentials.getClient().getClientId(), credentials.getClientSecret()));
    }

    /** A clean product with one variant at {@code price} minor units of {@code currency}. */
    public static ProductCreate product(UUID categoryId, String title, String sku, long price, String currency) {
        return new ProductCreate().categoryId(categoryId)
                .title(Map.of("en", title, "ja", title + "（日本語）"))
                .variants(List.of(new ProductVariantInput().sku(sku).price(new Money().amount(price).currency(currency))));
    }

    /** Creates the product as {@code merchant}, submits it and has the operator approve it. */
    public Product published(ActiveMerchant merchant, ProductCreate product) throws Exception {
        Product draft = merchant.client().products().createProduct(product);
        Product pending = merchant.client().products().submitProduct(draft.getId(),
                new ProductStatusChange().version(draft.getVersion()));
        return server.client().products().approveProduct(pending.getId(),
                new ProductStatusChange().version(pending.getVersion()));
    }
}
