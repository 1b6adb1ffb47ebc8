package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.api.FulfilmentApi;
import dev.marketplace.sdk.api.FulfilmentApi.ListSubOrderChangesParams;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.sdk.model.SubOrder;
import dev.marketplace.sdk.model.SubOrderChange;
import dev.marketplace.sdk.model.SubOrderChangePage;
import dev.marketplace.sdk.model.SubOrderStatus;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.testing.Await;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A merchant's ERP mirrors its sub-orders from the feed: every change once, in order, resumable from its cursor,
 * with the sub-order as it is now; another merchant's sub-orders never appear.
 */
class SubOrderFeedIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final AtomicReference<String> lastCursor = new AtomicReference<>();

    @Test
    void aMerchantFollowsItsSubOrdersChangesOnceInOrderAndSeesNoOneElses() throws Exception {
        Shop shop = new Shop(server, 1000);
        ActiveMerchant tea = shop.merchant("Kyoto Tea Co., Ltd.");
        ActiveMerchant pottery = shop.merchant("Arita Pottery K.K.");
        Item sencha = shop.item(tea, "FEED-TEA", 1_000, 10, true);
        Item bowl = shop.item(pottery, "FEED-BOWL", 4_000, 10, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, sencha, bowl)));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        UUID teaPart = order.getSubOrders().stream().filter(sub -> sub.getMerchantId().equals(tea.id()))
                .map(SubOrder::getId).findFirst().orElseThrow();

        List<SubOrderChange> first = readUntil(tea, null, changes -> changes.stream()
                .anyMatch(change -> change.getSubOrder().getStatus() == SubOrderStatus.AWAITING_ACCEPTANCE));
        assertThat(first).extracting(change -> change.getSubOrder().getId()).containsOnly(teaPart);
        assertThat(first).extracting(SubOrderChange::getEvent).as("each entry says what happened")
                .startsWith("placed").endsWith("awaiting_acceptance");
        String cursor = lastCursor.get();

        tea.client().fulfilment().acceptSubOrder(teaPart, new StatusChangeReason().reason("in stock"));
        List<SubOrderChange> next = readUntil(tea, cursor, changes -> !changes.isEmpty());

        assertThat(next).singleElement().satisfies(change -> {
            assertThat(change.getSubOrder().getId()).isEqualTo(teaPart);
            assertThat(change.getSubOrder().getStatus()).isEqualTo(SubOrderStatus.ACCEPTED);
            assertThat(change.getEvent()).isEqualTo("accepted");
            assertThat(change.getPosition()).isGreaterThan(first.getLast().getPosition());
        });
        assertThat(positions(first)).isSorted().doesNotHaveDuplicates();
        assertThat(tea.client().fulfilment().listSubOrderChanges(
                ListSubOrderChangesParams.builder().limit(1000).cursor(lastCursor.get()).build()).getItems())
                .as("caught up: nothing twice").isEmpty();
        assertThat(readAll(pottery)).extracting(change -> change.getSubOrder().getId()).doesNotContain(teaPart)
                .isNotEmpty();
        assertThat(readAll(null)).extracting(change -> change.getSubOrder().getId()).contains(teaPart);
    }

    /** Pages from {@code cursor} until {@code done} holds for what was read; remembers the last cursor. */
    private static List<SubOrderChange> readUntil(ActiveMerchant merchant, String cursor,
                                                  java.util.function.Predicate<List<SubOrderChange>> done) {
        List<SubOrderChange> read = new ArrayList<>();
        lastCursor.set(cursor);
        Await.until(Duration.ofSeconds(10), "the feed shows the change", () -> {
            try {
                SubOrderChangePage page = merchant.client().fulfilment().listSubOrderChanges(
                        ListSubOrderChangesParams.builder().limit(1000).cursor(lastCursor.get()).build());
                read.addAll(page.getItems());
                lastCursor.set(page.getNextCursor());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return done.test(read);
        });
        return read;
    }

    private static List<SubOrderChange> readAll(ActiveMerchant merchant) throws Exception {
        return (merchant == null ? server.client() : merchant.client()).fulfilment().listSubOrderChanges(
                ListSubOrderChangesParams.builder().limit(1000).build()).getItems();
    }

    private static List<Long> positions(List<SubOrderChange> changes) {
        return changes.stream().map(SubOrderChange::getPosition).toList();
    }
}
