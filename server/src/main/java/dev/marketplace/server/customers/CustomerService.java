package dev.marketplace.server.customers;

import static dev.marketplace.server.platform.http.JsonP.JSON;
import static dev.marketplace.schema.Tables.AUTHORIZATION_REQUEST;
import static dev.marketplace.schema.Tables.CUSTOMER;
import static dev.marketplace.schema.Tables.CUSTOMER_PRIVACY_EVENT;
import static dev.marketplace.schema.Tables.CUSTOMER_TOKEN;
import static dev.marketplace.schema.Tables.SIGN_IN_EVENT;

import dev.marketplace.schema.tables.records.CustomerRecord;
import dev.marketplace.server.platform.contact.EmailAddress;
import dev.marketplace.server.platform.contact.PhoneNumber;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.ClientSecrets;
import dev.marketplace.server.platform.security.DelegatedGrants;
import dev.marketplace.server.platform.security.Passwords;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.security.Principal;
import io.helidon.config.Config;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Customer accounts: registration, email verification, password reset, sign-in (throttled), profile and
 * addresses (sealed at rest), closing, export and erasure. Each public method is one transaction.
 *
 * <p>A customer reaches their own data only through a customer-bound token (a client acting with their
 * consent); the operator reads any customer; anyone else gets 404.
 */
public final class CustomerService {

    static final Duration VERIFICATION_TOKEN_LIFETIME = Duration.ofHours(24);
    static final Duration RESET_TOKEN_LIFETIME = Duration.ofHours(1);
    private static final System.Logger LOG = System.getLogger(CustomerService.class.getName());

    /**
     * What registration asks for; email already lower-cased. The e-mail, phone and addresses follow the contact value
     * types' rules whoever builds it (decision 30).
     */
    public record NewCustomer(String email, String password, String name, Optional<String> phone, List<Address> addresses) {
        public NewCustomer {
            new EmailAddress(email);
            phone.ifPresent(PhoneNumber::new);
            addresses.forEach(Address::requireValid);
        }
    }

    /** A profile change; absent fields stay as they are, an empty phone removes it. Checked as {@link NewCustomer}. */
    public record ProfileChange(ExpectedVersion expected, Optional<String> name, Optional<Optional<String>> phone,
                                Optional<List<Address>> addresses) {
        public ProfileChange {
            phone.flatMap(p -> p).ifPresent(PhoneNumber::new);
            addresses.ifPresent(list -> list.forEach(Address::requireValid));
        }
    }

    /** How a sign-in attempt ended. Wrong email and wrong password are one outcome: nothing tells them apart. */
    public sealed interface SignInResult {
        record SignedIn(UUID customerId) implements SignInResult {
        }

        record Refused() implements SignInResult {
        }

        record Throttled(Duration window) implements SignInResult {
        }

        record EmailNotVerified() implements SignInResult {
        }
    }

    public record SignIn(String clientId, OffsetDateTime at) {
    }

    public record PrivacyEvent(String kind, String clientId, OffsetDateTime at) {
    }

    /** Everything stored about a customer, for their export. */
    public record CustomerData(Customer customer, List<DelegatedGrants.Consent> consents, List<SignIn> signIns,
                               List<PrivacyEvent> privacyEvents, Map<String, Object> sections) {
    }

    private final DSLContext dsl;
    private final PiiKeys piiKeys;
    private final MailSender mail;
    private final DelegatedGrants grants;
    private final SignInThrottle throttle;
    private final List<CustomerDataHolder> holders;

    public CustomerService(DSLContext dsl, PiiKeys piiKeys, MailSender mail, DelegatedGrants grants, Config customers,
                           List<CustomerDataHolder> holders) {
        this.dsl = dsl;
        this.piiKeys = piiKeys;
        this.mail = mail;
        this.grants = grants;
        this.throttle = new SignInThrottle(
                customers.get("signin.account.max.failures").asInt().get(),
                customers.get("signin.address.max.failures").asInt().get(),
                customers.get("signin.window").as(Duration.class).get());
        this.holders = List.copyOf(holders);
    }

    public Customer register(NewCustomer request) {
        UUID id = UUID.randomUUID();
        String passwordHash = Passwords.hash(request.password());
        String token = ClientSecrets.newSecret();
        Customer customer = dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            if (db.fetchExists(CUSTOMER, CUSTOMER.EMAIL.eq(request.email()))) {
                throw new ProblemException(409, "email_taken", "Email Taken",
                        "A customer with this email is already registered.");
            }
            CustomerRecord row = db.newRecord(CUSTOMER);
            row.setId(id);
            row.setStatus(CustomerStatus.ACTIVE.wireName());
            row.setEmail(request.email());
            row.setPasswordHash(passwordHash);
            row.setName(request.name());
            sealPersonalData(row, request.phone().orElse(null), request.addresses());
            row.store();
            storeToken(db, id, "verify_email", token, VERIFICATION_TOKEN_LIFETIME);
            return toCustomer(db.selectFrom(CUSTOMER).where(CUSTOMER.ID.eq(id)).fetchSingle());
        });
        mail.send(new Mail(customer.email(), "メールアドレスの確認 / Verify your email address", """
                ご登録ありがとうございます。次の確認コードでメールアドレスを確認してください（24時間有効）。
                Thank you for registering. Verify your email address with this code (valid for 24 hours).

                %s
                """.formatted(token)));
        return customer;
    }

    public void verifyEmail(String token) {
        dsl.transaction(tx -> {
            UUID customerId = useToken(tx.dsl(), token, "verify_email");
            tx.dsl().update(CUSTOMER).set(CUSTOMER.EMAIL_VERIFIED_AT, DSL.coalesce(CUSTOMER.EMAIL_VERIFIED_AT, DSL.currentOffsetDateTime()))
                    .where(CUSTOMER.ID.eq(customerId)).execute();
        });
    }

    /** Mails a reset code when an active account has this email; answers the same either way. */
    public void requestPasswordReset(String email) {
        String token = ClientSecrets.newSecret();
        boolean sent = dsl.transactionResult(tx -> {
            Optional<UUID> customer = tx.dsl().select(CUSTOMER.ID).from(CUSTOMER)
                    .where(CUSTOMER.EMAIL.eq(email), CUSTOMER.STATUS.eq(CustomerStatus.ACTIVE.wireName()))
                    .fetchOptional(CUSTOMER.ID);
            customer.ifPresent(id -> storeToken(tx.dsl(), id, "reset_password", token, RESET_TOKEN_LIFETIME));
            return customer.isPresent();
        });
        if (sent) {
            mail.send(new Mail(email, "パスワードの再設定 / Reset your password", """
                    パスワードを再設定するには次のコードを使ってください（1時間有効）。心当たりがなければ無視してください。
                    Use this code to set a new password (valid for 1 hour). If you did not ask for it, ignore this mail.

                    %s
                    """.formatted(token)));
        }
    }

    /**
     * Sets a new password with a mailed code. It proves the email too, forgives failed sign-ins, and ends every
     * session and grant the account had: whoever knew the old password loses access.
     */
    public void resetPassword(String token, String newPassword) {
        String hash = Passwords.hash(newPassword);
        dsl.transaction(tx -> {
            DSLContext db = tx.dsl();
            UUID customerId = useToken(db, token, "reset_password");
            CustomerRecord row = db.selectFrom(CUSTOMER).where(CUSTOMER.ID.eq(customerId)).forUpdate().fetchSingle();
            if (!CustomerStatus.ACTIVE.wireName().equals(row.getStatus())) {
                throw invalidToken();
            }
            row.setPasswordHash(hash);
            if (row.getEmailVerifiedAt() == null) {
                row.setEmailVerifiedAt(OffsetDateTime.now());
            }
            row.setUpdatedAt(OffsetDateTime.now());
            row.store();
            throttle.clearAccount(db, row.getEmail());
            grants.revokeAll(db, customerId);
        });
    }

    /**
     * Checks a customer's password for the hosted sign-in page. Throttled per account and per address; an
     * unknown email costs the same Argon2 time as a wrong password.
     */
    public SignInResult signIn(String email, String password, String address, String clientId) {
        String normalized = EmailAddress.normalised(email.strip());
        if (throttle.isThrottled(dsl, normalized, address)) {
            return new SignInResult.Throttled(throttle.window());
        }
        Optional<CustomerRecord> row = dsl.selectFrom(CUSTOMER)
                .where(CUSTOMER.EMAIL.eq(normalized), CUSTOMER.STATUS.eq(CustomerStatus.ACTIVE.wireName()))
                .fetchOptional();
        boolean matches = Passwords.matches(password, row.map(CustomerRecord::getPasswordHash).orElse(null));
        return dsl.transactionResult(tx -> {
            if (!matches) {
                throttle.recordFailure(tx.dsl(), normalized, address);
                return new SignInResult.Refused();
            }
            throttle.clearAccount(tx.dsl(), normalized);
            if (row.get().getEmailVerifiedAt() == null) {
                return new SignInResult.EmailNotVerified();
            }
            tx.dsl().insertInto(SIGN_IN_EVENT).set(SIGN_IN_EVENT.CUSTOMER_ID, row.get().getId())
                    .set(SIGN_IN_EVENT.CLIENT_ID, clientId).execute();
            return new SignInResult.SignedIn(row.get().getId());
        });
    }

    /** Whether the customer may still use the marketplace (signed-in pages check it again before consenting). */
    public boolean isActive(UUID customerId) {
        return dsl.fetchExists(CUSTOMER, CUSTOMER.ID.eq(customerId), CUSTOMER.STATUS.eq(CustomerStatus.ACTIVE.wireName()));
    }

    /** The operator reads any customer; a customer-bound caller only their own; anyone else finds nothing. */
    public Customer get(Principal caller, UUID customerId) {
        if (!caller.isOperator() && !caller.customer().equals(Optional.of(customerId))) {
            throw customerNotFound();
        }
        return dsl.selectFrom(CUSTOMER).where(CUSTOMER.ID.eq(customerId)).fetchOptional()
                .filter(row -> caller.isOperator() || !CustomerStatus.ERASED.wireName().equals(row.getStatus()))
                .map(this::toCustomer).orElseThrow(CustomerService::customerNotFound);
    }

    /** The operator's lookup by email (exact, case-insensitive). */
    public Optional<Customer> findByEmail(String email) {
        return dsl.selectFrom(CUSTOMER).where(CUSTOMER.EMAIL.eq(EmailAddress.normalised(email)))
                .fetchOptional().map(this::toCustomer);
    }

    public Customer me(Principal caller) {
        return toCustomer(activeRow(dsl, caller, false));
    }

    public Customer update(Principal caller, ProfileChange change) {
        return dsl.transactionResult(tx -> {
            CustomerRecord row = activeRow(tx.dsl(), caller, true);
            change.expected().check(row.getVersion());
            Customer current = toCustomer(row);
            change.name().ifPresent(row::setName);
            String phone = change.phone().isPresent() ? change.phone().get().orElse(null) : current.phone();
            sealPersonalData(row, phone, change.addresses().orElse(current.addresses()));
            row.setVersion(row.getVersion() + 1);
            row.setUpdatedAt(OffsetDateTime.now());
            row.store();
            return toCustomer(row);
        });
    }

    /** Consents of the calling customer. */
    public Page<DelegatedGrants.Consent> consents(Principal caller, PageRequest page) {
        return grants.consents(activeRow(dsl, caller, false).getId(), page);
    }

    public void revokeConsent(Principal caller, String clientId) {
        if (!grants.revokeConsent(activeRow(dsl, caller, false).getId(), clientId)) {
            throw ProblemException.notFound("consent for that client");
        }
    }

    /** Closes the account: no more sign-ins, every grant revoked; the data stays until erased. */
    public Customer close(Principal caller, ExpectedVersion expected) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            CustomerRecord row = activeRow(db, caller, true);
            expected.check(row.getVersion());
            row.setStatus(CustomerStatus.CLOSED.wireName());
            row.setClosedAt(OffsetDateTime.now());
            row.setUpdatedAt(OffsetDateTime.now());
            row.setVersion(row.getVersion() + 1);
            row.store();
            recordPrivacyEvent(db, row.getId(), "closed", caller.clientId());
            grants.revokeAll(db, row.getId());
            return toCustomer(row);
        });
    }

    /**
     * Erases the customer's personal data: email, password, name, phone, addresses, mailed tokens, sign-in
     * history, consents and sessions go; the row stays with its id (orders and ledgers refer to it) and the
     * erasure is recorded. The erased customer can never sign in again.
     */
    public Customer erase(Principal caller, ExpectedVersion expected) {
        return dsl.transactionResult(tx -> erase(tx.dsl(), activeRow(tx.dsl(), caller, true), expected, caller));
    }

    /**
     * The operator erases a customer who asked support, or who closed the account and so cannot sign in to erase
     * it; the same erasure as {@link #erase(Principal, ExpectedVersion)}.
     */
    public Customer eraseFor(Principal operator, UUID customerId, ExpectedVersion expected) {
        return dsl.transactionResult(tx -> {
            CustomerRecord row = rowForOperator(tx.dsl(), operator, customerId, true);
            if (CustomerStatus.ERASED.wireName().equals(row.getStatus())) {
                throw ProblemException.conflict("customer_erased", "This customer's personal data is already erased.");
            }
            return erase(tx.dsl(), row, expected, operator);
        });
    }

    private Customer erase(DSLContext db, CustomerRecord row, ExpectedVersion expected, Principal caller) {
        expected.check(row.getVersion());
        UUID id = row.getId();
        holders.forEach(holder -> holder.erase(db, id));
        grants.revokeAll(db, id);
        db.deleteFrom(CUSTOMER_TOKEN).where(CUSTOMER_TOKEN.CUSTOMER_ID.eq(id)).execute();
        db.deleteFrom(SIGN_IN_EVENT).where(SIGN_IN_EVENT.CUSTOMER_ID.eq(id)).execute();
        db.deleteFrom(AUTHORIZATION_REQUEST).where(AUTHORIZATION_REQUEST.CUSTOMER_ID.eq(id)).execute();
        throttle.clearAccount(db, row.getEmail());
        OffsetDateTime now = OffsetDateTime.now();
        row.setStatus(CustomerStatus.ERASED.wireName());
        row.setEmail(null);
        row.setEmailVerifiedAt(null);
        row.setPasswordHash(null);
        row.setName(null);
        row.setPhoneSealed(null);
        row.setAddressesSealed(null);
        row.setPiiKeyId(null);
        row.setErasedAt(now);
        row.setClosedAt(row.getClosedAt() == null ? now : row.getClosedAt());
        row.setUpdatedAt(now);
        row.setVersion(row.getVersion() + 1);
        row.store();
        recordPrivacyEvent(db, id, "erased", caller.clientId());
        return toCustomer(row);
    }

    /** Everything stored about the calling customer; the export itself is recorded. */
    public CustomerData export(Principal caller) {
        return export(activeRow(dsl, caller, false), caller);
    }

    /** The operator's export of an active or closed customer (an erased one has nothing left: 404). */
    public CustomerData exportFor(Principal operator, UUID customerId) {
        CustomerRecord row = rowForOperator(dsl, operator, customerId, false);
        if (CustomerStatus.ERASED.wireName().equals(row.getStatus())) {
            throw customerNotFound();
        }
        return export(row, operator);
    }

    private CustomerData export(CustomerRecord row, Principal caller) {
        UUID id = row.getId();
        dsl.transaction(tx -> recordPrivacyEvent(tx.dsl(), id, "exported", caller.clientId()));
        List<DelegatedGrants.Consent> consents = new ArrayList<>();
        PageRequest page = PageRequest.first(PageRequest.MAX_LIMIT);
        while (true) {
            Page<DelegatedGrants.Consent> chunk = grants.consents(id, page);
            consents.addAll(chunk.items());
            if (chunk.nextCursor() == null) {
                break;
            }
            page = new PageRequest(PageRequest.MAX_LIMIT,
                    dev.marketplace.server.platform.pagination.Cursor.decode(chunk.nextCursor(),
                            List.of(dev.marketplace.server.platform.pagination.CursorKey.TEXT)));
        }
        List<SignIn> signIns = dsl.selectFrom(SIGN_IN_EVENT).where(SIGN_IN_EVENT.CUSTOMER_ID.eq(id))
                .orderBy(SIGN_IN_EVENT.SIGNED_IN_AT).fetch(signIn -> new SignIn(signIn.getClientId(), signIn.getSignedInAt()));
        List<PrivacyEvent> events = dsl.selectFrom(CUSTOMER_PRIVACY_EVENT).where(CUSTOMER_PRIVACY_EVENT.CUSTOMER_ID.eq(id))
                .orderBy(CUSTOMER_PRIVACY_EVENT.OCCURRED_AT)
                .fetch(event -> new PrivacyEvent(event.getKind(), event.getClientId(), event.getOccurredAt()));
        Map<String, Object> sections = new LinkedHashMap<>();
        holders.forEach(holder -> sections.put(holder.section(), holder.export(id)));
        return new CustomerData(toCustomer(row), consents, signIns, events, sections);
    }

    /** The job: failed sign-ins older than the throttling window are deleted; returns how many. */
    public int purgeExpiredSignInFailures() {
        return dsl.transactionResult(tx -> throttle.purgeExpired(tx.dsl()));
    }

    /**
     * Re-seals personal data still sealed under a key other than the current one (after a key rotation), a
     * batch of rows at a time; returns how many rows it re-sealed. Safe on several nodes (SKIP LOCKED).
     */
    public int reencryptPersonalData(int batchSize) {
        return dsl.transactionResult(tx -> {
            List<CustomerRecord> rows = tx.dsl().selectFrom(CUSTOMER)
                    .where(CUSTOMER.PII_KEY_ID.ne(piiKeys.currentId()))
                    .limit(batchSize).forUpdate().skipLocked().fetch();
            for (CustomerRecord row : rows) {
                Customer customer = toCustomer(row);
                sealPersonalData(row, customer.phone(), customer.addresses());
                row.store();
            }
            return rows.size();
        });
    }

    /** Any customer, for the operator; for every other caller the customer does not exist (no probing of ids). */
    private static CustomerRecord rowForOperator(DSLContext db, Principal caller, UUID customerId, boolean forUpdate) {
        if (!caller.isOperator()) {
            throw customerNotFound();
        }
        var query = db.selectFrom(CUSTOMER).where(CUSTOMER.ID.eq(customerId));
        return (forUpdate ? query.forUpdate().fetchOptional() : query.fetchOptional())
                .orElseThrow(CustomerService::customerNotFound);
    }

    private CustomerRecord activeRow(DSLContext db, Principal caller, boolean forUpdate) {
        UUID id = caller.customer().orElseThrow(() -> ProblemException.forbidden(
                "This operation acts for a customer: use a token the customer consented to (authorization code grant)."));
        var query = db.selectFrom(CUSTOMER).where(CUSTOMER.ID.eq(id), CUSTOMER.STATUS.eq(CustomerStatus.ACTIVE.wireName()));
        return (forUpdate ? query.forUpdate().fetchOptional() : query.fetchOptional())
                .orElseThrow(CustomerService::customerNotFound);
    }

    private void sealPersonalData(CustomerRecord row, String phone, List<Address> addresses) {
        byte[] id = row.getId().toString().getBytes(StandardCharsets.UTF_8);
        row.setPhoneSealed(phone == null ? null : piiKeys.seal(phone.getBytes(StandardCharsets.UTF_8), aad(id, "phone")));
        row.setAddressesSealed(piiKeys.seal(addressesJson(addresses).getBytes(StandardCharsets.UTF_8), aad(id, "addresses")));
        row.setPiiKeyId(piiKeys.currentId());
    }

    private Customer toCustomer(CustomerRecord row) {
        byte[] id = row.getId().toString().getBytes(StandardCharsets.UTF_8);
        String phone = row.getPhoneSealed() == null ? null
                : new String(piiKeys.open(row.getPiiKeyId(), row.getPhoneSealed(), aad(id, "phone")), StandardCharsets.UTF_8);
        List<Address> addresses = row.getAddressesSealed() == null ? List.of() : parseAddresses(new String(
                piiKeys.open(row.getPiiKeyId(), row.getAddressesSealed(), aad(id, "addresses")), StandardCharsets.UTF_8));
        return new Customer(row.getId(), CustomerStatus.fromWireName(row.getStatus()), row.getEmail(),
                row.getEmailVerifiedAt() != null, row.getName(), phone, addresses, row.getVersion(),
                row.getCreatedAt(), row.getUpdatedAt(), row.getClosedAt(), row.getErasedAt());
    }

    /** Binds a sealed value to its row and column, so it cannot be copied to another. */
    private static byte[] aad(byte[] customerId, String column) {
        return (new String(customerId, StandardCharsets.UTF_8) + ":" + column).getBytes(StandardCharsets.UTF_8);
    }

    private static String addressesJson(List<Address> addresses) {
        JsonArrayBuilder array = JSON.createArrayBuilder();
        for (Address address : addresses) {
            var object = JSON.createObjectBuilder();
            put(object, "label", address.label());
            put(object, "recipientName", address.recipientName());
            put(object, "postalCode", address.postalCode());
            put(object, "country", address.country());
            put(object, "region", address.region());
            put(object, "city", address.city());
            put(object, "line1", address.line1());
            put(object, "line2", address.line2());
            array.add(object);
        }
        return array.build().toString();
    }

    private static void put(jakarta.json.JsonObjectBuilder object, String name, String value) {
        if (value != null) {
            object.add(name, value);
        }
    }

    private static List<Address> parseAddresses(String json) {
        JsonArray array = JSON.createReader(new StringReader(json)).readArray();
        return array.getValuesAs(JsonObject.class).stream().map(o -> new Address(o.getString("label", null),
                o.getString("recipientName", null), o.getString("postalCode"), o.getString("country"),
                o.getString("region"), o.getString("city"), o.getString("line1"), o.getString("line2", null))).toList();
    }

    private static void storeToken(DSLContext db, UUID customerId, String purpose, String token, Duration lifetime) {
        db.insertInto(CUSTOMER_TOKEN)
                .set(CUSTOMER_TOKEN.TOKEN_HASH, ClientSecrets.hash(token))
                .set(CUSTOMER_TOKEN.CUSTOMER_ID, customerId)
                .set(CUSTOMER_TOKEN.PURPOSE, purpose)
                .set(CUSTOMER_TOKEN.EXPIRES_AT, OffsetDateTime.now().plus(lifetime))
                .execute();
    }

    /** Marks a mailed token used; refuses an unknown, expired, used or other-purpose token alike. */
    private static UUID useToken(DSLContext db, String token, String purpose) {
        return db.update(CUSTOMER_TOKEN).set(CUSTOMER_TOKEN.USED_AT, DSL.currentOffsetDateTime())
                .where(CUSTOMER_TOKEN.TOKEN_HASH.eq(ClientSecrets.hash(token)), CUSTOMER_TOKEN.PURPOSE.eq(purpose),
                        CUSTOMER_TOKEN.USED_AT.isNull(), CUSTOMER_TOKEN.EXPIRES_AT.gt(DSL.currentOffsetDateTime()))
                .returning(CUSTOMER_TOKEN.CUSTOMER_ID)
                .fetchOptional(CUSTOMER_TOKEN.CUSTOMER_ID)
                .orElseThrow(CustomerService::invalidToken);
    }

    private static void recordPrivacyEvent(DSLContext db, UUID customerId, String kind, String clientId) {
        db.insertInto(CUSTOMER_PRIVACY_EVENT)
                .set(CUSTOMER_PRIVACY_EVENT.CUSTOMER_ID, customerId)
                .set(CUSTOMER_PRIVACY_EVENT.KIND, kind)
                .set(CUSTOMER_PRIVACY_EVENT.CLIENT_ID, clientId)
                .execute();
        LOG.log(System.Logger.Level.INFO, "customer " + customerId + " " + kind + " through client " + clientId);
    }

    private static ProblemException invalidToken() {
        return new ProblemException(400, "invalid_token", "Invalid Token",
                "The code is unknown, expired or already used.");
    }

    private static ProblemException customerNotFound() {
        return ProblemException.notFound("customer");
    }
}
