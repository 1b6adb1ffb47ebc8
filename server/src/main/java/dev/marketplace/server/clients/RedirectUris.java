package dev.marketplace.server.clients;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Set;

/**
 * Which redirect URIs a client may register (RFC 9700 §2.1, §4.1.3): absolute https URIs without a fragment
 * or user info; plain http only on the loopback interface, for native apps and development (RFC 8252 §7.3).
 * They are matched exactly, character for character, at the authorization and token endpoints.
 */
public final class RedirectUris {

    public static final String RULE = "must be an absolute https URI without fragment or user info"
            + " (http only for 127.0.0.1, [::1] or localhost)";
    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "[::1]", "localhost");

    private RedirectUris() {
    }

    public static boolean isAcceptable(String text) {
        try {
            URI uri = new URI(text);
            if (!uri.isAbsolute() || uri.getHost() == null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                return false;
            }
            return "https".equals(uri.getScheme()) || "http".equals(uri.getScheme()) && LOOPBACK.contains(uri.getHost());
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
