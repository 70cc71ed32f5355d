package io.vinbind.server.registry;

import io.vinbind.log.RateLimitedWarnings;
import io.vinbind.log.Untrusted;
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
 * {@code registered_at} (ISO-8601 instant from 2000 to 2099, default: now for a new modem, unchanged for a
 * known one); then one modem per record, RFC 4180 quoting (a quoted field may span lines). Empty lines and
 * lines starting with {@code #} are skipped. Each record is validated and written in its own transaction, so a
 * bad one is reported on the line it starts on and skipped without touching the others, and never
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
     * Imports modems from CSV (RFC 4180), record by record, each validated and written in its own transaction:
     * a record that is malformed, fails validation or cannot be stored is reported {@code REJECTED} with the
     * reason and writes nothing, and the records after it are imported all the same. So whatever the file
     * holds, the result is a report of every record, never an exception after some rows were written.
     * Line numbers are the physical line each record starts on.
     *
     * @throws CsvHeaderException when the header is missing, malformed, lacks {@code imsi} or names an unknown
     *     column (nothing is imported)
     * @throws IOException when reading fails (records before the failure stay imported)
     */
    public ImportReport importCsv(Reader csv) throws IOException, CsvHeaderException {
        CsvRecords records = new CsvRecords(csv instanceof BufferedReader b ? b : new BufferedReader(csv));
        RateLimitedWarnings warnings = RateLimitedWarnings.standard();
        Map<String, Integer> columns = null;
        List<ImportReport.Line> lines = new ArrayList<>();
        Map<String, Integer> firstLineOfImsi = new HashMap<>();
        Optional<CsvRecords.Record> next;
        while ((next = records.next()).isPresent()) {
            CsvRecords.Record record = next.get();
            if (record.line() > MAX_IMPORT_LINES) {
                lines.add(new ImportReport.Line(record.line(), "", ImportStatus.REJECTED,
                    Optional.of("import stopped: more than " + MAX_IMPORT_LINES + " lines")));
                break;
            }
            if (columns == null) {
                columns = header(record);
                continue;
            }
            ImportReport.Line result = importRecord(record, columns, firstLineOfImsi);
            if (result.status() == ImportStatus.REJECTED) {
                warnings.warn("modem import line {} rejected: {}", result.line(), result.reason().orElse(""));
            }
            lines.add(result);
        }
        warnings.summarise();
        if (columns == null) {
            throw new CsvHeaderException("the CSV has no header line (expected columns: imsi[,iccid,imei,batch,"
                + "part_number,registered_at])");
        }
        ImportReport report = new ImportReport(lines);
        Logger.info("modem import: {}", report.summary());
        analyzeAfterBulkLoad(report);
        return report;
    }

    /** Rows an import must have added or changed before the registry's statistics are refreshed. */
    static final int ANALYZE_AFTER_ROWS = 1_000;

    /**
     * After a large import on PostgreSQL, refreshes the modem table's planner statistics (PostgreSQL manual,
     * "Populating a Database": run ANALYZE after loading). Until autovacuum gets to it (its naptime, a minute by
     * default) the planner takes the table for what it was: the first logins' lookups of many IMSIs at once were
     * planned as sequential scans, and a prepared statement keeps such a plan until the table is analysed. A failure
     * only costs the statistics, so it is logged, not thrown: the import itself is committed.
     */
    private void analyzeAfterBulkLoad(ImportReport report) {
        long changed = report.count(ImportStatus.ADDED) + report.count(ImportStatus.UPDATED);
        if (!db.settings().isPostgres() || changed < ANALYZE_AFTER_ROWS) {
            return;
        }
        try {
            // PostgreSQL skips a table the user does not own with a WARNING, not an error
            String skipped = db.query("analyze the modem registry", c -> {
                try (java.sql.Statement st = c.createStatement()) {
                    st.execute("ANALYZE modem");
                    java.sql.SQLWarning w = st.getWarnings();
                    return w == null ? null : w.getMessage();
                }
            });
            if (skipped == null) {
                Logger.info("modem import: the registry's statistics refreshed ({} rows added or changed)", changed);
            } else {
                Logger.warn("modem import: the registry's statistics were not refreshed: {}", skipped);
            }
        } catch (StoreException e) {
            Logger.warn("modem import: the registry's statistics were not refreshed: {}", e.getMessage());
        }
    }

    /**
     * @param firstLineOfImsi IMSIs already seen in this file: a repeated IMSI is rejected, since the file
     *     contradicts itself (or repeats itself) and letting the last line win would make a re-import flip
     *     the entry back and forth instead of reporting it unchanged
     */
    private ImportReport.Line importRecord(CsvRecords.Record record, Map<String, Integer> columns,
                                           Map<String, Integer> firstLineOfImsi) {
        int lineNo = record.line();
        if (record.problem().isPresent()) {
            return rejected(lineNo, "", record.problem().get());
        }
        List<String> fields = record.fields();
        String imsi = "";
        try {
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
            return rejected(lineNo, imsi, e.getMessage());
        } catch (StoreException e) {
            return rejected(lineNo, imsi, "database: " + e.getMessage());
        } catch (RuntimeException e) {
            // a fault of ours the checks above missed: this record's transaction is rolled back, and the
            // report says so on its line instead of the whole import failing after some rows were written
            Logger.error(e, "modem import line {}: unexpected failure", lineNo);
            return rejected(lineNo, imsi, "internal error: " + Untrusted.escape(e.toString(), 200));
        }
    }

    /**
     * A rejected line. The report is printed and logged, so text from the file is escaped: the IMSI as written
     * here, the values in a reason where the reason is made (validation messages escape what they quote).
     */
    private static ImportReport.Line rejected(int lineNo, String imsi, String reason) {
        return new ImportReport.Line(lineNo, Untrusted.escape(imsi, 40), ImportStatus.REJECTED, Optional.of(reason));
    }

    private static Map<String, Integer> header(CsvRecords.Record record) throws CsvHeaderException {
        int lineNo = record.line();
        if (record.problem().isPresent()) {
            throw new CsvHeaderException("header line " + lineNo + ": " + record.problem().get());
        }
        List<String> names = record.fields();
        Map<String, Integer> columns = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i).toLowerCase(Locale.ROOT);
            if (!CSV_COLUMNS.contains(name)) {
                throw new CsvHeaderException("header line " + lineNo + " names unknown column '"
                    + Untrusted.escape(names.get(i), 40) + "' (known: imsi, iccid, imei, batch, part_number, "
                    + "registered_at)");
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

    /** An ISO-8601 instant within {@link Modem#EARLIEST_REGISTRATION} .. {@link Modem#LATEST_REGISTRATION}. */
    private static Instant parseInstant(String text) {
        Instant t;
        try {
            t = Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("registered_at '" + Untrusted.escape(text, 40) + "' is not an"
                + " ISO-8601 instant such as 2026-11-01T08:00:00Z");
        }
        Modem.checkRegisteredAt(t);
        return t;
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
