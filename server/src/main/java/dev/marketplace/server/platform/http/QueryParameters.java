package dev.marketplace.server.platform.http;

import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import io.helidon.common.parameters.Parameters;
import io.helidon.webserver.http.ServerRequest;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Typed, validated access to a request's query parameters. Like {@link JsonFields} it collects every
 * offending parameter and throws them together; unknown parameters are refused so typos do not pass silently.
 */
public final class QueryParameters {

    private final Parameters query;
    private final List<FieldError> errors = new ArrayList<>();

    private QueryParameters(Parameters query) {
        this.query = query;
    }

    public static QueryParameters of(ServerRequest req, String... allowed) {
        QueryParameters parameters = new QueryParameters(req.query());
        Set<String> known = Set.of(allowed);
        req.query().names().stream().filter(name -> !known.contains(name)).sorted().forEach(name ->
                parameters.reject(name, FieldError.UNKNOWN_FIELD, "is not a parameter of this request"));
        return parameters;
    }

    public Optional<UUID> uuid(String name) {
        Optional<String> text = single(name);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Optional<UUID> id = Ids.parse(text.get());
        if (id.isEmpty()) {
            reject(name, FieldError.INVALID_FORMAT, "must be a UUID");
        }
        return id;
    }

    /** Text of {@code min} to {@code max} characters after trimming, if given. */
    public Optional<String> text(String name, int min, int max) {
        Optional<String> text = single(name).map(String::strip);
        if (text.isPresent()) {
            int length = text.get().codePointCount(0, text.get().length());
            if (length < min || length > max) {
                reject(name, FieldError.OUT_OF_RANGE, "must have " + min + " to " + max + " characters");
                return Optional.empty();
            }
        }
        return text;
    }

    /** An RFC 3339 date-time ({@link Rfc3339}), if given. */
    public Optional<OffsetDateTime> instant(String name) {
        return text(name, 1, Rfc3339.MAX_LENGTH).flatMap(text -> Rfc3339.parse(name, text, this::reject));
    }

    /** An RFC 3339 date-time ({@link Rfc3339}) that must be given; null when it is not, or not valid. */
    public OffsetDateTime requiredInstant(String name) {
        if (!query.contains(name)) {
            reject(name, FieldError.REQUIRED, "is required, an RFC 3339 date-time");
            return null;
        }
        return instant(name).orElse(null);
    }

    /** A whole number from {@code min} to {@code max}, if given. */
    public Optional<Long> wholeNumber(String name, long min, long max) {
        Optional<String> text = single(name);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            long value = Long.parseLong(text.get());
            if (value < min || value > max) {
                reject(name, FieldError.OUT_OF_RANGE, "must be from " + min + " to " + max);
                return Optional.empty();
            }
            return Optional.of(value);
        } catch (NumberFormatException e) {
            reject(name, FieldError.INVALID_TYPE, "must be a whole number");
            return Optional.empty();
        }
    }

    /** An ISO 4217 currency code such as JPY, if given. */
    public Optional<String> currency(String name) {
        Optional<String> code = single(name);
        if (code.isPresent() && !Money.isCurrencyCode(code.get())) {
            reject(name, FieldError.INVALID_FORMAT, "must be an ISO 4217 currency code such as JPY");
            return Optional.empty();
        }
        return code;
    }

    /** One of {@code allowed}, if given. */
    public Optional<String> oneOf(String name, Set<String> allowed) {
        Optional<String> value = single(name);
        if (value.isPresent() && !allowed.contains(value.get())) {
            reject(name, FieldError.OUT_OF_RANGE, FieldError.oneOf(allowed));
            return Optional.empty();
        }
        return value;
    }

    /**
     * {@code limit} (1 to {@value PageRequest#MAX_LIMIT}, default {@value PageRequest#DEFAULT_LIMIT}) and {@code cursor},
     * a cursor of this list: its keys are {@code cursorKeys}.
     */
    public PageRequest pageRequest(CursorKey... cursorKeys) {
        return pageRequest(PageRequest.MAX_LIMIT, cursorKeys);
    }

    /** {@code limit} (1 to {@code maxLimit}, default {@value PageRequest#DEFAULT_LIMIT}) and {@code cursor} of this list. */
    public PageRequest pageRequest(int maxLimit, CursorKey... cursorKeys) {
        int limit = PageRequest.DEFAULT_LIMIT;
        Optional<String> limitText = single("limit");
        if (limitText.isPresent()) {
            try {
                limit = Integer.parseInt(limitText.get());
                if (limit < 1 || limit > maxLimit) {
                    reject("limit", FieldError.OUT_OF_RANGE, "must be from 1 to " + maxLimit);
                    limit = PageRequest.DEFAULT_LIMIT;
                }
            } catch (NumberFormatException e) {
                reject("limit", FieldError.INVALID_TYPE, "must be a whole number");
            }
        }
        Optional<Cursor> after = Optional.empty();
        Optional<String> cursorText = single("cursor");
        if (cursorText.isPresent()) {
            after = cursorText.get().length() > Cursor.MAX_LENGTH ? Optional.empty()
                    : Cursor.decode(cursorText.get(), List.of(cursorKeys));
            if (after.isEmpty()) {
                reject("cursor", FieldError.INVALID_FORMAT, "is not a cursor returned by this list");
            }
        }
        return new PageRequest(limit, after);
    }

    public void throwIfInvalid() {
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
    }

    private Optional<String> single(String name) {
        if (!query.contains(name)) {
            return Optional.empty();
        }
        List<String> values = query.all(name);
        if (values.size() != 1) {
            reject(name, FieldError.INVALID_FORMAT, "must be given once");
            return Optional.empty();
        }
        return Optional.of(values.getFirst());
    }

    public void reject(String name, String code, String message) {
        errors.add(new FieldError(name, code, message));
    }
}
