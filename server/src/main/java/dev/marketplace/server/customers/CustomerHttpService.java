package dev.marketplace.server.customers;

import dev.marketplace.server.platform.contact.EmailAddress;
import dev.marketplace.server.platform.contact.PhoneNumber;
import dev.marketplace.server.platform.contact.PostalAddress;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.http.VersionPreconditions;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import dev.marketplace.server.platform.security.DelegatedGrants;
import dev.marketplace.server.platform.security.Passwords;
import dev.marketplace.server.platform.security.Principal;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/customers}: registration and its mailed codes, the customer's own data, the operator's lookup. */
public final class CustomerHttpService implements HttpService {

    public static final String PATH = "/v1/customers";
    private static final int MAX_ADDRESSES = 10;
    private static final String[] ADDRESS_FIELDS = {"label", "recipientName", "postalCode", "country", "region", "city",
            "line1", "line2"};

    private final CustomerService customers;

    public CustomerHttpService(CustomerService customers) {
        this.customers = customers;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::register)
                .get("/", this::lookUp)
                .post("/email-verifications", this::verifyEmail)
                .post("/password-resets", this::requestPasswordReset)
                .post("/password-resets/complete", this::completePasswordReset)
                .get("/me", this::me)
                .patch("/me", this::update)
                .get("/me/consents", this::consents)
                .delete("/me/consents/{clientId}", this::revokeConsent)
                .get("/me/export", this::export)
                .post("/me/close", this::close)
                .post("/me/erase", this::erase)
                .get("/{customerId}", this::get)
                .get("/{customerId}/export", this::exportFor)
                .post("/{customerId}/erase", this::eraseFor);
    }

    /** See {@code Customer} in the OpenAPI document. */
    public record CustomerResource(UUID id, String status, String email, boolean emailVerified, String name,
                                   String phone, List<Address> addresses, long version, OffsetDateTime createdAt,
                                   OffsetDateTime updatedAt, OffsetDateTime closedAt, OffsetDateTime erasedAt) {
        static CustomerResource of(Customer c) {
            return new CustomerResource(c.id(), c.status().wireName(), c.email(), c.emailVerified(), c.name(), c.phone(),
                    c.addresses(), c.version(), c.createdAt(), c.updatedAt(), c.closedAt(), c.erasedAt());
        }
    }

    public record CustomerPage(List<CustomerResource> items, String nextCursor) {
    }

    public record ConsentResource(String clientId, String clientName, List<String> scopes, OffsetDateTime grantedAt) {
        static ConsentResource of(DelegatedGrants.Consent consent) {
            return new ConsentResource(consent.clientId(), consent.clientName(), consent.scopes().stream().sorted().toList(),
                    consent.grantedAt());
        }
    }

    public record ConsentPage(List<ConsentResource> items, String nextCursor) {
    }

    public record CustomerExport(OffsetDateTime exportedAt, CustomerResource customer, List<ConsentResource> consents,
                                 List<CustomerService.SignIn> signIns, List<CustomerService.PrivacyEvent> privacyEvents,
                                 Map<String, Object> sections) {
    }

    private void register(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "email", "password", "name", "phone", "addresses");
        String email = email(body);
        String password = password(body, "password");
        String name = body.requiredString("name", 1, 200);
        Optional<String> phone = phone(body);
        List<Address> addresses = addresses(body).orElse(List.of());
        body.throwIfInvalid();
        Customer customer = customers.register(new CustomerService.NewCustomer(email, password, name, phone, addresses));
        res.header(HeaderNames.LOCATION, PATH + "/" + customer.id());
        JsonResponses.send(res, Status.CREATED_201, CustomerResource.of(customer));
    }

    private void lookUp(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "email");
        Optional<String> email = query.text("email", 3, 254);
        if (email.isEmpty()) {
            query.reject("email", FieldError.REQUIRED, "is required");
        }
        query.throwIfInvalid();
        Principal caller = Authentication.principal(req);
        List<CustomerResource> found = customers.findByEmail(email.get())
                .filter(customer -> caller.isOperator() || caller.customer().equals(Optional.of(customer.id())))
                .map(CustomerResource::of).stream().toList();
        JsonResponses.ok(res, new CustomerPage(found, null));
    }

    private void verifyEmail(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "token");
        String token = body.requiredString("token", 1, 200);
        body.throwIfInvalid();
        customers.verifyEmail(token);
        res.status(Status.NO_CONTENT_204).send();
    }

    private void requestPasswordReset(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "email");
        String email = email(body);
        body.throwIfInvalid();
        customers.requestPasswordReset(email);
        res.status(Status.ACCEPTED_202).send();
    }

    private void completePasswordReset(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "token", "newPassword");
        String token = body.requiredString("token", 1, 200);
        String password = password(body, "newPassword");
        body.throwIfInvalid();
        customers.resetPassword(token, password);
        res.status(Status.NO_CONTENT_204).send();
    }

    private void me(ServerRequest req, ServerResponse res) {
        sendCustomer(res, customers.me(Authentication.principal(req)));
    }

    private void get(ServerRequest req, ServerResponse res) {
        sendCustomer(res, customers.get(Authentication.principal(req), customerId(req)));
    }

    private static UUID customerId(ServerRequest req) {
        try {
            return UUID.fromString(req.path().pathParameters().get("customerId"));
        } catch (IllegalArgumentException e) {
            throw ProblemException.validation("customerId", FieldError.INVALID_FORMAT, "must be a UUID");
        }
    }

    private void update(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "name", "phone", "addresses", "version");
        Optional<String> name = body.optionalString("name", 1, 200);
        Optional<Optional<String>> phone = body.isPresent("phone") ? Optional.of(phone(body)) : Optional.empty();
        Optional<List<Address>> addresses = addresses(body);
        Optional<Long> version = body.optionalLong("version", 1, Long.MAX_VALUE);
        body.throwIfInvalid();
        var expected = VersionPreconditions.requireExpectedVersion(req, version);
        sendCustomer(res, customers.update(Authentication.principal(req),
                new CustomerService.ProfileChange(expected, name, phone, addresses)));
    }

    private void consents(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TEXT);
        query.throwIfInvalid();
        Page<ConsentResource> result = customers.consents(Authentication.principal(req), page).map(ConsentResource::of);
        JsonResponses.ok(res, new ConsentPage(result.items(), result.nextCursor()));
    }

    private void revokeConsent(ServerRequest req, ServerResponse res) {
        customers.revokeConsent(Authentication.principal(req), req.path().pathParameters().get("clientId"));
        res.status(Status.NO_CONTENT_204).send();
    }

    private void export(ServerRequest req, ServerResponse res) {
        sendExport(res, customers.export(Authentication.principal(req)));
    }

    private void exportFor(ServerRequest req, ServerResponse res) {
        sendExport(res, customers.exportFor(Authentication.principal(req), customerId(req)));
    }

    private static void sendExport(ServerResponse res, CustomerService.CustomerData data) {
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        JsonResponses.ok(res, new CustomerExport(OffsetDateTime.now(), CustomerResource.of(data.customer()),
                data.consents().stream().map(ConsentResource::of).toList(), data.signIns(), data.privacyEvents(),
                data.sections()));
    }

    private void close(ServerRequest req, ServerResponse res) {
        JsonResponses.ok(res, CustomerResource.of(customers.close(Authentication.principal(req), confirmedVersion(req))));
    }

    private void erase(ServerRequest req, ServerResponse res) {
        JsonResponses.ok(res, CustomerResource.of(customers.erase(Authentication.principal(req), confirmedVersion(req))));
    }

    private void eraseFor(ServerRequest req, ServerResponse res) {
        UUID id = customerId(req);
        JsonResponses.ok(res, CustomerResource.of(customers.eraseFor(Authentication.principal(req), id, confirmedVersion(req))));
    }

    /** Closing and erasing name the version the customer saw, so they act on the account as it was shown. */
    private static ExpectedVersion confirmedVersion(ServerRequest req) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "version");
        Optional<Long> version = body.optionalLong("version", 1, Long.MAX_VALUE);
        body.throwIfInvalid();
        return VersionPreconditions.requireExpectedVersion(req, version);
    }

    private static void sendCustomer(ServerResponse res, Customer customer) {
        VersionPreconditions.sendEtag(res, customer.version());
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        JsonResponses.ok(res, CustomerResource.of(customer));
    }

    private static String email(JsonFields body) {
        EmailAddress email = EmailAddress.required(body, "email");
        return email == null ? null : email.value();
    }

    private static String password(JsonFields body, String field) {
        return body.requiredString(field, Passwords.MIN_LENGTH, Passwords.MAX_LENGTH);
    }

    /** A phone number, or empty for absent or null (a change removes it then). */
    private static Optional<String> phone(JsonFields body) {
        return PhoneNumber.nullable(body, "phone").map(PhoneNumber::value);
    }

    private static Optional<List<Address>> addresses(JsonFields body) {
        return body.optionalObjects("addresses", 0, MAX_ADDRESSES, ADDRESS_FIELDS).map(items -> {
            List<Address> addresses = new ArrayList<>();
            for (JsonFields item : items) {
                String label = item.optionalString("label", 1, 50).orElse(null);
                String recipientName = item.optionalString("recipientName", 1, 200).orElse(null);
                PostalAddress postal = PostalAddress.read(item, "city");
                if (postal != null) {
                    addresses.add(new Address(label, recipientName, postal.postalCode(), postal.country(),
                            postal.region(), postal.locality(), postal.line1(), postal.line2()));
                }
            }
            return addresses;
        });
    }
}
