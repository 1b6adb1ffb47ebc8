package dev.marketplace.server.customers;

import dev.marketplace.server.clients.ApiClient;
import dev.marketplace.server.clients.ApiClientService;
import dev.marketplace.server.customers.AuthorizationRequests.AuthorizationRequest;
import dev.marketplace.server.platform.http.FormBody;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

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
    private static final Pattern CODE_CHALLENGE = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final List<String> AUTHORIZE_PARAMETERS = List.of("response_type", "client_id", "redirect_uri",
            "scope", "state", "code_challenge", "code_challenge_method", "ui_locales");

    private final AuthorizationRequests requests;
    private final ApiClientService clients;
    private final CustomerService customers;
    private final DelegatedGrants grants;
    private final RateLimits rateLimits;
    private final String issuer;

    public SignInHttpService(AuthorizationRequests requests, ApiClientService clients, CustomerService customers,
                             DelegatedGrants grants, RateLimits rateLimits, String issuer) {
        this.requests = requests;
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
        AuthorizationRequest request = requests.open(client.get().clientId(), redirectUri.get(), scopes, state,
                challenge.get(), locale);
        res.headers().addCookie(SetCookie.builder(COOKIE, request.id())
                .path(PATH).httpOnly(true).secure(issuer.startsWith("https:"))
                .sameSite(SetCookie.SameSite.LAX).maxAge(AuthorizationRequests.LIFETIME).build());
        sendPage(res, Status.OK_200, SignInPages.signIn(locale, client.get().name(), request.csrfToken(), null, ""));
    }

    private void signIn(ServerRequest req, ServerResponse res) {
        rateLimits.chargeAnonymous(req, res);
        Map<String, List<String>> form = FormBody.read(req);
        Optional<AuthorizationRequest> request = currentRequest(req, form);
        if (request.isEmpty()) {
            sendPage(res, Status.BAD_REQUEST_400, SignInPages.error(SignInPages.DEFAULT_LOCALE, "session"));
            return;
        }
        AuthorizationRequest row = request.get();
        String clientName = clients.findEnabled(row.clientId()).map(ApiClient::name).orElse(row.clientId());
        String email = first(form, "email").orElse("");
        String password = first(form, "password").orElse("").strip();
        CustomerService.SignInResult result = customers.signIn(email, password, req.remotePeer().host(), row.clientId());
        switch (result) {
            case CustomerService.SignInResult.SignedIn signedIn -> {
                requests.signedIn(row, signedIn.customerId());
                sendPage(res, Status.OK_200, SignInPages.consent(row.locale(), clientName, row.scopes(),
                        row.csrfToken()), formActions(row.redirectUri()));
            }
            case CustomerService.SignInResult.Refused refused -> sendPage(res, Status.OK_200,
                    SignInPages.signIn(row.locale(), clientName, row.csrfToken(), "refused", email));
            case CustomerService.SignInResult.EmailNotVerified unverified -> sendPage(res, Status.OK_200,
                    SignInPages.signIn(row.locale(), clientName, row.csrfToken(), "unverified", email));
            case CustomerService.SignInResult.Throttled throttled -> sendPage(res, Status.OK_200,
                    SignInPages.signIn(row.locale(), clientName, row.csrfToken(), "throttled", email));
        }
    }

    private void consent(ServerRequest req, ServerResponse res) {
        rateLimits.chargeAnonymous(req, res);
        Map<String, List<String>> form = FormBody.read(req);
        Optional<AuthorizationRequest> request = currentRequest(req, form)
                .filter(row -> row.customerId() != null && customers.isActive(row.customerId()));
        Optional<ApiClient> client = request.flatMap(row -> clients.findEnabled(row.clientId()));
        if (request.isEmpty() || client.isEmpty()) {
            sendPage(res, Status.BAD_REQUEST_400, SignInPages.error(SignInPages.DEFAULT_LOCALE, "session"));
            return;
        }
        AuthorizationRequest row = request.get();
        requests.useUp(row);
        res.headers().clearCookie(SetCookie.builder(COOKIE, "").path(PATH).build());
        Optional<String> state = row.state();
        if (!first(form, "decision").equals(Optional.of("allow"))) {
            redirectError(res, row.redirectUri(), "access_denied", "the customer declined", state);
            return;
        }
        UUID customerId = row.customerId();
        String code = grants.consentAndIssueCode(customerId, client.get(), Set.copyOf(row.scopes()), row.redirectUri(),
                row.codeChallenge());
        redirect(res, row.redirectUri(), "code=" + encode(code) + state.map(s -> "&state=" + encode(s)).orElse(""));
    }

    /** The request this browser's cookie names, unexpired, when the form carries its CSRF token. */
    private Optional<AuthorizationRequest> currentRequest(ServerRequest req, Map<String, List<String>> form) {
        Optional<String> cookie = req.headers().cookies().first(COOKIE).asOptional();
        Optional<String> csrf = first(form, "csrf");
        if (cookie.isEmpty() || csrf.isEmpty()) {
            return Optional.empty();
        }
        return requests.current(cookie.get(), csrf.get());
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
