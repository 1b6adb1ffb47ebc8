package dev.marketplace.server.clients;

import static dev.marketplace.schema.Tables.STOREFRONT;

import dev.marketplace.schema.tables.records.StorefrontRecord;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** The storefront table: a storefront sees its own row, the operator every row ({@link Tenancy}). */
final class StorefrontRepository {

    private static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, DSL.inline(PrincipalType.STOREFRONT.wireName()), STOREFRONT.ID);
    }

    Storefront insert(DSLContext db, String name, Optional<String> url, Optional<String> defaultLanguage) {
        return storefront(db.insertInto(STOREFRONT)
                .set(STOREFRONT.ID, UUID.randomUUID())
                .set(STOREFRONT.NAME, name)
                .set(STOREFRONT.URL, url.orElse(null))
                .set(STOREFRONT.DEFAULT_LANGUAGE, defaultLanguage.orElse(null))
                .returning().fetchOne());
    }

    Optional<Storefront> find(DSLContext db, Principal viewer, UUID id) {
        return db.selectFrom(STOREFRONT).where(STOREFRONT.ID.eq(id)).and(visibleTo(viewer))
                .fetchOptional(StorefrontRepository::storefront);
    }

    /** Whether a storefront with this id is registered, whoever asks (storefronts are never removed). */
    boolean exists(DSLContext db, UUID id) {
        return db.fetchExists(STOREFRONT, STOREFRONT.ID.eq(id));
    }

    /** Oldest first; {@code page.fetchSize()} at most. */
    List<Storefront> list(DSLContext db, Principal viewer, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> DSL.row(STOREFRONT.CREATED_AT, STOREFRONT.ID)
                        .gt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(STOREFRONT).where(visibleTo(viewer)).and(after)
                .orderBy(STOREFRONT.CREATED_AT, STOREFRONT.ID).limit(page.fetchSize())
                .fetch(StorefrontRepository::storefront);
    }

    static Cursor cursorOf(Storefront storefront) {
        return Cursor.of(storefront.createdAt().toString(), storefront.id().toString());
    }

    private static Storefront storefront(StorefrontRecord row) {
        return new Storefront(row.getId(), row.getName(), Optional.ofNullable(row.getUrl()),
                Optional.ofNullable(row.getDefaultLanguage()), row.getCreatedAt());
    }
}
