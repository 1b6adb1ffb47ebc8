package dev.marketplace.server.channels;

import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.MoneyMovement.Leg;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.money.Money;
import java.util.List;
import java.util.UUID;

/**
 * The channels' money movements (decision 41) and the ledger accounts they touch: the one place that decides their
 * legs and idempotency ids. The settlement ledger posts them like every other movement.
 *
 * <ul>
 *   <li>{@code channel_payable:{channel}}: what the channel is owed (credit = owed, as a merchant's payable).</li>
 *   <li>{@code channel_reserve:{channel}}: its deposit, withheld from the payable.</li>
 *   <li>{@code channel_deposit_draws}: the platform's, what it took from deposits by the operator's decisions.</li>
 * </ul>
 */
final class ChannelMovements {

    static final String DEPOSIT_DRAWS = "channel_deposit_draws";
    static final String PAYABLE_PREFIX = "channel_payable:";

    private ChannelMovements() {
    }

    static String payable(UUID channelId) {
        return PAYABLE_PREFIX + channelId;
    }

    static String reserve(UUID channelId) {
        return "channel_reserve:" + channelId;
    }

    /** Who pays the share: the platform's commission revenue, or the selling merchant's payable. */
    private static String funder(boolean fundedByMerchant, UUID merchantId) {
        return fundedByMerchant ? MoneyMovement.merchantPayable(merchantId) : MoneyMovement.PLATFORM_COMMISSION_REVENUE;
    }

    static String shareReference(UUID subOrderId) {
        return "channel_share:" + subOrderId;
    }

    static MoneyMovement shareAccrued(UUID channelId, boolean fundedByMerchant, Parties subOrder, Money share) {
        return new MoneyMovement(EventType.CHANNEL_SHARE_ACCRUED, shareReference(subOrder.subOrderId()), subOrder, share,
                transfer(funder(fundedByMerchant, subOrder.merchantId()), payable(channelId), share));
    }

    /** {@code cause}: the refund's id (of its {@code payment_refunded} event). */
    static MoneyMovement shareReversed(UUID channelId, boolean fundedByMerchant, String cause, Parties subOrder,
                                       Money share) {
        return new MoneyMovement(EventType.CHANNEL_SHARE_REVERSED, "channel_share_reversal:" + cause, subOrder, share,
                transfer(payable(channelId), funder(fundedByMerchant, subOrder.merchantId()), share));
    }

    static MoneyMovement depositRecorded(UUID channelId, UUID depositId, Money amount) {
        return new MoneyMovement(EventType.CHANNEL_DEPOSIT_RECORDED, "channel_deposit:" + depositId, NONE, amount,
                transfer(payable(channelId), reserve(channelId), amount));
    }

    static MoneyMovement depositDrawn(UUID channelId, UUID drawId, Money amount) {
        return new MoneyMovement(EventType.CHANNEL_DEPOSIT_DRAWN, "channel_deposit_draw:" + drawId, NONE, amount,
                transfer(reserve(channelId), DEPOSIT_DRAWS, amount));
    }

    private static final Parties NONE = new Parties(null, null, null, null);

    private static List<Leg> transfer(String debited, String credited, Money amount) {
        return List.of(new Leg(debited, amount.amount(), amount.currency()),
                new Leg(credited, Math.negateExact(amount.amount()), amount.currency()));
    }
}
