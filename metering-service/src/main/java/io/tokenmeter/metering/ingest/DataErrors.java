package io.tokenmeter.metering.ingest;

import java.sql.SQLException;
import java.util.Set;

/**
 * Tells a failure caused by the data of a batch (which retrying can never cure) from one caused by the platform
 * (database or network down, timeouts), which retrying will.
 */
final class DataErrors {

    /**
     * SQLSTATE classes that name the data: 22 data exception (a NUL byte, a date out of range), 23 integrity
     * constraint violation (a check, no partition for the row), 54 program limit exceeded (a value too large to
     * index). Everything else, connection failures (08), shutdowns (57), resources (53) and our own SQL (42)
     * among them, is the platform's.
     */
    private static final Set<String> DATA_CLASSES = Set.of("22", "23", "54");

    private DataErrors() {}

    /** The data's fault: an SQLSTATE of a data class, or arithmetic our own code refused on a value. */
    static boolean isDataError(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql.getSQLState() != null
                        && sql.getSQLState().length() >= 2
                        && DATA_CLASSES.contains(sql.getSQLState().substring(0, 2));
            }
            if (t instanceof ArithmeticException) {
                return true;
            }
        }
        return false;
    }

    /** The database's own words for a data error, for the dead-letter reason. */
    static String reason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String message = sql.getMessage() == null
                        ? ""
                        : sql.getMessage().lines().findFirst().orElse("");
                return "refused by the database (SQLSTATE " + sql.getSQLState() + "): " + message;
            }
        }
        return "refused while storing: " + failure;
    }
}
