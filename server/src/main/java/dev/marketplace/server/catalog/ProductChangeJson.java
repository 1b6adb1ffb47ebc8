package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.money.Money;
import jakarta.json.stream.JsonGenerator;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * A page of the product feed ({@code ProductChangePage} in the OpenAPI document) written through a streaming
 * generator: a catch-up reads a million products through these pages, and JSON-B's reflection and cycle check cost
 * more than the writing (decision 21). A product is written as JSON-B writes {@code ProductResource} for the other
 * product endpoints (members in lexicographic order, absent values left out); {@code ProductChangeJsonTest} holds the
 * two to the same JSON.
 */
final class ProductChangeJson {

    private ProductChangeJson() {
    }

    static void write(JsonGenerator json, ChangePage<ProductChange> page) {
        json.writeStartObject().writeStartArray("items");
        for (ProductChange change : page.items()) {
            json.writeStartObject();
            json.write("changedAt", time(change.changedAt()));
            json.write("kind", change.kind().wireName());
            json.write("position", change.position());
            change.product().ifPresent(product -> {
                json.writeKey("product");
                product(json, product);
            });
            json.write("productId", change.productId().toString());
            json.writeEnd();
        }
        json.writeEnd().write("nextCursor", page.nextCursor()).writeEnd();
    }

    static void product(JsonGenerator json, Product product) {
        json.writeStartObject();
        strings(json, "attributes", product.attributes());
        json.write("categoryId", product.categoryId().toString());
        json.writeStartArray("complianceFindings");
        for (ComplianceFinding finding : product.complianceFindings()) {
            json.writeStartObject().write("field", finding.field()).write("word", finding.word()).writeEnd();
        }
        json.writeEnd();
        json.write("createdAt", time(product.createdAt()));
        strings(json, "description", product.description());
        optional(json, "externalId", product.externalId());
        if (product.handlingDays() != null) {
            json.write("handlingDays", product.handlingDays());
        }
        json.write("id", product.id().toString());
        strings(json, "imageUrls", product.imageUrls());
        json.write("merchantId", product.merchantId().toString());
        if (product.publishedAt() != null) {
            json.write("publishedAt", time(product.publishedAt()));
        }
        strings(json, "rejectionReasons", product.rejectionReasons());
        json.write("status", product.status().wireName());
        strings(json, "title", product.title());
        json.write("updatedAt", time(product.updatedAt()));
        json.writeStartArray("variants");
        for (ProductVariant variant : product.variants()) {
            json.writeStartObject();
            strings(json, "attributes", variant.attributes());
            if (variant.compareAtPrice() != null) {
                money(json, "compareAtPrice", variant.compareAtPrice());
            }
            json.write("id", variant.id().toString());
            money(json, "price", variant.price());
            json.write("sku", variant.sku());
            json.writeEnd();
        }
        json.writeEnd();
        json.write("version", product.version());
        json.writeEnd();
    }

    private static void strings(JsonGenerator json, String name, Map<String, String> values) {
        json.writeStartObject(name);
        values.forEach(json::write);
        json.writeEnd();
    }

    private static void strings(JsonGenerator json, String name, List<String> values) {
        json.writeStartArray(name);
        values.forEach(json::write);
        json.writeEnd();
    }

    private static void optional(JsonGenerator json, String name, String value) {
        if (value != null) {
            json.write(name, value);
        }
    }

    private static void money(JsonGenerator json, String name, Money money) {
        json.writeStartObject(name).write("amount", money.amount()).write("currency", money.currency()).writeEnd();
    }

    /** As JSON-B writes an {@link OffsetDateTime}. */
    private static String time(OffsetDateTime time) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time);
    }
}
