package dev.marketplace.server.orders;

import static dev.marketplace.schema.Tables.CUSTOMER_ORDER;
import static dev.marketplace.schema.Tables.STOCK_RESERVATION;
import static dev.marketplace.schema.Tables.SUB_ORDER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.api.FulfilmentApi;
import dev.marketplace.sdk.api.FulfilmentApi.ListSubOrdersParams;
import dev.marketplace.sdk.model.MerchantSubOrder;
import dev.marketplace.sdk.model.Order;
import dev.marketplace.sdk.model.OrderStatus;
import dev.marketplace.sdk.model.PaymentCreate;
import dev.marketplace.sdk.model.OrderTransition;
import dev.marketplace.sdk.model.Rejection;
import dev.marketplace.sdk.model.OrderReturn;
import dev.marketplace.sdk.model.ReturnCreate;
import dev.marketplace.sdk.model.ReturnReceipt;
import dev.marketplace.sdk.model.ReturnRefund;
import dev.marketplace.sdk.model.ShipmentCreate;
import dev.marketplace.sdk.model.ShipmentLine;
import dev.marketplace.sdk.model.StatusChangeReason;
import dev.marketplace.sdk.model.SubOrderStatus;
import dev.marketplace.server.orders.Shop.Item;
import dev.marketplace.server.testing.TestCatalog.ActiveMerchant;
import dev.marketplace.server.testing.TestServer;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Merchants' ERPs working their sub-orders through the SDK: accept, ship by line, deliver, reject, deadlines. */
class FulfilmentIT {

    @RegisterExtension
    // The money events and balances pinned here are the orders domain's; points earning (decision 35) is off.
    static final TestServer server = new TestServer().with("points.base-rate-bp", "0");

    private static Shop shop;
    private static ActiveMerchant tea;
    private static ActiveMerchant pottery;

    @BeforeAll
    static void openShop() throws Exception {
        shop = new Shop(server, 1000);
        tea = shop.merchant("Kyoto Tea Co., Ltd.");
        pottery = shop.merchant("Arita Pottery K.K.");
    }

    @Test
    void acceptShipInPartsAndDeliverReleasesEscrowWhileARejectionIsRefundedAndRestocked() throws Exception {
        Item gyokuro = shop.item(tea, "F-GYO", 3_000, 10, true);
        Item bowl = shop.item(pottery, "F-BOWL", 5_000, 10, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = paidOrder(customer, 2, gyokuro, bowl);
        UUID teaPart = subOrderOf(order, tea);
        UUID potteryPart = subOrderOf(order, pottery);

        List<MerchantSubOrder> inbox = tea.client().fulfilment().listSubOrders(
                ListSubOrdersParams.builder().status(dev.marketplace.sdk.model.SubOrderStatus.AWAITING_ACCEPTANCE).build()).getItems();
        assertThat(inbox).extracting(MerchantSubOrder::getId).containsExactly(teaPart);
        assertThat(inbox.getFirst().getShippingAddress()).isEqualTo(Shop.address());
        assertThat(inbox.getFirst().getAcceptanceDueAt()).isAfter(OffsetDateTime.now());
        assertThatThrownBy(() -> pottery.client().fulfilment().getSubOrder(teaPart)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> tea.client().fulfilment().deliverSubOrder(teaPart, new StatusChangeReason()))
                .isInstanceOfSatisfying(ConflictException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.ILLEGAL_STATUS_TRANSITION);
                    assertThat(e.problem().toString()).contains("awaiting_acceptance");
                });

        tea.client().fulfilment().acceptSubOrder(teaPart, new StatusChangeReason());
        MerchantSubOrder partly = tea.client().fulfilment().shipSubOrder(teaPart, new ShipmentCreate().carrier("Yamato")
                .trackingNumber("4000-1111-2222").lines(List.of(new ShipmentLine().lineNumber(0).quantity(1))));
        assertThat(partly.getStatus()).isEqualTo(SubOrderStatus.PARTIALLY_SHIPPED);
        assertThat(partly.getLines().getFirst().getShippedQuantity()).isEqualTo(1);
        assertThatThrownBy(() -> tea.client().fulfilment().shipSubOrder(teaPart, new ShipmentCreate().carrier("Yamato")
                .trackingNumber("4000-1111-3333").lines(List.of(new ShipmentLine().lineNumber(0).quantity(2)))))
                .as("more than is left").isInstanceOf(ValidationException.class);
        MerchantSubOrder shipped = tea.client().fulfilment().shipSubOrder(teaPart, new ShipmentCreate().carrier("Yamato")
                .trackingNumber("4000-1111-4444"));
        assertThat(shipped.getStatus()).isEqualTo(SubOrderStatus.SHIPPED);
        assertThat(shipped.getShipments()).hasSize(2);
        MerchantSubOrder delivered = tea.client().fulfilment().deliverSubOrder(teaPart, new StatusChangeReason().reason("signed for"));
        assertThat(delivered.getStatus()).isEqualTo(SubOrderStatus.DELIVERED);
        assertThat(delivered.getEscrowReleasedAt()).isNotNull();
        assertThat(customer.orders().getOrder(order.getId()).getStatus()).isEqualTo(OrderStatus.PAID);

        MerchantSubOrder rejected = pottery.client().fulfilment().rejectSubOrder(potteryPart,
                new Rejection().reason("kiln accident, out of stock"));
        shop.awaitRefundsSent(order.getId());

        assertThat(rejected.getStatus()).isEqualTo(SubOrderStatus.REJECTED);
        assertThat(shop.stock(bowl).getOnHand()).as("the rejected stock is back").isEqualTo(10);
        assertThat(customer.payments().listOrderPayments(order.getId()).getItems()).singleElement()
                .satisfies(payment -> assertThat(payment.getRefunded().getAmount()).isEqualTo(2 * 5_000 + 1_000));
        Order completed = customer.orders().getOrder(order.getId());
        assertThat(completed.getStatus()).isEqualTo(OrderStatus.COMPLETED);
        assertThat(completed.getHistory()).filteredOn(t -> potteryPart.equals(t.getSubOrderId())).last().satisfies(t -> {
            assertThat(t.getTo()).isEqualTo("rejected");
            assertThat(t.getActor()).isEqualTo("merchant:" + pottery.id());
            assertThat(t.getReason()).isEqualTo("kiln accident, out of stock");
        });
        assertThat(shop.moneyEvents(order.getId())).containsExactly("payment_authorized", "payment_captured",
                "commission_accrued", "commission_accrued", "escrow_released", "commission_reversed", "payment_refunded");
    }

    @Test
    void aRejectionAndTheStockItReturnsCommitTogetherOrNotAtAll() throws Exception {
        Item vase = shop.item(pottery, "F-VASE", 8_000, 5, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = paidOrder(customer, 2, vase);
        UUID potteryPart = subOrderOf(order, pottery);
        assertThat(shop.stock(vase).getOnHand()).isEqualTo(3);
        // The stock cannot go back (its reservation looks released): the rejection fails as a whole.
        var reservation = STOCK_RESERVATION.ID.eq(server.db().select(CUSTOMER_ORDER.RESERVATION_ID).from(CUSTOMER_ORDER)
                .where(CUSTOMER_ORDER.ID.eq(order.getId())).fetchSingle().value1());
        server.db().update(STOCK_RESERVATION).set(STOCK_RESERVATION.STATUS, "released").where(reservation).execute();

        assertThatThrownBy(() -> pottery.client().fulfilment().rejectSubOrder(potteryPart, new Rejection().reason("broken")))
                .isInstanceOf(ConflictException.class);
        assertThat(pottery.client().fulfilment().getSubOrder(potteryPart).getStatus()).isEqualTo(SubOrderStatus.AWAITING_ACCEPTANCE);
        assertThat(customer.payments().listOrderPayments(order.getId()).getItems()).singleElement()
                .satisfies(payment -> assertThat(payment.getRefunded().getAmount()).isZero());
        assertThat(shop.moneyEvents(order.getId())).doesNotContain("commission_reversed", "payment_refunded");
        assertThat(shop.stock(vase).getOnHand()).isEqualTo(3);

        server.db().update(STOCK_RESERVATION).set(STOCK_RESERVATION.STATUS, "committed").where(reservation).execute();
        pottery.client().fulfilment().rejectSubOrder(potteryPart, new Rejection().reason("broken"));
        assertThat(shop.stock(vase).getOnHand()).isEqualTo(5);
        assertThatThrownBy(() -> pottery.client().fulfilment().rejectSubOrder(potteryPart, new Rejection().reason("again")))
                .isInstanceOf(ConflictException.class);
        assertThat(shop.stock(vase).getOnHand()).as("returned once").isEqualTo(5);
    }

    @Test
    void unacceptedSubOrdersAreRejectedAtTheDeadlineAndEscrowIsReleasedDaysAfterShipment() throws Exception {
        Item sencha = shop.item(tea, "F-SEN", 1_000, 10, true);
        Item cup = shop.item(pottery, "F-CUP", 2_000, 10, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = paidOrder(customer, 1, sencha, cup);
        UUID teaPart = subOrderOf(order, tea);
        UUID potteryPart = subOrderOf(order, pottery);
        tea.client().fulfilment().acceptSubOrder(teaPart, new StatusChangeReason());
        tea.client().fulfilment().shipSubOrder(teaPart, new ShipmentCreate().carrier("Sagawa").trackingNumber("S-1"));
        server.db().update(SUB_ORDER).set(SUB_ORDER.SHIPPED_AT, OffsetDateTime.now().minusDays(15))
                .where(SUB_ORDER.ID.eq(teaPart)).execute();
        server.db().update(SUB_ORDER).set(SUB_ORDER.ACCEPTANCE_DUE_AT, OffsetDateTime.now().minusMinutes(1))
                .where(SUB_ORDER.ID.eq(potteryPart)).execute();

        for (int round = 0; round < 2; round++) {
            server.runJob(FulfilmentService.ACCEPTANCE_DEADLINE_JOB);
            server.runJob(FulfilmentService.ESCROW_RELEASE_JOB);
        }
        shop.awaitRefundsSent(order.getId());

        assertThat(tea.client().fulfilment().getSubOrder(teaPart).getEscrowReleasedAt()).isNotNull();
        MerchantSubOrder autoRejected = pottery.client().fulfilment().getSubOrder(potteryPart);
        assertThat(autoRejected.getStatus()).isEqualTo(SubOrderStatus.REJECTED);
        assertThat(shop.stock(cup).getOnHand()).isEqualTo(10);
        assertThat(shop.moneyEvents(order.getId())).containsOnlyOnce("escrow_released", "payment_refunded", "commission_reversed");
        assertThat(customer.orders().getOrder(order.getId()).getHistory())
                .filteredOn(t -> potteryPart.equals(t.getSubOrderId())).last()
                .satisfies(t -> assertThat(t.getActor()).isEqualTo("system"));
    }

    @Test
    void customersCancelBeforeShipmentAndMerchantsCancelTheirPartWithRefundsAndStockReturned() throws Exception {
        Item matcha = shop.item(tea, "C-MAT", 2_000, 10, true);
        Item plate = shop.item(pottery, "C-PLATE", 3_000, 10, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());

        Order unpaid = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, 2, matcha)));
        Order cancelledUnpaid = customer.orders().cancelOrder(unpaid.getId(), new StatusChangeReason().reason("changed my mind"));
        assertThat(cancelledUnpaid.getStatus()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(shop.stock(matcha).getReserved()).isZero();
        assertThat(shop.stock(matcha).getOnHand()).isEqualTo(10);

        Order paid = paidOrder(customer, 1, matcha, plate);
        UUID potteryPart = subOrderOf(paid, pottery);
        MerchantSubOrder merchantCancelled = pottery.client().fulfilment().cancelSubOrder(potteryPart,
                new Rejection().reason("discontinued"));
        assertThat(merchantCancelled.getStatus()).isEqualTo(SubOrderStatus.CANCELLED);
        assertThat(shop.stock(plate).getOnHand()).isEqualTo(10);

        Order cancelledPaid = customer.orders().cancelOrder(paid.getId(), new StatusChangeReason());
        shop.awaitRefundsSent(paid.getId());
        assertThat(cancelledPaid.getStatus()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(cancelledPaid.getSubOrders()).allSatisfy(sub -> assertThat(sub.getStatus()).isEqualTo(SubOrderStatus.CANCELLED));
        assertThat(shop.stock(matcha).getOnHand()).isEqualTo(10);
        assertThat(customer.payments().listOrderPayments(paid.getId()).getItems()).singleElement()
                .satisfies(payment -> assertThat(payment.getRefunded()).isEqualTo(payment.getAmount()));
        assertThat(shop.moneyEvents(paid.getId())).filteredOn("payment_refunded"::equals).hasSize(2);
        assertThatThrownBy(() -> customer.orders().cancelOrder(paid.getId(), new StatusChangeReason()))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ILLEGAL_STATUS_TRANSITION));

        Order shipping = paidOrder(customer, 1, matcha);
        UUID teaPart = subOrderOf(shipping, tea);
        tea.client().fulfilment().acceptSubOrder(teaPart, new StatusChangeReason());
        tea.client().fulfilment().shipSubOrder(teaPart, new ShipmentCreate().carrier("Yamato").trackingNumber("C-1"));
        assertThatThrownBy(() -> customer.orders().cancelOrder(shipping.getId(), new StatusChangeReason()))
                .as("too late once shipped")
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.problem().toString()).contains("shipped"));
        assertThat(customer.orders().getOrder(shipping.getId()).getStatus()).isEqualTo(OrderStatus.PAID);
    }

    @Test
    void aPartialReturnIsApprovedRestockedAndPartlyRefundedAndAnotherRefusedOrWrittenOff() throws Exception {
        Item kettle = shop.item(pottery, "R-KETTLE", 3_000, 10, false);
        MarketplaceClient customer = shop.customer(UUID.randomUUID());
        Order order = paidOrder(customer, 3, kettle);
        UUID part = subOrderOf(order, pottery);
        pottery.client().fulfilment().acceptSubOrder(part, new StatusChangeReason());
        pottery.client().fulfilment().shipSubOrder(part, new ShipmentCreate().carrier("JP Post").trackingNumber("R-1"));
        pottery.client().fulfilment().deliverSubOrder(part, new StatusChangeReason());
        assertThat(shop.stock(kettle).getOnHand()).isEqualTo(7);

        OrderReturn requested = customer.returns().requestReturn(order.getId(), new ReturnCreate().subOrderId(part)
                .reason("chipped lid").lines(List.of(new ShipmentLine().lineNumber(0).quantity(1))));
        assertThat(requested.getStatus()).isEqualTo(OrderReturn.StatusEnum.REQUESTED);
        assertThatThrownBy(() -> pottery.client().returns().refundReturn(requested.getId(), new ReturnRefund()))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ILLEGAL_STATUS_TRANSITION));
        pottery.client().returns().approveReturn(requested.getId(), new StatusChangeReason());
        pottery.client().returns().receiveReturn(requested.getId(), new ReturnReceipt().locationId(kettle.locationId()));
        assertThat(shop.stock(kettle).getOnHand()).as("restocked").isEqualTo(8);
        assertThatThrownBy(() -> pottery.client().returns().refundReturn(requested.getId(),
                new ReturnRefund().amount(CheckoutIT.yen(3_301)))).as("more than the unit cost with tax")
                .isInstanceOf(ValidationException.class);
        OrderReturn refunded = pottery.client().returns().refundReturn(requested.getId(),
                new ReturnRefund().amount(CheckoutIT.yen(2_000)));
        shop.awaitRefundsSent(order.getId());

        assertThat(refunded.getStatus()).isEqualTo(OrderReturn.StatusEnum.REFUNDED);
        assertThat(refunded.getRefunded()).isEqualTo(CheckoutIT.yen(2_000));
        assertThat(customer.payments().listOrderPayments(order.getId()).getItems()).singleElement()
                .satisfies(payment -> assertThat(payment.getRefunded()).isEqualTo(CheckoutIT.yen(2_000)));
        assertThat(shop.moneyEvents(order.getId())).endsWith("commission_reversed", "payment_refunded");
        assertThat(customer.orders().getOrder(order.getId()).getHistory())
                .filteredOn(t -> part.equals(t.getSubOrderId())).extracting(OrderTransition::getTo)
                .containsSubsequence("delivered", "requested", "approved", "received", "refunded");

        assertThatThrownBy(() -> customer.returns().requestReturn(order.getId(), new ReturnCreate().subOrderId(part)
                .reason("more").lines(List.of(new ShipmentLine().lineNumber(0).quantity(3)))))
                .as("only 2 units are left to return").isInstanceOf(ValidationException.class);
        OrderReturn second = customer.returns().requestReturn(order.getId(), new ReturnCreate().subOrderId(part)
                .reason("changed my mind").lines(List.of(new ShipmentLine().lineNumber(0).quantity(2))));
        assertThatThrownBy(() -> tea.client().returns().getReturn(second.getId())).isInstanceOf(NotFoundException.class);
        OrderReturn refused = pottery.client().returns().refuseReturn(second.getId(), new Rejection().reason("outside the return window"));
        assertThat(refused.getStatus()).isEqualTo(OrderReturn.StatusEnum.REFUSED);

        OrderReturn third = customer.returns().requestReturn(order.getId(), new ReturnCreate().subOrderId(part)
                .reason("broken").lines(List.of(new ShipmentLine().lineNumber(0).quantity(1))));
        pottery.client().returns().approveReturn(third.getId(), new StatusChangeReason());
        OrderReturn writtenOff = pottery.client().returns().receiveReturn(third.getId(), new ReturnReceipt());
        assertThat(writtenOff.getRestockedLocationId()).isNull();
        assertThat(shop.stock(kettle).getOnHand()).as("written off").isEqualTo(8);
        assertThat(pottery.client().returns().refundReturn(third.getId(), new ReturnRefund()).getRefunded())
                .as("by default what the unit cost with tax").isEqualTo(CheckoutIT.yen(3_300));
    }

    private static Order paidOrder(MarketplaceClient customer, long quantity, Item... items) throws Exception {
        Order order = customer.orders().checkout(Shop.checkoutOf(shop.cartWith(customer, quantity, items)));
        customer.payments().payOrder(order.getId(), new PaymentCreate().paymentMethod("pm_card_ok"));
        return customer.orders().getOrder(order.getId());
    }

    private static UUID subOrderOf(Order order, ActiveMerchant merchant) {
        return order.getSubOrders().stream().filter(s -> s.getMerchantId().equals(merchant.id())).findFirst()
                .orElseThrow().getId();
    }
}
