package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.PROMOTION_COUPON_STRIPE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.MarketplaceException.CommunicationException;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.MarketplaceException.ServerException;
import dev.marketplace.sdk.model.Coupon;
import dev.marketplace.sdk.model.CouponCreate;
import dev.marketplace.sdk.model.CouponUpdate;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PositiveMoney;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.testing.Await;
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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Changing a coupon (decision 54) through the SDK: every field before it starts, only its name, end and limits once
 * it runs, nothing once ended; limits never below what is used; a stale version changes nothing; and a lower use
 * limit racing checkouts leaves exactly as many uses as the limit that won.
 */
class CouponChangesIT {

    private static final MovableClock CLOCK = new MovableClock();

    @RegisterExtension
    static final TestServer server = new TestServer().withClock(CLOCK);

    @Test
    void theDiscountChangesBeforeTheStartTheLimitsAlsoAfterAndNothingOnceEnded() throws Exception {
        Shop shop = new Shop(server, 1_000);
        ActiveMerchant merchant = shop.merchant("Tsubame Cutlery K.K.");
        Item knife = shop.item(merchant, "CCH-KNF", 4_000, 50, false);
        Coupon coupon = merchant.client().promotions().createCoupon(new CouponCreate().code("KNIFE-" + suffix())
                .name("500 off").kind(CouponCreate.KindEnum.FIXED_AMOUNT).currency("JPY")
                .amountOff(new PositiveMoney().amount(500L).currency("JPY")).maxUses(10L)
                .budget(new PositiveMoney().amount(5_000L).currency("JPY"))
                .startsAt(now().plusHours(1)).endsAt(now().plusDays(7)));
        assertThat(coupon.getVersion()).isEqualTo(1L);

        // Before its start: the discount changes; a stale version or none changes nothing.
        Coupon changed = merchant.client().promotions().updateCoupon(coupon.getId(), new CouponUpdate()
                .amountOff(new PositiveMoney().amount(800L).currency("JPY")).version(1L));
        assertThat(changed.getAmountOff().getAmount()).isEqualTo(800L);
        assertThat(changed.getVersion()).isEqualTo(2L);
        assertRefused(() -> merchant.client().promotions().updateCoupon(coupon.getId(),
                new CouponUpdate().name("stale").version(1L)), "version_conflict");
        assertRefused(() -> merchant.client().promotions().updateCoupon(coupon.getId(),
                new CouponUpdate().percentageBasisPoints(1_000).version(2L)), "validation_failed");
        assertRefused(() -> merchant.client().promotions().updateCoupon(coupon.getId(),
                new CouponUpdate().maxUsesPerCustomer(1).version(2L)), "coupon_limit_absent");

        // Started and used once: the discount stays; limits move, never below what is used.
        CLOCK.advance(Duration.ofHours(2));
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, knife))
                .couponCodes(List.of(coupon.getCode())));
        assertThat(order.getDiscount().getAmount()).isEqualTo(800L);
        assertRefused(() -> merchant.client().promotions().updateCoupon(coupon.getId(), new CouponUpdate()
                .amountOff(new PositiveMoney().amount(900L).currency("JPY")).version(2L)), "coupon_started");
        assertRefused(() -> merchant.client().promotions().updateCoupon(coupon.getId(), new CouponUpdate()
                .budget(new PositiveMoney().amount(799L).currency("JPY")).version(2L)), "coupon_limit_below_used");
        assertRefused(() -> merchant.client().promotions().updateCoupon(coupon.getId(), new CouponUpdate()
                .endsAt(now().minusMinutes(1)).version(2L)), "validation_failed");
        Coupon limited = merchant.client().promotions().updateCoupon(coupon.getId(), new CouponUpdate()
                .name("800 off, one left").maxUses(1L).budget(new PositiveMoney().amount(800L).currency("JPY"))
                .endsAt(now().plusDays(30)).version(2L));
        assertThat(limited.getMaxUses()).isEqualTo(1L);
        assertThat(limited.getBudget().getAmount()).isEqualTo(800L);
        assertThat(limited.getUses()).isEqualTo(1L);
        assertThat(stripesMax(coupon.getId())).as("the stripes hold the new limit").isEqualTo(1L);
        assertRefused(() -> customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, knife))
                .couponCodes(List.of(coupon.getCode()))), "coupon_exhausted");

        // Raised again: spread over stripes, one more checkout fits.
        Coupon raised = merchant.client().promotions().updateCoupon(coupon.getId(), new CouponUpdate().maxUses(40L)
                .budget(new PositiveMoney().amount(1_600L).currency("JPY")).version(limited.getVersion()));
        assertThat(stripesMax(coupon.getId())).isEqualTo(40L);
        assertThat(server.db().fetchCount(PROMOTION_COUPON_STRIPE, PROMOTION_COUPON_STRIPE.COUPON_ID
                .eq(coupon.getId()))).as("spread over 16 stripes again").isEqualTo(16);
        MarketplaceClient another = shop.customer(UUID.randomUUID());
        assertThat(another.orders().checkout(Shop.checkoutOf(shop.cartWith(another, 1, knife))
                .couponCodes(List.of(coupon.getCode()))).getDiscount().getAmount()).isEqualTo(800L);

        // Ended: nothing changes.
        merchant.client().promotions().endCoupon(coupon.getId());
        long version = merchant.client().promotions().getCoupon(coupon.getId()).getVersion();
        assertThat(version).isEqualTo(raised.getVersion() + 1);
        assertRefused(() -> merchant.client().promotions().updateCoupon(coupon.getId(),
                new CouponUpdate().name("again").version(version)), "coupon_ended");
        assertThat(server.client().promotions().createCoupon(new CouponCreate().code("OTHER-" + suffix())
                .name("another's").kind(CouponCreate.KindEnum.PERCENTAGE).percentageBasisPoints(500).currency("JPY")
                .minSpend(new Money().amount(0L).currency("JPY")).startsAt(now()).endsAt(now().plusDays(1))))
                .satisfies(platform -> assertRefused(() -> merchant.client().promotions().updateCoupon(
                        platform.getId(), new CouponUpdate().name("mine").version(1L)), "not_found"));
    }

    @Test
    void aLowerUseLimitRacingCheckoutsLeavesExactlyTheUsesOfTheLimitThatWon() throws Exception {
        Shop shop = new Shop(server, 1_000);
        ActiveMerchant merchant = shop.merchant("Seki Blades K.K.");
        Item blade = shop.item(merchant, "CCH-BLD", 2_000, 100, false);
        Coupon coupon = server.client().promotions().createCoupon(new CouponCreate().code("RACE-" + suffix())
                .name("10 % off").kind(CouponCreate.KindEnum.PERCENTAGE).percentageBasisPoints(1_000).currency("JPY")
                .maxUses(30L).startsAt(now().minusHours(1)).endsAt(now().plusDays(7)));
        List<MarketplaceClient> customers = new ArrayList<>();
        List<UUID> carts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            MarketplaceClient customer = shop.customer(UUID.randomUUID());
            customers.add(customer);
            carts.add(shop.cartWith(customer, 1, blade));
        }

        CountDownLatch start = new CountDownLatch(1);
        List<Future<Optional<Order>>> checkouts = new ArrayList<>();
        Future<Optional<Coupon>> change;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < customers.size(); i++) {
                MarketplaceClient customer = customers.get(i);
                UUID cart = carts.get(i);
                checkouts.add(threads.submit(() -> {
                    start.await();
                    return Shop.checkoutToTheEnd(customer, Shop.checkoutOf(cart).couponCodes(List.of(coupon.getCode())),
                            "coupon_exhausted");
                }));
            }
            change = threads.submit(() -> {
                start.await();
                return changeToTheEnd(coupon.getId());
            });
            start.countDown();
        }
        long placed = 0;
        for (Future<Optional<Order>> checkout : checkouts) {
            placed += checkout.get().isPresent() ? 1 : 0;
        }
        Coupon after = server.client().promotions().getCoupon(coupon.getId());
        long limit = change.get().isPresent() ? 10 : 30;
        assertThat(after.getMaxUses()).isEqualTo(limit);
        // Never more than the limit that won. Under contention a checkout waiting for a stripe that ran out can be
        // refused while another still has a use (decision 42), so the race need not fill the limit: the uses left
        // are taken one by one afterwards, exactly up to it.
        assertThat(placed).as("uses taken by 40 racing checkouts").isBetween(1L, limit);
        assertThat(after.getUses()).isEqualTo(placed);
        for (long more = placed; more < limit; more++) {
            MarketplaceClient late = shop.customer(UUID.randomUUID());
            assertThat(late.orders().checkout(Shop.checkoutOf(shop.cartWith(late, 1, blade))
                    .couponCodes(List.of(coupon.getCode()))).getDiscount().getAmount()).isEqualTo(200L);
        }
        MarketplaceClient oneTooMany = shop.customer(UUID.randomUUID());
        assertRefused(() -> oneTooMany.orders().checkout(Shop.checkoutOf(shop.cartWith(oneTooMany, 1, blade))
                .couponCodes(List.of(coupon.getCode()))), "coupon_exhausted");
        assertThat(server.client().promotions().getCoupon(coupon.getId()).getUses()).isEqualTo(limit);
        assertThat(stripesMax(coupon.getId())).isEqualTo(limit);
        assertThat(server.db().select(PROMOTION_COUPON_STRIPE.USES.sum()).from(PROMOTION_COUPON_STRIPE)
                .where(PROMOTION_COUPON_STRIPE.COUPON_ID.eq(coupon.getId())).fetchSingle().value1().longValue())
                .isEqualTo(limit);
    }

    /** The change to 10 uses, or empty when refused as below the uses held; resent when its answer was lost. */
    private static Optional<Coupon> changeToTheEnd(UUID couponId) {
        AtomicReference<Optional<Coupon>> outcome = new AtomicReference<>();
        Await.until(Duration.ofMinutes(5), "the change's final answer", () -> {
            try {
                outcome.set(Optional.of(server.client().promotions().updateCoupon(couponId,
                        new CouponUpdate().maxUses(10L).version(1L))));
                return true;
            } catch (ConflictException e) {
                if (e.code().equals(ErrorCode.of("version_conflict"))) { // an earlier attempt changed it
                    outcome.set(Optional.of(server.client().promotions().getCoupon(couponId))
                            .filter(coupon -> coupon.getMaxUses() == 10L));
                    assertThat(outcome.get()).isPresent();
                    return true;
                }
                assertThat(e.code()).isEqualTo(ErrorCode.of("coupon_limit_below_used"));
                outcome.set(Optional.empty());
                return true;
            } catch (ServerException | CommunicationException e) {
                return false;
            }
        });
        return outcome.get();
    }

    private static long stripesMax(UUID couponId) {
        return server.db().select(PROMOTION_COUPON_STRIPE.MAX_USES.sum()).from(PROMOTION_COUPON_STRIPE)
                .where(PROMOTION_COUPON_STRIPE.COUPON_ID.eq(couponId)).fetchSingle().value1().longValue();
    }

    private static void assertRefused(ThrowingCall call, String code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(MarketplaceException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.of(code)));
    }

    private interface ThrowingCall {
        void run() throws Exception;
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(CLOCK).withOffsetSameInstant(ZoneOffset.UTC);
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    }
}
