package dev.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fails the build when the OpenAPI document is invalid or breaks the API conventions of DESIGN.md.
 */
class OpenApiDocumentTest {

    private static final Path DOCUMENT = Path.of("openapi.yaml");
    private static final Pattern CAMEL_CASE = Pattern.compile("[a-z][a-zA-Z0-9]*");
    private static final Pattern PATH_SEGMENT = Pattern.compile("[a-z0-9-]+|\\.well-known|\\{[a-z][a-zA-Z0-9]*}");
    private static final String PROBLEM_REF = "#/components/schemas/Problem";

    private static OpenAPI api;

    @BeforeAll
    static void parse() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readLocation(DOCUMENT.toString(), null, options);
        assertThat(result.getMessages()).as("parser messages for %s", DOCUMENT).isEmpty();
        api = result.getOpenAPI();
        assertThat(api).isNotNull();
    }

    @Test
    void everyOperationHasAUniqueIdATagAndASummary() {
        Set<String> ids = new HashSet<>();
        forEachOperation((label, operation) -> {
            assertThat(operation.getOperationId()).as("operationId of %s", label).isNotBlank();
            assertThat(ids.add(operation.getOperationId())).as("operationId %s is unique", operation.getOperationId()).isTrue();
            assertThat(operation.getTags()).as("tags of %s", label).isNotEmpty();
            assertThat(operation.getSummary()).as("summary of %s", label).isNotBlank();
        });
    }

    @Test
    void everyErrorResponseIsAProblemDocument() {
        forEachOperation((label, operation) -> operation.getResponses().forEach((status, response) -> {
            if (status.startsWith("4") || status.startsWith("5")) {
                if (label.contains("/observe/")) {
                    return; // health answers 503 with its own body, which is what probes expect
                }
                if (label.contains(" /oauth2/") && (status.equals("400") || status.equals("401"))) {
                    return; // RFC 6749 §5.2 fixes the authorization server's error format
                }
                Map<String, MediaType> content = resolve(response).getContent();
                assertThat(content).as("%s %s content", label, status).containsOnlyKeys("application/problem+json");
                assertThat(content.get("application/problem+json").getSchema().get$ref())
                        .as("%s %s schema", label, status).isEqualTo(PROBLEM_REF);
            }
        }));
    }

    @Test
    void everyApiOperationDocumentsBadRequestInternalErrorAndUnavailable() {
        forEachOperation((label, operation) -> {
            if (label.contains(" /v1/")) {
                assertThat(operation.getResponses()).as("responses of %s", label).containsKeys("400", "500", "503");
            }
        });
    }

    @Test
    void pathsAreVersionedAndKebabCase() {
        for (String path : api.getPaths().keySet()) {
            assertThat(path).as("path").matches("/(v1|observe|oauth2|webhooks|\\.well-known)/.*");
            for (String segment : path.substring(1).split("/")) {
                assertThat(segment).as("segment of %s", path).matches(PATH_SEGMENT);
            }
        }
    }

    @Test
    void everyApiOperationNeedsAScopeAndAnswersAuthErrorsAndRateLimits() {
        forEachOperation((label, operation) -> {
            if (label.contains(" /v1/")) {
                assertThat(operation.getSecurity()).as("security of %s", label).hasSize(1);
                assertThat(operation.getSecurity().getFirst().get("oauth2")).as("oauth2 scopes of %s", label).hasSize(1);
                assertThat(operation.getResponses()).as("responses of %s", label).containsKeys("401", "403", "429");
            } else {
                assertThat(operation.getSecurity()).as("security of %s (declared, open or client auth)", label).isNotNull();
            }
        });
    }

    @Test
    void creatingPostsAcceptAnIdempotencyKey() {
        forEachOperation((label, operation) -> {
            if (label.startsWith("POST /v1/") && operation.getResponses().containsKey("201")) {
                assertThat(operation.getParameters()).as("parameters of %s", label)
                        .anySatisfy(parameter -> assertThat(parameter.get$ref() != null
                                ? parameter.get$ref().endsWith("/IdempotencyKey")
                                : "Idempotency-Key".equals(parameter.getName())).isTrue());
                assertThat(operation.getResponses()).as("responses of %s", label).containsKey("422");
            }
            boolean takesAKey = operation.getParameters() != null && operation.getParameters().stream()
                    .anyMatch(parameter -> parameter.get$ref() != null && parameter.get$ref().endsWith("/IdempotencyKey"));
            if (takesAKey) { // a reused key is 422, a duplicate still running 409 (Idempotency filter)
                assertThat(operation.getResponses()).as("responses of %s", label).containsKeys("409", "422");
            }
        });
    }

    @Test
    void everyOperationDocumentsATooLongRequestLine() {
        forEachOperation((label, operation) -> // Helidon's prologue limit is checked before any route runs
                assertThat(operation.getResponses()).as("responses of %s", label).containsKey("414"));
    }

    @Test
    void everyOperationTakingABodyDocumentsPayloadTooLarge() {
        forEachOperation((label, operation) -> {
            if (operation.getRequestBody() != null) { // server.max-payload-size is checked before any handler runs
                assertThat(operation.getResponses()).as("responses of %s", label).containsKey("413");
            }
        });
    }

    @Test
    void everyApiPostDocumentsAnIdempotentDuplicateInProgress() {
        forEachOperation((label, operation) -> {
            if (label.startsWith("POST /v1/")) { // the Idempotency filter serves every POST under /v1 sending a key
                assertThat(operation.getResponses()).as("responses of %s", label).containsKey("409");
                assertThat(resolve(operation.getResponses().get("409")).getDescription())
                        .as("409 of %s", label).contains("idempotency_request_in_progress");
            }
        });
    }

    @Test
    void propertyNamesAreCamelCase() {
        api.getComponents().getSchemas().forEach((name, schema) -> {
            if (schema.getExtensions() != null && "oauth".equals(schema.getExtensions().get("x-wire-names"))) {
                return; // RFC 6749 / 7517 / 8414 names (access_token, jwks_uri) are fixed by those standards
            }
            Map<String, Schema> properties = schema.getProperties();
            if (properties != null) {
                properties.keySet().forEach(property ->
                        assertThat(property).as("property of %s", name).matches(CAMEL_CASE));
            }
        });
    }

    @Test
    void requestBodiesRejectUnknownFields() {
        List<String> open = new ArrayList<>();
        forEachOperation((label, operation) -> {
            MediaType json = operation.getRequestBody() == null ? null : operation.getRequestBody().getContent().get("application/json");
            if (json != null) { // form bodies (OAuth) follow RFC 6749: unknown parameters are ignored there
                Schema<?> schema = json.getSchema();
                Schema<?> resolved = api.getComponents().getSchemas().get(schema.get$ref().substring("#/components/schemas/".length()));
                if (!Boolean.FALSE.equals(resolved.getAdditionalProperties())) {
                    open.add(label);
                }
            }
        });
        assertThat(open).as("request bodies without additionalProperties: false").isEmpty();
    }

    private ApiResponse resolve(ApiResponse response) {
        if (response.get$ref() == null) {
            return response;
        }
        String name = response.get$ref().substring("#/components/responses/".length());
        return api.getComponents().getResponses().get(name);
    }

    private void forEachOperation(java.util.function.BiConsumer<String, Operation> action) {
        api.getPaths().forEach((path, item) -> item.readOperationsMap()
                .forEach((method, operation) -> action.accept(method + " " + path, operation)));
    }
}
