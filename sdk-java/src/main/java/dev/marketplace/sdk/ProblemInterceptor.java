package dev.marketplace.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.marketplace.sdk.model.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.function.Consumer;

/** Turns every error answer into a typed {@link MarketplaceException} before the generated code sees it. */
final class ProblemInterceptor implements Consumer<HttpResponse<InputStream>> {

    private final ObjectMapper mapper;

    ProblemInterceptor(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public void accept(HttpResponse<InputStream> response) {
        if (response.statusCode() / 100 == 2 || response.statusCode() / 100 == 3) {
            return;
        }
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        Problem problem;
        try (InputStream body = response.body()) {
            byte[] bytes = body == null ? new byte[0] : body.readAllBytes();
            problem = contentType.startsWith("application/problem+json") || contentType.startsWith("application/json")
                    ? mapper.readValue(bytes, Problem.class)
                    : fallbackProblem(response.statusCode(), new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            problem = fallbackProblem(response.statusCode(), "unreadable error body: " + e.getMessage());
        }
        String requestId = problem.getRequestId() != null ? problem.getRequestId()
                : response.headers().firstValue("X-Request-Id").orElse(null);
        throw MarketplaceException.of(response.statusCode(), problem, requestId);
    }

    private static Problem fallbackProblem(int status, String detail) {
        return new Problem().status(status).code("http_" + status).title("HTTP " + status).detail(detail);
    }
}
