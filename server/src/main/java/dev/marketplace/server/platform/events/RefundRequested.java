package dev.marketplace.server.platform.events;

import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.money.Money;
import jakarta.json.JsonObject;
import java.util.UUID;

/** A refund of part of a captured payment was asked for (the payments domain's job sends it to the provider). */
public record RefundRequested(UUID refundId, UUID paymentId, Parties parties, Money amount) implements DomainEvent {

    @Override
    public EventType type() {
        return EventType.REFUND_REQUESTED;
    }

    @Override
    public String idempotencyId() {
        return "refund_requested:" + refundId;
    }

    @Override
    public JsonObject payload() {
        return JsonP.JSON.createObjectBuilder().add("refundId", refundId.toString()).add("paymentId", paymentId.toString())
                .add("amount", MoneyMovement.money(amount)).build();
    }

    static RefundRequested fromPayload(Parties parties, JsonObject payload) {
        return new RefundRequested(UUID.fromString(payload.getString("refundId")),
                UUID.fromString(payload.getString("paymentId")), parties,
                MoneyMovement.money(payload.getJsonObject("amount")));
    }
}
