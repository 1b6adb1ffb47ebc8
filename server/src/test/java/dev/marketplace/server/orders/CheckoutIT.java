package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.CUSTOMER_ORDER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.PermissionException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.model.Cart;
import dev.marketplace.sdk.model.CartLine;
import dev.marketplace.sdk.model.CartLineSet;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderStatus;
import dev.marketplace.sdk.model.OrderTransition;
import dev.marketplace.sdk.model.Payment;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.ProductUpdate;
import dev.marketplace.sdk.model.ProductVariantInput;
import dev.marketplace.sdk.model.SubOrder;
import dev.marketplace.sdk.model.SubOrderStatus;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Carts and checkout as a storefront does them, through the SDK: split per merchant, taxes, payment, expiry. */
class CheckoutIT {

    @RegisterExtension
    // Points earning off: its points_funded follows a payment asynchronously, beside the exact money events checked.
    static final TestServer server = new TestServer().with("points.base-rate-bp", "0");

    private static Shop shop;
    private static ActiveMerchant tea;
    private static ActiveMerchant pottery;
    private static ActiveMerchant books;

    @BeforeAll
    static void openShop() throws Exception {
        shop = new Shop(server, 1000);
        tea = shop.merchant("Kyoto Tea Co., Ltd.");
        pottery = shop.merchant("Arita Pottery K.K.");
        books = shop.merchant("Kanda Books Ltd.");
    }

    @Test
    void aCartAcrossThreeMerchantsChecksOutIntoThreeSubOrdersAndIsPaidIntoEscrow() throws Exception {
        Item gyokuro = shop.item(tea, "GYO-1", 3_000, 10, true);
        Item bowl = shop.item(pottery, "BOWL-1", 4_999, 10, false);
        Item novel = shop.item(books, "NOVEL-1", 1_500, 10, false);
        UUID customerId = UUID.randomUUID();
        MarketplaceClient customer = shop.customer(customerId);

        // An anonymous shopper fills a cart; the customer signs in and claims it.
        UUID cartId = shop.storefront.carts().createCart(Map.of()).getId();
        shop.storefront.carts().setCartLine(cartId, gyokuro.variantId(), new CartLineSet().quantity(2));
        shop.storefront.carts().setCartLine(cartId, bowl.variantId(), new CartLineSet().quantity(1));
        Cart anonymous = shop.storefront.carts().setCartLine(cartId, novel.variantId(), new CartLineSet().quantity(3));
        assertThat(anonymous.getCustomerId()).isNull();
        assertThat(anonymous.getSubtotal()).isEqualTo(yen(6_000 + 4_999 + 4_500));
        // 8 % of 6,000 (reduced: tea) = 480; 10 % of 4,999 = 499 (rounded down); 10 % of 4,500 = 450.
        assertThat(anonymous.getTax()).isEqualTo(yen(480 + 499 + 450));
        assertThat(anonymous.getLines()).allSatisfy(line -> {
            assertThat(line.getAvailability()).isEqualTo(CartLine.AvailabilityEnum.AVAILABLE);
            assertThat(line.getPriceChanged()).isFalse();
        });
        Cart claimed = customer.carts().claimCart(cartId);
        assertThat(claimed.getCustomerId()).isEqualTo(customerId);
        assertThatThrownBy(() -> shop.storefront.carts().getCart(cartId))
                .as("a claimed cart is the customer's only").isInstanceOf(NotFoundException.class);

        Order order = customer.orders().checkout(Shop.checkoutOf(cartId));

        assertThat(customer.orders().getOrder(order.getId()))
                .as("checkout answers the order built in memory: exactly what is stored").isEqualTo(order);
        assertThat(order.getStatus()).isEqualTo(OrderStatus.PLACED);
        assertThat(order.getCustomerId()).isEqualTo(customerId);
        assertThat(order.getSubOrders()).hasSize(3)
                .extracting(SubOrder::getMerchantId).containsExactlyInAnyOrder(tea.id(), pottery.id(), books.id());
        assertThat(order.getSubOrders()).allSatisfy(sub -> assertThat(sub.getStatus()).isEqualTo(SubOrderStatus.PENDING_PAYMENT));
        SubOrder teaPart = subOrderOf(order, tea);
        assertThat(teaPart.getLines()).singleElement().satisfies(line -> {
            assertThat(line.getTaxRateBasisPoints()).isEqualTo(800);
            assertThat(line.getUnitPrice()).isEqualTo(yen(3_000));
            assertThat(line.getTax()).isEqualTo(yen(480));
        });
        assertThat(teaPart.getCommission()).isEqualTo(yen(600));
        assertThat(subOrderOf(order, pottery).getTotal()).isEqualTo(yen(4_999 + 499));
        assertThat(order.getTotal()).isEqualTo(yen(15_499 + 1_429));
        assertThat(order.getShippingAddress()).isEqualTo(Shop.address());
        assertThat(shop.stock(gyokuro).getReserved()).isEqualTo(2);
        assertThat(customer.carts().getCart(cartId).getOrderId()).isEqualTo(order.getId());

        Payment payment = customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));

        assertThat(payment.getStatus()).isEqualTo(Payment.StatusEnum.CAPTURED);
        assertThat(payment.getAmount()).isEqualTo(order.getTotal());
        Order paid = customer.orders().getOrder(order.getId());
        assertThat(paid.getStatus()).isEqualTo(OrderStatus.PAID);
        assertThat(paid.getSubOrders()).allSatisfy(sub -> assertThat(sub.getStatus()).isEqualTo(SubOrderStatus.AWAITING_ACCEPTANCE));
        assertThat(shop.stock(gyokuro).getOnHand()).as("the stock is sold").isEqualTo(8);
        assertThat(shop.stock(gyokuro).getReserved()).isZero();
        assertThat(paid.getHistory()).extracting(OrderTransition::getTo).containsSubsequence("placed", "paid");
        assertThat(paid.getHistory()).filteredOn(t -> t.getSubOrderId() == null && "placed".equals(t.getTo()))
                .singleElement().satisfies(t -> assertThat(t.getActor()).contains("customer:" + customerId));
        assertThat(shop.moneyEvents(order.getId())).containsExactlyInAnyOrder("payment_authorized", "payment_captured",
                "commission_accrued", "commission_accrued", "commission_accrued");

        Payment again = customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        assertThat(again.getId()).as("paying a paid order answers its payment").isEqualTo(payment.getId());
        assertThat(shop.moneyEvents(order.getId())).hasSize(5);
    }

    @Test
    void aRetriedCheckoutAnswersTheSameOrderAndNeverReservesTwice() throws Exception {
        Item matcha = shop.item(tea, "MATCHA-1", 2_000, 5, true);
        UUID customerId = UUID.randomUUID();
        MarketplaceClient customer = shop.customer(customerId);
        UUID cartId = shop.cartWith(customer, 2, matcha);
        String body = "{\"cartId\":\"" + cartId + "\",\"shippingAddress\":{\"name\":\"Sato Yui\",\"country\":\"JP\","
                + "\"postalCode\":\"150-0001\",\"region\":\"Tokyo\",\"locality\":\"Shibuya-ku\",\"line1\":\"1-2-3\","
                + "\"phone\":\"+81 3-1234-5678\"}}";

        HttpResponse<String> first = server.send(checkoutRequest(customerId, body, "checkout-" + cartId));
        HttpResponse<String> retried = server.send(checkoutRequest(customerId, body, "checkout-" + cartId));

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(retried.statusCode()).isEqualTo(201);
        assertThat(retried.body()).isEqualTo(first.body());
        assertThat(server.db().fetchCount(CUSTOMER_ORDER, CUSTOMER_ORDER.CART_ID.eq(cartId))).isEqualTo(1);
        assertThat(shop.stock(matcha).getReserved()).isEqualTo(2);
        assertThatThrownBy(() -> customer.orders().checkout(Shop.checkoutOf(cartId)))
                .as("a new key cannot check the cart out again")
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CART_CHECKED_OUT));
        assertThat(shop.stock(matcha).getReserved()).isEqualTo(2);
    }

    @Test
    void aChangedPriceIsShownAndCheckoutWaitsUntilTheShopperAcceptsIt() throws Exception {
        Item sencha = shop.item(tea, "SENCHA-1", 1_000, 5, true);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        UUID cartId = shop.cartWith(customer, 1, sencha);
        var product = tea.client().products().getProduct(sencha.productId());
        tea.client().products().updateProduct(sencha.productId(), new ProductUpdate().version(product.getVersion())
                .variants(List.of(new ProductVariantInput().sku("SENCHA-1").price(yen(1_200)))));

        Cart changed = customer.carts().getCart(cartId);
        assertThat(changed.getLines()).singleElement().satisfies(line -> {
            assertThat(line.getPriceChanged()).isTrue();
            assertThat(line.getUnitPrice()).isEqualTo(yen(1_200));
            assertThat(line.getSeenUnitPrice()).isEqualTo(yen(1_000));
        });
        assertThatThrownBy(() -> customer.orders().checkout(Shop.checkoutOf(cartId)))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PRICES_CHANGED));
        assertThat(shop.stock(sencha).getReserved()).as("nothing reserved").isZero();

        customer.carts().setCartLine(cartId, sencha.variantId(), new CartLineSet().quantity(1));
        Order order = customer.orders().checkout(Shop.checkoutOf(cartId));
        assertThat(order.getSubtotal()).isEqualTo(yen(1_200));
    }

    @Test
    void aCartShowsStockShortfallsAndCheckoutReservesAllOrNothing() throws Exception {
        Item hojicha = shop.item(tea, "HOJI-1", 800, 1, true);
        Item cup = shop.item(pottery, "CUP-1", 2_500, 5, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        UUID cartId = shop.cartWith(customer, 2, hojicha, cup);

        Cart cart = customer.carts().getCart(cartId);
        assertThat(cart.getLines()).filteredOn(line -> line.getVariantId().equals(hojicha.variantId())).singleElement()
                .satisfies(line -> {
                    assertThat(line.getAvailability()).isEqualTo(CartLine.AvailabilityEnum.INSUFFICIENT_STOCK);
                    assertThat(line.getAvailableQuantity()).isEqualTo(1);
                });
        assertThat(cart.getSubtotal()).as("totals cover what can be bought").isEqualTo(yen(5_000));
        assertThatThrownBy(() -> customer.orders().checkout(Shop.checkoutOf(cartId)))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INSUFFICIENT_STOCK));
        assertThat(shop.stock(cup).getReserved()).as("all or nothing").isZero();
    }

    @Test
    void aDeclinedPaymentLeavesTheOrderPayableAndAnUnpaidOrderExpiresAndFreesItsStock() throws Exception {
        Item genmai = shop.item(tea, "GENMAI-1", 700, 3, true);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 3, genmai)));

        Payment declined = customer.payments().payOrder(order.getId(),
                new PaymentCreate().paymentMethod("pm_card_insufficient_funds"));
        assertThat(declined.getStatus()).isEqualTo(Payment.StatusEnum.DECLINED);
        assertThat(declined.getFailureCode()).isEqualTo("insufficient_funds");
        assertThat(customer.orders().getOrder(order.getId()).getStatus()).isEqualTo(OrderStatus.PLACED);
        assertThatThrownBy(() -> customer.payments().payOrder(order.getId(),
                new PaymentCreate().paymentMethod("pm_no_such_card"))).isInstanceOf(ValidationException.class);

        server.db().update(CUSTOMER_ORDER).set(CUSTOMER_ORDER.PAYMENT_DUE_AT, OffsetDateTime.now().minusSeconds(1))
                .where(CUSTOMER_ORDER.ID.eq(order.getId())).execute();
        assertThat(server.runJob(OrderService.UNPAID_EXPIRY_JOB)).isEqualTo(1);

        Order expired = customer.orders().getOrder(order.getId());
        assertThat(expired.getStatus()).isEqualTo(OrderStatus.EXPIRED);
        assertThat(expired.getSubOrders()).allSatisfy(sub -> assertThat(sub.getStatus()).isEqualTo(SubOrderStatus.EXPIRED));
        assertThat(expired.getHistory()).filteredOn(t -> t.getSubOrderId() == null).last()
                .satisfies(t -> assertThat(t.getActor()).isEqualTo("system"));
        assertThat(shop.stock(genmai).getReserved()).isZero();
        assertThat(shop.stock(genmai).getOnHand()).isEqualTo(3);
        assertThatThrownBy(() -> customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok")))
                .isInstanceOfSatisfying(ConflictException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.ILLEGAL_STATUS_TRANSITION);
                    assertThat(e.problem().toString()).contains("expired");
                });
        assertThat(server.runJob(OrderService.UNPAID_EXPIRY_JOB)).isZero();
        assertThat(shop.moneyEvents(order.getId())).isEmpty();
    }

    @Test
    void customersSeeOnlyTheirOwnOrdersAndCheckoutNeedsACustomer() throws Exception {
        Item kabusecha = shop.item(tea, "KABUSE-1", 1_800, 5, true);
        MarketplaceClient alice = shop.customer(UUID.randomUUID());
        MarketplaceClient bob = shop.customer(UUID.randomUUID());
        UUID aliceCart = shop.cartWith(alice, 1, kabusecha);
        Order aliceOrder = alice.orders().checkout(Shop.checkoutOf(aliceCart));

        assertThatThrownBy(() -> bob.orders().getOrder(aliceOrder.getId())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> bob.carts().getCart(aliceCart)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> bob.payments().payOrder(aliceOrder.getId(), new PaymentCreate().paymentMethod("pm_card_ok")))
                .isInstanceOf(NotFoundException.class);
        assertThat(bob.orders().listOrders().getItems()).isEmpty();
        assertThat(alice.orders().listOrders().getItems()).extracting(Order::getId).containsExactly(aliceOrder.getId());
        assertThat(server.client().orders().getOrder(aliceOrder.getId()).getId()).isEqualTo(aliceOrder.getId());
        assertThatThrownBy(() -> tea.client().orders().getOrder(aliceOrder.getId())).as("merchants see sub-orders only")
                .isInstanceOf(NotFoundException.class);

        UUID anonymousCart = shop.cartWith(shop.storefront, 1, kabusecha);
        assertThatThrownBy(() -> shop.storefront.orders().checkout(Shop.checkoutOf(anonymousCart)))
                .isInstanceOfSatisfying(PermissionException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CUSTOMER_REQUIRED));
        assertThatThrownBy(() -> bob.orders().checkout(Shop.checkoutOf(anonymousCart)))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CART_NOT_CLAIMED));
    }

    @Test
    void badCheckoutInputIsRefusedAndChangesNothing() throws Exception {
        Item shincha = shop.item(tea, "SHIN-1", 2_200, 5, true);
        UUID customerId = UUID.randomUUID();
        MarketplaceClient customer = shop.customer(customerId);
        UUID cartId = shop.cartWith(customer, 1, shincha);

        assertThatThrownBy(() -> customer.orders().checkout(Shop.checkoutOf(cartId).shippingAddress(
                Shop.address().country("Japan").phone("call me"))))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.fieldErrors())
                        .extracting(dev.marketplace.sdk.model.FieldError::getField)
                        .contains("shippingAddress/country", "shippingAddress/phone"));
        assertThatThrownBy(() -> customer.carts().setCartLine(cartId, shincha.variantId(), new CartLineSet().quantity(0)))
                .isInstanceOf(ValidationException.class);
        assertThat(server.db().fetchCount(CUSTOMER_ORDER, CUSTOMER_ORDER.CUSTOMER_ID.eq(customerId))).isZero();
        assertThat(shop.stock(shincha).getReserved()).isZero();
        assertThat(customer.carts().getCart(cartId).getLines()).singleElement()
                .satisfies(line -> assertThat(line.getQuantity()).isEqualTo(1));
    }

    private static HttpRequest checkoutRequest(UUID customerId, String body, String idempotencyKey) {
        return HttpRequest.newBuilder(server.uri("/v1/orders"))
                .header("Authorization", "Bearer " + shop.customerToken(customerId))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static SubOrder subOrderOf(Order order, ActiveMerchant merchant) {
        return order.getSubOrders().stream().filter(sub -> sub.getMerchantId().equals(merchant.id())).findFirst().orElseThrow();
    }

    static Money yen(long amount) {
        return new Money().amount(amount).currency("JPY");
    }
}
