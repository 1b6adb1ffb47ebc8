package dev.marketplace.server.partners;

import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.outbound.OutboundException;
import dev.marketplace.server.platform.outbound.OutboundHttp;
import dev.marketplace.server.platform.outbound.OutboundTarget;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A partner's points API as decision 37 defines it, called only through {@link OutboundHttp} (SSRF rules, timeout,
 * breaker and retries of the target {@code partner-<id>}), never inside a transaction:
 * <ul>
 *   <li>{@code POST {base}/points/credits} with {@code Idempotency-Key: <reference>} and
 *   {@code {"reference", "memberId", "points"}}: 2xx credited; 400, 404, 409, 422 refused for good;</li>
 *   <li>{@code GET {base}/points/credits/{reference}}: {@code {"status": "credited" | "refused"}}, or 404 when the
 *   partner never received it.</li>
 * </ul>
 * Anything else (timeout, 5xx, 429, open breaker) is an unknown outcome. Authentication: a bearer token from the
 * partner's token endpoint (client credentials, cached until shortly before it expires) or {@code X-Api-Key}.
 */
final class PartnerApi {

    enum Outcome { CREDITED, REFUSED, NOT_RECEIVED, UNKNOWN }

    private record CachedToken(String value, Instant expiresAt) {
    }

    private final OutboundHttp outbound;
    private final Clock clock;
    private final Map<UUID, CachedToken> tokens = new ConcurrentHashMap<>();

    PartnerApi(OutboundHttp outbound, Clock clock) {
        this.outbound = outbound;
        this.clock = clock;
    }

    Outcome credit(PartnerRegistry.Connection partner, String reference, String memberId, long points) {
        String body = JsonP.JSON.createObjectBuilder().add("reference", reference).add("memberId", memberId)
                .add("points", points).build().toString();
        try {
            HttpRequest request = authorized(partner, HttpRequest.newBuilder(resolve(partner, "points/credits")))
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", reference)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<byte[]> response = target(partner).send(request);
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return Outcome.CREDITED;
            }
            forgetTokenOn(partner, status);
            return status == 400 || status == 404 || status == 409 || status == 422 ? Outcome.REFUSED : Outcome.UNKNOWN;
        } catch (OutboundException | HostNotAllowed e) {
            // Not allowed: nothing went out; the exchange stays pending until the operator allows the host again.
            return Outcome.UNKNOWN;
        }
    }

    Outcome lookup(PartnerRegistry.Connection partner, String reference) {
        try {
            HttpRequest request = authorized(partner, HttpRequest.newBuilder(resolve(partner,
                    "points/credits/" + URLEncoder.encode(reference, StandardCharsets.UTF_8)))).GET().build();
            HttpResponse<byte[]> response = target(partner).send(request);
            if (response.statusCode() == 404) {
                return Outcome.NOT_RECEIVED;
            }
            if (response.statusCode() != 200) {
                forgetTokenOn(partner, response.statusCode());
                return Outcome.UNKNOWN;
            }
            JsonObject answer = JsonP.JSON.createReader(new StringReader(new String(response.body(), StandardCharsets.UTF_8)))
                    .readObject();
            return switch (answer.getString("status", "")) {
                case "credited" -> Outcome.CREDITED;
                case "refused" -> Outcome.REFUSED;
                default -> Outcome.UNKNOWN;
            };
        } catch (OutboundException | HostNotAllowed | jakarta.json.JsonException | ClassCastException e) {
            return Outcome.UNKNOWN;
        }
    }

    private OutboundTarget target(PartnerRegistry.Connection partner) {
        return outbound.targetRefusingRedirects("partner-" + partner.partnerId());
    }

    private static URI resolve(PartnerRegistry.Connection partner, String path) {
        String base = partner.apiBaseUrl().toString();
        return allowed(partner, URI.create(base.endsWith("/") ? base + path : base + "/" + path));
    }

    /**
     * {@code uri}, if its host is on the partner's allow-list (decision 56): checked before every call, so a host the
     * operator removed is never reached, whatever was registered; the SSRF rules then apply as to every call.
     */
    private static URI allowed(PartnerRegistry.Connection partner, URI uri) {
        if (!partner.allows(uri)) {
            throw new HostNotAllowed(partner.partnerId(), uri);
        }
        return uri;
    }

    /** A call to a host not on the partner's allow-list: refused before anything is sent. */
    static final class HostNotAllowed extends RuntimeException {
        HostNotAllowed(UUID partner, URI uri) {
            super("partner " + partner + ": host " + uri.getHost() + " is not on its allowed hosts", null, false, false);
        }
    }

    private HttpRequest.Builder authorized(PartnerRegistry.Connection partner, HttpRequest.Builder request) {
        if (PartnerRegistry.API_KEY.equals(partner.authType())) {
            return request.header("X-Api-Key", partner.secret());
        }
        return request.header("Authorization", "Bearer " + token(partner));
    }

    private void forgetTokenOn(PartnerRegistry.Connection partner, int status) {
        if (status == 401) {
            tokens.remove(partner.partnerId());
        }
    }

    /** A cached access token, or a new one (client credentials, HTTP Basic) when it is missing or about to expire. */
    private String token(PartnerRegistry.Connection partner) {
        Instant now = clock.instant();
        CachedToken cached = tokens.get(partner.partnerId());
        if (cached != null && cached.expiresAt().isAfter(now.plusSeconds(30))) {
            return cached.value();
        }
        String basic = Base64.getEncoder().encodeToString((URLEncoder.encode(partner.authClientId(), StandardCharsets.UTF_8)
                + ":" + URLEncoder.encode(partner.secret(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(allowed(partner, partner.tokenUrl()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build();
        JsonValue answer = target(partner).sendJson(request);
        JsonObject token = answer.asJsonObject();
        String value = token.getString("access_token");
        tokens.put(partner.partnerId(), new CachedToken(value,
                now.plusSeconds(token.containsKey("expires_in") ? token.getJsonNumber("expires_in").longValue() : 300)));
        return value;
    }
}
