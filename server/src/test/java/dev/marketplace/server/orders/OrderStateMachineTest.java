package dev.marketplace.server.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.orders.OrderStateMachine.Action;
import dev.marketplace.server.platform.http.ProblemException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OrderStateMachineTest {

    @Test
    void anOrderIsPaidCancelledOrExpiredWhilePlacedAndCompletedOrCancelledOncePaid() {
        assertThat(OrderStateMachine.require(OrderStatus.PLACED, Action.PAY)).isEqualTo(OrderStatus.PAID);
        assertThat(OrderStateMachine.require(OrderStatus.PLACED, Action.EXPIRE)).isEqualTo(OrderStatus.EXPIRED);
        assertThat(OrderStateMachine.require(OrderStatus.PLACED, Action.CANCEL)).isEqualTo(OrderStatus.CANCELLED);
        assertThat(OrderStateMachine.require(OrderStatus.PAID, Action.COMPLETE)).isEqualTo(OrderStatus.COMPLETED);
        assertThat(OrderStateMachine.require(OrderStatus.PAID, Action.CANCEL)).isEqualTo(OrderStatus.CANCELLED);
    }

    @Test
    void finishedOrdersTakeNoAction() {
        for (OrderStatus finished : EnumSet.of(OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.EXPIRED)) {
            for (Action action : Action.values()) {
                assertThat(OrderStateMachine.next(finished, action)).as("%s on %s", action, finished).isEmpty();
            }
        }
    }

    @Test
    void aSubOrderGoesFromPaymentThroughAcceptanceAndShipmentToClosed() {
        SubOrderStatus status = SubOrderStatus.PENDING_PAYMENT;
        for (Action action : new Action[] {Action.PAY, Action.ACCEPT, Action.SHIP_PART, Action.SHIP_PART, Action.SHIP,
                Action.DELIVER, Action.CLOSE}) {
            status = OrderStateMachine.require(status, action);
        }
        assertThat(status).isEqualTo(SubOrderStatus.CLOSED);
    }

    @Test
    void aSubOrderCanBeCancelledUntilItsFirstShipmentAndRejectedOnlyWhileAwaitingAcceptance() {
        Set<SubOrderStatus> cancellable = EnumSet.noneOf(SubOrderStatus.class);
        Set<SubOrderStatus> rejectable = EnumSet.noneOf(SubOrderStatus.class);
        for (SubOrderStatus status : SubOrderStatus.values()) {
            OrderStateMachine.next(status, Action.CANCEL).ifPresent(next -> cancellable.add(status));
            OrderStateMachine.next(status, Action.REJECT).ifPresent(next -> rejectable.add(status));
        }
        assertThat(cancellable).containsExactlyInAnyOrder(SubOrderStatus.PENDING_PAYMENT,
                SubOrderStatus.AWAITING_ACCEPTANCE, SubOrderStatus.ACCEPTED);
        assertThat(rejectable).containsExactly(SubOrderStatus.AWAITING_ACCEPTANCE);
        assertThat(OrderStateMachine.next(SubOrderStatus.AWAITING_ACCEPTANCE, Action.REJECT))
                .isEqualTo(Optional.of(SubOrderStatus.REJECTED));
    }

    @Test
    void aReturnIsApprovedReceivedAndRefundedInThatOrderOrRefused() {
        assertThat(OrderStateMachine.require(ReturnStatus.REQUESTED, Action.REFUSE)).isEqualTo(ReturnStatus.REFUSED);
        ReturnStatus status = ReturnStatus.REQUESTED;
        for (Action action : new Action[] {Action.APPROVE, Action.RECEIVE, Action.REFUND}) {
            status = OrderStateMachine.require(status, action);
        }
        assertThat(status).isEqualTo(ReturnStatus.REFUNDED);
        assertThatThrownBy(() -> OrderStateMachine.require(ReturnStatus.REQUESTED, Action.REFUND))
                .isInstanceOf(ProblemException.class);
    }

    @Test
    void anIllegalTransitionIsA409NamingTheActionAndTheCurrentState() {
        assertThatThrownBy(() -> OrderStateMachine.require(SubOrderStatus.SHIPPED, Action.CANCEL))
                .isInstanceOfSatisfying(ProblemException.class, problem -> {
                    assertThat(problem.status()).isEqualTo(409);
                    assertThat(problem.code()).isEqualTo("illegal_status_transition");
                    assertThat(problem.detail()).isEqualTo("'cancel' is not allowed for a shipped sub-order.");
                    assertThat(problem.extensions()).containsEntry("currentState", "shipped");
                });
        assertThatThrownBy(() -> OrderStateMachine.require(OrderStatus.CANCELLED, Action.PAY))
                .isInstanceOfSatisfying(ProblemException.class, problem -> assertThat(problem.detail())
                        .isEqualTo("'pay' is not allowed for a cancelled order."));
    }
}
