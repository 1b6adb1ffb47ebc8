package dev.marketplace.server.platform.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class OrderLifecycleEventTest {

    private final Parties subOrder = new Parties(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(),
            UUID.randomUUID());
    private final UUID storefront = UUID.randomUUID();

    @Test
    void anEventReadsBackFromItsStoredPayloadAsItWasWritten() {
        OrderLifecycleEvent shipped = OrderLifecycleEvent.ofTransition(EventType.SUB_ORDER_SHIPPED, 42, subOrder, null,
                storefront, null, "accepted", "partially_shipped", "Yamato 4000-1111");
        OrderLifecycleEvent requested = OrderLifecycleEvent.ofTransition(EventType.RETURN_REQUESTED, 43, subOrder,
                UUID.randomUUID(), storefront, null, null, "requested", null);

        assertThat(shipped.idempotencyId()).isEqualTo("order_transition:42");
        assertThat(shipped.payload().toString()).doesNotContain("returnId");
        assertThat(requested.payload().keySet()).containsExactlyInAnyOrder("storefrontId", "returnId", "toStatus");
        for (OrderLifecycleEvent event : new OrderLifecycleEvent[] {shipped, requested}) {
            assertThat(DomainEvent.of(event.type(), event.idempotencyId(), event.parties(), event.payload()))
                    .isEqualTo(event);
        }
    }

    @Test
    void theLifecycleBlockKeepsItsWireNamesAndRefusesOtherTypes() {
        assertThat(OrderLifecycleEvent.TYPES).hasSize(16).allSatisfy(type -> assertThat(type.isMoneyMovement()).isFalse())
                .contains(EventType.ORDER_PLACED, EventType.SUB_ORDER_AWAITING_ACCEPTANCE, EventType.RETURN_REFUNDED)
                .doesNotContain(EventType.REFUND_REQUESTED);
        assertThat(EventType.SUB_ORDER_DELIVERED.wireName()).isEqualTo("sub_order_delivered");
        assertThatThrownBy(() -> OrderLifecycleEvent.ofTransition(EventType.PAYMENT_CAPTURED, 1, subOrder, null,
                storefront, null, null, "paid", null)).isInstanceOf(IllegalArgumentException.class);
    }
}
