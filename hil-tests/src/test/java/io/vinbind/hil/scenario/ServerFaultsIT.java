package io.vinbind.hil.scenario;

import static io.vinbind.hil.scenario.ScenarioSupport.BIND_BOUND;
import static io.vinbind.hil.scenario.ScenarioSupport.STEP_BOUND;
import static io.vinbind.hil.scenario.ScenarioSupport.flagOnDisk;
import static io.vinbind.hil.scenario.ScenarioSupport.state;
import static io.vinbind.terminal.machine.BindingState.BACKOFF;
import static io.vinbind.terminal.machine.BindingState.CONNECTING;
import static io.vinbind.terminal.machine.BindingState.LOGGING_IN;
import static io.vinbind.terminal.machine.BindingState.SUSPENDED;
import static io.vinbind.terminal.machine.BindingState.UPLOADING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.NetworkLink;
import io.vinbind.hil.bench.ServerApi;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.hil.bench.TransitionLog;
import io.vinbind.hil.bench.Waits;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.terminal.machine.BindingState;
import io.vinbind.terminal.state.FlagReason;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The server side going wrong: broker unreachable at the first ignition, the bind-ack lost because the
 * server restarted between the upload and the ack, and a modem the factory never registered. On the
 * embedded server and on Mosquitto + PostgreSQL.
 */
@ExtendWith(Servers.class)
class ServerFaultsIT {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.vinbind.hil.scenario.ScenarioSupport#backends")
    void broker_down_at_start_is_retried_until_it_is_back(ServerBackend backend, Servers servers) throws IOException {
        try (Bench bench = ScenarioSupport.bench(backend, servers).build()) {
            // embedded: the server and its broker really are down; Mosquitto is shared, so its route is cut
            boolean embedded = backend == ServerBackend.EMBEDDED;
            if (embedded) {
                bench.server().stop();
            } else {
                bench.link().setMode(NetworkLink.Mode.DOWN);
            }
            try {
                int mark = bench.log().mark();
                bench.ignition(PowerMode.ACC);
                TransitionLog.Transition first = bench.log().awaitEnter(mark, BACKOFF, STEP_BOUND);
                assertEquals(CONNECTING, first.from());
                assertTrue(first.cause().contains("broker"), first.cause());
                bench.log().awaitTransition(mark, t -> t.to() == BACKOFF && t.transition().attempt() >= 2, "a second failed attempt", STEP_BOUND);
                assertTrue(flagOnDisk(bench).isPresent(), "the flag stays set");
            } finally {
                if (embedded) {
                    bench.server().start();
                } else {
                    bench.link().setMode(NetworkLink.Mode.PASS);
                }
            }
            assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(0, BIND_BOUND).outcome());
            assertEquals(bench.modemIdentity().imsi().value(),
                    bench.api().bindingOfVin(bench.vin()).orElseThrow().imsi());
            assertFalse(state(bench).flagSet());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.vinbind.hil.scenario.ScenarioSupport#backends")
    @SuppressWarnings("try") // the hook is in force for the try block; it is not referenced in it
    void bind_ack_lost_in_a_server_restart_is_retried_with_one_history_row(ServerBackend backend, Servers servers)
            throws IOException {
        try (Bench bench = ScenarioSupport.bench(backend, servers).build()) {
            AtomicBoolean once = new AtomicBoolean();
            int mark = bench.log().mark();
            try (TransitionLog.Hook hook = bench.log().onEnter(UPLOADING, () -> {
                if (once.compareAndSet(false, true)) {
                    ModemFaultsIT.setMode(bench.link(), NetworkLink.Mode.DROP_DOWNSTREAM); // before the bind is sent
                }
            })) {
                bench.ignition(PowerMode.ACC);
                bench.log().awaitEnter(mark, UPLOADING, BIND_BOUND);
                // the server decided and committed, but its ack does not reach the terminal...
                ServerApi.BindingView committed = Waits.until("binding of " + bench.vin() + " on the server",
                        STEP_BOUND, () -> bench.api().bindingOfVin(bench.vin()));
                // ...and the server restarts before anything else happens
                bench.server().restart();
                bench.link().setMode(NetworkLink.Mode.PASS);

                TransitionLog.Bound bound = bench.log().awaitBindAck(mark, BIND_BOUND);
                assertEquals(BindOutcome.ALREADY_BOUND, bound.outcome(), "the retry finds the binding in place");
                List<BindingState> states = bench.log().statesSince(mark);
                assertTrue(states.indexOf(BACKOFF) > states.indexOf(UPLOADING), () -> "retried: " + states);
                assertEquals(2, states.stream().filter(s -> s == UPLOADING).count(), () -> "two uploads: " + states);

                List<ServerApi.HistoryRow> history = bench.api().historyOfVin(bench.vin());
                assertEquals(1, history.size(), () -> "one history row for one binding: " + history);
                assertEquals("BOUND", history.get(0).event());
                ServerApi.BindingView now = bench.api().bindingOfVin(bench.vin()).orElseThrow();
                assertEquals(committed.requestId(), now.requestId(), "the binding is the first upload's");
                assertNotEquals(committed.requestId().orElseThrow(), lastBindRequestId(bench, mark),
                        "the retry was a new attempt with a new requestId");
                assertFalse(state(bench).flagSet());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.vinbind.hil.scenario.ScenarioSupport#backends")
    void unknown_imsi_is_refused_and_binds_once_registered(ServerBackend backend, Servers servers) {
        try (Bench bench = ScenarioSupport.bench(backend, servers).registerModem(false).build()) {
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            TransitionLog.Transition suspended = bench.log().awaitEnter(mark, SUSPENDED, BIND_BOUND);
            assertEquals(LOGGING_IN, suspended.from());
            assertTrue(suspended.cause().contains("UNKNOWN_IMSI"), suspended.cause());
            assertFalse(bench.log().statesSince(mark).contains(UPLOADING), "no upload after a refused login");
            String imsi = bench.modemIdentity().imsi().value();
            assertTrue(bench.api().bindingOfImsi(imsi).isEmpty());
            assertTrue(bench.api().historyOfVin(bench.vin()).isEmpty());
            assertEquals(FlagReason.ASSEMBLY, flagOnDisk(bench).orElseThrow());

            // the factory's import arrives late; the next ignition binds
            bench.server().registerAtFactory(bench.modemIdentity());
            int again = bench.ignitionCycle(PowerMode.ACC, STEP_BOUND);
            assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(again, BIND_BOUND).outcome());
            assertEquals(bench.vin(), bench.api().bindingOfImsi(imsi).orElseThrow().vin());
        }
    }

    /** The requestId of the last upload, from the UPLOADING transition's cause. */
    private static String lastBindRequestId(Bench bench, int mark) {
        List<TransitionLog.Transition> uploads = bench.log().transitionsSince(mark).stream()
                .filter(t -> t.to() == UPLOADING).toList();
        String cause = uploads.get(uploads.size() - 1).cause();
        return cause.substring(cause.lastIndexOf("requestId ") + "requestId ".length()).trim();
    }
}
