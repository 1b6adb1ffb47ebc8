package dev.marketplace.server.webhooks;

import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/** Endpoints as their owners manage them, their delivery log, pings and replays. Each method is one transaction. */
final class WebhookEndpointService {

    /** The longest a rotated-out secret keeps signing. */
    static final Duration MAX_PREVIOUS_SECRET_VALIDITY = Duration.ofDays(7);

    record NewEndpoint(String url, List<String> topics, String description) {
    }

    /** What a PATCH changes; empty fields stay as they are ({@code description} present but empty clears it). */
    record Changes(Optional<String> url, Optional<List<String>> topics, Optional<Optional<String>> description,
                   Optional<Boolean> enabled) {
    }

    record WithSecret(WebhookEndpoint endpoint, String secret) {
    }

    private final DSLContext dsl;
    private final EndpointRepository endpoints;
    private final DeliveryRepository deliveries;
    private final WebhookSecrets secrets;
    private final WebhookSettings settings;
    private final Clock clock;

    WebhookEndpointService(DSLContext dsl, EndpointRepository endpoints, DeliveryRepository deliveries,
                           WebhookSecrets secrets, WebhookSettings settings, Clock clock) {
        this.dsl = dsl;
        this.endpoints = endpoints;
        this.deliveries = deliveries;
        this.secrets = secrets;
        this.settings = settings;
        this.clock = clock;
    }

    WithSecret create(Principal caller, NewEndpoint request) {
        UUID id = UUID.randomUUID();
        String secret = WebhookSecrets.newSecret();
        return dsl.transactionResult(tx -> {
            endpoints.insert(tx.dsl(), new EndpointRepository.NewEndpoint(id, caller.type(),
                    caller.isOperator() ? EndpointRepository.OPERATOR_ID : caller.id(), request.url(), request.topics(),
                    request.description(), secrets.seal(id, secret)));
            return new WithSecret(endpoints.find(tx.dsl(), caller, id).orElseThrow(), secret);
        });
    }

    Page<WebhookEndpoint> list(Principal caller, PageRequest page) {
        return Page.fromLookahead(endpoints.list(dsl, caller, page), page.limit(), EndpointRepository::cursorOf);
    }

    WebhookEndpoint get(Principal caller, UUID id) {
        return endpoints.find(dsl, caller, id).orElseThrow(WebhookEndpointService::notFound);
    }

    WebhookEndpoint update(Principal caller, UUID id, Changes changes, ExpectedVersion expected) {
        return dsl.transactionResult(tx -> {
            WebhookEndpoint current = endpoints.findForUpdate(tx.dsl(), caller, id).orElseThrow(WebhookEndpointService::notFound);
            expected.check(current.version());
            boolean enabled = changes.enabled().orElse(current.enabled());
            String disabledReason = enabled ? null
                    : changes.enabled().isPresent() && current.enabled() ? WebhookEndpoint.BY_OWNER : current.disabledReason();
            return endpoints.update(tx.dsl(), new WebhookEndpoint(id, current.ownerType(), current.ownerId(),
                    changes.url().orElse(current.url()), changes.topics().orElse(current.topics()),
                    changes.description().orElse(Optional.ofNullable(current.description())).orElse(null), enabled,
                    disabledReason, current.previousSecretExpiresAt(), current.version(), current.createdAt(),
                    current.updatedAt()));
        });
    }

    void delete(Principal caller, UUID id, Optional<ExpectedVersion> expected) {
        dsl.transaction(tx -> {
            WebhookEndpoint current = endpoints.findForUpdate(tx.dsl(), caller, id).orElseThrow(WebhookEndpointService::notFound);
            expected.ifPresent(version -> version.check(current.version()));
            endpoints.delete(tx.dsl(), caller, id);
        });
    }

    /** A new secret, returned once; the previous one keeps signing for {@code previousValidFor}. */
    WithSecret rotateSecret(Principal caller, UUID id, Duration previousValidFor) {
        String secret = WebhookSecrets.newSecret();
        return dsl.transactionResult(tx -> {
            endpoints.findForUpdate(tx.dsl(), caller, id).orElseThrow(WebhookEndpointService::notFound);
            return new WithSecret(endpoints.rotate(tx.dsl(), id, secrets.seal(id, secret), now().plus(previousValidFor)),
                    secret);
        });
    }

    /** Queues a {@value WebhookTopics#PING} message to the (enabled) endpoint, whatever its topics; its message id. */
    UUID ping(Principal caller, UUID id) {
        UUID pingId = UUID.randomUUID();
        dsl.transaction(tx -> {
            WebhookEndpoint endpoint = endpoints.find(tx.dsl(), caller, id).orElseThrow(WebhookEndpointService::notFound);
            requireEnabled(endpoint);
            OffsetDateTime now = now();
            deliveries.insert(tx.dsl(), List.of(new DeliveryRepository.NewDelivery(id, pingId, WebhookTopics.PING, 0,
                    WebhookMessages.ping(pingId, id, now), now, now)));
        });
        return pingId;
    }

    Page<DeliveryRepository.Attempt> attempts(Principal caller, UUID id, PageRequest page) {
        return dsl.transactionResult(tx -> {
            endpoints.find(tx.dsl(), caller, id).orElseThrow(WebhookEndpointService::notFound);
            return Page.fromLookahead(deliveries.attempts(tx.dsl(), id, page), page.limit(), DeliveryRepository::cursorOf);
        });
    }

    /** Sends the event to the endpoint again, same id and body; 404 when it never had a delivery of it. */
    int replay(Principal caller, UUID id, UUID eventId) {
        return dsl.transactionResult(tx -> {
            requireEnabled(endpoints.find(tx.dsl(), caller, id).orElseThrow(WebhookEndpointService::notFound));
            DeliveryRepository.Delivery original = deliveries.latest(tx.dsl(), id, eventId)
                    .orElseThrow(() -> ProblemException.notFound("webhook event"));
            OffsetDateTime now = now();
            deliveries.insert(tx.dsl(), List.of(copy(original, now)));
            return 1;
        });
    }

    /**
     * Sends every event the endpoint was sent since {@code since} again, in their order, becoming due at
     * {@code replay.per-second} (a bulk replay never floods the receiver nor the workers); at most
     * {@code replay.max-events}.
     */
    int replaySince(Principal caller, UUID id, OffsetDateTime since) {
        return dsl.transactionResult(tx -> {
            requireEnabled(endpoints.find(tx.dsl(), caller, id).orElseThrow(WebhookEndpointService::notFound));
            List<DeliveryRepository.Delivery> originals = deliveries.since(tx.dsl(), id, since, settings.replayMax());
            OffsetDateTime now = now();
            List<DeliveryRepository.NewDelivery> copies = new ArrayList<>();
            for (int i = 0; i < originals.size(); i++) {
                copies.add(copy(originals.get(i), now.plus(Duration.ofMillis(1000L * i / settings.replayPerSecond()))));
            }
            deliveries.insert(tx.dsl(), copies);
            return copies.size();
        });
    }

    private static DeliveryRepository.NewDelivery copy(DeliveryRepository.Delivery original, OffsetDateTime due) {
        return new DeliveryRepository.NewDelivery(original.endpointId(), original.eventId(), original.topic(),
                original.sequence(), original.body(), original.committedAt(), due);
    }

    private static void requireEnabled(WebhookEndpoint endpoint) {
        if (!endpoint.enabled()) {
            throw ProblemException.conflict("endpoint_disabled", "The endpoint is disabled ("
                    + endpoint.disabledReason() + "); enable it first.");
        }
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }

    static ProblemException notFound() {
        return ProblemException.notFound("webhook endpoint");
    }
}
