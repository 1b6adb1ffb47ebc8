package dev.marketplace.server.clients;

import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * An OAuth2 client: software that calls the API for one principal, with the scopes it was granted, and the
 * redirect URIs (exact matches) to which the authorization code grant may send a customer back. A public client
 * ({@code publicClient}) has no secret and may only use the authorization code grant with PKCE.
 */
public record ApiClient(String clientId,
                        String name,
                        boolean publicClient,
                        PrincipalType principalType,
                        UUID principalId,
                        Set<String> scopes,
                        OffsetDateTime createdAt,
                        OffsetDateTime secretRotatedAt,
                        OffsetDateTime disabledAt,
                        List<String> redirectUris) {

    public ApiClient {
        scopes = Set.copyOf(scopes);
        redirectUris = List.copyOf(redirectUris);
    }

    /** The principal a token issued to this client speaks for, with the scopes the token carries. */
    public Principal principalWith(Set<String> tokenScopes) {
        return new Principal(principalType, principalId, clientId, tokenScopes);
    }
}
