package io.vinbind.server.binding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.UploadReason;
import io.vinbind.protocol.VinPolicy;
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

/**
 * A profile switch the server ordered: the new IMSI is registered for the terminal when it is ordered, the login with
 * it is PROFILE_SWITCHED (not MODEM_REPLACED), and the upload with reason PROFILE_SWITCHED moves the binding to it
 * even under the hold policy, with old and new IMSI in the history. Without an order both are judged as usual.
 */
class ProfileSwitchesTest {

    private static final String SRC = "mqtt:test";
    private static final String OLD = Fixtures.imsi(41);
    private static final String NEW = "262010000031234";
    private static final String NEW_ICCID = "8949000000000031234";
    private static final String T = Fixtures.terminalOf(OLD);

    private final Clock clock = Clock.fixed(Instant.parse("2026-12-02T06:00:00Z"), ZoneOffset.UTC);
    private Database db;
    private BindingStore store;
    private ModemRegistry registry;
    private History history;
    private LoginService logins;
    private BindingService bindings;
    private ProfileSwitches switches;

    @BeforeEach
    void setUp() throws Exception {
        db = Fixtures.memoryDatabase();
        store = new JdbcBindingStore(db);
        registry = new ModemRegistry(db, clock);
        history = new History(db);
        registry.register(Fixtures.modem(OLD, Fixtures.iccidOf(OLD), Fixtures.imeiOf(OLD)));
        logins = new LoginService(store, clock, IdentityPolicy.HOLD);
        bindings = new BindingService(store, clock, RebindPolicy.HOLD, VinPolicy.STRICT);
        switches = new ProfileSwitches(store, registry, clock);
        assertEquals(LoginOutcome.ACCEPTED, login(OLD, Fixtures.iccidOf(OLD), "l-0"));
        assertEquals(BindOutcome.BOUND, bind(OLD, Fixtures.iccidOf(OLD), UploadReason.ASSEMBLY, "b-0").outcome());
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private LoginOutcome login(String imsi, String iccid, String id) {
        return logins.login(LoginRequest.of(id, T, imsi, iccid, Fixtures.imeiOf(OLD)), T, SRC).ack().outcome();
    }

    private BindAck bind(String imsi, String iccid, UploadReason why, String id) {
        return bindings.bind(BindRequest.of(id, T, imsi, iccid, Fixtures.imeiOf(OLD), Fixtures.VIN_1, why), T, SRC).ack();
    }

    private List<HistoryEntry> rows(HistoryEvent event) throws Exception {
        return history.all(1000).stream().filter(h -> h.event() == event).toList();
    }

    @Test
    void an_ordered_switch_is_registered_logged_in_and_bound_as_the_change_the_server_ordered() throws Exception {
        switches.order(T, NEW, NEW_ICCID, "lpa");
        RegistryEntry registered = registry.find(NEW).orElseThrow();
        assertEquals(Optional.of(NEW_ICCID), registered.modem().iccid());
        assertEquals(Optional.of(Fixtures.imeiOf(OLD)), registered.modem().imei(), "the modem stays: same IMEI");
        assertTrue(switches.open(T, NEW).isPresent());

        assertEquals(LoginOutcome.ACCEPTED, login(NEW, NEW_ICCID, "l-1"));
        assertTrue(rows(HistoryEvent.MODEM_REPLACED).isEmpty(), "never taken for a replaced modem");
        HistoryEntry atLogin = rows(HistoryEvent.PROFILE_SWITCHED).get(0);
        assertEquals(Optional.of(NEW), atLogin.imsi());
        assertEquals(Optional.of(OLD), atLogin.previousImsi());

        BindAck ack = bind(NEW, NEW_ICCID, UploadReason.PROFILE_SWITCHED, "b-1");
        assertEquals(BindOutcome.REBOUND, ack.outcome(), "the hold policy does not hold a switch the server ordered");
        assertEquals(NEW, bindings.bindingOfVin(Fixtures.VIN_1).orElseThrow().imsi());
        assertTrue(bindings.bindingOfImsi(OLD).isEmpty());
        HistoryEntry atBind = rows(HistoryEvent.PROFILE_SWITCHED).get(1);
        assertEquals(Optional.of(NEW), atBind.imsi());
        assertEquals(Optional.of(OLD), atBind.previousImsi());
        assertEquals(Optional.of(Fixtures.VIN_1), atBind.vin());
        assertTrue(atBind.reason().orElseThrow().startsWith("profile switch ordered at"), atBind.reason().toString());
        assertFalse(switches.open(T, NEW).isPresent(), "the switch is completed");
        assertTrue(rows(HistoryEvent.REBIND_HELD).isEmpty());
        // a replay gets the same ack and writes nothing
        int before = history.all(1000).size();
        assertEquals(ack, bind(NEW, NEW_ICCID, UploadReason.PROFILE_SWITCHED, "b-1"));
        assertEquals(before, history.all(1000).size());
    }

    @Test
    void without_an_order_the_new_imsi_is_a_replaced_modem_and_the_policy_applies() throws Exception {
        registry.register(Fixtures.modem(NEW, NEW_ICCID, Fixtures.imeiOf(OLD)));
        assertEquals(LoginOutcome.ACCEPTED, login(NEW, NEW_ICCID, "l-1"));
        assertEquals(1, rows(HistoryEvent.MODEM_REPLACED).size());
        assertTrue(rows(HistoryEvent.PROFILE_SWITCHED).isEmpty());
        assertEquals(BindOutcome.PENDING, bind(NEW, NEW_ICCID, UploadReason.PROFILE_SWITCHED, "b-1").outcome(),
            "a switch nobody ordered is held like any rebind");
        assertEquals(OLD, bindings.bindingOfVin(Fixtures.VIN_1).orElseThrow().imsi());
    }

    @Test
    void a_switch_needs_a_known_terminal_and_well_formed_identifiers() {
        assertThrows(NotFoundException.class, () -> switches.order("T-unknown", NEW, NEW_ICCID, "lpa"));
        assertThrows(IllegalArgumentException.class, () -> switches.order(T, "12x", NEW_ICCID, "lpa"));
        assertThrows(IllegalArgumentException.class, () -> switches.order(T, NEW, "89-bad", "lpa"));
    }
}
