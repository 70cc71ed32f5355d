package io.vinbind.server.binding;

import static io.vinbind.server.Fixtures.ICCID_A;
import static io.vinbind.server.Fixtures.ICCID_B;
import static io.vinbind.server.Fixtures.IMEI_A;
import static io.vinbind.server.Fixtures.IMEI_B;
import static io.vinbind.server.Fixtures.IMSI_A;
import static io.vinbind.server.Fixtures.IMSI_B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoginServiceTest {

    private Database db;
    private ModemRegistry registry;
    private LoginService logins;
    private History history;
    private final Instant now = Instant.parse("2026-11-22T10:00:00Z");

    @BeforeEach
    void setUp() throws Exception {
        db = Fixtures.memoryDatabase();
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        registry = new ModemRegistry(db, clock);
        registry.register(Fixtures.modem(IMSI_A, ICCID_A, IMEI_A));
        logins = new LoginService(new JdbcBindingStore(db), clock);
        history = new History(db);
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    @Test
    void accepts_a_registered_imsi_and_records_time_iccid_and_imei() throws Exception {
        LoginResult r = logins.login(LoginRequest.of("l-1", IMSI_A, ICCID_A, IMEI_A), IMSI_A, "mqtt:t");
        assertEquals(LoginOutcome.ACCEPTED, r.ack().outcome());
        assertEquals(ReasonCode.NONE, r.ack().reason());
        RegistryEntry e = registry.find(IMSI_A).orElseThrow();
        assertEquals(Optional.of(now), e.lastLoginAt());
        assertEquals(Optional.of(ICCID_A), e.lastLoginIccid());
        assertTrue(history.all(10).isEmpty(), "a login that matches the registry is not a history event");
    }

    @Test
    void refuses_an_unregistered_imsi_and_stores_nothing() throws Exception {
        String before = Fixtures.snapshot(db);
        LoginResult r = logins.login(LoginRequest.of("l-1", IMSI_B, ICCID_B, IMEI_B), IMSI_B, "mqtt:t");
        assertEquals(LoginOutcome.REJECTED, r.ack().outcome());
        assertEquals(ReasonCode.UNKNOWN_IMSI, r.ack().reason());
        assertEquals(before, Fixtures.snapshot(db));
    }

    @Test
    void refuses_a_payload_imsi_that_differs_from_the_topic() throws Exception {
        String before = Fixtures.snapshot(db);
        LoginResult r = logins.login(LoginRequest.of("l-1", IMSI_A, ICCID_A, IMEI_A), IMSI_B, "mqtt:t");
        assertEquals(ReasonCode.IDENTITY_MISMATCH, r.ack().reason());
        assertEquals(IMSI_B, r.ack().imsi());
        assertEquals(before, Fixtures.snapshot(db));
    }

    @Test
    void flags_a_sim_swap_and_a_modem_swap_once_not_on_every_login() throws Exception {
        logins.login(LoginRequest.of("l-1", IMSI_A, ICCID_B, IMEI_B), IMSI_A, "mqtt:t");
        logins.login(LoginRequest.of("l-2", IMSI_A, ICCID_B, IMEI_B), IMSI_A, "mqtt:t");
        List<HistoryEntry> h = history.forImsi(IMSI_A, 10);
        assertEquals(List.of(HistoryEvent.SIM_SWAP, HistoryEvent.MODEM_SWAP), h.stream().map(HistoryEntry::event).toList());
        assertTrue(h.get(0).detail().orElseThrow().contains(ICCID_B));
        assertTrue(h.get(1).detail().orElseThrow().contains(IMEI_A));
    }

    @Test
    void a_replayed_login_gets_the_same_ack() throws Exception {
        LoginRequest req = LoginRequest.of("l-1", IMSI_A, ICCID_A, IMEI_A);
        LoginResult first = logins.login(req, IMSI_A, "mqtt:t");
        assertFalse(first.replayed());
        LoginResult again = logins.login(req, IMSI_A, "mqtt:t");
        assertTrue(again.replayed());
        assertEquals(first.ack(), again.ack());
    }
}
