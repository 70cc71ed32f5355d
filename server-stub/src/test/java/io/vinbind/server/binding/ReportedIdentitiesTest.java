package io.vinbind.server.binding;

import static io.vinbind.server.Fixtures.ICCID_A;
import static io.vinbind.server.Fixtures.ICCID_B;
import static io.vinbind.server.Fixtures.IMEI_A;
import static io.vinbind.server.Fixtures.IMEI_B;
import static io.vinbind.server.Fixtures.IMSI_A;
import static io.vinbind.server.Fixtures.IMSI_B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.server.Fixtures;
import io.vinbind.server.provisioning.FleetFacts;
import io.vinbind.server.provisioning.TerminalFacts;
import io.vinbind.server.registry.ModemRegistry;
import io.vinbind.server.store.Database;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Identity in (issue 14): what accepted logins report is kept as the terminal's latest, with a history of changes
 * only, on H2; {@link ReportedIdentitiesPostgresIT} runs the same exercises on PostgreSQL.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReportedIdentitiesTest {

    static final String T1 = "TBOX-1";
    static final String T2 = "TBOX-2";
    static final String EID_1 = "89049032123451234512345678901235";
    static final String EID_2 = "89049032000000000000000000001230";
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    /** A clock the exercises move forward between logins. */
    static final class Ticking extends java.time.Clock {
        Instant now = T0;

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static LoginRequest full(String rid, String terminal, String imsi, String iccid, String imei, String eid,
                             String firmware) {
        return LoginRequest.of(rid, terminal, imsi, iccid, imei).withEid(eid)
            .withModels("vinbind-terminal", "0.1.0", "EG25", firmware);
    }

    static LoginService logins(Database db, Ticking clock) throws Exception {
        ModemRegistry registry = new ModemRegistry(db, clock);
        registry.register(Fixtures.modem(IMSI_A, ICCID_A, IMEI_A));
        registry.register(Fixtures.modem(IMSI_B, ICCID_B, IMEI_B));
        return new LoginService(new JdbcBindingStore(db), clock, IdentityPolicy.ACCEPT);
    }

    static void accepted(LoginResult r) {
        assertEquals(LoginOutcome.ACCEPTED, r.ack().outcome(), r.ack().toString());
    }

    /** Latest kept, changes only in the history, left-out fields kept, a replay and a refusal record nothing. */
    static void exerciseLatestAndChanges(Database db) throws Exception {
        Ticking clock = new Ticking();
        LoginService s = logins(db, clock);
        ReportedIdentities reported = new ReportedIdentities(db);
        assertEquals(Optional.empty(), reported.eid(T1));

        accepted(s.login(full("l-1", T1, IMSI_A, ICCID_A, IMEI_A, EID_1, "EG25GGBR07A08M2G"), T1, "mqtt:t"));
        ReportedIdentities.Reported first = reported.latest(T1).orElseThrow();
        assertEquals(Optional.of(EID_1), first.eid());
        assertEquals(Optional.of("EG25GGBR07A08M2G"), first.modemFirmware());
        assertEquals(Optional.of("vinbind-terminal"), first.terminalModel());
        assertEquals(IMEI_A, first.imei());
        assertEquals(T0, first.reportedAt());
        assertEquals("l-1", first.requestId());
        assertFalse(first.eidConflict());
        List<ReportedIdentities.Change> h = reported.history(T1, 100);
        assertEquals(List.of("imsi", "iccid", "imei", "eid", "terminalModel", "softwareVersion", "modemModel",
            "modemFirmware"), h.stream().map(ReportedIdentities.Change::field).toList(), "the first report of each field");
        assertTrue(h.stream().allMatch(c -> c.oldValue().isEmpty() && c.requestId().equals("l-1") && c.at().equals(T0)));
        assertEquals(Optional.of(EID_1), reported.eid(T1));

        // the same report again: the latest moves on, the history does not
        clock.now = T0.plusSeconds(60);
        accepted(s.login(full("l-2", T1, IMSI_A, ICCID_A, IMEI_A, EID_1, "EG25GGBR07A08M2G"), T1, "mqtt:t"));
        assertEquals(8, reported.history(T1, 100).size(), "nothing changed, no history row");
        assertEquals("l-2", reported.latest(T1).orElseThrow().requestId());
        assertEquals(T0.plusSeconds(60), reported.latest(T1).orElseThrow().reportedAt());

        // a firmware update: one row, old and new named
        clock.now = T0.plusSeconds(120);
        accepted(s.login(full("l-3", T1, IMSI_A, ICCID_A, IMEI_A, EID_1, "EG25GGBR07A08M2G_01.002"), T1, "mqtt:t"));
        h = reported.history(T1, 100);
        assertEquals(9, h.size());
        ReportedIdentities.Change fw = h.get(8);
        assertEquals("modemFirmware", fw.field());
        assertEquals(Optional.of("EG25GGBR07A08M2G"), fw.oldValue());
        assertEquals("EG25GGBR07A08M2G_01.002", fw.newValue());
        assertEquals("l-3", fw.requestId());
        assertEquals(T0.plusSeconds(120), fw.at());
        assertTrue(fw.id() > h.get(7).id());

        // an old terminal's login (no optional fields): they are not reported, so they are kept, no row
        accepted(s.login(LoginRequest.of("l-4", T1, IMSI_A, ICCID_A, IMEI_A), T1, "mqtt:t"));
        assertEquals(9, reported.history(T1, 100).size());
        assertEquals(Optional.of(EID_1), reported.latest(T1).orElseThrow().eid());
        assertEquals(Optional.of("EG25GGBR07A08M2G_01.002"), reported.latest(T1).orElseThrow().modemFirmware());

        // a replayed request id is answered from the store and records nothing
        accepted(s.login(full("l-3", T1, IMSI_A, ICCID_A, IMEI_A, EID_2, "X"), T1, "mqtt:t"));
        assertEquals(9, reported.history(T1, 100).size());
        assertEquals(Optional.of(EID_1), reported.eid(T1));

        // a refused login (unregistered IMSI) records nothing
        assertEquals(ReasonCode.UNKNOWN_IMSI, s.login(full("l-5", T1, "460019999999999", ICCID_B, IMEI_B, EID_2,
            "X"), T1, "mqtt:t").ack().reason());
        assertEquals(9, reported.history(T1, 100).size());

        // the card and modem change: imsi, iccid, imei and eid rows
        accepted(s.login(full("l-6", T1, IMSI_B, ICCID_B, IMEI_B, EID_2, "EG25GGBR07A08M2G_01.002"), T1, "mqtt:t"));
        h = reported.history(T1, 100);
        assertEquals(List.of("imsi", "iccid", "imei", "eid"), h.subList(9, h.size()).stream()
            .map(ReportedIdentities.Change::field).toList());
        assertEquals(Optional.of(EID_1), h.get(12).oldValue());
        assertEquals(EID_2, h.get(12).newValue());
        assertEquals(2, reported.history(T1, 2).size(), "the limit holds");

        // the provisioning facts take EID, ICCID and IMEI from the latest report
        TerminalFacts facts = new FleetFacts(db).of(T1).orElseThrow();
        assertEquals(Optional.of(EID_2), facts.eid());
        assertEquals(Optional.of(ICCID_B), facts.iccid());
        assertEquals(Optional.of(IMEI_B), facts.imei());

        // the history is append-only by construction: rows are never rewritten
        assertEquals(13, Fixtures.count(db, "terminal_identity_change"));
    }

    /** An EID another terminal reported is flagged on both sides and logged; the login is not refused. */
    static void exerciseEidConflict(Database db) throws Exception {
        Ticking clock = new Ticking();
        LoginService s = logins(db, clock);
        ReportedIdentities reported = new ReportedIdentities(db);
        accepted(s.login(full("l-1", T1, IMSI_A, ICCID_A, IMEI_A, EID_1, "FW1"), T1, "mqtt:t"));
        accepted(s.login(full("l-2", T2, IMSI_B, ICCID_B, IMEI_B, EID_1, "FW1"), T2, "mqtt:t"));
        ReportedIdentities.Reported second = reported.latest(T2).orElseThrow();
        assertTrue(second.eidConflict());
        assertEquals(List.of(T1), second.eidAlsoReportedBy());
        assertEquals(List.of(T2), reported.latest(T1).orElseThrow().eidAlsoReportedBy());
        // T1's card is replaced by another eUICC: the conflict is gone
        accepted(s.login(full("l-3", T1, IMSI_A, ICCID_A, IMEI_A, EID_2, "FW1"), T1, "mqtt:t"));
        assertFalse(reported.latest(T2).orElseThrow().eidConflict());
    }

    @Test
    void keeps_the_latest_report_and_a_history_of_changes_only() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            exerciseLatestAndChanges(db);
        }
    }

    @Test
    void flags_an_eid_reported_by_two_terminals_without_refusing_either() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            exerciseEidConflict(db);
        }
    }

    @Test
    void a_terminal_that_never_reported_has_no_report() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            ReportedIdentities reported = new ReportedIdentities(db);
            assertEquals(Optional.empty(), reported.latest("TBOX-9"));
            assertEquals(List.of(), reported.history("TBOX-9", 10));
            assertEquals(Optional.empty(), new FleetFacts(db).of("TBOX-9"));
            assertThrows(NullPointerException.class, () -> reported.eid(null));
        }
    }
}
