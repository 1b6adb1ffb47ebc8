package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.ChannelsApi;
import dev.marketplace.sdk.model.Channel;
import dev.marketplace.sdk.model.ChannelCodeCreate;
import dev.marketplace.sdk.model.ChannelCreate;
import dev.marketplace.sdk.model.ChannelKind;
import dev.marketplace.sdk.model.ChannelProgramme;
import dev.marketplace.sdk.model.Coupon;
import dev.marketplace.sdk.model.CouponCreate;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.OrderChannel;
import dev.marketplace.sdk.model.OrderReturn;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.PointsAdjustmentCreate;
import dev.marketplace.sdk.model.ReturnCreate;
import dev.marketplace.sdk.model.ReturnReceipt;
import dev.marketplace.sdk.model.ReturnRefund;
import dev.marketplace.sdk.model.ShareTier;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.ShipmentLine;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.sdk.model.SubOrder;
import dev.marketplace.server.catalog.CatalogModule;
import dev.marketplace.server.inventory.InventoryModule;
import dev.marketplace.server.merchants.MerchantsModule;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.payments.PaymentsModule;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.SecurityModule;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Checkout, a sub-order's rejection and a return's refund as their steps (decision 30): a step that fails leaves
 * nothing of the steps before it — stock, points, coupon uses, attribution, commission and refunds as they were — and
 * the same process then succeeds. Real failures where the API can cause them (an exhausted coupon, too many points,
 * an unknown channel code, another shopper taking the last unit between the stock check and the reservation); a port
 * that fails after doing its real work where nothing outside can (the refund request, the last step of a rejection
 * and of a return's refund). Also the order's channel: a coupon code a channel holds attributes the order, a channel
 * code wins over it, and the order and its lifecycle events name the channel.
 */
class OrderStepsIT {

    @RegisterExtension
    // Points earning is off, so a balance moves only by what checkout spends and what comes back.
    static final TestServer server = new TestServer().with("points.base-rate-bp", "0");

    private static Shop shop;
    private static ActiveMerchant tea;
    private static Channel media;
    private static Channel creator;

    @BeforeAll
    static void scene() throws Exception {
        shop = new Shop(server, 1_000);
        tea = shop.merchant("Steps Tea K.K.");
        ChannelsApi channels = server.client().channels();
        media = channels.createChannel(channel("Steps media"), key());
        channels.createChannelCode(media.getId(), new ChannelCodeCreate().code("STEPS-MEDIA"), key());
        creator = channels.createChannel(channel("Steps creator"), key());
    }

    @Test
    void aCheckoutStepThatFailsLeavesNothingOfTheStepsBeforeIt() throws Exception {
        Item sencha = shop.item(tea, "ST-SEN", 10_000, 1, false);
        Coupon once = server.client().promotions().createCoupon(platformCoupon("ONCE-" + suffix()).maxUses(1L));
        UUID customerId = UUID.randomUUID();
        MarketplaceClient customer = customer(customerId, 500);
        UUID cart = shop.cartWith(customer, 1, sencha);

        // The coupon step fails (no such code): nothing was written.
        assertCode(() -> customer.orders().checkout(Shop.checkoutOf(cart).couponCodes(List.of("NO-SUCH-" + suffix()))),
                "coupon_unknown");
        // The points step fails after the coupon's use was counted: the use comes back.
        assertCode(() -> customer.orders().checkout(Shop.checkoutOf(cart).couponCodes(List.of(once.getCode()))
                .redeemPoints(501L)), null);
        assertUntouched(customer, once, sencha);
        // The attribution step fails after the coupon and the points: both come back.
        assertCode(() -> customer.orders().checkout(Shop.checkoutOf(cart).couponCodes(List.of(once.getCode()))
                .redeemPoints(300L).channelCode("NO-SUCH-CODE")), "validation_failed");
        assertUntouched(customer, once, sencha);

        // The reservation fails because another shopper bought the last unit after the stock was seen: the coupon's
        // use, the points, the attribution and the order's rows are undone with it.
        MarketplaceClient other = customer(UUID.randomUUID(), 0);
        UUID otherCart = shop.cartWith(other, 1, sencha);
        OrderPorts real = server.module(OrdersModule.class).orders().ports();
        OrderAttribution thenTheLastUnitIsSold = new OrderAttribution() {
            @Override
            public Optional<Order.Channel> placed(DSLContext tx, Principal placedBy, UUID orderId, UUID customer,
                                                  Optional<String> channelCode, List<String> couponCodes,
                                                  List<OrderAttribution.SubOrder> subOrders) {
                Optional<Order.Channel> channel = real.attribution().placed(tx, placedBy, orderId, customer,
                        channelCode, couponCodes, subOrders);
                try {
                    other.orders().checkout(Shop.checkoutOf(otherCart));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return channel;
            }

            @Override
            public Optional<Order.Channel> channelOf(DSLContext db, UUID orderId) {
                return real.attribution().channelOf(db, orderId);
            }
        };
        OrderService racing = orderService(new OrderPorts(real.coupons(), real.points(), thenTheLastUnitIsSold,
                real.supplyFreshness()));
        assertThatThrownBy(() -> racing.checkout(shopper(customerId), new CheckoutRequest(cart, address(), 300,
                List.of(once.getCode()), Optional.of("STEPS-MEDIA"))))
                .isInstanceOfSatisfying(dev.marketplace.server.platform.http.ProblemException.class,
                        e -> assertThat(e.status()).isEqualTo(409));
        assertThat(server.client().promotions().getCoupon(once.getId()).getUses()).isZero();
        assertThat(points(customerId)).isEqualTo(500);
        assertThat(server.client().channels().listChannelOrders(media.getId()).getItems())
                .as("the channel is shared by the tests: none of its orders is this customer's")
                .extracting(dev.marketplace.sdk.model.ChannelOrder::getCustomerId).doesNotContain(customerId);
        assertThat(customer.orders().listOrders().getItems()).isEmpty();
        assertThat(shop.stock(sencha).getReserved()).as("only the other shopper's unit").isEqualTo(1);
    }

    @Test
    void aCouponCodeAChannelHoldsAttributesTheOrderAndAChannelCodeWinsOverIt() throws Exception {
        Item sencha = shop.item(tea, "ST-ATT", 10_000, 10, false);
        Coupon creatorCoupon = server.client().promotions().createCoupon(platformCoupon("SAKURA-" + suffix()));
        server.client().channels().createChannelCode(creator.getId(),
                new ChannelCodeCreate().code(creatorCoupon.getCode()), key());
        MarketplaceClient customer = customer(UUID.randomUUID(), 0);

        var byCoupon = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, sencha))
                .couponCodes(List.of(creatorCoupon.getCode())));
        assertThat(byCoupon.getChannel()).isEqualTo(new OrderChannel().channelId(creator.getId())
                .attributedBy(OrderChannel.AttributedByEnum.CODE).code(creatorCoupon.getCode()));
        assertThat(customer.orders().getOrder(byCoupon.getId()).getChannel()).isEqualTo(byCoupon.getChannel());
        assertThat(placedEventPayload(byCoupon.getId())).contains("\"channelId\": \"" + creator.getId() + "\"");

        var byChannelCode = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, sencha))
                .couponCodes(List.of(creatorCoupon.getCode())).channelCode("steps-media"));
        assertThat(byChannelCode.getChannel().getChannelId()).isEqualTo(media.getId());
        assertThat(byChannelCode.getChannel().getCode()).isEqualTo("steps-media");

        var none = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, sencha)));
        assertThat(none.getChannel()).as("the storefront is no channel").isNull();
    }

    @Test
    void aRejectionWhoseRefundRequestFailsLeavesTheSubOrderItsStockPointsAndCouponAsTheyWere() throws Exception {
        Item sencha = shop.item(tea, "ST-REJ", 10_000, 10, false);
        Coupon coupon = server.client().promotions().createCoupon(platformCoupon("REJ-" + suffix()).maxUses(1L));
        UUID customerId = UUID.randomUUID();
        MarketplaceClient customer = customer(customerId, 500);
        var order = paid(customer, Shop.checkoutOf(shop.cartWith(customer, 2, sencha))
                .couponCodes(List.of(coupon.getCode())).redeemPoints(300L));
        UUID subOrder = order.getSubOrders().getFirst().getId();
        long onHand = shop.stock(sencha).getOnHand();

        FulfilmentService failing = new FulfilmentService(server.db(), module(InventoryModule.class).reservations(),
                failingAfter(module(PaymentsModule.class).refunds()), Duration.ofDays(7),
                module(SecurityModule.class).piiKeys(), server.module(OrdersModule.class).orders().ports());
        assertThatThrownBy(() -> failing.reject(merchant(), subOrder, "out of stock"))
                .hasStackTraceContaining("refund request failed");

        assertThat(tea.client().fulfilment().getSubOrder(subOrder).getStatus().getValue())
                .isEqualTo("awaiting_acceptance");
        assertThat(shop.stock(sencha).getOnHand()).as("the stock was not returned").isEqualTo(onHand);
        assertThat(points(customerId)).isEqualTo(200);
        assertThat(server.client().promotions().getCoupon(coupon.getId()).getUses()).isEqualTo(1);
        assertThat(shop.moneyEvents(order.getId())).doesNotContain("commission_reversed");
        assertThat(eventTypes(order.getId())).doesNotContain("refund_requested", "sub_order_rejected");

        // The same rejection through the server: everything the failed one left is given back.
        tea.client().fulfilment().rejectSubOrder(subOrder, new dev.marketplace.sdk.model.Rejection().reason("out"));
        assertThat(shop.stock(sencha).getOnHand()).isEqualTo(onHand + 2);
        assertThat(points(customerId)).isEqualTo(500);
        assertThat(shop.moneyEvents(order.getId())).contains("commission_reversed");
        assertThat(eventTypes(order.getId())).contains("refund_requested", "sub_order_rejected");
    }

    @Test
    void aReturnRefundWhoseRefundRequestFailsLeavesTheReturnReceivedAndThePointsAndCommissionAsTheyWere()
            throws Exception {
        Item sencha = shop.item(tea, "ST-RET", 10_000, 10, false);
        UUID customerId = UUID.randomUUID();
        MarketplaceClient customer = customer(customerId, 500);
        var order = paid(customer, Shop.checkoutOf(shop.cartWith(customer, 2, sencha)).redeemPoints(200L));
        SubOrder subOrder = order.getSubOrders().getFirst();
        tea.client().fulfilment().acceptSubOrder(subOrder.getId(), new StatusChangeReason());
        tea.client().fulfilment().shipSubOrder(subOrder.getId(), new ShipmentCreate().carrier("Yamato")
                .trackingNumber("ST-" + suffix()));
        OrderReturn requested = customer.returns().requestReturn(order.getId(), new ReturnCreate()
                .subOrderId(subOrder.getId()).reason("damaged").lines(List.of(new ShipmentLine().lineNumber(0)
                        .quantity(1))));
        tea.client().returns().approveReturn(requested.getId(), new StatusChangeReason());
        tea.client().returns().receiveReturn(requested.getId(), new ReturnReceipt());

        ReturnService failing = new ReturnService(server.db(), module(InventoryModule.class).inventory(),
                failingAfter(module(PaymentsModule.class).refunds()), module(SecurityModule.class).piiKeys(),
                server.module(OrdersModule.class).orders().ports());
        assertThatThrownBy(() -> failing.refund(merchant(), requested.getId(), Optional.empty()))
                .hasStackTraceContaining("refund request failed");

        assertThat(tea.client().returns().getReturn(requested.getId()).getStatus().getValue()).isEqualTo("received");
        assertThat(points(customerId)).isEqualTo(300);
        assertThat(shop.moneyEvents(order.getId())).doesNotContain("commission_reversed");
        assertThat(eventTypes(order.getId())).doesNotContain("refund_requested", "return_refunded");

        tea.client().returns().refundReturn(requested.getId(), new ReturnRefund());
        assertThat(points(customerId)).as("the returned unit's points").isEqualTo(400);
        assertThat(shop.moneyEvents(order.getId())).contains("commission_reversed");
        assertThat(eventTypes(order.getId())).contains("refund_requested", "return_refunded");
    }

    /** The real refund request, then a failure: the last step of a rejection or refund fails after its work. */
    private static RefundRequests failingAfter(RefundRequests real) {
        return (tx, orderId, subOrderId, amount, reason) -> {
            real.request(tx, orderId, subOrderId, amount, reason);
            throw new IllegalStateException("refund request failed (as the test asks)");
        };
    }

    private static OrderService orderService(OrderPorts ports) {
        return new OrderService(server.db(), module(CatalogModule.class).products(),
                module(MerchantsModule.class).service(), module(InventoryModule.class).reservations(),
                new TaxRates(1_000, 800), Duration.ofMinutes(30), Duration.ofDays(2),
                module(SecurityModule.class).piiKeys(), ports);
    }

    private static <M extends dev.marketplace.server.platform.modules.Module> M module(Class<M> type) {
        return server.module(type);
    }

    private static Principal shopper(UUID customerId) {
        return new Principal(PrincipalType.STOREFRONT, shop.storefrontId, "storefront",
                Set.of("cart:write", "orders:write"), customerId);
    }

    private static Principal merchant() {
        return new Principal(PrincipalType.MERCHANT, tea.id(), "merchant", Set.of("orders:write"));
    }

    private static Order.ShippingAddress address() {
        return new Order.ShippingAddress("Sato Yui", "JP", "150-0001", "Tokyo", "Shibuya-ku", "1-2-3 Jingumae", null,
                "+81 3-1234-5678");
    }

    private static MarketplaceClient customer(UUID customerId, long points) throws Exception {
        if (points > 0) {
            server.client().points().adjustPoints(new PointsAdjustmentCreate().customerId(customerId).points(points)
                    .reason("welcome"));
        }
        return server.clientWithToken(shop.customerToken(customerId, "cart:write", "orders:read", "orders:write",
                "points:read"));
    }

    private static long points(UUID customerId) throws Exception {
        return server.clientWithToken(shop.customerToken(customerId, "points:read")).points().getPointsBalance()
                .getAvailable();
    }

    private static dev.marketplace.sdk.model.Order paid(MarketplaceClient customer,
                                                        dev.marketplace.sdk.model.OrderCreate checkout)
            throws Exception {
        var order = customer.orders().checkout(checkout);
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        return customer.orders().getOrder(order.getId());
    }

    /** Nothing of a failed checkout is left: the coupon unused, the points unspent, no order, no stock reserved. */
    private static void assertUntouched(MarketplaceClient customer, Coupon coupon, Item item) throws Exception {
        assertThat(server.client().promotions().getCoupon(coupon.getId()).getUses()).isZero();
        assertThat(customer.points().getPointsBalance().getAvailable()).isEqualTo(500);
        assertThat(customer.orders().listOrders().getItems()).isEmpty();
        assertThat(shop.stock(item).getReserved()).isZero();
    }

    private static void assertCode(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String code) {
        assertThatThrownBy(call).isInstanceOfSatisfying(MarketplaceException.class, e -> {
            if (code != null) {
                assertThat(e.code()).isEqualTo(ErrorCode.of(code));
            }
        });
    }

    private static List<String> eventTypes(UUID orderId) {
        return server.db().select(DOMAIN_EVENT.TYPE).from(DOMAIN_EVENT).where(DOMAIN_EVENT.ORDER_ID.eq(orderId))
                .fetch(DOMAIN_EVENT.TYPE);
    }

    private static String placedEventPayload(UUID orderId) {
        return server.db().select(DOMAIN_EVENT.PAYLOAD).from(DOMAIN_EVENT).where(DOMAIN_EVENT.ORDER_ID.eq(orderId))
                .and(DOMAIN_EVENT.TYPE.eq("order_placed")).fetchSingle(DOMAIN_EVENT.PAYLOAD).data();
    }

    private static ChannelCreate channel(String name) {
        return new ChannelCreate().name(name).kind(ChannelKind.MEDIA).programme(new ChannelProgramme()
                .currency("JPY").period(ChannelProgramme.PeriodEnum.MONTH)
                .fundedBy(ChannelProgramme.FundedByEnum.PLATFORM)
                .tiers(List.of(new ShareTier().from(0L).rateBasisPoints(1000)))
                .quarterlyGmvTarget(new Money().amount(1_000_000L).currency("JPY")));
    }

    private static CouponCreate platformCoupon(String code) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return new CouponCreate().code(code).name("Platform " + code).kind(CouponCreate.KindEnum.PERCENTAGE)
                .percentageBasisPoints(500).currency("JPY").startsAt(now.minusHours(1)).endsAt(now.plusDays(7));
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    }

    private static RequestOptions key() {
        return RequestOptions.builder().idempotencyKey(UUID.randomUUID().toString()).build();
    }
}
