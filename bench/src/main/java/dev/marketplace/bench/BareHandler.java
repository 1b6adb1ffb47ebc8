package dev.marketplace.bench;

import io.helidon.webserver.WebServer;
import java.nio.charset.StandardCharsets;

/**
 * The stack's ceiling on this machine (issue 20): a Helidon SE server whose one route answers a fixed 1 KB JSON, run
 * as a process of its own beside the real server so that both are measured under the same load. Prints its port.
 */
public final class BareHandler {

    private static final byte[] BODY = ("{\"items\":[" + "\"0123456789abcdef0123456789abcdef\",".repeat(28)
            + "\"end\"]}").getBytes(StandardCharsets.UTF_8);

    private BareHandler() {
    }

    public static void main(String[] args) {
        WebServer server = WebServer.builder().port(0).host("127.0.0.1")
                .routing(routing -> routing.get("/bare", (req, res) -> {
                    res.header("Content-Type", "application/json");
                    res.send(BODY);
                }))
                .build().start();
        System.out.println("port " + server.port());
    }
}
