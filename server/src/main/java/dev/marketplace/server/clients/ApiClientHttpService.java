package dev.marketplace.server.clients;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Scopes;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** {@code /v1/clients}: the HTTP face of {@link ApiClientService}. */
public final class ApiClientHttpService implements HttpService {

    public static final String PATH = "/v1/clients";
    private static final Set<String> PRINCIPAL_TYPES = Arrays.stream(PrincipalType.values())
            .map(PrincipalType::wireName).collect(Collectors.toUnmodifiableSet());

    private static final int MAX_REDIRECT_URIS = 10;
    private static final String PUBLIC = "public";
    private static final String CONFIDENTIAL = "confidential";

    private final ApiClientService clients;

    public ApiClientHttpService(ApiClientService clients) {
        this.clients = clients;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::create)
                .get("/{clientId}", this::get)
                .post("/{clientId}/rotate-secret", this::rotateSecret);
    }

    /** See {@code ApiClient} in the OpenAPI document; never carries a secret. */
    public record ApiClientResource(String clientId, String name, String clientType, String principalType,
                                    UUID principalId, List<String> scopes, OffsetDateTime createdAt,
                                    OffsetDateTime secretRotatedAt, OffsetDateTime disabledAt, List<String> redirectUris) {
        static ApiClientResource of(ApiClient client) {
            return new ApiClientResource(client.clientId(), client.name(),
                    client.publicClient() ? PUBLIC : CONFIDENTIAL, client.principalType().wireName(),
                    client.principalId(), client.scopes().stream().sorted().toList(), client.createdAt(),
                    client.secretRotatedAt(), client.disabledAt(), client.redirectUris());
        }
    }

    public record ApiClientCredentials(ApiClientResource client, String clientSecret) {
        public static ApiClientCredentials of(ApiClientService.ClientCredentials credentials) {
            return new ApiClientCredentials(ApiClientResource.of(credentials.client()), credentials.clientSecret());
        }
    }

    public record ApiClientPage(List<ApiClientResource> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.TEXT);
        query.throwIfInvalid();
        Page<ApiClientResource> result = clients.list(Authentication.principal(req), page).map(ApiClientResource::of);
        JsonResponses.ok(res, new ApiClientPage(result.items(), result.nextCursor()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "name", "clientType", "principalType", "principalId",
                "scopes", "redirectUris");
        String name = body.requiredString("name", 1, 100);
        boolean publicClient = body.optionalEnum("clientType", Set.of(PUBLIC, CONFIDENTIAL)).orElse(CONFIDENTIAL)
                .equals(PUBLIC);
        Optional<PrincipalType> type = body.optionalEnum("principalType", PRINCIPAL_TYPES)
                .flatMap(PrincipalType::fromWireName);
        Optional<UUID> principalId = body.nullableUuid("principalId");
        Set<String> scopes = body.requiredEnumSet("scopes", Scopes.ALL);
        List<String> redirectUris = body.optionalStrings("redirectUris", MAX_REDIRECT_URIS, 1, 2000).orElse(List.of());
        for (int i = 0; i < redirectUris.size(); i++) {
            if (!RedirectUris.isAcceptable(redirectUris.get(i))) {
                body.reject("redirectUris/" + i, FieldError.INVALID_FORMAT, RedirectUris.RULE);
            }
        }
        body.throwIfInvalid();
        ApiClientService.ClientCredentials created = clients.create(Authentication.principal(req),
                new ApiClientService.NewApiClient(name, publicClient, type, principalId, scopes, List.copyOf(new java.util.LinkedHashSet<>(redirectUris))));
        res.header(HeaderNames.LOCATION, PATH + "/" + created.client().clientId());
        JsonResponses.send(res, Status.CREATED_201, ApiClientCredentials.of(created));
    }

    private void get(ServerRequest req, ServerResponse res) {
        ApiClient client = clients.get(Authentication.principal(req), req.path().pathParameters().get("clientId"));
        JsonResponses.ok(res, ApiClientResource.of(client));
    }

    private void rotateSecret(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "previousSecretValidForSeconds");
        long graceSeconds = body.optionalLong("previousSecretValidForSeconds", 0,
                ApiClientService.MAX_PREVIOUS_SECRET_VALIDITY.toSeconds()).orElse(0L);
        body.throwIfInvalid();
        ApiClientService.ClientCredentials rotated = clients.rotateSecret(Authentication.principal(req),
                req.path().pathParameters().get("clientId"), Duration.ofSeconds(graceSeconds));
        JsonResponses.ok(res, ApiClientCredentials.of(rotated));
    }
}
