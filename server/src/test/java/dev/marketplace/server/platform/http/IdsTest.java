package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void acceptsOnlyTheCanonicalForm() {
        UUID id = UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e");
        assertThat(Ids.parse("0f8fad5b-d9cb-469f-a165-70867728950e")).contains(id);
        assertThat(Ids.parse("0F8FAD5B-D9CB-469F-A165-70867728950E")).contains(id);

        assertThat(Ids.parse(null)).isEmpty();
        assertThat(Ids.parse("1-2-3-4-5")).isEmpty();
        assertThat(Ids.parse("0f8fad5b-d9cb-469f-a165-70867728950")).isEmpty();
        assertThat(Ids.parse("0f8fad5b-d9cb-469f-a165-70867728950e0")).isEmpty();
        assertThat(Ids.parse("0f8fad5bd-9cb-469f-a165-70867728950e")).isEmpty();
        assertThat(Ids.parse("0f8fad5b-d9cb-469f-a165-70867728950g")).isEmpty();
        assertThat(Ids.parse("0f8fad5b-d9cb-469f-a165+70867728950e")).isEmpty();
    }

    @Test
    void newRequestIdsAreDistinctRandomUuids() {
        UUID first = UUID.fromString(RequestIds.newId());
        UUID second = UUID.fromString(RequestIds.newId());

        assertThat(first).isNotEqualTo(second);
        assertThat(first.version()).isEqualTo(4);
        assertThat(first.variant()).isEqualTo(2);
        assertThat(Ids.parse(first.toString())).contains(first);
    }
}
