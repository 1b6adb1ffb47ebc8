package dev.marketplace.server.testing;

import dev.marketplace.server.platform.http.ApiRoutes;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The OpenAPI document the server serves, with every {@code $ref} resolved: for tests derived from the spec. */
public final class SpecDocument {

    private SpecDocument() {
    }

    public static OpenAPI resolved() {
        try (InputStream in = SpecDocument.class.getClassLoader().getResourceAsStream(ApiRoutes.DOCUMENT)) {
            ParseOptions options = new ParseOptions();
            options.setResolve(true);
            options.setResolveFully(true);
            return new OpenAPIV3Parser().readContents(new String(in.readAllBytes(), StandardCharsets.UTF_8), null, options)
                    .getOpenAPI();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
