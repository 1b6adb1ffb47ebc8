package dev.marketplace.server.demo;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Collection;
import java.util.UUID;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Rows streamed into one table by {@code COPY … FROM STDIN (FORMAT csv)}: the fastest way into PostgreSQL, and
 * the rows never have to be held in memory all at once. Values are appended field by field; {@link #endRow()}
 * finishes a row, {@link #finish()} the copy and returns how many rows went in.
 */
final class CopyRows {

    /** Bytes collected before they are sent; big enough to keep round trips rare, small enough not to matter. */
    private static final int FLUSH_AT = 1 << 20;

    private final CopyIn copy;
    private final StringBuilder buffer = new StringBuilder(FLUSH_AT + 4096);
    private boolean firstField = true;

    private CopyRows(CopyIn copy) {
        this.copy = copy;
    }

    static CopyRows into(CopyManager copyManager, String table, String... columns) throws SQLException {
        return new CopyRows(copyManager.copyIn("COPY " + table + " (" + String.join(", ", columns)
                + ") FROM STDIN (FORMAT csv)"));
    }

    CopyRows text(String value) {
        separate();
        buffer.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                buffer.append('"');
            }
            buffer.append(c);
        }
        buffer.append('"');
        return this;
    }

    CopyRows number(long value) {
        separate();
        buffer.append(value);
        return this;
    }

    CopyRows uuid(UUID value) {
        separate();
        buffer.append(value);
        return this;
    }

    /** SQL NULL: an unquoted empty field in CSV. */
    CopyRows nullValue() {
        separate();
        return this;
    }

    /** A PostgreSQL array literal ({@code {a,b}}) of values that need no quoting inside it (ids, URLs). */
    CopyRows array(Collection<?> values) {
        StringBuilder literal = new StringBuilder("{");
        for (Object value : values) {
            if (literal.length() > 1) {
                literal.append(',');
            }
            literal.append(value);
        }
        return text(literal.append('}').toString());
    }

    void endRow() throws SQLException {
        buffer.append('\n');
        firstField = true;
        if (buffer.length() >= FLUSH_AT) {
            flush();
        }
    }

    long finish() throws SQLException {
        flush();
        return copy.endCopy();
    }

    private void separate() {
        if (!firstField) {
            buffer.append(',');
        }
        firstField = false;
    }

    private void flush() throws SQLException {
        byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(bytes, 0, bytes.length);
        buffer.setLength(0);
    }
}
