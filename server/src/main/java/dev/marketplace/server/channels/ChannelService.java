package dev.marketplace.server.channels;

import dev.marketplace.server.orders.Order;
import dev.marketplace.server.orders.OrderAttribution;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Channels, their codes, the orders attributed to them, deposits and service tickets (decision 41). Each public
 * method is one transaction, except {@link #placed}, which runs in checkout's.
 *
 * <p>Attribution, the one rule: a checkout naming a channel code is the code's channel's (the code names who brought
 * the shopper; the storefront is where they paid); otherwise, the channel holding the last of its coupon codes that a
 * channel holds (a creator's coupon); otherwise the channel of the storefront or partner whose client placed it (a
 * partner order's partner included), if that principal is a channel; otherwise no channel's. Every order records who
 * placed it either way.
 */
public final class ChannelService implements OrderAttribution {

    private final DSLContext dsl;
    private final ChannelRepository repository;
    private final Clock clock;

    ChannelService(DSLContext dsl, ChannelRepository repository, Clock clock) {
        this.dsl = dsl;
        this.repository = repository;
        this.clock = clock;
    }

    /** What the operator registers: the channel without id, codes or time. */
    record NewChannel(String name, String kind, UUID principalId, Channel.Programme programme) {
    }

    /** A deposit recorded or a draw decided, and what the deposit holds after it. */
    record DepositMovement(UUID id, UUID channelId, String kind, String reference, String reason, Money amount,
                           String decidedBy, OffsetDateTime occurredAt, Money heldAfter) {
    }

    Channel register(Principal caller, NewChannel channel) {
        mustBeOperator(caller);
        PrincipalType principalType = switch (channel.kind()) {
            case "storefront" -> PrincipalType.STOREFRONT;
            case "partner" -> PrincipalType.PARTNER;
            default -> channel.principalId() == null ? null : PrincipalType.PARTNER;
        };
        if (principalType != null && channel.principalId() == null) {
            throw ProblemException.validation("principalId", "required",
                    "a storefront or partner channel names its principal");
        }
        Channel created = new Channel(UUID.randomUUID(), channel.name(), channel.kind(), principalType,
                channel.principalId(), channel.programme(), List.of(),
                OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MICROS));
        return dsl.transactionResult(tx -> {
            if (principalType != null && repository.principalTaken(tx.dsl(), principalType, channel.principalId())) {
                throw ProblemException.conflict("channel_principal_taken",
                        "That principal is already a channel.");
            }
            repository.insert(tx.dsl(), created);
            return created;
        });
    }

    Channel get(Principal caller, UUID channelId) {
        return repository.find(dsl, caller, channelId).orElseThrow(ChannelService::notFound);
    }

    /** Gives the channel a code; 409 {@code channel_code_taken} when any channel holds it. */
    String addCode(Principal caller, UUID channelId, String code) {
        mustBeOperator(caller);
        return dsl.transactionResult(tx -> {
            repository.find(tx.dsl(), caller, channelId).orElseThrow(ChannelService::notFound);
            if (!repository.insertCode(tx.dsl(), channelId, code)) {
                throw ProblemException.conflict("channel_code_taken", "A channel holds that code already.");
            }
            return code;
        });
    }

    @Override
    public Optional<Order.Channel> placed(DSLContext tx, Principal placedBy, UUID orderId, UUID customerId,
                                          Optional<String> channelCode, List<String> couponCodes,
                                          List<SubOrder> subOrders) {
        Optional<ChannelRepository.Named> named = channelCode.map(code -> new ChannelRepository.Named(
                repository.channelOfCode(tx, code).orElseThrow(() ->
                        ProblemException.validation("channelCode", "unknown", "no channel holds this code")), code));
        // Else the last coupon code a channel holds (a creator's coupon names who brought the shopper), else the
        // placer's own channel: chosen and written by one statement.
        return repository.attribute(tx, orderId, named, couponCodes, placedBy, customerId, subOrders, now());
    }

    @Override
    public Optional<Order.Channel> channelOf(DSLContext db, UUID orderId) {
        return repository.attributionOf(db, orderId);
    }

    /** The channel's attributed orders, newest first (404 for a channel the caller may not see). */
    Page<ChannelRepository.AttributedOrder> orders(Principal caller, UUID channelId, PageRequest page) {
        return dsl.transactionResult(tx -> {
            repository.find(tx.dsl(), caller, channelId).orElseThrow(ChannelService::notFound);
            Optional<OffsetDateTime> afterPlacedAt = page.after().map(c -> OffsetDateTime.parse(c.keys().get(0)));
            Optional<UUID> afterOrder = page.after().map(c -> UUID.fromString(c.keys().get(1)));
            List<ChannelRepository.AttributedOrder> rows = repository.orders(tx.dsl(), channelId, afterPlacedAt,
                    afterOrder, page.fetchSize());
            return Page.fromLookahead(rows, page.limit(),
                    order -> Cursor.of(order.placedAt().toString(), order.orderId().toString()));
        });
    }

    /** A deposit into the channel's reserve, withheld from what it is owed. */
    DepositMovement recordDeposit(Principal caller, UUID channelId, String reference, Money amount) {
        mustBeOperator(caller);
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Channel channel = repository.lock(db, caller, channelId).orElseThrow(ChannelService::notFound);
            mustBeProgrammeCurrency(channel, amount);
            if (repository.depositReferenceTaken(db, channelId, reference)) {
                throw ProblemException.conflict("deposit_reference_taken", "A deposit with that reference was recorded.");
            }
            UUID id = UUID.randomUUID();
            OffsetDateTime at = repository.insertDeposit(db, id, channelId, "deposit", reference, null, amount,
                    caller.clientId(), now());
            repository.insertLine(db, new ChannelRepository.NewLine(channelId, "deposit_recorded",
                    "channel_deposit:" + id, 0, null, null, null, null, null, null,
                    Money.of(-amount.amount(), amount.currency()), at));
            DomainEvents.append(db, ChannelMovements.depositRecorded(channelId, id, amount));
            return new DepositMovement(id, channelId, "deposit", reference, null, amount, caller.clientId(), at,
                    Money.of(repository.depositHeld(db, channelId, amount.currency()), amount.currency()));
        });
    }

    /** The operator's decision to take part of the deposit, with its reason; never more than it holds. */
    DepositMovement drawDeposit(Principal caller, UUID channelId, Money amount, String reason) {
        mustBeOperator(caller);
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Channel channel = repository.lock(db, caller, channelId).orElseThrow(ChannelService::notFound);
            mustBeProgrammeCurrency(channel, amount);
            long held = repository.depositHeld(db, channelId, amount.currency());
            if (amount.amount() > held) {
                throw ProblemException.conflict("deposit_insufficient",
                        "The deposit holds " + held + " " + amount.currency() + ", less than that.");
            }
            UUID id = UUID.randomUUID();
            OffsetDateTime at = repository.insertDeposit(db, id, channelId, "draw", null, reason, amount,
                    caller.clientId(), now());
            DomainEvents.append(db, ChannelMovements.depositDrawn(channelId, id, amount));
            return new DepositMovement(id, channelId, "draw", null, reason, amount, caller.clientId(), at,
                    Money.of(held - amount.amount(), amount.currency()));
        });
    }

    ChannelRepository.Ticket recordTicket(Principal caller, UUID channelId, ChannelRepository.Ticket ticket) {
        mustBeOperator(caller);
        if (ticket.answeredAt().isBefore(ticket.raisedAt())) {
            throw ProblemException.validation("answeredAt", "before_raised", "a ticket is answered after it is raised");
        }
        return dsl.transactionResult(tx -> {
            repository.find(tx.dsl(), caller, channelId).orElseThrow(ChannelService::notFound);
            if (!repository.insertTicket(tx.dsl(), channelId, ticket)) {
                throw ProblemException.conflict("service_response_taken", "That ticket was recorded already.");
            }
            return ticket;
        });
    }

    /** The time of attributions and deposits: the module's clock (statements and scorecards keep time by it). */
    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MICROS);
    }

    private static void mustBeProgrammeCurrency(Channel channel, Money amount) {
        if (!amount.currency().equals(channel.programme().currency())) {
            throw ProblemException.validation("amount/currency", "programme_currency",
                    "a deposit is in the programme's currency, " + channel.programme().currency());
        }
    }

    static void mustBeOperator(Principal caller) {
        if (!caller.isOperator()) {
            throw ProblemException.forbidden("Only the operator manages channels.");
        }
    }

    static ProblemException notFound() {
        return ProblemException.notFound("channel");
    }
}
