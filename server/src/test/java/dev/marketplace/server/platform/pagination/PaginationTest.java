package dev.marketplace.server.platform.pagination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PaginationTest {

    @Test
    void cursorsRoundTripAnyText() {
        Cursor cursor = Cursor.of("日本茶 \"quoted\" / ,", "3f1c-…");
        String token = cursor.encode();
        assertThat(token).matches("[A-Za-z0-9_-]+");
        assertThat(Cursor.decode(token, 2)).contains(cursor);
    }

    @Test
    void foreignOrTamperedCursorsAreRefused() {
        String token = Cursor.of("a", "b").encode();
        assertThat(Cursor.decode(token, 3)).as("wrong number of keys").isEmpty();
        assertThat(Cursor.decode("!!!", 2)).as("not base64url").isEmpty();
        assertThat(Cursor.decode(java.util.Base64.getUrlEncoder().encodeToString("{\"a\":1}".getBytes()), 1)).isEmpty();
        assertThat(Cursor.decode(java.util.Base64.getUrlEncoder().encodeToString("[1,2]".getBytes()), 2)).isEmpty();
        assertThat(Cursor.decode(java.util.Base64.getUrlEncoder().encodeToString("[\"a\"".getBytes()), 1)).isEmpty();
    }

    @Test
    void aPageFromALookaheadQueryKnowsWhetherMoreFollow() {
        List<String> rows = List.of("a", "b", "c");
        Page<String> full = Page.fromLookahead(rows, 2, Cursor::of);
        assertThat(full.items()).containsExactly("a", "b");
        assertThat(Cursor.decode(full.nextCursor(), 1)).contains(Cursor.of("b"));

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
