package dev.marketplace.examples;

import dev.marketplace.sdk.CustomerSession;
import dev.marketplace.sdk.CustomerSignIn;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.ListingsApi.ListListingsParams;
import dev.marketplace.sdk.model.Cart;
import dev.marketplace.sdk.model.CartLineSet;
import dev.marketplace.sdk.model.CustomerRegistration;
import dev.marketplace.sdk.model.EmailVerification;
import dev.marketplace.sdk.model.Listing;
import dev.marketplace.sdk.model.ListingSort;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderCreate;
import dev.marketplace.sdk.model.OrderReturn;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.ReturnCreate;
import dev.marketplace.sdk.model.ShipmentLine;
import dev.marketplace.sdk.model.ShippingAddress;
import dev.marketplace.sdk.model.SubOrder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * A server-side storefront: browse and search the listings, register a customer and sign them in (authorization
 * code with PKCE, through the marketplace's hosted sign-in and consent pages), fill one cart with items of several
 * merchants, check out (one order, a sub-order per merchant), pay, track the order, and ask for a return.
 * Usage: {@code StorefrontCheckout baseUri storefrontClientId storefrontSecret redirectUri}; it asks on the console
 * for the mailed code and for the address the browser was sent back to. {@code storefront-checkout.sh} does the
 * same with curl.
 */
public final class StorefrontCheckout {

    /** The customer's browser: opens the authorization URL and returns the URI it was redirected back to. */
    @FunctionalInterface
    public interface Browser {
        URI authorize(URI authorizationUrl);
    }

    /** Where the customer reads the code the marketplace mailed them. */
    @FunctionalInterface
    public interface Mailbox {
        String codeFor(String email);
    }

    private final MarketplaceClient storefront;
    private final CustomerSignIn signIn;

    /**
     * @param storefront the storefront's own client (scopes {@code catalog:read} and {@code customers:register})
     * @param signIn     signs customers in with the same client
     */
    public StorefrontCheckout(MarketplaceClient storefront, CustomerSignIn signIn) {
        this.storefront = storefront;
        this.signIn = signIn;
    }

    /** Listings matching the words, in stock, priced in yen, cheapest first (a page of at most 20). */
    public List<Listing> search(String words) {
        return storefront.listings().listListings(ListListingsParams.builder()
                .q(words).inStock(true).currency("JPY").sort(ListingSort.PRICE_ASC).limit(20).build()).getItems();
    }

    /** Registers a customer and verifies their email with the mailed code; the customer can sign in afterwards. */
    public UUID register(String email, String password, String name, Mailbox mailbox) {
        UUID id = storefront.customers().registerCustomer(new CustomerRegistration()
                .email(email).password(password).name(name).phone("+81 90-1234-5678")).getId();
        storefront.customers().verifyCustomerEmail(new EmailVerification().token(mailbox.codeFor(email)));
        return id;
    }

    /**
     * Signs the customer in: the PKCE request (state and verifier kept here, never in the browser), the browser's
     * round trip through the hosted pages, then the code exchanged for the customer's tokens. The session's client
     * acts for the customer and renews its token with the refresh token (save {@link CustomerSession#refreshToken()}
     * to {@link CustomerSignIn#resume resume} later).
     */
    public CustomerSession signIn(Browser browser) {
        CustomerSignIn.Request request = signIn.start();
        return signIn.complete(request, browser.authorize(request.authorizationUrl()));
    }

    /**
     * One cart with one unit of each listing's first variant (merchants may differ), checked out and paid. The
     * checkout and the payment carry keys derived from the cart and the order: a customer pressing "pay" twice, or
     * a retry after a timeout, pays once.
     */
    public Order buy(CustomerSession customer, List<Listing> listings, ShippingAddress address) {
        MarketplaceClient shopper = customer.client();
        Cart cart = shopper.carts().createCart();
        for (Listing listing : listings) {
            cart = shopper.carts().setCartLine(cart.getId(), listing.getVariants().getFirst().getId(),
                    new CartLineSet().quantity(1));
        }
        Order order = shopper.orders().checkout(new OrderCreate().cartId(cart.getId()).shippingAddress(address),
                RequestOptions.builder().idempotencyKey("checkout-" + cart.getId()).build());
        shopper.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"),
                RequestOptions.builder().idempotencyKey("pay-" + order.getId()).build());
        return shopper.orders().getOrder(order.getId());
    }

    /** The order as the customer sees it now: its status and each merchant's part. */
    public Order track(CustomerSession customer, UUID orderId) {
        return customer.client().orders().getOrder(orderId);
    }

    /** Asks to return one unit of the first line of a delivered sub-order. */
    public OrderReturn returnOne(CustomerSession customer, Order order, SubOrder subOrder, String reason) {
        return customer.client().returns().requestReturn(order.getId(), new ReturnCreate().subOrderId(subOrder.getId())
                .reason(reason).lines(List.of(new ShipmentLine().lineNumber(subOrder.getLines().getFirst().getLineNumber())
                        .quantity(1))), RequestOptions.builder().idempotencyKey("return-" + subOrder.getId()).build());
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: StorefrontCheckout baseUri storefrontClientId storefrontSecret redirectUri");
            System.exit(2);
        }
        URI baseUri = URI.create(args[0]);
        BufferedReader console = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StorefrontCheckout shop = new StorefrontCheckout(
                MarketplaceClient.builder().baseUri(baseUri).clientCredentials(args[1], args[2]).build(),
                CustomerSignIn.builder().baseUri(baseUri).client(args[1], args[2]).redirectUri(URI.create(args[3]))
                        .scopes("cart:write", "orders:read", "orders:write").build());
        List<Listing> tea = shop.search("tea");
        System.out.println("found " + tea.size() + " listings");
        String email = "customer-" + UUID.randomUUID() + "@example.jp";
        shop.register(email, "correct horse battery staple", "Sato Yui", address -> {
            System.out.print("code mailed to " + address + " (the server logs it in development): ");
            return readLine(console);
        });
        System.out.println("sign in as " + email + " with the password correct horse battery staple");
        CustomerSession customer = shop.signIn(url -> {
            System.out.println("open " + url + " in a browser, sign in, allow; then paste the address it lands on:");
            return URI.create(readLine(console));
        });
        Order order = shop.buy(customer, tea.subList(0, Math.min(2, tea.size())), new ShippingAddress().name("Sato Yui")
                .country("JP").postalCode("150-0001").region("Tokyo").locality("Shibuya-ku").line1("1-2-3 Jingumae")
                .phone("+81 3-1234-5678"));
        System.out.println("order " + order.getId() + " " + order.getStatus() + ", total " + order.getTotal());
    }

    private static String readLine(BufferedReader console) {
        try {
            return console.readLine().trim();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
