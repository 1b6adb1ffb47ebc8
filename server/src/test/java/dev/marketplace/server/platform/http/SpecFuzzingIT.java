package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.testing.SpecDocument;
import dev.marketplace.server.testing.TestServer;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests generated from the OpenAPI document for every operation, most of them wrong on purpose (issue 21): wrong
 * types, missing and extra fields, boundary and huge numbers, long and odd Unicode (NUL, lone surrogates, bidi
 * controls), invalid UTF-8, duplicate JSON keys, wrong content types, odd path parameters and path variants, odd
 * query parameters, forged cursors, odd headers and tokens. For each: no 5xx, the answer documented by the document
 * and valid against it (every response goes through {@code ContractValidator}), and a refused request changed no
 * table.
 *
 * <p>The seed is fixed, so the build sends the same requests every time. A longer run or another seed:
 * {@code -Dfuzz.tries=5000 -Dfuzz.seed=7} (and {@code -Dit.test=SpecFuzzingIT}); a failure names the request and its
 * try, which {@code -Dfuzz.seed=<seed> -Dfuzz.first=<try>} sends first. A plain seeded generator rather than a
 * property-testing library: decision 48 says why.
 */
class SpecFuzzingIT {

    private static final TestServer server = new TestServer();
    private static List<Target> operations;
    private static String digestQuery;
    /** The tables as the last refused request left them (null after a request that did something). */
    private static Map<String, String> lastDigest;

    /** An operation of the document, with its parameters (the path item's and its own). */
    record Target(String method, String template, Operation operation, List<Parameter> parameters) {
        List<Parameter> in(String where) {
            return parameters.stream().filter(p -> where.equals(p.getIn())).toList();
        }

        Optional<MediaType> body(String contentType) {
            return Optional.ofNullable(operation.getRequestBody()).map(body -> body.getContent().get(contentType));
        }
    }

    /** What is wrong with a request (VALID: nothing meant to be). */
    enum Fault {
        VALID, FIELD_VALUE, MISSING_FIELD, EXTRA_FIELD, DUPLICATE_KEY, NOT_JSON, INVALID_UTF8, CONTENT_TYPE,
        PATH_PARAMETER, PATH_VARIANT, QUERY_PARAMETER, FORGED_CURSOR, HEADER, CREDENTIALS
    }

    /** One request as sent: a target (path and query, percent-encoded), headers and body bytes. */
    record Fuzzed(String label, String method, String target, List<String[]> headers, byte[] body) {
        @Override
        public String toString() {
            String shown = new String(body, StandardCharsets.UTF_8);
            return label + ": " + method + " " + target + " " + headers.stream().map(h -> h[0] + "=" + h[1]).toList()
                    + " " + (shown.length() > 300 ? shown.substring(0, 300) + "…(" + body.length + " bytes)" : shown);
        }
    }

    private static final long SEED = Long.getLong("fuzz.seed", 2112026);
    private static final int TRIES = Integer.getInteger("fuzz.tries", 400);
    private static final int FIRST = Integer.getInteger("fuzz.first", 0);

    @BeforeAll
    static void start() {
        server.beforeAll(null);
        operations = new ArrayList<>();
        SpecDocument.resolved().getPaths().forEach((template, item) -> item.readOperationsMap().forEach((method, op) -> {
            List<Parameter> parameters = new ArrayList<>();
            Optional.ofNullable(item.getParameters()).ifPresent(parameters::addAll);
            Optional.ofNullable(op.getParameters()).ifPresent(parameters::addAll);
            operations.add(new Target(method.name(), template, op, parameters));
        }));
        // Every table's rows and last write, as one query: the audit trail records refused requests too, by rule, and the shared rate-limit buckets count them; of
        // the event subscribers' rows only their cursors count (every poll renews a lease, whatever the requests do).
        digestQuery = server.db().fetch("SELECT table_name::text FROM information_schema.tables"
                        + " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('audit_event', 'rate_limit_bucket')"
                        + " ORDER BY table_name").getValues(0, String.class).stream()
                .map(table -> table.equals("event_subscription")
                        ? "SELECT 'event_subscription', md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))"
                                + " FROM (SELECT name, position, failing_position, failures, last_error FROM event_subscription) t"
                        // A row written gets a new xmin, a row deleted lowers the count: no need to read the rows.
                        : "SELECT '" + table + "', count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM \"" + table + "\"")
                .collect(Collectors.joining(" UNION ALL "));
    }

    @AfterAll
    static void stop() {
        server.afterAll(null);
    }

    @Test
    void everyAnswerIsDocumentedNoneIsA5xxAndARefusalChangesNothing() {
        for (int attempt = FIRST; attempt < FIRST + TRIES; attempt++) {
            // Each try has a seed of its own, so that one failure can be replayed alone.
            Random random = new Random(SEED * 1_000_003L + attempt);
            Target target = operations.get(random.nextInt(operations.size()));
            Fault fault = Fault.values()[random.nextInt(Fault.values().length)];
            check("try " + attempt + " of seed " + SEED, new Generator(target, random).request(fault));
        }
    }

    private static void check(String attempt, Fuzzed request) {
        if (lastDigest == null) {
            lastDigest = database();
        }
        HttpResponse<String> response = send(request);
        assertThat(response.statusCode()).as("%s: %s%n→ %s", attempt, request, response.body()).isLessThan(500);
        if (response.statusCode() >= 400) {
            Map<String, String> after = database();
            assertThat(changedTables(lastDigest, after)).as("tables changed by the refused %s: %s%n→ %s", attempt,
                    request, response.body()).isEmpty();
            lastDigest = after;
        } else {
            // A request that did something may have events for subscribers: let them finish before the next
            // digest, so that their work is not taken for the next request's.
            server.catchUp(server.db().fetch("SELECT name FROM event_subscription").getValues(0, String.class)
                    .toArray(String[]::new));
            lastDigest = null;
        }
    }

    private static HttpResponse<String> send(Fuzzed request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(server.baseUri() + request.target()))
                .timeout(Duration.ofSeconds(30))
                .method(request.method(), request.body().length == 0 && !request.method().equals("POST")
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(header -> builder.header(header[0], header[1]));
        return server.send(builder.build());
    }

    private static Map<String, String> database() {
        Map<String, String> digests = new TreeMap<>();
        server.db().fetch(digestQuery).forEach(row -> digests.put(row.get(0, String.class), row.get(1, String.class)));
        return digests;
    }

    private static List<String> changedTables(Map<String, String> before, Map<String, String> after) {
        return after.keySet().stream().filter(table -> !after.get(table).equals(before.get(table))).toList();
    }

    /** Builds one request for an operation from a seeded random source. */
    private static final class Generator {

        /** Odd strings, as text (JSON bodies) — each is also sent percent-encoded in paths and queries. */
        private static final List<String> ODD_TEXT = List.of("", " ", "\u0000", "a\u0000b", "\uD800", "x\uDC00y",
                "\uDBFF\uDFFF", "\uFEFFbom", "\u202Eevil", "e\u0301", "😀𝕏", "Ａ", "\u2028\u2029", "\t\r\n", "'; DROP TABLE x;--",
                "<script>alert(1)</script>", "../../etc/passwd", "${jndi:ldap://x/a}", "%00", "%s%n", "NaN", "-0", "1e400",
                "\\", "\"", "null", "true", "[]", "{}", "最安値", "0x7fffffff", "9".repeat(40), "ｔｅｓｔ", "\u0085", "\uFFFE");
        /** Byte sequences that are not UTF-8 (overlong, surrogate, truncated, 0xFF), percent-encoded. */
        private static final List<String> BAD_BYTES = List.of("%FF", "%C0%AF", "%ED%A0%80", "%E2%82", "%F8%88%80%80%80",
                "%00", "%2F", "%2e%2e", "%25", "..", ".", "%0D%0A");
        private static final List<Object> ODD_NUMBERS = List.of(0, -1, 1, Integer.MIN_VALUE, Integer.MAX_VALUE,
                2147483648L, 9007199254740993L, Long.MAX_VALUE, new BigInteger("9223372036854775808"),
                new BigInteger("-99999999999999999999999999999"), new BigDecimal("1e400"), new BigDecimal("-1e-400"),
                new BigDecimal("0.5"), new BigDecimal("1.0"), new BigDecimal("1E+2"));
        private static final List<String> CONTENT_TYPES = List.of("text/plain", "application/xml",
                "application/json; charset=utf-16", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
                "application/json-patch+json", "*/*", "application/json; charset=latin1");

        /**
         * The longest odd value in a path or query: longer than Helidon's 2,048-byte prologue limit, so that some
         * tries get the 414 every operation documents.
         */
        private static final int LONG = 3000;

        private final Target target;
        private final Random random;

        Generator(Target target, Random random) {
            this.target = target;
            this.random = random;
        }

        Fuzzed request(Fault fault) {
            String path = path();
            Map<String, String> query = new LinkedHashMap<>();
            List<String[]> headers = new ArrayList<>();
            headers.add(new String[] {"Authorization", "Bearer " + server.operatorToken()});
            for (Parameter header : target.in("header")) {
                if (random.nextBoolean()) {
                    headers.add(new String[] {header.getName(), header.getName().equals("If-Match")
                            ? "\"" + random.nextInt(5) + "\"" : UUID.randomUUID().toString()});
                }
            }
            Optional<MediaType> json = target.body("application/json");
            Optional<MediaType> form = target.body("application/x-www-form-urlencoded");
            Object value = json.map(m -> valid(m.getSchema(), 0)).orElse(null);
            String contentType = json.isPresent() ? "application/json" : form.isPresent() ? "application/x-www-form-urlencoded" : null;
            byte[] body = new byte[0];
            String label = fault.name();
            switch (fault) {
                case VALID -> { }
                case FIELD_VALUE -> value = replaceSomewhere(value, this::oddValue);
                case MISSING_FIELD -> value = removeSomewhere(value);
                case EXTRA_FIELD -> value = extraSomewhere(value);
                case DUPLICATE_KEY, NOT_JSON, INVALID_UTF8 -> { } // applied to the text below
                case CONTENT_TYPE -> contentType = pick(CONTENT_TYPES);
                case PATH_PARAMETER -> path = oddPathParameter();
                case PATH_VARIANT -> path = pathVariant(path);
                case QUERY_PARAMETER -> oddQuery(query);
                case FORGED_CURSOR -> query.put("cursor", forgedCursor());
                case HEADER -> headers.add(oddHeader());
                case CREDENTIALS -> headers.set(0, oddCredentials());
            }
            if (value != null) {
                String text = Json.write(value);
                if (fault == Fault.DUPLICATE_KEY) {
                    text = duplicateKey(text);
                } else if (fault == Fault.NOT_JSON) {
                    text = notJson(text);
                }
                body = text.getBytes(StandardCharsets.UTF_8);
                if (fault == Fault.INVALID_UTF8) {
                    body = withInvalidUtf8(body);
                }
            } else if (form.isPresent()) {
                body = form(form.get().getSchema(), fault).getBytes(StandardCharsets.ISO_8859_1);
            } else if (fault == Fault.NOT_JSON || fault == Fault.INVALID_UTF8 || fault == Fault.DUPLICATE_KEY) {
                contentType = "application/json"; // a body where none is expected
                body = fault == Fault.INVALID_UTF8 ? new byte[] {'"', (byte) 0xFF, '"'} : "{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8);
            }
            if (contentType != null && body.length > 0) {
                headers.add(new String[] {"Content-Type", contentType});
            }
            String target = query.isEmpty() ? path : path + "?" + query.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
            return new Fuzzed(label + " " + this.target.method() + " " + this.target.template(), this.target.method(),
                    target, headers, body);
        }

        // ---- paths, queries, headers

        private String path() {
            String path = target.template();
            for (Parameter parameter : target.in("path")) {
                path = path.replace("{" + parameter.getName() + "}", encode(String.valueOf(valid(parameter.getSchema(), 0))));
            }
            return path;
        }

        private String oddPathParameter() {
            String path = target.template();
            List<Parameter> parameters = target.in("path");
            Parameter odd = parameters.isEmpty() ? null : pick(parameters);
            for (Parameter parameter : parameters) {
                String value = parameter == odd ? oddEncoded(parameter.getSchema())
                        : encode(String.valueOf(valid(parameter.getSchema(), 0)));
                path = path.replace("{" + parameter.getName() + "}", value);
            }
            return path;
        }

        private String pathVariant(String path) {
            return switch (random.nextInt(9)) {
                case 0 -> path + "/";
                case 1 -> path.replaceFirst("/", "//");
                case 2 -> "/v1/./" + path.substring(path.indexOf('/', 1) + 1);
                case 3 -> "/v1/x/../" + path.substring(path.indexOf('/', 1) + 1);
                case 4 -> path.toUpperCase(Locale.ROOT);
                case 5 -> path + ";jsessionid=1";
                case 6 -> "/" + path.substring(1).replace("/", "%2F");
                case 7 -> path + "/%2e%2e/%2e%2e";
                default -> path + "/" + pick(BAD_BYTES);
            };
        }

        private void oddQuery(Map<String, String> query) {
            List<Parameter> parameters = target.in("query");
            if (parameters.isEmpty() || random.nextInt(4) == 0) {
                query.put(encode(pick(ODD_TEXT)) + "x", oddEncoded(null)); // a parameter nobody documents
                return;
            }
            Parameter parameter = pick(parameters);
            query.put(parameter.getName(), oddEncoded(parameter.getSchema()));
            if (random.nextBoolean()) {
                query.put(parameter.getName() + "=" + encode(String.valueOf(valid(parameter.getSchema(), 0))) + "&"
                        + parameter.getName(), encode(String.valueOf(valid(parameter.getSchema(), 0)))); // given twice
            }
        }

        private String forgedCursor() {
            List<String> forged = List.of("[]", "{}", "[1,2]", "[null,null]", "[\"\\u0000\",\"x\"]",
                    "[\"+999999999-12-31T23:59:59Z\",\"" + UUID.randomUUID() + "\"]", "[1e400,\"" + UUID.randomUUID() + "\"]",
                    "[\"" + "x".repeat(1000) + "\"]", "[".repeat(1000), "[\"\\ud800\",\"" + UUID.randomUUID() + "\"]",
                    "[-1]", "[9223372036854775808]", "\"x\"");
            return switch (random.nextInt(4)) {
                case 0 -> pick(BAD_BYTES);
                case 1 -> "A".repeat(1 + random.nextInt(LONG));
                default -> Base64.getUrlEncoder().withoutPadding().encodeToString(pick(forged).getBytes(StandardCharsets.UTF_8));
            };
        }

        private String[] oddHeader() {
            return switch (random.nextInt(6)) {
                case 0 -> new String[] {"Idempotency-Key", "k".repeat(256 + random.nextInt(5000))};
                case 1 -> new String[] {"Idempotency-Key", " "};
                case 2 -> new String[] {"If-Match", pick(List.of("*", "W/\"1\"", "\"", "x".repeat(3000)))};
                case 3 -> new String[] {"Accept", pick(List.of("application/xml", "text/html", "image/*;q=0", "garbage///"))};
                case 4 -> new String[] {"X-Request-Id", pick(List.of("x".repeat(5000), "a b", "\"'<>"))};
                default -> new String[] {"Accept-Charset", "utf-16"};
            };
        }

        private String[] oddCredentials() {
            String token = server.operatorToken();
            return new String[] {"Authorization", switch (random.nextInt(7)) {
                case 0 -> "Bearer";
                case 1 -> "Bearer " + token.substring(0, token.length() - 2);
                case 2 -> "Basic " + Base64.getEncoder().encodeToString("a:b".getBytes(StandardCharsets.UTF_8));
                case 3 -> "Bearer " + "e".repeat(10_000);
                case 4 -> "bearer " + token;
                case 5 -> "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.";
                default -> "Bearer " + token + " " + token;
            }};
        }

        private String form(Schema<?> schema, Fault fault) {
            Map<String, String> fields = new LinkedHashMap<>();
            if (schema.getProperties() != null) {
                schema.getProperties().forEach((name, property) -> {
                    if (schema.getRequired() != null && schema.getRequired().contains(name) || random.nextBoolean()) {
                        fields.put(name, encode(String.valueOf(valid(property, 0))));
                    }
                });
            }
            if (fault != Fault.VALID && !fields.isEmpty()) {
                String name = pick(new ArrayList<>(fields.keySet()));
                fields.put(name, fault == Fault.MISSING_FIELD ? "" : oddEncoded(null));
                if (fault == Fault.DUPLICATE_KEY) {
                    fields.put(name + "=x&" + name, "y");
                }
            }
            return fields.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
        }

        /** An odd value for a parameter, percent-encoded: wrong bytes, odd text, odd numbers, or too long. */
        private String oddEncoded(Schema<?> schema) {
            return switch (random.nextInt(5)) {
                case 0 -> pick(BAD_BYTES);
                case 1 -> encode(pick(ODD_TEXT));
                case 2 -> encode(String.valueOf(pick(ODD_NUMBERS)));
                case 3 -> encode("x".repeat(schema != null && schema.getMaxLength() != null && schema.getMaxLength() < LONG
                        ? schema.getMaxLength() + 1
                        : 1 + random.nextInt(LONG)));
                default -> encode(pick(ODD_TEXT)) + pick(BAD_BYTES);
            };
        }

        // ---- bodies

        /** A value the schema accepts, as far as generating one blindly goes. */
        @SuppressWarnings({"unchecked", "rawtypes"})
        private Object valid(Schema<?> schema, int depth) {
            if (schema == null) {
                return "x";
            }
            if (schema.getExample() != null && random.nextInt(3) > 0 && !(schema.getExample() instanceof Map)
                    && !(schema.getExample() instanceof List)) {
                return schema.getExample();
            }
            if (schema.getEnum() != null && !schema.getEnum().isEmpty()) {
                return pick(new ArrayList<>(schema.getEnum()));
            }
            List<Schema> choices = schema.getOneOf() != null ? schema.getOneOf() : schema.getAnyOf();
            if (choices != null && !choices.isEmpty()) {
                return valid(pick(choices), depth);
            }
            String type = schema.getType() != null ? schema.getType()
                    : schema.getTypes() != null && !schema.getTypes().isEmpty() ? schema.getTypes().iterator().next()
                    : schema.getProperties() != null ? "object" : "string";
            return switch (type) {
                case "object" -> {
                    Map<String, Object> object = new LinkedHashMap<>();
                    if (schema.getProperties() != null && depth < 6) {
                        ((Map<String, Schema>) schema.getProperties()).forEach((name, property) -> {
                            boolean required = schema.getRequired() != null && schema.getRequired().contains(name);
                            if (required || random.nextInt(3) == 0) {
                                object.put(name, valid(property, depth + 1));
                            }
                        });
                    }
                    yield object;
                }
                case "array" -> {
                    List<Object> array = new ArrayList<>();
                    int size = Math.max(schema.getMinItems() == null ? 0 : schema.getMinItems(), random.nextInt(3));
                    for (int i = 0; i < size && depth < 6; i++) {
                        array.add(valid(schema.getItems(), depth + 1));
                    }
                    yield array;
                }
                case "integer" -> {
                    long low = schema.getMinimum() == null ? 0 : schema.getMinimum().longValue();
                    long high = schema.getMaximum() == null ? low + 1000 : schema.getMaximum().longValue();
                    yield low + (long) (random.nextDouble() * Math.min(high - low, 1_000_000));
                }
                case "number" -> BigDecimal.valueOf(random.nextInt(1000));
                case "boolean" -> random.nextBoolean();
                default -> validString(schema);
            };
        }

        private String validString(Schema<?> schema) {
            String format = schema.getFormat() == null ? "" : schema.getFormat();
            return switch (format) {
                case "uuid" -> UUID.randomUUID().toString();
                case "date-time" -> "2026-12-06T01:02:03Z";
                case "date" -> "2026-12-06";
                case "email" -> "fuzz" + random.nextInt(1000) + "@example.com";
                case "uri" -> "https://example.com/" + random.nextInt(1000);
                default -> {
                    int length = Math.max(schema.getMinLength() == null ? 1 : schema.getMinLength(), 1 + random.nextInt(8));
                    if (schema.getMaxLength() != null) {
                        length = Math.min(length, schema.getMaxLength());
                    }
                    StringBuilder text = new StringBuilder();
                    for (int i = 0; i < length; i++) {
                        text.append((char) ('a' + random.nextInt(26)));
                    }
                    yield text.toString();
                }
            };
        }

        /** A value of another type, at or past a boundary, or odd text. */
        private Object oddValue(Object current) {
            return switch (random.nextInt(6)) {
                case 0 -> pick(ODD_NUMBERS);
                case 1 -> pick(ODD_TEXT);
                case 2 -> pick(List.of(true, List.of(), Map.of(), Json.NULL, List.of(List.of(List.of()))));
                case 3 -> current instanceof String text ? text.repeat(1 + random.nextInt(3)) + "x".repeat(random.nextInt(70_000))
                        : "x".repeat(1 + random.nextInt(600));
                case 4 -> current instanceof Number number ? new BigDecimal(number.toString()).negate().subtract(BigDecimal.ONE)
                        : pick(ODD_NUMBERS);
                default -> current instanceof List<?> list ? java.util.Collections.nCopies(1 + random.nextInt(2000),
                        list.isEmpty() ? "x" : list.getFirst()) : pick(ODD_TEXT);
            };
        }

        @SuppressWarnings("unchecked")
        private Object replaceSomewhere(Object value, java.util.function.UnaryOperator<Object> replacement) {
            if (value instanceof Map<?, ?> map && !map.isEmpty() && random.nextInt(4) > 0) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) map);
                String name = pick(new ArrayList<>(copy.keySet()));
                copy.put(name, replaceSomewhere(copy.get(name), replacement));
                return copy;
            }
            if (value instanceof List<?> list && !list.isEmpty() && random.nextInt(4) > 0) {
                List<Object> copy = new ArrayList<>(list);
                int index = random.nextInt(copy.size());
                copy.set(index, replaceSomewhere(copy.get(index), replacement));
                return copy;
            }
            return replacement.apply(value);
        }

        @SuppressWarnings("unchecked")
        private Object removeSomewhere(Object value) {
            if (value instanceof Map<?, ?> map && !map.isEmpty()) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) map);
                String name = pick(new ArrayList<>(copy.keySet()));
                if (random.nextBoolean() && (copy.get(name) instanceof Map || copy.get(name) instanceof List)) {
                    copy.put(name, removeSomewhere(copy.get(name)));
                } else {
                    copy.remove(name);
                }
                return copy;
            }
            if (value instanceof List<?> list && !list.isEmpty()) {
                List<Object> copy = new ArrayList<>(list);
                int index = random.nextInt(copy.size());
                copy.set(index, removeSomewhere(copy.get(index)));
                return copy;
            }
            return value;
        }

        @SuppressWarnings("unchecked")
        private Object extraSomewhere(Object value) {
            return replaceSomewhere(value, current -> {
                if (current instanceof Map<?, ?> map) {
                    Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) map);
                    copy.put(pick(List.of("unknown", "__proto__", "id", "merchantId", "status", "\u0000", "")), pick(ODD_TEXT));
                    return copy;
                }
                return current;
            });
        }

        private String duplicateKey(String json) {
            int colon = json.indexOf("\":");
            if (!json.startsWith("{\"") || colon < 0) {
                return "{\"a\":1,\"a\":2}";
            }
            String key = json.substring(1, colon + 1);
            return "{" + key + ":" + Json.write(pick(ODD_TEXT)) + "," + json.substring(1);
        }

        private String notJson(String json) {
            return switch (random.nextInt(7)) {
                case 0 -> json.substring(0, random.nextInt(Math.max(json.length(), 1)));
                case 1 -> "";
                case 2 -> pick(List.of("null", "[]", "1", "\"s\"", "true"));
                case 3 -> json + json;
                case 4 -> "[".repeat(10_000);
                case 5 -> json.replace("\"", "'");
                default -> "{\"a\":" + "1".repeat(5000) + "}";
            };
        }

        private byte[] withInvalidUtf8(byte[] json) {
            byte[] bad = pick(List.of(new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xC0, (byte) 0xAF},
                    new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xE2, (byte) 0x82}));
            int quote = -1;
            for (int i = 0; i < json.length; i++) {
                if (json[i] == '"' && (quote < 0 || random.nextInt(3) == 0)) {
                    quote = i;
                }
            }
            int at = quote < 0 ? json.length : quote + 1;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(json, 0, at);
            out.writeBytes(bad);
            out.write(json, at, json.length - at);
            return out.toByteArray();
        }

        private <T> T pick(List<T> values) {
            return values.get(random.nextInt(values.size()));
        }

        /** Percent-encodes every byte outside the unreserved set (lone surrogates become '?', as UTF-8 has none). */
        private static String encode(String text) {
            StringBuilder encoded = new StringBuilder();
            for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                int c = b & 0xFF;
                if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0) {
                    encoded.append((char) c);
                } else {
                    encoded.append('%').append(String.format("%02X", c));
                }
            }
            return encoded.toString();
        }
    }

    /** JSON text written by hand, so that lone surrogates and odd numbers go out exactly as generated. */
    private static final class Json {

        static final Object NULL = new Object() {
            @Override
            public String toString() {
                return "null";
            }
        };

        static String write(Object value) {
            StringBuilder out = new StringBuilder();
            write(value, out);
            return out.toString();
        }

        private static void write(Object value, StringBuilder out) {
            switch (value) {
                case null -> out.append("null");
                case Map<?, ?> map -> {
                    out.append('{');
                    boolean first = true;
                    for (Map.Entry<?, ?> entry : map.entrySet()) {
                        out.append(first ? "" : ",");
                        first = false;
                        write(String.valueOf(entry.getKey()), out);
                        out.append(':');
                        write(entry.getValue(), out);
                    }
                    out.append('}');
                }
                case List<?> list -> {
                    out.append('[');
                    for (int i = 0; i < list.size(); i++) {
                        out.append(i == 0 ? "" : ",");
                        write(list.get(i), out);
                    }
                    out.append(']');
                }
                case String text -> {
                    out.append('"');
                    for (char c : text.toCharArray()) {
                        if (c == '"' || c == '\\') {
                            out.append('\\').append(c);
                        } else if (c < 0x20 || Character.isSurrogate(c)) {
                            out.append(String.format("\\u%04x", (int) c)); // a lone surrogate stays one, escaped
                        } else {
                            out.append(c);
                        }
                    }
                    out.append('"');
                }
                case BigDecimal number -> out.append(number.toString());
                default -> out.append(value); // numbers, booleans, NULL
            }
        }
    }
}
