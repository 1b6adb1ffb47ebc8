package dev.marketplace.server.partners.inventory;

import dev.marketplace.server.orders.Order;
import dev.marketplace.server.orders.OrderService;
import dev.marketplace.server.orders.RefundRequests;
import dev.marketplace.server.orders.SubOrderStatus;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Principal;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Refunds as the orders domain asks for them, partner orders included: a partner order was paid on the partner's
 * account, so its money goes back there ({@code partner_order_credited}, in the transaction of the change) instead of
 * to a payment provider; every other order's refund goes to the payments domain as before.
 */
final class PartnerOrderRefunds implements RefundRequests {

    private static final Principal REFUNDS = Principal.system("partners.inventory.refunds");
    /** A sub-order in these states never had its escrow released: its money comes back out of escrow. */
    private static final Set<SubOrderStatus> NEVER_RELEASED = Set.of(SubOrderStatus.REJECTED, SubOrderStatus.CANCELLED);

    private final RefundRequests payments;
    private final OrderService orders;
    private final PartnerInventoryRepository repository = new PartnerInventoryRepository();

    PartnerOrderRefunds(RefundRequests payments, OrderService orders) {
        this.payments = payments;
        this.orders = orders;
    }

    @Override
    public void request(DSLContext tx, UUID orderId, UUID subOrderId, Money amount, String reason) {
        request(tx, orderId, subOrderId, amount, reason, null);
    }

    @Override
    public void request(DSLContext tx, UUID orderId, UUID subOrderId, Money amount, String reason, String cause) {
        Optional<UUID> partner = repository.partnerOfOrder(tx, orderId);
        if (partner.isEmpty()) {
            payments.request(tx, orderId, subOrderId, amount, reason, cause);
            return;
        }
        Order order = orders.lockForPayment(tx, REFUNDS, orderId).order();
        Order.SubOrder subOrder = order.subOrders().stream().filter(s -> s.id().equals(subOrderId)).findFirst()
                .orElseThrow();
        DomainEvents.append(tx, MoneyMovement.partnerOrderCredited(UUID.randomUUID().toString(), partner.get(),
                orders.partiesOf(tx, subOrderId), NEVER_RELEASED.contains(subOrder.status()), amount));
    }
}
