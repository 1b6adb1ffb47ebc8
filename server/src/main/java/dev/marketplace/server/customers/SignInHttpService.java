package dev.marketplace.server.customers;

import static dev.marketplace.schema.Tables.AUTHORIZATION_REQUEST;

import dev.marketplace.schema.tables.records.AuthorizationRequestRecord;
import dev.marketplace.server.clients.ApiClient;
import dev.marketplace.server.clients.ApiClientService;
import dev.marketplace.server.platform.http.FormBody;
import dev.marketplace.server.platform.security.ClientSecrets;
import dev.marketplace.server.platform.security.DelegatedGrants;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.RateLimits;
import dev.marketplace.server.platform.security.Scopes;
import io.helidon.http.HeaderNames;
import io.helidon.http.SetCookie;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.DSLContext;

/**
 * The authorization endpoint of the authorization code grant (RFC 6749 §4.1 with PKCE S256, RFC 9700): a
 * hosted sign-in page and a consent page, plain HTML in Japanese or English. An authorization request lives in
 * PostgreSQL (any node can serve the next step), bound to the browser by an HttpOnly SameSite=Lax cookie and to
 * its forms by a CSRF token. Errors about the client or its redirect URI are shown here, never redirected
 * (RFC 6749 §4.1.2.1); every other error goes back to the client's redirect URI with {@code state}.
 */
public final class SignInHttpService implements HttpService {

    public static final String PATH = "/oauth2/authorize";
    private static final String COOKIE = "mp_authorization";
    private static final Duration REQUEST_LIFETIME = Duration.ofMinutes(10);
    private static final Pattern CODE_CHALLENGE = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final List<String> AUTHORIZE_PARAMETERS = List.of("response_type", "client_id", "redirect_uri",
            "scope", "state", "code_challenge", "code_challenge_method", "ui_locales");

    private final DSLContext dsl;
    private final ApiClientService clients;
    private final CustomerService customers;
    private final DelegatedGrants grants;
    private final RateLimits rateLimits;
    private final String issuer;

    public SignInHttpService(DSLContext dsl, ApiClientService clients, CustomerService customers,
                             DelegatedGrants grants, RateLimits rateLimits, String issuer) {
        this.dsl = dsl;
        this.clients = clients;
        this.customers = customers;
        this.grants = grants;
        this.rateLimits = rateLimits;
        this.issuer = issuer;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::authorize)
                .post("/sign-in", this::signIn)
                .post("/consent", this::consent);
    }

    private void authorize(ServerRequest req, ServerResponse res) {
        rateLimits.chargeAnonymous(req, res);
        String locale = SignInPages.locale(single(req, "ui_locales").orElse(null),
                req.headers().first(HeaderNames.ACCEPT_LANGUAGE).orElse(null));
        for (String name : AUTHORIZE_PARAMETERS) {
            if (req.query().contains(name) && req.query().all(name).size() > 1) {
                sendPage(res, Status.BAD_REQUEST_400, SignInPages.error(locale, "repeated"));
                return;
            }
        }
        Optional<ApiClient> client = single(req, "client_id").flatMap(clients::findEnabled)
                .filter(c -> c.principalType() == PrincipalType.STOREFRONT || c.principalType() == PrincipalType.PARTNER);
        if (client.isEmpty()) {
            sendPage(res, Status.BAD_REQUEST_400, SignInPages.error(locale, "unknown_client"));
            return;
        }
        Optional<String> redirectUri = single(req, "redirect_uri").filter(client.get().redirectUris()::contains);
        if (redirectUri.isEmpty()) {
            sendPage(res, Status.BAD_REQUEST_400, SignInPages.error(locale, "redirect_uri"));
            return;
        }
        Optional<String> state = single(req, "state");
        if (!single(req, "response_type").equals(Optional.of("code"))) {
            redirectError(res, redirectUri.get(), "unsupported_response_type", "response_type must be code", state);
            return;
        }
        Optional<String> challenge = single(req, "code_challenge").filter(c -> CODE_CHALLENGE.matcher(c).matches());
        if (challenge.isEmpty() || !single(req, "code_challenge_method").equals(Optional.of("S256"))) {
            redirectError(res, redirectUri.get(), "invalid_request",
                    "PKCE is required: code_challenge (43 characters) with code_challenge_method=S256", state);
            return;
        }
        Set<String> scopes = new LinkedHashSet<>(List.of(single(req, "scope").orElse("").strip().split(" +")));
        scopes.remove("");
        if (scopes.isEmpty() || !Scopes.DELEGABLE.containsAll(scopes) || !client.get().scopes().containsAll(scopes)) {
            redirectError(res, redirectUri.get(), "invalid_scope",
                    "scope must name scopes a customer can grant and the client holds", state);
            return;
        }
        String requestId = ClientSecrets.newSecret();
        AuthorizationRequestRecord row = dsl.newRecord(AUTHORIZATION_REQUEST);
        row.setIdHash(ClientSecrets.hash(requestId));
        row.setCsrfToken(ClientSecrets.newSecret());
        row.setClientId(client.get().clientId());
        row.setRedirectUri(redirectUri.get());
        row.setScopes(scopes.stream().sorted().toArray(String[]::new));
        row.setState(state.orElse(null));
        row.setCodeChallenge(challenge.get());
        row.setLocale(locale);
        row.setExpiresAt(OffsetDateTime.now().plus(REQUEST_LIFETIME));
        dsl.transaction(tx -> {
            tx.dsl().deleteFrom(AUTHORIZATION_REQUEST).where(AUTHORIZATION_REQUEST.EXPIRES_AT.lt(OffsetDateTime.now())).execute();
            tx.dsl().executeInsert(row);
        });
        res.headers().addCookie(SetCookie.builder(COOKIE, requestId)
                .path(PATH).httpOnly(true).secure(issuer.startsWith("https:"))
                .sameSite(SetCookie.SameSite.LAX).maxAge(REQUEST_LIFETIME).build());
        sendPage(res, Status.OK_200, SignInPages.signIn(locale, client.get().name(), row.getCsrfToken(), null, ""));
    }

    private void signIn(ServerRequest req, ServerResponse res) {
        rateLimits.chargeAnonymous(req, res);
        Map<String, List<String>> form = FormBody.read(req);
        Optional<AuthorizationRequestRecord> request = currentRequest(req, form);
        if (request.isEmpty()) {
            sendPage(res, Status.BAD_REQUEST_400, SignInPages.error(SignInPages.DEFAULT_LOCALE, "session"));
            return;
        }
        AuthorizationRequestRecord row = request.get();
        String clientName = clients.findEnabled(row.getClientId()).map(ApiClient::name).orElse(row.getClientId());
        String email = first(form, "email").orElse("");
        String password = first(form, "password").orElse("").strip();
        CustomerService.SignInResult result = customers.signIn(email, password, req.remotePeer().host(), row.getClientId());
        switch (result) {
            case CustomerService.SignInResult.SignedIn signedIn -> {
                row.setCustomerId(signedIn.customerId());
                dsl.executeUpdate(row);
                sendPage(res, Status.OK_200, SignInPages.consent(row.getLocale(), clientName, List.of(row.getScopes()),
                        row.getCsrfToken()), formActions(row.getRedirectUri()));
            }
            case CustomerService.SignInResult.Refused refused -> sendPage(res, Status.OK_200,
                    SignInPages.signIn(row.getLocale(), clientName, row.getCsrfToken(), "refused", email));
            case CustomerService.SignInResult.EmailNotVerified unverified -> sendPage(res, Status.OK_200,
                    SignInPages.signIn(row.getLocale(), clientName, row.getCsrfToken(), "unverified", email));
            case CustomerService.SignInResult.Throttled throttled -> sendPage(res, Status.OK_200,
                    SignInPages.signIn(row.getLocale(), clientName, row.getCsrfToken(), "throttled", email));
        }
    }

    private void consent(ServerRequest req, ServerResponse res) {
        rateLimits.chargeAnonymous(req, res);
        Map<String, List<String>> form = FormBody.read(req);
        Optional<AuthorizationRequestRecord> request = currentRequest(req, form)
                .filter(row -> row.getCustomerId() != null && customers.isActive(row.getCustomerId()));
        Optional<ApiClient> client = request.flatMap(row -> clients.findEnabled(row.getClientId()));
        if (request.isEmpty() || client.isEmpty()) {
            sendPage(res, Status.BAD_REQUEST_400, SignInPages.error(SignInPages.DEFAULT_LOCALE, "session"));
            return;
        }
        AuthorizationRequestRecord row = request.get();
        // The request is used up whatever the answer: a second submission finds no session.
        dsl.deleteFrom(AUTHORIZATION_REQUEST).where(AUTHORIZATION_REQUEST.ID_HASH.eq(row.getIdHash())).execute();
        res.headers().clearCookie(SetCookie.builder(COOKIE, "").path(PATH).build());
        Optional<String> state = Optional.ofNullable(row.getState());
        if (!first(form, "decision").equals(Optional.of("allow"))) {
            redirectError(res, row.getRedirectUri(), "access_denied", "the customer declined", state);
            return;
        }
        UUID customerId = row.getCustomerId();
        String code = grants.consentAndIssueCode(customerId, client.get(), Set.of(row.getScopes()), row.getRedirectUri(),
                row.getCodeChallenge());
        redirect(res, row.getRedirectUri(), "code=" + encode(code) + state.map(s -> "&state=" + encode(s)).orElse(""));
    }

    /** The request this browser's cookie names, unexpired, when the form carries its CSRF token. */
    private Optional<AuthorizationRequestRecord> currentRequest(ServerRequest req, Map<String, List<String>> form) {
        Optional<String> cookie = req.headers().cookies().first(COOKIE).asOptional();
        Optional<String> csrf = first(form, "csrf");
        if (cookie.isEmpty() || csrf.isEmpty()) {
            return Optional.empty();
        }
        return dsl.selectFrom(AUTHORIZATION_REQUEST)
                .where(AUTHORIZATION_REQUEST.ID_HASH.eq(ClientSecrets.hash(cookie.get())),
                        AUTHORIZATION_REQUEST.EXPIRES_AT.gt(OffsetDateTime.now()))
                .fetchOptional()
                .filter(row -> MessageDigest.isEqual(row.getCsrfToken().getBytes(StandardCharsets.US_ASCII),
                        csrf.get().getBytes(StandardCharsets.US_ASCII)));
    }

    private void redirectError(ServerResponse res, String redirectUri, String error, String description, Optional<String> state) {
        redirect(res, redirectUri, "error=" + error + "&error_description=" + encode(description)
                + state.map(s -> "&state=" + encode(s)).orElse(""));
    }

    /** 303 to the registered redirect URI with the response parameters and {@code iss} (RFC 9207). */
    private void redirect(ServerResponse res, String redirectUri, String parameters) {
        String separator = redirectUri.contains("?") ? "&" : "?";
        res.status(Status.SEE_OTHER_303);
        res.header(HeaderNames.LOCATION, redirectUri + separator + parameters + "&iss=" + encode(issuer));
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send();
    }

    private static void sendPage(ServerResponse res, Status status, String html) {
        sendPage(res, status, html, "'self'");
    }

    /**
     * The consent form posts here, and the answer redirects to the client: browsers that check {@code form-action}
     * along a form's redirects (Chromium) must find the redirect URI's origin there too, or the code never arrives.
     */
    private static String formActions(String redirectUri) {
        URI uri = URI.create(redirectUri);
        return "'self' " + uri.getScheme() + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
    }

    /** A page whose forms may only be sent to {@code formActions}, which no other site may frame. */
    private static void sendPage(ServerResponse res, Status status, String html, String formActions) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=UTF-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.create("X-Frame-Options"), "DENY");
        res.header(HeaderNames.create("Content-Security-Policy"), "default-src 'none'; style-src 'unsafe-inline'; form-action "
                + formActions + "; frame-ancestors 'none'; base-uri 'none'");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        res.send(html.getBytes(StandardCharsets.UTF_8));
    }

    private static Optional<String> single(ServerRequest req, String name) {
        return req.query().contains(name) ? Optional.of(req.query().all(name).getFirst()) : Optional.empty();
    }

    private static Optional<String> first(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
