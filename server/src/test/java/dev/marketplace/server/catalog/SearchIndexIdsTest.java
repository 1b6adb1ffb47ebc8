package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import java.util.stream.Stream;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;

class SearchIndexIdsTest {

    @Test
    void aProductIdIsReadFromItsCharactersAsUuidReadsIt() {
        Stream.concat(Stream.generate(UUID::randomUUID).limit(1000),
                        Stream.of(new UUID(0, 0), new UUID(-1, -1), new UUID(Long.MIN_VALUE, Long.MAX_VALUE)))
                .forEach(id -> {
                    byte[] padded = ("xx" + id + "yy").getBytes();
                    assertThat(SearchIndex.uuid(new BytesRef(padded, 2, 36))).isEqualTo(id);
                    assertThat(SearchIndex.uuid(new BytesRef(id.toString().toUpperCase()))).isEqualTo(id);
                });
    }

    @Test
    void anythingElseIsRefused() {
        String id = UUID.randomUUID().toString();
        Stream.of(id.substring(1), id + "0", id.replace('-', '0'), "g" + id.substring(1), id.substring(0, 35) + " ")
                .forEach(text -> assertThatThrownBy(() -> SearchIndex.uuid(new BytesRef(text)))
                        .as(text).isInstanceOf(IllegalStateException.class));
    }
}
