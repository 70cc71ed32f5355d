package io.vinbind.hil.scenario;

import static io.vinbind.hil.scenario.ScenarioSupport.BIND_BOUND;
import static io.vinbind.hil.scenario.ScenarioSupport.STEP_BOUND;
import static io.vinbind.hil.scenario.ScenarioSupport.flagOnDisk;
import static io.vinbind.terminal.machine.BindingState.OFF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.sim.EcuFault;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.NetworkLink;
import io.vinbind.hil.bench.ServerApi;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.hil.bench.TerminalTimings;
import io.vinbind.hil.bench.TransitionLog;
import io.vinbind.modem.sim.Faults;
import io.vinbind.modem.sim.NetworkOutcome;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.terminal.machine.BindingState;
import io.vinbind.terminal.machine.RetryPolicy;
import io.vinbind.terminal.state.FlagReason;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Scenario "ignition OFF in every state": the first binding attempt is held in one state (by a fault that
 * makes that step slow), the ignition goes OFF there, and the next ignition resumes. Expected: the state is
 * left for OFF at once, the flag stays set on disk, nothing is bound by the aborted attempt (except from
 * UPLOADING, where the request already reached the server), and the next ACC binds with one history row.
 */
@ExtendWith(Servers.class)
class IgnitionOffIT {

    @ParameterizedTest(name = "OFF while {0}")
    @EnumSource(value = BindingState.class, names = {"READING_VIN", "IDENTIFYING_MODEM", "ATTACHING", "CONNECTING",
        "LOGGING_IN", "UPLOADING", "BACKOFF"})
    @SuppressWarnings("try") // the hook is in force for the try block; it is not referenced in it
    void ignition_off_stops_the_attempt_and_the_next_ignition_resumes(BindingState held, Servers servers)
            throws IOException {
        Bench.Builder builder = ScenarioSupport.bench(ServerBackend.EMBEDDED, servers);
        if (held == BindingState.BACKOFF) {
            // a backoff long enough to turn the key in it: 2 s, no jitter
            TerminalTimings fast = TerminalTimings.fast();
            builder.timings(fast.withMachine(fast.machine().withRetry(
                    new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(2), 1.0, 0.0, 30))));
        }
        try (Bench bench = builder.build()) {
            AtomicBoolean armed = new AtomicBoolean(true);
            try (TransitionLog.Hook hook = bench.log().onEnter(held, () -> {
                if (armed.get() && (held == BindingState.LOGGING_IN || held == BindingState.UPLOADING)) {
                    ModemFaultsIT.setMode(bench.link(), NetworkLink.Mode.DROP_DOWNSTREAM); // the ack never comes
                }
            })) {
                hold(bench, held, true);
                int mark = bench.log().mark();
                bench.ignition(PowerMode.ACC);
                bench.log().awaitEnter(mark, held, BIND_BOUND);
                int off = bench.log().mark();
                bench.ignition(PowerMode.OFF);
                TransitionLog.Transition stopped = bench.log().awaitEnter(off, OFF, STEP_BOUND);
                assertEquals(held, stopped.from(), () -> "left " + held + " for OFF: " + bench.log());
                assertEquals(List.of(OFF), bench.log().statesSince(off), "nothing runs after OFF");

                assertEquals(FlagReason.ASSEMBLY, flagOnDisk(bench).orElseThrow(), "the flag stays set");
                if (held != BindingState.UPLOADING) {
                    assertTrue(bench.api().bindingOfVin(bench.vin()).isEmpty(), "nothing bound by the aborted attempt");
                }

                armed.set(false);
                hold(bench, held, false);
            }
            int resume = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            BindOutcome outcome = bench.log().awaitBindAck(resume, BIND_BOUND).outcome();
            assertEquals(held == BindingState.UPLOADING ? BindOutcome.ALREADY_BOUND : BindOutcome.BOUND, outcome,
                    "an upload that reached the server before OFF is found in place");
            assertEquals(BindingState.READING_VIN, bench.log().statesSince(resume).get(0), "a fresh attempt");
            assertFalse(flagOnDisk(bench).isPresent(), "flag cleared by the resumed attempt");
            List<ServerApi.HistoryRow> history = bench.api().historyOfVin(bench.vin());
            assertEquals(1, history.size(), () -> "one binding, one history row: " + history);
        }
    }

    /** Makes the step of {@code state} slow (or normal again), with the fault a vehicle would show there. */
    private static void hold(Bench bench, BindingState state, boolean on) throws IOException {
        switch (state) {
            // a silent ECU keeps the terminal reading (and, with a long retry delay, backing off)
            case READING_VIN, BACKOFF -> bench.ecuFault(on ? new EcuFault.Silence() : new EcuFault.None());
            // a slow modem: every AT answer 500 ms late, identification takes seconds
            case IDENTIFYING_MODEM -> bench.modem().setFaults(on
                    ? Faults.NONE.withResponseDelay(Duration.ofMillis(500)) : Faults.NONE);
            // the network search restarts and takes longer than the attach bound
            case ATTACHING -> bench.modem().setNetwork(NetworkOutcome.HOME, on ? Duration.ofSeconds(8)
                    : Duration.ofMillis(100));
            // a black-holed route: CONNECT gets no CONNACK
            case CONNECTING -> bench.link().setMode(on ? NetworkLink.Mode.STALL : NetworkLink.Mode.PASS);
            // the ack is dropped by the network (armed by the hook on entering the state)
            case LOGGING_IN, UPLOADING -> {
                if (!on) {
                    bench.link().setMode(NetworkLink.Mode.PASS);
                }
            }
            default -> throw new IllegalArgumentException("no way to hold the machine in " + state);
        }
    }
}
