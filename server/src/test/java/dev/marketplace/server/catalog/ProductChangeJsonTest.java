package dev.marketplace.server.catalog;

import static dev.marketplace.server.platform.http.JsonP.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.platform.changes.ChangeKind;
import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.money.Money;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonGenerator;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The feed's streamed products are the JSON every other product endpoint answers (JSON-B of ProductResource). */
class ProductChangeJsonTest {


    @Test
    void aProductWithEveryFieldIsWrittenAsJsonBWritesItsResource() {
        Product product = product("ext-1", OffsetDateTime.of(2026, 11, 22, 9, 30, 0, 0, ZoneOffset.UTC),
                Money.of(1200, "JPY"), List.of(new ComplianceFinding("最安値", "title/ja")), List.of("needs \"care\""));

        assertThat(streamed(json -> ProductChangeJson.product(json, product)))
                .isEqualTo(parse(json(ProductHttpService.ProductResource.of(product))));
    }

    @Test
    void absentValuesAreLeftOutAsJsonBLeavesThemOut() {
        Product product = product(null, null, null, List.of(), List.of());

        JsonValue streamed = streamed(json -> ProductChangeJson.product(json, product));

        assertThat(streamed).isEqualTo(parse(json(ProductHttpService.ProductResource.of(product))));
        assertThat(streamed.asJsonObject()).doesNotContainKeys("externalId", "publishedAt");
    }

    @Test
    void aPageHasItsChangesInOrderAndATombstoneWithoutProduct() {
        Product product = product("ext-2", null, null, List.of(), List.of());
        OffsetDateTime changedAt = OffsetDateTime.of(2026, 11, 22, 9, 31, 5, 123_456_000, ZoneOffset.UTC);
        UUID deleted = UUID.randomUUID();
        ChangePage<ProductChange> page = new ChangePage<>(List.of(
                new ProductChange(41, ChangeKind.UPSERTED, product.id(), changedAt, Optional.of(product)),
                new ProductChange(42, ChangeKind.DELETED, deleted, changedAt, Optional.empty())), "cursor-42");

        JsonObject json = streamed(generator -> ProductChangeJson.write(generator, page)).asJsonObject();

        assertThat(json.getString("nextCursor")).isEqualTo("cursor-42");
        JsonObject upserted = json.getJsonArray("items").getJsonObject(0);
        assertThat(upserted.getJsonNumber("position").longValue()).isEqualTo(41);
        assertThat(upserted.getString("kind")).isEqualTo("upserted");
        assertThat(upserted.getString("productId")).isEqualTo(product.id().toString());
        assertThat(upserted.getString("changedAt")).isEqualTo(parse(json(Map.of("t", changedAt)))
                .asJsonObject().getString("t"));
        assertThat(upserted.get("product"))
                .isEqualTo(parse(json(ProductHttpService.ProductResource.of(product))));
        JsonObject tombstone = json.getJsonArray("items").getJsonObject(1);
        assertThat(tombstone.getString("kind")).isEqualTo("deleted");
        assertThat(tombstone.getString("productId")).isEqualTo(deleted.toString());
        assertThat(tombstone).doesNotContainKey("product");
    }

    private static Product product(String externalId, OffsetDateTime publishedAt, Money compareAt,
                                   List<ComplianceFinding> findings, List<String> rejectionReasons) {
        OffsetDateTime created = OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 6_000, ZoneOffset.ofHours(9));
        return new Product(UUID.randomUUID(), UUID.randomUUID(), externalId, UUID.randomUUID(),
                Map.of("ja", "有機緑茶", "en", "Green tea \\ \"organic\"\n"), Map.of("en", "Loose leaf"),
                Map.of("origin", "静岡"), List.of("https://img.example/1.jpg"),
                List.of(new ProductVariant(UUID.randomUUID(), "TEA-1", Map.of("size", "100g"), Money.of(980, "JPY"),
                        compareAt), new ProductVariant(UUID.randomUUID(), "TEA-2", Map.of(), Money.of(1500, "JPY"),
                        null)),
                ProductStatus.PUBLISHED, findings, rejectionReasons, publishedAt, 7, created, created.plusSeconds(1),
                2);
    }

    private static JsonValue streamed(Consumer<JsonGenerator> writer) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = JSON.createGenerator(out)) {
            writer.accept(generator);
        }
        return parse(out.toString());
    }

    private static JsonValue parse(String json) {
        return JSON.createReader(new StringReader(json)).readValue();
    }

    /** A body as {@code JsonResponses} writes it for a client: its own JSON-B configuration, not a copy. */
    private static String json(Object body) {
        return new String(JsonResponses.json(body), StandardCharsets.UTF_8);
    }
}
