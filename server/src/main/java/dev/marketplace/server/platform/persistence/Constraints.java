package dev.marketplace.server.platform.persistence;

import org.jooq.exception.DataAccessException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** Recognises which database constraint refused a write, so a service can answer with the right problem. */
public final class Constraints {

    private Constraints() {
    }

    public static boolean isViolated(DataAccessException error, String constraintName) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof PSQLException psql) {
                ServerErrorMessage message = psql.getServerErrorMessage();
                return message != null && constraintName.equals(message.getConstraint());
            }
        }
        return false;
    }
}
