package dev.marketplace.server.platform.persistence;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Param;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.SQLDialect;
import org.jooq.Select;
import org.jooq.Table;
import org.jooq.TableRecord;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;
import org.jooq.exception.DataAccessException;
import org.postgresql.util.PGobject;

/**
 * A statement rendered to SQL once and run through JDBC with typed binds and typed row reading: the one way to send a
 * hot path's statement without building a jOOQ query object per execution, whose rendering, binding and fetching into
 * records were a third of a lease request's JVM samples (decisions 58, 100 and 108).
 *
 * <p>Built from a jOOQ query (so its text is the one jOOQ would send) in which every value the caller supplies is a
 * named parameter ({@code DSL.param("lease", UUID.class)}, the same name wherever the same value goes) and every
 * constant is inlined ({@code DSL.inline(...)}): an unnamed bind value is refused when the statement is rendered, at
 * its first use (and for every statement constant in the build, by {@code RenderedStatementsTest}). Only statements of
 * one fixed text fit: a varying number of rows goes in as arrays ({@code unnest}), never as multi-row {@code VALUES}.
 *
 * <p>It runs on the connection of the {@link DSLContext} it is given: inside {@code dsl.transactionResult} the
 * transaction's, so it takes part in the transaction like any jOOQ statement, and the {@link StatementObserver} sees it
 * as it sees every statement of that connection.
 */
public final class RenderedStatement {

    /** A named placeholder as jOOQ renders it in {@link ParamType#NAMED} (not a {@code ::type} cast). */
    private static final Pattern NAMED_PLACEHOLDER = Pattern.compile("(?<![:\\w]):([A-Za-z_]\\w*)");

    private final Query query;
    /**
     * Set once the fields below are: rendering waits for the statement's first use, not its repository's class
     * initialisation, which ran on start-up's critical path one repository after another (decision 136). Each entry
     * point reads it first, so the plain fields written before it are seen by every thread that finds it true.
     */
    private volatile boolean rendered;
    private String sql;
    /** Each parameter's name, Java type and its places among the statement's placeholders (1-based). */
    private String[] names;
    private Class<?>[] types;
    private int[][] places;
    /** The query's result columns, read by {@link Row#get(Field)}; empty for a statement that returns none. */
    private Field<?>[] columns;

    private RenderedStatement(Query query) {
        this.query = query;
    }

    /**
     * How {@link Database}'s context renders: its dialect, and none of its settings changes a statement's text, so a
     * statement is rendered once without a connection (as a constant of its repository).
     */
    private static final DSLContext RENDERING = DSL.using(SQLDialect.POSTGRES);

    /**
     * {@code query}'s SQL as jOOQ renders it, rendered at its first use: its named parameters are bound per execution.
     * A query that cannot be rendered so (an unnamed bind value) fails there; {@code RenderedStatementsTest} renders
     * every statement constant in the build.
     */
    public static RenderedStatement of(Query query) {
        return new RenderedStatement(query);
    }

    private void render() {
        if (rendered) {
            return;
        }
        synchronized (this) {
            if (!rendered) {
                renderNow();
                rendered = true;
            }
        }
    }

    private void renderNow() {
        DSLContext dsl = RENDERING;
        Map<String, Param<?>> params = new LinkedHashMap<>();
        for (Param<?> param : dsl.extractParams(query).values()) {
            if (param.isInline()) {
                continue;
            }
            if (param.getParamName() == null) {
                throw new IllegalArgumentException("a statement rendered once takes named parameters only; inline "
                        + "the constant " + param + " or name it: " + dsl.render(query));
            }
            params.put(param.getParamName(), param);
        }
        Map<String, List<Integer>> placesByName = new LinkedHashMap<>();
        params.keySet().forEach(name -> placesByName.put(name, new ArrayList<>()));
        Matcher placeholder = NAMED_PLACEHOLDER.matcher(dsl.renderNamedParams(query));
        int count = 0;
        while (placeholder.find()) {
            List<Integer> places = placesByName.get(placeholder.group(1));
            if (places != null) {
                places.add(++count);
            }
        }
        int binds = dsl.extractBindValues(query).size();
        if (count != binds) {
            throw new IllegalStateException(count + " named placeholders found for " + binds + " bind values (a "
                    + "literal that looks like one?): " + dsl.renderNamedParams(query));
        }
        String[] names = placesByName.keySet().toArray(String[]::new);
        Class<?>[] types = new Class<?>[names.length];
        int[][] places = new int[names.length][];
        for (int i = 0; i < names.length; i++) {
            types[i] = params.get(names[i]).getType();
            places[i] = placesByName.get(names[i]).stream().mapToInt(Integer::intValue).toArray();
        }
        if (names.length > Long.SIZE - 1) {
            throw new IllegalArgumentException("more than 63 parameters: " + dsl.render(query));
        }
        // A select's own fields (its fields() are those of a derived table, another alias); a DML's RETURNING list.
        this.columns = query instanceof Select<?> select ? select.getSelect().toArray(Field<?>[]::new)
                : query instanceof ResultQuery<?> result ? result.fields() : new Field<?>[0];
        this.names = names;
        this.types = types;
        this.places = places;
        this.sql = dsl.render(query);
    }

    /** The text sent. */
    public String sql() {
        render();
        return sql;
    }

    /** Sets a statement's parameters through {@link Binds}. */
    @FunctionalInterface
    public interface Binder {
        void bind(Binds binds) throws SQLException;
    }

    /** Reads one result row into a value. */
    @FunctionalInterface
    public interface RowReader<T> {
        T read(Row row) throws SQLException;
    }

    /** Takes one result row. */
    @FunctionalInterface
    public interface RowConsumer {
        void accept(Row row) throws SQLException;
    }

    /** Runs the statement on {@code db}'s connection and reads every row it returns. */
    public <T> List<T> fetch(DSLContext db, Binder binder, RowReader<T> reader) {
        List<T> rows = new ArrayList<>();
        forEach(db, binder, row -> rows.add(reader.read(row)));
        return rows;
    }

    /** Runs the statement on {@code db}'s connection and hands each row to {@code consumer} as it is read, none kept. */
    public void forEach(DSLContext db, Binder binder, RowConsumer consumer) {
        render();
        db.connection(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                bind(statement, binder);
                try (ResultSet result = statement.executeQuery()) {
                    Row row = new Row(result);
                    while (result.next()) {
                        consumer.accept(row);
                    }
                }
            } catch (SQLException e) {
                throw failed(e);
            }
        });
    }

    /** Runs a statement that returns no rows; returns how many it changed. */
    public int execute(DSLContext db, Binder binder) {
        render();
        return db.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                bind(statement, binder);
                return statement.executeUpdate();
            } catch (SQLException e) {
                throw failed(e);
            }
        });
    }

    private void bind(PreparedStatement statement, Binder binder) throws SQLException {
        Binds binds = new Binds(statement);
        binder.bind(binds);
        if (binds.bound != (1L << names.length) - 1) {
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < names.length; i++) {
                if ((binds.bound & (1L << i)) == 0) {
                    missing.add(names[i]);
                }
            }
            throw new IllegalArgumentException("parameters not bound: " + missing + " of " + sql);
        }
    }

    /** As jOOQ reports a failed statement: the SQLException (its SQLState intact) as the cause. */
    private DataAccessException failed(SQLException e) {
        return new DataAccessException("SQL [" + sql + "]; " + e.getMessage(), e);
    }

    /** The statement's parameters, each set by name with a setter of its Java type (checked against the query's). */
    public final class Binds {
        private final PreparedStatement statement;
        private long bound;

        private Binds(PreparedStatement statement) {
            this.statement = statement;
        }

        /** Whether the statement has a parameter of this name (a rule rendered per viewer shape takes some only). */
        public boolean takes(String name) {
            for (String parameter : names) {
                if (parameter.equals(name)) {
                    return true;
                }
            }
            return false;
        }

        public Binds uuid(String name, UUID value) throws SQLException {
            return set(name, UUID.class, value, Types.OTHER);
        }

        public Binds text(String name, String value) throws SQLException {
            return set(name, String.class, value, Types.VARCHAR);
        }

        public Binds bigint(String name, Long value) throws SQLException {
            return set(name, Long.class, value, Types.BIGINT);
        }

        public Binds integer(String name, Integer value) throws SQLException {
            return set(name, Integer.class, value, Types.INTEGER);
        }

        public Binds smallint(String name, Short value) throws SQLException {
            return set(name, Short.class, value, Types.SMALLINT);
        }

        public Binds bool(String name, Boolean value) throws SQLException {
            return set(name, Boolean.class, value, Types.BOOLEAN);
        }

        public Binds timestamp(String name, OffsetDateTime value) throws SQLException {
            return set(name, OffsetDateTime.class, value, Types.TIMESTAMP_WITH_TIMEZONE);
        }

        public Binds bytes(String name, byte[] value) throws SQLException {
            return set(name, byte[].class, value, Types.BINARY);
        }

        /** A jsonb parameter, as its text. */
        public Binds jsonb(String name, JSONB value) throws SQLException {
            return set(name, JSONB.class, value == null ? null : value.data(), Types.OTHER);
        }

        /**
         * A uuid array as its text, built to size: pgjdbc has no binary form of {@code uuid[]}, and its
         * {@code createArrayOf} writes the text into a new 1 KB buffer per array (a fifth of a checkout's allocation,
         * decision 141). Sent with {@code uuid[]}'s type, as {@code createArrayOf} sent it.
         */
        public Binds uuids(String name, Collection<UUID> values) throws SQLException {
            StringBuilder literal = new StringBuilder(2 + 37 * values.size()).append('{');
            for (UUID value : values) {
                if (literal.length() > 1) {
                    literal.append(',');
                }
                literal.append(value == null ? "NULL" : value.toString());
            }
            PGobject array = new PGobject();
            array.setType("uuid[]");
            array.setValue(literal.append('}').toString());
            return set(name, UUID[].class, array, Types.ARRAY);
        }

        public Binds texts(String name, Collection<String> values) throws SQLException {
            return array(name, String[].class, "text", values.toArray(String[]::new));
        }

        public Binds bigints(String name, Collection<Long> values) throws SQLException {
            return array(name, Long[].class, "int8", values.toArray(Long[]::new));
        }

        public Binds integers(String name, Collection<Integer> values) throws SQLException {
            return array(name, Integer[].class, "int4", values.toArray(Integer[]::new));
        }

        private Binds array(String name, Class<?> type, String elementType, Object[] elements) throws SQLException {
            Array array = statement.getConnection().createArrayOf(elementType, elements);
            return set(name, type, array, Types.ARRAY);
        }

        private Binds set(String name, Class<?> type, Object value, int sqlType) throws SQLException {
            int parameter = indexOf(name);
            if (types[parameter] != type) {
                throw new IllegalArgumentException("parameter " + name + " is a " + types[parameter].getSimpleName()
                        + ", not a " + type.getSimpleName() + ": " + sql);
            }
            for (int place : places[parameter]) {
                if (value == null) {
                    statement.setNull(place, sqlType);
                } else {
                    statement.setObject(place, value);
                }
            }
            bound |= 1L << parameter;
            return this;
        }

        private int indexOf(String name) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(name)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("no parameter " + name + " in " + sql);
        }
    }

    /** The current row of a result, read by the query's own columns with their Java types. */
    public final class Row {
        private final ResultSet result;

        private Row(ResultSet result) {
            this.result = result;
        }

        /** {@code column}'s value in this row (null for SQL NULL), as jOOQ would read it. */
        @SuppressWarnings("unchecked")
        public <T> T get(Field<T> column) throws SQLException {
            int index = indexOf(column);
            Class<?> type = column.getType();
            Object value;
            if (type == String.class) {
                value = result.getString(index);
            } else if (type == UUID.class) {
                value = result.getObject(index, UUID.class);
            } else if (type == Long.class) {
                long read = result.getLong(index);
                value = result.wasNull() ? null : read;
            } else if (type == Integer.class) {
                int read = result.getInt(index);
                value = result.wasNull() ? null : read;
            } else if (type == Short.class) {
                short read = result.getShort(index);
                value = result.wasNull() ? null : read;
            } else if (type == Boolean.class) {
                boolean read = result.getBoolean(index);
                value = result.wasNull() ? null : read;
            } else if (type == OffsetDateTime.class) {
                value = result.getObject(index, OffsetDateTime.class);
            } else if (type == byte[].class) {
                value = result.getBytes(index);
            } else if (type == JSONB.class) {
                String text = result.getString(index);
                value = text == null ? null : JSONB.jsonb(text);
            } else if (type == String[].class || type == UUID[].class || type == Long[].class) {
                Array array = result.getArray(index);
                value = array == null ? null : array.getArray();
            } else {
                throw new IllegalArgumentException("no reading of " + type.getSimpleName() + " (" + column + ")");
            }
            return (T) value;
        }

        /** This row's values of {@code table}'s columns (all selected) as its record, for a mapper of records. */
        public <R extends TableRecord<R>> R into(Table<R> table) throws SQLException {
            // Not table.newRecord(): that makes a new jOOQ configuration (a copy of its settings) per record.
            R record = RENDERING.newRecord(table);
            for (Field<?> column : table.fields()) {
                set(record, column);
            }
            record.touched(false);
            return record;
        }

        private <T> void set(Record record, Field<T> column) throws SQLException {
            record.set(column, get(column));
        }

        /**
         * The column's place in the result: by identity (the query's own field objects), else by equality, else by its
         * name where only one column has it (a RETURNING list gives copies of its fields).
         */
        private int indexOf(Field<?> column) {
            for (int i = 0; i < columns.length; i++) {
                if (columns[i] == column) {
                    return i + 1;
                }
            }
            int named = 0;
            for (int i = 0; i < columns.length; i++) {
                if (columns[i].equals(column)) {
                    return i + 1;
                }
                if (columns[i].getName().equals(column.getName())) {
                    named = named == 0 ? i + 1 : -1;
                }
            }
            if (named > 0) {
                return named;
            }
            throw new IllegalArgumentException("no column " + column + " (or more than one of its name) in " + sql);
        }
    }
}
