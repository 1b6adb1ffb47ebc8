package dev.marketplace.server.platform.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.platform.outbound.OutboundException.Kind;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** Where a redirect leads; following redirects over HTTP is tested against WireMock in {@link OutboundHttpTest}. */
class RedirectFollowingClientTest {

    private static final URI BASE = URI.create("https://partner.example/api/v1/orders?page=2");

    @Test
    void resolvesRelativeAndAbsoluteLocations() {
        assertThat(RedirectFollowingClient.nextUri("partner", BASE, "/api/v2/orders"))
                .isEqualTo(URI.create("https://partner.example/api/v2/orders"));
        assertThat(RedirectFollowingClient.nextUri("partner", BASE, "42"))
                .isEqualTo(URI.create("https://partner.example/api/v1/42"));
        assertThat(RedirectFollowingClient.nextUri("partner", BASE, "https://cdn.example/file"))
                .isEqualTo(URI.create("https://cdn.example/file"));
    }

    @Test
    void refusesAStepDownFromHttpsToHttp() {
        assertThatThrownBy(() -> RedirectFollowingClient.nextUri("partner", BASE, "http://partner.example/api/v1/orders"))
                .isInstanceOfSatisfying(OutboundException.class, e -> assertThat(e.kind()).isEqualTo(Kind.FORBIDDEN_DESTINATION));
    }

    @Test
    void aLocationThatIsNotAUriIsAMalformedResponse() {
        assertThatThrownBy(() -> RedirectFollowingClient.nextUri("partner", BASE, "http://bad host/"))
                .isInstanceOfSatisfying(OutboundException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MALFORMED_RESPONSE));
    }
}
