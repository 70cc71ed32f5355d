package io.vinbind.terminal.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.terminal.machine.Fakes.FakeModem;
import io.vinbind.terminal.machine.Fakes.FakeUplink;
import io.vinbind.terminal.machine.Fakes.FakeVinReader;
import io.vinbind.terminal.machine.Fakes.MemoryStateStore;
import io.vinbind.terminal.port.ModemException;
import io.vinbind.terminal.port.UplinkException;
import io.vinbind.terminal.state.TerminalState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rule that matters most, under a seeded random storm of events: the VIN-request flag goes from set to
 * clear only in a step that delivered a bind-ack matching the request in flight (same requestId, VIN, IMSI
 * and terminal id, bound outcome). Everything else — wrong acks, duplicates, late acks, refusals, timeouts, faults,
 * power changes at any moment, service requests — must leave a set flag set.
 */
class FlagInvariantTest {

    static final String VIN = BindingMachineTest.VIN;
    static final String IMSI = BindingMachineTest.ID.imsi();
    static final String TID = BindingMachineTest.TID;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 42, 1234, 9_999, 31_337})
    void flag_is_cleared_only_by_a_matching_bound_ack(long seed) {
        Random rnd = new Random(seed);
        ManualScheduler clock = new ManualScheduler(BindingMachineTest.T0);
        FakeVinReader ecu = new FakeVinReader().always(VIN);
        FakeModem modem = new FakeModem(BindingMachineTest.ID);
        FakeUplink server = new FakeUplink();
        MemoryStateStore store = new MemoryStateStore(TerminalState.fresh(BindingMachineTest.T0));
        MachineConfig config = MachineConfig.defaults().withRetry(
                new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(8), 2.0, 0.2, 6));
        int[] ids = {0};
        BindingMachine machine = new BindingMachine(config, clock, store, ecu, modem, server,
                BindingMachineTest.MID, () -> "r" + (++ids[0]));
        machine.start();
        clock.runDue();
        List<BindAck> seen = new ArrayList<>();
        int clears = 0;

        for (int step = 0; step < 1000; step++) {
            boolean before = store.current.flagSet();
            boolean matchingBoundAck = false;
            int action = rnd.nextInt(32);
            switch (action) {
                case 0, 1 -> machine.powerMode(rnd.nextInt(6) == 0 ? PowerMode.OFF
                        : List.of(PowerMode.ACC, PowerMode.ON, PowerMode.START).get(rnd.nextInt(3)));
                case 2, 3, 4, 5 -> clock.advance(Duration.ofMillis(rnd.nextInt(10) == 0 ? rnd.nextInt(30_000) : rnd.nextInt(3_000)));
                case 6 -> machine.requestBinding();
                case 7 -> modem.attach = rnd.nextInt(4) > 0 ? () -> CompletableFuture.completedFuture(null)
                        : () -> CompletableFuture.failedFuture(
                                new ModemException(ModemException.Kind.REGISTRATION_DENIED, "+CEREG: 2,3"));
                case 8 -> server.connect = rnd.nextInt(4) > 0 ? () -> CompletableFuture.completedFuture(null)
                        : () -> CompletableFuture.failedFuture(new UplinkException(
                                UplinkException.Kind.BROKER_UNREACHABLE, "refused", null));
                case 9 -> {
                    if (server.listener != null) {
                        server.listener.connectionLost(new java.io.IOException("dropped"));
                    }
                }
                case 10 -> {
                    if (modem.listener != null) {
                        modem.listener.modemReset("RDY");
                    }
                }
                case 11, 12, 13, 14, 15, 16, 17 -> {
                    if (!server.logins.isEmpty()) {
                        String id = rnd.nextInt(4) == 0 ? "stale" : server.lastLogin().requestId();
                        server.listener.loginAck(rnd.nextInt(5) == 0
                                ? LoginAck.rejected(id, TID, IMSI, ReasonCode.SERVER_ERROR)
                                : LoginAck.accepted(id, TID, IMSI));
                    }
                }
                default -> {
                    if (!server.binds.isEmpty()) {
                        BindRequest r = rnd.nextInt(4) > 0 ? server.lastBind()
                                : server.binds.get(rnd.nextInt(server.binds.size())); // sometimes an old one
                        BindAck ack = switch (rnd.nextInt(14)) {
                            case 0 -> new BindAck(Protocol.VERSION, r.requestId(), TID, r.imsi(), "11111111111111111",
                                    BindOutcome.BOUND, ReasonCode.NONE);
                            case 1 -> new BindAck(Protocol.VERSION, r.requestId(), TID, "460001234567899", r.vin(),
                                    BindOutcome.BOUND, ReasonCode.NONE);
                            case 12 -> new BindAck(Protocol.VERSION, r.requestId(), "TBOX-0002", r.imsi(), r.vin(),
                                    BindOutcome.BOUND, ReasonCode.NONE);
                            case 13 -> BindAck.answering(r, BindOutcome.REJECTED, rnd.nextBoolean()
                                    ? ReasonCode.IDENTITY_HELD : ReasonCode.IDENTITY_CONFLICT);
                            case 2 -> BindAck.answering(r, BindOutcome.PENDING, ReasonCode.REBIND_HELD);
                            case 3 -> BindAck.answering(r, BindOutcome.REJECTED, ReasonCode.CONFLICT_RETRY);
                            case 4 -> seen.isEmpty() ? BindAck.answering(r, BindOutcome.BOUND, ReasonCode.NONE)
                                    : seen.get(rnd.nextInt(seen.size())); // a duplicate of an earlier ack
                            default -> BindAck.answering(r, rnd.nextBoolean() ? BindOutcome.BOUND
                                    : BindOutcome.ALREADY_BOUND, ReasonCode.NONE);
                        };
                        matchingBoundAck = machine.state() == BindingState.UPLOADING
                                && r == server.lastBind() && ack.requestId().equals(r.requestId())
                                && ack.vin().equals(VIN) && ack.imsi().equals(IMSI) && ack.terminalId().equals(TID)
                                && ack.outcome().isBound();
                        seen.add(ack);
                        server.listener.bindAck(ack);
                    }
                }
            }
            clock.runDue();
            if (before && !store.current.flagSet()) {
                clears++;
                assertTrue(matchingBoundAck, "seed " + seed + " step " + step + ": flag cleared by action " + action
                        + " without a matching bound ack");
                assertEquals(BindingState.BOUND, machine.state());
            }
        }
        assertTrue(clears > 0, "seed " + seed + ": the storm never bound at all; the test would prove nothing");
    }
}
