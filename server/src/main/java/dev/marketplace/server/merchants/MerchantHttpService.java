package dev.marketplace.server.merchants;

import dev.marketplace.server.clients.ApiClientHttpService.ApiClientCredentials;
import dev.marketplace.server.platform.contact.EmailAddress;
import dev.marketplace.server.platform.contact.PhoneNumber;
import dev.marketplace.server.platform.contact.PostalAddress;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.http.VersionPreconditions;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** {@code /v1/merchants}: the HTTP face of {@link MerchantService}. Parses, delegates, renders; no rules here. */
public final class MerchantHttpService implements HttpService {

    public static final String PATH = "/v1/merchants";
    private static final Set<String> STATUSES = Arrays.stream(MerchantStatus.values())
            .map(MerchantStatus::wireName).collect(Collectors.toUnmodifiableSet());
    private static final int REASON_MAX = 1000;
    private static final int REJECTION_REASONS_MAX = 20;

    private final MerchantService merchants;

    public MerchantHttpService(MerchantService merchants) {
        this.merchants = merchants;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::apply)
                .get("/{merchantId}", this::get)
                .get("/{merchantId}/history", this::history)
                .post("/{merchantId}/approve", this::approve)
                .post("/{merchantId}/reject", this::reject)
                .put("/{merchantId}/handling-time", this::putHandlingTime);
        for (MerchantAction action : List.of(MerchantAction.SUSPEND, MerchantAction.FREEZE,
                MerchantAction.REACTIVATE, MerchantAction.CLOSE)) {
            rules.post("/{merchantId}/" + action.pathSegment(), (req, res) -> changeStatus(req, res, action));
        }
    }

    /** The JSON representation (see {@code Merchant} in the OpenAPI document). */
    public record MerchantResource(UUID id, String legalName, Merchant.Contact contact, Merchant.Address address,
                                   int yearsInBusiness, UUID categoryId, PlanResource plan, Money deposit,
                                   String status, List<AdmissionFinding> admissionFindings, long version,
                                   OffsetDateTime createdAt, OffsetDateTime updatedAt, Integer handlingDays,
                                   Merchant.ServiceLevelWarning serviceLevelWarning) {
        static MerchantResource of(Merchant merchant) {
            return new MerchantResource(merchant.id(), merchant.legalName(), merchant.contact(), merchant.address(),
                    merchant.yearsInBusiness(), merchant.categoryId(),
                    new PlanResource(merchant.plan().code(), merchant.plan().monthlyFee()), merchant.deposit(),
                    merchant.status().wireName(), merchant.admissionFindings(), merchant.version(),
                    merchant.createdAt(), merchant.updatedAt(), merchant.handlingDays(), merchant.warning());
        }
    }

    private void putHandlingTime(ServerRequest req, ServerResponse res) {
        UUID id = merchantId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "days");
        Integer days = body.optionalInt("days", 0, MerchantService.MAX_HANDLING_DAYS).orElse(null);
        body.throwIfInvalid();
        sendMerchant(res, merchants.setHandlingDays(Authentication.principal(req), id, days));
    }

    public record PlanResource(String code, Money monthlyFee) {
    }

    public record MerchantPage(List<MerchantResource> items, String nextCursor) {
    }

    public record MerchantApproved(MerchantResource merchant, ApiClientCredentials credentials) {
    }

    public record ActorResource(String clientId, String principalType, UUID principalId) {
    }

    public record HistoryEntryResource(String fromStatus, String toStatus, List<String> reasons,
                                       ActorResource changedBy, OffsetDateTime changedAt) {
        static HistoryEntryResource of(MerchantStatusChange change) {
            return new HistoryEntryResource(change.fromStatus() == null ? null : change.fromStatus().wireName(),
                    change.toStatus().wireName(), change.reasons(),
                    new ActorResource(change.changedByClientId(), change.changedByPrincipalType().wireName(),
                            change.changedByPrincipalId()),
                    change.changedAt());
        }
    }

    public record HistoryPage(List<HistoryEntryResource> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "status", "limit", "cursor");
        Optional<MerchantStatus> status = query.oneOf("status", STATUSES).flatMap(MerchantStatus::fromWireName);
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Page<MerchantResource> result = merchants.list(Authentication.principal(req), status, page)
                .map(MerchantResource::of);
        JsonResponses.ok(res, new MerchantPage(result.items(), result.nextCursor()));
    }

    private void apply(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "legalName", "contact", "address",
                "yearsInBusiness", "categoryId", "plan", "deposit");
        String legalName = body.requiredString("legalName", 1, 200);
        Merchant.Contact contact = contact(body.requiredObject("contact", "name", "email", "phone"));
        Merchant.Address address = address(body.requiredObject("address",
                "country", "postalCode", "region", "locality", "line1", "line2"));
        Integer years = body.requiredInt("yearsInBusiness", 0, 1000);
        UUID categoryId = body.requiredUuid("categoryId");
        String plan = body.requiredString("plan", 1, 100);
        Money deposit = body.requiredMoney("deposit", 0);
        body.throwIfInvalid();
        Merchant created = merchants.apply(Authentication.principal(req), new MerchantApplication(legalName, contact,
                address, years, categoryId, plan, deposit));
        res.header(HeaderNames.LOCATION, PATH + "/" + created.id());
        VersionPreconditions.sendEtag(res, created.version());
        JsonResponses.send(res, Status.CREATED_201, MerchantResource.of(created));
    }

    private static Merchant.Contact contact(JsonFields contact) {
        String name = contact.requiredString("name", 1, 100);
        EmailAddress email = EmailAddress.required(contact, "email");
        PhoneNumber phone = PhoneNumber.required(contact, "phone");
        return name == null || email == null || phone == null ? null
                : new Merchant.Contact(name, email.value(), phone.value());
    }

    private static Merchant.Address address(JsonFields address) {
        PostalAddress postal = PostalAddress.read(address, "locality");
        return postal == null ? null : new Merchant.Address(postal.country(), postal.postalCode(), postal.region(),
                postal.locality(), postal.line1(), postal.line2());
    }

    private void get(ServerRequest req, ServerResponse res) {
        sendMerchant(res, merchants.get(Authentication.principal(req), merchantId(req)));
    }

    private void history(ServerRequest req, ServerResponse res) {
        UUID id = merchantId(req);
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.POSITION);
        query.throwIfInvalid();
        Page<HistoryEntryResource> result = merchants.history(Authentication.principal(req), id, page)
                .map(HistoryEntryResource::of);
        JsonResponses.ok(res, new HistoryPage(result.items(), result.nextCursor()));
    }

    private void approve(ServerRequest req, ServerResponse res) {
        UUID id = merchantId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "version");
        ExpectedVersion expected = expectedVersion(req, body);
        MerchantService.Approval approval = merchants.approve(Authentication.principal(req), id, expected);
        VersionPreconditions.sendEtag(res, approval.merchant().version());
        JsonResponses.ok(res, new MerchantApproved(MerchantResource.of(approval.merchant()),
                ApiClientCredentials.of(approval.credentials())));
    }

    private void reject(ServerRequest req, ServerResponse res) {
        UUID id = merchantId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reasons", "version");
        List<String> reasons = body.requiredStrings("reasons", REJECTION_REASONS_MAX, 1, REASON_MAX);
        ExpectedVersion expected = expectedVersion(req, body);
        sendMerchant(res, merchants.transition(Authentication.principal(req), id, MerchantAction.REJECT, reasons, expected));
    }

    private void changeStatus(ServerRequest req, ServerResponse res, MerchantAction action) {
        UUID id = merchantId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "reason", "version");
        String reason = body.requiredString("reason", 1, REASON_MAX);
        ExpectedVersion expected = expectedVersion(req, body);
        sendMerchant(res, merchants.transition(Authentication.principal(req), id, action, List.of(reason), expected));
    }

    /** Reads {@code version} (the last field of every status change body), ends validation, and demands a version. */
    private static ExpectedVersion expectedVersion(ServerRequest req, JsonFields body) {
        Optional<Long> version = body.optionalLong("version", 1, Long.MAX_VALUE);
        body.throwIfInvalid();
        return VersionPreconditions.requireExpectedVersion(req, version);
    }

    private static void sendMerchant(ServerResponse res, Merchant merchant) {
        VersionPreconditions.sendEtag(res, merchant.version());
        JsonResponses.ok(res, MerchantResource.of(merchant));
    }

    /** A malformed id cannot name a merchant: answered like an unknown one. */
    private static UUID merchantId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("merchantId"))
                .orElseThrow(() -> ProblemException.notFound("merchant"));
    }
}
