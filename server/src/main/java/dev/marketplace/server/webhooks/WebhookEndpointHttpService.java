package dev.marketplace.server.webhooks;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.http.VersionPreconditions;
import dev.marketplace.server.platform.outbound.DestinationPolicy;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** {@code /v1/webhook-endpoints}: the HTTP face of {@link WebhookEndpointService}. */
public final class WebhookEndpointHttpService implements HttpService {

    public static final String PATH = "/v1/webhook-endpoints";
    private static final int MAX_TOPICS = 50;
    private static final int MAX_URL = 2000;
    private static final long DEFAULT_PREVIOUS_SECRET_SECONDS = Duration.ofHours(24).toSeconds();

    private final WebhookEndpointService endpoints;
    private final boolean requireHttps;

    WebhookEndpointHttpService(WebhookEndpointService endpoints, boolean requireHttps) {
        this.endpoints = endpoints;
        this.requireHttps = requireHttps;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::create)
                .get("/{endpointId}", this::get)
                .patch("/{endpointId}", this::update)
                .delete("/{endpointId}", this::delete)
                .post("/{endpointId}/rotate-secret", this::rotateSecret)
                .post("/{endpointId}/ping", this::ping)
                .get("/{endpointId}/attempts", this::attempts)
                .post("/{endpointId}/replay", this::replay);
    }

    /** See {@code WebhookEndpoint} in the OpenAPI document; never carries a secret. */
    public record EndpointResource(UUID id, String url, List<String> topics, String description, String status,
                                   String disabledReason, String ownerType, UUID ownerId,
                                   OffsetDateTime previousSecretExpiresAt, long version, OffsetDateTime createdAt,
                                   OffsetDateTime updatedAt) {
        static EndpointResource of(WebhookEndpoint e) {
            return new EndpointResource(e.id(), e.url(), e.topics(), e.description(), e.enabled() ? "enabled" : "disabled",
                    e.disabledReason(), e.ownerType().wireName(),
                    e.ownerId().equals(EndpointRepository.OPERATOR_ID) ? null : e.ownerId(),
                    e.previousSecretExpiresAt(), e.version(), e.createdAt(), e.updatedAt());
        }
    }

    public record EndpointWithSecret(EndpointResource endpoint, String secret) {
        static EndpointWithSecret of(WebhookEndpointService.WithSecret created) {
            return new EndpointWithSecret(EndpointResource.of(created.endpoint()), created.secret());
        }
    }

    public record EndpointPage(List<EndpointResource> items, String nextCursor) {
    }

    public record AttemptView(String id, String deliveryId, UUID eventId, String type, OffsetDateTime attemptedAt,
                              String outcome, Integer statusCode, int latencyMillis, String responseHead) {
    }

    public record AttemptPage(List<AttemptView> items, String nextCursor) {
    }

    public record PingResult(UUID eventId) {
    }

    public record ReplayResult(int replayed) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Page<EndpointResource> result = endpoints.list(Authentication.principal(req), page).map(EndpointResource::of);
        JsonResponses.ok(res, new EndpointPage(result.items(), result.nextCursor()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "url", "topics", "description");
        String url = body.requiredString("url", 1, MAX_URL);
        List<String> topics = topics(body, body.requiredStrings("topics", MAX_TOPICS, 1, 100));
        Optional<String> description = body.nullableString("description", 1, 500);
        checkUrl(body, url);
        body.throwIfInvalid();
        WebhookEndpointService.WithSecret created = endpoints.create(Authentication.principal(req),
                new WebhookEndpointService.NewEndpoint(url, topics, description.orElse(null)));
        res.header(HeaderNames.LOCATION, PATH + "/" + created.endpoint().id());
        JsonResponses.send(res, Status.CREATED_201, EndpointWithSecret.of(created));
    }

    private void get(ServerRequest req, ServerResponse res) {
        WebhookEndpoint endpoint = endpoints.get(Authentication.principal(req), endpointId(req));
        VersionPreconditions.sendEtag(res, endpoint.version());
        JsonResponses.ok(res, EndpointResource.of(endpoint));
    }

    private void update(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "url", "topics", "description", "status", "version");
        Optional<String> url = body.optionalString("url", 1, MAX_URL);
        Optional<List<String>> topics = body.optionalStrings("topics", MAX_TOPICS, 1, 100).map(t -> topics(body, t));
        Optional<Optional<String>> description = body.isPresent("description")
                ? Optional.of(body.nullableString("description", 1, 500)) : Optional.empty();
        Optional<Boolean> enabled = body.optionalEnum("status", Set.of("enabled", "disabled"))
                .map("enabled"::equals);
        Optional<Long> version = body.optionalLong("version", 1, Long.MAX_VALUE);
        url.ifPresent(u -> checkUrl(body, u));
        body.throwIfInvalid();
        var expected = VersionPreconditions.requireExpectedVersion(req, version);
        WebhookEndpoint updated = endpoints.update(Authentication.principal(req), endpointId(req),
                new WebhookEndpointService.Changes(url, topics, description, enabled), expected);
        VersionPreconditions.sendEtag(res, updated.version());
        JsonResponses.ok(res, EndpointResource.of(updated));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        endpoints.delete(Authentication.principal(req), endpointId(req),
                VersionPreconditions.expectedVersion(req, Optional.empty()));
        res.status(Status.NO_CONTENT_204).send();
    }

    private void rotateSecret(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "previousSecretValidForSeconds");
        long graceSeconds = body.optionalLong("previousSecretValidForSeconds", 0,
                WebhookEndpointService.MAX_PREVIOUS_SECRET_VALIDITY.toSeconds()).orElse(DEFAULT_PREVIOUS_SECRET_SECONDS);
        body.throwIfInvalid();
        WebhookEndpointService.WithSecret rotated = endpoints.rotateSecret(Authentication.principal(req),
                endpointId(req), Duration.ofSeconds(graceSeconds));
        JsonResponses.ok(res, EndpointWithSecret.of(rotated));
    }

    private void ping(ServerRequest req, ServerResponse res) {
        UUID pingId = endpoints.ping(Authentication.principal(req), endpointId(req));
        JsonResponses.send(res, Status.ACCEPTED_202, new PingResult(pingId));
    }

    private void attempts(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.POSITION);
        query.throwIfInvalid();
        Page<DeliveryRepository.Attempt> attempts = endpoints.attempts(Authentication.principal(req), endpointId(req), page);
        JsonResponses.ok(res, new AttemptPage(attempts.items().stream()
                .map(a -> new AttemptView(Long.toString(a.id()), Long.toString(a.deliveryId()), a.eventId(), a.topic(),
                        a.attemptedAt(), a.outcome(), a.statusCode(), a.latencyMillis(), a.responseHead()))
                .toList(), attempts.nextCursor()));
    }

    private void replay(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "eventId", "since");
        Optional<UUID> eventId = body.isPresent("eventId") ? Optional.ofNullable(body.requiredUuid("eventId")) : Optional.empty();
        Optional<OffsetDateTime> since = body.optionalInstant("since");
        if (body.errors().isEmpty() && eventId.isPresent() == since.isPresent()) {
            body.reject(eventId.isPresent() ? "since" : "eventId", FieldError.REQUIRED,
                    "name exactly one of eventId (one event) and since (every event since then)");
        }
        body.throwIfInvalid();
        UUID id = endpointId(req);
        int replayed = eventId.isPresent()
                ? endpoints.replay(Authentication.principal(req), id, eventId.get())
                : endpoints.replaySince(Authentication.principal(req), id, since.orElseThrow());
        JsonResponses.send(res, Status.ACCEPTED_202, new ReplayResult(replayed));
    }

    private static List<String> topics(JsonFields body, List<String> topics) {
        if (topics.isEmpty()) {
            body.reject("topics", FieldError.TOO_SHORT, "must name at least one topic");
        }
        for (int i = 0; i < topics.size(); i++) {
            if (!WebhookTopics.isFilter(topics.get(i))) {
                body.reject("topics/" + i, FieldError.INVALID_FORMAT,
                        // The nouns, not every topic: the list of topics outgrew a field error's 500 characters.
                        "must be a topic (<noun>.<event>, see WebhookTopicFilter), <noun>.* or *; nouns: "
                                + WebhookTopics.names().stream().map(name -> name.substring(0, name.indexOf('.')))
                                .distinct().collect(Collectors.joining(", ")));
            }
        }
        return List.copyOf(new LinkedHashSet<>(topics));
    }

    /**
     * An https URL with a host and no user info; with {@code webhooks.require-https} also a public-looking host
     * (every address is checked again, after resolving, before each delivery).
     */
    private void checkUrl(JsonFields body, String url) {
        if (url == null) {
            return;
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            boolean schemeAllowed = scheme.equals("https") || !requireHttps && scheme.equals("http");
            if (!schemeAllowed || uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
                body.reject("url", FieldError.INVALID_FORMAT, "must be an https URL with a host, without user info or fragment");
            } else if (requireHttps) {
                DestinationPolicy.PUBLIC_ONLY.refusalWithoutResolving(uri)
                        .ifPresent(reason -> body.reject("url", FieldError.INVALID_FORMAT, reason));
            }
        } catch (URISyntaxException e) {
            body.reject("url", FieldError.INVALID_FORMAT, "must be an https URL");
        }
    }

    private static UUID endpointId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("endpointId")).orElseThrow(WebhookEndpointService::notFound);
    }
}
