package io.vinbind.hil.scenario;

import static io.vinbind.hil.scenario.ScenarioSupport.BIND_BOUND;
import static io.vinbind.hil.scenario.ScenarioSupport.STEP_BOUND;
import static io.vinbind.hil.scenario.ScenarioSupport.flagOnDisk;
import static io.vinbind.terminal.machine.BindingState.ATTACHING;
import static io.vinbind.terminal.machine.BindingState.BACKOFF;
import static io.vinbind.terminal.machine.BindingState.BOUND;
import static io.vinbind.terminal.machine.BindingState.CONNECTING;
import static io.vinbind.terminal.machine.BindingState.IDENTIFYING_MODEM;
import static io.vinbind.terminal.machine.BindingState.LOGGING_IN;
import static io.vinbind.terminal.machine.BindingState.SUSPENDED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.NetworkLink;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.hil.bench.TransitionLog;
import io.vinbind.modem.sim.NetworkOutcome;
import io.vinbind.modem.sim.SimCard;
import io.vinbind.protocol.BindOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The modem misbehaving on the real AT path (pty pair, jSerialComm): no SIM, registration denied, late
 * registration, a modem reset in the middle of the login. Terminal-side behaviour, run on the embedded
 * server.
 */
@ExtendWith(Servers.class)
class ModemFaultsIT {

    @Test
    void missing_sim_suspends_until_a_sim_is_inserted_and_the_ignition_turned(Servers servers) {
        try (Bench bench = ScenarioSupport.bench(ServerBackend.EMBEDDED, servers)
                .modemSim(c -> c.withSimCard(SimCard.ABSENT)).build()) {
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            TransitionLog.Transition suspended = bench.log().awaitEnter(mark, SUSPENDED, STEP_BOUND);
            assertEquals(IDENTIFYING_MODEM, suspended.from());
            assertTrue(suspended.cause().contains("SIM_ABSENT"), suspended.cause());
            assertFalse(bench.log().statesSince(mark).contains(BACKOFF), "waiting cannot insert a SIM");
            assertTrue(flagOnDisk(bench).isPresent(), "the flag stays set");

            bench.modem().setSimCard(SimCard.READY);
            int again = bench.ignitionCycle(PowerMode.ACC, STEP_BOUND);
            assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(again, BIND_BOUND).outcome());
        }
    }

    @Test
    void denied_registration_is_retried_until_the_network_accepts(Servers servers) {
        try (Bench bench = ScenarioSupport.bench(ServerBackend.EMBEDDED, servers)
                .modemSim(c -> c.withNetwork(NetworkOutcome.DENIED, Duration.ofMillis(100))).build()) {
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            TransitionLog.Transition backoff = bench.log().awaitEnter(mark, BACKOFF, STEP_BOUND);
            assertEquals(ATTACHING, backoff.from());
            assertTrue(backoff.cause().contains("REGISTRATION_DENIED"), backoff.cause());
            assertTrue(bench.api().bindingOfVin(bench.vin()).isEmpty());

            bench.modem().setNetwork(NetworkOutcome.HOME, Duration.ofMillis(100));
            assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(mark, BIND_BOUND).outcome());
        }
    }

    @Test
    void late_registration_is_waited_for_within_the_attach_bound(Servers servers) {
        try (Bench bench = ScenarioSupport.bench(ServerBackend.EMBEDDED, servers).build()) {
            // the network search starts again now and ends after 2 s: inside the 4 s registration bound
            bench.modem().setNetwork(NetworkOutcome.HOME, Duration.ofMillis(2000));
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(mark, BIND_BOUND).outcome());
            assertFalse(bench.log().statesSince(mark).contains(BACKOFF), () -> bench.log().toString());
            TransitionLog.Transition attaching = bench.log().firstEnter(mark, ATTACHING).orElseThrow();
            TransitionLog.Transition connecting = bench.log().firstEnter(mark, CONNECTING).orElseThrow();
            long attachMs = (connecting.nanos() - attaching.nanos()) / 1_000_000;
            assertTrue(attachMs >= 1000, "the terminal waited for the registration (" + attachMs + " ms)");
        }
    }

    @Test
    @SuppressWarnings("try") // the hook is in force for the try block; it is not referenced in it
    void modem_reset_during_login_aborts_the_attempt_and_the_retry_binds(Servers servers) throws IOException {
        try (Bench bench = ScenarioSupport.bench(ServerBackend.EMBEDDED, servers).build()) {
            // hold the login-ack in the network so the reset lands while the terminal waits for it
            AtomicBoolean once = new AtomicBoolean();
            try (TransitionLog.Hook hook = bench.log().onEnter(LOGGING_IN, () -> {
                if (once.compareAndSet(false, true)) {
                    setMode(bench.link(), NetworkLink.Mode.DROP_DOWNSTREAM);
                }
            })) {
                int mark = bench.log().mark();
                bench.ignition(PowerMode.ACC);
                bench.log().awaitEnter(mark, LOGGING_IN, STEP_BOUND);
                bench.modem().reset();
                TransitionLog.Transition backoff = bench.log().awaitEnter(mark, BACKOFF, STEP_BOUND);
                assertEquals(LOGGING_IN, backoff.from());
                assertTrue(backoff.cause().contains("reset"), backoff.cause());
                bench.link().setMode(NetworkLink.Mode.PASS);

                assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(mark, BIND_BOUND).outcome());
                assertTrue(bench.log().statesSince(mark).indexOf(BOUND) > bench.log().statesSince(mark).indexOf(BACKOFF));
                assertEquals(1, bench.api().historyOfVin(bench.vin()).size());
            }
        }
    }

    static void setMode(NetworkLink link, NetworkLink.Mode mode) {
        try {
            link.setMode(mode);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
