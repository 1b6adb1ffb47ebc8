package dev.marketplace.server.merchants;

import static dev.marketplace.server.platform.http.JsonP.JSON;
import static dev.marketplace.schema.Tables.MERCHANT;
import static dev.marketplace.schema.Tables.MERCHANT_STATUS_CHANGE;

import dev.marketplace.schema.tables.records.MerchantRecord;
import dev.marketplace.schema.tables.records.MerchantStatusChangeRecord;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.DomainFact;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.FunctionRows;
import dev.marketplace.server.platform.persistence.RenderedStatement;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Tenancy;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The merchant and merchant_status_change tables. Every method runs in the caller's transaction ({@code db});
 * reads on behalf of a principal go through {@link Tenancy}: a merchant row is owned by the merchant itself.
 * The contact phone and the street address are sealed at rest under the current PII key (V16).
 */
final class MerchantRepository {

    /** The merchant's category of goods must exist (see V3 migration). */
    static final String CATEGORY_CONSTRAINT = "merchant_category_fkey";

    private final PiiKeys piiKeys;

    MerchantRepository(PiiKeys piiKeys) {
        this.piiKeys = piiKeys;
    }

    private static Condition visibleTo(Principal viewer) {
        return Tenancy.visibleTo(viewer, DSL.inline(PrincipalType.MERCHANT.wireName()), MERCHANT.ID);
    }

    Optional<Merchant> find(DSLContext db, Principal viewer, UUID id) {
        return db.selectFrom(MERCHANT).where(MERCHANT.ID.eq(id)).and(visibleTo(viewer))
                .fetchOptional(this::toMerchant);
    }

    Optional<Merchant> findForUpdate(DSLContext db, Principal viewer, UUID id) {
        return db.selectFrom(MERCHANT).where(MERCHANT.ID.eq(id)).and(visibleTo(viewer)).forUpdate()
                .fetchOptional(this::toMerchant);
    }

    Optional<MerchantStatus> statusOf(DSLContext db, UUID id) {
        return db.select(MERCHANT.STATUS).from(MERCHANT).where(MERCHANT.ID.eq(id))
                .fetchOptional(MERCHANT.STATUS).flatMap(MerchantStatus::fromWireName);
    }

    /**
     * Every cart read, checkout and lease create runs it: rendered once (decision 108), through V112's function, which
     * PostgreSQL plans once per connection (sent as itself, it was planned anew on every execution: decision 135).
     */
    private static final RenderedStatement IDS_IN_STATUS = RenderedStatement.of(FunctionRows.select(
            List.of(MERCHANT.ID), "merchants_in_status", DSL.param("ids", SQLDataType.UUID.array()),
            DSL.param("status", String.class)));

    Set<UUID> idsInStatus(DSLContext db, Collection<UUID> ids, MerchantStatus status) {
        return new HashSet<>(IDS_IN_STATUS.fetch(db, binds -> binds.uuids("ids", ids).text("status", status.wireName()),
                row -> row.get(MERCHANT.ID)));
    }

    /** Merchants in application order (created, id), optionally in one status; {@code page.fetchSize()} rows at most. */
    List<Merchant> list(DSLContext db, Principal viewer, Optional<MerchantStatus> status, PageRequest page) {
        Condition inStatus = status.map(s -> MERCHANT.STATUS.eq(s.wireName())).orElse(DSL.noCondition());
        Condition after = page.after()
                .map(cursor -> DSL.row(MERCHANT.CREATED_AT, MERCHANT.ID)
                        .gt(OffsetDateTime.parse(cursor.keys().get(0)), UUID.fromString(cursor.keys().get(1))))
                .orElse(DSL.noCondition());
        return db.selectFrom(MERCHANT)
                .where(visibleTo(viewer)).and(inStatus).and(after)
                .orderBy(MERCHANT.CREATED_AT, MERCHANT.ID)
                .limit(page.fetchSize())
                .fetch(this::toMerchant);
    }

    static Cursor cursorOf(Merchant merchant) {
        return Cursor.of(merchant.createdAt().toString(), merchant.id().toString());
    }

    Merchant insert(DSLContext db, UUID id, MerchantApplication application, MerchantPlan plan,
                    List<AdmissionFinding> findings) {
        return db.insertInto(MERCHANT)
                .set(MERCHANT.ID, id)
                .set(MERCHANT.LEGAL_NAME, application.legalName())
                .set(MERCHANT.CONTACT_NAME, application.contact().name())
                .set(MERCHANT.CONTACT_EMAIL, application.contact().email())
                .set(MERCHANT.ADDRESS_COUNTRY, application.address().country())
                .set(MERCHANT.PERSONAL_DATA_SEALED, seal(id, application.contact().phone(), application.address()))
                .set(MERCHANT.PII_KEY_ID, piiKeys.currentId())
                .set(MERCHANT.YEARS_IN_BUSINESS, application.yearsInBusiness())
                .set(MERCHANT.CATEGORY_ID, application.categoryId())
                .set(MERCHANT.PLAN_CODE, plan.code())
                .set(MERCHANT.PLAN_MONTHLY_FEE_AMOUNT, plan.monthlyFee().amount())
                .set(MERCHANT.PLAN_MONTHLY_FEE_CURRENCY, plan.monthlyFee().currency())
                .set(MERCHANT.DEPOSIT_AMOUNT, application.deposit().amount())
                .set(MERCHANT.DEPOSIT_CURRENCY, application.deposit().currency())
                .set(MERCHANT.ADMISSION_FINDINGS, findingsJson(findings))
                .set(MERCHANT.STATUS, MerchantStatus.PENDING.wireName())
                .returning()
                .fetchOne(this::toMerchant);
    }

    Merchant updateStatus(DSLContext db, UUID id, MerchantStatus status) {
        return db.update(MERCHANT)
                .set(MERCHANT.STATUS, status.wireName())
                .set(MERCHANT.VERSION, MERCHANT.VERSION.plus(1))
                .set(MERCHANT.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(MERCHANT.ID.eq(id))
                .returning()
                .fetchOne(this::toMerchant);
    }

    /**
     * Seals up to {@code limit} merchants' personal data still plain (rows from before V16) or sealed under a
     * retired PII key, under the current key (SKIP LOCKED, so several nodes share the work); how many.
     */
    int sealPersonalData(DSLContext db, int limit) {
        List<MerchantRecord> rows = db.selectFrom(MERCHANT).where(MERCHANT.PII_KEY_ID.isDistinctFrom(piiKeys.currentId()))
                .limit(limit).forUpdate().skipLocked().fetch();
        for (MerchantRecord row : rows) {
            Merchant merchant = toMerchant(row);
            row.setPersonalDataSealed(seal(row.getId(), merchant.contact().phone(), merchant.address()));
            row.setPiiKeyId(piiKeys.currentId());
            row.setContactPhone(null);
            row.setAddressPostalCode(null);
            row.setAddressRegion(null);
            row.setAddressLocality(null);
            row.setAddressLine1(null);
            row.setAddressLine2(null);
            row.store(MERCHANT.PERSONAL_DATA_SEALED, MERCHANT.PII_KEY_ID, MERCHANT.CONTACT_PHONE,
                    MERCHANT.ADDRESS_POSTAL_CODE, MERCHANT.ADDRESS_REGION, MERCHANT.ADDRESS_LOCALITY,
                    MERCHANT.ADDRESS_LINE1, MERCHANT.ADDRESS_LINE2);
        }
        return rows.size();
    }

    void recordStatusChange(DSLContext db, UUID merchantId, MerchantStatus from, MerchantStatus to,
                            List<String> reasons, Principal by) {
        long changeId = db.insertInto(MERCHANT_STATUS_CHANGE)
                .set(MERCHANT_STATUS_CHANGE.MERCHANT_ID, merchantId)
                .set(MERCHANT_STATUS_CHANGE.FROM_STATUS, from == null ? null : from.wireName())
                .set(MERCHANT_STATUS_CHANGE.TO_STATUS, to.wireName())
                .set(MERCHANT_STATUS_CHANGE.REASONS, reasons.toArray(String[]::new))
                // The server's own change (a service-level freeze) has no client: its subject, system:<reason>.
                .set(MERCHANT_STATUS_CHANGE.CHANGED_BY_CLIENT_ID, by.isSystem() ? by.subject() : by.clientId())
                .set(MERCHANT_STATUS_CHANGE.CHANGED_BY_PRINCIPAL_TYPE, by.type().wireName())
                .set(MERCHANT_STATUS_CHANGE.CHANGED_BY_PRINCIPAL_ID, by.id())
                .returning(MERCHANT_STATUS_CHANGE.ID)
                .fetchSingle().getId();
        JsonObjectBuilder payload = JsonP.JSON.createObjectBuilder().add("statusChangeId", Long.toString(changeId))
                .add("toStatus", to.wireName()).add("reasons", JsonP.JSON.createArrayBuilder(reasons));
        if (from != null) {
            payload.add("fromStatus", from.wireName());
        }
        DomainEvents.append(db, new DomainFact(EventType.MERCHANT_STATUS_CHANGED, "merchant_status_change:" + changeId,
                new Parties(null, null, merchantId, null), payload.build()));
    }

    /** A merchant's status changes, oldest first; {@code page.fetchSize()} rows at most. */
    List<MerchantStatusChange> history(DSLContext db, UUID merchantId, PageRequest page) {
        Condition after = page.after()
                .map(cursor -> MERCHANT_STATUS_CHANGE.ID.gt(Long.parseLong(cursor.keys().get(0))))
                .orElse(DSL.noCondition());
        return db.selectFrom(MERCHANT_STATUS_CHANGE)
                .where(MERCHANT_STATUS_CHANGE.MERCHANT_ID.eq(merchantId)).and(after)
                .orderBy(MERCHANT_STATUS_CHANGE.ID)
                .limit(page.fetchSize())
                .fetch(MerchantRepository::toStatusChange);
    }

    static Cursor cursorOf(MerchantStatusChange change) {
        return Cursor.of(Long.toString(change.sequence()));
    }

    private static JSONB findingsJson(List<AdmissionFinding> findings) {
        JsonArrayBuilder array = JSON.createArrayBuilder();
        findings.forEach(finding -> array.add(JSON.createObjectBuilder()
                .add("rule", finding.rule()).add("message", finding.message())));
        return JSONB.jsonb(array.build().toString());
    }

    private static List<AdmissionFinding> findings(JSONB json) {
        try (var reader = JSON.createReader(new StringReader(json.data()))) {
            return reader.readArray().getValuesAs(JsonObject.class).stream()
                    .map(finding -> new AdmissionFinding(finding.getString("rule"), finding.getString("message")))
                    .toList();
        }
    }

    private Merchant toMerchant(MerchantRecord row) {
        PersonalData personal = row.getPiiKeyId() == null
                ? new PersonalData(row.getContactPhone(), row.getAddressPostalCode(), row.getAddressRegion(),
                        row.getAddressLocality(), row.getAddressLine1(), row.getAddressLine2())
                : open(row);
        return new Merchant(row.getId(), row.getLegalName(),
                new Merchant.Contact(row.getContactName(), row.getContactEmail(), personal.phone()),
                new Merchant.Address(row.getAddressCountry(), personal.postalCode(), personal.region(),
                        personal.locality(), personal.line1(), personal.line2()),
                row.getYearsInBusiness(), row.getCategoryId(),
                new MerchantPlan(row.getPlanCode(), Money.of(row.getPlanMonthlyFeeAmount(), row.getPlanMonthlyFeeCurrency())),
                Money.of(row.getDepositAmount(), row.getDepositCurrency()),
                MerchantStatus.fromWireName(row.getStatus()).orElseThrow(),
                findings(row.getAdmissionFindings()), row.getVersion(), row.getCreatedAt(), row.getUpdatedAt(),
                row.getHandlingDays() == null ? null : row.getHandlingDays().intValue(),
                warning(row.getServiceLevelWarning()));
    }

    Merchant updateHandlingDays(DSLContext db, UUID id, Integer days) {
        return db.update(MERCHANT)
                .set(MERCHANT.HANDLING_DAYS, days == null ? null : days.shortValue())
                .set(MERCHANT.VERSION, MERCHANT.VERSION.plus(1))
                .set(MERCHANT.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(MERCHANT.ID.eq(id))
                .returning()
                .fetchOne(this::toMerchant);
    }

    /** The handling days of those of these merchants that set their own. */
    Map<UUID, Integer> handlingDays(DSLContext db, Collection<UUID> ids) {
        Map<UUID, Integer> days = new HashMap<>();
        HANDLING_DAYS.forEach(db, binds -> binds.uuids("merchants", ids),
                row -> days.put(row.get(MERCHANT.ID), row.get(MERCHANT.HANDLING_DAYS).intValue()));
        return days;
    }

    /**
     * Read by every payment and partner order: rendered once (decision 115), through V112's function, planned once per
     * connection (decision 135).
     */
    private static final RenderedStatement HANDLING_DAYS = RenderedStatement.of(FunctionRows.select(
            List.of(MERCHANT.ID, MERCHANT.HANDLING_DAYS), "merchants_handling_days",
            DSL.param("merchants", SQLDataType.UUID.array())));

    /** The warning in force, the row locked; empty when not warned (or no such merchant). */
    Optional<Merchant.ServiceLevelWarning> warningForUpdate(DSLContext db, UUID id) {
        return db.select(MERCHANT.SERVICE_LEVEL_WARNING).from(MERCHANT).where(MERCHANT.ID.eq(id)).forUpdate()
                .fetchOptional(MERCHANT.SERVICE_LEVEL_WARNING).map(MerchantRepository::warning);
    }

    /** Sets (or, with null, clears) the warning; a change of the merchant resource, so its version moves. */
    void updateWarning(DSLContext db, UUID id, Merchant.ServiceLevelWarning warning) {
        db.update(MERCHANT)
                .set(MERCHANT.SERVICE_LEVEL_WARNING, warning == null ? null : JSONB.jsonb(warningJson(warning).toString()))
                .set(MERCHANT.VERSION, MERCHANT.VERSION.plus(1))
                .set(MERCHANT.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(MERCHANT.ID.eq(id))
                .execute();
    }

    static JsonObject warningJson(Merchant.ServiceLevelWarning warning) {
        JsonArrayBuilder measures = JSON.createArrayBuilder();
        warning.measures().forEach(m -> measures.add(JSON.createObjectBuilder().add("name", m.name())
                .add("due", m.due()).add("inTime", m.inTime()).add("shareBasisPoints", m.shareBasisPoints())
                .add("thresholdBasisPoints", m.thresholdBasisPoints())));
        return JSON.createObjectBuilder().add("measures", measures).add("from", warning.from().toString())
                .add("to", warning.to().toString()).add("warnedAt", warning.warnedAt().toString()).build();
    }

    private static Merchant.ServiceLevelWarning warning(JSONB json) {
        if (json == null) {
            return null;
        }
        try (var reader = JSON.createReader(new StringReader(json.data()))) {
            JsonObject object = reader.readObject();
            return new Merchant.ServiceLevelWarning(object.getJsonArray("measures").getValuesAs(JsonObject.class)
                    .stream().map(m -> new Merchant.WarnedMeasure(m.getString("name"), m.getInt("due"),
                            m.getInt("inTime"), m.getInt("shareBasisPoints"), m.getInt("thresholdBasisPoints")))
                    .toList(), OffsetDateTime.parse(object.getString("from")),
                    OffsetDateTime.parse(object.getString("to")), OffsetDateTime.parse(object.getString("warnedAt")));
        }
    }

    /** What V16 seals: the contact's phone and the address below the country. */
    private record PersonalData(String phone, String postalCode, String region, String locality, String line1,
                                String line2) {
    }

    private byte[] seal(UUID merchantId, String phone, Merchant.Address address) {
        JsonObjectBuilder json = JSON.createObjectBuilder().add("phone", phone)
                .add("postalCode", address.postalCode()).add("region", address.region())
                .add("locality", address.locality()).add("line1", address.line1());
        if (address.line2() != null) {
            json.add("line2", address.line2());
        }
        return piiKeys.seal(json.build().toString().getBytes(StandardCharsets.UTF_8), personalDataContext(merchantId));
    }

    private PersonalData open(MerchantRecord row) {
        byte[] json = piiKeys.open(row.getPiiKeyId(), row.getPersonalDataSealed(), personalDataContext(row.getId()));
        try (var reader = JSON.createReader(new StringReader(new String(json, StandardCharsets.UTF_8)))) {
            JsonObject object = reader.readObject();
            return new PersonalData(object.getString("phone"), object.getString("postalCode"),
                    object.getString("region"), object.getString("locality"), object.getString("line1"),
                    object.getString("line2", null));
        }
    }

    /** Binds the sealed data to its merchant, so a sealed value copied to another row does not open. */
    private static byte[] personalDataContext(UUID merchantId) {
        return ("merchant.personal_data:" + merchantId).getBytes(StandardCharsets.UTF_8);
    }

    private static MerchantStatusChange toStatusChange(MerchantStatusChangeRecord row) {
        return new MerchantStatusChange(row.getId(),
                row.getFromStatus() == null ? null : MerchantStatus.fromWireName(row.getFromStatus()).orElseThrow(),
                MerchantStatus.fromWireName(row.getToStatus()).orElseThrow(),
                Arrays.asList(row.getReasons()), row.getChangedByClientId(),
                PrincipalType.fromWireName(row.getChangedByPrincipalType()).orElseThrow(),
                row.getChangedByPrincipalId(), row.getChangedAt());
    }
}
