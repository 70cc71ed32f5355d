package io.vinbind.modem.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.modem.RegistrationState;
import io.vinbind.modem.link.InMemoryLinkPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SimulatorControlTest {

    private final InMemoryLinkPair pair = InMemoryLinkPair.create("ctl");
    private final ModemSimulator sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT);
    private final SimulatorControl control = new SimulatorControl(sim);

    @AfterEach
    void tearDown() {
        sim.close();
        pair.close();
    }

    @Test
    void identity_line_swaps_all_three() {
        assertEquals("ok", control.apply("identity 460019876543210 89860198765432109876 490154203237518"));
        Identity id = sim.status().identity();
        assertEquals("460019876543210", id.imsi().value());
        assertEquals("89860198765432109876", id.iccid().value());
        assertEquals("490154203237518", id.imei().value());
    }

    @Test
    void single_identity_lines_keep_the_others() {
        assertEquals("ok", control.apply("imsi 310410123456789"));
        assertEquals("310410123456789", sim.status().identity().imsi().value());
        assertEquals(Identity.DEFAULT.imei(), sim.status().identity().imei());
    }

    @Test
    void sim_and_network_and_faults() {
        assertEquals("ok", control.apply("sim absent"));
        assertEquals(SimCard.ABSENT, sim.status().simCard());
        assertEquals(RegistrationState.NOT_SEARCHING, sim.status().registration());
        assertEquals("ok", control.apply("sim ready"));
        assertEquals("ok", control.apply("network denied 0"));
        assertEquals("ok", control.apply("mute on"));
        assertTrue(sim.status().faults().mute());
        assertEquals("ok", control.apply("urc-rate 0.5"));
        assertEquals(0.5, sim.status().faults().urcProbability());
        assertTrue(control.apply("status").contains("\"mute\":true"));
    }

    @Test
    void bad_lines_get_a_reason() {
        assertTrue(control.apply("imei 123").startsWith("error: IMEI must have 15 digits"));
        assertTrue(control.apply("sim maybe").startsWith("error: sim state must be"));
        assertTrue(control.apply("identity 1").startsWith("error: usage: identity"));
        assertTrue(control.apply("fly").startsWith("error: unknown command 'fly'"));
        assertTrue(control.apply("urc-rate 2").startsWith("error: probabilities must be in 0..1"));
    }
}
