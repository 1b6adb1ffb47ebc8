package dev.marketplace.server.merchants;

import static dev.marketplace.server.merchants.MerchantAction.APPROVE;
import static dev.marketplace.server.merchants.MerchantAction.CLOSE;
import static dev.marketplace.server.merchants.MerchantAction.FREEZE;
import static dev.marketplace.server.merchants.MerchantAction.REACTIVATE;
import static dev.marketplace.server.merchants.MerchantAction.REJECT;
import static dev.marketplace.server.merchants.MerchantAction.SUSPEND;
import static dev.marketplace.server.merchants.MerchantStatus.ACTIVE;
import static dev.marketplace.server.merchants.MerchantStatus.CLOSED;
import static dev.marketplace.server.merchants.MerchantStatus.FROZEN;
import static dev.marketplace.server.merchants.MerchantStatus.PENDING;
import static dev.marketplace.server.merchants.MerchantStatus.REJECTED;
import static dev.marketplace.server.merchants.MerchantStatus.SUSPENDED;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The whole transition table: every status against every action, allowed or not. */
class MerchantStatusTest {

    @Test
    void everyStatusAllowsExactlyTheDocumentedActions() {
        Map<MerchantStatus, Map<MerchantAction, MerchantStatus>> allowed = new EnumMap<>(Map.of(
                PENDING, Map.of(APPROVE, ACTIVE, REJECT, REJECTED, CLOSE, CLOSED),
                ACTIVE, Map.of(SUSPEND, SUSPENDED, FREEZE, FROZEN, CLOSE, CLOSED),
                SUSPENDED, Map.of(REACTIVATE, ACTIVE, CLOSE, CLOSED),
                FROZEN, Map.of(REACTIVATE, ACTIVE, CLOSE, CLOSED),
                REJECTED, Map.of(CLOSE, CLOSED),
                CLOSED, Map.of()));
        for (MerchantStatus from : MerchantStatus.values()) {
            for (MerchantAction action : MerchantAction.values()) {
                assertThat(from.after(action)).as("%s from %s", action, from)
                        .isEqualTo(java.util.Optional.ofNullable(allowed.get(from).get(action)));
            }
        }
    }
}
