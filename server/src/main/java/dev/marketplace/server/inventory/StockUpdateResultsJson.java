package dev.marketplace.server.inventory;

import jakarta.json.stream.JsonGenerator;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The answer to a stock update ({@code StockUpdateResults} in the OpenAPI document) written through a streaming
 * generator: up to 10,000 results, where JSON-B's reflection and its cycle check cost more than the writing
 * (decision 21). A stock level is written as JSON-B writes {@code StockLevelResource} for the other stock endpoints
 * (members in lexicographic order, absent values left out); {@code StockUpdateResultsJsonTest} holds the two to the
 * same JSON.
 */
final class StockUpdateResultsJson {

    private StockUpdateResultsJson() {
    }

    static void write(JsonGenerator json, List<StockUpdateResult> results) {
        json.writeStartObject().writeStartArray("results");
        for (StockUpdateResult result : results) {
            json.writeStartObject();
            result.code().ifPresent(code -> json.write("code", code));
            result.detail().ifPresent(detail -> json.write("detail", detail));
            json.write("index", result.index());
            if (result.locationId() != null) {
                json.write("locationId", result.locationId().toString());
            }
            json.write("outcome", result.outcome().wireName());
            result.stock().ifPresent(stock -> {
                json.writeKey("stock");
                level(json, stock);
            });
            if (result.variantId() != null) {
                json.write("variantId", result.variantId().toString());
            }
            json.writeEnd();
        }
        json.writeEnd().writeEnd();
    }

    static void level(JsonGenerator json, StockLevel level) {
        json.writeStartObject();
        json.write("available", level.available());
        level.lastSourceSequence().ifPresent(sequence -> json.write("lastSourceSequence", sequence));
        json.write("locationCode", level.locationCode());
        json.write("locationId", level.locationId().toString());
        level.lowStockThreshold().ifPresent(threshold -> json.write("lowStockThreshold", threshold));
        json.write("merchantId", level.merchantId().toString());
        json.write("onHand", level.onHand());
        json.write("reserved", level.reserved());
        json.write("sku", level.sku());
        json.write("updatedAt", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(level.updatedAt()));
        json.write("variantId", level.variantId().toString());
        json.writeEnd();
    }
}
