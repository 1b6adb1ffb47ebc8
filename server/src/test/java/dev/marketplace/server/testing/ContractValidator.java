package dev.marketplace.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import dev.marketplace.server.platform.http.ApiRoutes;
import dev.marketplace.server.platform.http.ProblemException;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Checks every response a test receives against the OpenAPI document the server ships: status, headers and
 * body schema of documented operations; for anything else (404, 405) the problem document's shape.
 * Every response must carry {@code X-Request-Id}. A violation fails the test at the call that caused it.
 */
public final class ContractValidator {

    private static final ContractValidator INSTANCE = new ContractValidator();

    private final OpenApiInteractionValidator validator;
    private final ApiRoutes routes = ApiRoutes.fromClasspathRoutes();

    private ContractValidator() {
        String document;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(ApiRoutes.DOCUMENT)) {
            document = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        validator = OpenApiInteractionValidator.createForInlineApiSpecification(document)
                // Tests send invalid requests on purpose; what must always hold is the response.
                .withLevelResolver(LevelResolver.create()
                        .withLevel("validation.request", ValidationReport.Level.IGNORE)
                        .build())
                .build();
    }

    public static ContractValidator instance() {
        return INSTANCE;
    }

    public void validate(String method, URI uri, int status, HttpHeaders headers, byte[] body) {
        String label = method + " " + uri.getPath() + " -> " + status;
        assertThat(headers.firstValue("X-Request-Id")).as("X-Request-Id of %s", label).isPresent();
        String contentType = headers.firstValue("Content-Type").orElse(null);
        boolean oauthError = uri.getPath().startsWith("/oauth2/") && (status == 400 || status == 401);
        if (status >= 400 && !uri.getPath().startsWith("/observe/") && !oauthError) {
            assertProblem(label, status, contentType, body);
        }
        if (!isDocumented(method.toUpperCase(Locale.ROOT), uri.getRawPath())) {
            return;
        }
        SimpleResponse.Builder response = SimpleResponse.Builder.status(status);
        headers.map().forEach((name, values) -> response.withHeader(name, values));
        if (body.length > 0) {
            response.withBody(new String(body, StandardCharsets.UTF_8));
        }
        ValidationReport report = validator.validateResponse(uri.getRawPath(),
                Request.Method.valueOf(method.toUpperCase(Locale.ROOT)), response.build());
        assertThat(report.getMessages())
                .as("%s violates the OpenAPI document:%n%s%nbody: %s", label,
                        report.getMessages().stream().map(Object::toString).collect(Collectors.joining("\n")),
                        new String(body, StandardCharsets.UTF_8))
                .isEmpty();
    }

    /** Whether the request was for an operation the document describes, by the path as sent (decision 22). */
    private boolean isDocumented(String method, String rawPath) {
        if (rawPath.equals(ApiRoutes.DOCUMENT_PATH)) {
            return false;
        }
        try {
            routes.resolve(method, rawPath);
            return true;
        } catch (ProblemException notAnOperation) {
            return false;
        }
    }

    private static void assertProblem(String label, int status, String contentType, byte[] body) {
        assertThat(contentType).as("Content-Type of %s", label).startsWith("application/problem+json");
        JsonObject problem;
        try (JsonReader reader = Json.createReader(new ByteArrayInputStream(body))) {
            problem = reader.readObject();
        }
        assertThat(problem.getString("type", null)).as("type of %s", label).isNotBlank();
        assertThat(problem.getString("title", null)).as("title of %s", label).isNotBlank();
        assertThat(problem.getInt("status", -1)).as("status of %s", label).isEqualTo(status);
        assertThat(problem.getString("code", null)).as("code of %s", label).matches("[a-z0-9_]+");
        assertThat(problem.getString("requestId", null)).as("requestId of %s", label).isNotBlank();
    }
}
