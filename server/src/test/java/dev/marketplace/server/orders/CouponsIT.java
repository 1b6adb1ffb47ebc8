package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.LEDGER_ACCOUNT;
import static dev.marketplace.schema.Tables.PARKED_EVENT;
import static dev.marketplace.schema.Tables.PAYMENT;
import static dev.marketplace.schema.Tables.PAYMENT_REFUND;
import static dev.marketplace.schema.Tables.PROMOTION_REDEMPTION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.model.CartDiscountPreview;
import dev.marketplace.sdk.model.CartDiscountPreviewCoupon;
import dev.marketplace.sdk.model.CartDiscountPreviewFunder;
import dev.marketplace.sdk.model.CartDiscountPreviewRequest;
import dev.marketplace.sdk.model.Coupon;
import dev.marketplace.sdk.model.CouponCreate;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.PointsAdjustmentCreate;
import dev.marketplace.sdk.model.PositiveMoney;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.sdk.model.SubOrder;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.points.PointsModule;
import dev.marketplace.server.promotions.PromotionsModule;
import dev.marketplace.server.settlement.SettlementModule;
import dev.marketplace.server.testing.MovableClock;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
 * Coupons through the SDK: their limits under 200 concurrent checkouts, stacking with each other and with points,
 * the exact allocation over two merchants' lines, the funders' money in the ledger, a cancellation giving the coupons'
 * share back, unpaid orders giving uses back, automatic promotions, and the refusals.
 */
class CouponsIT {

    private static final MovableClock CLOCK = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(CLOCK).with("points.base-rate-bp", "0");

    private record Shopper(UUID customerId, MarketplaceClient client, UUID cartId) {
    }

    @Test
    void twoHundredConcurrentCheckoutsOnACouponOfFiftyUsesMakeExactlyFifty() throws Exception {
        Shop shop = new Shop(server, 1_000);
        Item tea = shop.item(shop.merchant("Kyoto Tea Co., Ltd."), "CPN-200", 2_000, 1_000, false);
        Coupon coupon = server.client().promotions().createCoupon(percentage("FIFTY-" + suffix(), 1_000)
                .maxUses(50L));
        List<Shopper> shoppers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            UUID customerId = UUID.randomUUID();
            MarketplaceClient customer = shop.customer(customerId);
            server.client().points().adjustPoints(new PointsAdjustmentCreate().customerId(customerId).points(100L)
                    .reason("flash sale"));
            shoppers.add(new Shopper(customerId, customer, shop.cartWith(customer, 1, tea)));
        }

        CountDownLatch start = new CountDownLatch(1);
        List<Future<Optional<Order>>> checkouts = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Shopper shopper : shoppers) {
                checkouts.add(threads.submit(() -> {
                    start.await();
                    return checkoutToTheEnd(shopper, coupon.getCode().toLowerCase());
                }));
            }
            start.countDown();
        }
        List<Order> placed = new ArrayList<>();
        for (Future<Optional<Order>> checkout : checkouts) {
            checkout.get().ifPresent(placed::add);
        }

        assertThat(placed).hasSize(50);
        assertThat(placed).as("10 % of 2,000 and 100 points")
                .allSatisfy(order -> assertThat(order.getDiscount().getAmount()).isEqualTo(200L + 100));
        Coupon after = server.client().promotions().getCoupon(coupon.getId());
        assertThat(after.getUses()).isEqualTo(50L);
        assertThat(after.getSpent().getAmount()).isEqualTo(50 * 200L);
        assertThat(server.db().fetchCount(PROMOTION_REDEMPTION, PROMOTION_REDEMPTION.COUPON_ID.eq(coupon.getId())))
                .isEqualTo(50);
        // The refused 150 left nothing behind: no order, no reserved unit, no points spent.
        assertThat(shop.stock(tea).getReserved()).isEqualTo(50L);
        List<UUID> buyers = placed.stream().map(Order::getCustomerId).toList();
        assertThat(buyers).doesNotHaveDuplicates();
        for (Shopper shopper : shoppers) {
            assertThat(pointsAvailable(shop, shopper.customerId()))
                    .isEqualTo(buyers.contains(shopper.customerId()) ? 0L : 100L);
            assertThat(shopper.client().orders().listOrders().getItems())
                    .hasSize(buyers.contains(shopper.customerId()) ? 1 : 0);
        }
    }

    private static long pointsAvailable(Shop shop, UUID customerId) {
        return server.clientWithToken(shop.customerToken(customerId, "points:read")).points().getPointsBalance()
                .getAvailable();
    }

    /** {@link Shop#checkoutToTheEnd} of the shopper's cart with the code and 100 points. */
    private static Optional<Order> checkoutToTheEnd(Shopper shopper, String code) {
        return Shop.checkoutToTheEnd(shopper.client(), Shop.checkoutOf(shopper.cartId()).couponCodes(List.of(code))
                .redeemPoints(100L), "coupon_exhausted");
    }

    @Test
    void couponsOfTwoFundersAndPointsStackAreAllocatedExactlyAndPostedToTheLedger() throws Exception {
        Shop shop = new Shop(server, 1_000);
        ActiveMerchant tea = shop.merchant("Uji Tea Co., Ltd.");
        ActiveMerchant pottery = shop.merchant("Mashiko Pottery K.K.");
        Item sencha = shop.item(tea, "CPN-SEN", 10_000, 50, false);
        Item cup = shop.item(pottery, "CPN-CUP", 5_000, 50, false);
        Coupon teaCoupon = tea.client().promotions().createCoupon(new CouponCreate().code("TEA-" + suffix())
                .name("1,000 off Uji tea").kind(CouponCreate.KindEnum.FIXED_AMOUNT)
                .amountOff(new PositiveMoney().amount(1_000L).currency("JPY")).currency("JPY")
                .minSpend(new Money().amount(5_000L).currency("JPY")).maxUsesPerCustomer(1)
                .startsAt(now().minusHours(1)).endsAt(now().plusDays(7)));
        assertThat(teaCoupon.getFunder()).isEqualTo("merchant:" + tea.id());
        Coupon platformCoupon = server.client().promotions().createCoupon(percentage("SUPER-" + suffix(), 1_000));
        assertThat(tea.client().promotions().listCoupons().getItems()).extracting(Coupon::getId)
                .as("a merchant sees the coupons it funds").contains(teaCoupon.getId())
                .doesNotContain(platformCoupon.getId());
        UUID customerId = UUID.randomUUID();
        MarketplaceClient customer = shop.customer(customerId);
        server.client().points().adjustPoints(new PointsAdjustmentCreate().customerId(customerId).points(500L)
                .reason("welcome"));

        // Tea's coupon takes 1,000 off the tea; the platform's 10 % of the rest (9,000 + 5,000) is 1,400, split
        // 900 / 500; 300 points pay for what is left (8,100 / 4,500): 193 / 107. The cart's preview shows it all
        // before checkout and takes nothing.
        UUID cartId = shop.cartWith(customer, 1, sencha, cup);
        List<String> codes = List.of(teaCoupon.getCode(), platformCoupon.getCode().toLowerCase());
        CartDiscountPreview preview = customer.carts().previewCartDiscount(cartId,
                new CartDiscountPreviewRequest().couponCodes(codes).redeemPoints(300L));
        assertThat(preview.getDiscount().getAmount()).isEqualTo(2_700L);
        assertThat(preview.getTotal().getAmount()).isEqualTo(16_500L);
        assertThat(preview.getToPay().getAmount()).isEqualTo(16_500L - 2_700);
        assertThat(preview.getLines()).extracting(line -> line.getVariantId(),
                        line -> line.getCouponDiscount().getAmount(), line -> line.getPointsDiscount().getAmount())
                .containsExactlyInAnyOrder(tuple(sencha.variantId(), 1_900L, 193L), tuple(cup.variantId(), 500L, 107L));
        assertThat(preview.getCoupons()).extracting(CartDiscountPreviewCoupon::getCouponId,
                        coupon -> coupon.getAmount().getAmount())
                .containsExactly(tuple(teaCoupon.getId(), 1_000L), tuple(platformCoupon.getId(), 1_400L));
        assertThat(preview.getFunders()).extracting(CartDiscountPreviewFunder::getFundedBy,
                        CartDiscountPreviewFunder::getMerchantId, funder -> funder.getCoupons().getAmount(),
                        funder -> funder.getPoints().getAmount())
                .containsExactlyInAnyOrder(
                        tuple(CartDiscountPreviewFunder.FundedByEnum.MERCHANT, tea.id(), 1_000L, 0L),
                        tuple(CartDiscountPreviewFunder.FundedByEnum.PLATFORM, null, 1_400L, 300L));
        assertThat(tea.client().promotions().getCoupon(teaCoupon.getId()).getUses()).isZero();
        assertThat(pointsAvailable(shop, customerId)).isEqualTo(500L);
        assertThatThrownBy(() -> customer.carts().previewCartDiscount(cartId,
                new CartDiscountPreviewRequest().couponCodes(codes).redeemPoints(501L)))
                .isInstanceOfSatisfying(MarketplaceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.of("insufficient_points")));

        Order order = customer.orders().checkout(Shop.checkoutOf(cartId).couponCodes(codes).redeemPoints(300L));
        assertThat(order.getDiscount().getAmount()).isEqualTo(1_000 + 1_400 + 300L);
        assertThat(order.getTotal().getAmount()).isEqualTo(15_000 + 1_500 - 2_700L);
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        settle();
        assertThat(shop.moneyEvents(order.getId())).contains("coupon_redeemed", "points_redeemed");
        assertThat(balance("platform_promotions_expense")).isEqualTo(1_400L);
        assertThat(balance("escrow")).as("escrow holds the sub-orders' full totals").isEqualTo(-16_500L);
        assertLedgerReconciled();

        // A second checkout of the tea coupon by the same customer passes its per-customer limit.
        assertThatThrownBy(() -> customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, sencha))
                .couponCodes(List.of(teaCoupon.getCode()))))
                .isInstanceOfSatisfying(MarketplaceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.of("coupon_exhausted")));

        // The tea sub-order is cancelled: the money refund leaves out what the coupons and points paid, which goes
        // back to their funders and the customer's points; the tea coupon's use comes back, the platform's 900.
        SubOrder teaPart = order.getSubOrders().stream().filter(s -> s.getMerchantId().equals(tea.id())).findFirst()
                .orElseThrow();
        tea.client().fulfilment().acceptSubOrder(teaPart.getId(), new StatusChangeReason());
        tea.client().fulfilment().cancelSubOrder(teaPart.getId(), new Rejection().reason("out of the season's tea"));
        shop.awaitRefundsSent(order.getId());
        assertThat(server.db().select(PAYMENT_REFUND.AMOUNT).from(PAYMENT_REFUND).join(PAYMENT)
                .on(PAYMENT.ID.eq(PAYMENT_REFUND.PAYMENT_ID)).where(PAYMENT.ORDER_ID.eq(order.getId()))
                .fetchSingle().value1()).isEqualTo(11_000L - 1_000 - 900 - 193);
        Coupon teaAfter = tea.client().promotions().getCoupon(teaCoupon.getId());
        assertThat(teaAfter.getUses()).isZero();
        assertThat(teaAfter.getSpent().getAmount()).isZero();
        Coupon platformAfter = server.client().promotions().getCoupon(platformCoupon.getId());
        assertThat(platformAfter.getUses()).isEqualTo(1L);
        assertThat(platformAfter.getSpent().getAmount()).isEqualTo(500L);
        settle();
        assertThat(balance("platform_promotions_expense")).isEqualTo(500L);
        assertThat(balance("escrow")).as("escrow holds the pottery's sub-order").isEqualTo(-5_500L);
        assertLedgerReconciled();
        assertThat(server.db().fetchCount(PARKED_EVENT)).as("parked events").isZero();
    }

    @Test
    void automaticPromotionsApplyByThemselvesAndUnpaidOrdersGiveTheirUsesBack() throws Exception {
        Shop shop = new Shop(server, 1_000);
        ActiveMerchant merchant = shop.merchant("Arita Porcelain Co.");
        Item plate = shop.item(merchant, "CPN-PLT", 3_000, 50, false);
        Coupon automatic = merchant.client().promotions().createCoupon(new CouponCreate().name("Spring: 5 % off")
                .kind(CouponCreate.KindEnum.PERCENTAGE).percentageBasisPoints(500).currency("JPY").maxUses(10L)
                .productIds(List.of(plate.productId())).startsAt(now().minusHours(1)).endsAt(now().plusDays(7)));
        assertThat(automatic.getAutomatic()).isTrue();
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 2, plate)));
        assertThat(order.getDiscount().getAmount()).isEqualTo(300L);
        assertThat(server.client().promotions().getCoupon(automatic.getId()).getUses()).isEqualTo(1L);

        // Not paid: an hour after its payment deadline the use and the budget come back.
        CLOCK.advance(Duration.ofDays(1));
        server.runJob(PromotionsModule.UNPAID_RELEASE_JOB);
        Coupon released = server.client().promotions().getCoupon(automatic.getId());
        assertThat(released.getUses()).isZero();
        assertThat(released.getSpent().getAmount()).isZero();

        // Ended: no longer applied.
        merchant.client().promotions().endCoupon(automatic.getId());
        Order later = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, plate)));
        assertThat(later.getDiscount().getAmount()).isZero();
    }

    @Test
    void codesThatDoNotApplyAreRefusedNamingTheCode() throws Exception {
        Shop shop = new Shop(server, 1_000);
        ActiveMerchant merchant = shop.merchant("Kanazawa Gold Leaf K.K.");
        Item leaf = shop.item(merchant, "CPN-LEAF", 1_000, 50, false);
        Coupon first = server.client().promotions().createCoupon(percentage("ONE-" + suffix(), 500));
        Coupon second = server.client().promotions().createCoupon(percentage("TWO-" + suffix(), 500));
        Coupon bigSpend = server.client().promotions().createCoupon(percentage("BIG-" + suffix(), 500)
                .minSpend(new Money().amount(100_000L).currency("JPY")));
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        assertRefused(shop, customer, leaf, "NO-SUCH-CODE", "coupon_unknown");
        assertThatThrownBy(() -> customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, leaf))
                .couponCodes(List.of(first.getCode(), second.getCode()))))
                .isInstanceOfSatisfying(MarketplaceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.of("coupons_not_stackable")));
        assertRefused(shop, customer, leaf, bigSpend.getCode(), "coupon_not_applicable");
        server.client().promotions().endCoupon(first.getId());
        assertRefused(shop, customer, leaf, first.getCode(), "coupon_not_applicable");
        assertThatThrownBy(() -> server.client().promotions().createCoupon(percentage(second.getCode().toLowerCase(), 100)))
                .isInstanceOfSatisfying(MarketplaceException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.of("coupon_code_taken")));
    }

    private static void assertRefused(Shop shop, MarketplaceClient customer, Item item, String code, String expected)
            throws Exception {
        UUID cart = shop.cartWith(customer, 1, item);
        assertThatThrownBy(() -> customer.orders().checkout(Shop.checkoutOf(cart).couponCodes(List.of(code))))
                .isInstanceOfSatisfying(MarketplaceException.class, e -> {
                    if (expected != null) {
                        assertThat(e.code()).isEqualTo(ErrorCode.of(expected));
                    }
                });
    }

    private static CouponCreate percentage(String code, int basisPoints) {
        return new CouponCreate().code(code).name("Platform " + code).kind(CouponCreate.KindEnum.PERCENTAGE)
                .percentageBasisPoints(basisPoints).currency("JPY").startsAt(now().minusHours(1))
                .endsAt(now().plusDays(7));
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(CLOCK).withOffsetSameInstant(ZoneOffset.UTC);
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    }

    private static void settle() {
        server.catchUp(PointsModule.ORDER_FOLLOWING, PromotionsModule.ORDER_FOLLOWING, SettlementModule.LEDGER_POSTING);
    }

    private static long balance(String account) {
        return server.db().select(LEDGER_ACCOUNT.BALANCE).from(LEDGER_ACCOUNT).where(LEDGER_ACCOUNT.NAME.eq(account))
                .fetchOptional(LEDGER_ACCOUNT.BALANCE).map(Number::longValue).orElse(0L);
    }

    private static void assertLedgerReconciled() {
        assertThat(server.client().settlement().getLedgerReconciliation().getReconciled()).isTrue();
    }
}
