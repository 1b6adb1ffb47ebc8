package dev.marketplace.server.webhooks;

import dev.marketplace.server.platform.events.StoredEvent;
import dev.marketplace.server.platform.events.Subscriber;
import dev.marketplace.server.platform.security.PrincipalType;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The subscriber {@value #SUBSCRIBER}: for each published event, one delivery per enabled endpoint whose topics
 * match and whose owner may see the event, numbered by the owner's sequence. It runs in the subscriber's batch
 * transaction, so each event is fanned out exactly once; sending is the delivery worker's. An endpoint that has a
 * delivery of the event already is passed over and the meeting logged (read only for an event some endpoint
 * receives): CI saw 15 deliveries of 12 events to one endpoint three times, whose cause is not found (decision 73),
 * and a message twice under two sequence numbers would tell a receiver it missed nothing when it did.
 */
final class WebhookFanOut {

    private static final System.Logger LOG = System.getLogger(WebhookFanOut.class.getName());

    static final String SUBSCRIBER = "webhooks.fan-out";

    private record Tenant(PrincipalType type, UUID id) {
    }

    private final EndpointRepository endpoints;
    private final DeliveryRepository deliveries;
    private final PartnerAudience partnerAudience;
    private final Clock clock;

    WebhookFanOut(EndpointRepository endpoints, DeliveryRepository deliveries, PartnerAudience partnerAudience,
                  Clock clock) {
        this.endpoints = endpoints;
        this.partnerAudience = partnerAudience;
        this.deliveries = deliveries;
        this.clock = clock;
    }

    /**
     * Handles a batch at once (decision 117): the candidate endpoints of all its events read in one statement, then
     * each event fanned out in turn as alone. Event by event (after a batch failed), each reads its own.
     */
    Subscriber subscriber() {
        return new Subscriber(SUBSCRIBER, WebhookTopics.publishedTypes(), (tx, stored) -> fanOut(tx, List.of(stored)),
                this::fanOut);
    }

    /** Who may hear of an event besides the operator: its topic, the partners selling its variant, its owners. */
    private record Audience(WebhookTopics.Topic topic, Set<UUID> partners, Set<UUID> ownerIds) {
    }

    private void fanOut(DSLContext tx, List<StoredEvent> events) {
        List<Audience> audiences = events.stream().map(stored -> audienceOf(tx, stored)).toList();
        Set<UUID> ownerIds = new HashSet<>();
        audiences.forEach(audience -> ownerIds.addAll(audience.ownerIds()));
        List<WebhookEndpoint> candidates = endpoints.enabledCandidates(tx, ownerIds);
        for (int i = 0; i < events.size(); i++) {
            fanOut(tx, events.get(i), audiences.get(i), candidates);
        }
    }

    private Audience audienceOf(DSLContext tx, StoredEvent stored) {
        WebhookTopics.Topic topic = WebhookTopics.topicOf(stored.event().type()).orElseThrow();
        var payload = stored.event().payload();
        UUID variant = uuidOrNull(payload.getString("variantId", null));
        Set<UUID> partners = topic.audience() == WebhookTopics.Audience.MERCHANT_AND_PARTNERS && variant != null
                ? partnerAudience.partnersSelling(tx, variant) : Set.of();
        Set<UUID> ownerIds = new HashSet<>(partners);
        for (UUID owner : new UUID[] {stored.event().parties().merchantId(),
                uuidOrNull(payload.getString("storefrontId", null)), uuidOrNull(payload.getString("ownerId", null))}) {
            if (owner != null) {
                ownerIds.add(owner);
            }
        }
        return new Audience(topic, partners, ownerIds);
    }

    private void fanOut(DSLContext tx, StoredEvent stored, Audience audience, List<WebhookEndpoint> candidates) {
        WebhookTopics.Topic topic = audience.topic();
        List<WebhookEndpoint> receivers = candidates.stream()
                .filter(endpoint -> (endpoint.ownerType() == PrincipalType.OPERATOR
                        || audience.ownerIds().contains(endpoint.ownerId()))
                        && WebhookTopics.matches(endpoint.topics(), topic.name())
                        && WebhookTopics.visibleTo(endpoint.ownerType(), endpoint.ownerId(), topic, stored,
                        audience.partners()))
                .toList();
        if (receivers.isEmpty()) {
            return;
        }
        Set<UUID> madeBefore = deliveries.endpointsWithDeliveryOf(tx, stored.eventId());
        Map<Tenant, Long> sequences = new HashMap<>();
        List<DeliveryRepository.NewDelivery> made = new ArrayList<>();
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        for (WebhookEndpoint endpoint : receivers) {
            if (madeBefore.contains(endpoint.id())) {
                LOG.log(System.Logger.Level.WARNING, "event " + stored.eventId() + " at position " + stored.position()
                        + " was fanned out to endpoint " + endpoint.id() + " before; not again");
                continue;
            }
            Tenant tenant = new Tenant(endpoint.ownerType(), endpoint.ownerId());
            long sequence = sequences.computeIfAbsent(tenant, t -> endpoints.nextSequence(tx, t.type(), t.id()));
            made.add(new DeliveryRepository.NewDelivery(endpoint.id(), stored.eventId(), topic.name(), sequence,
                    WebhookMessages.of(stored, topic.name(), sequence, endpoint.ownerType()), stored.occurredAt(), now));
        }
        deliveries.insert(tx, made);
    }

    private static UUID uuidOrNull(String text) {
        try {
            return text == null ? null : UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
