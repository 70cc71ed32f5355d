package io.vinbind.modem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.link.InMemoryLinkPair;
import io.vinbind.modem.sim.Identity;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.modem.sim.ScriptedCard;
import io.vinbind.modem.sim.SimCard;
import io.vinbind.modem.sim.SimulatorConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Modem#refreshSim}: the card read anew after a profile switch, by AT+CFUN or a restart, bounded. */
class SimRefreshTest {

    private final InMemoryLinkPair pair = InMemoryLinkPair.create("refresh-test");
    private ModemSimulator sim;
    private Modem modem;

    private Modem start(SimulatorConfig config) throws Exception {
        sim = ModemSimulator.start(pair.b(), config);
        modem = Modem.attach(AtEngine.start(pair.a()), ModemConfig.DEFAULT.withDialect(Dialect.QUECTEL));
        modem.initialise();
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

    private ScriptedCard switchingCard() {
        ScriptedCard card = ScriptedCard.euiccLike();
        card.switchAtPowerUp("262010000000002", "8949000000000001002");
        return card;
    }

    @Test
    void cfun_cycle_makes_the_modem_read_the_switched_profile() throws Exception {
        ScriptedCard card = switchingCard();
        start(SimulatorConfig.DEFAULT.withCard(card));
        assertEquals("262010000000001", modem.imsi().value(), "the enable waits for a refresh");

        SimIdentity after = modem.refreshSim(SimRefresh.cfunCycle(), Duration.ofSeconds(20));

        assertEquals("262010000000002", after.imsi().value());
        assertEquals("8949000000000001002", after.iccid().value());
        assertEquals(1, card.powerUps());
        List<String> sent = sim.receivedCommands();
        int off = sent.lastIndexOf("AT+CFUN=0");
        assertTrue(off >= 0 && sent.indexOf("AT+CFUN=1") > off, sent.toString());
    }

    @Test
    void restart_waits_for_the_reset_and_initialises_again() throws Exception {
        ScriptedCard card = switchingCard();
        start(SimulatorConfig.DEFAULT.withCard(card));
        BlockingQueue<ModemEvent> events = new LinkedBlockingQueue<>();
        modem.onEvent(events::add);

        SimIdentity after = modem.refreshSim(SimRefresh.restart(), Duration.ofSeconds(20));

        assertEquals("262010000000002", after.imsi().value());
        assertTrue(events.poll(5, TimeUnit.SECONDS) instanceof ModemEvent.Reset);
        List<String> sent = sim.receivedCommands();
        assertTrue(sent.lastIndexOf("ATE0") > sent.indexOf("AT+CFUN=1,1"), "initialised again: " + sent);
        assertTrue(sent.lastIndexOf("AT+CMEE=1") > sent.indexOf("AT+CFUN=1,1"), sent.toString());
    }

    @Test
    void plain_usim_keeps_its_identity() throws Exception {
        start(SimulatorConfig.DEFAULT);
        SimIdentity after = modem.refreshSim(SimRefresh.cfunCycle(), Duration.ofSeconds(20));
        assertEquals(Identity.DEFAULT.imsi(), after.imsi());
        assertEquals(Identity.DEFAULT.iccid(), after.iccid());
    }

    @Test
    void a_sim_that_does_not_come_back_fails_within_the_bound_with_its_last_state() throws Exception {
        start(SimulatorConfig.DEFAULT.withSimCard(SimCard.ABSENT));
        long t0 = System.nanoTime();
        SimRefreshException e = assertThrows(SimRefreshException.class,
                () -> modem.refreshSim(SimRefresh.cfunCycle(), Duration.ofSeconds(2)));
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(8).toNanos());
        assertEquals(SimState.NOT_INSERTED, e.lastState().orElseThrow());
    }

    @Test
    void a_vendor_command_is_sent_as_configured() throws Exception {
        start(SimulatorConfig.DEFAULT.withCard(switchingCard()));
        // a stand-in for a vendor's SIM reset: a command that leaves the SIM powered down never brings it back
        SimRefreshException e = assertThrows(SimRefreshException.class,
                () -> modem.refreshSim(SimRefresh.vendor("AT+CFUN=0", Duration.ofSeconds(5)), Duration.ofSeconds(1)));
        assertEquals(SimState.FAILURE, e.lastState().orElseThrow());
        assertTrue(sim.receivedCommands().contains("AT+CFUN=0"));
    }

    @Test
    void a_card_without_a_subscription_is_answered_at_once_not_waited_for() throws Exception {
        start(SimulatorConfig.DEFAULT.withCard(new ScriptedCard(ScriptedCard.ISD_R, null, null)));
        long t0 = System.nanoTime();
        io.vinbind.modem.at.AtErrorException e = assertThrows(io.vinbind.modem.at.AtErrorException.class,
                () -> modem.refreshSim(SimRefresh.cfunCycle(), Duration.ofSeconds(20)));
        assertTrue(e.getMessage().startsWith("AT+CIMI: modem answered +CME ERROR: 10"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "not waited to the bound");
    }
}
