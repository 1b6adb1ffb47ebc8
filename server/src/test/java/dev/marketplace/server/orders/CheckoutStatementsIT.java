package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.CouponCreate;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PointsAdjustmentCreate;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.StatementRecorder;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What one checkout costs PostgreSQL, counted (decision 57): statements and transactions of the request's thread. */
class CheckoutStatementsIT {

    @RegisterExtension
    static final TestServer server = new TestServer().with("points.base-rate-bp", "0");

    private static StatementRecorder recorder;
    private static Shop shop;
    private static ActiveMerchant tea;
    private static ActiveMerchant pottery;
    private static ActiveMerchant books;

    @BeforeAll
    static void openShopAndListen() throws Exception {
        shop = new Shop(server, 1000);
        tea = shop.merchant("Kyoto Tea Co., Ltd.");
        pottery = shop.merchant("Arita Pottery K.K.");
        books = shop.merchant("Kanda Books Ltd.");
        recorder = new StatementRecorder(server);
    }

    @AfterAll
    static void stopListening() {
        recorder.stop();
    }

    @Test
    void aCheckoutOfFiveLinesFromThreeMerchantsCostsAtMostTwentyFiveStatementsInOneTransaction() throws Exception {
        Item[] fiveLines = fiveLinesFromThreeMerchants("S-");
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        UUID cartId = shop.cartWith(customer, 1, fiveLines);

        List<String> statements = recordedDuring(() -> customer.orders().checkout(Shop.checkoutOf(cartId)));

        System.out.printf("checkout: %d statements, %d commits%n%s%n", statements.size(), commits(),
                String.join("\n", statements));
        // 23 counted on 2026-12-06 (decision 57), then the idempotency record's commit mark (decision 50) and the
        // answer's store: a ceiling, so that an added round trip is a decision, not a drift.
        assertThat(statements).as("statements of one checkout").hasSizeLessThanOrEqualTo(25);
        assertThat(commits()).as("transactions of one checkout").isEqualTo(1);
    }

    @Test
    void aCheckoutWithACouponOfLimitedUsesAndPointsCostsAtMostThreeStatementsMoreThanAPlainOne() throws Exception {
        Item[] fiveLines = fiveLinesFromThreeMerchants("D-");
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        String code = "STMT5-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase(Locale.ROOT);
        // As the discounted benchmark's: 5 % from the platform, its uses counted on stripes.
        server.client().promotions().createCoupon(new CouponCreate().code(code).name("bench-like")
                .kind(CouponCreate.KindEnum.PERCENTAGE).percentageBasisPoints(500).currency("JPY")
                .maxUses(1_000_000L).startsAt(now.minusHours(1)).endsAt(now.plusDays(1)));
        UUID customerId = UUID.randomUUID();
        MarketplaceClient customer = shop.customer(customerId);
        server.client().points().adjustPoints(new PointsAdjustmentCreate().customerId(customerId).points(1_000L)
                .reason("statements"));
        UUID plainCart = shop.cartWith(customer, 1, fiveLines);
        UUID discountedCart = shop.cartWith(customer, 1, fiveLines);

        List<String> plain = recordedDuring(() -> customer.orders().checkout(Shop.checkoutOf(plainCart)));
        List<String> discounted = recordedDuring(() -> {
            Order order = customer.orders().checkout(Shop.checkoutOf(discountedCart).couponCodes(List.of(code))
                    .redeemPoints(100L));
            assertThat(order.getDiscount().getAmount()).as("5 % of 13,199 and 100 points").isEqualTo(659L + 100);
            return order;
        });

        System.out.printf("plain checkout: %d statements; with a coupon and points: %d statements, %d commits%n%s%n",
                plain.size(), discounted.size(), commits(), String.join("\n", discounted));
        // 12 more on 2026-12-06 (decision 66): the coupon read apart from the automatic promotions, three statements
        // for a stripe, three for the coupon's order rows, four for the points lot, one for a channel of the code.
        assertThat(discounted.size() - plain.size()).as("statements a coupon and points add").isLessThanOrEqualTo(3);
        assertThat(commits()).as("transactions of one checkout").isEqualTo(1);
    }

    /** The benchmark's cart: two lines of tea (reduced tax), two of pottery, one book; 13,199 yen before tax. */
    private static Item[] fiveLinesFromThreeMerchants(String skuPrefix) throws Exception {
        return new Item[] {shop.item(tea, skuPrefix + "GYO", 3_000, 10, true),
                shop.item(tea, skuPrefix + "SEN", 1_200, 10, true),
                shop.item(pottery, skuPrefix + "BOWL", 4_999, 10, false),
                shop.item(pottery, skuPrefix + "CUP", 2_500, 10, false),
                shop.item(books, skuPrefix + "NOVEL", 1_500, 10, false)};
    }

    @Test
    void aRefusalOfAVariantKnownSoldOutReadsOnlyTheCartAndIsSoldAgainOnceStockIsBack() throws Exception {
        Item limited = shop.item(tea, "S-LIMITED", 5_000, 1, true);
        MarketplaceClient first = shop.customer(UUID.randomUUID());
        first.orders().checkout(Shop.checkoutOf(shop.cartWith(first, 1, limited)));
        List<UUID> carts = new ArrayList<>();
        List<MarketplaceClient> buyers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            MarketplaceClient buyer = shop.customer(UUID.randomUUID());
            buyers.add(buyer);
            carts.add(shop.cartWith(buyer, 1, limited));
        }
        recordedDuring(() -> refused(buyers.get(0), carts.get(0))); // finds it sold out

        List<String> statements = recordedDuring(() -> {
            refused(buyers.get(1), carts.get(1));
            refused(buyers.get(2), carts.get(2));
            return null;
        });

        System.out.printf("two refusals of a variant known sold out:%n%s%n", String.join("\n", statements));
        // Decision 70: the cart is read (its lines name the variants), nothing of the catalog, merchants, drop-ship or
        // stock; besides, only the platform's bookkeeping (the Idempotency-Key claimed and released, the refused write
        // audited, now and then a rate-limit lease or the revocation list's refresh).
        assertThat(statements).as("statements of two refusals reading the cart")
                .filteredOn(sql -> sql.contains("\"cart\"")).hasSize(2);
        assertThat(statements).as("statements of two refusals").noneMatch(sql -> sql.contains("\"stock_level\"")
                || sql.contains("\"product_variant\"") || sql.contains("\"merchant\"") || sql.contains("dropship"));

        // Stock made available by any commit (another node's, SQL) reaches every node's marks: sold again.
        server.db().execute("UPDATE stock_level SET on_hand = on_hand + 1 WHERE variant_id = ?", limited.variantId());
        Await.until(Duration.ofSeconds(5), "the restocked variant sold again", () -> {
            try {
                buyers.get(1).orders().checkout(Shop.checkoutOf(carts.get(1)));
                return true;
            } catch (ConflictException stillRefused) {
                return false;
            }
        });
    }

    private static Object refused(MarketplaceClient buyer, UUID cartId) {
        assertThatThrownBy(() -> buyer.orders().checkout(Shop.checkoutOf(cartId)))
                .isInstanceOfSatisfying(ConflictException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INSUFFICIENT_STOCK));
        return null;
    }

    /** The statements of the request's threads (those that read a cart) during {@code call}. */
    private static List<String> recordedDuring(StatementRecorder.Call call) throws Exception {
        return recorder.recordedDuring("cart", call);
    }

    private static int commits() {
        return recorder.commits();
    }
}
