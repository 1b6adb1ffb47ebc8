package dev.marketplace.server.platform.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The operations of the OpenAPI document the server serves, the single source of truth for which requests exist
 * and who may make them. {@link #resolve} takes a request's path as sent and names its one operation, or refuses it:
 * 404 for a path that is not in the document or not written the way the document writes it, 405 with
 * {@code Allow} for a wrong method on a known path. Authorization takes the operation's scopes from there, and
 * {@link ContractRouting} lets a handler run only for its own operation (decision 22).
 */
public final class ApiRoutes {

    public static final String DOCUMENT = "META-INF/openapi.yaml";
    /** The document's routes, written by the build ({@link #main}) and read at the start. */
    static final String ROUTES = "META-INF/openapi-routes.tsv";
    /**
     * Where Helidon's OpenAPI feature serves the document: the one route of the server that the document does not
     * list (it would describe itself), open to anyone like the document says of every public operation.
     */
    public static final String DOCUMENT_PATH = "/openapi";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

    /**
     * An operation of the document. A public one ({@code security: []}, or the empty requirement among others, as
     * for endpoints that check their own credentials) takes no bearer token; every other one names the OAuth2
     * scopes its token must carry.
     */
    public record Operation(String method, String path, boolean isPublic, Set<String> scopes) {
    }

    /** A path of the document (its template) and its operations by method. */
    private record Route(String template, Pattern pattern, Map<String, Operation> operationsByMethod) {
        Set<String> methods() {
            return new TreeSet<>(operationsByMethod.keySet());
        }
    }

    /**
     * The routes in document order (the first match wins), grouped by the path's number of segments and first
     * two segments: every request looks its route up, and trying each of the document's patterns in turn cost 6 % of
     * a listing request's CPU.
     */
    private final Map<String, List<Route>> routesByShape;
    private final Map<String, Route> routesByTemplate;

    private ApiRoutes(List<Route> routes) {
        Map<String, List<Route>> byShape = new LinkedHashMap<>();
        Map<String, Route> byTemplate = new HashMap<>();
        for (Route route : routes) {
            byShape.computeIfAbsent(shape(route.template()), key -> new ArrayList<>()).add(route);
            byTemplate.put(route.template(), route);
        }
        byShape.replaceAll((shape, list) -> List.copyOf(list));
        this.routesByShape = Map.copyOf(byShape);
        this.routesByTemplate = Map.copyOf(byTemplate);
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

    /**
     * The routes as the build wrote them from the document ({@link #main}): reading them costs a few milliseconds,
     * where parsing the document's 700 KB of YAML cost a start 330-620 ms of CPU on its critical path (decision 125).
     */
    public static ApiRoutes fromClasspathRoutes() {
        try (InputStream in = ApiRoutes.class.getClassLoader().getResourceAsStream(ROUTES)) {
            if (in == null) {
                throw new IllegalStateException(ROUTES + " is not on the classpath: the build writes it from " + DOCUMENT);
            }
            List<Route> routes = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] fields = line.split("\t");
                Map<String, Operation> operationsByMethod = new HashMap<>();
                for (int i = 1; i < fields.length; i++) {
                    int colon = fields[i].indexOf(':');
                    String method = colon < 0 ? fields[i] : fields[i].substring(0, colon);
                    Set<String> scopes = colon < 0 || colon == fields[i].length() - 1 ? Set.of()
                            : Set.of(fields[i].substring(colon + 1).split(","));
                    operationsByMethod.put(method, new Operation(method, fields[0], colon < 0, scopes));
                }
                routes.add(route(fields[0], operationsByMethod));
            }
            return new ApiRoutes(routes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The build's step (server/pom.xml, process-classes): parses the document on the classpath, checking what
     * {@link #fromDocument} checks, and writes its routes to the file given, which {@link #fromClasspathRoutes} reads.
     * One line per path in document order: the template, then per operation a tab and its method, followed for one
     * that takes a token by a colon and its scopes (comma-separated, possibly none).
     */
    public static void main(String[] args) throws IOException {
        Path target = Path.of(args[0]);
        Files.createDirectories(target.getParent());
        Files.writeString(target, documentRoutesText(), StandardCharsets.UTF_8);
    }

    /** What {@link #main} writes: the routes of the document on the classpath (tests compare them with the file). */
    static String documentRoutesText() {
        StringBuilder text = new StringBuilder();
        for (Route route : documentRoutes()) {
            text.append(route.template());
            route.operationsByMethod().values().stream().sorted(Comparator.comparing(Operation::method))
                    .forEach(operation -> text.append('\t').append(operation.method()).append(operation.isPublic() ? ""
                            : ":" + String.join(",", new TreeSet<>(operation.scopes()))));
            text.append('\n');
        }
        return text.toString();
    }

    @SuppressWarnings("unchecked")
    private static List<Route> documentRoutes() {
        try (InputStream in = ApiRoutes.class.getClassLoader().getResourceAsStream(DOCUMENT)) {
            if (in == null) {
                throw new IllegalStateException(DOCUMENT + " is not on the classpath");
            }
            return routes((Map<String, Object>) new Yaml(new LoaderOptions()).load(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ApiRoutes fromDocument(Map<String, Object> document) {
        return new ApiRoutes(routes(document));
    }

    @SuppressWarnings("unchecked")
    private static List<Route> routes(Map<String, Object> document) {
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) document.get("paths");
        List<Route> routes = new ArrayList<>();
        paths.forEach((template, item) -> {
            if (shape(template).contains("{")) {
                throw new IllegalArgumentException("a path's first two segments must be literal: " + template);
            }
            if (!isCanonical(template.replaceAll("\\{[^}]+}", "x"))) {
                throw new IllegalArgumentException("a path must be in canonical form: " + template);
            }
            Map<String, Operation> operationsByMethod = new HashMap<>();
            item.forEach((key, operation) -> {
                if (METHODS.contains(key)) {
                    String method = key.toUpperCase(Locale.ROOT);
                    operationsByMethod.put(method, operation(method, template, (Map<String, Object>) operation));
                }
            });
            routes.add(route(template, operationsByMethod));
        });
        if (paths.containsKey(DOCUMENT_PATH)) {
            throw new IllegalArgumentException(DOCUMENT_PATH + " is where the document is served; it cannot list it");
        }
        routes.add(route(DOCUMENT_PATH, Map.of("GET", new Operation("GET", DOCUMENT_PATH, true, Set.of()))));
        return routes;
    }

    private static Route route(String template, Map<String, Operation> operationsByMethod) {
        String regex = Pattern.quote(template).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
        return new Route(template, Pattern.compile(regex), Map.copyOf(operationsByMethod));
    }

    /**
     * Who may call an operation, as its {@code security} says. An operation that says nothing is refused here rather
     * than left open: being public must be written down ({@code security: []}).
     */
    private static Operation operation(String method, String template, Map<String, Object> operation) {
        if (!(operation.get("security") instanceof List<?> requirements)) {
            throw new IllegalArgumentException(method + " " + template
                    + " does not say who may call it: give it security (an empty list when anyone may)");
        }
        if (requirements.isEmpty() || requirements.contains(Map.of())) {
            return new Operation(method, template, true, Set.of());
        }
        if (requirements.size() == 1 && requirements.getFirst() instanceof Map<?, ?> requirement
                && requirement.keySet().equals(Set.of("oauth2")) && requirement.get("oauth2") instanceof List<?> scopes) {
            return new Operation(method, template, false,
                    scopes.stream().map(String.class::cast).collect(Collectors.toUnmodifiableSet()));
        }
        throw new IllegalArgumentException(method + " " + template + " has security the server cannot enforce: "
                + requirements);
    }

    /**
     * The operation a request is for, from its method and its path as sent (before any decoding or normalising):
     * a path that is not canonical ({@link #isCanonical}) or not in the document is 404, a wrong method 405.
     */
    public Operation resolve(String method, String rawPath) {
        if (!isCanonical(rawPath)) {
            throw ProblemException.nonCanonicalPath(rawPath);
        }
        Route route = route(rawPath).orElseThrow(() -> ProblemException.routeNotFound(rawPath));
        Operation operation = route.operationsByMethod().get(method);
        if (operation == null) {
            throw ProblemException.methodNotAllowed(method, route.methods());
        }
        return operation;
    }

    /** The operation at a path template exactly as the document writes it (parameter names included), if any. */
    public Optional<Operation> operation(String method, String template) {
        return Optional.ofNullable(routesByTemplate.get(template))
                .map(route -> route.operationsByMethod().get(method));
    }

    /** Whether {@code path} is a path of the document whose every operation is public. */
    public boolean isPublicPath(String path) {
        return route(path).map(route -> route.operationsByMethod().values().stream().allMatch(Operation::isPublic))
                .orElse(false);
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

    /**
     * Whether a path as sent is written the one way the document writes paths: a slash, then non-empty segments
     * separated by single slashes, none of them {@code .} or {@code ..}, of unreserved characters and
     * sub-delimiters other than {@code ;} (RFC 3986), percent-encoding only octets that need it (not letters,
     * digits, {@code -._~}, slash, backslash or control characters) and in upper case. Helidon routes by the
     * decoded and normalised path (matrix parameters cut, {@code %XX} decoded, {@code //}, {@code .} and {@code ..}
     * resolved); a canonical path is the one whose decoded form has the same segments, so what is authorized here
     * is what is routed there. One pass over the characters, no allocation.
     */
    static boolean isCanonical(String path) {
        if (path.length() < 2 || path.charAt(0) != '/') {
            return false;
        }
        int segmentStart = 1;
        for (int i = 1; i <= path.length(); i++) {
            char c = i < path.length() ? path.charAt(i) : '/';
            if (c == '/') {
                int length = i - segmentStart;
                boolean dotSegment = (length == 1 || length == 2) && path.charAt(segmentStart) == '.'
                        && path.charAt(i - 1) == '.';
                if (length == 0 || dotSegment) {
                    return false;
                }
                segmentStart = i + 1;
            } else if (c == '%') {
                int octet = i + 2 < path.length() ? upperHex(path.charAt(i + 1)) << 4 | upperHex(path.charAt(i + 2)) : -1;
                // Encoded controls stay inside their segment: StorableText refuses a NUL there, naming the parameter.
                if (octet < 0 || octet == '/' || octet == '\\' || isUnreserved((char) octet)) {
                    return false;
                }
                i += 2;
            } else if (!isUnreserved(c) && "!$&'()*+,=:@".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isUnreserved(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
                || c == '~';
    }

    /** The value of an upper-case hexadecimal digit; a large negative number for anything else. */
    private static int upperHex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -0x1000;
    }
}
