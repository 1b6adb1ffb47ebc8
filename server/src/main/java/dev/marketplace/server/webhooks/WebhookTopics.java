package dev.marketplace.server.webhooks;

import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.StoredEvent;
import dev.marketplace.server.platform.security.PrincipalType;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Which domain events are published to webhooks, under which topic, and to whom. Every {@link EventType} is listed
 * here, published or explicitly not ({@code WebhookTopicsTest} fails for one that is neither), so a new event type
 * is one line: {@code published(EventType.X, "x.y", Audience.…)} or {@code notPublished(EventType.X)}.
 *
 * <p>The operator's endpoints get every published event; a merchant's those whose parties name it; a storefront's
 * those whose payload names it as {@code storefrontId} (the orders it placed) — the same rows each could read
 * through the API. A partner gets the outcomes of its points exchanges and the ends of its leases (the payload names
 * it as its owner), and the stock events of the variants shared with it.
 */
final class WebhookTopics {

    /** Besides the operator, who may receive a topic's events. */
    enum Audience {
        OPERATOR_ONLY, MERCHANT, STOREFRONT, MERCHANT_AND_STOREFRONT, ENDPOINT_OWNER,
        /** The merchant, and the partners its variant ({@code variantId}) is shared with ({@link PartnerAudience}). */
        MERCHANT_AND_PARTNERS
    }

    record Topic(String name, Audience audience) {
    }

    /** A ping, sent on request only: {@code {"endpointId"}}. */
    static final String PING = "webhook_endpoint.ping";
    private static final Pattern TOPIC = Pattern.compile("[a-z][a-z_]*\\.[a-z][a-z_]*");

    private static final Map<EventType, Optional<Topic>> TOPICS = new EnumMap<>(EventType.class);

    static {
        notPublished(EventType.PAYMENT_AUTHORIZED);
        published(EventType.PAYMENT_CAPTURED, "payment.captured", Audience.OPERATOR_ONLY);
        notPublished(EventType.PAYMENT_VOIDED);
        published(EventType.PAYMENT_REFUNDED, "payment.refunded", Audience.OPERATOR_ONLY);
        notPublished(EventType.ESCROW_RELEASED);
        notPublished(EventType.COMMISSION_ACCRUED);
        notPublished(EventType.COMMISSION_REVERSED);
        notPublished(EventType.REFUND_REQUESTED);
        // A refund given up after its retries (decision 52): the operator acts on it, the merchant keeps the money.
        published(EventType.REFUND_FAILED, "refund.failed", Audience.MERCHANT);
        // An operator's retry that succeeded: the ledger re-posts what refund_failed undid; payment.refunded says it.
        notPublished(EventType.REFUND_RETRIED);
        published(EventType.PRODUCT_PUBLISHED, "product.published", Audience.MERCHANT);
        published(EventType.PRODUCT_REJECTED, "product.rejected", Audience.MERCHANT);
        published(EventType.STOCK_LOW, "stock.low", Audience.MERCHANT_AND_PARTNERS);
        published(EventType.MERCHANT_STATUS_CHANGED, "merchant.status_changed", Audience.MERCHANT);
        published(EventType.WEBHOOK_ENDPOINT_DISABLED, "webhook_endpoint.disabled", Audience.ENDPOINT_OWNER);
        // The order lifecycle (OrderLifecycleEvent): an order to the storefront that placed it, a sub-order and its
        // returns to their merchant as well.
        published(EventType.ORDER_PLACED, "order.placed", Audience.STOREFRONT);
        published(EventType.ORDER_PAID, "order.paid", Audience.STOREFRONT);
        published(EventType.ORDER_COMPLETED, "order.completed", Audience.STOREFRONT);
        published(EventType.ORDER_EXPIRED, "order.expired", Audience.STOREFRONT);
        published(EventType.ORDER_CANCELLED, "order.cancelled", Audience.STOREFRONT);
        published(EventType.SUB_ORDER_AWAITING_ACCEPTANCE, "sub_order.awaiting_acceptance", Audience.MERCHANT_AND_STOREFRONT);
        published(EventType.SUB_ORDER_ACCEPTED, "sub_order.accepted", Audience.MERCHANT_AND_STOREFRONT);
        published(EventType.SUB_ORDER_REJECTED, "sub_order.rejected", Audience.MERCHANT_AND_STOREFRONT);
        published(EventType.SUB_ORDER_SHIPPED, "sub_order.shipped", Audience.MERCHANT_AND_STOREFRONT);
        published(EventType.SUB_ORDER_DELIVERED, "sub_order.delivered", Audience.MERCHANT_AND_STOREFRONT);
        published(EventType.SUB_ORDER_CANCELLED, "sub_order.cancelled", Audience.MERCHANT_AND_STOREFRONT);
        published(EventType.RETURN_REQUESTED, "return.requested", Audience.MERCHANT_AND_STOREFRONT);
        published(EventType.RETURN_APPROVED, "return.approved", Audience.MERCHANT_AND_STOREFRONT);
        published(EventType.RETURN_REFUSED, "return.refused", Audience.MERCHANT_AND_STOREFRONT);
        published(EventType.RETURN_RECEIVED, "return.received", Audience.MERCHANT_AND_STOREFRONT);
        published(EventType.RETURN_REFUNDED, "return.refunded", Audience.MERCHANT_AND_STOREFRONT);
        // Settlement's own movements: the ledger is the record; a merchant follows its payable through its entries feed.
        notPublished(EventType.PLAN_FEE_CHARGED);
        notPublished(EventType.PAYMENT_FEE_CHARGED);
        notPublished(EventType.DEPOSIT_RECORDED);
        notPublished(EventType.DEPOSIT_REFUNDED);
        notPublished(EventType.RESERVE_HELD);
        notPublished(EventType.RESERVE_RELEASED);
        // Payouts and adjustments to their merchant, as it reads them through /v1/payouts and its ledger entries.
        published(EventType.PAYOUT_INITIATED, "payout.initiated", Audience.MERCHANT);
        published(EventType.PAYOUT_PAID, "payout.paid", Audience.MERCHANT);
        published(EventType.PAYOUT_FAILED, "payout.failed", Audience.MERCHANT);
        published(EventType.ADJUSTMENT, "ledger.adjustment", Audience.MERCHANT);
        // Points' money side: the customer's points are read through /v1/points; the ledger holds the money.
        notPublished(EventType.POINTS_FUNDED);
        notPublished(EventType.POINTS_REDEEMED);
        notPublished(EventType.POINTS_REDEMPTION_RETURNED);
        notPublished(EventType.POINTS_EXPIRED);
        notPublished(EventType.POINTS_VOIDED);
        // Channels' share and deposits: a channel reads them in its statement (/v1/channels/{id}/statements).
        notPublished(EventType.CHANNEL_SHARE_ACCRUED);
        notPublished(EventType.CHANNEL_SHARE_REVERSED);
        notPublished(EventType.CHANNEL_DEPOSIT_RECORDED);
        notPublished(EventType.CHANNEL_DEPOSIT_DRAWN);
        // Drop-shipping: a connection that stopped selling, to its merchant.
        published(EventType.DROPSHIP_STALE, "dropship.stale", Audience.MERCHANT);
        // The partner points exchange (decision 37): the exchange's outcome to the partner (the payload's owner).
        notPublished(EventType.POINTS_EXCHANGED_OUT);
        notPublished(EventType.POINTS_EXCHANGED_IN);
        notPublished(EventType.POINTS_EXCHANGE_REVERSED);
        published(EventType.EXCHANGE_COMPLETED, "exchange.completed", Audience.ENDPOINT_OWNER);
        published(EventType.EXCHANGE_FAILED, "exchange.failed", Audience.ENDPOINT_OWNER);
        published(EventType.EXCHANGE_REVERSED, "exchange.reversed", Audience.ENDPOINT_OWNER);
        // Reviews (decision 40): to the reviewed merchant.
        published(EventType.REVIEW_CREATED, "review.created", Audience.MERCHANT);
        published(EventType.REVIEW_PUBLISHED, "review.published", Audience.MERCHANT);
        published(EventType.REVIEW_REPLY_OVERDUE, "review.reply_overdue", Audience.MERCHANT);
        // Coupons' money side: the coupons are read through /v1/promotions/coupons; the ledger holds the money.
        notPublished(EventType.COUPON_REDEEMED);
        notPublished(EventType.COUPON_REDEMPTION_RETURNED);
        // Partner orders' money side: the partner follows its order through its lease, the ledger holds the money.
        notPublished(EventType.PARTNER_ORDER_CHARGED);
        notPublished(EventType.PARTNER_ORDER_CREDITED);
        // Partner leases (decision 45): how each lease ended, to the partner holding it (the payload's owner).
        published(EventType.LEASE_COMMITTED, "lease.committed", Audience.ENDPOINT_OWNER);
        published(EventType.LEASE_RELEASED, "lease.released", Audience.ENDPOINT_OWNER);
        published(EventType.LEASE_LAPSED, "lease.lapsed", Audience.ENDPOINT_OWNER);
        // Service-level warnings (decision 56): to the merchant (and, like every topic, the operator).
        published(EventType.MERCHANT_WARNED, "merchant.warned", Audience.MERCHANT);
        published(EventType.MERCHANT_WARNING_CLEARED, "merchant.warning_cleared", Audience.MERCHANT);
    }

    private WebhookTopics() {
    }

    private static void published(EventType type, String topic, Audience audience) {
        if (!TOPIC.matcher(topic).matches()) {
            throw new IllegalArgumentException("a topic is <noun>.<event>: " + topic);
        }
        TOPICS.put(type, Optional.of(new Topic(topic, audience)));
    }

    private static void notPublished(EventType type) {
        TOPICS.put(type, Optional.empty());
    }

    /** The types decided on, published or not. */
    static Set<EventType> decided() {
        return Collections.unmodifiableSet(TOPICS.keySet());
    }

    static Optional<Topic> topicOf(EventType type) {
        return TOPICS.getOrDefault(type, Optional.empty());
    }

    static Set<EventType> publishedTypes() {
        return TOPICS.entrySet().stream().filter(e -> e.getValue().isPresent()).map(Map.Entry::getKey)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** Every topic an endpoint may name, the ping included. */
    static Set<String> names() {
        Set<String> names = new TreeSet<>();
        TOPICS.values().forEach(topic -> topic.ifPresent(t -> names.add(t.name())));
        names.add(PING);
        return names;
    }

    /**
     * Whether an endpoint's topic filter is acceptable: a topic, {@code <noun>.*} for a noun some topic has, or
     * {@code *}.
     */
    static boolean isFilter(String filter) {
        if (filter.equals("*")) {
            return true;
        }
        if (filter.endsWith(".*")) {
            String noun = filter.substring(0, filter.length() - 1);
            return names().stream().anyMatch(name -> name.startsWith(noun));
        }
        return names().contains(filter);
    }

    static boolean matches(Iterable<String> filters, String topic) {
        for (String filter : filters) {
            if (filter.equals("*") || filter.equals(topic)
                    || filter.endsWith(".*") && topic.startsWith(filter.substring(0, filter.length() - 1))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the owner of an endpoint could read this event through the API; {@code partners} are those an event of
     * the {@link Audience#MERCHANT_AND_PARTNERS} audience concerns.
     */
    static boolean visibleTo(PrincipalType ownerType, UUID ownerId, Topic topic, StoredEvent stored, Set<UUID> partners) {
        if (ownerType == PrincipalType.OPERATOR) {
            return true;
        }
        var event = stored.event();
        boolean merchant = ownerType == PrincipalType.MERCHANT && ownerId.equals(event.parties().merchantId());
        boolean storefront = ownerType == PrincipalType.STOREFRONT
                && ownerId.toString().equals(event.payload().getString("storefrontId", null));
        return switch (topic.audience()) {
            case OPERATOR_ONLY -> false;
            case MERCHANT -> merchant;
            case STOREFRONT -> storefront;
            case MERCHANT_AND_STOREFRONT -> merchant || storefront;
            case MERCHANT_AND_PARTNERS -> merchant || ownerType == PrincipalType.PARTNER && partners.contains(ownerId);
            case ENDPOINT_OWNER -> ownerType.wireName().equals(event.payload().getString("ownerType", null))
                    && ownerId.toString().equals(event.payload().getString("ownerId", null));
        };
    }
}
