package dev.marketplace.server.platform.pagination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.marketplace.server.platform.pagination.CursorKey.POSITION;
import static dev.marketplace.server.platform.pagination.CursorKey.TEXT;
import static dev.marketplace.server.platform.pagination.CursorKey.TIMESTAMP;
import static dev.marketplace.server.platform.pagination.CursorKey.UUID;

import java.util.List;
import org.junit.jupiter.api.Test;

class PaginationTest {

    @Test
    void cursorsRoundTripAnyText() {
        Cursor cursor = Cursor.of("日本茶 \"quoted\" / ,", "3f1c-…");
        String token = cursor.encode();
        assertThat(token).matches("[A-Za-z0-9_-]+");
        assertThat(Cursor.decode(token, List.of(TEXT, TEXT))).contains(cursor);
    }

    @Test
    void foreignOrTamperedCursorsAreRefused() {
        String token = Cursor.of("a", "b").encode();
        assertThat(Cursor.decode(token, List.of(TEXT, TEXT, TEXT))).as("wrong number of keys").isEmpty();
        assertThat(Cursor.decode("!!!", List.of(TEXT, TEXT))).as("not base64url").isEmpty();
        assertThat(Cursor.decode(java.util.Base64.getUrlEncoder().encodeToString("{\"a\":1}".getBytes()), List.of(TEXT))).isEmpty();
        assertThat(Cursor.decode(java.util.Base64.getUrlEncoder().encodeToString("[1,2]".getBytes()), List.of(TEXT, TEXT))).isEmpty();
        assertThat(Cursor.decode(java.util.Base64.getUrlEncoder().encodeToString("[\"a\"".getBytes()), List.of(TEXT))).isEmpty();
    }

    @Test
    void eachKeyIsCheckedForItsKind() {
        String valid = Cursor.of("2026-12-05T15:48:39.123456Z", "0b7a1c8e-6f3d-4c1e-9b2a-1d2e3f4a5b6c").encode();
        assertThat(Cursor.decode(valid, List.of(TIMESTAMP, UUID))).isPresent();
        assertThat(Cursor.decode(valid, List.of(UUID, TIMESTAMP))).as("keys in the wrong order").isEmpty();
        assertThat(Cursor.decode(Cursor.of("x", "y").encode(), List.of(TIMESTAMP, UUID))).isEmpty();
        assertThat(Cursor.decode(Cursor.of("+999999999-12-31T23:59:59Z", "0b7a1c8e-6f3d-4c1e-9b2a-1d2e3f4a5b6c").encode(),
                List.of(TIMESTAMP, UUID))).as("a year PostgreSQL cannot hold").isEmpty();
        assertThat(Cursor.decode(Cursor.of("a\u0000b").encode(), List.of(TEXT))).as("NUL").isEmpty();
        String loneSurrogate = java.util.Base64.getUrlEncoder().encodeToString("[\"\\ud800\"]".getBytes());
        assertThat(Cursor.decode(loneSurrogate, List.of(TEXT))).as("a lone surrogate").isEmpty();
        assertThat(Cursor.decode(Cursor.of("42").encode(), List.of(POSITION))).contains(Cursor.of("42"));
        assertThat(Cursor.decode(Cursor.of("-1").encode(), List.of(POSITION))).isEmpty();
        assertThat(Cursor.decode(Cursor.of("1e3").encode(), List.of(POSITION))).isEmpty();
    }

    @Test
    void aPageFromALookaheadQueryKnowsWhetherMoreFollow() {
        List<String> rows = List.of("a", "b", "c");
        Page<String> full = Page.fromLookahead(rows, 2, Cursor::of);
        assertThat(full.items()).containsExactly("a", "b");
        assertThat(Cursor.decode(full.nextCursor(), List.of(TEXT))).contains(Cursor.of("b"));

        Page<String> last = Page.fromLookahead(rows, 3, Cursor::of);
        assertThat(last.items()).containsExactly("a", "b", "c");
        assertThat(last.nextCursor()).isNull();

        assertThat(Page.fromLookahead(List.<String>of(), 5, Cursor::of).items()).isEmpty();
        assertThat(full.map(String::toUpperCase).items()).containsExactly("A", "B");
    }

    @Test
    void pageRequestsAreBounded() {
        assertThat(PageRequest.first(1).fetchSize()).isEqualTo(2);
        assertThatThrownBy(() -> PageRequest.first(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PageRequest.first(PageRequest.LARGEST_LIMIT + 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
