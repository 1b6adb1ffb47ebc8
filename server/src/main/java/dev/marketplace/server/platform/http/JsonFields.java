package dev.marketplace.server.platform.http;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

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
    private final List<FieldError> errors = new ArrayList<>();

    private JsonFields(JsonObject object) {
        this.object = object;
    }

    /** Reads {@code object}, refusing members other than {@code allowed}. */
    public static JsonFields of(JsonObject object, String... allowed) {
        JsonFields fields = new JsonFields(object);
        Set<String> known = Set.of(allowed);
        object.keySet().stream().filter(name -> !known.contains(name)).sorted().forEach(name ->
                fields.reject(name, FieldError.UNKNOWN_FIELD, "is not a field of this request"));
        return fields;
    }

    public boolean isPresent(String name) {
        return object.containsKey(name);
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

    /** One of {@code allowed}, which may be absent (but not null). */
    public Optional<String> optionalEnum(String name, Set<String> allowed) {
        Optional<String> value = optionalString(name, 1, 100);
        if (value.isPresent() && !allowed.contains(value.get())) {
            reject(name, FieldError.OUT_OF_RANGE, "must be one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
            return Optional.empty();
        }
        return value;
    }

    /** A non-empty array of strings, each one of {@code allowed}; duplicates collapse. */
    public Set<String> requiredEnumSet(String name, Set<String> allowed) {
        if (!object.containsKey(name) || object.isNull(name)) {
            reject(name, FieldError.REQUIRED, "is required");
            return Set.of();
        }
        if (!(object.get(name) instanceof jakarta.json.JsonArray array) || array.isEmpty()) {
            reject(name, FieldError.INVALID_TYPE, "must be a non-empty array of strings");
            return Set.of();
        }
        Set<String> values = new java.util.TreeSet<>();
        for (int i = 0; i < array.size(); i++) {
            if (!(array.get(i) instanceof JsonString json) || !allowed.contains(json.getString())) {
                reject(name + "/" + i, FieldError.OUT_OF_RANGE,
                        "must be one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
            } else {
                values.add(json.getString());
            }
        }
        return values;
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

    /** Like {@link #nullableUuid}, but the member must be there (null is a value). */
    public Optional<UUID> requiredNullableUuid(String name) {
        if (!object.containsKey(name)) {
            reject(name, FieldError.REQUIRED, "is required (null is allowed)");
        }
        return nullableUuid(name);
    }

    public void reject(String name, String code, String message) {
        errors.add(new FieldError(name, code, message));
    }

    public void throwIfInvalid() {
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
    }

}
