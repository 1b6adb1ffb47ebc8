package dev.marketplace.server.orders;

import dev.marketplace.server.orders.OrderStateMachine.Action;
import dev.marketplace.server.platform.events.DomainEvent;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.OrderLifecycleEvent;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.money.Money;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;

/**
 * The one transition function of orders, sub-orders and returns. A move is checked against {@link OrderStateMachine}
 * (an illegal one is 409 {@code illegal_status_transition}), changes the status, writes its history row
 * ({@code order_transition}) and appends its lifecycle event ({@link OrderLifecycleEvent}, one per history row), all
 * in the caller's transaction, which holds the order's row lock.
 */
final class OrderLifecycle {

    /** Sub-order states after which nothing more happens to it; when every sub-order is in one, the order completes. */
    private static final Set<SubOrderStatus> FINAL = EnumSet.of(SubOrderStatus.DELIVERED, SubOrderStatus.CLOSED,
            SubOrderStatus.REJECTED, SubOrderStatus.CANCELLED);

    /** The reason of an order's and its sub-orders' first history rows, whoever placed it. */
    private static final String PLACED_REASON = "checkout";

    private final OrderRepository orders;
    private final ReturnRepository returns = new ReturnRepository();

    OrderLifecycle(OrderRepository orders) {
        this.orders = orders;
    }

    /**
     * Checkout: the creation of the order and of its sub-orders as history rows (their time is {@code now}, the
     * transaction's), and the order's {@code order_placed}, naming its channel if it has one, written together in one
     * statement (decision 117: the event's idempotency id is the order's history row's, known only once it is
     * inserted). Returns the history written.
     */
    List<Order.Transition> placed(DSLContext db, UUID orderId, UUID storefrontId, UUID customerId,
                                  Optional<Order.Channel> channel, List<Order.SubOrder> subOrders, String actor,
                                  OffsetDateTime now) {
        List<Order.Transition> history = placedHistory(subOrders, actor, now);
        orders.insertPlacement(db, orderId, history, actor, PLACED_REASON, EventType.ORDER_PLACED,
                Parties.ofOrder(orderId, customerId), OrderLifecycleEvent.payload(null, storefrontId,
                        channel.map(Order.Channel::channelId).orElse(null), null, OrderStatus.PLACED.wireName(),
                        PLACED_REASON));
        return history;
    }

    /**
     * An order written already paid (a partner order, decision 107): {@link #placed}'s history rows and then
     * {@link #moveWithEverySubOrder}'s (the moves checked as there) in one insert, and the events of each, not appended.
     * {@code placed} is the order as placed, its sub-orders awaiting payment; nothing is updated, as its rows were
     * inserted in the state the moves lead to.
     */
    PlacedAndMoved placedAndMoved(DSLContext db, Order placed, Action action, Action subOrderAction, String actor,
                                  String reason, String subOrderReason) {
        List<Order.Transition> placedHistory = placedHistory(placed.subOrders(), actor, placed.createdAt());
        EveryMove move = everyMove(placed, action, subOrderAction, actor, reason, subOrderReason);
        List<Order.Transition> history = new ArrayList<>(placedHistory);
        history.addAll(move.history());
        List<OrderRepository.WrittenTransition> written = orders.insertTransitions(db, placed.id(), history);
        Moves placedMoves = new Moves(placedHistory, List.of(placedEvent(written.getFirst().id(), placed.id(),
                placed.storefrontId(), placed.customerId(), Optional.ofNullable(placed.channel()))));
        return new PlacedAndMoved(placedMoves,
                move.recorded(placed, written.subList(placedHistory.size(), written.size()), reason, subOrderReason));
    }

    /** What {@link #placedAndMoved} wrote: the creation's history and event, then the moves'. */
    record PlacedAndMoved(Moves placed, Moves moved) {
    }

    private static List<Order.Transition> placedHistory(List<Order.SubOrder> subOrders, String actor,
                                                        OffsetDateTime now) {
        List<Order.Transition> history = new ArrayList<>();
        history.add(new Order.Transition(null, null, OrderStatus.PLACED.wireName(), actor, PLACED_REASON, now));
        subOrders.forEach(subOrder -> history.add(new Order.Transition(subOrder.id(), null,
                SubOrderStatus.PENDING_PAYMENT.wireName(), actor, PLACED_REASON, now)));
        return history;
    }

    private static DomainEvent placedEvent(long orderTransition, UUID orderId, UUID storefrontId, UUID customerId,
                                           Optional<Order.Channel> channel) {
        return OrderLifecycleEvent.ofTransition(EventType.ORDER_PLACED, orderTransition,
                Parties.ofOrder(orderId, customerId), null, storefrontId,
                channel.map(Order.Channel::channelId).orElse(null), null, OrderStatus.PLACED.wireName(), PLACED_REASON);
    }

    /** Moves the order by {@code action}; returns its new status. */
    OrderStatus move(DSLContext db, Order order, Action action, String actor, String reason) {
        OrderStatus next = OrderStateMachine.require(order.status(), action);
        orders.updateOrderStatus(db, order.id(), next);
        record(db, eventOf(next), Parties.ofOrder(order.id(), order.customerId()), null, order.storefrontId(),
                channelIdOf(order), order.status().wireName(), next.wireName(), actor, reason);
        return next;
    }

    /** History rows written, and the events of the change they record (in history order), not yet appended. */
    record Moves(List<Order.Transition> history, List<DomainEvent> events) {
    }

    /**
     * Moves the order by {@code action} and every one of its sub-orders by {@code subOrderAction} together (a
     * payment), set-based: one update of the order, one of its sub-orders (which sets {@code subOrderColumns} too),
     * one insert of their history rows. The history rows written and the events are returned, the events not
     * appended, so that the caller appends them with the rest of its change's in one statement.
     */
    Moves moveWithEverySubOrder(DSLContext db, Order order, Action action, Action subOrderAction, String actor,
                                String reason, String subOrderReason, Map<Field<?>, Field<?>> subOrderColumns) {
        EveryMove move = everyMove(order, action, subOrderAction, actor, reason, subOrderReason);
        orders.updateOrderStatus(db, order.id(), move.next());
        orders.updateSubOrderStatuses(db, move.subOrdersNext(), subOrderColumns);
        return move.recorded(order, orders.insertTransitions(db, order.id(), move.history()), reason, subOrderReason);
    }

    /** The order's move and every sub-order's, checked, with their history rows (order first) not yet written. */
    private record EveryMove(OrderStatus next, Map<UUID, SubOrderStatus> subOrdersNext, List<Order.Transition> history) {

        /** The moves as recorded: the history rows with their times, and their events (in history order). */
        Moves recorded(Order order, List<OrderRepository.WrittenTransition> written, String reason, String subOrderReason) {
            List<Long> transitions = written.stream().map(OrderRepository.WrittenTransition::id).toList();
            List<Order.Transition> recorded = new ArrayList<>();
            for (int i = 0; i < history.size(); i++) {
                Order.Transition transition = history.get(i);
                recorded.add(new Order.Transition(transition.subOrderId(), transition.from(), transition.to(),
                        transition.actor(), transition.reason(), written.get(i).occurredAt()));
            }
            List<DomainEvent> events = new ArrayList<>();
            UUID channelId = channelIdOf(order);
            eventOf(next).ifPresent(type -> events.add(OrderLifecycleEvent.ofTransition(type, transitions.getFirst(),
                    Parties.ofOrder(order.id(), order.customerId()), null, order.storefrontId(), channelId,
                    order.status().wireName(), next.wireName(), reason)));
            for (int i = 0; i < order.subOrders().size(); i++) {
                Order.SubOrder subOrder = order.subOrders().get(i);
                SubOrderStatus subOrderNext = subOrdersNext.get(subOrder.id());
                long transition = transitions.get(i + 1);
                eventOf(subOrder.status(), subOrderNext).ifPresent(type -> events.add(OrderLifecycleEvent.ofTransition(
                        type, transition, partiesOf(order, subOrder), null, order.storefrontId(), channelId,
                        subOrder.status().wireName(), subOrderNext.wireName(), subOrderReason)));
            }
            return new Moves(recorded, events);
        }
    }

    private static EveryMove everyMove(Order order, Action action, Action subOrderAction, String actor, String reason,
                                       String subOrderReason) {
        OrderStatus next = OrderStateMachine.require(order.status(), action);
        Map<UUID, SubOrderStatus> subOrdersNext = new LinkedHashMap<>();
        List<Order.Transition> history = new ArrayList<>();
        history.add(new Order.Transition(null, order.status().wireName(), next.wireName(), actor, reason, null));
        for (Order.SubOrder subOrder : order.subOrders()) {
            SubOrderStatus subOrderNext = OrderStateMachine.require(subOrder.status(), subOrderAction);
            subOrdersNext.put(subOrder.id(), subOrderNext);
            history.add(new Order.Transition(subOrder.id(), subOrder.status().wireName(), subOrderNext.wireName(),
                    actor, subOrderReason, null));
        }
        return new EveryMove(next, subOrdersNext, history);
    }

    /** Moves one sub-order of {@code order} by {@code action}; returns its new status. */
    SubOrderStatus move(DSLContext db, Order order, Order.SubOrder subOrder, Action action, String actor,
                        String reason) {
        SubOrderStatus next = OrderStateMachine.require(subOrder.status(), action);
        orders.updateSubOrderStatus(db, subOrder.id(), next);
        record(db, eventOf(subOrder.status(), next), partiesOf(order, subOrder), null, order.storefrontId(),
                channelIdOf(order), subOrder.status().wireName(), next.wireName(), actor, reason);
        return next;
    }

    /**
     * Moves the sub-order, then completes the order once every sub-order is final: how a merchant's (or a
     * carrier's, or a job's) change of one sub-order ends its order.
     */
    void moveAndComplete(DSLContext db, Order order, Order.SubOrder subOrder, Action action, String actor,
                         String reason) {
        SubOrderStatus next = move(db, order, subOrder, action, actor, reason);
        boolean everyFinal = order.subOrders().stream()
                .allMatch(s -> FINAL.contains(s.id().equals(subOrder.id()) ? next : s.status()));
        if (everyFinal) {
            move(db, order, Action.COMPLETE, actor, "every sub-order is final");
        }
    }

    /** The customer asked for the return just inserted: its first history row and {@code return_requested}. */
    void returnRequested(DSLContext db, OrderReturn created, Order order, String actor, String reason) {
        record(db, Optional.of(eventOf(created.status())), partiesOf(created), created.id(), order.storefrontId(),
                channelIdOf(order), null, created.status().wireName(), actor, reason);
    }

    /**
     * Moves the return by {@code action}, with where it was restocked and what was refunded when the move says so
     * (each null otherwise); returns its new status.
     */
    ReturnStatus move(DSLContext db, OrderReturn current, Action action, String actor, String reason,
                      UUID restockedLocationId, Money refunded) {
        ReturnStatus next = OrderStateMachine.require(current.status(), action);
        returns.update(db, current.id(), next, restockedLocationId, refunded);
        Order order = orders.get(db, current.orderId());
        record(db, Optional.of(eventOf(next)), partiesOf(current), current.id(), order.storefrontId(),
                channelIdOf(order), current.status().wireName(), next.wireName(), actor, reason);
        return next;
    }

    private void record(DSLContext db, Optional<EventType> event, Parties parties, UUID returnId, UUID storefrontId,
                        UUID channelId, String from, String to, String actor, String reason) {
        long transition = orders.insertTransition(db, parties.orderId(), parties.subOrderId(), returnId, from, to,
                actor, reason);
        event.ifPresent(type -> DomainEvents.append(db, OrderLifecycleEvent.ofTransition(type, transition, parties,
                returnId, storefrontId, channelId, from, to, reason)));
    }

    private static UUID channelIdOf(Order order) {
        return order.channel() == null ? null : order.channel().channelId();
    }

    private static Optional<EventType> eventOf(OrderStatus status) {
        return Optional.of(switch (status) {
            case PLACED -> EventType.ORDER_PLACED;
            case PAID -> EventType.ORDER_PAID;
            case COMPLETED -> EventType.ORDER_COMPLETED;
            case EXPIRED -> EventType.ORDER_EXPIRED;
            case CANCELLED -> EventType.ORDER_CANCELLED;
        });
    }

    /**
     * The event of a sub-order's move, if it has its own. A merchant hears of its sub-order once it is paid: before,
     * the order's events tell its creation, expiry or cancellation. Nothing closes sub-orders yet.
     */
    private static Optional<EventType> eventOf(SubOrderStatus from, SubOrderStatus to) {
        if (from == SubOrderStatus.PENDING_PAYMENT && to != SubOrderStatus.AWAITING_ACCEPTANCE) {
            return Optional.empty();
        }
        return Optional.ofNullable(switch (to) {
            case PENDING_PAYMENT, EXPIRED, CLOSED -> null;
            case AWAITING_ACCEPTANCE -> EventType.SUB_ORDER_AWAITING_ACCEPTANCE;
            case ACCEPTED -> EventType.SUB_ORDER_ACCEPTED;
            case REJECTED -> EventType.SUB_ORDER_REJECTED;
            case PARTIALLY_SHIPPED, SHIPPED -> EventType.SUB_ORDER_SHIPPED;
            case DELIVERED -> EventType.SUB_ORDER_DELIVERED;
            case CANCELLED -> EventType.SUB_ORDER_CANCELLED;
        });
    }

    private static EventType eventOf(ReturnStatus status) {
        return switch (status) {
            case REQUESTED -> EventType.RETURN_REQUESTED;
            case APPROVED -> EventType.RETURN_APPROVED;
            case REFUSED -> EventType.RETURN_REFUSED;
            case RECEIVED -> EventType.RETURN_RECEIVED;
            case REFUNDED -> EventType.RETURN_REFUNDED;
        };
    }

    private static Parties partiesOf(Order order, Order.SubOrder subOrder) {
        return new Parties(order.id(), subOrder.id(), subOrder.merchantId(), order.customerId());
    }

    private static Parties partiesOf(OrderReturn orderReturn) {
        return new Parties(orderReturn.orderId(), orderReturn.subOrderId(), orderReturn.merchantId(),
                orderReturn.customerId());
    }
}
