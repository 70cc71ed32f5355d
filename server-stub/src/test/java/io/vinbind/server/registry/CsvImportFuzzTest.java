package io.vinbind.server.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vinbind.protocol.Identifiers;
import io.vinbind.server.Fixtures;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.StoreException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets of the factory CSV import (Jazzer, coverage-guided; docs/bench.md "fuzzing"). Corpus:
 * {@code src/test/resources/io/vinbind/server/registry/CsvImportFuzzTestInputs/<method>/}; inputs are the
 * file's bytes, read as UTF-8 as the server's CLI reads them.
 *
 * <p>A factory file is anything: the import answers with a per-line report or, when the header is unusable,
 * a {@link CsvHeaderException}; never another exception. Every report line names a line of the file, in
 * order; it is rejected exactly when it has a reason, and every reason is printable ASCII (it is logged and
 * shown to the operator); an accepted line's IMSI is well-formed and registered; and importing the same file
 * again reports every accepted line {@link ImportStatus#UNCHANGED} and the same lines rejected. The RFC 4180
 * reader {@link CsvRecords} returns a record's fields or names its problem in printable text, and fields
 * written back quoted read as the same fields.
 */
class CsvImportFuzzTest {

    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    /** One in-memory database for the whole run (migrations take a second); emptied before every input. */
    private static Database db;

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void any_file_yields_a_per_line_report_or_a_header_error(byte[] file) throws Exception {
        String text = new String(file, UTF_8);
        ModemRegistry registry = new ModemRegistry(emptyDatabase(), Clock.fixed(NOW, ZoneOffset.UTC));
        ImportReport first;
        try {
            first = registry.importCsv(new StringReader(text));
        } catch (CsvHeaderException e) {
            assertPrintable(e.getMessage(), "header error");
            return;
        }
        int lines = physicalLines(text);
        int previous = 0;
        Set<String> accepted = new HashSet<>();
        for (ImportReport.Line l : first.lines()) {
            assertTrue(l.line() > previous && l.line() <= lines,
                () -> "report line " + l.line() + " after " + " in a file of " + lines + " lines");
            previous = l.line();
            assertEquals(l.status() == ImportStatus.REJECTED, l.reason().isPresent(), () -> "reason vs status: " + l);
            l.reason().ifPresent(r -> {
                assertFalse(r.isEmpty(), "empty reason");
                assertPrintable(r, "reason of line " + l.line());
            });
            if (l.status() != ImportStatus.REJECTED) {
                assertTrue(Identifiers.isImsi(l.imsi()), () -> "accepted a malformed IMSI: " + l);
                assertTrue(accepted.add(l.imsi()), () -> "IMSI accepted twice: " + l);
                assertTrue(registry.find(l.imsi()).isPresent(), () -> "accepted but not registered: " + l);
            }
        }

        ImportReport again = registry.importCsv(new StringReader(text));
        assertEquals(statuses(first, true), statuses(again, false), "a re-import did not report the same file unchanged");
    }

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void a_record_splits_into_fields_that_quote_back_to_themselves(byte[] bytes) throws IOException {
        String line = new String(bytes, UTF_8);
        java.util.Optional<CsvRecords.Record> record = new CsvRecords(new StringReader(line)).next();
        if (record.isEmpty()) {
            return; // blank or comment only
        }
        if (record.get().problem().isPresent()) {
            assertPrintable(record.get().problem().get(), "record problem");
            return;
        }
        List<String> fields = record.get().fields();
        assertFalse(fields.isEmpty(), "a record without fields");
        String quoted = fields.stream().map(f -> "\"" + f.replace("\"", "\"\"") + "\"").collect(Collectors.joining(","));
        CsvRecords.Record again = new CsvRecords(new StringReader(quoted)).next().orElseThrow(
            () -> new AssertionError("quoted back as " + quoted + ": no record"));
        assertEquals(fields, again.fields(), () -> "quoted back as " + quoted);
    }

    /** Line number and status; with {@code asReimported}, what a second import of the same file says. */
    private static List<String> statuses(ImportReport report, boolean asReimported) {
        return report.lines().stream()
            .map(l -> l.line() + " " + (asReimported && l.status() != ImportStatus.REJECTED ? ImportStatus.UNCHANGED
                : l.status()))
            .collect(Collectors.toList());
    }

    private static int physicalLines(String text) throws IOException {
        BufferedReader r = new BufferedReader(new StringReader(text));
        int n = 0;
        while (r.readLine() != null) {
            n++;
        }
        return n;
    }

    private static synchronized Database emptyDatabase() throws StoreException {
        if (db == null) {
            db = Fixtures.memoryDatabase();
        }
        db.transaction("empty the registry", c -> {
            try (Statement s = c.createStatement()) {
                return s.executeUpdate("DELETE FROM modem");
            }
        });
        return db;
    }

    private static void assertPrintable(String text, String what) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int at = i;
            assertTrue(c >= 0x20 && c <= 0x7e, () -> String.format("%s has character U+%04X at %d (logged as is): %s",
                what, (int) c, at, text.chars().mapToObj(ch -> ch >= 0x20 && ch <= 0x7e ? String.valueOf((char) ch)
                    : String.format("\\u%04x", ch)).collect(Collectors.joining())));
        }
    }
}
