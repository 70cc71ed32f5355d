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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
