package io.vinbind.server.auth;

import io.vinbind.server.store.Database;
import io.vinbind.server.store.Sql;
import io.vinbind.server.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * Bearer tokens of the HTTP API, kept in the database as SHA-256 hashes only: a copy of the database (or of
 * a backup) does not let anyone call the API. A token is 32 random bytes, base64url, after the prefix
 * {@value #PREFIX} (so a leaked one is recognisable in a secret scanner); it is shown once, when created.
 * Tokens are looked up by hash on every request, so a revocation takes effect on every instance at once.
 */
public final class ApiTokens {

    /** Marks vinbind API tokens. */
    public static final String PREFIX = "vbt_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A token's metadata (never its value or hash). */
    public record TokenInfo(String name, Role role, Instant createdAt, String createdBy, Optional<Instant> revokedAt) {
    }

    /** A token of that name exists already (revoked ones too: names are history). */
    public static final class NameTakenException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        NameTakenException(String name) {
            super("a token named '" + name + "' exists already (names are kept when revoked)");
        }
    }

    /** A new token: its value, to hand over once. */
    public record NewToken(String name, Role role, String token) {
        @Override
        public String toString() {
            return "NewToken[" + name + ", " + role + "]"; // never the token itself in a log
        }
    }

    private final Database db;
    private final Clock clock;

    public ApiTokens(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Creates a token.
     *
     * @throws NameTakenException when a token of that name exists (revoked ones too: names are history)
     * @throws IllegalArgumentException when the name breaks {@link Principal#NAME}
     */
    public NewToken create(String name, Role role, String createdBy) throws StoreException {
        new Principal(name, role); // checks the name
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        boolean created = db.transaction("create API token " + name, c -> {
            try (PreparedStatement check = c.prepareStatement("SELECT 1 FROM api_token WHERE name = ?")) {
                check.setString(1, name);
                try (ResultSet rs = check.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_token (name, role, token_hash, created_at,"
                + " created_by) VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, name);
                ps.setString(2, role.name());
                ps.setString(3, hash(token));
                Sql.setInstant(ps, 4, clock.instant());
                ps.setString(5, createdBy);
                ps.executeUpdate();
            }
            return true;
        });
        if (!created) {
            throw new NameTakenException(name);
        }
        Logger.info("API token '{}' ({}) created by {}", name, role.label(), createdBy);
        return new NewToken(name, role, token);
    }

    /** The principal a bearer token stands for; empty when it is unknown, revoked or malformed. */
    public Optional<Principal> verify(String token) throws StoreException {
        if (token == null || !token.startsWith(PREFIX) || token.length() > 100) {
            return Optional.empty();
        }
        String h = hash(token);
        return db.query("verify API token", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT name, role FROM api_token WHERE token_hash = ?"
                + " AND revoked_at IS NULL")) {
                ps.setString(1, h);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Principal(rs.getString(1), Role.valueOf(rs.getString(2))))
                        : Optional.empty();
                }
            }
        });
    }

    /** @return false when there is no such live token */
    public boolean revoke(String name) throws StoreException {
        boolean done = db.transaction("revoke API token " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE api_token SET revoked_at = ? WHERE name = ?"
                + " AND revoked_at IS NULL")) {
                Sql.setInstant(ps, 1, clock.instant());
                ps.setString(2, name);
                return ps.executeUpdate() == 1;
            }
        });
        if (done) {
            Logger.info("API token '{}' revoked", name);
        }
        return done;
    }

    public List<TokenInfo> list() throws StoreException {
        return db.query("list API tokens", c -> {
            List<TokenInfo> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM api_token ORDER BY name");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new TokenInfo(rs.getString("name"), Role.valueOf(rs.getString("role")),
                        Sql.requiredInstant(rs, "created_at"), rs.getString("created_by"), Sql.instant(rs, "revoked_at")));
                }
            }
            return out;
        });
    }

    /** True when some live token has the admin role. */
    public boolean hasAdmin() throws StoreException {
        return db.query("look for an admin token", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM api_token WHERE role = ? AND revoked_at IS NULL")) {
                ps.setString(1, Role.ADMIN.name());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
