package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.junit.jupiter.api.Test;

class ListedVersionsTest {

    @Test
    void eachListedRowIsFoundAndTheRestAreNoLongerListed() throws IOException {
        Random random = new Random(127);
        List<UUID> ids = new ArrayList<>();
        ListedVersions.Builder builder = new ListedVersions.Builder(1_000);
        for (int i = 0; i < 1_000; i++) {
            UUID id = new UUID(random.nextLong(), random.nextLong());
            ids.add(id);
            builder.add(id, i);
        }
        ListedVersions held = builder.build();
        try (ByteBuffersDirectory directory = new ByteBuffersDirectory()) {
            held.writeTo(directory);
            ListedVersions read = ListedVersions.readFrom(directory);
            assertThat(read).isEqualTo(held);

            assertThat(read.seenIn(ids.get(0), 0)).as("same version").isTrue();
            assertThat(read.seenIn(ids.get(1), 7)).as("another version").isFalse();
            assertThat(read.seenIn(UUID.randomUUID(), 0)).as("not held").isFalse();
            for (int i = 3; i < ids.size(); i++) {
                assertThat(read.seenIn(ids.get(i), i)).isTrue();
            }
            List<UUID> unseen = new ArrayList<>();
            read.forEachUnseen(unseen::add);
            assertThat(unseen).containsExactly(ids.get(2));
            assertThat(read.unseen()).isOne();
        }
    }

    @Test
    void aDamagedFileOrAProductHeldTwiceIsRefused() throws IOException {
        ListedVersions.Builder builder = new ListedVersions.Builder(2);
        builder.add(new UUID(1, 2), 3);
        builder.add(new UUID(4, 5), 6);
        try (ByteBuffersDirectory directory = new ByteBuffersDirectory();
             ByteBuffersDirectory damaged = new ByteBuffersDirectory()) {
            builder.build().writeTo(directory);
            try (IndexInput input = directory.openInput(ListedVersions.FILE, IOContext.READONCE);
                 IndexOutput output = damaged.createOutput(ListedVersions.FILE, IOContext.DEFAULT)) {
                byte[] bytes = new byte[(int) input.length()];
                input.readBytes(bytes, 0, bytes.length);
                bytes[bytes.length / 2] ^= 1;
                output.writeBytes(bytes, bytes.length);
            }
            assertThatThrownBy(() -> ListedVersions.readFrom(damaged)).isInstanceOf(CorruptIndexException.class);
        }
        ListedVersions.Builder twice = new ListedVersions.Builder(2);
        twice.add(new UUID(1, 2), 3);
        twice.add(new UUID(1, 2), 4);
        assertThatThrownBy(twice::build).isInstanceOf(IllegalStateException.class);
    }
}
