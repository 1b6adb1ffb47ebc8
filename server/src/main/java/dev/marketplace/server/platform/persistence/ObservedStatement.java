package dev.marketplace.server.platform.persistence;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** A JDBC statement that tells a {@link StatementObserver} each time it is executed (decision 100). */
final class ObservedStatement implements InvocationHandler {

    private final Statement statement;
    /** The prepared text, or null for a plain statement, whose text comes with each execution or batch entry. */
    private final String preparedSql;
    private final StatementObserver observer;
    private final List<String> batch = new ArrayList<>();

    private ObservedStatement(Statement statement, String preparedSql, StatementObserver observer) {
        this.statement = statement;
        this.preparedSql = preparedSql;
        this.observer = observer;
    }

    /** {@code statement} (as the connection's method {@code made} returned it, with {@code args}), observed. */
    static Object wrap(Method made, Object[] args, Object statement, StatementObserver observer) {
        if (!(statement instanceof Statement jdbc)) {
            return statement;
        }
        Class<?> type = statement instanceof CallableStatement ? CallableStatement.class
                : statement instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
        String preparedSql = made.getName().equals("createStatement") ? null : (String) args[0];
        return Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {type},
                new ObservedStatement(jdbc, preparedSql, observer));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (name.equals("addBatch") && preparedSql == null) {
            batch.add((String) args[0]);
        } else if (name.equals("clearBatch")) {
            batch.clear();
        }
        if (name.startsWith("execute")) {
            // Counted when sent, as a listener's executeStart would: a statement that fails was sent too.
            observer.sent(executed(name, args));
        }
        try {
            return method.invoke(statement, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private String executed(String method, Object[] args) {
        if (method.endsWith("Batch")) {
            String sql = preparedSql != null ? preparedSql : String.join(";\n", batch);
            batch.clear();
            return sql;
        }
        return preparedSql != null ? preparedSql : (String) args[0];
    }
}
