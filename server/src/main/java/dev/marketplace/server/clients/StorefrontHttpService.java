package dev.marketplace.server.clients;

import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.PublicUrls;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.security.Authentication;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** {@code /v1/storefronts}: the HTTP face of {@link StorefrontService}. */
public final class StorefrontHttpService implements HttpService {

    public static final String PATH = "/v1/storefronts";
    private static final int NAME_MAX = 100;
    private static final int URL_MAX = 2000;
    /** A BCP 47 language tag as far as storefronts need: ja, zh, en, zh-Hant, pt-BR. */
    private static final Pattern LANGUAGE_TAG = Pattern.compile("[a-z]{2,3}(-[A-Za-z0-9]{2,8})*");

    private final StorefrontService storefronts;

    public StorefrontHttpService(StorefrontService storefronts) {
        this.storefronts = storefronts;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::register)
                .get("/{storefrontId}", this::get);
    }

    /** See {@code Storefront} in the OpenAPI document. */
    public record StorefrontResource(UUID id, String name, String url, String defaultLanguage,
                                     OffsetDateTime createdAt) {
        static StorefrontResource of(Storefront storefront) {
            return new StorefrontResource(storefront.id(), storefront.name(), storefront.url().orElse(null),
                    storefront.defaultLanguage().orElse(null), storefront.createdAt());
        }
    }

    public record StorefrontPage(List<StorefrontResource> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "limit", "cursor");
        PageRequest page = query.pageRequest(CursorKey.TIMESTAMP, CursorKey.UUID);
        query.throwIfInvalid();
        Page<StorefrontResource> result = storefronts.list(Authentication.principal(req), page)
                .map(StorefrontResource::of);
        JsonResponses.ok(res, new StorefrontPage(result.items(), result.nextCursor()));
    }

    private void register(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "name", "url", "defaultLanguage");
        String name = body.requiredString("name", 1, NAME_MAX);
        Optional<String> url = PublicUrls.httpsUrl(body, "url", URL_MAX);
        Optional<String> defaultLanguage = body.optionalString("defaultLanguage", 2, 35);
        if (defaultLanguage.filter(tag -> !LANGUAGE_TAG.matcher(tag).matches()).isPresent()) {
            body.reject("defaultLanguage", FieldError.INVALID_FORMAT, "must be a language tag such as ja, zh, en or zh-Hant");
        }
        body.throwIfInvalid();
        Storefront created = storefronts.register(Authentication.principal(req), name, url, defaultLanguage);
        res.header(HeaderNames.LOCATION, PATH + "/" + created.id());
        JsonResponses.send(res, Status.CREATED_201, StorefrontResource.of(created));
    }

    private void get(ServerRequest req, ServerResponse res) {
        UUID id = Ids.parse(req.path().pathParameters().get("storefrontId"))
                .orElseThrow(() -> ProblemException.notFound("storefront"));
        JsonResponses.ok(res, StorefrontResource.of(storefronts.get(Authentication.principal(req), id)));
    }
}
