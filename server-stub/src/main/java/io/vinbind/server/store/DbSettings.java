package io.vinbind.server.store;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the database is and how to log in.
 *
 * @param jdbcUrl {@code jdbc:h2:…} or {@code jdbc:postgresql://…}
 * @param user user name, empty for the driver's default (H2: "sa"; PostgreSQL: the OS user)
 * @param password password, empty for none (trust authentication)
 * @param schema schema to create and use, empty for the default one; tests use a unique schema per run
 * @param poolSize maximum pooled connections
 */
public record DbSettings(String jdbcUrl, Optional<String> user, Optional<String> password, Optional<String> schema,
                         int poolSize) {

    public DbSettings {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:h2:") && !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("database URL '" + jdbcUrl
                + "' is neither jdbc:h2:… nor jdbc:postgresql:…");
        }
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(schema, "schema");
        schema.ifPresent(s -> {
            if (!s.matches("[a-z_][a-z0-9_]{0,62}")) {
                throw new IllegalArgumentException("schema '" + s + "' must be a lower-case SQL identifier");
            }
        });
        if (poolSize < 1 || poolSize > 64) {
            throw new IllegalArgumentException("pool size " + poolSize + " is not 1-64");
        }
    }

    /** An H2 database file {@code vinbind.mv.db} in {@code dataDir}. */
    public static DbSettings h2File(Path dataDir) {
        String file = dataDir.toAbsolutePath().resolve("vinbind").toString();
        return new DbSettings("jdbc:h2:file:" + file + ";LOCK_TIMEOUT=5000", Optional.empty(), Optional.empty(),
            Optional.empty(), 8);
    }

    /** A private in-memory H2 database, for tests. */
    public static DbSettings h2Memory(String name) {
        return new DbSettings("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=5000", Optional.empty(),
            Optional.empty(), Optional.empty(), 8);
    }

    /** An H2 database kept in a file (not {@code mem:}), whose commits must reach the file at once. */
    public boolean isH2File() {
        return jdbcUrl.startsWith("jdbc:h2:") && !jdbcUrl.startsWith("jdbc:h2:mem:");
    }

    public boolean isPostgres() {
        return jdbcUrl.startsWith("jdbc:postgresql:");
    }

    public DbSettings withUser(String u) {
        return new DbSettings(jdbcUrl, Optional.of(u), password, schema, poolSize);
    }

    public DbSettings withSchema(String s) {
        return new DbSettings(jdbcUrl, user, password, Optional.of(s), poolSize);
    }

    /** The URL with any password parameter masked, for logs. */
    public String describe() {
        return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***") + schema.map(s -> " schema " + s).orElse("");
    }
}
