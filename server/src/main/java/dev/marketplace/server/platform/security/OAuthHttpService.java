package dev.marketplace.server.platform.security;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.marketplace.server.clients.ApiClient;
import dev.marketplace.server.clients.ApiClientService;
import dev.marketplace.server.platform.http.FormBody;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.StorableText;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The authorization server's endpoints: {@code /oauth2/token} (client credentials, RFC 6749 §4.4; the
 * authorization code grant with PKCE and rotating refresh tokens, §4.1 and §6, through {@link DelegatedGrants}),
 * {@code /oauth2/revoke} (RFC 7009), {@code /oauth2/jwks}, and {@code /.well-known/oauth-authorization-server}
 * (RFC 8414). Errors here use RFC 6749's format, as OAuth clients expect.
 */
public final class OAuthHttpService implements HttpService {

    public static final String PATH = "/oauth2";
    public static final String METADATA_PATH = "/.well-known/oauth-authorization-server";

    /** An RFC 6749 §5.2 error. */
    private static final class OAuthError extends RuntimeException {
        private final int status;
        private final String error;
        private final boolean basicChallenge;

        OAuthError(int status, String error, String description, boolean basicChallenge) {
            super(description, null, false, false);
            this.status = status;
            this.error = error;
            this.basicChallenge = basicChallenge;
        }
    }

    private record ClientAuthentication(String clientId, String secret, boolean viaBasic) {
    }

    private final ApiClientService clients;
    private final AccessTokens tokens;
    private final SigningKeys keys;
    private final RateLimits rateLimits;
    private final SecuritySettings settings;
    private final RevokedTokens revoked;
    private final DelegatedGrants grants;

    public OAuthHttpService(ApiClientService clients, AccessTokens tokens, SigningKeys keys, RevokedTokens revoked,
                            DelegatedGrants grants, RateLimits rateLimits, SecuritySettings settings) {
        this.clients = clients;
        this.grants = grants;
        this.tokens = tokens;
        this.keys = keys;
        this.revoked = revoked;
        this.rateLimits = rateLimits;
        this.settings = settings;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/token", this::token)
                .post("/revoke", this::revoke)
                .get("/jwks", this::jwks);
    }

    /** RFC 8414 metadata; registered at the well-known path by the server. */
    public void metadata(ServerRequest req, ServerResponse res) {
        rateLimits.chargeAnonymous(req, res);
        JsonArrayBuilder scopes = JSON.createArrayBuilder();
        Scopes.ALL.stream().sorted().forEach(scopes::add);
        JsonObject metadata = JSON.createObjectBuilder()
                .add("issuer", settings.issuer())
                .add("token_endpoint", settings.issuer() + PATH + "/token")
                .add("jwks_uri", settings.issuer() + PATH + "/jwks")
                .add("revocation_endpoint", settings.issuer() + PATH + "/revoke")
                .add("authorization_endpoint", settings.issuer() + PATH + "/authorize")
                .add("grant_types_supported", JSON.createArrayBuilder().add("client_credentials")
                        .add("authorization_code").add("refresh_token"))
                .add("response_types_supported", JSON.createArrayBuilder().add("code"))
                .add("code_challenge_methods_supported", JSON.createArrayBuilder().add("S256"))
                .add("authorization_response_iss_parameter_supported", true)
                .add("ui_locales_supported", JSON.createArrayBuilder().add("ja").add("en"))
                .add("token_endpoint_auth_methods_supported",
                        JSON.createArrayBuilder().add("client_secret_basic").add("client_secret_post").add("none"))
                .add("revocation_endpoint_auth_methods_supported",
                        JSON.createArrayBuilder().add("client_secret_basic").add("client_secret_post").add("none"))
                .add("scopes_supported", scopes)
                .build();
        sendJson(res, Status.OK_200, metadata.toString());
    }

    private void jwks(ServerRequest req, ServerResponse res) {
        rateLimits.chargeAnonymous(req, res);
        sendJson(res, Status.OK_200, keys.publishedKeys().toString(true));
    }

    private void token(ServerRequest req, ServerResponse res) {
        rateLimits.chargeTokenEndpoint(req, res);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.PRAGMA, "no-cache");
        try {
            Map<String, List<String>> form = readForm(req);
            ApiClient client = authenticateClient(req, form);
            String grantType = single(form, "grant_type")
                    .orElseThrow(() -> new OAuthError(400, "invalid_request", "grant_type is required", false));
            switch (grantType) {
                case "client_credentials" -> {
                    if (client.publicClient()) {
                        throw new OAuthError(400, "unauthorized_client",
                                "a public client signs customers in (authorization code with PKCE); it has no client credentials", false);
                    }
                    clientCredentials(res, client, form);
                }
                case "authorization_code" -> sendTokens(res, grants.exchangeCode(client, required(form, "code"),
                        required(form, "redirect_uri"), single(form, "code_verifier").orElse(null)));
                case "refresh_token" -> sendTokens(res, grants.refresh(client, required(form, "refresh_token"),
                        requestedScopes(form)));
                default -> throw new OAuthError(400, "unsupported_grant_type",
                        "supported: client_credentials, authorization_code, refresh_token (no password grant)", false);
            }
        } catch (DelegatedGrants.InvalidGrantException e) {
            sendError(res, new OAuthError(400, "invalid_grant", e.getMessage(), false));
        } catch (OAuthError e) {
            sendError(res, e);
        }
    }

    private void clientCredentials(ServerResponse res, ApiClient client, Map<String, List<String>> form) {
        Set<String> scopes = requestedScopes(form).orElse(client.scopes());
        if (!client.scopes().containsAll(scopes)) {
            throw new OAuthError(400, "invalid_scope", "the client was not granted every requested scope", false);
        }
        AccessTokens.IssuedToken issued = tokens.issue(client.principalWith(scopes));
        sendJson(res, Status.OK_200, JSON.createObjectBuilder()
                .add("access_token", issued.value())
                .add("token_type", "Bearer")
                .add("expires_in", issued.expiresIn().toSeconds())
                .add("scope", String.join(" ", issued.scopes().stream().sorted().toList()))
                .build().toString());
    }

    /** The authorization code grant's answer: a customer-bound access token and the next refresh token. */
    private static void sendTokens(ServerResponse res, DelegatedGrants.Tokens tokens) {
        AccessTokens.IssuedToken issued = tokens.accessToken();
        sendJson(res, Status.OK_200, JSON.createObjectBuilder()
                .add("access_token", issued.value())
                .add("token_type", "Bearer")
                .add("expires_in", issued.expiresIn().toSeconds())
                .add("scope", String.join(" ", issued.scopes().stream().sorted().toList()))
                .add("refresh_token", tokens.refreshToken())
                .build().toString());
    }

    private static Optional<Set<String>> requestedScopes(Map<String, List<String>> form) {
        return single(form, "scope").filter(scope -> !scope.isBlank())
                .map(scope -> (Set<String>) new LinkedHashSet<>(Arrays.asList(scope.strip().split(" +"))));
    }

    private static String required(Map<String, List<String>> form, String name) {
        return single(form, name).filter(value -> !value.isEmpty())
                .orElseThrow(() -> new OAuthError(400, "invalid_request", name + " is required", false));
    }

    private void revoke(ServerRequest req, ServerResponse res) {
        rateLimits.chargeTokenEndpoint(req, res);
        try {
            Map<String, List<String>> form = readForm(req);
            ApiClient client = authenticateClient(req, form);
            String token = single(form, "token")
                    .orElseThrow(() -> new OAuthError(400, "invalid_request", "token is required", false));
            Optional<JWTClaimsSet> claims = tokens.signedClaims(token);
            // RFC 7009 §2.2: an invalid token, or another client's, is answered 200 all the same.
            if (claims.isPresent() && client.clientId().equals(claims.get().getClaim("client_id"))
                    && claims.get().getJWTID() != null && claims.get().getExpirationTime() != null) {
                revoked.revoke(claims.get().getJWTID(), client.clientId(), claims.get().getExpirationTime().toInstant());
            }
            res.status(Status.OK_200).send();
        } catch (OAuthError e) {
            sendError(res, e);
        }
    }

    /**
     * RFC 6749 §2.3.1: HTTP Basic, or client_id and client_secret in the form; never both. A public client names
     * itself with client_id alone (§2.1; its proof is the PKCE verifier or the refresh token it brings).
     */
    private ApiClient authenticateClient(ServerRequest req, Map<String, List<String>> form) {
        ClientAuthentication credentials = clientAuthentication(req, form);
        Optional<ApiClient> client = credentials.secret() == null
                ? clients.findEnabledPublic(credentials.clientId())
                : clients.authenticate(credentials.clientId(), credentials.secret());
        return client.orElseThrow(() -> new OAuthError(401, "invalid_client", "client authentication failed",
                        credentials.viaBasic()));
    }

    private static ClientAuthentication clientAuthentication(ServerRequest req, Map<String, List<String>> form) {
        for (Map.Entry<String, List<String>> parameter : form.entrySet()) {
            if (parameter.getValue().size() > 1) {
                throw new OAuthError(400, "invalid_request", parameter.getKey() + " is repeated", false);
            }
        }
        Optional<String> basic = req.headers().first(HeaderNames.AUTHORIZATION)
                .filter(value -> value.regionMatches(true, 0, "Basic ", 0, 6));
        boolean formCredentials = form.containsKey("client_id") || form.containsKey("client_secret");
        if (basic.isPresent() && formCredentials) {
            throw new OAuthError(400, "invalid_request", "use one client authentication method, not two", false);
        }
        if (basic.isPresent()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(basic.get().substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new OAuthError(401, "invalid_client", "malformed Basic credentials", true);
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new OAuthError(401, "invalid_client", "malformed Basic credentials", true);
            }
            return new ClientAuthentication(formDecode(decoded.substring(0, colon)), formDecode(decoded.substring(colon + 1)), true);
        }
        String clientId = single(form, "client_id").orElseThrow(
                () -> new OAuthError(401, "invalid_client", "client authentication is required", false));
        return new ClientAuthentication(clientId, single(form, "client_secret").orElse(null), false);
    }

    private static String formDecode(String text) {
        String decoded = java.net.URLDecoder.decode(text, StandardCharsets.UTF_8);
        if (!StorableText.isStorable(decoded)) {
            throw new OAuthError(400, "invalid_request", "the Basic credentials " + StorableText.RULE, false);
        }
        return decoded;
    }

    /** The request's form; a value that cannot be stored is RFC 6749's {@code invalid_request}, not a problem document. */
    private static Map<String, List<String>> readForm(ServerRequest req) {
        try {
            return FormBody.read(req);
        } catch (ProblemException e) {
            if (e.status() != 400) {
                throw e;
            }
            throw new OAuthError(400, "invalid_request", e.detail(), false);
        }
    }

    private static Optional<String> single(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    private static void sendError(ServerResponse res, OAuthError e) {
        if (e.basicChallenge) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Basic realm=\"marketplace\"");
        }
        sendJson(res, Status.create(e.status), JSON.createObjectBuilder()
                .add("error", e.error)
                .add("error_description", e.getMessage())
                .build().toString());
    }

    private static void sendJson(ServerResponse res, Status status, String json) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(json.getBytes(StandardCharsets.UTF_8));
    }
}
