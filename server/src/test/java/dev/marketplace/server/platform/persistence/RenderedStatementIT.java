package dev.marketplace.server.platform.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.testing.TestServer;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Decision 108: a statement rendered once binds and reads every type as jOOQ does, in the caller's transaction. */
class RenderedStatementIT {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static final Table<Record> ROW = DSL.table(DSL.name("rendered_row"));
    private static final Field<UUID> ID = DSL.field(DSL.name("rendered_row", "id"), SQLDataType.UUID);
    private static final Field<String> NAME = DSL.field(DSL.name("rendered_row", "name"), SQLDataType.CLOB);
    private static final Field<Long> AMOUNT = DSL.field(DSL.name("rendered_row", "amount"), SQLDataType.BIGINT);
    private static final Field<Integer> COUNT = DSL.field(DSL.name("rendered_row", "count"), SQLDataType.INTEGER);
    private static final Field<Short> STRIPE = DSL.field(DSL.name("rendered_row", "stripe"), SQLDataType.SMALLINT);
    private static final Field<Boolean> FLAG = DSL.field(DSL.name("rendered_row", "flag"), SQLDataType.BOOLEAN);
    private static final Field<OffsetDateTime> AT = DSL.field(DSL.name("rendered_row", "at"),
            SQLDataType.TIMESTAMPWITHTIMEZONE(6));
    private static final Field<byte[]> DATA = DSL.field(DSL.name("rendered_row", "data"), SQLDataType.BLOB);
    private static final Field<JSONB> DOC = DSL.field(DSL.name("rendered_row", "doc"), SQLDataType.JSONB);
    private static final Field<String[]> TAGS = DSL.field(DSL.name("rendered_row", "tags"), SQLDataType.CLOB.array());
    private static final List<Field<?>> COLUMNS = List.of(ID, NAME, AMOUNT, COUNT, STRIPE, FLAG, AT, DATA, DOC, TAGS);

    private static final RenderedStatement INSERT = RenderedStatement.of(DSL.insertInto(ROW)
            .set(ID, DSL.param("id", UUID.class)).set(NAME, DSL.param("name", String.class))
            .set(AMOUNT, DSL.param("amount", Long.class)).set(COUNT, DSL.param("count", Integer.class))
            .set(STRIPE, DSL.param("stripe", Short.class)).set(FLAG, DSL.param("flag", Boolean.class))
            .set(AT, DSL.param("at", OffsetDateTime.class)).set(DATA, DSL.param("data", byte[].class))
            .set(DOC, DSL.param("doc", JSONB.class)).set(TAGS, DSL.param("tags", SQLDataType.CLOB.array())));
    private static final RenderedStatement BY_IDS = RenderedStatement.of(DSL.select(COLUMNS).from(ROW)
            .where(ID.eq(DSL.any(DSL.param("ids", SQLDataType.UUID.array()))))
            .and(NAME.isNull().or(NAME.ne(DSL.param("notNamed", String.class)))
                    .or(DSL.param("notNamed", String.class).isNull()))
            .orderBy(AMOUNT));

    @BeforeAll
    static void createTable() {
        server.db().execute("CREATE TABLE rendered_row (id uuid PRIMARY KEY, name text, amount bigint, count int, "
                + "stripe smallint, flag boolean, at timestamptz, data bytea, doc jsonb, tags text[])");
    }

    @Test
    void everyTypeIsBoundAndReadBackAsJooqReadsItNullsToo() {
        DSLContext db = server.db();
        UUID full = UUID.randomUUID();
        UUID empty = UUID.randomUUID();
        OffsetDateTime at = OffsetDateTime.of(2026, 12, 7, 9, 30, 15, 123_456_000, ZoneOffset.ofHours(9));
        assertThat(INSERT.execute(db, binds -> binds.uuid("id", full).text("name", "有機緑茶 'tea'")
                .bigint("amount", 1_000L).integer("count", 3).smallint("stripe", (short) 7).bool("flag", true)
                .timestamp("at", at).bytes("data", new byte[] {0, 1, -1}).jsonb("doc", JSONB.jsonb("{\"a\": [1]}"))
                .texts("tags", List.of("x", "y")))).isEqualTo(1);
        INSERT.execute(db, binds -> binds.uuid("id", empty).text("name", null).bigint("amount", 2_000L)
                .integer("count", null).smallint("stripe", null).bool("flag", null).timestamp("at", null)
                .bytes("data", null).jsonb("doc", null).texts("tags", List.of()));

        List<List<Object>> read = BY_IDS.fetch(db, binds -> binds.uuids("ids", List.of(full, empty))
                .text("notNamed", "nobody"), row -> {
            List<Object> values = new ArrayList<>();
            for (Field<?> column : COLUMNS) {
                values.add(row.get(column));
            }
            return values;
        });
        List<List<Object>> byJooq = db.select(COLUMNS).from(ROW).where(ID.in(full, empty)).orderBy(AMOUNT).fetch()
                .map(record -> java.util.Arrays.asList(record.intoArray()));

        assertThat(read).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(read.get(i)).containsExactlyElementsOf(byJooq.get(i));
        }
        assertThat(read.getFirst().get(6)).as("the time as jOOQ reads it").isEqualTo(at.withOffsetSameInstant(
                ZoneOffset.UTC));
        assertThat(read.get(1)).as("the second row's nulls").containsExactly(empty, null, 2_000L, null, null, null,
                null, null, null, new String[0]);
    }

    @Test
    void aUuidArrayIsBoundAsItsTextEmptyAndWithNullsToo() {
        // uuids are bound as their array's text built to size, not through createArrayOf (decision 141)
        Field<UUID[]> ids = DSL.param("ids", SQLDataType.UUID.array()).as("ids");
        RenderedStatement echo = RenderedStatement.of(DSL.select(ids));
        UUID id = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        assertThat(echo.fetch(server.db(), binds -> binds.uuids("ids", java.util.Arrays.asList(id, null, other)),
                row -> row.get(ids))).containsExactly(new UUID[] {id, null, other});
        assertThat(echo.fetch(server.db(), binds -> binds.uuids("ids", List.of()), row -> row.get(ids)))
                .containsExactly(new UUID[0]);
    }

    @Test
    void aNamedParameterGoesWhereverItIsNamedAndANameNotBoundIsRefused() {
        DSLContext db = server.db();
        UUID id = UUID.randomUUID();
        INSERT.execute(db, binds -> binds.uuid("id", id).text("name", "named").bigint("amount", 5L).integer("count", 0)
                .smallint("stripe", (short) 0).bool("flag", false).timestamp("at", OffsetDateTime.now())
                .bytes("data", new byte[0]).jsonb("doc", JSONB.jsonb("{}")).texts("tags", List.of()));

        assertThat(BY_IDS.fetch(db, binds -> binds.uuids("ids", List.of(id)).text("notNamed", "named"),
                row -> row.get(ID))).as("name <> 'named' and 'named' is not null: the parameter's two places").isEmpty();
        assertThat(BY_IDS.fetch(db, binds -> binds.uuids("ids", List.of(id)).text("notNamed", null),
                row -> row.get(ID))).as("null in both places").containsExactly(id);
        assertThatThrownBy(() -> BY_IDS.fetch(db, binds -> binds.uuids("ids", List.of(id)), row -> row.get(ID)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not bound: [notNamed]");
        assertThatThrownBy(() -> BY_IDS.fetch(db, binds -> binds.uuids("ids", List.of(id)).uuid("notNamed", id),
                row -> row.get(ID))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameter notNamed is a String, not a UUID");
    }

    @Test
    void aConstantMustBeInlinedOrNamed() {
        // Refused when rendered, at its first use (decision 136); RenderedStatementsTest renders every constant.
        assertThatThrownBy(() -> RenderedStatement.of(DSL.select(ID).from(ROW).where(NAME.eq("bound"))).sql())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("named parameters only");
        assertThat(RenderedStatement.of(DSL.select(ID).from(ROW).where(NAME.eq(DSL.inline("inlined")))).sql())
                .contains("'inlined'");
    }

    @Test
    void inATransactionItRunsOnTheTransactionsConnectionSeenByTheObserver() {
        DSLContext db = server.db();
        UUID id = UUID.randomUUID();
        List<String> sent = new ArrayList<>();
        Thread test = Thread.currentThread(); // the server's jobs send statements meanwhile, on their own threads
        server.database().observeStatements(new StatementObserver() {
            @Override
            public void sent(String sql) {
                if (Thread.currentThread() == test) {
                    sent.add(sql);
                }
            }

            @Override
            public void committed() {
                if (Thread.currentThread() == test) {
                    sent.add("COMMIT");
                }
            }
        });
        try {
            assertThatThrownBy(() -> db.transaction(tx -> {
                INSERT.execute(tx.dsl(), binds -> binds.uuid("id", id).text("name", "rolled back").bigint("amount", 1L)
                        .integer("count", 0).smallint("stripe", (short) 0).bool("flag", false)
                        .timestamp("at", OffsetDateTime.now()).bytes("data", new byte[0]).jsonb("doc", JSONB.jsonb("{}"))
                        .texts("tags", List.of()));
                assertThat(BY_IDS.fetch(tx.dsl(), binds -> binds.uuids("ids", List.of(id)).text("notNamed", null),
                        row -> row.get(NAME))).as("its own insert, seen in the transaction").containsExactly("rolled back");
                throw new IllegalStateException("roll back");
            })).hasMessage("roll back");
        } finally {
            server.database().observeStatements(null);
        }

        assertThat(db.fetchCount(ROW, ID.eq(id))).as("rolled back with the transaction").isZero();
        assertThat(sent).as("both statements seen at the connection, no commit").containsExactly(INSERT.sql(),
                BY_IDS.sql());
    }

    @Test
    void aFunctionsRowsAreSelectedByBareNamesAndReadByTheTablesFields() {
        DSLContext db = server.db();
        db.execute("CREATE FUNCTION rendered_rows_named(ids uuid[], wanted text) RETURNS SETOF rendered_row "
                + "LANGUAGE sql STABLE AS $$ SELECT * FROM rendered_row WHERE id = ANY (ids) AND name = wanted $$");
        UUID id = UUID.randomUUID();
        INSERT.execute(db, binds -> binds.uuid("id", id).text("name", "by function").bigint("amount", 9L)
                .integer("count", 0).smallint("stripe", (short) 0).bool("flag", false).timestamp("at", null)
                .bytes("data", null).jsonb("doc", null).texts("tags", List.of("t")));
        RenderedStatement byFunction = RenderedStatement.of(FunctionRows.select(List.of(ID, NAME, AMOUNT, TAGS),
                "rendered_rows_named", DSL.param("ids", SQLDataType.UUID.array()), DSL.param("name", String.class)));

        assertThat(byFunction.sql()).isEqualTo("select \"id\", \"name\", \"amount\", \"tags\" "
                + "from rendered_rows_named(cast(? as uuid[]), ?)");
        assertThat(byFunction.fetch(db, binds -> binds.uuids("ids", List.of(id)).text("name", "by function"),
                row -> List.of(row.get(ID), row.get(NAME), row.get(AMOUNT), List.of(row.get(TAGS)))))
                .containsExactly(List.of(id, "by function", 9L, List.of("t")));
    }

    @Test
    void aFailureKeepsItsSqlState() {
        UUID id = UUID.randomUUID();
        RenderedStatement.Binder row = binds -> binds.uuid("id", id).text("name", "twice").bigint("amount", 1L)
                .integer("count", 0).smallint("stripe", (short) 0).bool("flag", false).timestamp("at", OffsetDateTime.now())
                .bytes("data", new byte[0]).jsonb("doc", JSONB.jsonb("{}")).texts("tags", List.of());
        INSERT.execute(server.db(), row);

        assertThatThrownBy(() -> INSERT.execute(server.db(), row)).isInstanceOf(DataAccessException.class)
                .satisfies(e -> assertThat(((DataAccessException) e).sqlState()).isEqualTo("23505"));
    }
}
