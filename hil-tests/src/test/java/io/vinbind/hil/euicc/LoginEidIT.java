package io.vinbind.hil.euicc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.esim.bpp.ProfilePackage;
import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.modem.Apn;
import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemConfig;
import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.link.InMemoryLinkPair;
import io.vinbind.modem.sim.Faults;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.modem.sim.SimulatorConfig;
import io.vinbind.modem.sim.UiccFaults;
import io.vinbind.terminal.adapter.AtModemPort;
import io.vinbind.terminal.port.ModemIdentity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The EID a terminal's login reports, read by terminal-core's modem port from esim's eUICC simulator inside the modem
 * simulator (ES10c GetEID on a logical channel to the ISD-R, through the real AT engine), the way the daemon reads a
 * real eUICC: the simulator's EID comes back, on either channel path, and a card that hangs costs the bound at most.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LoginEidIT {

    static final String IMSI = "262010000099001";
    static final String ICCID = "8949000000000099001";
    static TestPki pki;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void pki() {
        pki = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 1);
    }

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private EuiccSimulator euicc(int n) {
        EuiccSimulator e = new EuiccSimulator(pki.issueEuicc(pki.eidNumber(n)), EuiccConfig.DEFAULT, null);
        e.preinstall(ProfilePackage.of(new Iccid(ICCID), IMSI, "bootstrap"), true);
        return e;
    }

    private AtModemPort port(EuiccSimulator euicc, UiccFaults faults) throws Exception {
        InMemoryLinkPair link = InMemoryLinkPair.create("login-eid");
        open.add(link);
        ModemSimulator sim = ModemSimulator.start(link.b(), SimulatorConfig.DEFAULT.withCard(EuiccWiring.card(euicc))
                .withFaults(Faults.NONE.withUicc(faults)));
        open.add(sim);
        Modem modem = Modem.attach(AtEngine.start(link.a()), ModemConfig.DEFAULT);
        open.add(modem);
        AtModemPort port = new AtModemPort(modem, Apn.of("iot"), Duration.ofSeconds(5), Duration.ofSeconds(5));
        open.add(port);
        return port;
    }

    @Test
    void the_eid_of_the_euicc_is_read_over_a_logical_channel() throws Exception {
        EuiccSimulator euicc = euicc(901);
        ModemIdentity id = port(euicc, UiccFaults.NONE).identify().get(30, TimeUnit.SECONDS);
        assertEquals(euicc.eid(), id.eid());
        assertEquals(IMSI, id.imsi());
        assertEquals("EG25", id.modemModel());
    }

    @Test
    void the_eid_is_read_through_at_csim_on_a_modem_without_ccho() throws Exception {
        EuiccSimulator euicc = euicc(902);
        ModemIdentity id = port(euicc, UiccFaults.NONE.withNoLogicalChannels(true)).identify().get(30, TimeUnit.SECONDS);
        assertEquals(euicc.eid(), id.eid());
    }

    @Test
    void an_euicc_that_answers_too_late_leaves_the_eid_out_within_the_bound() throws Exception {
        AtModemPort port = port(euicc(903), UiccFaults.NONE.withApduDelay(Duration.ofSeconds(5)));
        long t0 = System.nanoTime();
        ModemIdentity id = port.identify().get(30, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertNull(id.eid());
        assertTrue(ms < 2000 + 1500, "identify took " + ms + " ms; the EID read is bounded by 2 s");
    }
}
