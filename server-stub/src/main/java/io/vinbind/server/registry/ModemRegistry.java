package io.vinbind.server.registry;

import io.vinbind.server.store.Database;
import io.vinbind.server.store.Sql;
import io.vinbind.server.store.StoreException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.tinylog.Logger;

/**
 * The factory registry of modem identities.
 *
 * <p>CSV import format: a header line naming the columns (any order, case-insensitive) from
 * {@code imsi} (required), {@code iccid}, {@code imei}, {@code batch}, {@code part_number},
 * {@code registered_at} (ISO-8601 instant, default: now for a new modem, unchanged for a known one); then one
 * modem per line. Empty lines and lines starting with {@code #} are skipped. Each line is validated and written
 * in its own transaction, so a bad line is reported and skipped without touching the others, and never
 * half-written. Columns the file does not have leave the stored values of a known modem as they are. An IMSI
 * that repeats an earlier line of the same file is rejected. Importing the same file twice reports every
 * accepted line {@link ImportStatus#UNCHANGED}.
 */
public final class ModemRegistry {

    /** Columns the CSV import understands. */
    public static final Set<String> CSV_COLUMNS = Set.of("imsi", "iccid", "imei", "batch", "part_number",
        "registered_at");

    /** Lines one import reads at most, so an endless stream cannot run the server out of memory. */
    public static final int MAX_IMPORT_LINES = 1_000_000;

    private final Database db;
    private final Clock clock;

    public ModemRegistry(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Registers or updates one modem with all its fields as given; idempotent. */
    public ImportStatus register(Modem modem) throws StoreException {
        return register(modem, CSV_COLUMNS);
    }

    /**
     * Registers or updates one modem; an existing entry keeps its stored value for every column not in
     * {@code provided} (a CSV without a {@code batch} column does not erase batches), and keeps its
     * registration time unless {@code registered_at} is provided.
     */
    private ImportStatus register(Modem given, Set<String> provided) throws StoreException {
        Instant now = clock.instant();
        return db.transaction("register modem " + given.imsi(), c -> {
            Optional<RegistryEntry> existing = lock(c, given.imsi());
            Modem modem = existing.map(e -> merge(e.modem(), given, provided)).orElse(given);
            if (existing.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO modem (imsi, iccid, imei, batch,"
                    + " part_number, registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                    bindModem(ps, modem);
                    Sql.setInstant(ps, 7, now);
                    ps.executeUpdate();
                }
                return ImportStatus.ADDED;
            }
            if (existing.get().modem().sameIdentity(modem)) {
                return ImportStatus.UNCHANGED;
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE modem SET iccid = ?, imei = ?, batch = ?,"
                + " part_number = ?, registered_at = ?, updated_at = ? WHERE imsi = ?")) {
                Sql.setOptional(ps, 1, modem.iccid());
                Sql.setOptional(ps, 2, modem.imei());
                Sql.setOptional(ps, 3, modem.batch());
                Sql.setOptional(ps, 4, modem.partNumber());
                Sql.setInstant(ps, 5, modem.registeredAt());
                Sql.setInstant(ps, 6, now);
                ps.setString(7, modem.imsi());
                ps.executeUpdate();
            }
            return ImportStatus.UPDATED;
        });
    }

    private static Modem merge(Modem stored, Modem given, Set<String> provided) {
        return new Modem(given.imsi(),
            provided.contains("iccid") ? given.iccid() : stored.iccid(),
            provided.contains("imei") ? given.imei() : stored.imei(),
            provided.contains("batch") ? given.batch() : stored.batch(),
            provided.contains("part_number") ? given.partNumber() : stored.partNumber(),
            provided.contains("registered_at") ? given.registeredAt() : stored.registeredAt());
    }

    public Optional<RegistryEntry> find(String imsi) throws StoreException {
        return db.query("find modem " + imsi, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM modem WHERE imsi = ?")) {
                ps.setString(1, imsi);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /** Registered modems ordered by IMSI, a page at a time (limit at most 1000). */
    public List<RegistryEntry> list(int offset, int limit) throws StoreException {
        int bounded = Math.max(1, Math.min(limit, 1000));
        int from = Math.max(0, offset);
        return db.query("list modems", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM modem ORDER BY imsi LIMIT " + bounded
                + " OFFSET " + from)) {
                List<RegistryEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
                return out;
            }
        });
    }

    /**
     * Imports modems from CSV, line by line.
     *
     * @throws CsvHeaderException when the header is missing, lacks {@code imsi} or names an unknown column
     * @throws IOException when reading fails (lines before the failure stay imported)
     */
    public ImportReport importCsv(Reader csv) throws IOException, CsvHeaderException {
        BufferedReader in = csv instanceof BufferedReader b ? b : new BufferedReader(csv);
        Map<String, Integer> columns = null;
        List<ImportReport.Line> lines = new ArrayList<>();
        Map<String, Integer> firstLineOfImsi = new HashMap<>();
        int lineNo = 0;
        String text;
        while ((text = in.readLine()) != null) {
            lineNo++;
            if (lineNo > MAX_IMPORT_LINES) {
                lines.add(new ImportReport.Line(lineNo, "", ImportStatus.REJECTED,
                    Optional.of("import stopped: more than " + MAX_IMPORT_LINES + " lines")));
                break;
            }
            if (lineNo == 1 && text.startsWith("\uFEFF")) {
                text = text.substring(1); // byte order mark written by spreadsheet programs
            }
            if (text.isBlank() || text.startsWith("#")) {
                continue;
            }
            if (columns == null) {
                columns = header(text, lineNo);
                continue;
            }
            lines.add(importLine(lineNo, text, columns, firstLineOfImsi));
        }
        if (columns == null) {
            throw new CsvHeaderException("the CSV has no header line (expected columns: imsi[,iccid,imei,batch,"
                + "part_number,registered_at])");
        }
        ImportReport report = new ImportReport(lines);
        Logger.info("modem import: {}", report.summary());
        return report;
    }

    /**
     * @param firstLineOfImsi IMSIs already seen in this file: a repeated IMSI is rejected, since the file
     *     contradicts itself (or repeats itself) and letting the last line win would make a re-import flip
     *     the entry back and forth instead of reporting it unchanged
     */
    private ImportReport.Line importLine(int lineNo, String text, Map<String, Integer> columns,
                                         Map<String, Integer> firstLineOfImsi) {
        String imsi = "";
        try {
            List<String> fields = CsvLines.split(text);
            if (fields.size() != columns.size()) {
                throw new IllegalArgumentException("has " + fields.size() + " fields, the header has "
                    + columns.size());
            }
            imsi = fields.get(columns.get("imsi"));
            Optional<String> registeredAt = field(fields, columns, "registered_at");
            Modem modem = new Modem(imsi, field(fields, columns, "iccid"), field(fields, columns, "imei"),
                field(fields, columns, "batch"), field(fields, columns, "part_number"),
                registeredAt.map(ModemRegistry::parseInstant).orElse(clock.instant()));
            Integer first = firstLineOfImsi.putIfAbsent(imsi, lineNo);
            if (first != null) {
                throw new IllegalArgumentException("IMSI " + imsi + " already on line " + first + " of this file");
            }
            Set<String> provided = new java.util.HashSet<>(columns.keySet());
            if (registeredAt.isEmpty()) {
                provided.remove("registered_at"); // an empty time means "now" for a new modem, "as before" otherwise
            }
            return new ImportReport.Line(lineNo, imsi, register(modem, provided), Optional.empty());
        } catch (IllegalArgumentException e) {
            Logger.warn("modem import line {} rejected: {}", lineNo, e.getMessage());
            return new ImportReport.Line(lineNo, imsi, ImportStatus.REJECTED, Optional.of(e.getMessage()));
        } catch (StoreException e) {
            Logger.error("modem import line {} not stored: {}", lineNo, e.getMessage());
            return new ImportReport.Line(lineNo, imsi, ImportStatus.REJECTED,
                Optional.of("database: " + e.getMessage()));
        }
    }

    private static Map<String, Integer> header(String text, int lineNo) throws CsvHeaderException {
        List<String> names;
        try {
            names = CsvLines.split(text);
        } catch (IllegalArgumentException e) {
            throw new CsvHeaderException("header line " + lineNo + ": " + e.getMessage());
        }
        Map<String, Integer> columns = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i).toLowerCase(Locale.ROOT);
            if (!CSV_COLUMNS.contains(name)) {
                throw new CsvHeaderException("header line " + lineNo + " names unknown column '" + names.get(i)
                    + "' (known: imsi, iccid, imei, batch, part_number, registered_at)");
            }
            if (columns.put(name, i) != null) {
                throw new CsvHeaderException("header line " + lineNo + " names column '" + name + "' twice");
            }
        }
        if (!columns.containsKey("imsi")) {
            throw new CsvHeaderException("header line " + lineNo + " has no 'imsi' column");
        }
        return columns;
    }

    private static Optional<String> field(List<String> fields, Map<String, Integer> columns, String name) {
        Integer i = columns.get(name);
        return i == null || fields.get(i).isEmpty() ? Optional.empty() : Optional.of(fields.get(i));
    }

    private static Instant parseInstant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("registered_at '" + io.vinbind.protocol.Identifiers.printable(text)
                + "' is not an ISO-8601 instant such as 2026-11-01T08:00:00Z");
        }
    }

    /** Reads and row-locks ({@code FOR UPDATE}) a registry entry inside the caller's transaction. */
    public static Optional<RegistryEntry> lock(Connection c, String imsi) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM modem WHERE imsi = ? FOR UPDATE")) {
            ps.setString(1, imsi);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private static void bindModem(PreparedStatement ps, Modem m) throws SQLException {
        ps.setString(1, m.imsi());
        Sql.setOptional(ps, 2, m.iccid());
        Sql.setOptional(ps, 3, m.imei());
        Sql.setOptional(ps, 4, m.batch());
        Sql.setOptional(ps, 5, m.partNumber());
        Sql.setInstant(ps, 6, m.registeredAt());
    }

    public static RegistryEntry read(ResultSet rs) throws SQLException {
        Modem m = new Modem(rs.getString("imsi"), Sql.string(rs, "iccid"), Sql.string(rs, "imei"),
            Sql.string(rs, "batch"), Sql.string(rs, "part_number"), Sql.requiredInstant(rs, "registered_at"));
        return new RegistryEntry(m, Sql.requiredInstant(rs, "updated_at"), Sql.instant(rs, "last_login_at"),
            Sql.string(rs, "last_login_iccid"), Sql.string(rs, "last_login_imei"));
    }
}
