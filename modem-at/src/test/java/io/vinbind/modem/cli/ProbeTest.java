package io.vinbind.modem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemConfig;
import io.vinbind.modem.RegistrationState;
import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.link.InMemoryLinkPair;
import io.vinbind.modem.sim.Faults;
import io.vinbind.modem.sim.Identity;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.modem.sim.NetworkOutcome;
import io.vinbind.modem.sim.SimCard;
import io.vinbind.modem.sim.SimulatorConfig;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProbeTest {

    private final InMemoryLinkPair pair = InMemoryLinkPair.create("probe");
    private ModemSimulator sim;
    private Modem modem;

    private Modem modemOn(SimulatorConfig config) throws Exception {
        sim = ModemSimulator.start(pair.b(), config);
        modem = Modem.attach(AtEngine.start(pair.a()), ModemConfig.DEFAULT.withRegistrationPoll(Duration.ofMillis(50)));
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

    @Test
    void modem_resetting_during_the_probe_is_probed_again_from_initialisation() throws Exception {
        // the 4th command (after AT+CGMI detection, ATE0, AT+CMEE=1) is cut off by RDY
        modemOn(SimulatorConfig.DEFAULT.withFaults(Faults.NONE.withResetAfterCommands(4)));

        ProbeResult r = Probe.run(modem, Duration.ofSeconds(5));

        assertEquals(Identity.DEFAULT.imsi(), r.imsi());
        assertEquals(RegistrationState.HOME, r.registration().state());
        long ate0 = sim.receivedCommands().stream().filter("ATE0"::equals).count();
        assertEquals(2, ate0, "initialised again after the reset: " + sim.receivedCommands());
    }

    @Test
    void registration_that_does_not_complete_is_reported_not_failed() throws Exception {
        modemOn(SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.DENIED, Duration.ZERO));

        ProbeResult r = Probe.run(modem, Duration.ofSeconds(5));

        assertEquals(RegistrationState.DENIED, r.registration().state());
        assertTrue(r.operator().isEmpty());
    }

    @Test
    void sim_not_ready_is_exit_5_with_the_state() throws Exception {
        modemOn(SimulatorConfig.DEFAULT.withSimCard(SimCard.PIN_LOCKED));

        ProbeException e = assertThrows(ProbeException.class, () -> Probe.run(modem, Duration.ofSeconds(1)));

        assertEquals(Probe.EXIT_SIM, e.exitCode());
        assertEquals("SIM not ready: PIN_REQUIRED", e.getMessage());
    }
}
