package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.testing.SpecDocument;
import dev.marketplace.server.testing.TestServer;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The input rules of decision 23 over every operation of the OpenAPI document, read here, so that an operation added
 * later is covered without a test of its own: NUL in each path and query parameter and in a string field of each
 * request body, and forged cursors on each list. Every answer is a 400 naming the field (validated against the
 * document like every response in the tests), and the database is the same afterwards.
 */
class InputContractIT {

    private static final String NUL = "a%00b";
    private static final String JSON_NUL = "a\\u0000b";

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static OpenAPI api;

    @BeforeAll
    static void readTheDocument() {
        api = SpecDocument.resolved();
    }

    @Test
    void nulInEveryPathAndQueryParameterIsRefusedNamingIt() {
        Map<String, String> before = database();
        List<String> checked = new ArrayList<>();
        forEachOperation((method, template, operation, parameters) -> {
            for (Parameter parameter : parameters) {
                String target;
                if (parameter.getIn().equals("path")) {
                    target = path(template, parameters, parameter.getName());
                } else if (parameter.getIn().equals("query")) {
                    target = path(template, parameters, null) + "?" + parameter.getName() + "=" + NUL;
                } else {
                    continue;
                }
                HttpResponse<String> response = server.send(request(method, target, null));
                String label = method + " " + target;
                assertThat(response.statusCode()).as("%s: %s", label, response.body()).isEqualTo(400);
                assertRefused(label, response, parameter.getName());
                checked.add(label);
            }
        });
        assertThat(checked).as("parameters checked").hasSizeGreaterThan(60);
        assertThat(database()).isEqualTo(before);
    }

    @Test
    void nulInAStringFieldOfEveryRequestBodyIsRefusedNamingIt() {
        Map<String, String> before = database();
        List<String> checked = new ArrayList<>();
        forEachOperation((method, template, operation, parameters) -> {
            if (operation.getRequestBody() == null || template.startsWith("/webhooks/")) {
                return; // webhooks read their bodies only once signed; InputLimitsIT sends them signed
            }
            String target = path(template, parameters, null);
            String label = method + " " + target;
            Map<String, MediaType> content = operation.getRequestBody().getContent();
            if (content.containsKey("application/json")) {
                Optional<List<String>> stringField = stringField(content.get("application/json").getSchema(), new ArrayList<>());
                if (stringField.isEmpty()) {
                    return; // numbers only (rotate-secret's graceSeconds)
                }
                List<String> field = stringField.get();
                HttpResponse<String> response = server.send(request(method, target, jsonWith(field)));
                assertThat(response.statusCode()).as("%s: %s", label, response.body()).isEqualTo(400);
                assertRefused(label, response, String.join("/", field));
            } else {
                String field = ((Map<String, Schema>) content.get("application/x-www-form-urlencoded").getSchema()
                        .getProperties()).keySet().iterator().next();
                HttpResponse<String> response = server.send(server.anonymousRequest(target)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(field + "=" + NUL)).build());
                assertThat(response.statusCode()).as("%s: %s", label, response.body()).isEqualTo(400);
                if (response.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
                    // The token and revocation endpoints answer in RFC 6749's format.
                    assertThat(json(response.body()).getString("error")).isEqualTo("invalid_request");
                    assertThat(json(response.body()).getString("error_description")).startsWith(field + ": ");
                } else {
                    assertRefused(label, response, field);
                }
            }
            checked.add(label);
        });
        assertThat(checked).as("bodies checked").hasSizeGreaterThan(30);
        assertThat(database()).isEqualTo(before);
    }

    @Test
    void forgedCursorsAreRefusedByEveryList() {
        List<String> forged = new ArrayList<>(List.of("[]", "{\"a\":\"b\"}", "[1]", "[1,2]", "[1,2,3]", "[null,null]",
                "[\"\\u0000\"]", "[\"\\u0000\",\"\\u0000\"]", "[\"\\u0000\",\"\\u0000\",\"\\u0000\"]",
                "[\"+999999999-12-31T23:59:59Z\",\"not-a-uuid\"]",
                "[\"not-a-time\",\"not-a-uuid\"]",
                "[\"relevance\",\"NaN!\",\"" + UUID.randomUUID() + "\"]",
                "[".repeat(700) + "]".repeat(700)));
        List<String> tokens = new ArrayList<>(forged.stream().map(cursor -> Base64.getUrlEncoder().withoutPadding()
                .encodeToString(cursor.getBytes(StandardCharsets.UTF_8))).toList());
        tokens.add("A".repeat(2000));
        tokens.add("%%%");
        List<String> lists = new ArrayList<>();
        forEachOperation((method, template, operation, parameters) -> {
            if (parameters.stream().noneMatch(p -> p.getIn().equals("query") && p.getName().equals("cursor"))) {
                return;
            }
            String path = path(template, parameters, null);
            for (String token : tokens) {
                String target = path + "?cursor=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
                HttpResponse<String> response = server.send(request(method, target, null));
                assertThat(response.statusCode()).as("%s %s: %s", method, target, response.body()).isEqualTo(400);
                JsonObject problem = json(response.body());
                assertThat(problem.getString("code")).isEqualTo("validation_failed");
                assertThat(problem.getJsonArray("errors").getValuesAs(JsonObject.class))
                        .extracting(error -> error.getString("field")).contains("cursor");
            }
            lists.add(method + " " + template);
        });
        assertThat(lists).as("lists with a cursor").contains("GET /v1/clients", "GET /v1/merchants", "GET /v1/orders",
                "GET /v1/stock", "GET /v1/locations", "GET /v1/categories", "GET /v1/listings", "GET /v1/products/changes");
    }

    private interface OperationVisitor {
        void visit(String method, String template, Operation operation, List<Parameter> parameters);
    }

    private static void forEachOperation(OperationVisitor visitor) {
        api.getPaths().forEach((template, item) -> item.readOperationsMap().forEach((method, operation) -> {
            List<Parameter> parameters = new ArrayList<>();
            Optional.ofNullable(item.getParameters()).ifPresent(parameters::addAll);
            Optional.ofNullable(operation.getParameters()).ifPresent(parameters::addAll);
            visitor.visit(method.name(), template, operation, parameters);
        }));
    }

    /** The template with plausible values in its parameters, and a NUL in {@code withNul}. */
    private static String path(String template, List<Parameter> parameters, String withNul) {
        String path = template;
        for (Parameter parameter : parameters) {
            if (parameter.getIn().equals("path")) {
                String value = parameter.getName().equals(withNul) ? NUL
                        : "uuid".equals(parameter.getSchema().getFormat()) ? UUID.randomUUID().toString() : "x";
                path = path.replace("{" + parameter.getName() + "}", value);
            }
        }
        return path;
    }

    /** The path (member names, array indexes) of the first string property in {@code schema}, depth first. */
    @SuppressWarnings("unchecked")
    private static Optional<List<String>> stringField(Schema<?> schema, List<String> at) {
        if (schema.getProperties() == null) {
            return Optional.empty();
        }
        for (Map.Entry<String, Schema> property : ((Map<String, Schema>) schema.getProperties()).entrySet()) {
            List<String> here = new ArrayList<>(at);
            here.add(property.getKey());
            Schema<?> value = property.getValue();
            if ("string".equals(value.getType())) {
                return Optional.of(here);
            }
            if ("array".equals(value.getType()) && value.getItems() != null) {
                here.add("0");
                if ("string".equals(value.getItems().getType())) {
                    return Optional.of(here);
                }
                Optional<List<String>> inItem = stringField(value.getItems(), here);
                if (inItem.isPresent()) {
                    return inItem;
                }
            }
            Optional<List<String>> nested = stringField(value, here);
            if (nested.isPresent()) {
                return nested;
            }
        }
        return Optional.empty();
    }

    /** A JSON object holding just a NUL string at {@code field}. */
    private static String jsonWith(List<String> field) {
        String value = "\"" + JSON_NUL + "\"";
        for (int i = field.size() - 1; i >= 0; i--) {
            String name = field.get(i);
            value = name.chars().allMatch(Character::isDigit) ? "[" + value + "]" : "{\"" + name + "\":" + value + "}";
        }
        return value;
    }

    private static HttpRequest request(String method, String target, String json) {
        HttpRequest.Builder request = server.request(target);
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return request.method(method.toUpperCase(Locale.ROOT), json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json)).build();
    }

    private static void assertRefused(String label, HttpResponse<String> response, String field) {
        assertThat(response.headers().firstValue("Content-Type")).as(label).contains(ProblemResponses.MEDIA_TYPE);
        JsonObject problem = json(response.body());
        assertThat(problem.getString("code")).as(label).isEqualTo("validation_failed");
        assertThat(problem.getJsonArray("errors").getValuesAs(JsonObject.class)).as(label).anySatisfy(error -> {
            assertThat(error.getString("field")).isEqualTo(field);
            assertThat(error.getString("code")).isEqualTo(FieldError.INVALID_FORMAT);
            assertThat(error.getString("message")).isEqualTo(StorableText.RULE);
        });
    }

    /**
     * A digest of every table's rows, to show a refused request changed nothing. The audit trail records refused
     * requests too, by rule, so it is left out, as are the shared rate-limit buckets (they count every request); of the event subscribers' rows only their cursors count (every poll
     * renews a lease, whatever the requests do).
     */
    private static Map<String, String> database() {
        Map<String, String> digests = new LinkedHashMap<>();
        List<String> tables = server.db().fetch("SELECT table_name::text FROM information_schema.tables"
                + " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('audit_event', 'rate_limit_bucket')"
                + " ORDER BY table_name").getValues(0, String.class);
        for (String table : tables) {
            String rows = table.equals("event_subscription")
                    ? "(SELECT name, position, failing_position, failures, last_error FROM event_subscription) t"
                    : "\"" + table + "\" t";
            digests.put(table, String.valueOf(server.db().fetchValue(
                    "SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM " + rows)));
        }
        return digests;
    }

    private static JsonObject json(String body) {
        try {
            return Json.createReader(new StringReader(body)).readObject();
        } catch (RuntimeException e) {
            throw new AssertionError("not a JSON object: " + body, e);
        }
    }
}
