package dev.marketplace.server.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * PostgreSQL's text form of what search_query (V8 migration) makes of a storefront's text: a conjunction ({@code &})
 * of parts, each a lexeme, a prefix ({@code '茶':*}) or a phrase of lexemes at given distances
 * ({@code '緑茶' <-> '茶テ'}), possibly in parentheses.
 */
final class TsQuery {

    /** A required part: one lexeme (a prefix if {@code prefix}), or a phrase with each lexeme's relative position. */
    record Part(List<String> lexemes, List<Integer> positions, boolean prefix) {
    }

    private final String text;
    private int i;

    private TsQuery(String text) {
        this.text = text;
    }

    /** The parts, none for an empty query; empty if the query has another shape (or, not, prefixes in phrases). */
    static Optional<List<Part>> parse(String tsquery) {
        TsQuery parser = new TsQuery(tsquery);
        List<Part> parts = new ArrayList<>();
        try {
            parser.skipSpaces();
            if (parser.atEnd()) {
                return Optional.of(parts);
            }
            parser.conjunction(parts);
            return parser.atEnd() ? Optional.of(parts) : Optional.empty();
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    /** Parts joined by {@code &}; a parenthesized conjunction is a part of the enclosing one. */
    private void conjunction(List<Part> parts) {
        do {
            if (accept("(")) {
                conjunction(parts);
                if (!accept(")")) {
                    throw new IllegalArgumentException("unsupported inside parentheses");
                }
            } else {
                parts.add(part());
            }
        } while (accept("&"));
    }

    private Part part() {
        List<String> lexemes = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        int position = 0;
        boolean prefix = lexeme(lexemes);
        positions.add(position);
        while (true) {
            int distance;
            if (accept("<->")) {
                distance = 1;
            } else if (peek('<')) {
                int close = text.indexOf('>', i);
                distance = Integer.parseInt(text.substring(i + 1, close));
                i = close + 1;
                skipSpaces();
            } else {
                break;
            }
            if (prefix || lexeme(lexemes)) {
                throw new IllegalArgumentException("prefix in a phrase");
            }
            position += distance;
            positions.add(position);
        }
        return new Part(List.copyOf(lexemes), List.copyOf(positions), prefix);
    }

    /** Reads a lexeme into {@code lexemes}; whether it is a prefix. Weights restrictions are not supported. */
    private boolean lexeme(List<String> lexemes) {
        TsVector.Quoted quoted = TsVector.Quoted.read(text, i);
        lexemes.add(quoted.text());
        i = quoted.end();
        boolean prefix = false;
        if (text.startsWith(":*", i)) {
            prefix = true;
            i += 2;
        } else if (peek(':')) {
            throw new IllegalArgumentException("weights");
        }
        skipSpaces();
        return prefix;
    }

    private boolean accept(String token) {
        if (text.startsWith(token, i)) {
            i += token.length();
            skipSpaces();
            return true;
        }
        return false;
    }

    private boolean peek(char c) {
        return i < text.length() && text.charAt(i) == c;
    }

    private void skipSpaces() {
        while (i < text.length() && text.charAt(i) == ' ') {
            i++;
        }
    }

    private boolean atEnd() {
        return i == text.length();
    }
}
