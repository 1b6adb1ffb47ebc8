package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.platform.http.JsonResponses;
import dev.marketplace.server.platform.money.Money;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The listing cache's packed JSON: the same bytes back, a listing in well under half its size. */
class PackedJsonTest {

    @Test
    void aListingPacksToUnderHalfItsJsonAndComesBackByteForByte() {
        byte[] json = JsonResponses.json(new ListingHttpService.ListingResource(UUID.randomUUID(), UUID.randomUUID(),
                UUID.randomUUID(),
                Map.of("ja", "有機 緑茶 ティーバッグ 静岡", "zh", "有机绿茶茶包 静冈", "en", "Organic green tea, tea bags"),
                Map.of("ja", "有機 緑茶 ティーバッグ 静岡。静岡産の素材を使い、ひとつひとつ丁寧に仕上げました。",
                        "zh", "有机绿茶茶包 静冈。精选静冈原料，用心制作。",
                        "en", "Organic green tea, tea bags. Carefully made from ingredients sourced in Shizuoka."),
                Map.of("origin", "静岡", "weight", "100g"), List.of("https://images.example.com/demo/123.jpg"),
                List.of(variant("DEMO-000123-01", 1_200, null), variant("DEMO-000123-02", 2_300, 2_800L),
                        variant("DEMO-000123-03", 3_400, null)),
                Money.of(1_200, "JPY"), OffsetDateTime.of(2026, 12, 1, 9, 30, 0, 123_456_000, ZoneOffset.UTC),
                new ListingHttpService.RatingResource(3, new BigDecimal("4.33")),
                new ListingHttpService.RatingResource(0, null)));

        byte[] packed = PackedJson.pack(json);

        assertThat(packed.length).isLessThan(json.length / 2);
        assertThat(PackedJson.unpack(packed)).isEqualTo(json);
    }

    @Test
    void anyBytesComeBackWhateverTheirSizeAndCompressibility() {
        Random random = new Random(68);
        byte[] noise = new byte[200_000];
        random.nextBytes(noise);
        String page = IntStream.range(0, 2_000).mapToObj(i -> "{\"productId\":\"" + new UUID(random.nextLong(), i)
                + "\",\"title\":{\"ja\":\"緑茶 " + i + "\"}}").reduce((a, b) -> a + "," + b).orElseThrow();
        for (byte[] bytes : List.of(new byte[0], "{}".getBytes(StandardCharsets.UTF_8), noise,
                ("{\"items\":[" + page + "]}").getBytes(StandardCharsets.UTF_8))) {
            assertThat(PackedJson.unpack(PackedJson.pack(bytes))).isEqualTo(bytes);
        }
    }

    @Test
    void packsAndUnpacksConcurrentlyWithItsPooledCodecs() throws InterruptedException {
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        List<Thread> threads = IntStream.range(0, 32).mapToObj(t -> Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 200; i++) {
                byte[] json = ("{\"thread\":" + t + ",\"i\":" + i + ",\"title\":{\"ja\":\"有機緑茶" + "茶".repeat(i)
                        + "\"}}").getBytes(StandardCharsets.UTF_8);
                if (!new String(PackedJson.unpack(PackedJson.pack(json)), StandardCharsets.UTF_8)
                        .equals(new String(json, StandardCharsets.UTF_8))) {
                    wrong.add(t + "/" + i);
                }
            }
        })).toList();
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(wrong).isEmpty();
    }

    private static ProductVariant variant(String sku, long price, Long compareAt) {
        return new ProductVariant(UUID.randomUUID(), sku, Map.of("size", "100g"), Money.of(price, "JPY"),
                compareAt == null ? null : Money.of(compareAt, "JPY"));
    }
}
