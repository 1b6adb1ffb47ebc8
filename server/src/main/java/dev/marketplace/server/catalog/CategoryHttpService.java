package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.http.Ids;
import dev.marketplace.server.platform.http.JsonBody;
import dev.marketplace.server.platform.http.JsonFields;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.http.QueryParameters;
import dev.marketplace.server.platform.http.VersionPreconditions;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.CursorKey;
import dev.marketplace.server.platform.pagination.PageRequest;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/categories}: the HTTP face of {@link CategoryService}. Parses, delegates, renders; no rules here. */
public final class CategoryHttpService implements HttpService {

    public static final String PATH = "/v1/categories";
    private static final int NAME_MAX = 100;
    private static final int RATE_MAX = 10_000;

    private final CategoryService categories;

    public CategoryHttpService(CategoryService categories) {
        this.categories = categories;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::create)
                .get("/{categoryId}", this::get)
                .patch("/{categoryId}", this::update)
                .delete("/{categoryId}", this::delete)
                .post("/{categoryId}/move", this::move);
    }

    /** The JSON representation (see {@code Category} in the OpenAPI document). */
    public record CategoryResource(UUID id, UUID parentId, String name, int commissionRateBasisPoints, int depth,
                                   long version, OffsetDateTime createdAt, OffsetDateTime updatedAt) {

        static CategoryResource of(Category category) {
            return new CategoryResource(category.id(), category.parentId(), category.name(),
                    category.commissionRateBasisPoints(), category.depth(), category.version(),
                    category.createdAt(), category.updatedAt());
        }
    }

    public record CategoryPage(java.util.List<CategoryResource> items, String nextCursor) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParameters query = QueryParameters.of(req, "parentId", "limit", "cursor");
        Optional<UUID> parentId = query.uuid("parentId");
        PageRequest page = query.pageRequest(CursorKey.TEXT, CursorKey.UUID);
        query.throwIfInvalid();
        Page<CategoryResource> result = categories.children(parentId, page).map(CategoryResource::of);
        JsonResponses.ok(res, new CategoryPage(result.items(), result.nextCursor()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "parentId", "name", "commissionRateBasisPoints");
        Optional<UUID> parentId = body.nullableUuid("parentId");
        String name = body.requiredString("name", 1, NAME_MAX);
        Integer rate = body.requiredInt("commissionRateBasisPoints", 0, RATE_MAX);
        body.throwIfInvalid();
        Category created = categories.create(new NewCategory(parentId, name, rate));
        res.header(HeaderNames.LOCATION, PATH + "/" + created.id());
        VersionPreconditions.sendEtag(res, created.version());
        JsonResponses.send(res, Status.CREATED_201, CategoryResource.of(created));
    }

    private void get(ServerRequest req, ServerResponse res) {
        sendCategory(res, categories.get(categoryId(req)));
    }

    private void update(ServerRequest req, ServerResponse res) {
        UUID id = categoryId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "name", "commissionRateBasisPoints", "version");
        Optional<String> name = body.optionalString("name", 1, NAME_MAX);
        Optional<Integer> rate = body.optionalInt("commissionRateBasisPoints", 0, RATE_MAX);
        Optional<Long> version = body.optionalLong("version", 1, Long.MAX_VALUE);
        body.throwIfInvalid();
        ExpectedVersion expected = VersionPreconditions.requireExpectedVersion(req, version);
        sendCategory(res, categories.update(id, new CategoryChanges(name, rate), expected));
    }

    private void move(ServerRequest req, ServerResponse res) {
        UUID id = categoryId(req);
        JsonFields body = JsonFields.of(JsonBody.readObject(req), "parentId", "version");
        Optional<UUID> parentId = body.requiredNullableUuid("parentId");
        Optional<Long> version = body.optionalLong("version", 1, Long.MAX_VALUE);
        body.throwIfInvalid();
        ExpectedVersion expected = VersionPreconditions.requireExpectedVersion(req, version);
        sendCategory(res, categories.move(id, parentId, expected));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        UUID id = categoryId(req);
        categories.delete(id, VersionPreconditions.expectedVersion(req, Optional.empty()));
        res.status(Status.NO_CONTENT_204).send();
    }

    private static void sendCategory(ServerResponse res, Category category) {
        VersionPreconditions.sendEtag(res, category.version());
        JsonResponses.ok(res, CategoryResource.of(category));
    }

    /** A malformed id cannot name a category: answered like an unknown one. */
    private static UUID categoryId(ServerRequest req) {
        return Ids.parse(req.path().pathParameters().get("categoryId"))
                .orElseThrow(() -> ProblemException.notFound("category"));
    }
}
