package dev.marketplace.server.clients;

import static dev.marketplace.schema.Tables.API_CLIENT;

import dev.marketplace.schema.tables.records.ApiClientRecord;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** The api_client table. Reads on behalf of a principal always go through {@link Tenancy}. */
final class ApiClientRepository {

    /** A client row with its secret hashes, for authentication only. */
    record StoredCredentials(ApiClient client, byte[] secretHash, byte[] previousSecretHash,
                             OffsetDateTime previousSecretExpiresAt) {
    }

    private static final String PUBLIC = "public";
    private static final String CONFIDENTIAL = "confidential";

    private static Condition visibleTo(Principal principal) {
        return Tenancy.visibleTo(principal, API_CLIENT.PRINCIPAL_TYPE, API_CLIENT.PRINCIPAL_ID);
    }

    Optional<ApiClient> find(DSLContext db, Principal viewer, String clientId) {
        return db.selectFrom(API_CLIENT).where(API_CLIENT.CLIENT_ID.eq(clientId)).and(visibleTo(viewer))
                .fetchOptional(ApiClientRepository::toClient);
    }

    List<ApiClient> list(DSLContext db, Principal viewer, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(API_CLIENT.CREATED_AT, API_CLIENT.CLIENT_ID)
                        .gt(OffsetDateTime.parse(cursor.keys().get(0)), cursor.keys().get(1)))
                .orElse(DSL.noCondition());
        return db.selectFrom(API_CLIENT)
                .where(visibleTo(viewer)).and(after)
                .orderBy(API_CLIENT.CREATED_AT, API_CLIENT.CLIENT_ID)
                .limit(page.fetchSize())
                .fetch(ApiClientRepository::toClient);
    }

    static Cursor cursorOf(ApiClient client) {
        return Cursor.of(client.createdAt().toString(), client.clientId());
    }

    Map<String, String> names(DSLContext db, Collection<String> clientIds) {
        return db.select(API_CLIENT.CLIENT_ID, API_CLIENT.NAME).from(API_CLIENT).where(API_CLIENT.CLIENT_ID.in(clientIds))
                .fetchMap(API_CLIENT.CLIENT_ID, API_CLIENT.NAME);
    }

    Optional<StoredCredentials> credentials(DSLContext db, String clientId) {
        return db.selectFrom(API_CLIENT).where(API_CLIENT.CLIENT_ID.eq(clientId)).fetchOptional(row ->
                new StoredCredentials(toClient(row), row.getSecretHash(), row.getPreviousSecretHash(),
                        row.getPreviousSecretExpiresAt()));
    }

    boolean anyOperatorClient(DSLContext db) {
        return db.fetchExists(API_CLIENT, API_CLIENT.PRINCIPAL_TYPE.eq(PrincipalType.OPERATOR.wireName()));
    }

    /** A confidential client with {@code secretHash}, or a public one when it is null. */
    ApiClient insert(DSLContext db, String clientId, String name, PrincipalType type, java.util.UUID principalId,
                     Set<String> scopes, List<String> redirectUris, byte[] secretHash) {
        return db.insertInto(API_CLIENT)
                .set(API_CLIENT.CLIENT_ID, clientId)
                .set(API_CLIENT.NAME, name)
                .set(API_CLIENT.CLIENT_TYPE, secretHash == null ? PUBLIC : CONFIDENTIAL)
                .set(API_CLIENT.PRINCIPAL_TYPE, type.wireName())
                .set(API_CLIENT.PRINCIPAL_ID, principalId)
                .set(API_CLIENT.SCOPES, scopes.stream().sorted().toArray(String[]::new))
                .set(API_CLIENT.REDIRECT_URIS, redirectUris.toArray(String[]::new))
                .set(API_CLIENT.SECRET_HASH, secretHash)
                .returning()
                .fetchOne(ApiClientRepository::toClient);
    }

    /** Replaces the secret; the old one stays valid until {@code previousValidUntil} (null: not at all). */
    ApiClient replaceSecret(DSLContext db, String clientId, byte[] newHash, OffsetDateTime previousValidUntil) {
        return db.update(API_CLIENT)
                .set(API_CLIENT.PREVIOUS_SECRET_HASH, previousValidUntil == null ? DSL.val((byte[]) null) : API_CLIENT.SECRET_HASH)
                .set(API_CLIENT.PREVIOUS_SECRET_EXPIRES_AT, previousValidUntil)
                .set(API_CLIENT.SECRET_HASH, newHash)
                .set(API_CLIENT.SECRET_ROTATED_AT, DSL.currentOffsetDateTime())
                .where(API_CLIENT.CLIENT_ID.eq(clientId))
                .returning()
                .fetchOne(ApiClientRepository::toClient);
    }

    /** Disables every enabled client of a principal; returns their ids. */
    List<String> disableAllOf(DSLContext db, PrincipalType type, java.util.UUID principalId) {
        return db.update(API_CLIENT)
                .set(API_CLIENT.DISABLED_AT, DSL.currentOffsetDateTime())
                .where(API_CLIENT.PRINCIPAL_TYPE.eq(type.wireName()), API_CLIENT.PRINCIPAL_ID.eq(principalId),
                        API_CLIENT.DISABLED_AT.isNull())
                .returning(API_CLIENT.CLIENT_ID)
                .fetch(API_CLIENT.CLIENT_ID);
    }

    private static ApiClient toClient(ApiClientRecord row) {
        return new ApiClient(row.getClientId(), row.getName(), PUBLIC.equals(row.getClientType()),
                PrincipalType.fromWireName(row.getPrincipalType()).orElseThrow(),
                row.getPrincipalId(), Set.of(row.getScopes()), row.getCreatedAt(), row.getSecretRotatedAt(),
                row.getDisabledAt(), List.of(row.getRedirectUris()));
    }
}
