package io.vinbind.server.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.server.Fixtures;
import io.vinbind.server.store.Database;
import java.io.StringReader;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ModemRegistryTest {

    private static final String CSV = String.join("\n",
        "# factory export, line 1 is a comment",
        "imsi,iccid,imei,batch,part_number,registered_at",
        "460011234567890,89860012345678901230,356938035643800,B-1,TBOX-4G-01,2026-11-01T08:00:00Z",
        "460011234567891,8986001234567890123F,356938035643801,B-1,TBOX-4G-01,",
        "",
        "4600112345678X2,89860012345678901232,356938035643802,B-1,TBOX-4G-01,",      // bad IMSI
        "460011234567893,89860012345678901233,3569380356438,B-1,TBOX-4G-01,",        // IMEI too short
        "460011234567894,89860012345678901234",                                       // too few fields
        "460011234567895,\"89860012345678901235\",356938035643805,\"B-1, late\",TBOX-4G-01,",
        "460011234567896,89860012345678901236,356938035643806,B-1,TBOX-4G-01,yesterday", // bad time
        "");

    private Database db;
    private ModemRegistry registry;
    private final Instant now = Instant.parse("2026-11-22T10:00:00Z");

    @BeforeEach
    void setUp() throws Exception {
        db = Fixtures.memoryDatabase();
        registry = new ModemRegistry(db, Clock.fixed(now, ZoneOffset.UTC));
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    @Test
    void imports_good_lines_and_reports_each_bad_line_with_its_reason_without_aborting() throws Exception {
        ImportReport report = registry.importCsv(new StringReader(CSV));
        List<ImportReport.Line> lines = report.lines();
        assertEquals(7, lines.size());
        assertLine(lines.get(0), 3, ImportStatus.ADDED, null);
        assertLine(lines.get(1), 4, ImportStatus.ADDED, null);
        assertLine(lines.get(2), 6, ImportStatus.REJECTED, "imsi");
        assertLine(lines.get(3), 7, ImportStatus.REJECTED, "imei");
        assertLine(lines.get(4), 8, ImportStatus.REJECTED, "2 fields");
        assertLine(lines.get(5), 9, ImportStatus.ADDED, null);
        assertLine(lines.get(6), 10, ImportStatus.REJECTED, "registered_at");
        assertEquals("3 added, 0 unchanged, 0 updated, 4 rejected", report.summary());
        assertEquals(3, Fixtures.count(db, "modem"), "rejected lines wrote nothing");

        RegistryEntry e = registry.find("460011234567890").orElseThrow();
        assertEquals(Optional.of("89860012345678901230"), e.modem().iccid());
        assertEquals(Optional.of("TBOX-4G-01"), e.modem().partNumber());
        assertEquals(Instant.parse("2026-11-01T08:00:00Z"), e.modem().registeredAt());
        assertEquals(now, registry.find("460011234567891").orElseThrow().modem().registeredAt(), "default: now");
        assertEquals(Optional.of("B-1, late"), registry.find("460011234567895").orElseThrow().modem().batch());
    }

    @Test
    void importing_the_same_file_again_changes_nothing_and_a_changed_line_updates() throws Exception {
        registry.importCsv(new StringReader(CSV));
        ImportReport again = registry.importCsv(new StringReader(CSV));
        assertEquals(3, again.count(ImportStatus.UNCHANGED));
        assertEquals(0, again.count(ImportStatus.ADDED));
        ImportReport changed = registry.importCsv(new StringReader(
            "IMEI,IMSI\n356938035643899,460011234567890\n")); // column order and case are free
        assertEquals(ImportStatus.UPDATED, changed.lines().get(0).status());
        Modem updated = registry.find("460011234567890").orElseThrow().modem();
        assertEquals(Optional.of("356938035643899"), updated.imei());
        assertEquals(Optional.of("89860012345678901230"), updated.iccid(), "a column the file lacks is kept");
        assertEquals(Optional.of("B-1"), updated.batch());
        assertEquals(Optional.of("TBOX-4G-01"), updated.partNumber());
        assertEquals(Instant.parse("2026-11-01T08:00:00Z"), updated.registeredAt(), "registration time kept");
    }

    @Test
    void a_repeated_imsi_in_one_file_is_rejected_so_a_reimport_reports_unchanged() throws Exception {
        String csv = "\uFEFFimsi,imei\r\n"
            + "460011234567890,356938035643800\r\n"
            + "460011234567890,356938035643899\r\n" // contradicts line 2
            + "460011234567891,356938035643801\r\n"
            + "460011234567891,356938035643801\r\n"; // repeats line 4
        ImportReport first = registry.importCsv(new StringReader(csv));
        assertLine(first.lines().get(0), 2, ImportStatus.ADDED, null);
        assertLine(first.lines().get(1), 3, ImportStatus.REJECTED, "already on line 2");
        assertLine(first.lines().get(2), 4, ImportStatus.ADDED, null);
        assertLine(first.lines().get(3), 5, ImportStatus.REJECTED, "already on line 4");
        assertEquals(Optional.of("356938035643800"), registry.find("460011234567890").orElseThrow().modem().imei(),
            "the first line stands");
        ImportReport again = registry.importCsv(new StringReader(csv));
        assertEquals("0 added, 2 unchanged, 0 updated, 2 rejected", again.summary());
        assertEquals(2, Fixtures.count(db, "modem"));
    }

    @Test
    void a_registration_time_out_of_range_is_rejected_on_its_line_and_the_lines_around_it_are_imported() throws Exception {
        String csv = "imsi,registered_at\n"
            + "460011234567890,2026-11-01T08:00:00Z\n"
            + "460011234567891,+1000000000-12-31T23:59:59Z\n"     // Instant takes it, no database does
            + "460011234567892,1999-12-31T23:59:59Z\n"
            + "460011234567893,2100-01-01T00:00:00Z\n"
            + "460011234567894,2099-12-31T23:59:59Z\n";
        ImportReport report = registry.importCsv(new StringReader(csv));
        assertLine(report.lines().get(0), 2, ImportStatus.ADDED, null);
        assertLine(report.lines().get(1), 3, ImportStatus.REJECTED,
            "registered_at '+1000000000-12-31T23:59:59Z' is outside 2000-01-01T00:00:00Z .. 2099-12-31T23:59:59Z");
        assertLine(report.lines().get(2), 4, ImportStatus.REJECTED, "is outside");
        assertLine(report.lines().get(3), 5, ImportStatus.REJECTED, "is outside");
        assertLine(report.lines().get(4), 6, ImportStatus.ADDED, null);
        assertEquals(2, Fixtures.count(db, "modem"));
        assertThrows(IllegalArgumentException.class, () -> new Modem("460011234567899", Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Instant.parse("+1000000000-12-31T23:59:59Z")),
            "the registry refuses it however it is handed in");
    }

    @Test
    void quoted_fields_follow_rfc_4180_and_a_line_number_is_the_physical_line_a_record_starts_on() throws Exception {
        String csv = "\"imsi\",\"batch\",part_number\r\n"
            + "460011234567890,\"B-1, \"\"late\"\"\",TBOX\r\n"              // comma and doubled quotes
            + "460011234567891,\"B-2\r\nsecond line\",TBOX\r\n"          // CR LF inside: one record, lines 3-4
            + "460011234567892,\"B-3\nthird\nfourth\",TBOX\n"             // LF inside: lines 5-7
            + "460011234567893,B-4,TBOX\n"                                  // line 8
            + "460011234567894,\"B-5\"x,TBOX\n"                            // text after a closing quote
            + "460011234567895,B-6,TBOX\n";                                 // line 10
        ImportReport report = registry.importCsv(new StringReader(csv));
        List<ImportReport.Line> lines = report.lines();
        assertEquals(6, lines.size(), lines.toString());
        assertLine(lines.get(0), 2, ImportStatus.ADDED, null);
        assertEquals(Optional.of("B-1, \"late\""), registry.find("460011234567890").orElseThrow().modem().batch());
        assertLine(lines.get(1), 3, ImportStatus.REJECTED, "batch 'B-2\\r\\nsecond line' must be 1-64 printable ASCII");
        assertLine(lines.get(2), 5, ImportStatus.REJECTED, "batch 'B-3\\nthird\\nfourth'");
        assertLine(lines.get(3), 8, ImportStatus.ADDED, null);
        assertLine(lines.get(4), 9, ImportStatus.REJECTED, "text after the closing quote of field 2");
        assertLine(lines.get(5), 10, ImportStatus.ADDED, null);
    }

    @Test
    void a_quote_left_open_is_reported_on_the_line_it_opens_and_swallows_nothing_silently() throws Exception {
        String csv = "imsi,batch\n"
            + "460011234567890,B-1\n"
            + "460011234567891,\"B-2\n"          // never closed: the rest of the file is inside it
            + "460011234567892,B-3\n";
        ImportReport report = registry.importCsv(new StringReader(csv));
        assertLine(report.lines().get(0), 2, ImportStatus.ADDED, null);
        assertLine(report.lines().get(1), 3, ImportStatus.REJECTED, "quoted field 2 opened on line 3 is never closed");
        assertEquals(2, report.lines().size());
        assertEquals(1, Fixtures.count(db, "modem"));

        String huge = "imsi,batch\n460011234567892,\"" + "x\n".repeat(CsvRecords.MAX_RECORD_CHARS) + "\"\n"
            + "460011234567893,B-1\n";
        ImportReport skipped = registry.importCsv(new StringReader(huge));
        assertLine(skipped.lines().get(0), 2, ImportStatus.REJECTED, "longer than " + CsvRecords.MAX_RECORD_CHARS);
        assertLine(skipped.lines().get(1), 2 + CsvRecords.MAX_RECORD_CHARS + 1, ImportStatus.ADDED, null);
        assertEquals(2, skipped.lines().size(), "an over-long record is skipped, not kept in memory nor split");
    }

    @Test
    void a_wrong_header_refuses_the_whole_file_before_any_line() throws Exception {
        assertThrows(CsvHeaderException.class, () -> registry.importCsv(new StringReader("iccid,imei\n1,2\n")));
        assertThrows(CsvHeaderException.class, () -> registry.importCsv(new StringReader("imsi,colour\n")));
        assertThrows(CsvHeaderException.class, () -> registry.importCsv(new StringReader("imsi,imsi\n")));
        assertThrows(CsvHeaderException.class, () -> registry.importCsv(new StringReader("\n# only comments\n")));
        assertEquals(0, Fixtures.count(db, "modem"));
    }

    @Test
    void lists_in_imsi_order_by_page() throws Exception {
        registry.importCsv(new StringReader(CSV));
        List<RegistryEntry> page = registry.list(1, 1);
        assertEquals(1, page.size());
        assertEquals("460011234567891", page.get(0).modem().imsi());
        assertTrue(registry.find("460019999999999").isEmpty());
    }

    private static void assertLine(ImportReport.Line l, int line, ImportStatus status, String reasonPart) {
        assertEquals(line, l.line(), l.toString());
        assertEquals(status, l.status(), l.toString());
        if (reasonPart == null) {
            assertTrue(l.reason().isEmpty(), l.toString());
        } else {
            assertTrue(l.reason().orElseThrow().contains(reasonPart), l.toString());
        }
    }
}
