package dev.marketplace.server.platform.http;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.platform.money.Money;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Typed reading of a JSON request object that collects one error per offending field instead of
 * stopping at the first, then throws them all as one {@code validation_failed} problem.
 * Tells "absent" from "null", which partial updates need.
 *
 * <pre>{@code
 * JsonFields fields = JsonFields.of(body, "name", "commissionRateBasisPoints");
 * String name = fields.requiredString("name", 1, 100);
 * int rate = fields.requiredInt("commissionRateBasisPoints", 0, 10_000);
 * fields.throwIfInvalid();
 * }</pre>
 */
public final class JsonFields {

    private final JsonObject object;
    /** Prepended to field names: {@code contact/} for the members of a nested {@code contact} object. */
    private final String prefix;
    private final List<FieldError> errors;

    private JsonFields(JsonObject object, String prefix, List<FieldError> errors) {
        this.object = object;
        this.prefix = prefix;
        this.errors = errors;
    }

    /** Reads {@code object}, refusing members other than {@code allowed}. */
    public static JsonFields of(JsonObject object, String... allowed) {
        return of(object, "", new ArrayList<>(), allowed);
    }

    private static JsonFields of(JsonObject object, String prefix, List<FieldError> errors, String... allowed) {
        JsonFields fields = new JsonFields(object, prefix, errors);
        Set<String> known = Set.of(allowed);
        object.keySet().stream().filter(name -> !known.contains(name)).sorted().forEach(name ->
                fields.reject(name, FieldError.UNKNOWN_FIELD, "is not a field of this request"));
        return fields;
    }

    public boolean isPresent(String name) {
        return object.containsKey(name);
    }

    /** Whether the member is there with the value null (as opposed to absent): "clear it" in a change. */
    public boolean isNull(String name) {
        return object.containsKey(name) && object.isNull(name);
    }

    /** A string that must be present: trimmed, between {@code min} and {@code max} characters. */
    public String requiredString(String name, int min, int max) {
        if (!object.containsKey(name) || object.isNull(name)) {
            reject(name, FieldError.REQUIRED, "is required");
            return null;
        }
        return optionalString(name, min, max).orElse(null);
    }

    /** A string that may be absent (but not null): trimmed, between {@code min} and {@code max} characters. */
    public Optional<String> optionalString(String name, int min, int max) {
        if (!object.containsKey(name)) {
            return Optional.empty();
        }
        if (!(object.get(name) instanceof JsonString json)) {
            reject(name, FieldError.INVALID_TYPE, "must be a string");
            return Optional.empty();
        }
        String value = json.getString().strip();
        int length = value.codePointCount(0, value.length());
        if (length < min) {
            reject(name, FieldError.TOO_SHORT, min == 1 ? "must not be blank" : "must have at least " + min + " characters");
            return Optional.empty();
        }
        if (length > max) {
            reject(name, FieldError.TOO_LONG, "must have at most " + max + " characters");
            return Optional.empty();
        }
        return Optional.of(value);
    }

    public Integer requiredInt(String name, int min, int max) {
        if (!object.containsKey(name) || object.isNull(name)) {
            reject(name, FieldError.REQUIRED, "is required");
            return null;
        }
        return optionalInt(name, min, max).orElse(null);
    }

    public Optional<Integer> optionalInt(String name, int min, int max) {
        return optionalLong(name, min, max).map(Math::toIntExact);
    }

    /** A whole number that may be absent (but not null), from {@code min} to {@code max}. */
    public Optional<Long> optionalLong(String name, long min, long max) {
        if (!object.containsKey(name)) {
            return Optional.empty();
        }
        if (!(object.get(name) instanceof JsonNumber number)
                || number.bigDecimalValue().stripTrailingZeros().scale() > 0) {
            reject(name, FieldError.INVALID_TYPE, "must be a whole number");
            return Optional.empty();
        }
        // Compared as BigDecimal first, so that 1e400 is out of range rather than expanded into a huge integer.
        BigDecimal exact = number.bigDecimalValue();
        if (exact.compareTo(BigDecimal.valueOf(min)) < 0 || exact.compareTo(BigDecimal.valueOf(max)) > 0) {
            reject(name, FieldError.OUT_OF_RANGE, "must be from " + min + " to " + max);
            return Optional.empty();
        }
        return Optional.of(exact.longValueExact());
    }

    /** Like {@link #optionalString}, but null is allowed too (and gives empty, like absent). */
    public Optional<String> nullableString(String name, int min, int max) {
        return object.containsKey(name) && object.isNull(name) ? Optional.empty() : optionalString(name, min, max);
    }

    /** One of {@code allowed}, which may be absent (but not null). */
    public Optional<String> optionalEnum(String name, Set<String> allowed) {
        Optional<String> value = optionalString(name, 1, 100);
        if (value.isPresent() && !allowed.contains(value.get())) {
            reject(name, FieldError.OUT_OF_RANGE, FieldError.oneOf(allowed));
            return Optional.empty();
        }
        return value;
    }

    /** A non-empty array of at most as many strings as {@code allowed} has, each one of them; duplicates collapse. */
    public Set<String> requiredEnumSet(String name, Set<String> allowed) {
        if (!object.containsKey(name) || object.isNull(name)) {
            reject(name, FieldError.REQUIRED, "is required");
            return Set.of();
        }
        if (!(object.get(name) instanceof jakarta.json.JsonArray array) || array.isEmpty() || array.size() > allowed.size()) {
            reject(name, FieldError.INVALID_TYPE, "must be an array of 1 to " + allowed.size() + " strings");
            return Set.of();
        }
        Set<String> values = new java.util.TreeSet<>();
        for (int i = 0; i < array.size(); i++) {
            if (!(array.get(i) instanceof JsonString json) || !allowed.contains(json.getString())) {
                reject(name + "/" + i, FieldError.OUT_OF_RANGE,
                        FieldError.oneOf(allowed));
            } else {
                values.add(json.getString());
            }
        }
        return values;
    }

    /** An RFC 3339 date-time ({@link Rfc3339}) that must be present; null when it is not, or not valid. */
    public OffsetDateTime requiredInstant(String name) {
        String text = requiredString(name, 1, Rfc3339.MAX_LENGTH);
        return text == null ? null : Rfc3339.parse(name, text, this::reject).orElse(null);
    }

    /** An RFC 3339 date-time ({@link Rfc3339}) that may be absent (but not null). */
    public Optional<OffsetDateTime> optionalInstant(String name) {
        return optionalString(name, 1, Rfc3339.MAX_LENGTH).flatMap(text -> Rfc3339.parse(name, text, this::reject));
    }

    /** A UUID that must be present and not null. */
    public UUID requiredUuid(String name) {
        if (!object.containsKey(name) || object.isNull(name)) {
            reject(name, FieldError.REQUIRED, "is required");
            return null;
        }
        return nullableUuid(name).orElse(null);
    }

    /** A UUID that may be absent or null (both give empty); anything else must be a UUID string. */
    public Optional<UUID> nullableUuid(String name) {
        if (!object.containsKey(name) || object.isNull(name)) {
            return Optional.empty();
        }
        if (object.get(name) instanceof JsonString json) {
            Optional<UUID> uuid = Ids.parse(json.getString());
            if (uuid.isEmpty()) {
                reject(name, FieldError.INVALID_FORMAT, "must be a UUID");
            }
            return uuid;
        }
        reject(name, FieldError.INVALID_TYPE, "must be a UUID string or null");
        return Optional.empty();
    }

    /**
     * A nested object that must be present, read like the body: its errors join this one's, named
     * {@code name/member}. When it is missing or not an object that is the one error reported, and the
     * returned reader reads nothing (every value it gives is empty or null).
     */
    public JsonFields requiredObject(String name, String... allowed) {
        if (!object.containsKey(name) || object.isNull(name)) {
            reject(name, FieldError.REQUIRED, "is required");
            return detached();
        }
        if (!(object.get(name) instanceof JsonObject nested)) {
            reject(name, FieldError.INVALID_TYPE, "must be an object");
            return detached();
        }
        return of(nested, prefix + name + "/", errors, allowed);
    }

    /** Money that must be present: {@code {"amount": <integer minor units>, "currency": "<ISO 4217>"}}, amount at least {@code min}. */
    public Money requiredMoney(String name, long min) {
        JsonFields money = requiredObject(name, "amount", "currency");
        Optional<Long> amount = money.optionalLong("amount", min, Long.MAX_VALUE);
        if (!money.isPresent("amount")) {
            money.reject("amount", FieldError.REQUIRED, "is required");
        }
        String currency = money.requiredString("currency", 3, 3);
        if (currency != null && !Money.isCurrencyCode(currency)) {
            money.reject("currency", FieldError.INVALID_FORMAT, "must be an ISO 4217 currency code such as JPY");
            return null;
        }
        return amount.isPresent() && currency != null ? Money.of(amount.get(), currency) : null;
    }

    /** Money that may be absent or null (both give empty), otherwise read like {@link #requiredMoney}. */
    public Optional<Money> nullableMoney(String name, long min) {
        if (!object.containsKey(name) || object.isNull(name)) {
            return Optional.empty();
        }
        return Optional.ofNullable(requiredMoney(name, min));
    }

    /** A non-empty array of at most {@code maxItems} strings, each trimmed and from {@code min} to {@code max} characters. */
    public List<String> requiredStrings(String name, int maxItems, int min, int max) {
        if (!object.containsKey(name) || object.isNull(name)) {
            reject(name, FieldError.REQUIRED, "is required");
            return List.of();
        }
        return strings(name, 1, maxItems, min, max);
    }

    /** Like {@link #requiredStrings}, but the array may be absent (empty optional) or empty. */
    public Optional<List<String>> optionalStrings(String name, int maxItems, int min, int max) {
        return object.containsKey(name) ? Optional.of(strings(name, 0, maxItems, min, max)) : Optional.empty();
    }

    private List<String> strings(String name, int minItems, int maxItems, int min, int max) {
        if (!(object.get(name) instanceof jakarta.json.JsonArray array) || array.size() < minItems || array.size() > maxItems) {
            reject(name, FieldError.INVALID_TYPE, "must be an array of " + minItems + " to " + maxItems + " strings");
            return List.of();
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String index = Integer.toString(i);
            JsonFields item = new JsonFields(JSON.createObjectBuilder().add(index, array.get(i)).build(),
                    prefix + name + "/", errors);
            item.optionalString(index, min, max).ifPresent(values::add);
        }
        return values;
    }

    /**
     * An object used as a map of strings (language tag → text, attribute name → value) that may be absent
     * (empty optional): {@code minEntries} to {@code maxEntries} members, each name matching {@code names} ({@code nameRule}
     * says how otherwise), each value trimmed and 1 to {@code maxLength} characters. Errors are named
     * {@code name/member}.
     */
    public Optional<Map<String, String>> optionalStringMap(String name, int minEntries, int maxEntries, Pattern names,
                                                           String nameRule, int maxLength) {
        if (!object.containsKey(name)) {
            return Optional.empty();
        }
        if (!(object.get(name) instanceof JsonObject map)) {
            reject(name, FieldError.INVALID_TYPE, "must be an object of strings");
            return Optional.of(Map.of());
        }
        if (map.size() < minEntries) {
            reject(name, FieldError.TOO_SHORT, "must have at least " + minEntries + (minEntries == 1 ? " member" : " members"));
            return Optional.of(Map.of());
        }
        if (map.size() > maxEntries) {
            reject(name, FieldError.OUT_OF_RANGE, "must have at most " + maxEntries + " members");
            return Optional.of(Map.of());
        }
        JsonFields members = new JsonFields(map, prefix + name + "/", errors);
        Map<String, String> values = new LinkedHashMap<>();
        for (String member : map.keySet()) {
            if (!names.matcher(member).matches()) {
                members.reject(member, FieldError.INVALID_FORMAT, nameRule);
            } else {
                members.optionalString(member, 1, maxLength).ifPresent(value -> values.put(member, value));
            }
        }
        return Optional.of(values);
    }

    /**
     * An array of {@code minItems} to {@code maxItems} objects that may be absent (empty optional), each read
     * like a nested object: its errors are named {@code name/index/member}.
     */
    public Optional<List<JsonFields>> optionalObjects(String name, int minItems, int maxItems, String... allowed) {
        if (!object.containsKey(name)) {
            return Optional.empty();
        }
        if (!(object.get(name) instanceof jakarta.json.JsonArray array) || array.size() < minItems || array.size() > maxItems) {
            reject(name, FieldError.INVALID_TYPE, "must be an array of " + minItems + " to " + maxItems + " objects");
            return Optional.of(List.of());
        }
        List<JsonFields> items = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            if (array.get(i) instanceof JsonObject item) {
                items.add(of(item, prefix + name + "/" + i + "/", errors, allowed));
            } else {
                reject(name + "/" + i, FieldError.INVALID_TYPE, "must be an object");
                items.add(detached());
            }
        }
        return Optional.of(items);
    }

    /** Like {@link #nullableUuid}, but the member must be there (null is a value). */
    public Optional<UUID> requiredNullableUuid(String name) {
        if (!object.containsKey(name)) {
            reject(name, FieldError.REQUIRED, "is required (null is allowed)");
        }
        return nullableUuid(name);
    }

    public void reject(String name, String code, String message) {
        errors.add(new FieldError(prefix + name, code, message));
    }

    /** A reader of nothing whose errors go nowhere: what is left of a nested object that is missing. */
    private static JsonFields detached() {
        return new JsonFields(JsonValue.EMPTY_JSON_OBJECT, "", new ArrayList<>());
    }

    /** The errors found so far; for a caller that reports them per item rather than throwing. */
    public List<FieldError> errors() {
        return List.copyOf(errors);
    }

    public void throwIfInvalid() {
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
    }

}
