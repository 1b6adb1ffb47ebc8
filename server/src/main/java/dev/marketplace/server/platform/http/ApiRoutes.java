package dev.marketplace.server.platform.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The paths and methods of the OpenAPI document the server serves. When routing finds no handler,
 * this tells a wrong method on a known path (405 with {@code Allow}) from an unknown path (404),
 * with the contract as the single source of truth.
 */
public final class ApiRoutes {

    public static final String DOCUMENT = "META-INF/openapi.yaml";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

    private record Route(Pattern pattern, Set<String> methods) {
    }

    private final List<Route> routes;

    private ApiRoutes(List<Route> routes) {
        this.routes = routes;
    }

    public static ApiRoutes fromClasspathDocument() {
        try (InputStream in = ApiRoutes.class.getClassLoader().getResourceAsStream(DOCUMENT)) {
            if (in == null) {
                throw new IllegalStateException(DOCUMENT + " is not on the classpath");
            }
            return fromDocument(new Yaml(new LoaderOptions()).load(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static ApiRoutes fromDocument(Map<String, Object> document) {
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) document.get("paths");
        List<Route> routes = new ArrayList<>();
        paths.forEach((template, item) -> {
            Set<String> methods = new TreeSet<>();
            item.keySet().stream().filter(METHODS::contains).map(m -> m.toUpperCase(Locale.ROOT)).forEach(methods::add);
            String regex = Pattern.quote(template).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
            routes.add(new Route(Pattern.compile(regex), methods));
        });
        return new ApiRoutes(List.copyOf(routes));
    }

    /** The methods the document allows on {@code path}, or empty when it has no such path. */
    public Optional<Set<String>> allowedMethods(String path) {
        return routes.stream().filter(route -> route.pattern().matcher(path).matches()).findFirst().map(Route::methods);
    }

    /** The problem for a request no handler took: 405 when only the method is wrong, 404 otherwise. */
    public ProblemException unrouted(String method, String path) {
        return allowedMethods(path)
                .filter(allowed -> !allowed.contains(method))
                .map(allowed -> ProblemException.methodNotAllowed(method, allowed))
                .orElseGet(() -> ProblemException.routeNotFound(path));
    }
}
