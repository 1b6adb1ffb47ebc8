package dev.marketplace.server.webhooks;

import static dev.marketplace.schema.Tables.WEBHOOK_ENDPOINT;
import static dev.marketplace.schema.Tables.WEBHOOK_TENANT_SEQUENCE;

import dev.marketplace.schema.tables.records.WebhookEndpointRecord;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** {@code webhook_endpoint} and {@code webhook_tenant_sequence}. */
final class EndpointRepository {

    /** The operator's owner id, as stock reservations record it. */
    static final UUID OPERATOR_ID = new UUID(0, 0);

    record NewEndpoint(UUID id, PrincipalType ownerType, UUID ownerId, String url, List<String> topics,
                       String description, WebhookSecrets.Sealed secret) {
    }

    /**
     * The secrets that sign an endpoint's messages now: the current one, then the previous one while it lasts; and
     * whose endpoint it is (a partner's messages are also signed with its registered secret).
     */
    record SigningSecrets(String keyId, byte[] sealed, String previousKeyId, byte[] previousSealed,
                          PrincipalType ownerType, UUID ownerId) {
    }

    void insert(DSLContext db, NewEndpoint endpoint) {
        db.insertInto(WEBHOOK_ENDPOINT)
                .set(WEBHOOK_ENDPOINT.ID, endpoint.id())
                .set(WEBHOOK_ENDPOINT.OWNER_TYPE, endpoint.ownerType().wireName())
                .set(WEBHOOK_ENDPOINT.OWNER_ID, endpoint.ownerId())
                .set(WEBHOOK_ENDPOINT.URL, endpoint.url())
                .set(WEBHOOK_ENDPOINT.TOPICS, endpoint.topics().toArray(String[]::new))
                .set(WEBHOOK_ENDPOINT.DESCRIPTION, endpoint.description())
                .set(WEBHOOK_ENDPOINT.STATUS, "enabled")
                .set(WEBHOOK_ENDPOINT.SECRET_KEY_ID, endpoint.secret().keyId())
                .set(WEBHOOK_ENDPOINT.SECRET_SEALED, endpoint.secret().value())
                .execute();
    }

    Optional<WebhookEndpoint> find(DSLContext db, Principal viewer, UUID id) {
        return db.selectFrom(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ID.eq(id)).and(visibleTo(viewer))
                .fetchOptional(EndpointRepository::endpoint);
    }

    Optional<WebhookEndpoint> findForUpdate(DSLContext db, Principal viewer, UUID id) {
        return db.selectFrom(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ID.eq(id)).and(visibleTo(viewer)).forUpdate()
                .fetchOptional(EndpointRepository::endpoint);
    }

    /** The viewer's endpoints, oldest first; {@code page.fetchSize()} at most. */
    List<WebhookEndpoint> list(DSLContext db, Principal viewer, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(WEBHOOK_ENDPOINT.CREATED_AT, WEBHOOK_ENDPOINT.ID)
                        .gt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(WEBHOOK_ENDPOINT).where(visibleTo(viewer)).and(after)
                .orderBy(WEBHOOK_ENDPOINT.CREATED_AT, WEBHOOK_ENDPOINT.ID).limit(page.fetchSize())
                .fetch(EndpointRepository::endpoint);
    }

    static Cursor cursorOf(WebhookEndpoint endpoint) {
        return Cursor.of(endpoint.createdAt().toString(), endpoint.id().toString());
    }

    WebhookEndpoint update(DSLContext db, WebhookEndpoint changed) {
        return db.update(WEBHOOK_ENDPOINT)
                .set(WEBHOOK_ENDPOINT.URL, changed.url())
                .set(WEBHOOK_ENDPOINT.TOPICS, changed.topics().toArray(String[]::new))
                .set(WEBHOOK_ENDPOINT.DESCRIPTION, changed.description())
                .set(WEBHOOK_ENDPOINT.STATUS, changed.enabled() ? "enabled" : "disabled")
                .set(WEBHOOK_ENDPOINT.DISABLED_REASON, changed.disabledReason())
                .set(WEBHOOK_ENDPOINT.VERSION, WEBHOOK_ENDPOINT.VERSION.plus(1))
                .set(WEBHOOK_ENDPOINT.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(WEBHOOK_ENDPOINT.ID.eq(changed.id()))
                .returning()
                .fetchSingle(EndpointRepository::endpoint);
    }

    WebhookEndpoint rotate(DSLContext db, UUID id, WebhookSecrets.Sealed secret, OffsetDateTime previousUntil) {
        return db.update(WEBHOOK_ENDPOINT)
                .set(WEBHOOK_ENDPOINT.PREVIOUS_SECRET_KEY_ID, WEBHOOK_ENDPOINT.SECRET_KEY_ID)
                .set(WEBHOOK_ENDPOINT.PREVIOUS_SECRET_SEALED, WEBHOOK_ENDPOINT.SECRET_SEALED)
                .set(WEBHOOK_ENDPOINT.PREVIOUS_SECRET_EXPIRES_AT, previousUntil)
                .set(WEBHOOK_ENDPOINT.SECRET_KEY_ID, secret.keyId())
                .set(WEBHOOK_ENDPOINT.SECRET_SEALED, secret.value())
                .set(WEBHOOK_ENDPOINT.VERSION, WEBHOOK_ENDPOINT.VERSION.plus(1))
                .set(WEBHOOK_ENDPOINT.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(WEBHOOK_ENDPOINT.ID.eq(id))
                .returning()
                .fetchSingle(EndpointRepository::endpoint);
    }

    boolean delete(DSLContext db, Principal viewer, UUID id) {
        return db.deleteFrom(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ID.eq(id)).and(visibleTo(viewer)).execute() == 1;
    }

    /**
     * The enabled endpoints that may receive some of a batch's events: the operator's, and those owned by any of
     * {@code ownerIds} (the events' merchants, storefronts and other owners), in creation order. One read per batch
     * of events (decision 117).
     */
    List<WebhookEndpoint> enabledCandidates(DSLContext db, Collection<UUID> ownerIds) {
        return db.selectFrom(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.STATUS.eq("enabled"))
                .and(WEBHOOK_ENDPOINT.OWNER_TYPE.eq(PrincipalType.OPERATOR.wireName())
                        .or(WEBHOOK_ENDPOINT.OWNER_ID.eq(DSL.any(ownerIds.toArray(UUID[]::new)))))
                .orderBy(WEBHOOK_ENDPOINT.CREATED_AT, WEBHOOK_ENDPOINT.ID)
                .fetch(EndpointRepository::endpoint);
    }

    /** The tenant's next sequence number (1, 2, 3 …); the row lock orders concurrent callers. */
    long nextSequence(DSLContext db, PrincipalType ownerType, UUID ownerId) {
        return db.insertInto(WEBHOOK_TENANT_SEQUENCE)
                .set(WEBHOOK_TENANT_SEQUENCE.OWNER_TYPE, ownerType.wireName())
                .set(WEBHOOK_TENANT_SEQUENCE.OWNER_ID, ownerId)
                .set(WEBHOOK_TENANT_SEQUENCE.LAST_VALUE, 1L)
                .onConflict(WEBHOOK_TENANT_SEQUENCE.OWNER_TYPE, WEBHOOK_TENANT_SEQUENCE.OWNER_ID)
                .doUpdate().set(WEBHOOK_TENANT_SEQUENCE.LAST_VALUE, WEBHOOK_TENANT_SEQUENCE.LAST_VALUE.plus(1))
                .returning(WEBHOOK_TENANT_SEQUENCE.LAST_VALUE)
                .fetchSingle().getLastValue();
    }

    SigningSecrets signingSecrets(DSLContext db, UUID id, OffsetDateTime now) {
        WebhookEndpointRecord row = db.selectFrom(WEBHOOK_ENDPOINT).where(WEBHOOK_ENDPOINT.ID.eq(id)).fetchSingle();
        boolean previousValid = row.getPreviousSecretExpiresAt() != null && row.getPreviousSecretExpiresAt().isAfter(now);
        return new SigningSecrets(row.getSecretKeyId(), row.getSecretSealed(),
                previousValid ? row.getPreviousSecretKeyId() : null, previousValid ? row.getPreviousSecretSealed() : null,
                PrincipalType.fromWireName(row.getOwnerType()).orElseThrow(), row.getOwnerId());
    }

    /**
     * Re-seals up to {@code limit} endpoints' secrets (the current one and a rotated-out one) sealed under another
     * personal-data key than the current one (SKIP LOCKED); how many endpoints.
     */
    int resealSecrets(DSLContext db, WebhookSecrets secrets, int limit) {
        String current = secrets.currentKeyId();
        List<WebhookEndpointRecord> rows = db.selectFrom(WEBHOOK_ENDPOINT)
                .where(WEBHOOK_ENDPOINT.SECRET_KEY_ID.ne(current).or(WEBHOOK_ENDPOINT.PREVIOUS_SECRET_KEY_ID.ne(current)))
                .limit(limit).forUpdate().skipLocked().fetch();
        for (WebhookEndpointRecord row : rows) {
            WebhookSecrets.Sealed secret = secrets.reseal(row.getId(), row.getSecretKeyId(), row.getSecretSealed());
            row.setSecretKeyId(secret.keyId());
            row.setSecretSealed(secret.value());
            if (row.getPreviousSecretSealed() != null) {
                WebhookSecrets.Sealed previous = secrets.reseal(row.getId(), row.getPreviousSecretKeyId(),
                        row.getPreviousSecretSealed());
                row.setPreviousSecretKeyId(previous.keyId());
                row.setPreviousSecretSealed(previous.value());
            }
            row.store(WEBHOOK_ENDPOINT.SECRET_KEY_ID, WEBHOOK_ENDPOINT.SECRET_SEALED,
                    WEBHOOK_ENDPOINT.PREVIOUS_SECRET_KEY_ID, WEBHOOK_ENDPOINT.PREVIOUS_SECRET_SEALED);
        }
        return rows.size();
    }

    /** Disables an endpoint for the marketplace's own reason; empty when it was disabled already. */
    Optional<WebhookEndpoint> disable(DSLContext db, UUID id, String reason) {
        return db.update(WEBHOOK_ENDPOINT)
                .set(WEBHOOK_ENDPOINT.STATUS, "disabled")
                .set(WEBHOOK_ENDPOINT.DISABLED_REASON, reason)
                .set(WEBHOOK_ENDPOINT.VERSION, WEBHOOK_ENDPOINT.VERSION.plus(1))
                .set(WEBHOOK_ENDPOINT.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(WEBHOOK_ENDPOINT.ID.eq(id)).and(WEBHOOK_ENDPOINT.STATUS.eq("enabled"))
                .returning()
                .fetchOptional(EndpointRepository::endpoint);
    }

    private static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, WEBHOOK_ENDPOINT.OWNER_TYPE, WEBHOOK_ENDPOINT.OWNER_ID);
    }

    static WebhookEndpoint endpoint(WebhookEndpointRecord row) {
        return new WebhookEndpoint(row.getId(), PrincipalType.fromWireName(row.getOwnerType()).orElseThrow(),
                row.getOwnerId(), row.getUrl(), List.of(row.getTopics()), row.getDescription(),
                row.getStatus().equals("enabled"), row.getDisabledReason(), row.getPreviousSecretExpiresAt(),
                row.getVersion(), row.getCreatedAt(), row.getUpdatedAt());
    }
}
