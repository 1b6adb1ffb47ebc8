package dev.marketplace.server.customers;

import static dev.marketplace.schema.Tables.AUTHORIZATION_REQUEST;

import dev.marketplace.schema.tables.records.AuthorizationRequestRecord;
import dev.marketplace.server.platform.security.ClientSecrets;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Authorization requests in progress on the hosted sign-in page, kept in PostgreSQL so any node can serve the next
 * step. The browser holds a request's id (only its hash is stored); its forms carry the request's CSRF token.
 */
public final class AuthorizationRequests {

    /**
     * One request. {@code customerId} is null until the customer signed in.
     *
     * @param id only in the answer of {@link #open}: the value for the browser's cookie
     */
    public record AuthorizationRequest(String id, byte[] idHash, String csrfToken, String clientId, String redirectUri,
                                       List<String> scopes, Optional<String> state, String codeChallenge,
                                       String locale, UUID customerId) {
    }

    public static final Duration LIFETIME = Duration.ofMinutes(10);

    private final DSLContext dsl;

    public AuthorizationRequests(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Stores a new request (and clears expired ones); the answer carries the id for the browser. */
    public AuthorizationRequest open(String clientId, String redirectUri, Set<String> scopes, Optional<String> state,
                                     String codeChallenge, String locale) {
        String requestId = ClientSecrets.newSecret();
        AuthorizationRequestRecord row = dsl.newRecord(AUTHORIZATION_REQUEST);
        row.setIdHash(ClientSecrets.hash(requestId));
        row.setCsrfToken(ClientSecrets.newSecret());
        row.setClientId(clientId);
        row.setRedirectUri(redirectUri);
        row.setScopes(scopes.stream().sorted().toArray(String[]::new));
        row.setState(state.orElse(null));
        row.setCodeChallenge(codeChallenge);
        row.setLocale(locale);
        row.setExpiresAt(OffsetDateTime.now().plus(LIFETIME));
        dsl.transaction(tx -> {
            tx.dsl().deleteFrom(AUTHORIZATION_REQUEST).where(AUTHORIZATION_REQUEST.EXPIRES_AT.lt(OffsetDateTime.now())).execute();
            tx.dsl().executeInsert(row);
        });
        return request(requestId, row);
    }

    /** The unexpired request the browser's cookie names, when the form carries its CSRF token. */
    public Optional<AuthorizationRequest> current(String cookie, String csrf) {
        return dsl.selectFrom(AUTHORIZATION_REQUEST)
                .where(AUTHORIZATION_REQUEST.ID_HASH.eq(ClientSecrets.hash(cookie)),
                        AUTHORIZATION_REQUEST.EXPIRES_AT.gt(OffsetDateTime.now()))
                .fetchOptional()
                .filter(row -> MessageDigest.isEqual(row.getCsrfToken().getBytes(StandardCharsets.US_ASCII),
                        csrf.getBytes(StandardCharsets.US_ASCII)))
                .map(row -> request(null, row));
    }

    public void signedIn(AuthorizationRequest request, UUID customerId) {
        dsl.update(AUTHORIZATION_REQUEST).set(AUTHORIZATION_REQUEST.CUSTOMER_ID, customerId)
                .where(AUTHORIZATION_REQUEST.ID_HASH.eq(request.idHash())).execute();
    }

    /** The request is used up whatever the customer answered: a second submission finds no session. */
    public void useUp(AuthorizationRequest request) {
        dsl.deleteFrom(AUTHORIZATION_REQUEST).where(AUTHORIZATION_REQUEST.ID_HASH.eq(request.idHash())).execute();
    }

    private static AuthorizationRequest request(String id, AuthorizationRequestRecord row) {
        return new AuthorizationRequest(id, row.getIdHash(), row.getCsrfToken(), row.getClientId(), row.getRedirectUri(),
                List.of(row.getScopes()), Optional.ofNullable(row.getState()), row.getCodeChallenge(), row.getLocale(),
                row.getCustomerId());
    }
}
