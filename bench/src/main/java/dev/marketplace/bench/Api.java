package dev.marketplace.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/** Set-up calls as an integrator makes them: client credentials, JSON over HTTPS-less localhost. */
final class Api {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    Api(URI base) {
        this.base = base;
    }

    URI base() {
        return base;
    }

    /** Client credentials, HTTP Basic (RFC 6749 section 4.4). */
    String token(Credentials client) {
        String basic = Base64.getEncoder().encodeToString(
                (client.id() + ":" + client.secret()).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/oauth2/token"))
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build();
        return send(request, 200).get("access_token").asText();
    }

    record Credentials(String id, String secret) {
    }

    /** A new client for {@code principalType} (the operator creates it), with these scopes. */
    Credentials createClient(String operatorToken, String name, String principalType, UUID principalId, List<String> scopes) {
        var body = JSON.createObjectNode().put("name", name).put("principalType", principalType);
        if (principalId != null) {
            body.put("principalId", principalId.toString());
        }
        body.putArray("scopes").addAll(scopes.stream().map(JSON.getNodeFactory()::textNode).toList());
        JsonNode created = post(operatorToken, "/v1/clients", body.toString(), 201);
        return new Credentials(created.get("client").get("clientId").asText(), created.get("clientSecret").asText());
    }

    /** Registers a storefront ({@code POST /v1/storefronts}) and creates a client for it: its principal must exist. */
    Credentials createStorefrontClient(String operatorToken, String name, List<String> scopes) {
        JsonNode storefront = post(operatorToken, "/v1/storefronts", JSON.createObjectNode().put("name", name).toString(), 201);
        return createClient(operatorToken, name, "storefront", UUID.fromString(storefront.get("id").asText()), scopes);
    }

    JsonNode get(String token, String pathAndQuery) {
        return send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).header("Authorization", "Bearer " + token)
                .GET().build(), 200);
    }

    JsonNode post(String token, String path, String json, int expectedStatus) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), expectedStatus);
    }

    JsonNode put(String token, String path, String json, int expectedStatus) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), expectedStatus);
    }

    /** Sends as is and returns whatever came back: for the hosted sign-in pages and for refusals that are counted. */
    HttpResponse<String> exchange(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String encode(String queryValue) {
        return URLEncoder.encode(queryValue, StandardCharsets.UTF_8);
    }

    private JsonNode send(HttpRequest request, int expectedStatus) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != expectedStatus) {
                throw new IllegalStateException(request.method() + " " + request.uri() + " answered "
                        + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
