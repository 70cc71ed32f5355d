package io.vinbind.hil.scenario;

import static io.vinbind.hil.scenario.ScenarioSupport.BIND_BOUND;
import static io.vinbind.hil.scenario.ScenarioSupport.STEP_BOUND;
import static io.vinbind.hil.scenario.ScenarioSupport.flagOnDisk;
import static io.vinbind.terminal.machine.BindingState.BACKOFF;
import static io.vinbind.terminal.machine.BindingState.IDENTIFYING_MODEM;
import static io.vinbind.terminal.machine.BindingState.READING_VIN;
import static io.vinbind.terminal.machine.BindingState.SUSPENDED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.sim.EcuFault;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.hil.bench.TransitionLog;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.terminal.state.FlagReason;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The smart-key ECU misbehaving on the real CAN path (SLCAN over a pty pair): silent, refusing with an NRC,
 * answering after bursts of response-pending, sending a VIN with a wrong check digit. What matters is what
 * the terminal does about it and that nothing wrong reaches the server; the server side is the same for
 * every backend, so these run on the embedded server.
 */
@ExtendWith(Servers.class)
class SmartKeyFaultsIT {

    private static Bench bench(Servers servers, EcuFault fault) {
        return ScenarioSupport.bench(ServerBackend.EMBEDDED, servers).ecuFault(fault).build();
    }

    @Test
    void silent_smart_key_is_retried_until_it_answers(Servers servers) {
        try (Bench bench = bench(servers, new EcuFault.Silence())) {
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            TransitionLog.Transition backoff = bench.log().awaitEnter(mark, BACKOFF, STEP_BOUND);
            assertEquals(READING_VIN, backoff.from());
            assertTrue(backoff.cause().contains("NO_RESPONSE"), backoff.cause());
            assertTrue(bench.ecu().vinRequests() >= 2, "the terminal kept asking");
            assertTrue(bench.api().bindingOfVin(bench.vin()).isEmpty());

            bench.ecuFault(new EcuFault.None());
            assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(mark, BIND_BOUND).outcome());
            assertEquals(bench.modemIdentity().imsi().value(),
                    bench.api().bindingOfVin(bench.vin()).orElseThrow().imsi());
        }
    }

    @Test
    void transient_nrc_conditions_not_correct_is_retried(Servers servers) {
        try (Bench bench = bench(servers, new EcuFault.Negative(0x22))) {
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            TransitionLog.Transition backoff = bench.log().awaitEnter(mark, BACKOFF, STEP_BOUND);
            assertTrue(backoff.cause().contains("NRC 0x22"), backoff.cause());

            bench.ecuFault(new EcuFault.None());
            assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(mark, BIND_BOUND).outcome());
        }
    }

    @Test
    void permanent_nrc_request_out_of_range_suspends_without_upload(Servers servers) {
        try (Bench bench = bench(servers, new EcuFault.Negative(0x31))) {
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            TransitionLog.Transition suspended = bench.log().awaitEnter(mark, SUSPENDED, STEP_BOUND);
            assertEquals(READING_VIN, suspended.from(), "no point in asking the modem or the server");
            assertTrue(suspended.cause().contains("0x31"), suspended.cause());
            assertFalse(bench.log().statesSince(mark).contains(BACKOFF), "an ECU without DID 0xF190 is not retried");
            assertTrue(flagOnDisk(bench).isPresent(), "the flag stays set");
            assertTrue(bench.api().bindingOfImsi(bench.modemIdentity().imsi().value()).isEmpty());

            // the ECU is fixed (reflashed) in the workshop: the next ignition binds
            bench.ecuFault(new EcuFault.None());
            int again = bench.ignitionCycle(PowerMode.ACC, STEP_BOUND);
            assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(again, BIND_BOUND).outcome());
        }
    }

    @Test
    void response_pending_bursts_are_waited_out_in_one_attempt(Servers servers) {
        // 5 x NRC 0x78, 150 ms apart: each within P2* (2 s), all within the UDS bound (3 s)
        try (Bench bench = bench(servers, new EcuFault.ResponsePending(5, Duration.ofMillis(150)))) {
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            assertEquals(BindOutcome.BOUND, bench.log().awaitBindAck(mark, BIND_BOUND).outcome());
            assertFalse(bench.log().statesSince(mark).contains(BACKOFF), () -> bench.log().toString());
            assertEquals(1, bench.log().firstEnter(mark, io.vinbind.terminal.machine.BindingState.BOUND)
                    .orElseThrow().transition().attempt(), "bound in the first attempt");
        }
    }

    @Test
    void vin_with_wrong_check_digit_is_never_uploaded(Servers servers) {
        try (Bench bench = bench(servers, new EcuFault.WrongCheckDigit())) {
            long bindsBefore = bench.api().counter("bind.received");
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            TransitionLog.Transition suspended = bench.log().awaitEnter(mark, SUSPENDED, STEP_BOUND);
            assertEquals(READING_VIN, suspended.from());
            assertTrue(suspended.cause().contains("invalid"), suspended.cause());
            assertFalse(bench.log().statesSince(mark).contains(IDENTIFYING_MODEM));
            assertEquals(bindsBefore, bench.api().counter("bind.received"), "nothing was uploaded");
            assertTrue(bench.api().bindingOfImsi(bench.modemIdentity().imsi().value()).isEmpty());
            assertEquals(FlagReason.ASSEMBLY, flagOnDisk(bench).orElseThrow(), "flag kept, with its reason");
        }
    }
}
