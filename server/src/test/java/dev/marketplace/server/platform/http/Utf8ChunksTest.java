package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Streamed answers are encoded a chunk at a time: a character outside the BMP must survive a chunk boundary. */
class Utf8ChunksTest {

    @Test
    void aSurrogatePairAcrossAChunkBoundaryIsEncodedWhole() throws IOException {
        String text = "a".repeat(JsonResponses.Utf8Chunks.CHUNK - 1) + "🍵" + "有機緑茶".repeat(10_000) + "🍵";
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        try (Writer chunks = new JsonResponses.Utf8Chunks(out)) {
            // The first write fills a chunk exactly and ends between the two halves of the pair.
            chunks.write(text, 0, JsonResponses.Utf8Chunks.CHUNK);
            chunks.write(text, JsonResponses.Utf8Chunks.CHUNK, text.length() - JsonResponses.Utf8Chunks.CHUNK);
        }

        assertThat(out.toByteArray()).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    }
}
