package dev.marketplace.server.inventory;

import static dev.marketplace.server.platform.http.JsonP.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.platform.http.JsonResponses;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonGenerator;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The streamed results of a stock update carry the stock as every other stock endpoint answers it (JSON-B). */
class StockUpdateResultsJsonTest {


    private final StockLevel withEverything = new StockLevel(UUID.randomUUID(), "TEE-RED-M", UUID.randomUUID(),
            "TOKYO-1", UUID.randomUUID(), 120, 20, Optional.of(1_763_800_000_000L), Optional.of(5L),
            OffsetDateTime.of(2026, 11, 22, 9, 40, 1, 234_567_000, ZoneOffset.UTC));
    private final StockLevel withoutOptionals = new StockLevel(UUID.randomUUID(), "A", UUID.randomUUID(), "B",
            UUID.randomUUID(), 0, 0, Optional.empty(), Optional.empty(), OffsetDateTime.of(2026, 11, 22, 18, 0, 0, 0, ZoneOffset.ofHours(9)));

    @Test
    void stockLevelsAreWrittenAsJsonBWritesTheirResource() {
        for (StockLevel level : List.of(withEverything, withoutOptionals)) {
            assertThat(streamed(List.of(StockUpdateResult.applied(0, level))).getJsonArray("results")
                    .getJsonObject(0).get("stock"))
                    .isEqualTo(parse(json(StockHttpService.StockLevelResource.of(level))));
        }
    }

    @Test
    void everyOutcomeKeepsItsIndexAndOnlyTheMembersItHas() {
        StockUpdate refused = new StockUpdate(UUID.randomUUID(), UUID.randomUUID(), Optional.empty(), Optional.of(-5L),
                Optional.empty());
        JsonObject json = streamed(List.of(StockUpdateResult.applied(0, withEverything),
                StockUpdateResult.ignoredStale(1, withEverything),
                StockUpdateResult.rejected(2, refused, "below_reserved", "onHand would fall \"below\" 20")));

        JsonObject applied = json.getJsonArray("results").getJsonObject(0);
        assertThat(applied.getInt("index")).isZero();
        assertThat(applied.getString("outcome")).isEqualTo("applied");
        assertThat(applied.getString("variantId")).isEqualTo(withEverything.variantId().toString());
        assertThat(applied.getString("locationId")).isEqualTo(withEverything.locationId().toString());
        assertThat(applied).doesNotContainKeys("code", "detail");
        JsonObject stale = json.getJsonArray("results").getJsonObject(1);
        assertThat(stale.getString("outcome")).isEqualTo("ignored_stale");
        assertThat(stale.getString("detail")).contains("1763800000000");
        assertThat(stale).containsKey("stock").doesNotContainKey("code");
        JsonObject rejected = json.getJsonArray("results").getJsonObject(2);
        assertThat(rejected.getInt("index")).isEqualTo(2);
        assertThat(rejected.getString("outcome")).isEqualTo("rejected");
        assertThat(rejected.getString("code")).isEqualTo("below_reserved");
        assertThat(rejected.getString("detail")).isEqualTo("onHand would fall \"below\" 20");
        assertThat(rejected.getString("variantId")).isEqualTo(refused.variantId().toString());
        assertThat(rejected).doesNotContainKey("stock");
    }

    private static JsonObject streamed(List<StockUpdateResult> results) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = JSON.createGenerator(out)) {
            StockUpdateResultsJson.write(generator, results);
        }
        return parse(out.toString()).asJsonObject();
    }

    private static JsonValue parse(String json) {
        return JSON.createReader(new StringReader(json)).readValue();
    }

    /** A body as {@code JsonResponses} writes it for a client: its own JSON-B configuration, not a copy. */
    private static String json(Object body) {
        return new String(JsonResponses.json(body), StandardCharsets.UTF_8);
    }
}
