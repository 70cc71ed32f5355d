package io.vinbind.hil.scenario;

import static io.vinbind.hil.scenario.ScenarioSupport.BIND_BOUND;
import static io.vinbind.hil.scenario.ScenarioSupport.IDS;
import static io.vinbind.hil.scenario.ScenarioSupport.STEP_BOUND;
import static io.vinbind.hil.scenario.ScenarioSupport.state;
import static io.vinbind.terminal.machine.BindingState.BOUND;
import static io.vinbind.terminal.machine.BindingState.IDENTIFYING_MODEM;
import static io.vinbind.terminal.machine.BindingState.OFF;
import static io.vinbind.terminal.machine.BindingState.READING_VIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.ServerApi;
import io.vinbind.hil.bench.ServerApi.HistoryRow;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.hil.bench.TransitionLog;
import io.vinbind.modem.sim.Identity;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.terminal.state.FlagReason;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenarios after a first binding: nothing changed, the modem changed, the terminal moved, the terminal was
 * replaced, and two terminals claim one VIN at once. Each runs on the embedded server and on
 * Mosquitto + PostgreSQL.
 */
@ExtendWith(Servers.class)
class RebindingIT {

    /** Binds {@code bench} on its first ignition and returns the bound outcome. */
    private static void firstBinding(Bench bench) {
        int mark = bench.log().mark();
        bench.ignition(PowerMode.ACC);
        assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(mark, BIND_BOUND).outcome(),
                () -> bench.log().toString());
    }

    private static String imsi(Identity id) {
        return id.imsi().value();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.vinbind.hil.scenario.ScenarioSupport#backends")
    void second_ignition_after_a_bind_uploads_nothing(ServerBackend backend, Servers servers) {
        try (Bench bench = ScenarioSupport.bench(backend, servers).build()) {
            firstBinding(bench);
            long bindsBefore = bench.api().counter("bind.received");

            int mark = bench.ignitionCycle(PowerMode.ON, STEP_BOUND);
            bench.log().awaitEnter(mark, BOUND, BIND_BOUND);

            assertEquals(List.of(READING_VIN, IDENTIFYING_MODEM, BOUND), bench.log().statesSince(mark),
                    "VIN and modem unchanged: checked, nothing uploaded");
            TransitionLog.Decision decision = bench.log().since(mark).stream()
                    .filter(e -> e instanceof TransitionLog.Decision).map(e -> (TransitionLog.Decision) e)
                    .findFirst().orElseThrow();
            assertFalse(decision.decision().mustBind(), decision.decision().explanation());
            assertEquals(bindsBefore, bench.api().counter("bind.received"), "the server received no upload");
            assertEquals(1, bench.api().historyOfVin(bench.vin()).size());
            assertFalse(state(bench).flagSet());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.vinbind.hil.scenario.ScenarioSupport#backends")
    void replaced_modem_is_rebound_and_the_old_pair_kept_in_history(ServerBackend backend, Servers servers) {
        try (Bench bench = ScenarioSupport.bench(backend, servers).build()) {
            firstBinding(bench);
            Identity oldModem = bench.modemIdentity();
            Identity newModem = IDS.modem();

            int off = bench.log().mark();
            bench.ignition(PowerMode.OFF);
            bench.log().awaitEnter(off, OFF, STEP_BOUND);
            bench.replaceModem(newModem, true);
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            TransitionLog.Bound bound = bench.log().awaitBindAck(mark, BIND_BOUND);

            assertEquals(BindOutcome.REBOUND, bound.outcome());
            assertEquals(imsi(newModem), bound.identity().imsi());
            assertEquals(imsi(newModem), bench.api().bindingOfVin(bench.vin()).orElseThrow().imsi());
            assertTrue(bench.api().bindingOfImsi(imsi(oldModem)).isEmpty(), "the old modem's pair is released");
            List<HistoryRow> history = bench.api().historyOfVin(bench.vin());
            assertEquals(List.of("BOUND", "RELEASED", "REBOUND"), history.stream().map(HistoryRow::event).toList(),
                    () -> "history " + history);
            assertEquals("MODEM_REPLACED", history.get(2).reason().orElseThrow());
            assertEquals(imsi(oldModem), history.get(2).previousImsi().orElseThrow());
            assertEquals(imsi(newModem), state(bench).lastBound().orElseThrow().imsi());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.vinbind.hil.scenario.ScenarioSupport#backends")
    void terminal_moved_to_another_vehicle_uploads_the_changed_vin(ServerBackend backend, Servers servers) {
        try (Bench bench = ScenarioSupport.bench(backend, servers).build()) {
            firstBinding(bench);
            String oldVin = bench.vin();
            String newVin = IDS.vin();
            String imsi = imsi(bench.modemIdentity());

            int off = bench.log().mark();
            bench.ignition(PowerMode.OFF);
            bench.log().awaitEnter(off, OFF, STEP_BOUND);
            bench.replaceVehicle(newVin);
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            TransitionLog.Bound bound = bench.log().awaitBindAck(mark, BIND_BOUND);

            TransitionLog.Decision decision = bench.log().since(mark).stream()
                    .filter(e -> e instanceof TransitionLog.Decision).map(e -> (TransitionLog.Decision) e)
                    .findFirst().orElseThrow();
            assertEquals(FlagReason.VIN_CHANGED, decision.decision().reason().orElseThrow());
            assertEquals(BindOutcome.REBOUND, bound.outcome());
            assertEquals(newVin, bench.api().bindingOfImsi(imsi).orElseThrow().vin());
            assertTrue(bench.api().bindingOfVin(oldVin).isEmpty(), "the old vehicle has no live binding");
            HistoryRow rebound = last(bench.api().historyOfVin(newVin));
            assertEquals("REBOUND", rebound.event());
            assertEquals("VIN_CHANGED", rebound.reason().orElseThrow());
            assertEquals(oldVin, rebound.previousVin().orElseThrow());
            assertEquals(newVin, state(bench).lastBound().orElseThrow().vin());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.vinbind.hil.scenario.ScenarioSupport#backends")
    void terminal_replaced_on_a_bound_vehicle_releases_the_old_pair(ServerBackend backend, Servers servers) {
        try (Bench bench = ScenarioSupport.bench(backend, servers).build()) {
            firstBinding(bench);
            String oldImsi = imsi(bench.modemIdentity());
            String oldTerminal = bench.terminalId();
            Identity newTerminalModem = IDS.modem();

            int off = bench.log().mark();
            bench.ignition(PowerMode.OFF);
            bench.log().awaitEnter(off, OFF, STEP_BOUND);
            bench.replaceTerminal(newTerminalModem);
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            TransitionLog.Bound bound = bench.log().awaitBindAck(mark, BIND_BOUND);

            assertEquals(BindOutcome.REBOUND, bound.outcome(), "the vehicle's old pair is released by the new upload");
            assertEquals(imsi(newTerminalModem), bench.api().bindingOfVin(bench.vin()).orElseThrow().imsi());
            assertTrue(bench.api().bindingOfImsi(oldImsi).isEmpty(), "the old terminal's IMSI is unbound");
            List<HistoryRow> history = bench.api().historyOfVin(bench.vin());
            assertEquals(List.of("BOUND", "RELEASED", "TERMINAL_REPLACED", "REBOUND"),
                    history.stream().map(HistoryRow::event).toList(), () -> "history " + history);
            assertEquals(oldImsi, history.get(1).imsi().orElseThrow());
            HistoryRow replaced = history.get(2);
            assertEquals(bench.terminalId(), replaced.terminalId().orElseThrow(), "the new terminal made the binding");
            assertEquals(oldTerminal, replaced.previousTerminalId().orElseThrow(), "the old terminal is named");
            assertEquals("ASSEMBLY", history.get(3).reason().orElseThrow(), "a new terminal uploads as assembled");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.vinbind.hil.scenario.ScenarioSupport#backends")
    void two_terminals_claiming_one_vin_at_once_leave_one_live_binding(ServerBackend backend, Servers servers) {
        String vin = IDS.vin();
        try (Bench a = ScenarioSupport.bench(backend, servers).name("claim-a").vin(vin).build();
             Bench b = ScenarioSupport.bench(backend, servers).name("claim-b").vin(vin).build()) {
            int markA = a.log().mark();
            int markB = b.log().mark();
            CompletableFuture.allOf(CompletableFuture.runAsync(() -> a.ignition(PowerMode.ACC)),
                    CompletableFuture.runAsync(() -> b.ignition(PowerMode.ACC))).join();
            BindOutcome outcomeA = a.log().awaitBindAck(markA, BIND_BOUND).outcome();
            BindOutcome outcomeB = b.log().awaitBindAck(markB, BIND_BOUND).outcome();

            assertEquals(Set.of(BindOutcome.BOUND, BindOutcome.REBOUND), Set.of(outcomeA, outcomeB),
                    "one binds first, the other rebinds the VIN to itself");
            Bench winner = outcomeA == BindOutcome.REBOUND ? a : b;
            Bench loser = winner == a ? b : a;
            ServerApi api = a.api();
            assertEquals(imsi(winner.modemIdentity()), api.bindingOfVin(vin).orElseThrow().imsi(),
                    "the later upload holds the VIN");
            assertTrue(api.bindingOfImsi(imsi(loser.modemIdentity())).isEmpty(), "one VIN, one live binding");
            List<HistoryRow> history = api.historyOfVin(vin);
            assertEquals(List.of("BOUND", "RELEASED", "TERMINAL_REPLACED", "REBOUND"),
                    history.stream().map(HistoryRow::event).toList(), () -> "history " + history);
            assertEquals(imsi(loser.modemIdentity()), history.get(0).imsi().orElseThrow());
            assertEquals(loser.terminalId(), history.get(2).previousTerminalId().orElseThrow(),
                    "the history names the terminal that lost the VIN");
            assertEquals(winner.terminalId(), history.get(3).terminalId().orElseThrow());
        }
    }

    private static HistoryRow last(List<HistoryRow> rows) {
        assertFalse(rows.isEmpty(), "history is empty");
        return rows.get(rows.size() - 1);
    }
}
