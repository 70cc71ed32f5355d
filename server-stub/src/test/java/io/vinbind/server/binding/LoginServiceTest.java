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
import io.vinbind.server.history.History;
import io.vinbind.server.history.HistoryEntry;
import io.vinbind.server.history.HistoryEvent;
import io.vinbind.server.registry.ModemRegistry;
import io.vinbind.server.registry.RegistryEntry;
import io.vinbind.server.store.Database;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoginServiceTest {

    private static final String T1 = "TBOX-1";
    private static final String T2 = "TBOX-2";

    private Database db;
    private ModemRegistry registry;
    private JdbcBindingStore store;
    private History history;
    private TerminalService terminals;
    private final List<String> revoked = new ArrayList<>();
    private final Instant now = Instant.parse("2026-11-22T10:00:00Z");
    private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);

    @BeforeEach
    void setUp() throws Exception {
        db = Fixtures.memoryDatabase();
        registry = new ModemRegistry(db, clock);
        registry.register(Fixtures.modem(IMSI_A, ICCID_A, IMEI_A));
        registry.register(Fixtures.modem(IMSI_B, ICCID_B, IMEI_B));
        store = new JdbcBindingStore(db);
        history = new History(db);
        terminals = new TerminalService(store, clock, revoked::add);
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private LoginService logins(IdentityPolicy policy) {
        return new LoginService(store, clock, policy);
    }

    private static LoginRequest login(String rid, String terminal, String imsi, String iccid, String imei) {
        return LoginRequest.of(rid, terminal, imsi, iccid, imei);
    }

    private List<HistoryEvent> events() throws Exception {
        return history.all(100).stream().map(HistoryEntry::event).toList();
    }

    @Test
    void accepts_a_registered_imsi_makes_the_terminal_its_holder_and_records_the_first_sight() throws Exception {
        LoginResult r = logins(IdentityPolicy.HOLD).login(login("l-1", T1, IMSI_A, ICCID_A, IMEI_A), T1, "mqtt:t");
        assertEquals(LoginOutcome.ACCEPTED, r.ack().outcome());
        assertEquals(ReasonCode.NONE, r.ack().reason());
        assertEquals(T1, r.ack().terminalId());
        RegistryEntry e = registry.find(IMSI_A).orElseThrow();
        assertEquals(Optional.of(now), e.lastLoginAt());
        assertEquals(Optional.of(ICCID_A), e.lastLoginIccid());
        assertEquals(Optional.of(IMSI_A), terminals.terminal(T1).orElseThrow().imsi());
        assertEquals(List.of(HistoryEvent.TERMINAL_FIRST_SEEN), events());
        assertEquals(Optional.of(T1), history.all(1).get(0).terminalId());
    }

    @Test
    void refuses_an_unregistered_imsi_and_a_payload_that_speaks_for_another_terminal() throws Exception {
        String before = Fixtures.snapshot(db);
        LoginService s = logins(IdentityPolicy.HOLD);
        assertEquals(ReasonCode.UNKNOWN_IMSI,
            s.login(login("l-1", T1, "460019999999999", ICCID_B, IMEI_B), T1, "mqtt:t").ack().reason());
        LoginResult spoof = s.login(login("l-2", T2, IMSI_A, ICCID_A, IMEI_A), T1, "mqtt:t");
        assertEquals(ReasonCode.IDENTITY_MISMATCH, spoof.ack().reason());
        assertEquals(T1, spoof.ack().terminalId(), "the ack goes to the terminal that published");
        assertEquals(before, Fixtures.snapshot(db));
    }

    @Test
    void a_known_terminal_with_another_registered_imsi_had_its_modem_replaced() throws Exception {
        LoginService s = logins(IdentityPolicy.HOLD);
        s.login(login("l-1", T1, IMSI_A, ICCID_A, IMEI_A), T1, "mqtt:t");
        LoginResult r = s.login(login("l-2", T1, IMSI_B, ICCID_B, IMEI_B), T1, "mqtt:t");
        assertEquals(LoginOutcome.ACCEPTED, r.ack().outcome(), "a modem replacement is no conflict");
        HistoryEntry replaced = history.all(10).get(1);
        assertEquals(HistoryEvent.MODEM_REPLACED, replaced.event());
        assertEquals(Optional.of(IMSI_A), replaced.previousImsi());
        assertEquals(Optional.of(IMSI_B), replaced.imsi());
        assertEquals(Optional.of(IMSI_B), terminals.terminal(T1).orElseThrow().imsi());
    }

    @Test
    void hold_keeps_an_imsi_claimed_by_a_second_terminal_for_an_operator_and_lets_it_through_once_approved()
        throws Exception {
        LoginService s = logins(IdentityPolicy.HOLD);
        s.login(login("l-1", T1, IMSI_A, ICCID_A, IMEI_A), T1, "mqtt:t");
        LoginResult claim = s.login(login("l-2", T2, IMSI_A, ICCID_A, IMEI_A), T2, "mqtt:t");
        assertEquals(LoginOutcome.REJECTED, claim.ack().outcome());
        assertEquals(ReasonCode.IDENTITY_HELD, claim.ack().reason());
        assertTrue(claim.ack().reason().isRetryable());
        assertEquals(ReasonCode.IDENTITY_HELD,
            s.login(login("l-3", T2, IMSI_A, ICCID_A, IMEI_A), T2, "mqtt:t").ack().reason(), "still held");
        List<IdentityConflict> open = terminals.openConflicts(10);
        assertEquals(1, open.size(), "one conflict however often the terminal tries");
        IdentityConflict c = open.get(0);
        assertEquals(IdentityConflict.Kind.IMSI_HELD_BY_OTHER_TERMINAL, c.kind());
        assertEquals(Optional.of(T1), c.expected());
        assertEquals(2, c.attempts());
        assertEquals(Optional.of(IMSI_A), terminals.terminal(T1).orElseThrow().imsi(), "nothing moved yet");

        terminals.approve(c.id(), "workshop-7");
        LoginResult after = s.login(login("l-4", T2, IMSI_A, ICCID_A, IMEI_A), T2, "mqtt:t");
        assertEquals(LoginOutcome.ACCEPTED, after.ack().outcome());
        assertEquals(Optional.of(IMSI_A), terminals.terminal(T2).orElseThrow().imsi());
        assertEquals(Optional.empty(), terminals.terminal(T1).orElseThrow().imsi(), "T1 no longer holds it");
        assertTrue(events().containsAll(List.of(HistoryEvent.IDENTITY_HELD, HistoryEvent.IDENTITY_APPROVED,
            HistoryEvent.IMSI_MOVED)), events().toString());
        HistoryEntry approved = history.all(100).stream().filter(h -> h.event() == HistoryEvent.IDENTITY_APPROVED)
            .findFirst().orElseThrow();
        assertEquals("http:workshop-7", approved.source(), "the operator is the credential's name");
        assertTrue(terminals.openConflicts(10).isEmpty());
    }

    /**
     * An operator approves one of two conflicts of a login; the next login is still held for the other. The
     * approval must survive that refusal: it used to be marked ACCEPTED by the refused login, and the login
     * after raised the same conflict again as a new HELD one, so approving both never let the terminal in.
     */
    @Test
    void an_approval_is_used_up_only_by_a_login_that_is_accepted() throws Exception {
        LoginService s = logins(IdentityPolicy.HOLD);
        String newSim = "89860000000000000099";
        s.login(login("l-1", T1, IMSI_A, ICCID_A, IMEI_A), T1, "mqtt:t");
        assertEquals(ReasonCode.IDENTITY_HELD, s.login(login("l-2", T2, IMSI_A, newSim, IMEI_A), T2, "mqtt:t")
            .ack().reason());
        List<IdentityConflict> open = terminals.openConflicts(10);
        assertEquals(List.of(IdentityConflict.Kind.IMSI_HELD_BY_OTHER_TERMINAL, IdentityConflict.Kind.ICCID_MISMATCH),
            open.stream().map(IdentityConflict::kind).toList());
        IdentityConflict imsiHeld = open.get(0);
        IdentityConflict iccid = open.get(1);

        terminals.approve(imsiHeld.id(), "workshop-7");
        assertEquals(ReasonCode.IDENTITY_HELD, s.login(login("l-3", T2, IMSI_A, newSim, IMEI_A), T2, "mqtt:t")
            .ack().reason(), "still held for the ICCID");
        assertEquals(IdentityConflict.State.APPROVED, conflict(imsiHeld.id()).state(), "the approval is not used up");
        assertEquals(ReasonCode.IDENTITY_HELD, s.login(login("l-4", T2, IMSI_A, newSim, IMEI_A), T2, "mqtt:t")
            .ack().reason());
        assertEquals(List.of(iccid.id()), terminals.openConflicts(10).stream().map(IdentityConflict::id).toList(),
            "the approved conflict is not raised again");

        terminals.approve(iccid.id(), "workshop-7");
        LoginResult in = s.login(login("l-5", T2, IMSI_A, newSim, IMEI_A), T2, "mqtt:t");
        assertEquals(LoginOutcome.ACCEPTED, in.ack().outcome(), in.ack().toString());
        assertEquals(IdentityConflict.State.ACCEPTED, conflict(imsiHeld.id()).state());
        assertEquals(IdentityConflict.State.ACCEPTED, conflict(iccid.id()).state());
        assertEquals(Optional.of(IMSI_A), terminals.terminal(T2).orElseThrow().imsi());
        assertTrue(terminals.openConflicts(10).isEmpty());
    }

    private IdentityConflict conflict(long id) throws Exception {
        return store.read("conflict " + id, tx -> tx.lockConflict(id)).orElseThrow();
    }

    @Test
    void hold_refuses_a_made_up_iccid_or_imei_for_a_registered_imsi() throws Exception {
        LoginService s = logins(IdentityPolicy.HOLD);
        LoginResult r = s.login(login("l-1", T2, IMSI_A, "89860000000000000001", "350000000000001"), T2, "mqtt:t");
        assertEquals(ReasonCode.IDENTITY_HELD, r.ack().reason());
        assertEquals(List.of(IdentityConflict.Kind.ICCID_MISMATCH, IdentityConflict.Kind.IMEI_MISMATCH),
            terminals.openConflicts(10).stream().map(IdentityConflict::kind).toList());
        assertEquals(Optional.empty(), registry.find(IMSI_A).orElseThrow().lastLoginAt(), "no login recorded");
    }

    @Test
    void refuse_refuses_for_good_and_an_operator_denying_a_hold_does_too() throws Exception {
        LoginService refuse = logins(IdentityPolicy.REFUSE);
        refuse.login(login("l-1", T1, IMSI_A, ICCID_A, IMEI_A), T1, "mqtt:t");
        LoginResult r = refuse.login(login("l-2", T2, IMSI_A, ICCID_A, IMEI_A), T2, "mqtt:t");
        assertEquals(ReasonCode.IDENTITY_CONFLICT, r.ack().reason());
        assertFalse(r.ack().reason().isRetryable());
        assertTrue(events().contains(HistoryEvent.IDENTITY_REFUSED));

        LoginService hold = logins(IdentityPolicy.HOLD);
        hold.login(login("l-3", T2, IMSI_B, "89860000000000000002", IMEI_B), T2, "mqtt:t");
        IdentityConflict held = terminals.openConflicts(10).stream()
            .filter(c -> c.state() == IdentityConflict.State.HELD).findFirst().orElseThrow();
        terminals.deny(held.id(), "after-sales-1");
        assertEquals(ReasonCode.IDENTITY_CONFLICT,
            hold.login(login("l-4", T2, IMSI_B, "89860000000000000002", IMEI_B), T2, "mqtt:t").ack().reason());
        assertThrows(IllegalStateException.class, () -> terminals.deny(held.id(), "after-sales-1"), "decided once");
    }

    @Test
    void accept_lets_a_sim_or_modem_swap_through_and_records_it_once() throws Exception {
        LoginService s = logins(IdentityPolicy.ACCEPT);
        s.login(login("l-1", T1, IMSI_A, ICCID_B, IMEI_B), T1, "mqtt:t");
        s.login(login("l-2", T1, IMSI_A, ICCID_B, IMEI_B), T1, "mqtt:t");
        List<HistoryEntry> h = history.forImsi(IMSI_A, 10);
        assertEquals(List.of(HistoryEvent.TERMINAL_FIRST_SEEN, HistoryEvent.SIM_SWAP, HistoryEvent.MODEM_SWAP),
            h.stream().map(HistoryEntry::event).toList());
        assertTrue(h.get(1).detail().orElseThrow().contains(ICCID_B));
        assertTrue(h.get(2).detail().orElseThrow().contains(IMEI_A));
    }

    @Test
    void a_revoked_terminal_is_refused_and_the_broker_is_told() throws Exception {
        LoginService s = logins(IdentityPolicy.HOLD);
        s.login(login("l-1", T1, IMSI_A, ICCID_A, IMEI_A), T1, "mqtt:t");
        terminals.revoke(T1, "admin", "reported stolen");
        assertEquals(List.of(T1), revoked);
        assertEquals(ReasonCode.TERMINAL_REVOKED,
            s.login(login("l-2", T1, IMSI_A, ICCID_A, IMEI_A), T1, "mqtt:t").ack().reason());
        assertThrows(IllegalStateException.class, () -> terminals.revoke(T1, "admin", "again"));
        assertTrue(events().contains(HistoryEvent.TERMINAL_REVOKED));
    }

    @Test
    void a_replayed_login_gets_the_same_ack_but_only_for_the_terminal_that_asked() throws Exception {
        LoginService s = logins(IdentityPolicy.HOLD);
        LoginRequest req = login("l-1", T1, IMSI_A, ICCID_A, IMEI_A);
        LoginResult first = s.login(req, T1, "mqtt:t");
        assertFalse(first.replayed());
        LoginResult again = s.login(req, T1, "mqtt:t");
        assertTrue(again.replayed());
        assertEquals(first.ack(), again.ack());
        LoginResult stranger = s.login(login("l-1", T2, IMSI_A, ICCID_A, IMEI_A), T2, "mqtt:t");
        assertFalse(stranger.replayed(), "another terminal's requestId is no replay for this one");
        assertEquals(ReasonCode.IDENTITY_HELD, stranger.ack().reason());
    }
}
