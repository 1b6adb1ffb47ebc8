package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading PostgreSQL's text forms of search_query's tsqueries and of search documents (decision 47). */
class TsQueryTest {

    @Test
    void termsPrefixesAndPhrasesInAConjunction() {
        assertThat(TsQuery.parse("( '緑茶' <-> '茶テ' <-> 'ティ' ) & 'run' & '茶':*").orElseThrow()).containsExactly(
                new TsQuery.Part(List.of("緑茶", "茶テ", "ティ"), List.of(0, 1, 2), false),
                new TsQuery.Part(List.of("run"), List.of(0), false),
                new TsQuery.Part(List.of("茶"), List.of(0), true));
    }

    @Test
    void nestedConjunctionsAndDistancesAndQuotes() {
        assertThat(TsQuery.parse("'a' & ( 'b' & 'it''s' ) & 'x' <2> 'y'").orElseThrow()).containsExactly(
                new TsQuery.Part(List.of("a"), List.of(0), false),
                new TsQuery.Part(List.of("b"), List.of(0), false),
                new TsQuery.Part(List.of("it's"), List.of(0), false),
                new TsQuery.Part(List.of("x", "y"), List.of(0, 2), false));
    }

    @Test
    void anEmptyQueryAsksForNothingAndOtherShapesAreNotRead() {
        assertThat(TsQuery.parse("").orElseThrow()).isEmpty();
        assertThat(TsQuery.parse("'a' | 'b'")).isEmpty();
        assertThat(TsQuery.parse("!'a'")).isEmpty();
        assertThat(TsQuery.parse("'a':* <-> 'b'")).isEmpty();
        assertThat(TsQuery.parse("( 'a' <-> 'b' ) <-> 'c'")).isEmpty();
        assertThat(TsQuery.parse("'a':A")).isEmpty();
    }

    @Test
    void aDocumentsLexemesWithPositionsAndWhetherTheyAreInTheTitle() {
        assertThat(TsVector.parse("'it''s':3B 'tea':1A,4B '有機':2A")).containsExactly(
                new TsVector.Lexeme("it's", 3, false),
                new TsVector.Lexeme("tea", 1, true), new TsVector.Lexeme("tea", 4, false),
                new TsVector.Lexeme("有機", 2, true));
    }
}
