/**
 * JDBC plumbing shared by the features: the connection pool (HikariCP), schema migrations (Flyway, portable
 * SQL for H2 and PostgreSQL plus per-vendor files under {@code db/vendor/}), and transactions with bounded
 * retry of conflicts between concurrent writers (possibly on other server instances). The SQL of each
 * feature lives in that feature's package.
 */
package io.vinbind.server.store;
