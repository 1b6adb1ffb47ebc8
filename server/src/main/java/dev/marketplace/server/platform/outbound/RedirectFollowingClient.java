package dev.marketplace.server.platform.outbound;

import dev.marketplace.server.platform.outbound.OutboundException.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Sends one request for one target and follows its redirects itself (the JDK client is built with
 * {@code Redirect.NEVER}), so that every hop is checked by the {@link DestinationPolicy} before it is connected to:
 * at most {@value #MAX_REDIRECTS} redirects, never from https to http. Like browsers, a 303 (and a 301 or 302 after
 * a POST) continues as a GET without body; 307 and 308 repeat the method and body. A redirect to another origin
 * drops the credentials ({@code Authorization}, {@code Cookie}, {@code Proxy-Authorization}); other headers carrying
 * secrets would follow it, so such targets should not redirect.
 *
 * <p>A client built not to follow redirects fails on any redirect ({@link Kind#REDIRECT_REFUSED}) instead: for APIs
 * whose hosts are allowed one by one (partners, suppliers), where a redirect to another host would escape that list.
 */
final class RedirectFollowingClient {

    static final int MAX_REDIRECTS = 5;

    private static final Set<Integer> REDIRECT_STATUSES = Set.of(301, 302, 303, 307, 308);
    private static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "cookie", "proxy-authorization");

    private final String target;
    private final OutboundHttp.Client http;
    private final DestinationPolicy destinations;
    private final boolean followRedirects;

    RedirectFollowingClient(String target, OutboundHttp.Client http, DestinationPolicy destinations, boolean followRedirects) {
        this.target = target;
        this.http = http;
        this.destinations = destinations;
        this.followRedirects = followRedirects;
    }

    boolean followsRedirects() {
        return followRedirects;
    }

    /** Makes the JDK client if no call has yet (decision 132): before an attempt, so its time limit does not count it. */
    void prepare() throws IOException {
        http.get();
    }

    HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
        HttpRequest hop = request;
        for (int redirects = 0; ; redirects++) {
            destinations.check(target, hop.uri());
            HttpResponse<byte[]> response = http.get().send(hop, HttpResponse.BodyHandlers.ofByteArray());
            Optional<String> location = REDIRECT_STATUSES.contains(response.statusCode())
                    ? response.headers().firstValue("Location")
                    : Optional.empty();
            if (location.isEmpty()) {
                return response;
            }
            if (!followRedirects) {
                throw new OutboundException(Kind.REDIRECT_REFUSED, target, "answered " + response.statusCode()
                        + " redirecting to " + location.get() + "; redirects are not followed for this target");
            }
            if (redirects == MAX_REDIRECTS) {
                throw new OutboundException(Kind.TOO_MANY_REDIRECTS, target, "more than " + MAX_REDIRECTS + " redirects");
            }
            hop = redirected(hop, response.statusCode(), nextUri(target, hop.uri(), location.get()));
        }
    }

    /** Where a redirect leads: its Location resolved against the URI that answered; an https to http step refused. */
    static URI nextUri(String target, URI base, String location) {
        URI next;
        try {
            next = base.resolve(location);
        } catch (IllegalArgumentException e) {
            throw new OutboundException(Kind.MALFORMED_RESPONSE, target, "a redirect's Location is not a URI", e);
        }
        if ("https".equalsIgnoreCase(base.getScheme()) && !"https".equalsIgnoreCase(next.getScheme())) {
            throw new OutboundException(Kind.FORBIDDEN_DESTINATION, target, "refused a redirect from https to " + next.getScheme());
        }
        return next;
    }

    /** The request for the next hop: same request, new URI, method and headers adjusted as described above. */
    private static HttpRequest redirected(HttpRequest previous, int status, URI location) {
        String method = previous.method();
        boolean becomesGet = status == 303 ? !method.equals("HEAD") : (status == 301 || status == 302) && method.equals("POST");
        boolean sameOrigin = sameOrigin(previous.uri(), location);
        HttpRequest.Builder next = HttpRequest.newBuilder(previous, (name, value) -> {
            String header = name.toLowerCase(Locale.ROOT);
            return (sameOrigin || !CREDENTIAL_HEADERS.contains(header)) && !(becomesGet && header.startsWith("content-"));
        }).uri(location);
        if (becomesGet) {
            next.GET();
        }
        return next.build();
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost().equalsIgnoreCase(b.getHost())
                && effectivePort(a) == effectivePort(b);
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }
}
