package dev.marketplace.server.clients;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.ClientSecrets;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Scopes;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.OffsetDateTime;
import dev.marketplace.server.platform.security.RevokedTokens;
import java.util.HashSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * API clients: who may call, for whom, with which scopes. Each public method is one transaction.
 *
 * <p>Rules: the operator creates clients for any principal; any other principal only for itself and only
 * with scopes its own token holds. No client ever holds a scope beyond its principal type's ceiling.
 */
public final class ApiClientService {

    private static final System.Logger LOG = System.getLogger(ApiClientService.class.getName());
    public static final Duration MAX_PREVIOUS_SECRET_VALIDITY = Duration.ofDays(7);

    /** A client and its secret in clear: returned once, at creation or rotation; null for a public client. */
    public record ClientCredentials(ApiClient client, String clientSecret) {
    }

    /** What a caller asks for; empty principal fields mean "the caller's own". */
    public record NewApiClient(String name, boolean publicClient, Optional<PrincipalType> principalType,
                               Optional<UUID> principalId, Set<String> scopes, List<String> redirectUris) {

        public NewApiClient(String name, Optional<PrincipalType> principalType, Optional<UUID> principalId,
                            Set<String> scopes) {
            this(name, false, principalType, principalId, scopes, List.of());
        }
    }

    private final DSLContext dsl;
    private final RevokedTokens revokedTokens;
    private final ApiClientRepository repository = new ApiClientRepository();
    private final StorefrontRepository storefronts = new StorefrontRepository();

    public ApiClientService(DSLContext dsl, RevokedTokens revokedTokens) {
        this.dsl = dsl;
        this.revokedTokens = revokedTokens;
    }

    public ClientCredentials create(Principal caller, NewApiClient request) {
        PrincipalType type = request.principalType().orElse(caller.type());
        UUID principalId = request.principalType().isPresent() ? request.principalId().orElse(null) : caller.id();
        if (!caller.isOperator() && (type != caller.type() || !java.util.Objects.equals(principalId, caller.id()))) {
            throw ProblemException.forbidden("A client can only be created for the caller's own principal.");
        }
        if ((type == PrincipalType.OPERATOR) != (principalId == null)) {
            throw ProblemException.validation("principalId", type == PrincipalType.OPERATOR ? FieldError.OUT_OF_RANGE
                    : FieldError.REQUIRED, type == PrincipalType.OPERATOR
                    ? "must be absent for the operator" : "is required for a " + type.wireName());
        }
        Set<String> beyondCeiling = difference(request.scopes(), Scopes.allowedFor(type));
        if (!beyondCeiling.isEmpty()) {
            throw ProblemException.validation("scopes", FieldError.OUT_OF_RANGE,
                    "a " + type.wireName() + " cannot hold " + String.join(", ", beyondCeiling));
        }
        Set<String> beyondCaller = difference(request.scopes(), caller.scopes());
        if (!caller.isOperator() && !beyondCaller.isEmpty()) {
            throw ProblemException.forbidden("A client cannot be given scopes the caller's token lacks: "
                    + String.join(", ", beyondCaller) + ".");
        }
        if (!request.redirectUris().isEmpty() && type != PrincipalType.STOREFRONT && type != PrincipalType.PARTNER) {
            throw ProblemException.validation("redirectUris", FieldError.OUT_OF_RANGE,
                    "only storefront and partner clients sign customers in");
        }
        if (request.publicClient() && type != PrincipalType.STOREFRONT) {
            throw ProblemException.validation("clientType", FieldError.OUT_OF_RANGE,
                    "only a storefront's app can be a public client; a " + type.wireName() + " keeps a secret");
        }
        if (request.publicClient() && request.redirectUris().isEmpty()) {
            throw ProblemException.validation("redirectUris", FieldError.REQUIRED,
                    "a public client signs customers in and needs at least one redirect URI");
        }
        String secret = request.publicClient() ? null : ClientSecrets.newSecret();
        ApiClient client = dsl.transactionResult(tx -> {
            if (type == PrincipalType.STOREFRONT && !storefronts.exists(tx.dsl(), principalId)) {
                throw ProblemException.validation("principalId", FieldError.NOT_FOUND,
                        "names no storefront registered through POST /v1/storefronts");
            }
            return repository.insert(tx.dsl(), ClientSecrets.newClientId(), request.name(), type, principalId,
                    request.scopes(), request.redirectUris(), secret == null ? null : ClientSecrets.hash(secret));
        });
        return new ClientCredentials(client, secret);
    }

    public ApiClient get(Principal caller, String clientId) {
        return repository.find(dsl, caller, clientId).orElseThrow(ApiClientService::clientNotFound);
    }

    public Page<ApiClient> list(Principal caller, PageRequest page) {
        return Page.fromLookahead(repository.list(dsl, caller, page), page.limit(), ApiClientRepository::cursorOf);
    }

    /** A new secret; the old one keeps working for {@code previousValidFor} (zero: it stops now). */
    public ClientCredentials rotateSecret(Principal caller, String clientId, Duration previousValidFor) {
        String secret = ClientSecrets.newSecret();
        ApiClient client = dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            if (repository.find(db, caller, clientId).orElseThrow(ApiClientService::clientNotFound).publicClient()) {
                throw ProblemException.conflict("public_client", "A public client has no secret to rotate.");
            }
            OffsetDateTime previousValidUntil = previousValidFor.isZero() ? null : OffsetDateTime.now().plus(previousValidFor);
            return repository.replaceSecret(db, clientId, ClientSecrets.hash(secret), previousValidUntil);
        });
        return new ClientCredentials(client, secret);
    }

    /**
     * Disables every client of a principal that no longer may call (a closed merchant): its credentials stop
     * working and the tokens it holds are revoked.
     */
    public void disableAllOf(PrincipalType type, UUID principalId) {
        List<String> disabled = dsl.transactionResult(tx -> repository.disableAllOf(tx.dsl(), type, principalId));
        disabled.forEach(revokedTokens::revokeAllOf);
    }

    /** An enabled client by id, for the authorization endpoint (which knows no caller yet). */
    public Optional<ApiClient> findEnabled(String clientId) {
        return repository.credentials(dsl, clientId).map(ApiClientRepository.StoredCredentials::client)
                .filter(client -> client.disabledAt() == null);
    }

    /** The names of these clients (disabled ones included), by client id. */
    public Map<String, String> namesOf(Collection<String> clientIds) {
        return repository.names(dsl, clientIds);
    }

    /** An enabled public client by id: at the token endpoint it names itself without a secret. */
    public Optional<ApiClient> findEnabledPublic(String clientId) {
        return findEnabled(clientId).filter(ApiClient::publicClient);
    }

    /**
     * The enabled client these credentials belong to, if they are right (current secret, or previous one still
     * valid). A public client has no secret: it is never authenticated here, only named ({@link #findEnabledPublic}).
     */
    public Optional<ApiClient> authenticate(String clientId, String secret) {
        return repository.credentials(dsl, clientId).filter(stored -> stored.client().disabledAt() == null)
                .filter(stored -> !stored.client().publicClient()).filter(stored ->
                ClientSecrets.matches(secret, stored.secretHash())
                        || stored.previousSecretExpiresAt() != null
                        && stored.previousSecretExpiresAt().isAfter(OffsetDateTime.now())
                        && ClientSecrets.matches(secret, stored.previousSecretHash()))
                .map(ApiClientRepository.StoredCredentials::client);
    }

    /**
     * A fresh install gets an operator client. Automation may name it ({@code id} and {@code secret} from
     * configuration: created, or its secret reset to the given one); otherwise one is generated and its
     * credentials are printed once. There is no default secret.
     */
    public void ensureOperatorClient(Optional<String> configuredId, Optional<String> configuredSecret) {
        if (configuredId.isPresent() != configuredSecret.isPresent()) {
            throw new IllegalStateException("set both security.operator.client.id and security.operator.client.secret, or neither");
        }
        if (configuredSecret.isPresent() && configuredSecret.get().length() < ClientSecrets.MIN_CONFIGURED_SECRET_LENGTH) {
            throw new IllegalStateException("security.operator.client.secret must have at least "
                    + ClientSecrets.MIN_CONFIGURED_SECRET_LENGTH + " characters");
        }
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            if (configuredId.isPresent()) {
                String id = configuredId.get();
                byte[] hash = ClientSecrets.hash(configuredSecret.get());
                if (repository.credentials(db, id).isPresent()) {
                    repository.replaceSecret(db, id, hash, null);
                } else {
                    repository.insert(db, id, "Operator", PrincipalType.OPERATOR, null, Scopes.ALL, List.of(), hash);
                }
            } else if (!repository.anyOperatorClient(db)) {
                String id = ClientSecrets.newClientId();
                String secret = ClientSecrets.newSecret();
                repository.insert(db, id, "Operator", PrincipalType.OPERATOR, null, Scopes.ALL, List.of(),
                        ClientSecrets.hash(secret));
                LOG.log(Level.WARNING, """
                        
                        ==================================================================================
                        Created the operator API client. Its secret is shown only now; store it safely.
                          client_id:     %s
                          client_secret: %s
                        Get a token:  curl -u '%s:%s' -d grant_type=client_credentials <server>/oauth2/token
                        ==================================================================================""".formatted(
                        id, secret, id, secret));
            }
        });
    }

    private static Set<String> difference(Set<String> wanted, Set<String> allowed) {
        Set<String> beyond = new TreeSet<>(wanted);
        beyond.removeAll(new HashSet<>(allowed));
        return beyond;
    }

    private static ProblemException clientNotFound() {
        return ProblemException.notFound("client");
    }
}
