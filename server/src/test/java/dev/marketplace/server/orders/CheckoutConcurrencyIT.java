package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.CUSTOMER_ORDER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.model.CartLineSet;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderLine;
import dev.marketplace.sdk.model.OrderStatus;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.StockLevel;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 200 customers check out the last 10 units at once, through the SDK: exactly 10 orders, and the stock ends at 0. A
 * line set while its cart checks out is in the order or refused, never lost.
 */
class CheckoutConcurrencyIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final int CUSTOMERS = 200;
    private static final long STOCK = 10;

    private record Shopper(MarketplaceClient client, UUID cartId) {
    }

    @Test
    void twoHundredConcurrentCheckoutsOfTenUnitsMakeExactlyTenOrdersAndSellOut() throws Exception {
        Shop shop = new Shop(server, 1000);
        Item last = shop.item(shop.merchant("Kyoto Tea Co., Ltd."), "LAST-10", 5_000, STOCK, true);
        List<Shopper> shoppers = new ArrayList<>();
        for (int i = 0; i < CUSTOMERS; i++) {
            MarketplaceClient customer = shop.customer(UUID.randomUUID());
            shoppers.add(new Shopper(customer, shop.cartWith(customer, 1, last)));
        }

        CountDownLatch start = new CountDownLatch(1);
        List<Future<Optional<Order>>> checkouts = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Shopper shopper : shoppers) {
                checkouts.add(threads.submit(() -> {
                    start.await();
                    try {
                        return Optional.of(shopper.client().orders().checkout(Shop.checkoutOf(shopper.cartId())));
                    } catch (ConflictException e) {
                        assertThat(e.code()).isEqualTo(ErrorCode.INSUFFICIENT_STOCK);
                        return Optional.empty();
                    }
                }));
            }
            start.countDown();
        }
        List<Order> placed = new ArrayList<>();
        for (Future<Optional<Order>> checkout : checkouts) {
            checkout.get().ifPresent(placed::add);
        }

        assertThat(placed).hasSize((int) STOCK);
        assertThat(server.db().fetchCount(CUSTOMER_ORDER,
                CUSTOMER_ORDER.CART_ID.in(shoppers.stream().map(Shopper::cartId).toList()))).isEqualTo(STOCK);
        StockLevel reserved = shop.stock(last);
        assertThat(reserved.getAvailable()).isZero();
        assertThat(reserved.getReserved()).isEqualTo(STOCK);

        for (Order order : placed) {
            MarketplaceClient customer = shop.customer(order.getCustomerId());
            customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
            assertThat(customer.orders().getOrder(order.getId()).getStatus()).isEqualTo(OrderStatus.PAID);
        }
        StockLevel sold = shop.stock(last);
        assertThat(sold.getOnHand()).isZero();
        assertThat(sold.getReserved()).isZero();
    }

    @Test
    void aLineSetWhileItsCartChecksOutIsInTheOrderOrRefusedNeverLost() throws Exception {
        Shop shop = new Shop(server, 1000);
        ActiveMerchant tea = shop.merchant("Uji Tea Co., Ltd.");
        Item first = shop.item(tea, "RACE-1", 1_000, 1_000, false);
        Item second = shop.item(tea, "RACE-2", 2_000, 1_000, false);
        for (int round = 0; round < 20; round++) {
            MarketplaceClient customer = shop.customer(UUID.randomUUID());
            UUID cartId = shop.cartWith(customer, 1, first);
            CountDownLatch start = new CountDownLatch(1);
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Order> checkout = threads.submit(() -> {
                    start.await();
                    return customer.orders().checkout(Shop.checkoutOf(cartId));
                });
                Future<Boolean> lineSet = threads.submit(() -> {
                    start.await();
                    try {
                        customer.carts().setCartLine(cartId, second.variantId(), new CartLineSet().quantity(1));
                        return true;
                    } catch (ConflictException e) {
                        assertThat(e.code()).isEqualTo(ErrorCode.CART_CHECKED_OUT);
                        return false;
                    }
                });
                start.countDown();
                List<UUID> ordered = checkout.get().getSubOrders().stream()
                        .flatMap(subOrder -> subOrder.getLines().stream()).map(OrderLine::getVariantId).toList();
                List<UUID> expected = lineSet.get() ? List.of(first.variantId(), second.variantId())
                        : List.of(first.variantId());
                assertThat(ordered).as("round %d: the order holds the cart's lines as they were when it checked out",
                        round).containsExactlyInAnyOrderElementsOf(expected);
            }
        }
    }
}
