package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Every route the server registers is an operation of the document, or the server does not start; and a handler
 * runs only for requests resolved to its own operation (decision 22).
 */
class ContractRoutingTest {

    private static final ApiRoutes ROUTES = ApiRoutes.fromClasspathRoutes();
    private static final Handler OK = (req, res) -> res.send("ok");

    @Test
    void documentedRoutesAreAccepted() {
        assertThatCode(() -> build("/v1/categories", rules -> rules.get("/", OK).post("/", OK)
                .get("/{categoryId}", OK).post("/{categoryId}/move", OK))).doesNotThrowAnyException();
    }

    @Test
    void aStrayRouteFailsTheStart() {
        assertThatThrownBy(() -> build("/v1/categories", rules -> rules.get("/", OK).post("/{categoryId}/stray", OK)))
                .hasMessageContaining("POST /v1/categories/{categoryId}/stray is not an operation of the OpenAPI document");
    }

    @Test
    void aDocumentedPathWithAnUndocumentedMethodFailsTheStart() {
        assertThatThrownBy(() -> build("/v1/categories", rules -> rules.put("/", OK)))
                .hasMessageContaining("PUT /v1/categories is not an operation");
    }

    @Test
    void aParameterNamedOtherwiseThanInTheDocumentFailsTheStart() {
        assertThatThrownBy(() -> build("/v1/categories", rules -> rules.get("/{id}", OK)))
                .hasMessageContaining("GET /v1/categories/{id} is not an operation");
    }

    @Test
    void aRouteThatCannotBeCheckedFailsTheStart() {
        assertThatThrownBy(() -> build("/v1/categories", rules -> rules.any("/", OK)))
                .hasMessageContaining("must be given by method and path");
        assertThatThrownBy(() -> build("/v1/categories", rules -> rules.get(OK)))
                .hasMessageContaining("must be given by method and path");
    }

    @Test
    void aHandlerRunsOnlyForItsOwnOperation() throws Exception {
        // Registered in the wrong order, Helidon would route /v1/products/changes to the product handler.
        HttpRouting.Builder routing = HttpRouting.builder().addFilter(new RequestIds()).addFilter(new CanonicalPaths(ROUTES));
        new ErrorHandling(ROUTES).register(routing);
        new ContractRouting(ROUTES, routing).register("/v1/products", rules -> rules
                .get("/{productId}", (req, res) -> res.send("product"))
                .get("/changes", (req, res) -> res.send("changes")));
        WebServer server = WebServer.builder().port(0).host("127.0.0.1").routing(routing).build().start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            URI base = URI.create("http://127.0.0.1:" + server.port());
            HttpResponse<String> product = http.send(HttpRequest.newBuilder(base.resolve("/v1/products/abc")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(product.body()).isEqualTo("product");
            HttpResponse<String> changes = http.send(HttpRequest.newBuilder(base.resolve("/v1/products/changes")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(changes.statusCode()).isEqualTo(500);
            assertThat(changes.body()).contains("\"code\":\"internal_error\"");
        } finally {
            server.stop();
        }
    }

    private static void build(String prefix, HttpService service) {
        HttpRouting.Builder routing = HttpRouting.builder();
        new ContractRouting(ROUTES, routing).register(prefix, service);
        routing.build();
    }
}
