package dev.marketplace.server.partners;

import static dev.marketplace.schema.Tables.PARTNER;
import static dev.marketplace.schema.Tables.PARTNER_MEMBER_LINK;

import dev.marketplace.schema.tables.records.PartnerMemberLinkRecord;
import dev.marketplace.schema.tables.records.PartnerRecord;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.jooq.impl.DSL;

/**
 * Partners (keyed by their {@code partner} principal's id) and customers' member links. The secrets we authenticate
 * to a partner with, and its webhook secret, are sealed with the personal-data keys, bound to the partner's id.
 */
final class PartnerRegistry implements PartnerDirectory {

    static final String OAUTH2 = "oauth2_client_credentials";
    static final String API_KEY = "api_key";
    static final String ACTIVE = "active";

    /** A registered partner, secrets left out. */
    record Partner(UUID id, String name, String apiBaseUrl, String authType, String tokenUrl, String authClientId,
                   String status, long version, java.time.OffsetDateTime createdAt, List<String> allowedHosts) {
        static Partner of(PartnerRecord row) {
            return new Partner(row.getId(), row.getName(), row.getApiBaseUrl(), row.getAuthType(), row.getTokenUrl(),
                    row.getAuthClientId(), row.getStatus(), row.getVersion(), row.getCreatedAt(),
                    List.of(row.getAllowedHosts()));
        }
    }

    /** {@code allowedHosts}: lower-case host names, each URL's host among them (checked by the HTTP service). */
    record Registration(UUID id, String name, URI apiBaseUrl, String authType, URI tokenUrl, String authClientId,
                        String secret, String webhookSecret, String status, List<String> allowedHosts) {
    }

    /**
     * How to reach a partner's API: its base URL and the opened secret (client secret or API key), and the hosts the
     * operator allows its calls to reach (decision 56).
     */
    record Connection(UUID partnerId, URI apiBaseUrl, String authType, URI tokenUrl, String authClientId,
                      String secret, Set<String> allowedHosts) {

        /** Whether a call to {@code uri} may go out: its host is on the partner's allow-list. */
        boolean allows(URI uri) {
            return uri.getHost() != null && allowedHosts.contains(uri.getHost().toLowerCase(Locale.ROOT));
        }
    }

    private final DSLContext dsl;
    private final PiiKeys keys;

    PartnerRegistry(DSLContext dsl, PiiKeys keys) {
        this.dsl = dsl;
        this.keys = keys;
    }

    Partner register(Principal caller, Registration registration) {
        requireOperator(caller);
        try {
            return Partner.of(dsl.insertInto(PARTNER)
                    .set(PARTNER.ID, registration.id())
                    .set(PARTNER.NAME, registration.name())
                    .set(PARTNER.API_BASE_URL, registration.apiBaseUrl().toString())
                    .set(PARTNER.AUTH_TYPE, registration.authType())
                    .set(PARTNER.TOKEN_URL, registration.tokenUrl() == null ? null : registration.tokenUrl().toString())
                    .set(PARTNER.AUTH_CLIENT_ID, registration.authClientId())
                    .set(PARTNER.SECRET_KEY_ID, keys.currentId())
                    .set(PARTNER.SECRET_SEALED, keys.seal(bytes(registration.secret()), context(registration.id(), "auth")))
                    .set(PARTNER.WEBHOOK_SECRET_SEALED, keys.seal(bytes(registration.webhookSecret()),
                            context(registration.id(), "webhook")))
                    .set(PARTNER.STATUS, registration.status())
                    .set(PARTNER.ALLOWED_HOSTS, registration.allowedHosts().toArray(String[]::new))
                    .returning().fetchSingle());
        } catch (IntegrityConstraintViolationException e) {
            throw ProblemException.conflict("partner_exists", "A partner with this principal id is registered.");
        }
    }

    /**
     * The operator changes a partner's status (a suspended partner exchanges nothing) and/or its allowed hosts (null:
     * unchanged). A list without the partner's own URLs' hosts is accepted: its calls are then refused before they go
     * out, until the operator allows the hosts again (decision 56).
     */
    Partner changeStatus(Principal caller, UUID id, String status, List<String> allowedHosts, long version) {
        requireOperator(caller);
        PartnerRecord row = dsl.selectFrom(PARTNER).where(PARTNER.ID.eq(id)).fetchOptional()
                .orElseThrow(() -> ProblemException.notFound("partner"));
        if (row.getVersion() != version) {
            throw ProblemException.versionConflict(version, row.getVersion());
        }
        return Partner.of(dsl.update(PARTNER).set(PARTNER.STATUS, status == null ? row.getStatus() : status)
                .set(PARTNER.ALLOWED_HOSTS, allowedHosts == null ? row.getAllowedHosts()
                        : allowedHosts.toArray(String[]::new))
                .set(PARTNER.VERSION, version + 1)
                .where(PARTNER.ID.eq(id)).and(PARTNER.VERSION.eq(version)).returning().fetchOptional()
                .orElseThrow(() -> ProblemException.versionConflict(version, version + 1)));
    }

    List<Partner> list(Principal caller) {
        requireOperator(caller);
        return dsl.selectFrom(PARTNER).orderBy(PARTNER.CREATED_AT, PARTNER.ID).fetch(Partner::of);
    }

    /** The operator any partner, a partner itself; 404 otherwise. */
    Partner get(Principal caller, UUID id) {
        requireVisible(caller, id);
        return dsl.selectFrom(PARTNER).where(PARTNER.ID.eq(id)).fetchOptional(Partner::of)
                .orElseThrow(() -> ProblemException.notFound("partner"));
    }

    static void requireVisible(Principal caller, UUID partner) {
        if (!caller.isOperator() && !(caller.type() == PrincipalType.PARTNER && caller.id().equals(partner))) {
            throw ProblemException.notFound("partner");
        }
    }

    private static void requireOperator(Principal caller) {
        if (!caller.isOperator()) {
            throw ProblemException.forbidden("Only the operator manages partners.");
        }
    }

    /** An active partner; 409 {@code partner_inactive} otherwise (a suspension applies to exchanges asked after it). */
    PartnerRecord active(DSLContext tx, UUID id) {
        PartnerRecord row = tx.selectFrom(PARTNER).where(PARTNER.ID.eq(id)).fetchOptional()
                .orElseThrow(() -> ProblemException.notFound("partner"));
        if (!ACTIVE.equals(row.getStatus())) {
            throw ProblemException.conflict("partner_inactive", "The partner is suspended.");
        }
        return row;
    }

    @Override
    public boolean isRegistered(UUID partnerId) {
        return dsl.fetchExists(PARTNER, PARTNER.ID.eq(partnerId));
    }

    @Override
    public boolean isActive(UUID partnerId) {
        return IS_ACTIVE.fetch(dsl, binds -> binds.uuid("partner", partnerId), row -> row.get(ACTIVE_PARTNER)).getFirst();
    }

    /** Every lease create asks (decision 108: rendered once). */
    private static final Field<Boolean> ACTIVE_PARTNER = DSL.field(DSL.exists(DSL.selectOne().from(PARTNER)
            .where(PARTNER.ID.eq(DSL.param("partner", UUID.class))).and(PARTNER.STATUS.eq(DSL.inline(ACTIVE)))));
    private static final RenderedStatement IS_ACTIVE = RenderedStatement.of(DSL.select(ACTIVE_PARTNER));

    @Override
    public Optional<String> webhookSecret(UUID partnerId) {
        return dsl.selectFrom(PARTNER).where(PARTNER.ID.eq(partnerId)).fetchOptional()
                .map(row -> new String(keys.open(row.getSecretKeyId(), row.getWebhookSecretSealed(),
                        context(partnerId, "webhook")), StandardCharsets.UTF_8));
    }

    Connection connection(UUID id) {
        PartnerRecord row = dsl.selectFrom(PARTNER).where(PARTNER.ID.eq(id)).fetchSingle();
        String secret = new String(keys.open(row.getSecretKeyId(), row.getSecretSealed(), context(id, "auth")),
                StandardCharsets.UTF_8);
        return new Connection(id, URI.create(row.getApiBaseUrl()), row.getAuthType(),
                row.getTokenUrl() == null ? null : URI.create(row.getTokenUrl()), row.getAuthClientId(), secret,
                Set.copyOf(List.of(row.getAllowedHosts())));
    }

    // ---- member links (the customer's consent: a customer-bound token)

    record Link(UUID partnerId, String memberId, java.time.OffsetDateTime createdAt) {
        static Link of(PartnerMemberLinkRecord row) {
            return new Link(row.getPartnerId(), row.getMemberId(), row.getCreatedAt());
        }
    }

    /**
     * Links the customer the token acts for to a member id at the partner. A partner's own customer-bound token
     * links only to itself. Linking the same member again answers the link; another member or customer is a 409.
     */
    Link link(Principal caller, UUID partnerId, String memberId) {
        UUID customer = customerOf(caller);
        if (caller.type() == PrincipalType.PARTNER && !caller.id().equals(partnerId)) {
            throw ProblemException.notFound("partner");
        }
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            active(db, partnerId);
            int inserted = db.insertInto(PARTNER_MEMBER_LINK)
                    .set(PARTNER_MEMBER_LINK.CUSTOMER_ID, customer)
                    .set(PARTNER_MEMBER_LINK.PARTNER_ID, partnerId)
                    .set(PARTNER_MEMBER_LINK.MEMBER_ID, memberId)
                    .onConflictDoNothing().execute();
            PartnerMemberLinkRecord row = db.selectFrom(PARTNER_MEMBER_LINK)
                    .where(PARTNER_MEMBER_LINK.CUSTOMER_ID.eq(customer)).and(PARTNER_MEMBER_LINK.PARTNER_ID.eq(partnerId))
                    .fetchOptional().orElse(null);
            if (row == null || !row.getMemberId().equals(memberId)) {
                throw ProblemException.conflict("member_already_linked", inserted == 0 && row != null
                        ? "The customer is linked to another member of this partner; remove that link first."
                        : "This member is linked to another customer.");
            }
            return Link.of(row);
        });
    }

    List<Link> links(Principal caller) {
        UUID customer = customerOf(caller);
        var query = dsl.selectFrom(PARTNER_MEMBER_LINK).where(PARTNER_MEMBER_LINK.CUSTOMER_ID.eq(customer));
        if (caller.type() == PrincipalType.PARTNER) {
            query = query.and(PARTNER_MEMBER_LINK.PARTNER_ID.eq(caller.id()));
        }
        return query.orderBy(PARTNER_MEMBER_LINK.CREATED_AT, PARTNER_MEMBER_LINK.PARTNER_ID).fetch(Link::of);
    }

    void unlink(Principal caller, UUID partnerId) {
        UUID customer = customerOf(caller);
        if (caller.type() == PrincipalType.PARTNER && !caller.id().equals(partnerId)) {
            throw ProblemException.notFound("partner link");
        }
        if (dsl.deleteFrom(PARTNER_MEMBER_LINK).where(PARTNER_MEMBER_LINK.CUSTOMER_ID.eq(customer))
                .and(PARTNER_MEMBER_LINK.PARTNER_ID.eq(partnerId)).execute() == 0) {
            throw ProblemException.notFound("partner link");
        }
    }

    Optional<String> memberOf(DSLContext tx, UUID partnerId, UUID customer) {
        return tx.select(PARTNER_MEMBER_LINK.MEMBER_ID).from(PARTNER_MEMBER_LINK)
                .where(PARTNER_MEMBER_LINK.CUSTOMER_ID.eq(customer)).and(PARTNER_MEMBER_LINK.PARTNER_ID.eq(partnerId))
                .fetchOptional(PARTNER_MEMBER_LINK.MEMBER_ID);
    }

    Optional<UUID> customerOf(DSLContext tx, UUID partnerId, String memberId) {
        return tx.select(PARTNER_MEMBER_LINK.CUSTOMER_ID).from(PARTNER_MEMBER_LINK)
                .where(PARTNER_MEMBER_LINK.PARTNER_ID.eq(partnerId)).and(PARTNER_MEMBER_LINK.MEMBER_ID.eq(memberId))
                .fetchOptional(PARTNER_MEMBER_LINK.CUSTOMER_ID);
    }

    static UUID customerOf(Principal caller) {
        return caller.customer().orElseThrow(() -> new ProblemException(403, "customer_required", "Forbidden",
                "Links and outbound exchanges need a token acting for the customer."));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] context(UUID partner, String secret) {
        return ("partner:" + partner + ":" + secret).getBytes(StandardCharsets.UTF_8);
    }
}
