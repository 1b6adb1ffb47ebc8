package dev.marketplace.server.platform.persistence;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectJoinStep;
import org.jooq.impl.DSL;

/**
 * A select of the rows of a set-returning function whose result columns are named as the tables' columns they carry:
 * the PL/pgSQL functions a hot read goes through so that PostgreSQL plans it once per connection, not once per
 * execution (decisions 130, 131, 133, 135). Each column is selected by its bare name, so a {@link RenderedStatement}'s row
 * reads it with the table's own field ({@code row.get(STOCK_LEVEL.SKU)}, {@code row.into(STOCK_LEVEL)}), matched by
 * that name.
 */
public final class FunctionRows {

    private FunctionRows() {
    }

    /** {@code select "a", "b", … from function(arguments…)}, each column by its unqualified name. */
    public static SelectJoinStep<Record> select(List<? extends Field<?>> columns, String function,
                                                Field<?>... arguments) {
        String call = IntStream.range(0, arguments.length).mapToObj(i -> "{" + i + "}")
                .collect(Collectors.joining(", ", function + "(", ")"));
        return DSL.select(columns.stream().map(FunctionRows::unqualified).toList()).from(DSL.table(call, arguments));
    }

    private static <T> Field<T> unqualified(Field<T> column) {
        return DSL.field(DSL.name(column.getName()), column.getDataType());
    }
}
