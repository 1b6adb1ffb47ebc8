package dev.marketplace.server.platform.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.platform.money.Money;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MoneyMovementTest {

    private final UUID merchant = UUID.randomUUID();
    private final Parties subOrder = new Parties(UUID.randomUUID(), UUID.randomUUID(), merchant, UUID.randomUUID());

    @Test
    void everyMovementBalancesOnItsNamedAccounts() {
        Money amount = Money.of(12_000, "JPY");
        assertThat(MoneyMovement.paymentCaptured(UUID.randomUUID(), subOrder, amount).legs()).containsExactly(
                new MoneyMovement.Leg("customer_payments", 12_000, "JPY"), new MoneyMovement.Leg("escrow", -12_000, "JPY"));
        assertThat(MoneyMovement.escrowReleased(subOrder, amount).legs()).containsExactly(
                new MoneyMovement.Leg("escrow", 12_000, "JPY"),
                new MoneyMovement.Leg("merchant_payable:" + merchant, -12_000, "JPY"));
        assertThat(MoneyMovement.commissionReversed("return:r1", subOrder, Money.of(1_200, "JPY")))
                .satisfies(reversed -> {
                    assertThat(reversed.idempotencyId()).isEqualTo("commission_reversed:return:r1");
                    assertThat(reversed.legs()).containsExactly(
                            new MoneyMovement.Leg("platform_commission_revenue", 1_200, "JPY"),
                            new MoneyMovement.Leg("merchant_payable:" + merchant, -1_200, "JPY"));
                });
        assertThat(MoneyMovement.paymentAuthorized(UUID.randomUUID(), subOrder, amount).legs()).isEmpty();
    }

    @Test
    void aMovementThatDoesNotBalanceInEachCurrencyIsRefused() {
        Money amount = Money.of(100, "JPY");
        assertThatThrownBy(() -> new MoneyMovement(EventType.PAYMENT_CAPTURED, "x", subOrder, amount,
                List.of(new MoneyMovement.Leg("customer_payments", 100, "JPY"), new MoneyMovement.Leg("escrow", -99, "JPY"))))
                .hasMessageContaining("does not balance in JPY");
        assertThatThrownBy(() -> new MoneyMovement(EventType.PAYMENT_CAPTURED, "x", subOrder, amount,
                List.of(new MoneyMovement.Leg("customer_payments", 100, "JPY"), new MoneyMovement.Leg("escrow", -100, "USD"))))
                .hasMessageContaining("does not balance");
        assertThatThrownBy(() -> new MoneyMovement(EventType.REFUND_REQUESTED, "x", subOrder, amount, List.of()))
                .hasMessageContaining("not a money movement");
    }

    @Test
    void payloadsReadBackAsTheEventsTheyWereWrittenFrom() {
        MoneyMovement accrued = MoneyMovement.commissionAccrued(subOrder, Money.of(1_500, "JPY"));
        assertThat(DomainEvent.of(accrued.type(), accrued.idempotencyId(), subOrder, accrued.payload())).isEqualTo(accrued);
        RefundRequested refund = new RefundRequested(UUID.randomUUID(), UUID.randomUUID(), subOrder, Money.of(700, "JPY"));
        assertThat(DomainEvent.of(refund.type(), refund.idempotencyId(), subOrder, refund.payload())).isEqualTo(refund);
    }
}
