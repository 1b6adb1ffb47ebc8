package dev.marketplace.server.merchants;

import static dev.marketplace.schema.Tables.MERCHANT;
import static dev.marketplace.schema.Tables.MERCHANT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.MarketplaceException.ConflictException;
import dev.marketplace.sdk.MarketplaceException.NotFoundException;
import dev.marketplace.sdk.MarketplaceException.PermissionException;
import dev.marketplace.sdk.MarketplaceException.ValidationException;
import dev.marketplace.sdk.RequestOptions;
import dev.marketplace.sdk.api.MerchantsApi;
import dev.marketplace.sdk.api.MerchantsApi.ListMerchantHistoryParams;
import dev.marketplace.sdk.api.MerchantsApi.ListMerchantsParams;
import dev.marketplace.sdk.invoker.ApiResponse;
import dev.marketplace.sdk.model.AdmissionFinding;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.FieldError;
import dev.marketplace.sdk.model.Merchant;
import dev.marketplace.sdk.model.MerchantAddress;
import dev.marketplace.sdk.model.MerchantApplication;
import dev.marketplace.sdk.model.MerchantApproval;
import dev.marketplace.sdk.model.MerchantApproved;
import dev.marketplace.sdk.model.MerchantContact;
import dev.marketplace.sdk.model.MerchantHistoryEntry;
import dev.marketplace.sdk.model.MerchantPage;
import dev.marketplace.sdk.model.MerchantRejection;
import dev.marketplace.sdk.model.MerchantStatus;
import dev.marketplace.sdk.model.MerchantStatusChange;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Scope;
import dev.marketplace.schema.tables.records.MerchantRecord;
import dev.marketplace.server.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Merchant onboarding through the generated SDK: application, review, status changes, history and tenancy. */
class MerchantApiIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static MerchantsApi merchants;
    private static Category food;

    @BeforeAll
    static void createCategory() throws Exception {
        merchants = server.client().merchants();
        food = server.client().categories().createCategory(
                new CategoryCreate().name("Food").commissionRateBasisPoints(1000));
    }

    @Test
    void anApplicationIsRecordedAsPendingWithThePlanAndDepositInForce() throws Exception {
        ApiResponse<Merchant> response = merchants.applyMerchantWithHttpInfo(application("Kyoto Tea Co., Ltd."));
        Merchant merchant = response.getData();

        assertThat(response.getStatusCode()).isEqualTo(201);
        assertThat(response.getHeaders().get("location")).containsExactly("/v1/merchants/" + merchant.getId());
        assertThat(merchant.getStatus()).isEqualTo(MerchantStatus.PENDING);
        assertThat(merchant.getVersion()).isEqualTo(1L);
        assertThat(merchant.getLegalName()).isEqualTo("Kyoto Tea Co., Ltd.");
        assertThat(merchant.getContact().getEmail()).isEqualTo("hanako@kyoto-tea.example");
        assertThat(merchant.getAddress().getLine2()).isNull();
        assertThat(merchant.getCategoryId()).isEqualTo(food.getId());
        assertThat(merchant.getPlan().getCode()).isEqualTo("standard");
        assertThat(merchant.getPlan().getMonthlyFee()).isEqualTo(new Money().amount(50_000L).currency("JPY"));
        assertThat(merchant.getDeposit()).isEqualTo(new Money().amount(500_000L).currency("JPY"));
        assertThat(merchant.getAdmissionFindings()).isEmpty();
        assertThat(merchants.getMerchant(merchant.getId())).isEqualTo(merchant);
        assertThat(merchant.getContact().getPhone()).isEqualTo("+81 75-123-4567");
        assertThat(merchant.getAddress().getLine1()).isEqualTo("1-2-3 Shijo-dori");
        MerchantRecord row = server.db().selectFrom(MERCHANT).where(MERCHANT.ID.eq(merchant.getId())).fetchOne();
        assertThat(row.getContactPhone()).as("the phone is sealed, not stored plain").isNull();
        assertThat(row.getAddressLine1()).as("the street address is sealed, not stored plain").isNull();
        assertThat(row.getPiiKeyId()).isNotNull();
        assertThat(new String(row.getPersonalDataSealed(), StandardCharsets.ISO_8859_1)).doesNotContain("75-123-4567", "Shijo");

        List<MerchantHistoryEntry> history = merchants.listMerchantHistory(merchant.getId()).getItems();
        assertThat(history).singleElement().satisfies(entry -> {
            assertThat(entry.getFromStatus()).isNull();
            assertThat(entry.getToStatus()).isEqualTo(MerchantStatus.PENDING);
            assertThat(entry.getChangedBy().getClientId()).isEqualTo(TestServer.OPERATOR_CLIENT_ID);
            assertThat(entry.getChangedBy().getPrincipalType()).isEqualTo(PrincipalType.OPERATOR);
        });
    }

    @Test
    void anApplicationBreakingAdmissionRulesIsRecordedWithFindingsAndCanOnlyBeRejected() throws Exception {
        Merchant young = merchants.applyMerchant(application("Fresh Start KK").yearsInBusiness(1)
                .deposit(new Money().amount(100_000L).currency("JPY")));
        Merchant wrongCurrency = merchants.applyMerchant(application("Dollar Deposit Inc.")
                .deposit(new Money().amount(1_000_000L).currency("USD")));

        assertThat(young.getStatus()).isEqualTo(MerchantStatus.PENDING);
        assertThat(young.getAdmissionFindings()).extracting(AdmissionFinding::getRule)
                .containsExactly("min_years_in_business", "min_deposit");
        assertThat(young.getAdmissionFindings().getFirst().getMessage()).contains("1 years").contains("at least 3");
        assertThat(wrongCurrency.getAdmissionFindings()).extracting(AdmissionFinding::getRule).containsExactly("min_deposit");

        ConflictException refused = catchThrowableOfType(ConflictException.class,
                () -> merchants.approveMerchant(young.getId(), new MerchantApproval().version(1L)));
        assertThat(refused.code()).isEqualTo(ErrorCode.ADMISSION_RULES_NOT_MET);
        assertThat(merchants.getMerchant(young.getId()).getStatus()).isEqualTo(MerchantStatus.PENDING);

        Merchant rejected = merchants.rejectMerchant(young.getId(),
                new MerchantRejection().reasons(List.of("Fewer than 3 years in business")).version(1L));
        assertThat(rejected.getStatus()).isEqualTo(MerchantStatus.REJECTED);
    }

    @Test
    void approvalActivatesTheMerchantAndIssuesWorkingCredentialsOnce() throws Exception {
        Merchant applied = merchants.applyMerchant(application("Osaka Knives KK"));

        MerchantApproved approved = merchants.approveMerchant(applied.getId(), new MerchantApproval().version(1L));

        assertThat(approved.getMerchant().getStatus()).isEqualTo(MerchantStatus.ACTIVE);
        assertThat(approved.getMerchant().getVersion()).isEqualTo(2L);
        assertThat(approved.getCredentials().getClient().getPrincipalType()).isEqualTo(PrincipalType.MERCHANT);
        assertThat(approved.getCredentials().getClient().getPrincipalId()).isEqualTo(applied.getId());
        assertThat(approved.getCredentials().getClient().getScopes()).containsExactlyInAnyOrder(
                Scope.CATALOG_READ, Scope.CATALOG_WRITE, Scope.CLIENTS_READ, Scope.CLIENTS_WRITE, Scope.INVENTORY_READ,
                Scope.INVENTORY_WRITE, Scope.MERCHANTS_READ, Scope.ORDERS_READ, Scope.FULFILMENT_WRITE,
                Scope.SETTLEMENT_READ, Scope.WEBHOOKS_READ, Scope.WEBHOOKS_WRITE, Scope.POINTS_READ, Scope.POINTS_WRITE,
                Scope.DROPSHIP_READ, Scope.DROPSHIP_WRITE,
                Scope.REVIEWS_READ, Scope.REVIEWS_REPLY,
                Scope.PROMOTIONS_READ, Scope.PROMOTIONS_WRITE);

        MarketplaceClient asMerchant = clientOf(approved);
        assertThat(asMerchant.merchants().getMerchant(applied.getId())).isEqualTo(approved.getMerchant());
        assertThat(asMerchant.clients().listClients().getItems()).singleElement()
                .satisfies(client -> assertThat(client.getClientId()).isEqualTo(approved.getCredentials().getClient().getClientId()));
        String fetched = server.send(server.request("/v1/merchants/" + applied.getId()).GET().build()).body();
        assertThat(fetched).doesNotContain(approved.getCredentials().getClientSecret());
    }

    @Test
    void aRejectionRecordsItsReasons() throws Exception {
        Merchant applied = merchants.applyMerchant(application("Counterfeit Bags Ltd."));
        List<String> reasons = List.of("Trademark complaints from two brands", "Address could not be verified");

        Merchant rejected = merchants.rejectMerchant(applied.getId(),
                new MerchantRejection().reasons(reasons), RequestOptions.builder().ifMatch("\"1\"").build());

        assertThat(rejected.getStatus()).isEqualTo(MerchantStatus.REJECTED);
        MerchantHistoryEntry last = merchants.listMerchantHistory(applied.getId()).getItems().getLast();
        assertThat(last.getFromStatus()).isEqualTo(MerchantStatus.PENDING);
        assertThat(last.getToStatus()).isEqualTo(MerchantStatus.REJECTED);
        assertThat(last.getReasons()).isEqualTo(reasons);
    }

    @Test
    void anIllegalTransitionIsAConflictNamingTheCurrentState() throws Exception {
        Merchant pending = merchants.applyMerchant(application("Not Yet KK"));

        ConflictException suspendPending = catchThrowableOfType(ConflictException.class, () -> merchants.suspendMerchant(
                pending.getId(), new MerchantStatusChange().reason("Late fees").version(1L)));
        assertThat(suspendPending.status()).isEqualTo(409);
        assertThat(suspendPending.code()).isEqualTo(ErrorCode.ILLEGAL_STATUS_TRANSITION);
        assertThat(suspendPending.problem().getCurrentState()).isEqualTo("pending");

        Merchant closed = merchants.closeMerchant(pending.getId(),
                new MerchantStatusChange().reason("Withdrew the application").version(1L));
        ConflictException approveClosed = catchThrowableOfType(ConflictException.class,
                () -> merchants.approveMerchant(pending.getId(), new MerchantApproval().version(closed.getVersion())));
        assertThat(approveClosed.problem().getCurrentState()).isEqualTo("closed");
        ConflictException closeClosed = catchThrowableOfType(ConflictException.class, () -> merchants.closeMerchant(
                pending.getId(), new MerchantStatusChange().reason("Again").version(closed.getVersion())));
        assertThat(closeClosed.code()).isEqualTo(ErrorCode.ILLEGAL_STATUS_TRANSITION);
        assertThat(merchants.getMerchant(pending.getId())).isEqualTo(closed);
    }

    @Test
    void suspensionFreezeReactivationAndClosureAreRecordedWithWhoAndWhy() throws Exception {
        Merchant merchant = approve(merchants.applyMerchant(application("Lifecycle KK"))).getMerchant();
        UUID id = merchant.getId();
        long frozenVersion = 5L;

        merchant = merchants.suspendMerchant(merchant.getId(),
                new MerchantStatusChange().reason("Plan fee 2 months overdue").version(merchant.getVersion()));
        assertThat(merchant.getStatus()).isEqualTo(MerchantStatus.SUSPENDED);
        merchant = merchants.reactivateMerchant(merchant.getId(),
                new MerchantStatusChange().reason("Fees paid").version(merchant.getVersion()));
        assertThat(merchant.getStatus()).isEqualTo(MerchantStatus.ACTIVE);
        merchant = merchants.freezeMerchant(merchant.getId(),
                new MerchantStatusChange().reason("Suspected counterfeit goods"),
                        RequestOptions.builder().ifMatch("\"" + merchant.getVersion() + "\"").build());
        assertThat(merchant.getStatus()).isEqualTo(MerchantStatus.FROZEN);
        assertThat(merchant.getVersion()).isEqualTo(frozenVersion);
        ConflictException suspendFrozen = catchThrowableOfType(ConflictException.class, () -> merchants.suspendMerchant(
                id, new MerchantStatusChange().reason("Double penalty").version(frozenVersion)));
        assertThat(suspendFrozen.problem().getCurrentState()).isEqualTo("frozen");
        merchant = merchants.reactivateMerchant(merchant.getId(),
                new MerchantStatusChange().reason("Investigation closed").version(merchant.getVersion()));
        merchant = merchants.closeMerchant(merchant.getId(),
                new MerchantStatusChange().reason("Contract ended").version(merchant.getVersion()));
        assertThat(merchant.getStatus()).isEqualTo(MerchantStatus.CLOSED);
        assertThat(merchant.getVersion()).isEqualTo(7L);

        List<MerchantHistoryEntry> history = new ArrayList<>();
        String cursor = null;
        do {
            var page = merchants.listMerchantHistory(merchant.getId(),
                    ListMerchantHistoryParams.builder().limit(2).cursor(cursor).build());
            history.addAll(page.getItems());
            cursor = page.getNextCursor();
        } while (cursor != null);
        assertThat(history).extracting(MerchantHistoryEntry::getToStatus).containsExactly(MerchantStatus.PENDING,
                MerchantStatus.ACTIVE, MerchantStatus.SUSPENDED, MerchantStatus.ACTIVE, MerchantStatus.FROZEN,
                MerchantStatus.ACTIVE, MerchantStatus.CLOSED);
        assertThat(history).extracting(MerchantHistoryEntry::getReasons).containsExactly(List.of(), List.of(),
                List.of("Plan fee 2 months overdue"), List.of("Fees paid"), List.of("Suspected counterfeit goods"),
                List.of("Investigation closed"), List.of("Contract ended"));
        assertThat(history).allSatisfy(entry -> {
            assertThat(entry.getChangedBy().getClientId()).isEqualTo(TestServer.OPERATOR_CLIENT_ID);
            assertThat(entry.getChangedBy().getPrincipalType()).isEqualTo(PrincipalType.OPERATOR);
            assertThat(entry.getChangedAt()).isNotNull();
        });
        assertThat(history.get(4).getFromStatus()).isEqualTo(MerchantStatus.ACTIVE);
    }

    @Test
    void aStaleVersionChangesNothing() throws Exception {
        Merchant merchant = approve(merchants.applyMerchant(application("Stale KK"))).getMerchant();

        ConflictException staleBody = catchThrowableOfType(ConflictException.class, () -> merchants.freezeMerchant(
                merchant.getId(), new MerchantStatusChange().reason("Risk").version(1L)));
        assertThat(staleBody.status()).isEqualTo(409);
        assertThat(staleBody.code()).isEqualTo(ErrorCode.VERSION_CONFLICT);
        assertThat(staleBody.currentVersion()).isEqualTo(2L);

        ConflictException staleIfMatch = catchThrowableOfType(ConflictException.class, () -> merchants.freezeMerchant(
                merchant.getId(), new MerchantStatusChange().reason("Risk"),
                        RequestOptions.builder().ifMatch("\"1\"").build()));
        assertThat(staleIfMatch.status()).isEqualTo(412);
        assertThat(staleIfMatch.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED);

        ConflictException noVersion = catchThrowableOfType(ConflictException.class, () -> merchants.freezeMerchant(
                merchant.getId(), new MerchantStatusChange().reason("Risk")));
        assertThat(noVersion.status()).isEqualTo(428);

        assertThat(merchants.getMerchant(merchant.getId())).isEqualTo(merchant);
        assertThat(merchants.listMerchantHistory(merchant.getId()).getItems()).hasSize(2);
    }

    @Test
    void aMerchantSeesOnlyItself() throws Exception {
        MerchantApproved a = approve(merchants.applyMerchant(application("Merchant A KK")));
        MerchantApproved b = approve(merchants.applyMerchant(application("Merchant B KK")));
        MerchantsApi asA = clientOf(a).merchants();

        NotFoundException other = catchThrowableOfType(NotFoundException.class,
                () -> asA.getMerchant(b.getMerchant().getId()));
        NotFoundException missing = catchThrowableOfType(NotFoundException.class,
                () -> asA.getMerchant(UUID.randomUUID()));
        assertThat(other.problem().getDetail()).isEqualTo(missing.problem().getDetail());
        assertThat(catchThrowableOfType(NotFoundException.class,
                () -> asA.listMerchantHistory(b.getMerchant().getId())).code()).isEqualTo(ErrorCode.NOT_FOUND);

        assertThat(asA.listMerchants().getItems()).extracting(Merchant::getId)
                .containsExactly(a.getMerchant().getId());
        assertThat(asA.listMerchants(
                ListMerchantsParams.builder().status(MerchantStatus.PENDING).build()).getItems()).isEmpty();
        assertThat(asA.listMerchantHistory(a.getMerchant().getId()).getItems()).hasSize(2);
    }

    @Test
    void aMerchantCannotReviewOrApply() throws Exception {
        MerchantsApi asMerchant = clientOf(approve(merchants.applyMerchant(application("Ambitious KK")))).merchants();
        Merchant pending = merchants.applyMerchant(application("Waiting KK"));

        PermissionException approve = catchThrowableOfType(PermissionException.class,
                () -> asMerchant.approveMerchant(pending.getId(), new MerchantApproval().version(1L)));
        assertThat(approve.status()).isEqualTo(403);
        assertThat(approve.code()).isEqualTo(ErrorCode.INSUFFICIENT_SCOPE);
        PermissionException apply = catchThrowableOfType(PermissionException.class,
                () -> asMerchant.applyMerchant(application("Sub-merchant KK")));
        assertThat(apply.code()).isEqualTo(ErrorCode.INSUFFICIENT_SCOPE);
        assertThat(merchants.getMerchant(pending.getId()).getStatus()).isEqualTo(MerchantStatus.PENDING);
    }

    @Test
    void invalidApplicationsAreRefusedWithOneErrorPerFieldAndChangeNothing() {
        int before = server.db().fetchCount(MERCHANT);

        ValidationException invalid = catchThrowableOfType(ValidationException.class, () -> merchants.applyMerchant(
                new MerchantApplication()
                        .legalName("  ")
                        .contact(new MerchantContact().name("Hanako").email("not-an-email").phone("call me"))
                        .yearsInBusiness(-1)
                        .categoryId(food.getId())
                        .deposit(new Money().amount(500_000L).currency("YEN"))));
        assertThat(invalid.fieldErrors()).extracting(FieldError::getField, FieldError::getCode).containsExactly(
                tuple("legalName", "too_short"),
                tuple("contact/email", "invalid_format"),
                tuple("contact/phone", "invalid_format"),
                tuple("address", "required"),
                tuple("yearsInBusiness", "out_of_range"),
                tuple("plan", "required"),
                tuple("deposit/currency", "invalid_format"));

        ValidationException unknownReferences = catchThrowableOfType(ValidationException.class, () -> merchants.applyMerchant(
                application("Nowhere KK").categoryId(UUID.randomUUID()).plan("platinum")));
        assertThat(unknownReferences.fieldErrors()).extracting(FieldError::getField, FieldError::getCode).containsExactly(
                tuple("categoryId", "not_found"),
                tuple("plan", "out_of_range"));

        ValidationException noReasons = catchThrowableOfType(ValidationException.class, () -> merchants.rejectMerchant(
                UUID.randomUUID(), new MerchantRejection().reasons(List.of()).version(1L)));
        assertThat(noReasons.fieldErrors()).extracting(FieldError::getField).containsExactly("reasons");

        assertThat(server.db().fetchCount(MERCHANT)).isEqualTo(before);
    }

    @Test
    void applyingTwiceWithOneIdempotencyKeyRecordsOneMerchant() throws Exception {
        String key = UUID.randomUUID().toString();
        MerchantApplication application = application("Idempotent Sake Brewery KK");

        Merchant first = merchants.applyMerchant(application, RequestOptions.builder().idempotencyKey(key).build());
        ApiResponse<Merchant> again = merchants.applyMerchantWithHttpInfo(application,
                RequestOptions.builder().idempotencyKey(key).build());

        assertThat(again.getData().getId()).isEqualTo(first.getId());
        assertThat(again.getHeaders().get("idempotent-replayed")).containsExactly("true");
        assertThat(server.db().fetchCount(MERCHANT, MERCHANT.LEGAL_NAME.eq("Idempotent Sake Brewery KK"))).isEqualTo(1);
    }

    @Test
    void theOperatorListsMerchantsByStatusPageByPage() throws Exception {
        Merchant frozen = approve(merchants.applyMerchant(application("Listed Frozen KK"))).getMerchant();
        frozen = merchants.freezeMerchant(frozen.getId(),
                new MerchantStatusChange().reason("Chargebacks").version(frozen.getVersion()));
        Merchant anotherFrozen = approve(merchants.applyMerchant(application("Listed Frozen Too KK"))).getMerchant();
        anotherFrozen = merchants.freezeMerchant(anotherFrozen.getId(),
                new MerchantStatusChange().reason("Chargebacks").version(anotherFrozen.getVersion()));

        MerchantPage first = merchants.listMerchants(
                ListMerchantsParams.builder().status(MerchantStatus.FROZEN).limit(1).build());
        MerchantPage second = merchants.listMerchants(
                ListMerchantsParams.builder().status(MerchantStatus.FROZEN).limit(1).cursor(first.getNextCursor()).build());

        assertThat(first.getItems()).containsExactly(frozen);
        assertThat(second.getItems()).containsExactly(anotherFrozen);
        assertThat(second.getNextCursor()).isNull();
        assertThat(merchants.listMerchants(
                ListMerchantsParams.builder().limit(200).build()).getItems()).extracting(Merchant::getStatus)
                .contains(MerchantStatus.PENDING, MerchantStatus.ACTIVE, MerchantStatus.FROZEN);
    }

    @Test
    void aCategoryMerchantsSellInCannotBeDeleted() throws Exception {
        Category sake = server.client().categories().createCategory(
                new CategoryCreate().name("Sake").commissionRateBasisPoints(900));
        merchants.applyMerchant(application("Sake Only KK").categoryId(sake.getId()));

        ConflictException inUse = catchThrowableOfType(ConflictException.class,
                () -> server.client().categories().deleteCategory(sake.getId()));
        assertThat(inUse.code()).isEqualTo(ErrorCode.CATEGORY_IN_USE);
    }

    @Test
    void closingAMerchantEndsItsCredentialsAndTheTokensItHolds() throws Exception {
        MerchantApproved approved = approve(merchants.applyMerchant(application("Closing Soon KK")));
        String clientId = approved.getCredentials().getClient().getClientId();
        String secret = approved.getCredentials().getClientSecret();
        String token = server.token(clientId, secret);
        MarketplaceClient asMerchant = server.clientWithToken(token);
        assertThat(asMerchant.merchants().getMerchant(approved.getMerchant().getId())).isNotNull();

        merchants.closeMerchant(approved.getMerchant().getId(),
                new MerchantStatusChange().reason("Contract ended").version(approved.getMerchant().getVersion()));

        MarketplaceException revoked = catchThrowableOfType(MarketplaceException.class,
                () -> asMerchant.merchants().getMerchant(approved.getMerchant().getId()));
        assertThat(revoked.status()).as("the token it held").isEqualTo(401);
        AssertionError refused = catchThrowableOfType(AssertionError.class, () -> server.token(clientId, secret));
        assertThat(refused.getMessage()).as("its credentials").contains("401").contains("invalid_client");
        assertThat(server.client().clients().getClient(clientId).getDisabledAt()).isNotNull();
    }

    private static MerchantApplication application(String legalName) {
        return new MerchantApplication()
                .legalName(legalName)
                .contact(new MerchantContact().name("Yamada Hanako").email("hanako@kyoto-tea.example").phone("+81 75-123-4567"))
                .address(new MerchantAddress().country("JP").postalCode("600-8001").region("Kyoto")
                        .locality("Shimogyo-ku").line1("1-2-3 Shijo-dori"))
                .yearsInBusiness(12)
                .categoryId(food.getId())
                .plan("standard")
                .deposit(new Money().amount(500_000L).currency("JPY"));
    }

    private static MerchantApproved approve(Merchant pending) throws Exception {
        return merchants.approveMerchant(pending.getId(), new MerchantApproval().version(pending.getVersion()));
    }

    private static MarketplaceClient clientOf(MerchantApproved approved) {
        return server.clientWithToken(server.token(approved.getCredentials().getClient().getClientId(),
                approved.getCredentials().getClientSecret()));
    }
}
