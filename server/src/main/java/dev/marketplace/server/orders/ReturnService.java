package dev.marketplace.server.orders;

import dev.marketplace.server.inventory.InventoryService;
import dev.marketplace.server.inventory.StockUpdate;
import dev.marketplace.server.inventory.StockUpdateResult;
import dev.marketplace.server.orders.OrderStateMachine.Action;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.steps.Steps;
import dev.marketplace.server.platform.steps.Steps.Next;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Returns (RMA): the customer asks to return shipped units with a reason, the merchant approves or refuses, receives
 * the goods (back into stock at one of its locations, or written off) and refunds in full or in part. Every step goes
 * through {@link OrderStateMachine} and is recorded in the order's history. Each public method is one transaction
 * (the refund and the restock follow in their own).
 */
public final class ReturnService {

    private static final Set<SubOrderStatus> RETURNABLE = EnumSet.of(SubOrderStatus.PARTIALLY_SHIPPED,
            SubOrderStatus.SHIPPED, SubOrderStatus.DELIVERED, SubOrderStatus.CLOSED);

    private final DSLContext dsl;
    private final InventoryService inventory;
    private final RefundRequests refunds;
    private final OrderPorts ports;
    private final OrderRepository orders;
    private final FulfilmentRepository fulfilment = new FulfilmentRepository();
    private final ReturnRepository repository = new ReturnRepository();
    private final OrderLifecycle lifecycle;

    /**
     * A return's refund after its move to {@code refunded}, in that move's transaction (decision 30): every step
     * writes to this database only, so the rollback is each one's compensation — a step that fails leaves the return
     * received, the points and coupons as they were, the commission unreversed and no refund. The refund is sent to
     * the provider after the commit (the payments domain's subscriber), never inside it.
     */
    private final Steps<Refund> refundSteps = Steps.<Refund>of("return refund")
            .step("give the returned units' points back", this::givePointsBack)
            .step("give the returned units' coupon share back to their funders", this::giveCouponsBack)
            .step("reverse the commission on the returned units", this::reverseCommission)
            .step("request the refund (sent after the commit)", this::requestRefund);

    public ReturnService(DSLContext dsl, InventoryService inventory, RefundRequests refunds, PiiKeys piiKeys,
                         OrderPorts ports) {
        this.dsl = dsl;
        this.ports = ports;
        this.orders = new OrderRepository(piiKeys, ports.attribution());
        this.lifecycle = new OrderLifecycle(orders);
        this.inventory = inventory;
        this.refunds = refunds;
    }

    public OrderReturn request(Principal caller, UUID orderId, UUID subOrderId, Map<Integer, Long> quantities,
                               String reason) {
        if (caller.customer().isEmpty()) {
            throw new ProblemException(403, "customer_required", "Forbidden", "Returns are requested by the customer.");
        }
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Order order = orders.find(db, caller, orderId, true).orElseThrow(OrderService::notFound);
            Order.SubOrder subOrder = order.subOrders().stream().filter(s -> s.id().equals(subOrderId)).findFirst()
                    .orElseThrow(() -> ProblemException.validation("subOrderId", FieldError.NOT_FOUND,
                            "names no sub-order of this order"));
            if (!RETURNABLE.contains(subOrder.status())) {
                throw ProblemException.conflict("illegal_status_transition", "Only shipped goods can be returned.")
                        .with("currentState", subOrder.status().wireName());
            }
            Map<Integer, Long> shipped = fulfilment.view(db, order, subOrderId).shippedByLine();
            Map<Integer, Long> returned = repository.returnedQuantities(db, subOrderId);
            List<FieldError> errors = new ArrayList<>();
            quantities.forEach((line, quantity) -> {
                long returnable = shipped.getOrDefault(line, 0L) - returned.getOrDefault(line, 0L);
                if (!shipped.containsKey(line)) {
                    errors.add(new FieldError("lines", FieldError.NOT_FOUND, "the sub-order has no line " + line));
                } else if (quantity > returnable) {
                    errors.add(new FieldError("lines", FieldError.OUT_OF_RANGE, "line " + line + " has " + returnable
                            + " shipped unit(s) that can still be returned"));
                }
            });
            if (!errors.isEmpty()) {
                throw ProblemException.validation(errors);
            }
            UUID id = UUID.randomUUID();
            repository.insert(db, id, order, subOrder, reason, quantities);
            OrderReturn created = repository.find(db, caller, id, false).orElseThrow();
            lifecycle.returnRequested(db, created, order, OrderService.actorOf(caller), reason);
            return created;
        });
    }

    public OrderReturn get(Principal caller, UUID id) {
        return repository.find(dsl, caller, id, false).orElseThrow(ReturnService::notFound);
    }

    public OrderReturn approve(Principal caller, UUID id, String reason) {
        return step(caller, id, Action.APPROVE, reason, null, null);
    }

    public OrderReturn refuse(Principal caller, UUID id, String reason) {
        return step(caller, id, Action.REFUSE, reason, null, null);
    }

    /**
     * The goods arrived: back into stock at {@code locationId} (a location of the merchant holding the variants), or
     * written off when absent.
     */
    public OrderReturn receive(Principal caller, UUID id, Optional<UUID> locationId) {
        OrderReturn current = get(caller, id);
        Order.SubOrder subOrder = subOrderOf(current);
        if (locationId.isPresent()) {
            for (Order.Line line : returnedLines(current, subOrder)) {
                boolean stocked = !inventory.listStock(caller, Optional.of(line.variantId()), locationId,
                        PageRequest.first(1)).items().isEmpty();
                if (!stocked) {
                    throw ProblemException.validation("locationId", FieldError.NOT_FOUND,
                            "names no location of yours that stocks the returned variants");
                }
            }
        }
        // Restocked in the transaction of the state change: received once, restocked once.
        Effect restock = locationId.<Effect>map(location -> (db, returned) -> {
            List<StockUpdateResult> results = inventory.restockReturned(db, caller, returnedLines(returned, subOrder).stream()
                    .map(line -> new StockUpdate(line.variantId(), location, Optional.empty(),
                            Optional.of(returned.quantitiesByLine().get(line.lineNumber())), Optional.empty()))
                    .toList());
            if (results.stream().anyMatch(result -> result.outcome() != StockUpdateResult.Outcome.APPLIED)) {
                throw ProblemException.validation("locationId", FieldError.NOT_FOUND,
                        "names no location of yours that stocks the returned variants");
            }
        }).orElse(null);
        return step(caller, id, Action.RECEIVE, locationId.map(l -> "restocked at " + l).orElse("written off"),
                locationId.orElse(null), restock);
    }

    /**
     * Refunds {@code amount} (at most, and by default, what the returned units cost with their tax) through the
     * payment provider, and reverses the commission on the returned units.
     */
    public OrderReturn refund(Principal caller, UUID id, Optional<Money> amount) {
        OrderReturn current = get(caller, id);
        Order.SubOrder subOrder = subOrderOf(current);
        Money most = Money.zero(subOrder.total().currency());
        Money commission = Money.zero(subOrder.total().currency());
        for (Order.Line line : returnedLines(current, subOrder)) {
            long quantity = current.quantitiesByLine().get(line.lineNumber());
            most = most.plus(line.subtotal().plus(line.tax()).allocate(quantity, line.quantity() - quantity)[0]);
            commission = commission.plus(line.unitPrice().times(quantity)
                    .timesBasisPoints(line.commissionRateBasisPoints(), RoundingMode.HALF_EVEN));
        }
        // The part loyalty points paid is given back as points (in the refund's transaction), not money; the part
        // coupons paid goes back to their funders.
        most = most.minus(ports.points().paidWithPoints(dsl, subOrder.id(), current.quantitiesByLine(), most.currency()))
                .minus(ports.coupons().paidWithCoupons(dsl, subOrder.id(), current.quantitiesByLine(), most.currency()));
        Money refund = amount.orElse(most);
        if (!refund.currency().equals(most.currency())) {
            throw ProblemException.validation("amount/currency", FieldError.OUT_OF_RANGE, "must be " + most.currency());
        }
        // Units points and coupons paid wholly refund nothing in money (decision 54), and still complete the return.
        if (refund.amount() < Math.min(1, most.amount()) || refund.amount() > most.amount()) {
            throw ProblemException.validation("amount/amount", FieldError.OUT_OF_RANGE,
                    "must be between 1 and " + most.amount() + " (what the returned units cost)");
        }
        Money reversed = commission;
        return step(caller, id, Action.REFUND, "refund " + refund.amount() + " " + refund.currency(), null,
                (db, orderReturn) -> refundSteps.run(new Refund(db, orderReturn, refund, reversed)), refund);
    }

    /** What the steps of a refund share. */
    private record Refund(DSLContext db, OrderReturn orderReturn, Money amount, Money commission) {
        String cause() {
            return "return:" + orderReturn.id();
        }
    }

    private Next givePointsBack(Refund run) {
        ports.points().givenBack(run.db(), run.orderReturn().subOrderId(), run.cause(),
                run.orderReturn().quantitiesByLine(), false);
        return Next.CONTINUE;
    }

    private Next giveCouponsBack(Refund run) {
        ports.coupons().givenBack(run.db(), run.orderReturn().subOrderId(), run.cause(),
                run.orderReturn().quantitiesByLine(), false);
        return Next.CONTINUE;
    }

    private Next reverseCommission(Refund run) {
        OrderReturn orderReturn = run.orderReturn();
        DomainEvents.append(run.db(), MoneyMovement.commissionReversed(run.cause(), new Parties(orderReturn.orderId(),
                orderReturn.subOrderId(), orderReturn.merchantId(), orderReturn.customerId()), run.commission()));
        return Next.CONTINUE;
    }

    private Next requestRefund(Refund run) {
        if (run.amount().isZero()) {
            return Next.CONTINUE;
        }
        refunds.request(run.db(), run.orderReturn().orderId(), run.orderReturn().subOrderId(), run.amount(),
                "return " + run.orderReturn().id(), run.cause());
        return Next.CONTINUE;
    }

    private interface Effect {
        void apply(DSLContext db, OrderReturn orderReturn);
    }

    private OrderReturn step(Principal caller, UUID id, Action action, String reason, UUID location, Effect effect) {
        return step(caller, id, action, reason, location, effect, null);
    }

    private OrderReturn step(Principal caller, UUID id, Action action, String reason, UUID location, Effect effect,
                             Money refunded) {
        if (!caller.isOperator() && caller.type() != PrincipalType.MERCHANT) {
            throw ProblemException.forbidden("The merchant handles returns.");
        }
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            OrderReturn current = repository.find(db, caller, id, true).orElseThrow(ReturnService::notFound);
            lifecycle.move(db, current, action, OrderService.actorOf(caller), reason, location, refunded);
            if (effect != null) {
                effect.apply(db, current);
            }
            return repository.find(db, caller, id, false).orElseThrow();
        });
    }

    private Order.SubOrder subOrderOf(OrderReturn orderReturn) {
        return orders.get(dsl, orderReturn.orderId()).subOrders().stream()
                .filter(s -> s.id().equals(orderReturn.subOrderId())).findFirst().orElseThrow();
    }

    private static List<Order.Line> returnedLines(OrderReturn orderReturn, Order.SubOrder subOrder) {
        return subOrder.lines().stream().filter(line -> orderReturn.quantitiesByLine().containsKey(line.lineNumber())).toList();
    }

    static ProblemException notFound() {
        return ProblemException.notFound("return");
    }
}
