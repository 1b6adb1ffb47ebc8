package dev.marketplace.server.catalog;

import java.util.ArrayList;
import java.util.List;

/** PostgreSQL's text form of a tsvector ({@code 'lexeme':1A,5B 'other':3}), read into its lexemes' occurrences. */
final class TsVector {

    /** One occurrence of a lexeme; {@code title} when its weight is A (titles, see search_document in V8). */
    record Lexeme(String text, int position, boolean title) {
    }

    private TsVector() {
    }

    /** Every occurrence; a lexeme without positions (none in search documents) has none. */
    static List<Lexeme> parse(String tsvector) {
        List<Lexeme> lexemes = new ArrayList<>();
        int i = 0;
        int length = tsvector.length();
        while (i < length) {
            if (tsvector.charAt(i) == ' ') {
                i++;
                continue;
            }
            Quoted quoted = Quoted.read(tsvector, i);
            i = quoted.end();
            if (i < length && tsvector.charAt(i) == ':') {
                do {
                    i++;
                    int start = i;
                    while (i < length && Character.isDigit(tsvector.charAt(i))) {
                        i++;
                    }
                    int position = Integer.parseInt(tsvector, start, i, 10);
                    boolean title = false;
                    if (i < length && "ABCD".indexOf(tsvector.charAt(i)) >= 0) {
                        title = tsvector.charAt(i) == 'A';
                        i++;
                    }
                    lexemes.add(new Lexeme(quoted.text(), position, title));
                } while (i < length && tsvector.charAt(i) == ',');
            }
        }
        return lexemes;
    }

    /** A quoted lexeme of tsvector or tsquery text: {@code ''} is a quote, a backslash escapes the next character. */
    record Quoted(String text, int end) {
        static Quoted read(String source, int start) {
            if (source.charAt(start) != '\'') {
                throw new IllegalArgumentException("no quoted lexeme at " + start + ": " + source);
            }
            StringBuilder text = new StringBuilder();
            int i = start + 1;
            while (true) {
                char c = source.charAt(i);
                if (c == '\\') {
                    text.append(source.charAt(i + 1));
                    i += 2;
                } else if (c == '\'') {
                    if (i + 1 < source.length() && source.charAt(i + 1) == '\'') {
                        text.append('\'');
                        i += 2;
                    } else {
                        return new Quoted(text.toString(), i + 1);
                    }
                } else {
                    text.append(c);
                    i++;
                }
            }
        }
    }
}
