package io.vinbind.server.provisioning;

import io.vinbind.protocol.Identifiers;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.Sql;
import io.vinbind.server.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The profiles an operator delivered for one of its platforms: its profile inventory file, one profile a line
 * ({@code iccid,imsi,profileType}). ES2+ answers an order with an ICCID only (SGP.22 §5.3.1); the IMSI that the
 * terminal will log in with after the switch, and that the binding moves to, is the operator's and comes from this
 * list. An import stores all its lines or none.
 */
public final class ProfilePool {

    /** Most lines one import takes. */
    public static final int MAX_LINES = 100_000;

    /** One profile of the list. */
    public record Profile(String platform, String iccid, String imsi, String profileType, Instant importedAt,
                          String importedBy) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("platform", platform);
            m.put("iccid", iccid);
            m.put("imsi", imsi);
            m.put("profileType", profileType);
            m.put("importedAt", importedAt.toString());
            m.put("importedBy", importedBy);
            return m;
        }
    }

    /** What an import did: lines read, profiles added, profiles already there unchanged. */
    public record Imported(int lines, int added, int unchanged) {
    }

    private final Database db;
    private final Clock clock;

    public ProfilePool(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Imports {@code csv} for {@code platform}. Blank lines, {@code #} comments and a header starting with
     * {@code iccid} are skipped.
     *
     * @throws InvalidDefinitionException naming the line of the first bad row (nothing is stored then): a malformed
     *     ICCID or IMSI, a missing profile type, an ICCID or IMSI repeated in the file, or one the pool already holds
     *     with other values
     */
    public Imported importCsv(String platform, byte[] csv, String operator) throws StoreException {
        Fields.id("platform", platform);
        List<String[]> rows = new ArrayList<>();
        Set<String> iccids = new HashSet<>();
        Set<String> imsis = new HashSet<>();
        String[] lines = new String(csv, StandardCharsets.UTF_8).split("\r?\n", -1);
        if (lines.length > MAX_LINES + 1) {
            throw new InvalidDefinitionException("csv", "has " + lines.length + " lines, at most " + MAX_LINES);
        }
        int read = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#") || line.toLowerCase(java.util.Locale.ROOT).startsWith("iccid")) {
                continue;
            }
            String where = "line " + (i + 1);
            String[] f = line.split(",", -1);
            if (f.length != 3) {
                throw new InvalidDefinitionException(where, "has " + f.length + " fields, expected iccid,imsi,profileType");
            }
            String iccid = f[0].strip().toUpperCase(java.util.Locale.ROOT);
            String imsi = f[1].strip();
            String type = f[2].strip();
            try {
                Identifiers.requireIccid(iccid);
                Identifiers.requireImsi(imsi);
            } catch (RuntimeException e) {
                throw new InvalidDefinitionException(where, e.getMessage());
            }
            Fields.text(where + ".profileType", type, 64);
            if (!iccids.add(iccid)) {
                throw new InvalidDefinitionException(where, "ICCID " + iccid + " appears twice in the file");
            }
            if (!imsis.add(imsi)) {
                throw new InvalidDefinitionException(where, "IMSI " + imsi + " appears twice in the file");
            }
            rows.add(new String[] {iccid, imsi, type, where});
            read++;
        }
        int lineCount = read;
        Instant now = clock.instant();
        return db.transaction("import the profile list of " + platform, c -> {
            int added = 0;
            int same = 0;
            for (String[] r : rows) {
                try (PreparedStatement ps = c.prepareStatement("SELECT platform, iccid, imsi, profile_type FROM"
                    + " operator_profile WHERE (platform = ? AND iccid = ?) OR imsi = ?")) {
                    ps.setString(1, platform);
                    ps.setString(2, r[0]);
                    ps.setString(3, r[1]);
                    boolean found = false;
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            if (rs.getString(1).equals(platform) && rs.getString(2).equals(r[0])
                                && rs.getString(3).equals(r[1]) && rs.getString(4).equals(r[2])) {
                                found = true;
                            } else {
                                throw new InvalidDefinitionException(r[3], "ICCID " + r[0] + " / IMSI " + r[1]
                                    + " contradicts the pool's " + rs.getString(1) + " " + rs.getString(2) + " / "
                                    + rs.getString(3) + " (" + rs.getString(4) + ")");
                            }
                        }
                    }
                    if (found) {
                        same++;
                        continue;
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO operator_profile (platform, iccid, imsi,"
                    + " profile_type, imported_at, imported_by) VALUES (?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, platform);
                    ps.setString(2, r[0]);
                    ps.setString(3, r[1]);
                    ps.setString(4, r[2]);
                    Sql.setInstant(ps, 5, now);
                    ps.setString(6, operator);
                    ps.executeUpdate();
                }
                added++;
            }
            return new Imported(lineCount, added, same);
        });
    }

    /** The profile with {@code iccid} on {@code platform}; an ICCID may carry the F filler either way. */
    public Optional<Profile> find(String platform, String iccid) throws StoreException {
        String bare = iccid.toUpperCase(java.util.Locale.ROOT).replace("F", "");
        return db.query("profile " + iccid, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM operator_profile WHERE platform = ? AND"
                + " (iccid = ? OR iccid = ?)")) {
                ps.setString(1, platform);
                ps.setString(2, bare);
                ps.setString(3, bare + "F");
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new Profile(rs.getString("platform"), rs.getString("iccid"), rs.getString("imsi"),
                        rs.getString("profile_type"), Sql.requiredInstant(rs, "imported_at"), rs.getString("imported_by")));
                }
            }
        });
    }

    /** How many profiles the pool holds per platform and profile type. */
    public List<Map<String, Object>> summary() throws StoreException {
        return db.query("profile pool", c -> {
            List<Map<String, Object>> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT platform, profile_type, COUNT(*) FROM operator_profile"
                + " GROUP BY platform, profile_type ORDER BY platform, profile_type"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("platform", rs.getString(1));
                    m.put("profileType", rs.getString(2));
                    m.put("profiles", rs.getLong(3));
                    out.add(m);
                }
            }
            return out;
        });
    }
}
