package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.testing.RawHttp;
import dev.marketplace.server.testing.TestServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code X-Content-Type-Options: nosniff} on every kind of response: API, problems, direct handlers, operations. */
class ResponseHeadersIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void everyRoutedResponseForbidsTypeSniffing() {
        String[][] requests = {
                {"operator", "/v1/categories", "200"},
                {"operator", "/v1/no-such-thing", "404"},
                {"anonymous", "/v1/categories", "401"},
                {"anonymous", "/openapi", "200"},
                {"anonymous", "/observe/health", "200"},
                {"anonymous", "/observe/metrics", "401"},
                {"operator", "/observe/metrics", "200"},
                {"anonymous", "/oauth2/jwks", "200"},
                {"anonymous", "/.well-known/oauth-authorization-server", "200"},
                {"anonymous", "/oauth2/authorize", "400"}, // the sign-in page's error page
        };
        for (String[] request : requests) {
            HttpResponse<String> response = server.send((request[0].equals("operator")
                    ? server.request(request[1]) : server.anonymousRequest(request[1])).GET().build());
            assertThat(response.statusCode()).as(request[1]).isEqualTo(Integer.parseInt(request[2]));
            assertThat(response.headers().allValues("X-Content-Type-Options")).as(request[1]).containsExactly("nosniff");
        }
    }

    @Test
    void responsesSentBeforeRoutingForbidTypeSniffingToo() {
        RawHttp.Response broken = RawHttp.exchange(server.baseUri().getPort(), "GET", "/",
                "GARBAGE\r\nHost: localhost", new byte[0]);
        assertThat(broken.status()).isEqualTo(400);
        assertThat(broken.headers().allValues("X-Content-Type-Options")).containsExactly("nosniff");
    }
}
