package io.vinbind.server.store;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done on one connection inside one transaction. May run more than once when a conflict is retried. */
@FunctionalInterface
public interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
}
