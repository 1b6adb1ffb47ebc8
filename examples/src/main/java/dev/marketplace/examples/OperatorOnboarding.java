package dev.marketplace.examples;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.Pages;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.ProductsApi.ListProductsParams;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.Merchant;
import dev.marketplace.sdk.model.MerchantAddress;
import dev.marketplace.sdk.model.MerchantApplication;
import dev.marketplace.sdk.model.MerchantApproval;
import dev.marketplace.sdk.model.MerchantApproved;
import dev.marketplace.sdk.model.MerchantContact;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.ProductModeration;
import dev.marketplace.sdk.model.ProductModerationItem;
import dev.marketplace.sdk.model.ProductModerationItem.ActionEnum;
import dev.marketplace.sdk.model.ProductModerationResult;
import dev.marketplace.sdk.model.ProductPage;
import dev.marketplace.sdk.model.ProductStatus;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.sdk.model.Storefront;
import dev.marketplace.sdk.model.StorefrontCreate;
import java.net.URI;
import java.util.List;
import java.util.UUID;

/**
 * What the marketplace's operator does before anyone can sell: the category tree with its commission rates, a
 * merchant's application and approval (which issues the merchant's API credentials), a storefront's client, and
 * the moderation of submitted products. Usage: {@code OperatorOnboarding baseUri operatorClientId operatorSecret}.
 *
 * <p>Every creating call carries an idempotency key derived from what it creates, so running a step twice (after a
 * crash, say) replays the first answer instead of creating a second category or merchant.
 */
public final class OperatorOnboarding {

    private final MarketplaceClient operator;

    public OperatorOnboarding(MarketplaceClient operator) {
        this.operator = operator;
    }

    /** A root category and a child under it, each with its commission rate (basis points: 1000 = 10 %). */
    public Category categories(String root, String child) {
        Category parent = operator.categories().createCategory(
                new CategoryCreate().name(root).commissionRateBasisPoints(1000), once("category-" + root));
        return operator.categories().createCategory(
                new CategoryCreate().name(child).parentId(parent.getId()).commissionRateBasisPoints(800),
                once("category-" + root + "/" + child));
    }

    /**
     * Files a merchant's application and approves it. The answer to the approval carries the merchant's client id
     * and secret, shown this once: hand them to the merchant (their ERP signs in with them).
     */
    public MerchantApproved onboardMerchant(String legalName, UUID categoryId) {
        Merchant applied = operator.merchants().applyMerchant(new MerchantApplication()
                .legalName(legalName)
                .contact(new MerchantContact().name("Yamada Hanako").email("hanako@example.jp").phone("+81 75-123-4567"))
                .address(new MerchantAddress().country("JP").postalCode("600-8001").region("Kyoto")
                        .locality("Shimogyo-ku").line1("1-2-3 Shijo-dori"))
                .yearsInBusiness(12).categoryId(categoryId).plan("standard")
                .deposit(new Money().amount(500_000L).currency("JPY")), once("merchant-" + legalName));
        return operator.merchants().approveMerchant(applied.getId(),
                new MerchantApproval().version(applied.getVersion()), once("approve-" + applied.getId()));
    }

    /**
     * A storefront, registered once, and its client: it browses, registers customers and signs them in (authorization
     * code with PKCE) to fill carts, check out and pay on their behalf.
     */
    public ClientCredentials registerStorefront(String name, URI redirectUri) {
        Storefront storefront = operator.clients().registerStorefront(new StorefrontCreate().name(name),
                once("storefront-" + name));
        return operator.clients().createClient(new ClientCreate().name(name)
                .principalType(PrincipalType.STOREFRONT).principalId(storefront.getId())
                .scopes(List.of(Scope.CATALOG_READ, Scope.CUSTOMERS_REGISTER, Scope.CUSTOMERS_READ, Scope.CART_WRITE,
                        Scope.ORDERS_READ, Scope.ORDERS_WRITE))
                .redirectUris(List.of(redirectUri.toString())), once("storefront-client-" + name));
    }

    /**
     * Approves every product a merchant submitted for review in one request; the approved products are listed at
     * once. Sending it again is harmless: an approved product comes back {@code unchanged}.
     */
    public List<ProductModerationResult> approveSubmittedProducts(UUID merchantId) {
        ListProductsParams pending = ListProductsParams.builder().merchantId(merchantId)
                .status(ProductStatus.PENDING_REVIEW).limit(100).build();
        List<ProductModerationItem> approvals = Pages.stream(
                        cursor -> operator.products().listProducts(pending.toBuilder().cursor(cursor).build()),
                        ProductPage::getItems, ProductPage::getNextCursor)
                .map(product -> new ProductModerationItem().productId(product.getId()).action(ActionEnum.APPROVE)
                        .version(product.getVersion()))
                .toList();
        return approvals.isEmpty() ? List.of()
                : operator.products().moderateProducts(new ProductModeration().items(approvals)).getResults();
    }

    private static RequestOptions once(String operation) {
        return RequestOptions.builder().idempotencyKey(operation).build();
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: OperatorOnboarding baseUri operatorClientId operatorSecret");
            System.exit(2);
        }
        OperatorOnboarding onboarding = new OperatorOnboarding(MarketplaceClient.builder().baseUri(URI.create(args[0]))
                .clientCredentials(args[1], args[2]).build());
        Category tea = onboarding.categories("Food", "Tea");
        MerchantApproved merchant = onboarding.onboardMerchant("Kyoto Tea Co.", tea.getId());
        ClientCredentials storefront = onboarding.registerStorefront("Web shop", URI.create("http://localhost:3000/signed-in"));
        System.out.printf("category %s%nmerchant %s: client %s secret %s%nstorefront: client %s secret %s%n",
                tea.getId(), merchant.getMerchant().getId(), merchant.getCredentials().getClient().getClientId(),
                merchant.getCredentials().getClientSecret(), storefront.getClient().getClientId(),
                storefront.getClientSecret());
    }
}
