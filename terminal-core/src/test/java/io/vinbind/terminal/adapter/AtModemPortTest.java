package io.vinbind.terminal.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.modem.Apn;
import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemConfig;
import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.link.InMemoryLinkPair;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.modem.sim.NetworkOutcome;
import io.vinbind.modem.sim.SimCard;
import io.vinbind.modem.sim.SimulatorConfig;
import io.vinbind.terminal.port.ModemException;
import io.vinbind.terminal.port.ModemIdentity;
import io.vinbind.terminal.port.ModemPort;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The AT modem port against the modem-at simulator through the real AT engine. */
class AtModemPortTest {

    InMemoryLinkPair link;
    ModemSimulator sim;
    Modem modem;
    AtModemPort port;
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    void start(SimulatorConfig config) throws Exception {
        link = InMemoryLinkPair.create("at-port-test");
        sim = ModemSimulator.start(link.b(), config);
        modem = Modem.attach(AtEngine.start(link.a()), ModemConfig.DEFAULT);
        port = new AtModemPort(modem, Apn.of("cmnet"), Duration.ofSeconds(2), Duration.ofSeconds(2));
        port.setListener(new ModemPort.ModemEvents() {
            @Override
            public void modemReset(String detail) {
                events.add("reset: " + detail);
            }

            @Override
            public void dataLost(String detail) {
                events.add("data lost: " + detail);
            }
        });
    }

    @AfterEach
    void tearDown() {
        if (port != null) {
            port.close();
            modem.close();
            sim.close();
            link.close();
        }
    }

    ModemException failure(java.util.concurrent.CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(ModemException.class, e.getCause());
    }

    @Test
    void identifies_and_attaches_a_ready_modem() throws Exception {
        start(SimulatorConfig.DEFAULT);
        ModemIdentity id = port.identify().get(10, TimeUnit.SECONDS);
        assertEquals(new ModemIdentity("460001234567890", "89860012345678901234", "867698041234561"), id);
        port.attach().get(10, TimeUnit.SECONDS);
        assertTrue(sim.receivedCommands().stream().anyMatch(c -> c.startsWith("AT+QIACT=")), sim.receivedCommands()::toString);
    }

    @Test
    void absent_sim_is_reported_as_needing_a_person() throws Exception {
        start(SimulatorConfig.DEFAULT.withSimCard(SimCard.ABSENT));
        ModemException e = failure(port.identify());
        assertEquals(ModemException.Kind.SIM_ABSENT, e.kind());
        assertTrue(e.kind().needsPerson());
    }

    @Test
    void pin_locked_sim_is_reported_as_locked() throws Exception {
        start(SimulatorConfig.DEFAULT.withSimCard(SimCard.PIN_LOCKED));
        assertEquals(ModemException.Kind.SIM_LOCKED, failure(port.identify()).kind());
    }

    @Test
    void denied_registration_is_reported_as_such() throws Exception {
        start(SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.DENIED, Duration.ofMillis(50)));
        port.identify().get(10, TimeUnit.SECONDS);
        assertEquals(ModemException.Kind.REGISTRATION_DENIED, failure(port.attach()).kind());
    }

    @Test
    void no_coverage_ends_at_the_registration_bound() throws Exception {
        start(SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.NO_COVERAGE, Duration.ofMillis(50)));
        port.identify().get(10, TimeUnit.SECONDS);
        assertEquals(ModemException.Kind.NO_NETWORK, failure(port.attach()).kind());
    }

    @Test
    void dropped_data_context_and_modem_reset_become_events() throws Exception {
        start(SimulatorConfig.DEFAULT);
        port.identify().get(10, TimeUnit.SECONDS);
        port.attach().get(10, TimeUnit.SECONDS);
        sim.dropDataContext();
        String first = events.poll(5, TimeUnit.SECONDS);
        assertTrue(first != null && first.startsWith("data lost: context 1"), String.valueOf(first));
        sim.reset();
        String second = events.poll(5, TimeUnit.SECONDS);
        assertTrue(second != null && second.startsWith("reset: "), String.valueOf(second));
    }
}
