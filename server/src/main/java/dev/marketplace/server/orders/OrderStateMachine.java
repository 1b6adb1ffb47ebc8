package dev.marketplace.server.orders;

import dev.marketplace.server.platform.http.ProblemException;
import java.util.Map;
import java.util.Optional;

/**
 * The one transition function of orders, sub-orders and returns: which action leads from which status to which. Anything
 * not in the tables is illegal and answers 409 {@code illegal_status_transition} naming the current state.
 */
public final class OrderStateMachine {

    /** What happens to an order or a sub-order. */
    public enum Action {
        PAY, EXPIRE, ACCEPT, REJECT, SHIP_PART, SHIP, DELIVER, CLOSE, CANCEL, COMPLETE, APPROVE, REFUSE, RECEIVE, REFUND;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final Map<OrderStatus, Map<Action, OrderStatus>> ORDER = Map.of(
            OrderStatus.PLACED, Map.of(Action.PAY, OrderStatus.PAID, Action.EXPIRE, OrderStatus.EXPIRED,
                    Action.CANCEL, OrderStatus.CANCELLED),
            OrderStatus.PAID, Map.of(Action.COMPLETE, OrderStatus.COMPLETED, Action.CANCEL, OrderStatus.CANCELLED));

    private static final Map<SubOrderStatus, Map<Action, SubOrderStatus>> SUB_ORDER = Map.of(
            SubOrderStatus.PENDING_PAYMENT, Map.of(Action.PAY, SubOrderStatus.AWAITING_ACCEPTANCE,
                    Action.EXPIRE, SubOrderStatus.EXPIRED, Action.CANCEL, SubOrderStatus.CANCELLED),
            SubOrderStatus.AWAITING_ACCEPTANCE, Map.of(Action.ACCEPT, SubOrderStatus.ACCEPTED,
                    Action.REJECT, SubOrderStatus.REJECTED, Action.CANCEL, SubOrderStatus.CANCELLED),
            SubOrderStatus.ACCEPTED, Map.of(Action.SHIP_PART, SubOrderStatus.PARTIALLY_SHIPPED,
                    Action.SHIP, SubOrderStatus.SHIPPED, Action.CANCEL, SubOrderStatus.CANCELLED),
            SubOrderStatus.PARTIALLY_SHIPPED, Map.of(Action.SHIP_PART, SubOrderStatus.PARTIALLY_SHIPPED,
                    Action.SHIP, SubOrderStatus.SHIPPED),
            SubOrderStatus.SHIPPED, Map.of(Action.DELIVER, SubOrderStatus.DELIVERED),
            SubOrderStatus.DELIVERED, Map.of(Action.CLOSE, SubOrderStatus.CLOSED));

    private static final Map<ReturnStatus, Map<Action, ReturnStatus>> RETURN = Map.of(
            ReturnStatus.REQUESTED, Map.of(Action.APPROVE, ReturnStatus.APPROVED, Action.REFUSE, ReturnStatus.REFUSED),
            ReturnStatus.APPROVED, Map.of(Action.RECEIVE, ReturnStatus.RECEIVED),
            ReturnStatus.RECEIVED, Map.of(Action.REFUND, ReturnStatus.REFUNDED));

    private OrderStateMachine() {
    }

    public static Optional<OrderStatus> next(OrderStatus current, Action action) {
        return Optional.ofNullable(ORDER.getOrDefault(current, Map.of()).get(action));
    }

    public static Optional<SubOrderStatus> next(SubOrderStatus current, Action action) {
        return Optional.ofNullable(SUB_ORDER.getOrDefault(current, Map.of()).get(action));
    }

    public static OrderStatus require(OrderStatus current, Action action) {
        return next(current, action).orElseThrow(() -> illegal("order", current.wireName(), action));
    }

    public static SubOrderStatus require(SubOrderStatus current, Action action) {
        return next(current, action).orElseThrow(() -> illegal("sub-order", current.wireName(), action));
    }

    public static ReturnStatus require(ReturnStatus current, Action action) {
        return Optional.ofNullable(RETURN.getOrDefault(current, Map.of()).get(action))
                .orElseThrow(() -> illegal("return", current.wireName(), action));
    }

    private static ProblemException illegal(String what, String current, Action action) {
        return ProblemException.conflict("illegal_status_transition",
                "'" + action.wireName() + "' is not allowed for a " + current + " " + what + ".")
                .with("currentState", current);
    }
}
