package dev.marketplace.server.orders;

import dev.marketplace.server.inventory.ReservationService;
import dev.marketplace.server.orders.OrderStateMachine.Action;
import dev.marketplace.server.payments.OrderPayments;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.steps.Steps;
import dev.marketplace.server.platform.steps.Steps.Next;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;

/**
 * Merchants working their sub-orders: accept or reject within the acceptance deadline, ship by line, deliver; escrow
 * is released on delivery, or by a job N days after shipment. Every change goes through {@link OrderStateMachine}
 * under the order's row lock and is recorded with who, when and why. Each public method is one transaction, with the
 * stock a refusal or cancellation returns; refunds are requested in it and sent to the provider after it.
 */
public final class FulfilmentService {

    /** The job of {@link #rejectOverdue}. */
    public static final String ACCEPTANCE_DEADLINE_JOB = "orders.acceptance-deadlines";
    /** The job of {@link #releaseEscrowOfShipped}. */
    public static final String ESCROW_RELEASE_JOB = "orders.escrow-release";
    private static final Principal SYSTEM = Principal.system("orders.fulfilment");
    private static final int JOB_BATCH = 100;


    private final DSLContext dsl;
    private final ReservationService reservations;
    private final RefundRequests refunds;
    private final OrderPorts ports;
    private final Duration releaseEscrowAfterShipment;
    private final OrderRepository orders;
    private final OrderLifecycle lifecycle;
    private final FulfilmentRepository repository = new FulfilmentRepository();
    /**
     * An order's cancellation: the order, its open sub-orders, the refunds, commission reversals and restocking of
     * what was paid in one transaction (refunds are sent by the payments domain after it); then an unpaid order's
     * reservation is released, which nothing needs to undo (after a crash first, the reservation's expiry does it).
     */
    private final Steps<Cancellation> cancellation = Steps.<Cancellation>of("order cancellation")
            .step("cancel the order and its open sub-orders; refund, reverse and restock what was paid",
                    this::cancelWithOpenSubOrders)
            .step("release an unpaid order's reservation", this::releaseReservation);
    /**
     * What a paid sub-order that is rejected or cancelled gives back, in the transaction of its move (decision 30):
     * every step writes to this database only, so the rollback is each one's compensation — a step that fails leaves
     * the sub-order as it was, its stock reserved, its commission, points and coupons as they were and no refund.
     * The refund is sent to the provider after the commit (the payments domain's subscriber), never inside it.
     */
    private final Steps<Reversal> reversal = Steps.<Reversal>of("paid sub-order reversal")
            .step("return the stock where it was taken from", this::returnStock)
            .step("reverse the commission", this::reverseCommission)
            .step("work out the refund: the total less what points and coupons paid", this::refundDue)
            .step("give the points back", this::givePointsBack)
            .step("give the coupons' share back to their funders", this::giveCouponsBack)
            .step("request the refund of what was paid in money", this::requestRefund);
    /** A merchant's (or the deadline's) rejection: the move, then {@link #reversal}, in one transaction. */
    private final Steps<Reversal> rejection = Steps.<Reversal>of("sub-order rejection")
            .step("move the sub-order to rejected; the order completes once every sub-order is final",
                    run -> move(run, Action.REJECT))
            .step("give back what was paid", run -> reverse(run));
    /** A merchant's cancellation before shipment: as {@link #rejection}, to cancelled. */
    private final Steps<Reversal> subOrderCancellation = Steps.<Reversal>of("sub-order cancellation")
            .step("move the sub-order to cancelled; the order completes once every sub-order is final",
                    run -> move(run, Action.CANCEL))
            .step("give back what was paid", run -> reverse(run));

    public FulfilmentService(DSLContext dsl, ReservationService reservations, RefundRequests refunds,
                             Duration releaseEscrowAfterShipment, PiiKeys piiKeys, OrderPorts ports) {
        this.dsl = dsl;
        this.ports = ports;
        this.orders = new OrderRepository(piiKeys, ports.attribution());
        this.lifecycle = new OrderLifecycle(orders);
        this.reservations = reservations;
        this.refunds = refunds;
        this.releaseEscrowAfterShipment = releaseEscrowAfterShipment;
    }

    public SubOrderView get(Principal caller, UUID subOrderId) {
        UUID id = repository.findVisible(dsl, caller, subOrderId, false).orElseThrow(FulfilmentService::notFound);
        return view(dsl, id);
    }

    public Page<SubOrderView> list(Principal caller, Optional<SubOrderStatus> status, PageRequest page) {
        List<SubOrderView> views = repository.list(dsl, caller, status, page).stream().map(id -> view(dsl, id)).toList();
        return Page.fromLookahead(views, page.limit(), FulfilmentRepository::cursorOf);
    }

    /**
     * One change of a sub-order in the feed, with the sub-order as it is now: {@code event} is {@code placed}, the
     * status it moved to, or {@code updated} (empty for changes recorded before V32).
     */
    public record SubOrderChange(long position, OffsetDateTime changedAt, Optional<String> event, SubOrderView subOrder) {
    }

    /** The caller's sub-order changes after the page's cursor, in the order they became visible (see {@link ChangeLog}). */
    public ChangePage<SubOrderChange> changes(Principal caller, PageRequest page) {
        return ChangeLog.read(dsl, page, (db, after) -> repository.changes(db, caller, after, page.limit()).stream()
                .map(change -> new SubOrderChange(change.position(), change.changedAt(), change.event(),
                        view(db, change.subOrderId())))
                .toList(), SubOrderChange::position);
    }

    public SubOrderView accept(Principal caller, UUID subOrderId, String reason) {
        return change(caller, subOrderId, (db, view) -> transition(db, view, Action.ACCEPT, OrderService.actorOf(caller), reason));
    }

    /** The merchant refuses the sub-order: its total is refunded and its stock goes back where it was taken from. */
    public SubOrderView reject(Principal caller, UUID subOrderId, String reason) {
        return change(caller, subOrderId, (db, view) -> refuse(db, view, OrderService.actorOf(caller), reason));
    }

    /**
     * Ships {@code quantities} by line number (every unshipped unit when empty) with one carrier and tracking
     * number: {@code partially_shipped} until every unit has shipped, then {@code shipped}.
     */
    public SubOrderView ship(Principal caller, UUID subOrderId, String carrier, String trackingNumber,
                             Map<Integer, Long> quantities) {
        return change(caller, subOrderId, (db, view) -> {
            Map<Integer, Long> remaining = FulfilmentRepository.remaining(view.subOrder(), view.shippedByLine());
            Map<Integer, Long> shipping = quantities.isEmpty() ? Map.copyOf(remaining) : quantities;
            List<FieldError> errors = new ArrayList<>();
            shipping.forEach((line, quantity) -> {
                if (!remaining.containsKey(line)) {
                    errors.add(new FieldError("lines", FieldError.NOT_FOUND, "the sub-order has no line " + line));
                } else if (quantity > remaining.get(line)) {
                    errors.add(new FieldError("lines", FieldError.OUT_OF_RANGE, "line " + line + " has only "
                            + remaining.get(line) + " unit(s) left to ship"));
                }
            });
            if (!errors.isEmpty()) {
                throw ProblemException.validation(errors);
            }
            boolean complete = remaining.entrySet().stream()
                    .allMatch(e -> e.getValue() == shipping.getOrDefault(e.getKey(), 0L));
            Action action = complete ? Action.SHIP : Action.SHIP_PART;
            OrderStateMachine.require(view.subOrder().status(), action);
            repository.insertShipment(db, subOrderId, UUID.randomUUID(), carrier, trackingNumber,
                    Map.copyOf(shipping.entrySet().stream().filter(e -> e.getValue() > 0)
                            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))));
            if (complete) {
                repository.markShipped(db, subOrderId);
            }
            transition(db, view, action, OrderService.actorOf(caller), carrier + " " + trackingNumber);
        });
    }

    /** Delivered (the merchant says so): the escrow of the sub-order is released to the merchant side. */
    public SubOrderView deliver(Principal caller, UUID subOrderId, String reason) {
        return change(caller, subOrderId, (db, view) -> {
            transition(db, view, Action.DELIVER, OrderService.actorOf(caller), reason);
            repository.markDelivered(db, subOrderId);
            releaseEscrow(db, view);
        });
    }

    /**
     * A carrier reports a parcel delivered: once every parcel of a fully shipped sub-order is, the sub-order is
     * delivered and its escrow released, as when the merchant says so. A repeated report changes nothing; an
     * unknown parcel is 404.
     */
    public void parcelDelivered(String carrier, String trackingNumber) {
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            UUID subOrderId = repository.subOrderOfParcel(db, carrier, trackingNumber)
                    .orElseThrow(() -> ProblemException.notFound("parcel"));
            repository.lockOrder(db, repository.orderOf(db, subOrderId));
            repository.markParcelDelivered(db, carrier, trackingNumber);
            SubOrderView view = view(db, subOrderId);
            if (view.subOrder().status() == SubOrderStatus.SHIPPED && repository.everyParcelDelivered(db, subOrderId)) {
                transition(db, view, Action.DELIVER, "carrier:" + carrier, "parcel " + trackingNumber + " delivered");
                repository.markDelivered(db, subOrderId);
                releaseEscrow(db, view);
            }
        });
    }

    /** The job: sub-orders not accepted in time are rejected (refunded, stock returned). Returns how many. */
    public int rejectOverdue() {
        int rejected = 0;
        for (UUID id : repository.overdueAcceptance(dsl, JOB_BATCH)) {
            SubOrderView view = dsl.transactionResult(tx -> {
                DSLContext db = tx.dsl();
                repository.lockOrder(db, repository.orderOf(db, id));
                SubOrderView current = view(db, id);
                if (current.subOrder().status() != SubOrderStatus.AWAITING_ACCEPTANCE) {
                    return null;
                }
                refuse(db, current, "system", "not accepted by " + current.acceptanceDueAt());
                return view(db, id);
            });
            if (view != null) {
                rejected++;
            }
        }
        return rejected;
    }

    /** The job: escrow of sub-orders shipped longer ago than the release period, and not delivered, is released. */
    public int releaseEscrowOfShipped() {
        int released = 0;
        for (UUID id : repository.escrowDue(dsl, releaseEscrowAfterShipment, JOB_BATCH)) {
            released += dsl.transactionResult(tx -> {
                DSLContext db = tx.dsl();
                repository.lockOrder(db, repository.orderOf(db, id));
                return releaseEscrow(db, view(db, id)) ? 1 : 0;
            });
        }
        return released;
    }

    private interface Change {
        void apply(DSLContext db, SubOrderView view);
    }

    private SubOrderView change(Principal caller, UUID subOrderId, Change change) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            UUID id = repository.findVisible(db, caller, subOrderId, false).orElseThrow(FulfilmentService::notFound);
            repository.lockOrder(db, repository.orderOf(db, id));
            change.apply(db, view(db, id));
            return view(db, id);
        });
    }

    private void refuse(DSLContext db, SubOrderView view, String actor, String reason) {
        rejection.run(new Reversal(db, view, actor, reason, "sub-order rejected: " + reason));
    }

    /** What the steps of a reversal share: the sub-order, who and why, then what the refund is. */
    private static final class Reversal {
        final DSLContext db;
        final SubOrderView view;
        final String actor;
        final String reason;
        final String refundReason;
        Order order;
        Money inMoney;

        Reversal(DSLContext db, SubOrderView view, String actor, String reason, String refundReason) {
            this.db = db;
            this.view = view;
            this.actor = actor;
            this.reason = reason;
            this.refundReason = refundReason;
        }

        Order.SubOrder subOrder() {
            return view.subOrder();
        }
    }

    private Next move(Reversal run, Action action) {
        transition(run.db, run.view, action, run.actor, run.reason);
        return Next.CONTINUE;
    }

    private Next reverse(Reversal run) {
        reversal.run(run);
        return Next.CONTINUE;
    }

    private Next returnStock(Reversal run) {
        run.order = orders.get(run.db, run.view.orderId());
        reservations.returnToStock(run.db, SYSTEM, run.order.reservationId(),
                run.subOrder().lines().stream().map(Order.Line::variantId).collect(Collectors.toSet()));
        return Next.CONTINUE;
    }

    private Next reverseCommission(Reversal run) {
        Order.SubOrder subOrder = run.subOrder();
        Parties parties = new Parties(run.order.id(), subOrder.id(), subOrder.merchantId(), run.order.customerId());
        DomainEvents.append(run.db, MoneyMovement.commissionReversed(subOrder.id().toString(), parties,
                subOrder.commission()));
        return Next.CONTINUE;
    }

    /** What loyalty points paid goes back as points, not money; what coupons paid, to their funders. */
    private Next refundDue(Reversal run) {
        Order.SubOrder subOrder = run.subOrder();
        String currency = subOrder.total().currency();
        run.inMoney = subOrder.total().minus(ports.points().paidWithPoints(run.db, subOrder.id(), Map.of(), currency))
                .minus(ports.coupons().paidWithCoupons(run.db, subOrder.id(), Map.of(), currency));
        return Next.CONTINUE;
    }

    private Next givePointsBack(Reversal run) {
        ports.points().givenBack(run.db, run.subOrder().id(), "sub_order:" + run.subOrder().id(), Map.of(), true);
        return Next.CONTINUE;
    }

    private Next giveCouponsBack(Reversal run) {
        ports.coupons().givenBack(run.db, run.subOrder().id(), "sub_order:" + run.subOrder().id(), Map.of(), true);
        return Next.CONTINUE;
    }

    private Next requestRefund(Reversal run) {
        if (!run.inMoney.isZero()) {
            refunds.request(run.db, run.order.id(), run.subOrder().id(), run.inMoney, run.refundReason);
        }
        return Next.CONTINUE;
    }

    /**
     * The merchant cancels its sub-order before shipment ({@code awaiting_acceptance} or {@code accepted}): refunded,
     * commission reversed, stock returned.
     */
    public SubOrderView cancel(Principal caller, UUID subOrderId, String reason) {
        return change(caller, subOrderId, (db, view) -> subOrderCancellation.run(new Reversal(db, view,
                OrderService.actorOf(caller), reason, "sub-order cancelled: " + reason)));
    }

    /**
     * The customer (or the operator) cancels the whole order before anything shipped. Unpaid: its reservation is
     * released. Paid: every sub-order still open is cancelled and refunded, and its stock returned; a sub-order
     * already shipping makes it 409 {@code illegal_status_transition} (with that sub-order's state).
     */
    public Order cancelOrder(Principal caller, UUID orderId, String reason) {
        if (caller.type() == PrincipalType.STOREFRONT && caller.customer().isEmpty()) {
            throw new ProblemException(403, "customer_required", "Forbidden", "Only the customer (or the operator) cancels an order.");
        }
        cancellation.run(new Cancellation(caller, orderId, reason));
        return orders.get(dsl, orderId);
    }

    /** What the steps of a cancellation share: the order as it was before. */
    private static final class Cancellation {
        final Principal caller;
        final UUID orderId;
        final String reason;
        Order before;

        Cancellation(Principal caller, UUID orderId, String reason) {
            this.caller = caller;
            this.orderId = orderId;
            this.reason = reason;
        }
    }

    private Next cancelWithOpenSubOrders(Cancellation run) {
        String actor = OrderService.actorOf(run.caller);
        run.before = dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Order order = orders.find(db, run.caller, run.orderId, true).orElseThrow(OrderService::notFound);
            if (order.status() == OrderStatus.PLACED && OrderPayments.inFlight(db, run.orderId)) {
                throw ProblemException.conflict("payment_in_progress",
                        "A payment of this order is in progress; cancel once its outcome is known.");
            }
            OrderStateMachine.require(order.status(), Action.CANCEL);
            for (Order.SubOrder subOrder : order.subOrders()) {
                if (subOrder.status() == SubOrderStatus.REJECTED || subOrder.status() == SubOrderStatus.CANCELLED) {
                    continue;
                }
                OrderStateMachine.require(subOrder.status(), Action.CANCEL);
            }
            lifecycle.move(db, order, Action.CANCEL, actor, run.reason);
            for (Order.SubOrder subOrder : order.subOrders()) {
                if (subOrder.status() == SubOrderStatus.REJECTED || subOrder.status() == SubOrderStatus.CANCELLED) {
                    continue;
                }
                lifecycle.move(db, order, subOrder, Action.CANCEL, actor, "order cancelled");
                if (order.status() == OrderStatus.PAID) {
                    reversal.run(new Reversal(db, repository.view(db, order, subOrder.id()), actor,
                            "order cancelled", "order cancelled: " + run.reason));
                }
            }
            return order;
        });
        return run.before.status() == OrderStatus.PLACED ? Next.CONTINUE : Next.STOP;
    }

    private Next releaseReservation(Cancellation run) {
        reservations.release(SYSTEM, run.before.reservationId());
        return Next.CONTINUE;
    }

    private boolean releaseEscrow(DSLContext db, SubOrderView view) {
        if (!repository.releaseEscrow(db, view.subOrder().id())) {
            return false;
        }
        Order order = orders.get(db, view.orderId());
        DomainEvents.append(db, MoneyMovement.escrowReleased(new Parties(order.id(), view.subOrder().id(),
                view.subOrder().merchantId(), order.customerId()), view.subOrder().total()));
        return true;
    }

    /** Moves the sub-order; the order completes once every sub-order is final. */
    private void transition(DSLContext db, SubOrderView view, Action action, String actor, String reason) {
        lifecycle.moveAndComplete(db, orders.get(db, view.orderId()), view.subOrder(), action, actor, reason);
    }

    private SubOrderView view(DSLContext db, UUID subOrderId) {
        return repository.view(db, orders.get(db, repository.orderOf(db, subOrderId)), subOrderId);
    }

    static ProblemException notFound() {
        return ProblemException.notFound("sub-order");
    }
}
