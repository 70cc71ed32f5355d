package io.vinbind.hil.scenario;

import static io.vinbind.hil.scenario.ScenarioSupport.BIND_BOUND;
import static io.vinbind.hil.scenario.ScenarioSupport.state;
import static io.vinbind.terminal.machine.BindingState.ATTACHING;
import static io.vinbind.terminal.machine.BindingState.BOUND;
import static io.vinbind.terminal.machine.BindingState.CONNECTING;
import static io.vinbind.terminal.machine.BindingState.IDENTIFYING_MODEM;
import static io.vinbind.terminal.machine.BindingState.LOGGING_IN;
import static io.vinbind.terminal.machine.BindingState.READING_VIN;
import static io.vinbind.terminal.machine.BindingState.UPLOADING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.CanTransport;
import io.vinbind.hil.bench.ModemTransport;
import io.vinbind.hil.bench.ServerApi;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.terminal.state.BoundIdentity;
import io.vinbind.terminal.state.StateReading;
import io.vinbind.terminal.state.TerminalState;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario "first assembly": a terminal fresh from assembly (no state file) in a vehicle whose modem the
 * factory registered; first ACC. Expected: the full path READING_VIN → … → UPLOADING → BOUND, the server
 * binds IMSI ↔ VIN (BOUND, reason ASSEMBLY, one history row), the state file holds the flag cleared and
 * the bound identity.
 */
@ExtendWith(Servers.class)
class FirstAssemblyIT {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.vinbind.hil.scenario.ScenarioSupport#backends")
    void binds_on_first_ignition_over_pty_transports(ServerBackend backend, Servers servers) {
        try (Bench bench = ScenarioSupport.bench(backend, servers).build()) {
            firstAssembly(bench);
        }
    }

    /** The same scenario over the other CAN transports (vcan0 where the kernel has it, the in-JVM bus). */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = CanTransport.class, names = {"SOCKETCAN_VCAN", "IN_JVM"})
    void binds_on_first_ignition_over_other_can_transports(CanTransport can, Servers servers) {
        ModemTransport modem = can == CanTransport.IN_JVM ? ModemTransport.IN_JVM : ModemTransport.PTY;
        try (Bench bench = ScenarioSupport.bench(ServerBackend.EMBEDDED, servers, can, modem).build()) {
            firstAssembly(bench);
        }
    }

    private static void firstAssembly(Bench bench) {
        assertInstanceOf(StateReading.Missing.class, bench.readState(), "a terminal fresh from assembly has no state");
        assertTrue(bench.api().bindingOfVin(bench.vin()).isEmpty(), "the vehicle is not bound before");

        int mark = bench.log().mark();
        bench.ignition(PowerMode.ACC);
        assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(mark, BIND_BOUND).outcome());

        assertEquals(List.of(READING_VIN, IDENTIFYING_MODEM, ATTACHING, CONNECTING, LOGGING_IN, UPLOADING, BOUND),
                bench.log().statesSince(mark), () -> bench.log().toString());
        assertEquals(List.of(BindOutcome.BOUND), bench.log().outcomesSince(mark));
        assertTrue(bench.ecu().vinRequests() >= 2, "two VIN reads must agree before the VIN is trusted");

        TerminalState persisted = state(bench);
        assertFalse(persisted.flagSet(), "flag cleared after the matching bind-ack");
        BoundIdentity bound = persisted.lastBound().orElseThrow();
        assertEquals(bench.vin(), bound.vin());
        assertEquals(bench.modemIdentity().imsi().value(), bound.imsi());
        assertEquals(bench.modemIdentity().iccid().value(), bound.iccid());
        assertEquals(bench.modemIdentity().imei().value(), bound.imei());

        ServerApi.BindingView binding = bench.api().bindingOfVin(bench.vin()).orElseThrow();
        assertEquals(bench.modemIdentity().imsi().value(), binding.imsi());
        assertEquals(bench.vin(), bench.api().bindingOfImsi(binding.imsi()).orElseThrow().vin());
        List<ServerApi.HistoryRow> history = bench.api().historyOfVin(bench.vin());
        assertEquals(1, history.size(), () -> "history: " + history);
        assertEquals("BOUND", history.get(0).event());
        assertEquals(binding.imsi(), history.get(0).imsi().orElseThrow());
        assertEquals("ASSEMBLY", history.get(0).reason().orElseThrow());
    }
}
