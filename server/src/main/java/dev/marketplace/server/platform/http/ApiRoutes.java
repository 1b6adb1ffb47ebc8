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

    /** A path of the document: its methods, and the OAuth2 scopes each method's operation requires. */
    private record Route(Pattern pattern, Map<String, Set<String>> scopesByMethod) {
        Set<String> methods() {
            return new TreeSet<>(scopesByMethod.keySet());
        }
    }

    /**
     * The routes in document order (the first match wins), grouped by the path's number of segments and first
     * two segments: every request looks its route up, and trying each of the document's patterns in turn cost 6 % of
     * a listing request's CPU.
     */
    private final Map<String, List<Route>> routesByShape;

    private ApiRoutes(List<Route> routes, List<String> templates) {
        Map<String, List<Route>> byShape = new java.util.LinkedHashMap<>();
        for (int i = 0; i < routes.size(); i++) {
            byShape.computeIfAbsent(shape(templates.get(i)), key -> new ArrayList<>()).add(routes.get(i));
        }
        byShape.replaceAll((shape, list) -> List.copyOf(list));
        this.routesByShape = Map.copyOf(byShape);
    }

    /**
     * The segment count and first two segments of a path, or of a template (whose first two segments are literal;
     * a variable matches one non-empty segment, without slashes, so matching paths have the same shape).
     */
    private static String shape(String path) {
        int segments = 0;
        int prefixEnd = path.length();
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) == '/' && ++segments == 3) {
                prefixEnd = i;
            }
        }
        return segments + path.substring(0, prefixEnd);
    }

    private Optional<Route> route(String path) {
        return routesByShape.getOrDefault(shape(path), List.of()).stream()
                .filter(route -> route.pattern().matcher(path).matches()).findFirst();
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
        List<String> templates = new ArrayList<>();
        paths.forEach((template, item) -> {
            if (shape(template).contains("{")) {
                throw new IllegalArgumentException("a path's first two segments must be literal: " + template);
            }
            templates.add(template);
            Map<String, Set<String>> scopesByMethod = new java.util.HashMap<>();
            item.forEach((key, operation) -> {
                if (METHODS.contains(key)) {
                    scopesByMethod.put(key.toUpperCase(Locale.ROOT), oauth2Scopes((Map<String, Object>) operation));
                }
            });
            String regex = Pattern.quote(template).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
            routes.add(new Route(Pattern.compile(regex), Map.copyOf(scopesByMethod)));
        });
        return new ApiRoutes(routes, templates);
    }

    @SuppressWarnings("unchecked")
    private static Set<String> oauth2Scopes(Map<String, Object> operation) {
        List<Map<String, List<String>>> security = (List<Map<String, List<String>>>) operation.get("security");
        if (security == null) {
            return Set.of();
        }
        return security.stream()
                .map(requirement -> requirement.getOrDefault("oauth2", List.of()))
                .flatMap(List::stream)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** The scopes the operation at {@code method path} requires; empty for an unknown operation. */
    public Set<String> requiredScopes(String method, String path) {
        return route(path).map(route -> route.scopesByMethod().getOrDefault(method, Set.of()))
                .orElse(Set.of());
    }

    /** The methods the document allows on {@code path}, or empty when it has no such path. */
    public Optional<Set<String>> allowedMethods(String path) {
        return route(path).map(Route::methods);
    }

    /** The problem for a request no handler took: 405 when only the method is wrong, 404 otherwise. */
    public ProblemException unrouted(String method, String path) {
        return allowedMethods(path)
                .filter(allowed -> !allowed.contains(method))
                .map(allowed -> ProblemException.methodNotAllowed(method, allowed))
                .orElseGet(() -> ProblemException.routeNotFound(path));
    }
}
