package dev.marketplace.server.catalog;

import java.io.IOException;
import java.util.Arrays;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.IntroSorter;

/**
 * The row version of every product a search index holds, as three arrays sorted by product id (its two halves), for
 * the catch-up to find each listed row by binary search and mark it seen: nothing per product is allocated when a
 * start reads them, saved beside the index (decision 127), instead of 100,000 UUIDs, boxed versions and map entries.
 */
final class ListedVersions {

    /** The file beside the saved index's own files. */
    static final String FILE = "listed-versions";
    private static final String CODEC = "MarketplaceListedVersions";
    private static final int CODEC_VERSION = 0;

    private final long[] mostSignificant;
    private final long[] leastSignificant;
    private final long[] versions;
    private final FixedBitSet seen;

    private ListedVersions(long[] mostSignificant, long[] leastSignificant, long[] versions) {
        this.mostSignificant = mostSignificant;
        this.leastSignificant = leastSignificant;
        this.versions = versions;
        this.seen = new FixedBitSet(Math.max(1, versions.length));
    }

    /** Collects a version per product, in any order, then sorts them by product id. */
    static final class Builder {
        private final long[] mostSignificant;
        private final long[] leastSignificant;
        private final long[] versions;
        private int size;

        Builder(int capacity) {
            mostSignificant = new long[capacity];
            leastSignificant = new long[capacity];
            versions = new long[capacity];
        }

        void add(UUID productId, long version) {
            mostSignificant[size] = productId.getMostSignificantBits();
            leastSignificant[size] = productId.getLeastSignificantBits();
            versions[size] = version;
            size++;
        }

        ListedVersions build() {
            long[] most = Arrays.copyOf(mostSignificant, size);
            long[] least = Arrays.copyOf(leastSignificant, size);
            long[] held = Arrays.copyOf(versions, size);
            new IntroSorter() {
                private long pivotMost;
                private long pivotLeast;

                @Override
                protected void swap(int i, int j) {
                    swapIn(most, i, j);
                    swapIn(least, i, j);
                    swapIn(held, i, j);
                }

                @Override
                protected void setPivot(int i) {
                    pivotMost = most[i];
                    pivotLeast = least[i];
                }

                @Override
                protected int comparePivot(int j) {
                    return compareIds(pivotMost, pivotLeast, most[j], least[j]);
                }
            }.sort(0, size);
            for (int i = 1; i < size; i++) {
                if (most[i] == most[i - 1] && least[i] == least[i - 1]) {
                    throw new IllegalStateException("product " + new UUID(most[i], least[i]) + " held twice");
                }
            }
            return new ListedVersions(most, least, held);
        }

        private static void swapIn(long[] values, int i, int j) {
            long value = values[i];
            values[i] = values[j];
            values[j] = value;
        }
    }

    /** Read from {@link #FILE} in {@code directory}, its checksum verified (a damaged file is an exception). */
    static ListedVersions readFrom(Directory directory) throws IOException {
        try (ChecksumIndexInput input = directory.openChecksumInput(FILE)) {
            CodecUtil.checkHeader(input, CODEC, CODEC_VERSION, CODEC_VERSION);
            int size = input.readVInt();
            long[] most = new long[size];
            long[] least = new long[size];
            long[] held = new long[size];
            input.readLongs(most, 0, size);
            input.readLongs(least, 0, size);
            input.readLongs(held, 0, size);
            CodecUtil.checkFooter(input);
            return new ListedVersions(most, least, held);
        }
    }

    /** Writes {@link #FILE} in {@code directory} (not synced). */
    void writeTo(Directory directory) throws IOException {
        try (IndexOutput output = directory.createOutput(FILE, IOContext.DEFAULT)) {
            CodecUtil.writeHeader(output, CODEC, CODEC_VERSION);
            output.writeVInt(size());
            for (long[] values : new long[][] {mostSignificant, leastSignificant, versions}) {
                for (long value : values) {
                    output.writeLong(value);
                }
            }
            CodecUtil.writeFooter(output);
        }
    }

    int size() {
        return versions.length;
    }

    /**
     * Whether {@code productId} is held in {@code version}; a held product is marked seen either way (see
     * {@link #forEachUnseen}).
     */
    boolean seenIn(UUID productId, long version) {
        int at = indexOf(productId);
        if (at < 0) {
            return false;
        }
        seen.set(at);
        return versions[at] == version;
    }

    /** Each held product not marked seen by {@link #seenIn}: those no longer listed, after a catch-up's statement. */
    void forEachUnseen(Consumer<UUID> productId) {
        for (int at = 0; at < size(); at++) {
            if (!seen.get(at)) {
                productId.accept(new UUID(mostSignificant[at], leastSignificant[at]));
            }
        }
    }

    int unseen() {
        return size() - seen.cardinality();
    }

    /** Whether a version of {@code productId} is held. */
    boolean holds(UUID productId) {
        return indexOf(productId) >= 0;
    }

    private int indexOf(UUID productId) {
        long most = productId.getMostSignificantBits();
        long least = productId.getLeastSignificantBits();
        int low = 0;
        int high = size() - 1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            int comparison = compareIds(mostSignificant[middle], leastSignificant[middle], most, least);
            if (comparison < 0) {
                low = middle + 1;
            } else if (comparison > 0) {
                high = middle - 1;
            } else {
                return middle;
            }
        }
        return -1;
    }

    private static int compareIds(long mostA, long leastA, long mostB, long leastB) {
        int most = Long.compare(mostA, mostB);
        return most != 0 ? most : Long.compare(leastA, leastB);
    }

    /** The same products in the same versions (what was seen aside): tests compare a catch-up's with a fill's. */
    @Override
    public boolean equals(Object other) {
        return other instanceof ListedVersions that && Arrays.equals(mostSignificant, that.mostSignificant)
                && Arrays.equals(leastSignificant, that.leastSignificant) && Arrays.equals(versions, that.versions);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(versions);
    }

    @Override
    public String toString() {
        return size() + " listed versions";
    }
}
