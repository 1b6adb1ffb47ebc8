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
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.TransactionContext;
import org.jooq.TransactionListener;
import org.jooq.TransactionListenerProvider;
import org.jooq.impl.DefaultExecuteListenerProvider;
import org.jooq.impl.DefaultTransactionListenerProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What one checkout costs PostgreSQL, counted (decision 57): the statements jOOQ sends and the transactions it
 * commits on the request's thread, machine-independent unlike timings. A test-only listener on the server's own
 * configuration records them; background jobs run on other threads and are left out.
 */
class CheckoutStatementsIT {

    @RegisterExtension
    static final TestServer server = new TestServer().with("points.base-rate-bp", "0");

    private static final Map<Thread, List<String>> STATEMENTS = new ConcurrentHashMap<>();
    private static final Map<Thread, List<String>> COMMITS = new ConcurrentHashMap<>();
    /** The threads that ran the recorded request (those that read a cart). */
    private static volatile List<Thread> requestThreads = List.of();
    private static volatile boolean recording;
    private static TransactionListenerProvider[] serversTransactionListeners;
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
        server.db().configuration().set(new DefaultExecuteListenerProvider(new ExecuteListener() {
            @Override
            public void executeStart(ExecuteContext ctx) {
                // The rate limiter leases tokens for many requests at once, whichever request runs out: not a
                // checkout's own statement.
                if (recording && !ctx.sql().contains("lease_rate_limit_tokens")) {
                    STATEMENTS.computeIfAbsent(Thread.currentThread(), t -> new CopyOnWriteArrayList<>()).add(ctx.sql());
                }
            }
        }));
        // Beside the server's own transaction listener (CommitWatch marks idempotent effects committed), not instead.
        serversTransactionListeners = server.db().configuration().transactionListenerProviders();
        TransactionListenerProvider[] listeners = Arrays.copyOf(serversTransactionListeners, serversTransactionListeners.length + 1);
        listeners[serversTransactionListeners.length] = new DefaultTransactionListenerProvider(new TransactionListener() {
            @Override
            public void commitEnd(TransactionContext ctx) {
                if (recording) {
                    COMMITS.computeIfAbsent(Thread.currentThread(), t -> new CopyOnWriteArrayList<>()).add("commit");
                }
            }
        });
        server.db().configuration().set(listeners);
    }

    @AfterAll
    static void stopListening() {
        server.db().configuration().set(new DefaultExecuteListenerProvider[0]);
        server.db().configuration().set(serversTransactionListeners);
    }

    @Test
    void aCheckoutOfFiveLinesFromThreeMerchantsCostsAtMostTwentyTwoStatementsInOneTransaction() throws Exception {
        Item[] fiveLines = fiveLinesFromThreeMerchants("S-");
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        UUID cartId = shop.cartWith(customer, 1, fiveLines);

        List<String> statements = recordedDuring(() -> customer.orders().checkout(Shop.checkoutOf(cartId)));

        System.out.printf("checkout: %d statements, %d commits%n%s%n", statements.size(), commits(),
                String.join("\n", statements));
        // 23 counted on 2026-12-06 (decisions 57, 50, 72), 22 since the payment deadline is read by the cart's
        // mark (decision 74): a ceiling, so that an added round trip is a decision, not a drift.
        assertThat(statements).as("statements of one checkout").hasSizeLessThanOrEqualTo(22);
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
        // Not counted: the first checkout of these variants reads the catalog the later ones find in memory.
        customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, fiveLines)));

        List<String> plain = recordedDuring(() -> customer.orders().checkout(Shop.checkoutOf(plainCart)));
        List<String> discounted = recordedDuring(() -> {
            Order order = customer.orders().checkout(Shop.checkoutOf(discountedCart).couponCodes(List.of(code))
                    .redeemPoints(100L));
            assertThat(order.getDiscount().getAmount()).as("5 % of 13,199 and 100 points").isEqualTo(659L + 100);
            return order;
        });

        System.out.printf("plain checkout: %d statements; with a coupon and points: %d statements, %d commits%n%s%n",
                plain.size(), discounted.size(), commits(), String.join("\n", discounted));
        // 12 more before decision 66, 3 since: a stripe's use, the coupon's order rows, the points lots locked. Both
        // checkouts on a catalog already in memory (before decision 74 the plain one here read it, 26 against 26).
        assertThat(plain).as("statements of the plain checkout").hasSizeLessThanOrEqualTo(22);
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

    private interface Call {
        Object call() throws Exception;
    }

    /** The statements of the thread that ran the most of them during {@code call} (the request's). */
    private static List<String> recordedDuring(Call call) throws Exception {
        STATEMENTS.clear();
        COMMITS.clear();
        recording = true;
        try {
            call.call();
        } finally {
            recording = false;
        }
        Map<Thread, List<String>> byThread = Map.copyOf(STATEMENTS);
        requestThreads = byThread.entrySet().stream()
                .filter(entry -> entry.getValue().stream().anyMatch(sql -> sql.contains("cart")))
                .map(Map.Entry::getKey).toList();
        return requestThreads.stream().flatMap(thread -> byThread.get(thread).stream()).collect(Collectors.toList());
    }

    private static int commits() {
        return requestThreads.stream().mapToInt(thread -> COMMITS.getOrDefault(thread, List.of()).size()).sum();
    }
}
