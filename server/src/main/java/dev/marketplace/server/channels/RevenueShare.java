package dev.marketplace.server.channels;

import dev.marketplace.schema.tables.records.ChannelSubOrderRecord;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.events.StoredEvent;
import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.money.Money;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The revenue share (decision 41), a subscriber of the orders' money movements:
 *
 * <ul>
 *   <li>{@code escrow_released} of an attributed sub-order accrues the channel's share of its net sales — its subtotal
 *       excluding tax, less the proportion of it refunded before the release — placed after the net sales its
 *       channel's shares were of earlier in the same calendar month or quarter (the programme's zone), each tier's
 *       part at the tier's rate, one statement line per part.</li>
 *   <li>{@code payment_refunded} of an attributed sub-order: before the release it lowers the base; after it the share
 *       is reversed in the refund's proportion of what the customer paid for the sub-order (half-even, never more
 *       than is left). As with commission (decision 31), a refund does not move the period's place in the tiers.</li>
 * </ul>
 *
 * Each appends its money movement for the ledger in the subscriber's transaction, which also moves its cursor: once.
 * The payouts of a channel's payable (decision 43: settlement pays channels through its payout run) become lines of
 * its statement: {@code payout_initiated} takes the amount out, {@code payout_failed} puts it back.
 */
final class RevenueShare {

    static final String SUBSCRIBER = "channels.revenue-share";

    private final ChannelRepository repository;
    private final ZoneId zone;
    private final Clock clock;

    RevenueShare(ChannelRepository repository, ZoneId zone, Clock clock) {
        this.repository = repository;
        this.zone = zone;
        this.clock = clock;
    }

    /**
     * When a share is accrued or reversed, which places it in its period: the module's clock as the subscriber
     * handles the event (it follows the release or refund within seconds), so statements, scorecards and tests keep
     * one time.
     */
    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MICROS);
    }

    Subscriber subscriber() {
        return new Subscriber(SUBSCRIBER, Set.of(EventType.ESCROW_RELEASED, EventType.PAYMENT_REFUNDED,
                EventType.PAYOUT_INITIATED, EventType.PAYOUT_FAILED), this::handle);
    }

    private void handle(DSLContext tx, StoredEvent stored) {
        MoneyMovement movement = (MoneyMovement) stored.event();
        if (movement.type() == EventType.PAYOUT_INITIATED || movement.type() == EventType.PAYOUT_FAILED) {
            payout(tx, movement);
            return;
        }
        if (movement.parties().subOrderId() == null) {
            return;
        }
        repository.lockSubOrder(tx, movement.parties().subOrderId()).ifPresent(subOrder -> {
            if (movement.type() == EventType.ESCROW_RELEASED) {
                released(tx, movement.parties(), subOrder);
            } else {
                refunded(tx, movement, subOrder);
            }
        });
    }

    /** A channel's payout, by the leg on its payable (a merchant's payout has none): owed less (debit), or more. */
    private void payout(DSLContext tx, MoneyMovement payout) {
        payout.legs().stream().filter(leg -> leg.account().startsWith(ChannelMovements.PAYABLE_PREFIX)).findFirst()
                .ifPresent(leg -> repository.insertLine(tx, new ChannelRepository.NewLine(
                        UUID.fromString(leg.account().substring(ChannelMovements.PAYABLE_PREFIX.length())),
                        payout.type().wireName(), payout.idempotencyId(), 0, null, null, null, null, null, null,
                        Money.of(Math.negateExact(leg.amount()), leg.currency()), now())));
    }

    private void released(DSLContext tx, Parties parties, ChannelSubOrderRecord subOrder) {
        if (subOrder.getReleasedAt() != null) {
            return;
        }
        Channel channel = repository.get(tx, subOrder.getChannelId());
        OffsetDateTime at = now();
        LocalDate period = Periods.start(at, channel.programme().period(), zone);
        long base = Math.max(0, subOrder.getNetSales()
                - ShareTiers.proportion(subOrder.getNetSales(), subOrder.getRefunded(), subOrder.getTotal()));
        long share = 0;
        // A sub-order in another currency than the programme's is attributed but earns no share.
        if (subOrder.getCurrency().equals(channel.programme().currency())) {
            long before = repository.periodBase(tx, channel.id(), period, subOrder.getCurrency());
            List<ShareTiers.Part> parts = channel.programme().tiers().parts(before, base);
            for (int i = 0; i < parts.size(); i++) {
                ShareTiers.Part part = parts.get(i);
                repository.insertLine(tx, new ChannelRepository.NewLine(channel.id(), "share_accrued",
                        ChannelMovements.shareReference(subOrder.getSubOrderId()), i, subOrder.getOrderId(),
                        subOrder.getSubOrderId(), part.tierFrom(), part.rateBasisPoints(), part.base(), null,
                        Money.of(part.amount(), subOrder.getCurrency()), at));
                share += part.amount();
            }
        } else {
            base = 0;
        }
        subOrder.setReleasedAt(at);
        subOrder.setPeriodStart(period);
        subOrder.setBase(base);
        subOrder.setShared(share);
        subOrder.store();
        if (share > 0) {
            DomainEvents.append(tx, ChannelMovements.shareAccrued(channel.id(), channel.programme().fundedByMerchant(),
                    parties, Money.of(share, subOrder.getCurrency())));
        }
    }

    private void refunded(DSLContext tx, MoneyMovement refund, ChannelSubOrderRecord subOrder) {
        long amount = refund.amount().amount();
        long refundedBefore = subOrder.getRefunded();
        subOrder.setRefunded(refundedBefore + amount);
        long left = subOrder.getShared() - subOrder.getReversed();
        if (subOrder.getReleasedAt() == null || left == 0) {
            subOrder.store();
            return;
        }
        long reversal = Math.min(left, ShareTiers.proportion(subOrder.getShared(), amount, subOrder.getTotal()));
        long base = Math.min(subOrder.getBase(), ShareTiers.proportion(subOrder.getBase(), amount, subOrder.getTotal()));
        subOrder.setReversed(subOrder.getReversed() + reversal);
        subOrder.store();
        if (reversal == 0) {
            return;
        }
        String cause = refund.idempotencyId().substring(refund.idempotencyId().indexOf(':') + 1);
        Channel channel = repository.get(tx, subOrder.getChannelId());
        repository.insertLine(tx, new ChannelRepository.NewLine(channel.id(), "share_reversed",
                "channel_share_reversal:" + cause, 0, subOrder.getOrderId(), subOrder.getSubOrderId(), null, null,
                -base, null, Money.of(-reversal, subOrder.getCurrency()), now()));
        DomainEvents.append(tx, ChannelMovements.shareReversed(channel.id(), channel.programme().fundedByMerchant(),
                cause, refund.parties(), Money.of(reversal, subOrder.getCurrency())));
    }
}
