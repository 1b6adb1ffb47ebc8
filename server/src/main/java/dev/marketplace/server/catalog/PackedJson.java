package dev.marketplace.server.catalog;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Supplier;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * JSON kept deflated, so that the listing cache holds the whole demo catalog in its byte budget (decision 68): a
 * listing's JSON is about 1,170 bytes and packs to about 505 (43 %), and inflating it back costs a few
 * microseconds, far less than the database read of a miss.
 *
 * <p>Each packed form is the JSON's length (a varint) and a raw deflate stream against a preset dictionary of what
 * every listing's JSON has in common — its property names in JSON-B's order and the shape of money, ratings and
 * variants — so that even a short JSON does not pay for its own names. The dictionary holds no catalog data: it fits
 * any catalog the same way. Deflaters and inflaters are reused from small fixed pools: a deflater's native state
 * is about 256 KB, too much to allocate for every miss.
 */
final class PackedJson {

    /** The property names and shapes of a listing ({@code ListingResource}) in JSON-B's (alphabetical) order. */
    private static final byte[] DICTIONARY = ("{\"items\":[],\"nextCursor\":\"\"}"
            + "\"currency\":\"USD\"},\"currency\":\"EUR\"},\"currency\":\"CNY\"},\"average\":"
            + "{\"attributes\":{\"\":\"\"},\"categoryId\":\"\",\"description\":{\"ja\":\"\",\"zh\":\"\",\"en\":\"\"},"
            + "\"imageUrls\":[\"https://\".jpg\"],\"merchantId\":\"\",\"merchantRating\":{\"count\":0},"
            + "\"price\":{\"amount\":,\"currency\":\"JPY\"},\"productId\":\"\","
            + "\"publishedAt\":\"2026-12-01T00:00:00Z\","
            + "\"rating\":{\"count\":0},\"title\":{\"ja\":\"\",\"zh\":\"\",\"en\":\"\"},"
            + "\"variants\":[{\"attributes\":{\"\":\"\"},\"id\":\"\","
            + "\"price\":{\"amount\":,\"currency\":\"JPY\"},\"sku\":\"\"},"
            + "{\"attributes\":{\"\":\"\"},\"compareAtPrice\":{\"amount\":,\"currency\":\"JPY\"},\"id\":\"\","
            + "\"price\":{\"amount\":,\"currency\":\"JPY\"},\"sku\":\"\"}]}").getBytes(StandardCharsets.UTF_8);
    /** Codecs of each kind: more than two cores use at once (neither packing nor unpacking blocks). */
    private static final int POOLED = 4;

    private static final Pool<Deflater> DEFLATERS = new Pool<>(() -> new Deflater(Deflater.DEFAULT_COMPRESSION, true));
    private static final Pool<Inflater> INFLATERS = new Pool<>(() -> new Inflater(true));

    private PackedJson() {
    }

    static byte[] pack(byte[] json) {
        Deflater deflater = DEFLATERS.take();
        try {
            deflater.setDictionary(DICTIONARY);
            deflater.setInput(json);
            deflater.finish();
            int header = varintLength(json.length);
            // Room for what does not compress: deflate then adds a few bytes per stored block of up to 64 KB.
            byte[] packed = new byte[header + json.length + json.length / 1_000 + 64];
            writeVarint(packed, json.length);
            int length = header;
            while (!deflater.finished()) {
                if (length == packed.length) {
                    packed = Arrays.copyOf(packed, 2 * packed.length);
                }
                length += deflater.deflate(packed, length, packed.length - length);
            }
            return Arrays.copyOf(packed, length);
        } finally {
            deflater.reset();
            DEFLATERS.give(deflater);
        }
    }

    static byte[] unpack(byte[] packed) {
        int length = 0;
        int at = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = packed[at++];
            length |= (b & 0x7f) << shift;
            if (b >= 0) {
                break;
            }
        }
        Inflater inflater = INFLATERS.take();
        try {
            inflater.setDictionary(DICTIONARY);
            inflater.setInput(packed, at, packed.length - at);
            byte[] json = new byte[length];
            int done = 0;
            while (done < length) {
                int inflated = inflater.inflate(json, done, length - done);
                if (inflated == 0 && (inflater.finished() || inflater.needsInput())) {
                    throw new IllegalStateException("a packed JSON ended early: " + done + " of " + length + " bytes");
                }
                done += inflated;
            }
            return json;
        } catch (DataFormatException e) {
            throw new IllegalStateException("a packed JSON is damaged", e);
        } finally {
            inflater.reset();
            INFLATERS.give(inflater);
        }
    }

    private static int varintLength(int value) {
        return value < 1 << 7 ? 1 : value < 1 << 14 ? 2 : value < 1 << 21 ? 3 : value < 1 << 28 ? 4 : 5;
    }

    private static void writeVarint(byte[] to, int value) {
        int at = 0;
        while ((value & ~0x7f) != 0) {
            to[at++] = (byte) ((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        to[at] = (byte) value;
    }

    /**
     * A fixed set of codecs made once: a caller waits for one rather than making more. zlib allocates its state with
     * malloc, outside the JVM's accounting; making and ending a deflater for every concurrent miss left tens of MB
     * of freed native memory resident (decision 68). Packing and unpacking never block, so a few suffice.
     */
    private static final class Pool<T> {
        private final BlockingQueue<T> idle = new ArrayBlockingQueue<>(POOLED);

        Pool(Supplier<T> make) {
            for (int i = 0; i < POOLED; i++) {
                idle.add(make.get());
            }
        }

        T take() {
            try {
                return idle.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a codec", e);
            }
        }

        void give(T codec) {
            idle.add(codec);
        }
    }
}
