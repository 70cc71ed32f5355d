package io.vinbind.modem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.at.AtErrorException;
import io.vinbind.modem.at.AtResetException;
import io.vinbind.modem.at.AtTimeoutException;
import io.vinbind.modem.at.CmeErrorCode;
import io.vinbind.modem.link.InMemoryLinkPair;
import io.vinbind.modem.sim.Faults;
import io.vinbind.modem.sim.Identity;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.modem.sim.NetworkOutcome;
import io.vinbind.modem.sim.Persona;
import io.vinbind.modem.sim.SimCard;
import io.vinbind.modem.sim.SimulatorConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The modem API against the simulator on an in-memory link. */
class ModemTest {

    private static final ModemConfig FAST = ModemConfig.DEFAULT.withRegistrationPoll(Duration.ofMillis(50));

    private final InMemoryLinkPair pair = InMemoryLinkPair.create("modem-test");
    private ModemSimulator sim;
    private Modem modem;
    private final BlockingQueue<ModemEvent> events = new LinkedBlockingQueue<>();

    private Modem start(SimulatorConfig config, ModemConfig modemConfig) throws Exception {
        sim = ModemSimulator.start(pair.b(), config);
        modem = Modem.attach(AtEngine.start(pair.a()), modemConfig);
        modem.onEvent(events::add);
        return modem;
    }

    @AfterEach
    void tearDown() {
        if (modem != null) {
            modem.close();
        }
        if (sim != null) {
            sim.close();
        }
        pair.close();
    }

    @ParameterizedTest
    @EnumSource(Persona.class)
    void reads_all_identities_through_each_dialect(Persona persona) throws Exception {
        start(SimulatorConfig.DEFAULT.withPersona(persona), FAST);
        modem.initialise();

        assertEquals(persona.name(), modem.dialect().name(), "dialect detected from AT+CGMI/ATI");
        assertEquals(SimState.READY, modem.simState());
        assertEquals(Identity.DEFAULT.imsi(), modem.imsi());
        assertEquals(Identity.DEFAULT.imei(), modem.imei());
        assertEquals(Identity.DEFAULT.iccid(), modem.iccid());
        DeviceInfo info = modem.deviceInfo();
        assertEquals(persona.manufacturer(), info.manufacturer());
        assertEquals(persona.model(), info.model());
    }

    @Test
    void configured_dialect_skips_detection() throws Exception {
        start(SimulatorConfig.DEFAULT.withPersona(Persona.GENERIC), FAST.withDialect(Dialect.QUECTEL));
        assertEquals(Dialect.QUECTEL, modem.dialect());
        assertTrue(sim.receivedCommands().isEmpty(), "no detection commands sent: " + sim.receivedCommands());
    }

    @Test
    void dialect_detection_asks_again_when_the_modem_boots_over_it() throws Exception {
        // the terminal and its modem power up together: RDY cuts the answer to the first AT+CGMI
        start(SimulatorConfig.DEFAULT.withPersona(Persona.QUECTEL).withFaults(Faults.NONE.withResetAfterCommands(1)), FAST);

        assertEquals(Dialect.QUECTEL, modem.dialect());
        assertEquals(List.of("AT+CGMI", "AT+CGMI"), sim.receivedCommands().subList(0, 2));
    }

    @Test
    void iccid_falls_back_to_crsm_when_the_vendor_command_is_unknown() throws Exception {
        // a modem that says it is Quectel but does not know AT+QCCID (older firmware)
        start(SimulatorConfig.DEFAULT.withPersona(Persona.GENERIC), FAST.withDialect(Dialect.QUECTEL));
        modem.initialise();

        assertEquals(Identity.DEFAULT.iccid(), modem.iccid());
        List<String> sent = sim.receivedCommands();
        assertTrue(sent.contains("AT+QCCID") && sent.contains("AT+CRSM=176,12258,0,0,10"), sent.toString());
    }

    @Test
    void sim_states_absent_pin_and_ready() throws Exception {
        start(SimulatorConfig.DEFAULT.withSimCard(SimCard.ABSENT), FAST);
        modem.initialise();
        assertEquals(SimState.NOT_INSERTED, modem.simState());
        AtErrorException e = assertThrows(AtErrorException.class, modem::imsi);
        assertTrue(e.isCme(CmeErrorCode.SIM_NOT_INSERTED), e.getMessage());
        assertEquals("AT+CIMI", e.command());

        sim.setSimCard(SimCard.PIN_LOCKED);
        assertEquals(SimState.PIN_REQUIRED, modem.simState());
        assertThrows(AtErrorException.class, () -> modem.enterPin("0000"));
        modem.enterPin("1234");
        assertEquals(SimState.READY, modem.simState());
        assertEquals(Identity.DEFAULT.imsi(), modem.imsi());
    }

    @Test
    void sim_removal_is_an_event() throws Exception {
        start(SimulatorConfig.DEFAULT, FAST);
        modem.initialise();
        sim.setSimCard(SimCard.ABSENT);

        ModemEvent.SimStateChanged e = next(ModemEvent.SimStateChanged.class);
        assertEquals(SimState.NOT_INSERTED, e.state());
    }

    @Test
    void waits_through_searching_until_home() throws Exception {
        start(SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.HOME, Duration.ofMillis(300)), FAST);
        modem.initialise();

        Registration r = modem.awaitRegistration(Duration.ofSeconds(5));

        assertEquals(RegistrationState.HOME, r.state());
        assertEquals(Optional.of(AccessTechnology.E_UTRAN), r.accessTechnology());
        Operator op = modem.operator().orElseThrow();
        assertEquals("CHINA MOBILE", op.name());
        assertEquals(-73, modem.signal().rssiDbm().getAsInt()); // rssi 20
    }

    @Test
    void registration_urc_wakes_the_wait_before_the_next_poll() throws Exception {
        start(SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.ROAMING, Duration.ofMillis(300)),
                FAST.withRegistrationPoll(Duration.ofSeconds(30)));
        modem.initialise();
        long t0 = System.nanoTime();

        Registration r = modem.awaitRegistration(Duration.ofSeconds(10));

        assertEquals(RegistrationState.ROAMING, r.state());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "woken by the URC, not the 30 s poll");
        assertInstanceOf(ModemEvent.RegistrationChanged.class, events.poll(2, TimeUnit.SECONDS));
    }

    @Test
    void denied_fails_at_once_with_the_reason() throws Exception {
        start(SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.DENIED, Duration.ofMillis(100)), FAST);
        modem.initialise();
        long t0 = System.nanoTime();

        RegistrationException e = assertThrows(RegistrationException.class,
                () -> modem.awaitRegistration(Duration.ofSeconds(30)));

        assertEquals(RegistrationException.Reason.DENIED, e.reason());
        assertEquals(RegistrationState.DENIED, e.last().orElseThrow().state());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "did not wait for the bound");
    }

    @Test
    void no_coverage_times_out_at_the_bound_with_the_last_state() throws Exception {
        start(SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.NO_COVERAGE, Duration.ZERO), FAST);
        modem.initialise();

        RegistrationException e = assertThrows(RegistrationException.class,
                () -> modem.awaitRegistration(Duration.ofMillis(400)));

        assertEquals(RegistrationException.Reason.TIMEOUT, e.reason());
        assertEquals(RegistrationState.SEARCHING, e.last().orElseThrow().state());
        assertTrue(modem.operator().isEmpty());
    }

    @ParameterizedTest
    @EnumSource(Persona.class)
    void activates_data_and_reports_the_context_drop(Persona persona) throws Exception {
        start(SimulatorConfig.DEFAULT.withPersona(persona).withNetwork(NetworkOutcome.HOME, Duration.ZERO), FAST);
        modem.initialise();
        modem.awaitRegistration(Duration.ofSeconds(5));

        modem.activateData(Apn.of("cmnet"));

        assertTrue(modem.isDataActive());
        assertEquals("cmnet", sim.status().apn());
        assertTrue(sim.status().dataActive());
        sim.dropDataContext();
        ModemEvent.DataContextDropped d = next(ModemEvent.DataContextDropped.class);
        assertEquals(1, d.contextId());
        assertFalse(modem.isDataActive());
    }

    @Test
    void data_activation_without_network_is_a_cme_error() throws Exception {
        start(SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.NO_COVERAGE, Duration.ZERO), FAST);
        modem.initialise();

        AtErrorException e = assertThrows(AtErrorException.class, () -> modem.activateData(Apn.of("cmnet")));
        assertTrue(e.isCme(CmeErrorCode.NO_NETWORK_SERVICE), e.getMessage());
    }

    @Test
    void identity_swap_at_runtime_is_seen_by_the_next_read() throws Exception {
        start(SimulatorConfig.DEFAULT, FAST);
        modem.initialise();
        assertEquals(Identity.DEFAULT.imsi(), modem.imsi());
        Identity replacement = Identity.of("460019876543210", "89860198765432109876", "490154203237518");

        sim.setIdentity(replacement);

        assertEquals(replacement.imsi(), modem.imsi());
        assertEquals(replacement.iccid(), modem.iccid());
        assertEquals(replacement.imei(), modem.imei());
    }

    @Test
    void reset_is_an_event_and_initialise_restores_settings() throws Exception {
        start(SimulatorConfig.DEFAULT, FAST);
        modem.initialise();
        sim.reset();

        ModemEvent.Reset r = next(ModemEvent.Reset.class);
        assertTrue(r.cause().startsWith("RDY"), r.cause());
        assertTrue(sim.status().echo(), "a reset modem echoes again");
        assertEquals(Identity.DEFAULT.imsi(), modem.imsi(), "echo is stripped even before re-initialising");
        modem.initialise();
        assertFalse(sim.status().echo());
    }

    @Test
    void reset_in_the_middle_of_an_answer_fails_that_command() throws Exception {
        start(SimulatorConfig.DEFAULT.withFaults(Faults.NONE.withResetAfterCommands(3)), FAST.withDialect(Dialect.QUECTEL));
        modem.engine().execute(io.vinbind.modem.at.AtCommand.action("ATE0")); // 1
        modem.simState();                                                         // 2
        assertThrows(AtResetException.class, modem::imsi);                        // 3: RDY cuts the answer
        next(ModemEvent.Reset.class);
    }

    @Test
    void hostile_modem_echo_urcs_and_garbage_everywhere_still_gives_correct_values() throws Exception {
        Faults hostile = Faults.NONE.withEcho(true).withUrcProbability(0.5).withGarbageProbability(0.5).withSeed(42);
        start(SimulatorConfig.DEFAULT.withFaults(hostile).withNetwork(NetworkOutcome.HOME, Duration.ZERO), FAST);
        for (int i = 0; i < 10; i++) {
            modem.initialise();
            assertEquals(SimState.READY, modem.simState());
            assertEquals(Identity.DEFAULT.imsi(), modem.imsi());
            assertEquals(Identity.DEFAULT.iccid(), modem.iccid());
            assertEquals(Identity.DEFAULT.imei(), modem.imei());
            assertEquals(RegistrationState.HOME, modem.registration().state());
        }
    }

    @Test
    void cme_error_fault_surfaces_as_typed_error() throws Exception {
        start(SimulatorConfig.DEFAULT.withFaults(Faults.NONE.withCmeErrors(Map.of("AT+CGSN", 100))), FAST);
        modem.initialise();
        AtErrorException e = assertThrows(AtErrorException.class, modem::imei);
        assertTrue(e.isCme(CmeErrorCode.UNKNOWN), e.getMessage());
    }

    @Test
    void mute_modem_times_out_and_becomes_unresponsive() throws Exception {
        start(SimulatorConfig.DEFAULT, FAST.withDialect(Dialect.QUECTEL));
        sim.setFaults(Faults.NONE.withMute(true));
        AtEngine engine = modem.engine();
        io.vinbind.modem.at.AtCommand at = io.vinbind.modem.at.AtCommand.action("AT").withTimeout(Duration.ofMillis(100));
        for (int i = 0; i < 3; i++) {
            assertThrows(AtTimeoutException.class, () -> engine.send(at));
        }
        ModemEvent.Unresponsive u = next(ModemEvent.Unresponsive.class);
        assertEquals(3, u.consecutiveTimeouts());
    }

    @Test
    void slow_modem_within_the_timeout_is_fine() throws Exception {
        start(SimulatorConfig.DEFAULT.withFaults(Faults.NONE.withResponseDelay(Duration.ofMillis(150))), FAST);
        modem.initialise();
        assertEquals(Identity.DEFAULT.imsi(), modem.imsi());
    }

    private <T extends ModemEvent> T next(Class<T> type) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < deadline) {
            ModemEvent e = events.poll(100, TimeUnit.MILLISECONDS);
            if (type.isInstance(e)) {
                return type.cast(e);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " within 3 s");
    }
}
