package dev.marketplace.server.platform.http;

import dev.marketplace.server.platform.outbound.DestinationPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;

/**
 * URLs the marketplace stores for storefronts to fetch (product and review images): absolute https URLs (never plain
 * http, which mixed-content storefronts refuse) to a public host by the outbound destination rules (no private or
 * loopback address, no user info). The one rule for every stored URL.
 */
public final class PublicUrls {

    private PublicUrls() {
    }

    /** The optional array {@code name} of such URLs, each refused in {@code body} under {@code name/i}. */
    public static Optional<List<String>> httpsUrls(JsonFields body, String name, int maxItems, int maxLength) {
        Optional<List<String>> urls = body.optionalStrings(name, maxItems, 1, maxLength);
        urls.ifPresent(list -> {
            for (int i = 0; i < list.size(); i++) {
                check(body, name + "/" + i, list.get(i));
            }
        });
        return urls;
    }

    /** The optional string {@code name}: one such URL. */
    public static Optional<String> httpsUrl(JsonFields body, String name, int maxLength) {
        Optional<String> url = body.optionalString(name, 1, maxLength);
        url.ifPresent(text -> check(body, name, text));
        return url;
    }

    private static void check(JsonFields body, String field, String text) {
        httpsUrl(text).ifPresentOrElse(
                uri -> DestinationPolicy.PUBLIC_ONLY.refusalWithoutResolving(uri).ifPresent(reason ->
                        body.reject(field, FieldError.INVALID_FORMAT, "must be an https URL to a public host: " + reason)),
                () -> body.reject(field, FieldError.INVALID_FORMAT, "must be an https URL"));
    }

    private static Optional<URI> httpsUrl(String text) {
        try {
            URI uri = new URI(text);
            return "https".equals(uri.getScheme()) && uri.getHost() != null ? Optional.of(uri) : Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }
}
