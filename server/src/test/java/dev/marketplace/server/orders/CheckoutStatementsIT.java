package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.AUDIT_EVENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.CouponCreate;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PointsAdjustmentCreate;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.platform.persistence.ChangeNotifications;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.StatementRecorder;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    void aCheckoutOfFiveLinesFromThreeMerchantsCostsAtMostSeventeenStatementsInOneTransaction() throws Exception {
        Item[] fiveLines = fiveLinesFromThreeMerchants("S-");
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        UUID cartId = shop.cartWith(customer, 1, fiveLines);

        List<String> statements = recordedDuring(() -> customer.orders().checkout(Shop.checkoutOf(cartId)));

        System.out.printf("checkout: %d statements, %d commits%n%s%n", statements.size(), commits(),
                String.join("\n", statements));
        // 23 counted on 2026-12-06 (decisions 57, 50, 72), 22 since the payment deadline is read by the cart's
        // mark (decision 74), 21 without the audit line, which the recorder leaves out; 17 since the order's rows are
        // one statement and the reservation's with its levels another (decision 87): a ceiling, so that an added
        // round trip is a decision, not a drift. Not counted: the cart's announcement (decision 94), one statement
        // for a batch of checkouts on a connection of its own, while the checkout's statements run. 18 since statements
        // are counted at the connection (decision 100): the variants' read, rendered once and sent through JDBC
        // (decision 58), was always sent but the jOOQ listener never saw it. 17 since the attribution's read and its row
        // are one statement (decision 109). 18 since the checkout's commit leaves its stock rows before its flush and
        // the answer waits for a flushing statement after it (decision 111). 17 since the history and the order's event
        // are one statement (decision 117).
        assertThat(statements).as("statements of one checkout").hasSizeLessThanOrEqualTo(17);
        assertThat(statements).as("the history and the order's event, one statement (decision 117)")
                .filteredOn(sql -> sql.contains("\"domain_event\""))
                .singleElement().asString().contains("insert into \"order_transition\"");
        assertThat(commits()).as("transactions of one checkout").isEqualTo(1);
        // Decision 111: the transaction (opened by the cart's mark) commits unflushed; the WAL is flushed past it after
        // its last statement (the key's mark) and before the answer is kept for replays, i.e. before it is sent.
        int cartMark = indexOf(statements, "update \"cart\" set \"checked_out_order_id\"");
        int keyMark = indexOf(statements, "set \"committed_at\"");
        int flush = indexOf(statements, "pg_logical_emit_message(true");
        int keptAnswer = indexOf(statements, "set \"state\" = 'completed'");
        assertThat(statements.get(cartMark)).as("the checkout's commit set not to wait for the flush")
                .contains("set_config('synchronous_commit', 'off', true)");
        assertThat(List.of(cartMark, keyMark, flush, keptAnswer)).as("mark, key's mark, flush, kept answer")
                .isSorted().doesNotContain(-1);
    }

    private static int indexOf(List<String> statements, String part) {
        for (int i = 0; i < statements.size(); i++) {
            if (statements.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
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
        assertThat(plain).as("statements of the plain checkout (decisions 100, 109, 111, 117)")
                .hasSizeLessThanOrEqualTo(17);
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
    void refusalsOfAVariantKnownSoldOutRunNoStatementAndItIsSoldAgainOnceStockIsBack() throws Exception {
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
        refused(buyers.get(0), carts.get(0)); // finds it sold out
        long auditedBefore = auditedRefusals();

        // Decision 79: once the mark is set and the carts' announcements have caught up with it (a heartbeat), a
        // refusal reads nothing and writes nothing on its way: no cart, no Idempotency-Key, no stock, no catalog.
        List<List<String>> rounds = new ArrayList<>();
        Await.until(Duration.ofSeconds(5), "two refusals from memory alone", () -> {
            List<String> statements = recorder.allDuring(() -> {
                refused(buyers.get(1), carts.get(1));
                refused(buyers.get(2), carts.get(2));
                return null;
            });
            rounds.add(statements);
            return statements.stream().noneMatch(CheckoutStatementsIT::aRefusalsOwn);
        });
        System.out.printf("two refusals of a variant known sold out, after %d rounds:%n%s%n", rounds.size(),
                String.join("\n", rounds.getLast()));
        // Their audit lines are written too, in a batch, a moment later.
        Await.until(Duration.ofSeconds(5), "the refusals audited",
                () -> auditedRefusals() >= auditedBefore + 2L * rounds.size());

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

    @Test
    void aResentCheckoutThatTookTheLastUnitIsReplayedAndAResentRefusalIsDecidedAgain() throws Exception {
        Item limited = shop.item(tea, "S-LAST", 5_000, 1, true);
        UUID winner = UUID.randomUUID();
        UUID winnersCart = shop.cartWith(shop.customer(winner), 1, limited);
        String winnersKey = UUID.randomUUID().toString();
        HttpResponse<String> sold = checkout(winner, winnersCart, winnersKey);
        assertThat(sold.statusCode()).isEqualTo(201);
        UUID loser = UUID.randomUUID();
        UUID losersCart = shop.cartWith(shop.customer(loser), 1, limited);
        String losersKey = UUID.randomUUID().toString();
        Await.until(Duration.ofSeconds(5), "a refusal from memory alone", () -> {
            List<String> statements = recorder.allDuring(() -> {
                assertThat(checkout(loser, losersCart, losersKey).statusCode()).isEqualTo(409);
                return null;
            });
            return statements.stream().noneMatch(CheckoutStatementsIT::aRefusalsOwn);
        });

        // The winner's resend finds its key's stored answer, not the sold-out mark.
        HttpResponse<String> resent = checkout(winner, winnersCart, winnersKey);
        assertThat(resent.statusCode()).isEqualTo(201);
        assertThat(resent.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(resent.body()).isEqualTo(sold.body());

        // The loser's refusal changed nothing and kept no key: the same request, once stock is back, is sold.
        server.db().execute("UPDATE stock_level SET on_hand = on_hand + 1 WHERE variant_id = ?", limited.variantId());
        Await.until(Duration.ofSeconds(5), "the resent refusal sold once stock is back",
                () -> checkout(loser, losersCart, losersKey).statusCode() == 201);
    }

    /**
     * Decision 94: the checkout's cart is forgotten by every node's {@link OpenCarts} through an announcement committed
     * before the checkout's commit, in a batch of its own: neither the checkout's transaction nor the cart's triggers
     * notify (a notifying commit holds PostgreSQL's cluster-wide notify lock through its WAL flush, decision 87).
     */
    @Test
    void aCheckedOutCartIsForgottenByAnotherNodeWithoutANotificationInTheCheckoutsTransaction() throws Exception {
        OpenCarts elsewhere = new OpenCarts();
        try (ChangeNotifications delivery = listeningElsewhere(elsewhere)) {
            Item item = shop.item(tea, "S-ANNOUNCED", 2_000, 10, true);
            MarketplaceClient customer = shop.customer(UUID.randomUUID());
            UUID checkedOut = shop.cartWith(customer, 1, item);
            UUID markedBySql = shop.cartWith(customer, 1, item);
            Await.until(Duration.ofSeconds(5), "both carts announced open elsewhere",
                    () -> elsewhere.find(checkedOut).isPresent() && elsewhere.find(markedBySql).isPresent());

            List<String> statements = recordedDuring(() -> customer.orders().checkout(Shop.checkoutOf(checkedOut)));
            delivery.awaitDelivery(); // everything committed before the answer has reached the other node
            assertThat(elsewhere.find(checkedOut)).as("the checked-out cart, elsewhere").isEmpty();
            assertThat(statements).as("the checkout's own statements").noneMatch(sql -> sql.contains("pg_notify"));

            // The cart's triggers announce no checked-out cart: the checkout's announcement alone made it forgotten.
            server.db().execute("UPDATE cart SET checked_out_order_id = gen_random_uuid(), version = version + 1 "
                    + "WHERE id = ?", markedBySql);
            delivery.awaitDelivery();
            assertThat(elsewhere.find(markedBySql)).as("a cart marked checked out by SQL alone, elsewhere").isPresent();
        }
    }

    /**
     * Decision 103: a checkout that announced its cart checked out and then lost the last unit at the reservation
     * announces the cart open again, so every node knows it, and the buyer's next checkout after the sell-out is
     * refused from memory instead of claiming a key and reading the cart. The race is made without timing: the test
     * holds the stock level's lock until the checkout waits on it, then takes the last unit and lets go.
     */
    @Test
    void aCheckoutThatLostTheLastUnitAnnouncesItsCartOpenAgainAndItsNextRefusalRunsNoStatement() throws Exception {
        OpenCarts elsewhere = new OpenCarts();
        try (ChangeNotifications delivery = listeningElsewhere(elsewhere)) {
            Item last = shop.item(tea, "S-RACED", 5_000, 1, true);
            UUID loser = UUID.randomUUID();
            UUID losersCart = shop.cartWith(shop.customer(loser), 1, last);
            Await.until(Duration.ofSeconds(5), "the cart announced open elsewhere",
                    () -> elsewhere.find(losersCart).isPresent());

            CompletableFuture<HttpResponse<String>> losing;
            try (Connection lock = server.dataSource().getConnection()) {
                lock.setAutoCommit(false);
                try (PreparedStatement level = lock.prepareStatement(
                        "SELECT 1 FROM stock_level WHERE variant_id = ? FOR UPDATE")) {
                    level.setObject(1, last.variantId());
                    level.executeQuery().close();
                }
                losing = CompletableFuture.supplyAsync(() -> checkout(loser, losersCart, UUID.randomUUID().toString()));
                Await.until(Duration.ofSeconds(30), "the checkout announced and waiting for the stock level's lock",
                        () -> elsewhere.find(losersCart).isEmpty() && !server.db().fetch("""
                                SELECT 1 FROM pg_stat_activity
                                WHERE datname = current_database() AND wait_event_type = 'Lock'
                                  AND query ILIKE '%stock_level%'""").isEmpty());
                try (PreparedStatement taken = lock.prepareStatement( // the last unit sold elsewhere meanwhile
                        "UPDATE stock_level SET on_hand = 0 WHERE variant_id = ?")) {
                    taken.setObject(1, last.variantId());
                    taken.executeUpdate();
                }
                lock.commit();
            }
            HttpResponse<String> lost = losing.get(30, TimeUnit.SECONDS);
            assertThat(lost.statusCode()).as(lost.body()).isEqualTo(409);
            assertThat(lost.body()).contains("\"code\":\"insufficient_stock\"");

            delivery.awaitDelivery(); // everything committed before the answer has reached the other node
            assertThat(elsewhere.find(losersCart)).as("the loser's cart, elsewhere")
                    .hasValueSatisfying(cart -> assertThat(cart.variantIds()).containsExactly(last.variantId()));
            Await.until(Duration.ofSeconds(5), "the loser's next checkout refused from memory alone", () -> {
                List<String> statements = recorder.allDuring(() -> {
                    assertThat(checkout(loser, losersCart, UUID.randomUUID().toString()).statusCode()).isEqualTo(409);
                    return null;
                });
                return statements.stream().noneMatch(CheckoutStatementsIT::aRefusalsOwn);
            });
        }
    }

    /**
     * Decision 103's race: announcing a cart as it is, after a checkout rolled back, waits for a later checkout that
     * has marked it (a resend, on any node), and announces nothing once that one committed: never open what is
     * checked out. Without the wait it would read the cart as last committed, open, after that checkout's announcement.
     */
    @Test
    void aCartAnnouncedAsItIsWaitsForACheckoutThatMarkedItAndStaysForgottenOnceThatCommitted() throws Exception {
        OpenCarts elsewhere = new OpenCarts();
        try (ChangeNotifications delivery = listeningElsewhere(elsewhere)) {
            Item item = shop.item(tea, "S-REANNOUNCED", 2_000, 10, true);
            UUID cart = shop.cartWith(shop.customer(UUID.randomUUID()), 1, item);
            Await.until(Duration.ofSeconds(5), "the cart announced open elsewhere",
                    () -> elsewhere.find(cart).isPresent());

            CompletableFuture<Void> announced;
            try (Connection checkout = server.dataSource().getConnection()) {
                checkout.setAutoCommit(false);
                try (PreparedStatement mark = checkout.prepareStatement("UPDATE cart SET checked_out_order_id = "
                        + "gen_random_uuid(), version = version + 1 WHERE id = ?")) {
                    mark.setObject(1, cart);
                    mark.executeUpdate();
                }
                // The checkout's own announcement, committed apart before it, as its batch does (decision 94).
                server.db().execute("SELECT pg_notify(?, ?)", OpenCarts.CHANNEL, cart.toString());
                announced = CompletableFuture.runAsync(() -> new CartRepository().announceAsItIs(server.db(), cart));
                Await.until(Duration.ofSeconds(30), "the announcement waiting for the checkout's mark",
                        () -> !server.db().fetch("""
                                SELECT 1 FROM pg_stat_activity
                                WHERE datname = current_database() AND wait_event_type = 'Lock'
                                  AND query ILIKE '%announce_cart_as_it_is%'""").isEmpty());
                checkout.commit();
            }
            announced.get(30, TimeUnit.SECONDS);
            delivery.awaitDelivery();
            assertThat(elsewhere.find(cart)).as("the checked-out cart, elsewhere").isEmpty();
        }
    }

    /** {@code elsewhere} kept current from the carts' announcements on this database, as another node's would be. */
    private static ChangeNotifications listeningElsewhere(OpenCarts elsewhere) throws Exception {
        ChangeNotifications delivery = ChangeNotifications.listen(OpenCarts.CHANNEL, server.database(), elsewhere);
        elsewhere.deliveredBy(delivery);
        assertThat(delivery.awaitCurrent(Duration.ofSeconds(5))).as("another node listening").isTrue();
        return delivery;
    }

    /** A statement a checkout's refusal would run on its own account (not a job's, the audit batch's or a lease's). */
    private static boolean aRefusalsOwn(String sql) {
        return sql.contains("\"cart\"") || sql.contains("\"idempotency_record\"") || sql.contains("\"stock_level\"")
                || sql.contains("\"product_variant\"") || sql.contains("variants_for_sale")
                || sql.contains("stock_most_available") || sql.contains("stock_levels_locked")
                || sql.contains("\"merchant\"") || sql.contains("merchants_in_status") || sql.contains("dropship");
    }

    private static long auditedRefusals() {
        return server.db().fetchCount(AUDIT_EVENT, AUDIT_EVENT.PATH.eq("/v1/orders"), AUDIT_EVENT.STATUS.eq(409));
    }

    private static HttpResponse<String> checkout(UUID customer, UUID cartId, String idempotencyKey) {
        String address = "{\"name\":\"Sato Yui\",\"country\":\"JP\",\"postalCode\":\"150-0001\","
                + "\"region\":\"Tokyo\",\"locality\":\"Shibuya-ku\",\"line1\":\"1-2-3 Jingumae\","
                + "\"phone\":\"+81 3-1234-5678\"}";
        return server.send(HttpRequest.newBuilder(server.uri("/v1/orders"))
                .header("Authorization", "Bearer " + shop.customerToken(customer))
                .header("Content-Type", "application/json").header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString("{\"cartId\":\"" + cartId + "\",\"shippingAddress\":"
                        + address + "}")).build());
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
