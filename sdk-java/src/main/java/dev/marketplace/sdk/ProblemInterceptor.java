package dev.marketplace.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.marketplace.sdk.model.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.function.Consumer;

/** Turns every error answer into a typed {@link MarketplaceException} before the generated code sees it. */
final class ProblemInterceptor implements Consumer<HttpResponse<InputStream>> {

    private final ObjectMapper mapper;
    private final Clock clock;

    ProblemInterceptor(ObjectMapper mapper, Clock clock) {
        this.mapper = mapper;
        this.clock = clock;
    }

    @Override
    public void accept(HttpResponse<InputStream> response) {
        if (response.statusCode() / 100 == 2 || response.statusCode() / 100 == 3) {
            return;
        }
        byte[] body;
        try (InputStream stream = response.body()) {
            body = stream == null ? new byte[0] : stream.readAllBytes();
        } catch (IOException e) {
            throw exceptionFor(response.statusCode(), response.headers(),
                    fallbackProblem(response.statusCode(), "unreadable error body: " + e.getMessage()));
        }
        throw exceptionFor(response.statusCode(), response.headers(), body);
    }

    /** The typed exception for an error answer whose body has already been read. */
    MarketplaceException exceptionFor(int status, HttpHeaders headers, byte[] body) {
        String contentType = headers.firstValue("Content-Type").orElse("");
        Problem problem;
        if (contentType.startsWith("application/problem+json") || contentType.startsWith("application/json")) {
            try {
                problem = mapper.readValue(body, Problem.class);
            } catch (IOException e) {
                problem = fallbackProblem(status, "unreadable error body: " + e.getMessage());
            }
        } else {
            problem = fallbackProblem(status, new String(body, StandardCharsets.UTF_8));
        }
        return exceptionFor(status, headers, problem);
    }

    private MarketplaceException exceptionFor(int status, HttpHeaders headers, Problem problem) {
        String requestId = problem.getRequestId() != null ? problem.getRequestId()
                : headers.firstValue("X-Request-Id").orElse(null);
        return MarketplaceException.of(status, problem, requestId, RetryAfter.of(headers, clock).orElse(null));
    }

    private static Problem fallbackProblem(int status, String detail) {
        return new Problem().status(status).code("http_" + status).title("HTTP " + status).detail(detail);
    }
}
