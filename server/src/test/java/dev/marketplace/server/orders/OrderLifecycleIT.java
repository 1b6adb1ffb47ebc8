package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.CUSTOMER_ORDER;
import static dev.marketplace.schema.Tables.DOMAIN_EVENT;
import static dev.marketplace.schema.Tables.ORDER_TRANSITION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderReturn;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.sdk.model.ReturnCreate;
import dev.marketplace.sdk.model.ReturnReceipt;
import dev.marketplace.sdk.model.ReturnRefund;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.ShipmentLine;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.OrderLifecycleEvent;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The one transition function: every move of an order, its sub-orders and its returns writes one history row and,
 * in the same transaction, the lifecycle event subscribers follow orders by (each naming its storefront, merchant
 * and customer).
 */
class OrderLifecycleIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static Shop shop;
    private static ActiveMerchant tea;
    private static ActiveMerchant pottery;

    @BeforeAll
    static void openShop() throws Exception {
        shop = new Shop(server, 1000);
        tea = shop.merchant("Uji Tea Lifecycle K.K.");
        pottery = shop.merchant("Hagi Pottery Lifecycle K.K.");
    }

    @Test
    void anOrderItsSubOrdersAndAReturnTellEveryMoveOnceInTheOrderItHappened() throws Exception {
        Item sencha = shop.item(tea, "L-SEN", 1_500, 10, true);
        Item bowl = shop.item(pottery, "L-BOWL", 4_000, 10, false);
        UUID customerId = UUID.randomUUID();
        MarketplaceClient customer = shop.customer(customerId);
        Order order = paid(customer, 2, sencha, bowl);
        UUID teaPart = subOrderOf(order, tea);
        UUID potteryPart = subOrderOf(order, pottery);

        tea.client().fulfilment().acceptSubOrder(teaPart, new StatusChangeReason());
        tea.client().fulfilment().shipSubOrder(teaPart, new ShipmentCreate().carrier("Sagawa").trackingNumber("L-1")
                .lines(List.of(new ShipmentLine().lineNumber(0).quantity(1))));
        tea.client().fulfilment().shipSubOrder(teaPart, new ShipmentCreate().carrier("Sagawa").trackingNumber("L-2"));
        tea.client().fulfilment().deliverSubOrder(teaPart, new StatusChangeReason());
        pottery.client().fulfilment().rejectSubOrder(potteryPart, new Rejection().reason("glaze cracked"));
        OrderReturn requested = customer.returns().requestReturn(order.getId(), new ReturnCreate().subOrderId(teaPart)
                .reason("too bitter").lines(List.of(new ShipmentLine().lineNumber(0).quantity(1))));
        tea.client().returns().approveReturn(requested.getId(), new StatusChangeReason());
        tea.client().returns().receiveReturn(requested.getId(), new ReturnReceipt());
        tea.client().returns().refundReturn(requested.getId(), new ReturnRefund());

        Map<UUID, String> names = Map.of(teaPart, "tea", potteryPart, "pottery");
        List<String> events = lifecycle(order.getId(), names);
        assertThat(events.subList(0, 2)).containsExactly("order_placed order ->placed", "order_paid order placed->paid");
        assertThat(events.subList(2, 4)).containsExactlyInAnyOrder(
                "sub_order_awaiting_acceptance tea pending_payment->awaiting_acceptance",
                "sub_order_awaiting_acceptance pottery pending_payment->awaiting_acceptance");
        assertThat(events.subList(4, events.size())).containsExactly(
                "sub_order_accepted tea awaiting_acceptance->accepted",
                "sub_order_shipped tea accepted->partially_shipped",
                "sub_order_shipped tea partially_shipped->shipped",
                "sub_order_delivered tea shipped->delivered",
                "sub_order_rejected pottery awaiting_acceptance->rejected",
                "order_completed order paid->completed",
                "return_requested tea ->requested",
                "return_approved tea requested->approved",
                "return_received tea approved->received",
                "return_refunded tea received->refunded");

        List<Record> rows = lifecycleRows(order.getId());
        assertThat(rows).allSatisfy(row -> {
            assertThat(row.get("storefront_id", String.class)).isEqualTo(shop.storefrontId.toString());
            assertThat(row.get(DOMAIN_EVENT.CUSTOMER_ID)).isEqualTo(customerId);
            UUID subOrder = row.get(DOMAIN_EVENT.SUB_ORDER_ID);
            assertThat(row.get(DOMAIN_EVENT.MERCHANT_ID)).isEqualTo(subOrder == null ? null
                    : subOrder.equals(teaPart) ? tea.id() : pottery.id());
        });
        assertThat(rows).filteredOn(row -> row.get(DOMAIN_EVENT.TYPE).startsWith("return_"))
                .allSatisfy(row -> assertThat(row.get("return_id", String.class)).isEqualTo(requested.getId().toString()));
        // Each event is the one of its history row: same order, sub-order, return and destination.
        assertThat(rows).allSatisfy(row -> {
            long transition = Long.parseLong(row.get(DOMAIN_EVENT.IDEMPOTENCY_ID).substring("order_transition:".length()));
            Record history = server.db().selectFrom(ORDER_TRANSITION).where(ORDER_TRANSITION.ID.eq(transition)).fetchSingle();
            assertThat(history.get(ORDER_TRANSITION.ORDER_ID)).isEqualTo(order.getId());
            assertThat(history.get(ORDER_TRANSITION.SUB_ORDER_ID)).isEqualTo(row.get(DOMAIN_EVENT.SUB_ORDER_ID));
            assertThat(history.get(ORDER_TRANSITION.TO_STATUS)).isEqualTo(row.get("to_status", String.class));
        });
        int historyRows = server.db().fetchCount(ORDER_TRANSITION, ORDER_TRANSITION.ORDER_ID.eq(order.getId()));
        assertThat(historyRows).as("every history row but the sub-orders' creation has its event")
                .isEqualTo(rows.size() + 2);
    }

    @Test
    void aMerchantHearsOfItsSubOrderOnceItIsPaidAndAnIllegalMoveTellsNothing() throws Exception {
        Item matcha = shop.item(tea, "L-MAT", 2_000, 10, true);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());

        Order cancelledUnpaid = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, matcha)));
        customer.orders().cancelOrder(cancelledUnpaid.getId(), new StatusChangeReason().reason("changed my mind"));
        assertThat(lifecycle(cancelledUnpaid.getId(), Map.of()))
                .containsExactly("order_placed order ->placed", "order_cancelled order placed->cancelled");

        Order expired = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 1, matcha)));
        server.db().update(CUSTOMER_ORDER).set(CUSTOMER_ORDER.PAYMENT_DUE_AT, OffsetDateTime.now().minusSeconds(1))
                .where(CUSTOMER_ORDER.ID.eq(expired.getId())).execute();
        server.runJob(OrderService.UNPAID_EXPIRY_JOB);
        assertThat(lifecycle(expired.getId(), Map.of()))
                .containsExactly("order_placed order ->placed", "order_expired order placed->expired");

        Order cancelledPaid = paid(customer, 1, matcha);
        UUID part = subOrderOf(cancelledPaid, tea);
        assertThatThrownBy(() -> tea.client().fulfilment().deliverSubOrder(part, new StatusChangeReason()))
                .isInstanceOf(ConflictException.class);
        customer.orders().cancelOrder(cancelledPaid.getId(), new StatusChangeReason());
        assertThat(lifecycle(cancelledPaid.getId(), Map.of(part, "tea"))).containsExactly(
                "order_placed order ->placed", "order_paid order placed->paid",
                "sub_order_awaiting_acceptance tea pending_payment->awaiting_acceptance",
                "order_cancelled order paid->cancelled", "sub_order_cancelled tea awaiting_acceptance->cancelled");
    }

    private static Order paid(MarketplaceClient customer, long quantity, Item... items) throws Exception {
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, quantity, items)));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        return customer.orders().getOrder(order.getId());
    }

    private static UUID subOrderOf(Order order, ActiveMerchant merchant) {
        return order.getSubOrders().stream().filter(s -> s.getMerchantId().equals(merchant.id())).findFirst()
                .orElseThrow().getId();
    }

    /** The order's lifecycle events as {@code type part from->to}, in the order they were appended. */
    private static List<String> lifecycle(UUID orderId, Map<UUID, String> subOrderNames) {
        return lifecycleRows(orderId).stream().map(row -> row.get(DOMAIN_EVENT.TYPE) + " "
                + (row.get(DOMAIN_EVENT.SUB_ORDER_ID) == null ? "order" : subOrderNames.get(row.get(DOMAIN_EVENT.SUB_ORDER_ID)))
                + " " + (row.get("from_status", String.class) == null ? "" : row.get("from_status", String.class))
                + "->" + row.get("to_status", String.class)).toList();
    }

    private static List<Record> lifecycleRows(UUID orderId) {
        return server.db().select(DOMAIN_EVENT.TYPE, DOMAIN_EVENT.IDEMPOTENCY_ID, DOMAIN_EVENT.SUB_ORDER_ID,
                        DOMAIN_EVENT.MERCHANT_ID, DOMAIN_EVENT.CUSTOMER_ID,
                        DSL.field("payload->>'fromStatus'", String.class).as("from_status"),
                        DSL.field("payload->>'toStatus'", String.class).as("to_status"),
                        DSL.field("payload->>'storefrontId'", String.class).as("storefront_id"),
                        DSL.field("payload->>'returnId'", String.class).as("return_id"))
                .from(DOMAIN_EVENT)
                .where(DOMAIN_EVENT.ORDER_ID.eq(orderId))
                .and(DOMAIN_EVENT.TYPE.in(OrderLifecycleEvent.TYPES.stream().map(EventType::wireName).toList()))
                .orderBy(DOMAIN_EVENT.ID)
                .fetch().stream().map(r -> (Record) r).toList();
    }
}
