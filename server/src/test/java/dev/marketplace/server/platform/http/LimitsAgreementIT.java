package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.Merchant;
import dev.marketplace.sdk.model.MerchantAddress;
import dev.marketplace.sdk.model.MerchantApplication;
import dev.marketplace.sdk.model.MerchantApproval;
import dev.marketplace.sdk.model.MerchantApproved;
import dev.marketplace.sdk.model.MerchantContact;
import dev.marketplace.sdk.model.Money;
import dev.marketplace.server.testing.SpecDocument;
import dev.marketplace.server.testing.TestServer;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The document's limits are the server's (decision 26), read from the document so that an operation or field added
 * later is covered without a test of its own. For every query parameter and every field of every JSON request body
 * (nested objects and array items included) that states a limit — {@code maxLength} of plain text, {@code maximum}
 * and {@code minimum} of whole numbers, {@code maxItems} — a value one past the limit is refused with 400
 * {@code validation_failed} naming the field, and the limit itself is not refused for that field. The requests are
 * generic (random ids, one field at a time, as the operator or, where it gets 403, as a merchant), so an operation may answer the limit with another refusal (404 for an id
 * that must exist, a missing required field, a cursor this list did not give out): the accept case only checks that
 * the field is not refused for its size. Every answer is validated against the document too (by the test client),
 * so the limits of the problems themselves are checked on the way. Strings with a format, pattern or enum are checked by their format, not their length (InputContractIT),
 * and form bodies by {@link InputLimitsIT} (their one limit, {@link StorableText#MAX_PARAMETER_LENGTH}).
 */
class LimitsAgreementIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static OpenAPI api;
    private static String merchantToken;

    /** A merchant's token, for the operations only a merchant may call (the operator gets 403 there). */
    @BeforeAll
    static void anActiveMerchant() throws Exception {
        UUID category = server.client().categories().createCategory(new CategoryCreate().name("Tea")
                .commissionRateBasisPoints(1000)).getId();
        Merchant applied = server.client().merchants().applyMerchant(new MerchantApplication()
                .legalName("Limits KK")
                .contact(new MerchantContact().name("Yamada Hanako").email("hanako@example.jp").phone("+81 75-123-4567"))
                .address(new MerchantAddress().country("JP").postalCode("600-8001").region("Kyoto")
                        .locality("Shimogyo-ku").line1("1-2-3 Shijo-dori"))
                .yearsInBusiness(12).categoryId(category).plan("standard")
                .deposit(new Money().amount(500_000L).currency("JPY")));
        MerchantApproved approved = server.client().merchants().approveMerchant(applied.getId(),
                new MerchantApproval().version(applied.getVersion()));
        merchantToken = server.token(approved.getCredentials().getClient().getClientId(),
                approved.getCredentials().getClientSecret());
    }

    @BeforeAll
    static void readTheDocument() {
        api = SpecDocument.resolved();
    }

    /** One limit of the document: where the value goes, the value at the limit and the value one past it. */
    private record Limit(List<String> field, JsonValue atLimit, JsonValue pastLimit, String text) {
    }

    @Test
    void everyQueryParameterLimitIsTheServers() {
        List<String> checked = new ArrayList<>();
        List<String> disagreements = new ArrayList<>();
        forEachOperation((method, template, operation, parameters) -> {
            String path = path(template, parameters);
            for (Parameter parameter : parameters) {
                if (!parameter.getIn().equals("query")) {
                    continue;
                }
                for (Limit limit : limits(List.of(parameter.getName()), parameter.getSchema())) {
                    String label = method + " " + template + " ?" + parameter.getName() + " " + limit.text();
                    HttpResponse<String> past = send(method, path + "?" + parameter.getName() + "="
                            + URLEncoder.encode(queryText(limit.pastLimit()), StandardCharsets.UTF_8), null);
                    HttpResponse<String> at = send(method, path + "?" + parameter.getName() + "="
                            + URLEncoder.encode(queryText(limit.atLimit()), StandardCharsets.UTF_8), null);
                    check(label, parameter.getName(), past, at, disagreements);
                    checked.add(label);
                }
            }
        });
        assertThat(disagreements).isEmpty();
        assertThat(checked).as("query limits checked").hasSizeGreaterThan(20);
    }

    @Test
    void everyJsonBodyLimitIsTheServers() {
        List<String> checked = new ArrayList<>();
        List<String> disagreements = new ArrayList<>();
        forEachOperation((method, template, operation, parameters) -> {
            if (operation.getRequestBody() == null || template.startsWith("/webhooks/")) {
                return; // webhooks read their bodies only once signed
            }
            MediaType json = operation.getRequestBody().getContent().get("application/json");
            if (json == null) {
                return;
            }
            String path = path(template, parameters);
            for (Limit limit : limits(List.of(), json.getSchema())) {
                String field = String.join("/", limit.field());
                String label = method + " " + template + " " + field + " " + limit.text();
                HttpResponse<String> past = send(method, path, body(limit.field(), limit.pastLimit()));
                HttpResponse<String> at = send(method, path, body(limit.field(), limit.atLimit()));
                check(label, field, past, at, disagreements);
                checked.add(label);
            }
        });
        assertThat(disagreements).isEmpty();
        assertThat(checked).as("body limits checked").hasSizeGreaterThan(100);
    }

    /**
     * The codes that refuse a value for its size: length, range, and an array's item count (which
     * {@code JsonFields} reports as {@code invalid_type}, "must be an array of 1 to N").
     */
    private static final Set<String> SIZE_CODES = Set.of(FieldError.TOO_LONG, FieldError.TOO_SHORT,
            FieldError.OUT_OF_RANGE, FieldError.INVALID_TYPE);

    /**
     * Where the server is stricter than a shared schema can say without splitting a type of the SDK, with the reason.
     * Past such a limit is still checked; only the limit itself is let through here.
     */
    private static final Map<String, String> STRICTER_THAN_SHARED_SCHEMA = Map.of(
            "POST /v1/returns/{returnId}/refund amount/amount minimum 0",
            "a partial refund is at least 1 minor unit (its description says so); Money allows 0 for prices",
            "POST /v1/settlement/merchants/{merchantId}/deposits amount/amount minimum 0",
            "a deposit is at least 1 minor unit (its description says so); Money allows 0 for prices",
            "POST /v1/adjustments amount/amount minimum 0",
            "an adjustment moves at least 1 minor unit (its description says so); Money allows 0 for prices",
            "POST /v1/channels/{channelId}/deposits amount/amount minimum 0",
            "a channel's deposit is at least 1 minor unit (its description says so); Money allows 0 for prices",
            "POST /v1/channels/{channelId}/deposit-draws amount/amount minimum 0",
            "a draw takes at least 1 minor unit (its description says so); Money allows 0 for prices",
            "POST /v1/dropship/connections pricing/priceEnding maximum 999999",
            "a price ending is below the modulus sent beside it (its description says so), 1 when none is sent");

    /** Past the limit: 400 naming the field (or the item's result naming it, in a bulk operation). At it: the field is not refused for its size (a cursor may be for its form). */
    private static void check(String label, String field, HttpResponse<String> past, HttpResponse<String> at,
                              List<String> disagreements) {
        if (refusals(past, field.split("/")[0]).stream().noneMatch(error -> error.field().equals(field))) {
            disagreements.add(label + ": past the limit answered " + past.statusCode() + " " + past.body());
        }
        boolean refusedForSize = refusals(at, field.split("/")[0]).stream()
                .anyMatch(error -> error.field().equals(field) && SIZE_CODES.contains(error.code()));
        if (refusedForSize && !STRICTER_THAN_SHARED_SCHEMA.containsKey(label)) {
            disagreements.add(label + ": the limit itself was refused: " + at.body());
        }
    }

    /** The limits {@code schema} states at {@code field} and below it. */
    @SuppressWarnings("unchecked")
    private static List<Limit> limits(List<String> field, Schema<?> schema) {
        List<Limit> limits = new ArrayList<>();
        if (schema == null) {
            return limits;
        }
        String type = schema.getType();
        if ("string".equals(type) && schema.getMaxLength() != null && schema.getFormat() == null
                && schema.getPattern() == null && schema.getEnum() == null) {
            int max = schema.getMaxLength();
            limits.add(new Limit(field, Json.createValue(text(max)), Json.createValue(text(max + 1)), "maxLength " + max));
        }
        if ("integer".equals(type)) {
            if (schema.getMaximum() != null) {
                BigDecimal max = schema.getMaximum();
                limits.add(new Limit(field, Json.createValue(max), Json.createValue(max.add(BigDecimal.ONE)), "maximum " + max));
            }
            if (schema.getMinimum() != null) {
                BigDecimal min = schema.getMinimum();
                limits.add(new Limit(field, Json.createValue(min), Json.createValue(min.subtract(BigDecimal.ONE)), "minimum " + min));
            }
        }
        if ("array".equals(type)) {
            if (schema.getMaxItems() != null && schema.getItems() != null) {
                int max = schema.getMaxItems();
                JsonValue item = sample(schema.getItems());
                limits.add(new Limit(field, array(item, max), array(item, max + 1), "maxItems " + max));
            }
            List<String> inItem = new ArrayList<>(field);
            inItem.add("0");
            limits.addAll(limits(inItem, schema.getItems()));
        }
        if (schema.getProperties() != null) {
            for (Map.Entry<String, Schema> property : ((Map<String, Schema>) schema.getProperties()).entrySet()) {
                List<String> member = new ArrayList<>(field);
                member.add(property.getKey());
                limits.addAll(limits(member, property.getValue()));
            }
        }
        return limits;
    }

    /** An item for an array of {@code schema}s whose size is checked: a valid-looking one where that is easy. */
    private static JsonValue sample(Schema<?> schema) {
        if ("string".equals(schema.getType())) {
            return schema.getEnum() != null ? Json.createValue(String.valueOf(schema.getEnum().getFirst()))
                    : Json.createValue(schema.getFormat() != null && schema.getFormat().equals("uuid")
                    ? UUID.randomUUID().toString() : "a");
        }
        if ("integer".equals(schema.getType())) {
            return Json.createValue(schema.getMinimum() != null ? schema.getMinimum() : BigDecimal.ONE);
        }
        return JsonValue.EMPTY_JSON_OBJECT;
    }

    private static JsonValue array(JsonValue item, int size) {
        var array = Json.createArrayBuilder();
        for (int i = 0; i < size; i++) {
            array.add(item);
        }
        return array.build();
    }

    private static String text(int length) {
        return "a".repeat(length);
    }

    private static String queryText(JsonValue value) {
        return value instanceof jakarta.json.JsonString string ? string.getString() : value.toString();
    }

    /** A JSON body holding just {@code value} at {@code field} (member names, array indexes). */
    private static String body(List<String> field, JsonValue value) {
        String json = value.toString();
        for (int i = field.size() - 1; i >= 0; i--) {
            String name = field.get(i);
            json = name.chars().allMatch(Character::isDigit) ? "[" + json + "]" : "{\"" + name + "\":" + json + "}";
        }
        return json;
    }

    /**
     * The fields refused: a 400 problem's errors, or, from a bulk operation's 200 (one result per item, decision 12),
     * each rejected item's errors, named from the request's root ({@code products/0/externalId}).
     */
    private static List<FieldError> refusals(HttpResponse<String> response, String items) {
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (response.statusCode() == 400 && type.startsWith(ProblemResponses.MEDIA_TYPE)) {
            return errors(Json.createReader(new StringReader(response.body())).readObject(), "");
        }
        if (response.statusCode() == 200 && type.startsWith("application/json") && response.body().startsWith("{")) {
            JsonObject body = Json.createReader(new StringReader(response.body())).readObject();
            if (body.get("results") instanceof jakarta.json.JsonArray results) {
                return results.getValuesAs(JsonObject.class).stream()
                        .flatMap(result -> errors(result, items + "/" + result.getInt("index") + "/").stream()).toList();
            }
        }
        return List.of();
    }

    private static List<FieldError> errors(JsonObject refusal, String prefix) {
        return refusal.containsKey("errors") ? refusal.getJsonArray("errors").getValuesAs(JsonObject.class).stream()
                .map(error -> new FieldError(prefix + error.getString("field"), error.getString("code"),
                        error.getString("message"))).toList() : List.of();
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

    /** The template with plausible values in its path parameters. */
    private static String path(String template, List<Parameter> parameters) {
        String path = template;
        for (Parameter parameter : parameters) {
            if (parameter.getIn().equals("path")) {
                String value = "uuid".equals(parameter.getSchema().getFormat()) ? UUID.randomUUID().toString() : "x";
                path = path.replace("{" + parameter.getName() + "}", value);
            }
        }
        return path;
    }

    /** As the operator, or as the merchant where only a merchant may call. */
    private static HttpResponse<String> send(String method, String target, String json) {
        HttpResponse<String> asOperator = server.send(request(method, target, json, server.operatorToken()));
        return asOperator.statusCode() == 403 ? server.send(request(method, target, json, merchantToken)) : asOperator;
    }

    private static HttpRequest request(String method, String target, String json, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(target)).header("Authorization", "Bearer " + token);
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return request.method(method.toUpperCase(Locale.ROOT), json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json)).build();
    }
}
