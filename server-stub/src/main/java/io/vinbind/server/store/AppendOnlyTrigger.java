package io.vinbind.server.store;

import java.sql.Connection;
import java.sql.SQLException;
import org.h2.api.Trigger;

/**
 * H2 trigger behind migration {@code db/vendor/h2/V2__history_append_only.sql}: refuses UPDATE and DELETE on
 * the history table (PostgreSQL does the same with a PL/pgSQL trigger). Public because H2 instantiates it.
 */
public final class AppendOnlyTrigger implements Trigger {

    private String table = "?";

    @Override
    public void init(Connection conn, String schemaName, String triggerName, String tableName, boolean before,
                     int type) {
        this.table = tableName;
    }

    @Override
    public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
        throw new SQLException(table + " is append-only: " + (newRow == null ? "DELETE" : "UPDATE") + " refused",
            "42000");
    }
}
