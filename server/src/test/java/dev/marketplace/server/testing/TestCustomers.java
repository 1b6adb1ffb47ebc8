package dev.marketplace.server.testing;

import dev.marketplace.sdk.MarketplaceClient;
import dev.marketplace.sdk.model.ClientCreate;
import dev.marketplace.sdk.model.ClientType;
import dev.marketplace.sdk.model.ClientCredentials;
import dev.marketplace.sdk.model.CustomerRegistration;
import dev.marketplace.sdk.model.EmailVerification;
import dev.marketplace.sdk.model.PrincipalType;
import dev.marketplace.sdk.model.Scope;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Customers and the clients acting for them, through the real API: a storefront with a redirect URI, a
 * registered and verified customer, and the authorization code grant walked through the hosted pages by plain
 * HTTP (the browser test walks the same pages in Chromium).
 */
public final class TestCustomers {

    public static final String PASSWORD = "correct horse battery staple";
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A client that signs customers in: its credentials, the redirect URI it registered, and its SDK. */
    public record SignInClient(String clientId, String secret, String redirectUri, MarketplaceClient sdk) {
    }

    /** What the token endpoint answered for the authorization code or refresh token grant. */
    public record Tokens(int status, JsonObject body) {
        public String accessToken() {
            return body.getString("access_token");
        }

        public String refreshToken() {
            return body.getString("refresh_token");
        }

        public String error() {
            return body.getString("error");
        }
    }

    private final TestServer server;

    public TestCustomers(TestServer server) {
        this.server = server;
    }

    public SignInClient storefront(String name, String redirectUri) throws Exception {
        return client(name, PrincipalType.STOREFRONT, redirectUri,
                List.of(Scope.CATALOG_READ, Scope.CUSTOMERS_REGISTER, Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE));
    }

    public SignInClient client(String name, PrincipalType type, String redirectUri, List<Scope> scopes) throws Exception {
        ClientCreate request = new ClientCreate().name(name).scopes(scopes).redirectUris(List.of(redirectUri));
        ClientCredentials created = type == PrincipalType.STOREFRONT ? server.storefrontClient(request)
                : server.client().clients().createClient(request.principalType(type).principalId(UUID.randomUUID()));
        String id = created.getClient().getClientId();
        MarketplaceClient sdk = scopes.contains(Scope.CUSTOMERS_REGISTER)
                ? server.clientWithToken(server.token(id, created.getClientSecret())) : null;
        return new SignInClient(id, created.getClientSecret(), redirectUri, sdk);
    }

    /** A storefront's public client (an app that keeps no secret): {@code secret} and {@code sdk} are null. */
    public SignInClient publicStorefront(String name, String redirectUri, List<Scope> scopes) throws Exception {
        ClientCredentials created = server.storefrontClient(new ClientCreate().name(name)
                .clientType(ClientType.PUBLIC).scopes(scopes).redirectUris(List.of(redirectUri)));
        if (created.getClientSecret() != null) {
            throw new AssertionError("a public client was given a secret");
        }
        return new SignInClient(created.getClient().getClientId(), null, redirectUri, null);
    }

    /** Registers through the storefront and verifies the email with the mailed code; returns the customer's id. */
    public UUID registerVerified(SignInClient storefront, String email) throws Exception {
        UUID id = storefront.sdk().customers().registerCustomer(new CustomerRegistration().email(email)
                .password(PASSWORD).name("Hanako Yamada").phone("+81 90-1234-5678")).getId();
        storefront.sdk().customers().verifyCustomerEmail(new EmailVerification().token(server.mails().latestCodeFor(email)));
        return id;
    }

    /** Signs in, consents, and exchanges the code: the customer-bound tokens. */
    public Tokens signIn(SignInClient client, String email, String scope) {
        String verifier = newVerifier();
        Map<String, String> redirect = authorize(client, email, PASSWORD, scope, challengeOf(verifier), "xyz");
        return exchange(client, redirect.get("code"), client.redirectUri(), verifier);
    }

    /**
     * Walks the hosted pages (authorization request, sign-in form, consent form) and returns the parameters of
     * the redirect back to the client.
     */
    public Map<String, String> authorize(SignInClient client, String email, String password, String scope,
                                         String codeChallenge, String state) {
        HttpResponse<String> page = server.send(server.anonymousRequest(authorizationPath(client.clientId(),
                client.redirectUri(), scope, codeChallenge, state)).GET().build());
        if (page.statusCode() != 200) {
            throw new AssertionError("authorization request refused: " + page.statusCode() + " " + page.body());
        }
        String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        HttpResponse<String> consentPage = postForm("/oauth2/authorize/sign-in", cookie,
                Map.of("csrf", csrf(page.body()), "email", email, "password", password));
        if (!consentPage.body().contains("id=\"allow\"")) {
            throw new AssertionError("sign-in did not lead to the consent page: " + consentPage.body());
        }
        HttpResponse<String> back = postForm("/oauth2/authorize/consent", cookie,
                Map.of("csrf", csrf(consentPage.body()), "decision", "allow"));
        return redirectParameters(back);
    }

    public static String authorizationPath(String clientId, String redirectUri, String scope, String codeChallenge,
                                           String state) {
        return "/oauth2/authorize?response_type=code&client_id=" + encode(clientId) + "&redirect_uri=" + encode(redirectUri)
                + "&scope=" + encode(scope) + "&code_challenge=" + encode(codeChallenge)
                + "&code_challenge_method=S256&state=" + encode(state);
    }

    public HttpResponse<String> postForm(String path, String cookie, Map<String, String> form) {
        HttpRequest.Builder request = server.anonymousRequest(path)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(formBody(form)));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return server.send(request.build());
    }

    public Tokens exchange(SignInClient client, String code, String redirectUri, String verifier) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        if (verifier != null) {
            form.put("code_verifier", verifier);
        }
        return tokenRequest(client, form);
    }

    public Tokens refresh(SignInClient client, String refreshToken) {
        return tokenRequest(client, Map.of("grant_type", "refresh_token", "refresh_token", refreshToken));
    }

    /** Token requests authenticate with HTTP Basic, or, for a public client (no secret), name it in the form. */
    public Tokens tokenRequest(SignInClient client, Map<String, String> form) {
        HttpRequest.Builder request = server.anonymousRequest("/oauth2/token")
                .header("Content-Type", "application/x-www-form-urlencoded");
        Map<String, String> sent = new LinkedHashMap<>(form);
        if (client.secret() == null) {
            sent.put("client_id", client.clientId());
        } else {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (client.clientId() + ":" + client.secret()).getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<String> response = server.send(request.POST(HttpRequest.BodyPublishers.ofString(formBody(sent))).build());
        return new Tokens(response.statusCode(), Json.createReader(new StringReader(response.body())).readObject());
    }

    /** The query parameters of a 303 back to the client. */
    public static Map<String, String> redirectParameters(HttpResponse<String> response) {
        if (response.statusCode() != 303) {
            throw new AssertionError("expected a redirect, got " + response.statusCode() + " " + response.body());
        }
        return queryOf(URI.create(response.headers().firstValue("Location").orElseThrow()));
    }

    public static Map<String, String> queryOf(URI uri) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            String[] parts = pair.split("=", 2);
            parameters.put(URLDecoder.decode(parts[0], StandardCharsets.UTF_8),
                    URLDecoder.decode(parts.length > 1 ? parts[1] : "", StandardCharsets.UTF_8));
        }
        return parameters;
    }

    public static String csrf(String html) {
        Matcher matcher = CSRF.matcher(html);
        if (!matcher.find()) {
            throw new AssertionError("no CSRF token in the page: " + html);
        }
        return matcher.group(1);
    }

    public static String newVerifier() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String challengeOf(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String formBody(Map<String, String> form) {
        StringBuilder body = new StringBuilder();
        form.forEach((name, value) -> body.append(body.isEmpty() ? "" : "&").append(encode(name)).append('=').append(encode(value)));
        return body.toString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
