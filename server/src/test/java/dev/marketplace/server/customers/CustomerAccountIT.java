package dev.marketplace.server.customers;

import static dev.marketplace.schema.Tables.CUSTOMER;
import static dev.marketplace.schema.Tables.CUSTOMER_PRIVACY_EVENT;
import static dev.marketplace.schema.Tables.OAUTH_CONSENT;
import static dev.marketplace.schema.Tables.SIGN_IN_EVENT;
import static dev.marketplace.schema.Tables.SIGN_IN_FAILURE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.api.CustomersApi;
import dev.marketplace.sdk.api.CustomersApi.LookUpCustomersParams;
import dev.marketplace.sdk.model.Customer;
import dev.marketplace.sdk.model.CustomerAddress;
import dev.marketplace.sdk.model.CustomerConfirmation;
import dev.marketplace.sdk.model.CustomerExport;
import dev.marketplace.sdk.model.CustomerRegistration;
import dev.marketplace.sdk.model.CustomerUpdate;
import dev.marketplace.sdk.model.EmailVerification;
import dev.marketplace.sdk.model.PasswordResetCompletion;
import dev.marketplace.sdk.model.PasswordResetRequest;
import dev.marketplace.schema.tables.records.CustomerRecord;
import dev.marketplace.server.testing.TestCustomers;
import dev.marketplace.server.testing.TestCustomers.SignInClient;
import dev.marketplace.server.testing.TestCustomers.Tokens;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Customer accounts through the SDK: registration with mailed verification, profile and addresses (sealed at
 * rest), consents, export, close, erase, password reset, and throttled sign-ins.
 */
class CustomerAccountIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final String REDIRECT = "https://shop.example/callback";
    private static final String SCOPE = "customers:read customers:write";
    private static final CustomerAddress HOME = new CustomerAddress().label("自宅").recipientName("山田 花子")
            .postalCode("150-0001").country("JP").region("東京都").city("渋谷区").line1("神宮前1-2-3");

    private static TestCustomers customers;
    private static SignInClient storefront;

    @BeforeAll
    static void storefront() throws Exception {
        customers = new TestCustomers(server);
        storefront = customers.storefront("Shop A", REDIRECT);
    }

    @Test
    void registrationRefusesBadInputAndTakenEmailsAndChangesNothing() throws Exception {
        customers.registerVerified(storefront, "taken@example.jp");
        int before = server.db().fetchCount(CUSTOMER);
        MarketplaceException invalid = catchThrowableOfType(MarketplaceException.class, () -> storefront.sdk().customers()
                .registerCustomer(new CustomerRegistration().email("not-an-email").password("short").name("A")
                        .phone("call me")));
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.problem().getErrors()).extracting(e -> e.getField())
                .containsExactlyInAnyOrder("email", "password", "phone");
        MarketplaceException taken = catchThrowableOfType(MarketplaceException.class, () -> storefront.sdk().customers()
                .registerCustomer(new CustomerRegistration().email("TAKEN@example.jp").password(TestCustomers.PASSWORD)
                        .name("Someone")));
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.problem().getCode()).isEqualTo("email_taken");
        assertThat(server.db().fetchCount(CUSTOMER)).isEqualTo(before);
    }

    @Test
    void anUnverifiedCustomerCannotSignInUntilTheMailedCodeIsUsed() throws Exception {
        String email = "unverified@example.jp";
        storefront.sdk().customers().registerCustomer(new CustomerRegistration().email(email)
                .password(TestCustomers.PASSWORD).name("Jiro"));
        String page = signInPage(email, TestCustomers.PASSWORD);
        assertThat(page).contains("Verify your email address first").doesNotContain("id=\"allow\"");

        MarketplaceException wrongCode = catchThrowableOfType(MarketplaceException.class, () ->
                storefront.sdk().customers().verifyCustomerEmail(new EmailVerification().token("mps_wrong")));
        assertThat(wrongCode.problem().getCode()).isEqualTo("invalid_token");
        String code = server.mails().latestCodeFor(email);
        storefront.sdk().customers().verifyCustomerEmail(new EmailVerification().token(code));
        assertThat(catchThrowableOfType(MarketplaceException.class, () -> storefront.sdk().customers()
                .verifyCustomerEmail(new EmailVerification().token(code))).problem().getCode())
                .as("a code is good once").isEqualTo("invalid_token");
        assertThat(customers.signIn(storefront, email, SCOPE).status()).isEqualTo(200);
    }

    @Test
    void phoneAndAddressesAreEncryptedAtRestAndChangedWithTheVersionSeen() throws Exception {
        UUID id = customers.registerVerified(storefront, "sealed@example.jp");
        CustomersApi me = asCustomer("sealed@example.jp");
        Customer changed = me.updateMyCustomerProfile(new CustomerUpdate().version(1L).name("山田 花子")
                .addresses(List.of(HOME)));
        assertThat(changed.getVersion()).isEqualTo(2L);
        assertThat(changed.getAddresses()).containsExactly(HOME);
        assertThat(changed.getPhone()).isEqualTo("+81 90-1234-5678");

        CustomerRecord row = server.db().selectFrom(CUSTOMER).where(CUSTOMER.ID.eq(id)).fetchSingle();
        assertThat(new String(row.getPhoneSealed(), StandardCharsets.ISO_8859_1)).doesNotContain("1234");
        assertThat(new String(row.getAddressesSealed(), StandardCharsets.UTF_8)).doesNotContain("神宮前").doesNotContain("150-0001");
        assertThat(row.getPasswordHash()).startsWith("$argon2id$v=19$").doesNotContain(TestCustomers.PASSWORD);

        MarketplaceException stale = catchThrowableOfType(MarketplaceException.class,
                () -> me.updateMyCustomerProfile(new CustomerUpdate().version(1L).name("Other")));
        assertThat(stale.status()).isEqualTo(409);
        // A null phone removes it (raw JSON: the SDK leaves null members out); If-Match names the version.
        HttpResponse<String> withoutPhone = server.send(server.anonymousRequest("/v1/customers/me")
                .header("Authorization", "Bearer " + customers.signIn(storefront, "sealed@example.jp", SCOPE).accessToken())
                .header("Content-Type", "application/json").header("If-Match", "\"2\"")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"phone\":null}")).build());
        assertThat(withoutPhone.statusCode()).isEqualTo(200);
        assertThat(withoutPhone.body()).doesNotContain("phone");
        assertThat(server.db().select(CUSTOMER.PHONE_SEALED).from(CUSTOMER).where(CUSTOMER.ID.eq(id)).fetchOne().value1()).isNull();
    }

    @Test
    void theCustomerListsAndRevokesConsents() throws Exception {
        customers.registerVerified(storefront, "consents@example.jp");
        SignInClient other = customers.storefront("Shop B", "https://b.example/cb");
        Tokens atB = customers.signIn(other, "consents@example.jp", "customers:read");
        CustomersApi me = asCustomer("consents@example.jp");
        var consents = me.listMyConsents().getItems();
        assertThat(consents).extracting(c -> c.getClientName()).containsExactlyInAnyOrder("Shop A", "Shop B");

        me.revokeMyConsent(other.clientId());
        assertThat(me.listMyConsents().getItems()).extracting(c -> c.getClientName()).containsExactly("Shop A");
        assertThat(catchThrowableOfType(MarketplaceException.class,
                () -> server.clientWithToken(atB.accessToken()).customers().getMyCustomerProfile()).status()).isEqualTo(401);
        assertThat(customers.refresh(other, atB.refreshToken()).error()).isEqualTo("invalid_grant");
        assertThat(catchThrowableOfType(MarketplaceException.class, () -> me.revokeMyConsent(other.clientId())).status())
                .isEqualTo(404);
    }

    @Test
    void anExportHoldsEverythingStoredAboutTheCustomer() throws Exception {
        UUID id = customers.registerVerified(storefront, "export@example.jp");
        CustomersApi me = asCustomer("export@example.jp");
        me.updateMyCustomerProfile(new CustomerUpdate().version(1L).addresses(List.of(HOME)));
        CustomerExport export = me.exportMyCustomerData();
        assertThat(export.getCustomer().getId()).isEqualTo(id);
        assertThat(export.getCustomer().getEmail()).isEqualTo("export@example.jp");
        assertThat(export.getCustomer().getPhone()).isEqualTo("+81 90-1234-5678");
        assertThat(export.getCustomer().getAddresses()).containsExactly(HOME);
        assertThat(export.getConsents()).extracting(c -> c.getClientId()).containsExactly(storefront.clientId());
        assertThat(export.getSignIns()).isNotEmpty().allSatisfy(s -> assertThat(s.getClientId()).isEqualTo(storefront.clientId()));
        assertThat(server.db().fetchCount(CUSTOMER_PRIVACY_EVENT, CUSTOMER_PRIVACY_EVENT.CUSTOMER_ID.eq(id)
                .and(CUSTOMER_PRIVACY_EVENT.KIND.eq("exported")))).isEqualTo(1);
    }

    @Test
    void anErasedCustomerKeepsOnlyItsIdAndCannotSignIn() throws Exception {
        UUID id = customers.registerVerified(storefront, "erase@example.jp");
        CustomersApi me = asCustomer("erase@example.jp");
        me.updateMyCustomerProfile(new CustomerUpdate().version(1L).addresses(List.of(HOME)));
        Customer erased = me.eraseMyCustomerData(new CustomerConfirmation().version(2L));
        assertThat(erased.getStatus()).isEqualTo(Customer.StatusEnum.ERASED);
        assertThat(erased.getEmail()).isNull();
        assertThat(erased.getName()).isNull();
        assertThat(erased.getPhone()).isNull();
        assertThat(erased.getAddresses()).isEmpty();

        CustomerRecord row = server.db().selectFrom(CUSTOMER).where(CUSTOMER.ID.eq(id)).fetchSingle();
        assertThat(List.of(row.getEmail() == null, row.getName() == null, row.getPhoneSealed() == null,
                row.getAddressesSealed() == null, row.getPasswordHash() == null)).containsOnly(true);
        assertThat(server.db().fetchCount(OAUTH_CONSENT, OAUTH_CONSENT.CUSTOMER_ID.eq(id))).isZero();
        assertThat(server.db().fetchCount(SIGN_IN_EVENT, SIGN_IN_EVENT.CUSTOMER_ID.eq(id))).isZero();
        // Nothing personal is readable anywhere in the row, not even sealed.
        assertThat(row.intoMap().values()).noneMatch(value -> value != null && value.toString().contains("erase@example.jp"));
        assertThat(server.client().customers().getCustomer(id).getStatus()).isEqualTo(Customer.StatusEnum.ERASED);
        assertThat(server.client().customers().lookUpCustomers(
                LookUpCustomersParams.builder().email("erase@example.jp").build()).getItems()).isEmpty();
        assertThat(catchThrowableOfType(MarketplaceException.class, me::getMyCustomerProfile).status()).isEqualTo(401);
        assertThat(signInPage("erase@example.jp", TestCustomers.PASSWORD)).contains("is not right");
        assertThat(server.db().fetchCount(CUSTOMER_PRIVACY_EVENT, CUSTOMER_PRIVACY_EVENT.CUSTOMER_ID.eq(id)
                .and(CUSTOMER_PRIVACY_EVENT.KIND.eq("erased")))).isEqualTo(1);
    }

    @Test
    void aClosedAccountCannotSignInAndErasureNeedsTheVersionSeen() throws Exception {
        customers.registerVerified(storefront, "close@example.jp");
        CustomersApi me = asCustomer("close@example.jp");
        assertThat(catchThrowableOfType(MarketplaceException.class,
                () -> me.closeMyCustomerAccount(new CustomerConfirmation().version(7L))).status()).isEqualTo(409);
        assertThat(me.closeMyCustomerAccount(new CustomerConfirmation().version(1L)).getStatus())
                .isEqualTo(Customer.StatusEnum.CLOSED);
        assertThat(signInPage("close@example.jp", TestCustomers.PASSWORD)).contains("is not right");
    }

    @Test
    void theOperatorExportsAndErasesACustomerWhoClosedTheAccount() throws Exception {
        customers.registerVerified(storefront, "support@example.jp");
        CustomersApi me = asCustomer("support@example.jp");
        UUID id = me.getMyCustomerProfile().getId();
        me.closeMyCustomerAccount(new CustomerConfirmation().version(1L));
        CustomersApi operator = server.client().customers();

        CustomerExport export = operator.exportCustomerData(id);
        assertThat(export.getCustomer().getEmail()).isEqualTo("support@example.jp");
        assertThat(export.getCustomer().getStatus()).isEqualTo(Customer.StatusEnum.CLOSED);
        assertThat(server.db().fetchCount(CUSTOMER_PRIVACY_EVENT, CUSTOMER_PRIVACY_EVENT.CUSTOMER_ID.eq(id)
                .and(CUSTOMER_PRIVACY_EVENT.KIND.eq("exported"))
                .and(CUSTOMER_PRIVACY_EVENT.CLIENT_ID.eq(TestServer.OPERATOR_CLIENT_ID)))).isEqualTo(1);
        // Only the operator: the customer's own storefront token finds no such customer.
        customers.registerVerified(storefront, "other@example.jp");
        CustomersApi other = asCustomer("other@example.jp");
        assertThat(catchThrowableOfType(MarketplaceException.class, () -> other.exportCustomerData(id)).status()).isEqualTo(404);
        assertThat(catchThrowableOfType(MarketplaceException.class,
                () -> other.eraseCustomerData(id, new CustomerConfirmation().version(2L))).status()).isEqualTo(404);

        // The version the operator saw must still be current; a stale one changes nothing.
        assertThat(catchThrowableOfType(MarketplaceException.class,
                () -> operator.eraseCustomerData(id, new CustomerConfirmation().version(1L))).status()).isEqualTo(409);
        assertThat(operator.getCustomer(id).getEmail()).isEqualTo("support@example.jp");

        Customer erased = operator.eraseCustomerData(id, new CustomerConfirmation().version(2L));
        assertThat(erased.getStatus()).isEqualTo(Customer.StatusEnum.ERASED);
        CustomerRecord row = server.db().selectFrom(CUSTOMER).where(CUSTOMER.ID.eq(id)).fetchSingle();
        assertThat(row.intoMap().values()).noneMatch(value -> value != null && value.toString().contains("support@example.jp"));
        assertThat(server.db().fetchCount(CUSTOMER_PRIVACY_EVENT, CUSTOMER_PRIVACY_EVENT.CUSTOMER_ID.eq(id)
                .and(CUSTOMER_PRIVACY_EVENT.KIND.eq("erased"))
                .and(CUSTOMER_PRIVACY_EVENT.CLIENT_ID.eq(TestServer.OPERATOR_CLIENT_ID)))).isEqualTo(1);
        MarketplaceException again = catchThrowableOfType(MarketplaceException.class,
                () -> operator.eraseCustomerData(id, new CustomerConfirmation().version(3L)));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.code()).isEqualTo(ErrorCode.CUSTOMER_ERASED);
        assertThat(catchThrowableOfType(MarketplaceException.class, () -> operator.exportCustomerData(id)).status()).isEqualTo(404);
    }

    @Test
    void aPasswordResetReplacesThePasswordAndEndsEveryGrant() throws Exception {
        customers.registerVerified(storefront, "reset@example.jp");
        Tokens before = customers.signIn(storefront, "reset@example.jp", SCOPE);
        storefront.sdk().customers().requestPasswordReset(new PasswordResetRequest().email("reset@example.jp"));
        storefront.sdk().customers().requestPasswordReset(new PasswordResetRequest().email("nobody@example.jp"));
        assertThat(server.mails().sentTo("nobody@example.jp")).as("no account, no mail, same answer").isEmpty();
        String code = server.mails().latestCodeFor("reset@example.jp");
        storefront.sdk().customers().completePasswordReset(new PasswordResetCompletion().token(code)
                .newPassword("a brand new passphrase"));

        assertThat(customers.refresh(storefront, before.refreshToken()).error()).isEqualTo("invalid_grant");
        assertThat(signInPage("reset@example.jp", TestCustomers.PASSWORD)).contains("is not right");
        assertThat(signInPage("reset@example.jp", "a brand new passphrase")).contains("id=\"allow\"");
    }

    @Test
    void failedSignInsAreThrottledPerAccountWithoutRevealingWhetherItExists() throws Exception {
        customers.registerVerified(storefront, "throttle@example.jp");
        for (int attempt = 0; attempt < 5; attempt++) {
            assertThat(signInPage("throttle@example.jp", "wrong password " + attempt)).contains("is not right");
            assertThat(signInPage("ghost@example.jp", "wrong password " + attempt)).contains("is not right");
        }
        assertThat(signInPage("throttle@example.jp", TestCustomers.PASSWORD)).contains("Too many failed sign-ins");
        assertThat(signInPage("ghost@example.jp", TestCustomers.PASSWORD)).contains("Too many failed sign-ins");

        // Failures past the window no longer count and are purged; those inside it stay.
        var ghost = SIGN_IN_FAILURE.SUBJECT.eq("account:ghost@example.jp");
        var throttled = SIGN_IN_FAILURE.SUBJECT.eq("account:throttle@example.jp");
        server.db().update(SIGN_IN_FAILURE).set(SIGN_IN_FAILURE.FAILED_AT, OffsetDateTime.now().minusHours(1)).where(ghost).execute();
        new SignInThrottle(5, 20, Duration.ofMinutes(15)).purgeExpired(server.db());
        assertThat(server.db().fetchCount(SIGN_IN_FAILURE, ghost)).isZero();
        assertThat(server.db().fetchCount(SIGN_IN_FAILURE, throttled)).isEqualTo(5);
    }

    @Test
    void thePagesSpeakJapaneseWhenAsked() {
        String challenge = TestCustomers.challengeOf(TestCustomers.newVerifier());
        String path = TestCustomers.authorizationPath(storefront.clientId(), REDIRECT, SCOPE, challenge, "s");
        HttpResponse<String> byHeader = server.send(server.anonymousRequest(path)
                .header("Accept-Language", "ja-JP,ja;q=0.9,en;q=0.8").GET().build());
        assertThat(byHeader.body()).contains("lang=\"ja\"").contains("ログイン").contains("Shop A");
        HttpResponse<String> byParameter = server.send(server.anonymousRequest(path + "&ui_locales=ja").GET().build());
        assertThat(byParameter.body()).contains("lang=\"ja\"");
        HttpResponse<String> english = server.send(server.anonymousRequest(path).GET().build());
        assertThat(english.body()).contains("lang=\"en\"").contains("Sign in");
        assertThat(english.headers().firstValue("Set-Cookie").orElseThrow())
                .contains("HttpOnly").containsIgnoringCase("SameSite=Lax");
        assertThat(english.headers().firstValue("X-Frame-Options")).contains("DENY");
    }

    @Test
    void thePagesSendFormsOnlyToThisServerAndTheClientAndCannotBeFramed() throws Exception {
        customers.registerVerified(storefront, "csp@example.jp");
        String challenge = TestCustomers.challengeOf(TestCustomers.newVerifier());
        HttpResponse<String> page = server.send(server.anonymousRequest(TestCustomers.authorizationPath(
                storefront.clientId(), REDIRECT, SCOPE, challenge, "s")).GET().build());
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("form-action 'self';").contains("frame-ancestors 'none'");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");

        // The consent form's answer redirects to the client, which browsers check against form-action too.
        String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        HttpResponse<String> consent = customers.postForm("/oauth2/authorize/sign-in", cookie, Map.of(
                "csrf", TestCustomers.csrf(page.body()), "email", "csp@example.jp", "password", TestCustomers.PASSWORD));
        assertThat(consent.body()).contains("id=\"allow\"");
        assertThat(consent.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("form-action 'self' https://shop.example;").contains("frame-ancestors 'none'");
    }

    @Test
    void aFormWithoutTheRightCsrfTokenOrCookieIsRefused() {
        String challenge = TestCustomers.challengeOf(TestCustomers.newVerifier());
        HttpResponse<String> page = server.send(server.anonymousRequest(TestCustomers.authorizationPath(
                storefront.clientId(), REDIRECT, SCOPE, challenge, "s")).GET().build());
        String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        Map<String, String> withWrongCsrf = Map.of("csrf", "forged", "email", "x@example.jp", "password", "whatever123");
        assertThat(customers.postForm("/oauth2/authorize/sign-in", cookie, withWrongCsrf).statusCode()).isEqualTo(400);
        Map<String, String> withoutCookie = Map.of("csrf", TestCustomers.csrf(page.body()), "email", "x@example.jp",
                "password", "whatever123");
        assertThat(customers.postForm("/oauth2/authorize/sign-in", null, withoutCookie).statusCode()).isEqualTo(400);
    }

    /** The page the sign-in form answers with (fresh authorization request each time). */
    private static String signInPage(String email, String password) {
        String challenge = TestCustomers.challengeOf(TestCustomers.newVerifier());
        HttpResponse<String> page = server.send(server.anonymousRequest(TestCustomers.authorizationPath(
                storefront.clientId(), REDIRECT, SCOPE, challenge, "s")).GET().build());
        String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        return customers.postForm("/oauth2/authorize/sign-in", cookie,
                Map.of("csrf", TestCustomers.csrf(page.body()), "email", email, "password", password)).body();
    }

    private static CustomersApi asCustomer(String email) {
        return server.clientWithToken(customers.signIn(storefront, email, SCOPE).accessToken()).customers();
    }
}
