package io.vinbind.terminal.machine;

import static io.vinbind.terminal.machine.BindingState.ATTACHING;
import static io.vinbind.terminal.machine.BindingState.BACKOFF;
import static io.vinbind.terminal.machine.BindingState.BOUND;
import static io.vinbind.terminal.machine.BindingState.CONNECTING;
import static io.vinbind.terminal.machine.BindingState.IDENTIFYING_MODEM;
import static io.vinbind.terminal.machine.BindingState.LOGGING_IN;
import static io.vinbind.terminal.machine.BindingState.OFF;
import static io.vinbind.terminal.machine.BindingState.READING_VIN;
import static io.vinbind.terminal.machine.BindingState.SUSPENDED;
import static io.vinbind.terminal.machine.BindingState.UPLOADING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.UploadReason;
import io.vinbind.terminal.machine.Fakes.FakeModem;
import io.vinbind.terminal.machine.Fakes.FakeUplink;
import io.vinbind.terminal.machine.Fakes.FakeVinReader;
import io.vinbind.terminal.machine.Fakes.MemoryStateStore;
import io.vinbind.terminal.port.ModemException;
import io.vinbind.terminal.port.ModemIdentity;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.terminal.port.UplinkException;
import io.vinbind.terminal.port.VinReadException;
import io.vinbind.terminal.state.BoundIdentity;
import io.vinbind.terminal.state.FileStateStore;
import io.vinbind.terminal.state.FlagReason;
import io.vinbind.terminal.state.TerminalState;
import io.vinbind.terminal.state.VinRequest;
import io.vinbind.protocol.VinPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BindingMachineTest {

    static final Instant T0 = Instant.parse("2026-11-22T12:00:00Z");
    static final String VIN = "1M8GDM9AXKP042788";
    static final String OTHER_VIN = "LSVAU218XN2183294";
    static final String TID = FakeUplink.TERMINAL_ID;
    static final ModemIdentity ID = new ModemIdentity("460001234567890", "89860012345678901234", "356938035643809");
    static final BoundIdentity BOUND_BEFORE = new BoundIdentity(VIN, ID.imsi(), ID.iccid(), ID.imei(),
            T0.minusSeconds(86_400));
    /** Always the middle of the jitter band, so delays are exactly the exponential ones. */
    static final RandomGenerator MID = new RandomGenerator() {
        @Override
        public long nextLong() {
            return Long.MIN_VALUE;
        }

        @Override
        public double nextDouble() {
            return 0.5;
        }
    };

    final ManualScheduler clock = new ManualScheduler(T0);
    final FakeVinReader ecu = new FakeVinReader().always(VIN);
    final FakeModem modem = new FakeModem(ID);
    final FakeUplink server = new FakeUplink();
    MemoryStateStore store = new MemoryStateStore(TerminalState.fresh(T0));
    MachineConfig config = MachineConfig.defaults().withRetry(
            new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(60), 2.0, 0.2, 4));
    final List<StateTransition> transitions = new ArrayList<>();
    final List<BindDecision> decisions = new ArrayList<>();
    BindingMachine machine;
    int ids;

    BindingMachine machine() {
        if (machine == null) {
            machine = new BindingMachine(config, clock, store, ecu, modem, server, MID, () -> "req-" + (++ids));
            machine.addListener(new TerminalListener() {
                @Override
                public void onTransition(StateTransition t) {
                    transitions.add(t);
                }

                @Override
                public void onDecision(BindDecision d) {
                    decisions.add(d);
                }
            });
            machine.start();
            clock.runDue();
        }
        return machine;
    }

    void power(PowerMode mode) {
        machine().powerMode(mode);
        clock.runDue();
    }

    /** Power on and let the two VIN reads (200 ms apart) and the instant fakes run. */
    void powerOnAndRead() {
        power(PowerMode.ON);
        clock.advance(config.vinReadGap());
    }

    void ackLogin() {
        server.listener.loginAck(LoginAck.accepted(server.lastLogin().requestId(), TID, ID.imsi()));
        clock.runDue();
    }

    void ackBind(BindOutcome outcome, ReasonCode reason) {
        server.listener.bindAck(BindAck.answering(server.lastBind(), outcome, reason));
        clock.runDue();
    }

    void ack(BindAck ack) {
        server.listener.bindAck(ack);
        clock.runDue();
    }

    List<BindingState> states() {
        List<BindingState> out = new ArrayList<>();
        for (StateTransition t : transitions) {
            out.add(t.to());
        }
        return out;
    }

    StateTransition last() {
        return transitions.get(transitions.size() - 1);
    }

    boolean flagSet() {
        return store.current.flagSet();
    }

    // ---------------------------------------------------------------- the happy paths

    @Test
    void fresh_terminal_binds_through_every_state_in_order() {
        powerOnAndRead();
        assertEquals(List.of(READING_VIN, IDENTIFYING_MODEM, ATTACHING, CONNECTING, LOGGING_IN), states());
        assertEquals(1, server.connects);
        assertEquals("req-1", server.lastLogin().requestId());
        assertEquals(TID, server.lastLogin().terminalId(), "every request names the uplink's terminal");
        assertEquals(ID.imsi(), server.lastLogin().imsi());
        assertEquals(ID.iccid(), server.lastLogin().iccid());
        assertEquals(ID.imei(), server.lastLogin().imei());

        ackLogin();
        assertEquals(UPLOADING, machine.state());
        BindRequest bind = server.lastBind();
        assertEquals("req-2", bind.requestId()); // fresh, not the login's id
        assertEquals(VIN, bind.vin());
        assertEquals(ID.imsi(), bind.imsi());
        assertEquals(TID, bind.terminalId());
        assertEquals(UploadReason.ASSEMBLY, bind.reason());
        assertTrue(flagSet());

        ackBind(BindOutcome.BOUND, ReasonCode.NONE);
        assertEquals(List.of(READING_VIN, IDENTIFYING_MODEM, ATTACHING, CONNECTING, LOGGING_IN, UPLOADING, BOUND),
                states());
        assertFalse(flagSet());
        assertEquals(Optional.of(new BoundIdentity(VIN, ID.imsi(), ID.iccid(), ID.imei(), T0.plusMillis(200))),
                store.current.lastBound());
        assertEquals(1, server.disconnects);
        assertEquals(OFF, transitions.get(0).from());
        assertEquals(1, clock.pending(), "only the service-request poll is left scheduled");
    }

    @Test
    void the_login_reports_the_eid_and_the_model_information_and_a_usim_login_none() {
        ModemIdentity euicc = new ModemIdentity(ID.imsi(), ID.iccid(), ID.imei(), "89049032123451234512345678901235",
                "EG25", "EG25GGBR07A08M2G");
        modem.identify = () -> java.util.concurrent.CompletableFuture.completedFuture(euicc);
        machine().reportAs("TBOX-A2", "1.4.0");
        powerOnAndRead();
        LoginRequest login = server.lastLogin();
        assertEquals("89049032123451234512345678901235", login.eid());
        assertEquals("EG25", login.modemModel());
        assertEquals("EG25GGBR07A08M2G", login.modemFirmware());
        assertEquals("TBOX-A2", login.terminalModel());
        assertEquals("1.4.0", login.softwareVersion());
        assertEquals(ID.imsi(), login.imsi());
        assertThrows(IllegalArgumentException.class, () -> machine.reportAs("TBOX\nA2", null));
    }

    @Test
    void a_login_from_a_usim_carries_no_eid_and_without_a_description_no_model_fields() {
        powerOnAndRead();
        LoginRequest login = server.lastLogin();
        assertNull(login.eid());
        assertNull(login.terminalModel());
        assertNull(login.softwareVersion());
        assertNull(login.modemModel());
    }

    @Test
    void already_bound_terminal_with_same_vin_and_modem_does_not_connect() {
        store = new MemoryStateStore(TerminalState.bound(BOUND_BEFORE));
        powerOnAndRead();
        assertEquals(List.of(READING_VIN, IDENTIFYING_MODEM, BOUND), states());
        assertEquals(0, server.connects);
        assertEquals(0, modem.attachCalls);
        assertFalse(decisions.get(0).mustBind());
        assertTrue(store.saved.isEmpty(), "nothing to persist");
    }

    @Test
    void replaced_sim_sets_flag_with_reason_modem_replaced_before_uploading() {
        store = new MemoryStateStore(TerminalState.bound(new BoundIdentity(VIN, "460009999999999", ID.iccid(),
                ID.imei(), T0.minusSeconds(60))));
        powerOnAndRead();
        assertEquals(LOGGING_IN, machine.state());
        assertEquals(FlagReason.MODEM_REPLACED, store.saved.get(0).vinRequest().orElseThrow().reason());
        assertTrue(decisions.get(0).explanation().contains("IMSI 460001234567890 differs"), decisions.toString());
        ackLogin();
        assertEquals(UploadReason.MODEM_REPLACED, server.lastBind().reason());
    }

    @Test
    void a_profile_switch_while_bound_binds_again_as_profile_switched_never_as_a_replaced_modem() {
        store = new MemoryStateStore(TerminalState.bound(BOUND_BEFORE));
        powerOnAndRead();
        assertEquals(BOUND, machine.state());
        ModemIdentity switched = new ModemIdentity("262010000031234", "8949000000000031234", ID.imei());
        modem.identify = () -> CompletableFuture.completedFuture(switched); // the card was refreshed by the relay
        machine.profileSwitched(switched.imsi());
        clock.runDue();
        clock.advance(config.vinReadGap());
        assertEquals(LOGGING_IN, machine.state());
        assertEquals(FlagReason.PROFILE_SWITCHED, store.current.vinRequest().orElseThrow().reason());
        assertEquals(switched.imsi(), server.lastLogin().imsi());
        server.listener.loginAck(LoginAck.accepted(server.lastLogin().requestId(), TID, switched.imsi()));
        clock.runDue();
        assertEquals(UploadReason.PROFILE_SWITCHED, server.lastBind().reason());
        assertEquals(switched.imsi(), server.lastBind().imsi());
        ackBind(BindOutcome.REBOUND, ReasonCode.NONE);
        assertEquals(BOUND, machine.state());
        assertFalse(flagSet());
        assertEquals(switched.imsi(), store.current.lastBound().orElseThrow().imsi());
    }

    @Test
    void a_profile_switch_during_an_attempt_is_followed_after_it_and_one_for_the_bound_imsi_is_ignored() {
        powerOnAndRead();
        assertEquals(LOGGING_IN, machine.state());
        ModemIdentity switched = new ModemIdentity("262010000031234", "8949000000000031234", ID.imei());
        machine.profileSwitched(switched.imsi());
        clock.runDue();
        ackLogin();
        assertEquals(UploadReason.ASSEMBLY, server.lastBind().reason(), "the running attempt keeps its reason");
        modem.identify = () -> CompletableFuture.completedFuture(switched);
        ackBind(BindOutcome.BOUND, ReasonCode.NONE);
        clock.advance(config.vinReadGap());
        assertEquals(LOGGING_IN, machine.state(), "a new attempt for the new IMSI");
        assertEquals(FlagReason.PROFILE_SWITCHED, store.current.vinRequest().orElseThrow().reason());
        server.listener.loginAck(LoginAck.accepted(server.lastLogin().requestId(), TID, switched.imsi()));
        clock.runDue();
        assertEquals(UploadReason.PROFILE_SWITCHED, server.lastBind().reason());
        ackBind(BindOutcome.REBOUND, ReasonCode.NONE);
        int n = transitions.size();
        machine.profileSwitched(switched.imsi()); // the same IMSI again: bound already
        clock.runDue();
        assertEquals(n, transitions.size());
    }

    @Test
    void vin_differing_from_bound_vin_sets_flag_vin_changed() {
        store = new MemoryStateStore(TerminalState.bound(new BoundIdentity(OTHER_VIN, ID.imsi(), ID.iccid(),
                ID.imei(), T0.minusSeconds(60))));
        powerOnAndRead();
        ackLogin();
        assertEquals(UploadReason.VIN_CHANGED, server.lastBind().reason());
        ackBind(BindOutcome.REBOUND, ReasonCode.NONE);
        assertEquals(VIN, store.current.lastBound().orElseThrow().vin());
        assertFalse(flagSet());
    }

    @Test
    void service_request_made_while_off_is_taken_at_next_power_up() {
        store = new MemoryStateStore(TerminalState.bound(BOUND_BEFORE));
        store.request = Optional.of(T0);
        powerOnAndRead();
        assertEquals(LOGGING_IN, machine.state());
        assertEquals(Optional.empty(), store.pendingServiceRequest(), "request file taken");
        assertEquals(FlagReason.SERVICE_REQUEST, store.saved.get(0).vinRequest().orElseThrow().reason());
        ackLogin();
        assertEquals(UploadReason.SERVICE, server.lastBind().reason());
        ackBind(BindOutcome.ALREADY_BOUND, ReasonCode.NONE);
        assertFalse(flagSet());
    }

    @Test
    void service_request_file_written_while_bound_and_powered_is_noticed_at_next_poll() {
        store = new MemoryStateStore(TerminalState.bound(BOUND_BEFORE));
        powerOnAndRead();
        assertEquals(BOUND, machine.state());
        store.request = Optional.of(clock.now()); // what `terminal request-bind` does from another process
        // the poll runs every 5 s from start (T0); the clock is at T0 + 200 ms
        clock.advance(config.serviceRequestPoll().minus(config.vinReadGap()).minusMillis(1));
        assertEquals(BOUND, machine.state());
        clock.advance(Duration.ofMillis(1));
        assertEquals(READING_VIN, machine.state());
        assertEquals("service request; attempt 1 of 4", last().cause());
        clock.advance(config.vinReadGap());
        assertEquals(LOGGING_IN, machine.state());
        assertTrue(flagSet());
    }

    @Test
    void service_request_through_the_api_starts_at_once_when_powered() {
        store = new MemoryStateStore(TerminalState.bound(BOUND_BEFORE));
        powerOnAndRead();
        machine.requestBinding();
        clock.runDue();
        assertEquals(READING_VIN, machine.state());
    }

    @Test
    void service_request_that_cannot_be_recorded_still_sets_the_flag_and_starts() {
        store = new MemoryStateStore(TerminalState.bound(BOUND_BEFORE));
        powerOnAndRead();
        store.failRequests = true;
        machine.requestBinding();
        clock.runDue();
        assertEquals(READING_VIN, machine.state());
        assertEquals(FlagReason.SERVICE_REQUEST, store.current.vinRequest().orElseThrow().reason());
    }

    @Test
    void repeated_power_mode_reports_start_one_attempt_and_acc_to_on_does_not_restart_it() {
        ecu.silent();
        power(PowerMode.ACC);
        power(PowerMode.ACC);
        power(PowerMode.ON);
        power(PowerMode.START);
        assertEquals(List.of(READING_VIN), states());
        assertEquals(1, ecu.issued.size());
    }

    // ---------------------------------------------------------------- VIN faults

    @Test
    void two_reads_must_agree_so_a_glitch_costs_one_more_read() {
        ecu.script.clear();
        ecu.answer("1M8GDM9AXKP04278", VIN, VIN); // first read cut short, then two equal
        power(PowerMode.ON);
        clock.advance(config.vinReadGap());
        assertEquals(READING_VIN, machine.state());
        clock.advance(config.vinReadGap());
        assertEquals(LOGGING_IN, machine.state());
        assertEquals(3, ecu.issued.size());
    }

    @Test
    void reads_that_never_agree_end_the_attempt_with_backoff() {
        ecu.answer(VIN, OTHER_VIN, VIN, OTHER_VIN);
        power(PowerMode.ON);
        clock.advance(config.vinReadGap().multipliedBy(3));
        assertEquals(List.of(READING_VIN, BACKOFF), states());
        assertTrue(last().cause().startsWith("no two consecutive VIN reads agreed in 4 reads"), last().cause());
        assertTrue(last().cause().endsWith("retry in 2000 ms"), last().cause());
        assertTrue(flagSet());
    }

    @Test
    void silent_ecu_times_out_each_read_then_backs_off_and_retries() {
        ecu.always(VIN);
        for (int i = 0; i < 4; i++) {
            ecu.silent();
        }
        power(PowerMode.ON);
        clock.advance(config.vinReadTimeout().multipliedBy(4).plus(config.vinReadGap().multipliedBy(3))
                .minusMillis(1));
        assertEquals(READING_VIN, machine.state(), "still within bounds");
        clock.advance(Duration.ofMillis(1));
        assertEquals(BACKOFF, machine.state());
        assertTrue(last().cause().contains("VIN read did not complete within 6000 ms"), last().cause());
        assertTrue(ecu.issued.stream().allMatch(CompletableFuture::isCancelled), "timed-out reads cancelled");

        clock.advance(Duration.ofSeconds(2)); // backoff, then the ECU wakes up
        clock.advance(config.vinReadGap());
        assertEquals(LOGGING_IN, machine.state());
        assertEquals(2, transitions.stream().filter(t -> t.to() == READING_VIN).count());
    }

    @Test
    void transient_negative_response_is_retried_within_the_attempt() {
        ecu.fail(VinReadException.negativeResponse(0x22, "7F 22 22 conditionsNotCorrect"));
        power(PowerMode.ON);
        clock.advance(config.vinReadGap().multipliedBy(2));
        assertEquals(LOGGING_IN, machine.state());
        assertEquals(3, ecu.issued.size());
    }

    @Test
    void ecu_without_vin_did_suspends_with_flag_kept() {
        ecu.fail(VinReadException.negativeResponse(0x31, "7F 22 31 requestOutOfRange"));
        power(PowerMode.ON);
        assertEquals(List.of(READING_VIN, SUSPENDED), states());
        assertTrue(last().cause().contains("NRC 0x31"), last().cause());
        assertTrue(flagSet());
        assertEquals(1, ecu.issued.size());
    }

    @Test
    void vin_with_bad_check_digit_is_not_uploaded_in_strict_mode() {
        ecu.always("LSVAU2180N2183294");
        powerOnAndRead();
        assertEquals(List.of(READING_VIN, SUSPENDED), states());
        assertTrue(last().cause().contains("check digit (position 9) is '0'"), last().cause());
        assertTrue(server.binds.isEmpty());
        assertTrue(flagSet());
    }

    @Test
    void vin_with_bad_check_digit_is_uploaded_in_lenient_mode() {
        config = config.withVinMode(VinPolicy.LENIENT);
        ecu.always("WVWZZZ1JZXW000001");
        powerOnAndRead();
        ackLogin();
        assertEquals("WVWZZZ1JZXW000001", server.lastBind().vin());
    }

    // ---------------------------------------------------------------- modem faults

    @Test
    void sim_absent_suspends_until_next_power_transition() {
        modem.identify = () -> CompletableFuture.failedFuture(
                new ModemException(ModemException.Kind.SIM_ABSENT, "AT+CPIN? -> +CME ERROR: 10"));
        powerOnAndRead();
        assertEquals(List.of(READING_VIN, IDENTIFYING_MODEM, SUSPENDED), states());
        assertTrue(last().cause().contains("SIM_ABSENT"), last().cause());
        clock.advance(Duration.ofMinutes(10));
        assertEquals(SUSPENDED, machine.state(), "no retry on this power cycle");

        modem.identify = () -> CompletableFuture.completedFuture(ID); // SIM inserted during OFF
        power(PowerMode.OFF);
        powerOnAndRead();
        assertEquals(LOGGING_IN, machine.state());
    }

    @Test
    void sim_failure_is_retried_with_backoff() {
        modem.identify = () -> CompletableFuture.failedFuture(
                new ModemException(ModemException.Kind.SIM_FAILURE, "+CME ERROR: 14 SIM busy"));
        powerOnAndRead();
        assertEquals(BACKOFF, machine.state());
    }

    @Test
    void registration_denied_backs_off_exponentially_then_binds_when_network_accepts() {
        modem.attach = () -> CompletableFuture.failedFuture(
                new ModemException(ModemException.Kind.REGISTRATION_DENIED, "+CEREG: 2,3"));
        powerOnAndRead();
        assertEquals(BACKOFF, machine.state());
        assertTrue(last().cause().endsWith("retry in 2000 ms"), last().cause());
        clock.advance(Duration.ofSeconds(2));
        clock.advance(config.vinReadGap());
        assertEquals(BACKOFF, machine.state());
        assertTrue(last().cause().endsWith("retry in 4000 ms"), last().cause());

        modem.attach = () -> CompletableFuture.completedFuture(null);
        clock.advance(Duration.ofSeconds(4));
        clock.advance(config.vinReadGap());
        assertEquals(LOGGING_IN, machine.state());
        assertEquals(3, last().attempt());
    }

    @Test
    void attach_that_never_completes_is_bounded() {
        modem.attach = CompletableFuture::new;
        powerOnAndRead();
        assertEquals(ATTACHING, machine.state());
        clock.advance(config.attachTimeout());
        assertEquals(BACKOFF, machine.state());
        assertTrue(last().cause().contains("network attach did not complete within 180000 ms"), last().cause());
        assertTrue(modem.issued.get(1).isCancelled());
    }

    @Test
    void attempts_of_a_power_cycle_are_bounded_then_suspended_with_flag_kept() {
        modem.attach = () -> CompletableFuture.failedFuture(
                new ModemException(ModemException.Kind.NO_NETWORK, "+CEREG: 2,2 for 180 s"));
        powerOnAndRead();
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(61));
        }
        assertEquals(SUSPENDED, machine.state());
        assertEquals(4, modem.attachCalls);
        assertTrue(last().cause().endsWith("all 4 attempts of this power cycle used, flag kept"), last().cause());
        assertTrue(flagSet());
    }

    // ---------------------------------------------------------------- broker and server faults

    @Test
    void broker_down_backs_off_and_retries() {
        server.connect = () -> CompletableFuture.failedFuture(new UplinkException(
                UplinkException.Kind.BROKER_UNREACHABLE, "tcp://127.0.0.1:1 refused", null));
        powerOnAndRead();
        assertEquals(List.of(READING_VIN, IDENTIFYING_MODEM, ATTACHING, CONNECTING, BACKOFF), states());
        assertTrue(last().cause().contains("BROKER_UNREACHABLE"), last().cause());
        server.connect = () -> CompletableFuture.completedFuture(null);
        clock.advance(Duration.ofSeconds(2));
        clock.advance(config.vinReadGap());
        assertEquals(LOGGING_IN, machine.state());
    }

    @Test
    void connect_that_never_completes_is_bounded_and_the_half_open_connection_is_dropped() {
        server.connect = CompletableFuture::new;
        powerOnAndRead();
        assertEquals(CONNECTING, machine.state());
        clock.advance(config.connectTimeout());
        assertEquals(BACKOFF, machine.state());
        assertTrue(last().cause().contains("broker connect did not complete within 20000 ms"), last().cause());
        assertTrue(server.issued.get(0).isCancelled());
        assertEquals(1, server.disconnects, "a connection completing late must not linger");
    }

    @Test
    void lost_login_ack_times_out_and_next_attempt_logs_in_with_fresh_request_id() {
        powerOnAndRead();
        clock.advance(config.loginAckTimeout());
        assertEquals(BACKOFF, machine.state());
        assertTrue(last().cause().startsWith("no login-ack for requestId req-1 within 15000 ms"), last().cause());
        assertEquals(1, server.disconnects);
        clock.advance(Duration.ofSeconds(2));
        clock.advance(config.vinReadGap());
        assertEquals("req-2", server.lastLogin().requestId());
    }

    @Test
    void login_refused_for_unknown_imsi_suspends_with_flag_kept() {
        powerOnAndRead();
        server.listener.loginAck(LoginAck.rejected("req-1", TID, ID.imsi(), ReasonCode.UNKNOWN_IMSI));
        clock.runDue();
        assertEquals(SUSPENDED, machine.state());
        assertTrue(last().cause().startsWith("login refused: UNKNOWN_IMSI"), last().cause());
        assertTrue(server.binds.isEmpty());
        assertTrue(flagSet());
    }

    @Test
    void login_ack_for_another_request_is_ignored() {
        powerOnAndRead();
        server.listener.loginAck(LoginAck.accepted("req-old", TID, ID.imsi()));
        clock.runDue();
        assertEquals(LOGGING_IN, machine.state());
        assertTrue(server.binds.isEmpty());
    }

    @Test
    void lost_bind_ack_retries_with_fresh_request_id_and_late_ack_for_old_one_is_ignored() {
        powerOnAndRead();
        ackLogin();
        BindRequest first = server.lastBind();
        clock.advance(config.bindAckTimeout());
        assertEquals(BACKOFF, machine.state());
        assertTrue(flagSet());

        clock.advance(Duration.ofSeconds(2));
        clock.advance(config.vinReadGap());
        ackLogin();
        BindRequest second = server.lastBind();
        assertNotEquals(first.requestId(), second.requestId());

        ack(BindAck.answering(first, BindOutcome.BOUND, ReasonCode.NONE)); // the lost ack, late
        assertEquals(UPLOADING, machine.state());
        assertTrue(flagSet());
        ackBind(BindOutcome.ALREADY_BOUND, ReasonCode.NONE);
        assertFalse(flagSet());
    }

    @Test
    void ack_for_another_request_id_vin_imsi_or_terminal_never_clears_the_flag() {
        powerOnAndRead();
        ackLogin();
        BindRequest r = server.lastBind();
        ack(new BindAck(Protocol.VERSION, "req-99", TID, r.imsi(), r.vin(), BindOutcome.BOUND, ReasonCode.NONE));
        ack(new BindAck(Protocol.VERSION, r.requestId(), TID, r.imsi(), OTHER_VIN, BindOutcome.BOUND, ReasonCode.NONE));
        ack(new BindAck(Protocol.VERSION, r.requestId(), TID, "460001234567899", r.vin(), BindOutcome.BOUND,
                ReasonCode.NONE));
        ack(new BindAck(Protocol.VERSION, r.requestId(), "TBOX-0002", r.imsi(), r.vin(), BindOutcome.BOUND,
                ReasonCode.NONE)); // everything right but the terminal
        assertEquals(UPLOADING, machine.state());
        assertTrue(flagSet());
        assertTrue(store.saved.stream().allMatch(TerminalState::flagSet), "no save ever cleared the flag");

        ackBind(BindOutcome.BOUND, ReasonCode.NONE);
        assertEquals(BOUND, machine.state());
        assertFalse(flagSet());
    }

    @Test
    void duplicate_bind_ack_after_binding_changes_nothing() {
        powerOnAndRead();
        ackLogin();
        ackBind(BindOutcome.BOUND, ReasonCode.NONE);
        int saves = store.saved.size();
        int transitionsBefore = transitions.size();
        ackBind(BindOutcome.BOUND, ReasonCode.NONE);
        assertEquals(saves, store.saved.size());
        assertEquals(transitionsBefore, transitions.size());
        assertEquals(BOUND, machine.state());
    }

    @Test
    void bind_rejected_for_invalid_vin_keeps_flag_and_waits_for_next_power_transition() {
        powerOnAndRead();
        ackLogin();
        ackBind(BindOutcome.REJECTED, ReasonCode.INVALID_VIN);
        assertEquals(SUSPENDED, machine.state());
        assertTrue(last().cause().startsWith("bind REJECTED: INVALID_VIN"), last().cause());
        assertTrue(flagSet());
        clock.advance(Duration.ofMinutes(30));
        assertEquals(SUSPENDED, machine.state());

        power(PowerMode.OFF);
        powerOnAndRead();
        assertEquals(LOGGING_IN, machine.state());
    }

    @Test
    void held_rebind_is_retried_later_and_keeps_the_flag() {
        powerOnAndRead();
        ackLogin();
        ackBind(BindOutcome.PENDING, ReasonCode.REBIND_HELD);
        assertEquals(BACKOFF, machine.state());
        assertTrue(flagSet());
    }

    @Test
    void server_error_is_retried() {
        powerOnAndRead();
        ackLogin();
        ackBind(BindOutcome.REJECTED, ReasonCode.SERVER_ERROR);
        assertEquals(BACKOFF, machine.state());
    }

    // ---------------------------------------------------------------- protocol v2: identities

    @Test
    void login_ack_for_another_terminal_is_ignored_even_with_our_request_id_and_imsi() {
        powerOnAndRead();
        server.listener.loginAck(LoginAck.accepted("req-1", "TBOX-0002", ID.imsi()));
        server.listener.loginAck(LoginAck.accepted("req-1", TID, "460001234567899"));
        clock.runDue();
        assertEquals(LOGGING_IN, machine.state());
        assertTrue(server.binds.isEmpty());
        ackLogin();
        assertEquals(UPLOADING, machine.state());
    }

    @Test
    void identity_held_for_an_operator_at_login_backs_off_and_keeps_the_flag() {
        powerOnAndRead();
        server.listener.loginAck(LoginAck.rejected("req-1", TID, ID.imsi(), ReasonCode.IDENTITY_HELD));
        clock.runDue();
        assertEquals(BACKOFF, machine.state());
        assertTrue(last().cause().startsWith("login refused: IDENTITY_HELD (held for an operator: this modem's "
                + "identities (IMSI, ICCID or IMEI) differ from the server's records for terminal TBOX-0001"),
                last().cause());
        assertTrue(last().cause().contains("(retryable); retry in 2000 ms"), last().cause());
        assertTrue(flagSet());
        assertTrue(server.binds.isEmpty());

        clock.advance(Duration.ofSeconds(2)); // the operator approved meanwhile
        clock.advance(config.vinReadGap());
        ackLogin();
        ackBind(BindOutcome.REBOUND, ReasonCode.NONE);
        assertEquals(BOUND, machine.state());
        assertFalse(flagSet());
    }

    @Test
    void identity_conflict_on_bind_suspends_until_a_service_request() {
        powerOnAndRead();
        ackLogin();
        ackBind(BindOutcome.REJECTED, ReasonCode.IDENTITY_CONFLICT);
        assertEquals(SUSPENDED, machine.state());
        assertTrue(last().cause().startsWith("bind REJECTED: IDENTITY_CONFLICT (refused: this modem's identities "
                + "(IMSI, ICCID or IMEI) contradict the server's records for terminal TBOX-0001"), last().cause());
        assertTrue(last().cause().endsWith("; waiting for the next power-mode transition or a service request"),
                last().cause());
        assertTrue(flagSet());
        clock.advance(Duration.ofMinutes(30));
        assertEquals(SUSPENDED, machine.state(), "no retry: an operator must correct the registry");

        machine.requestBinding(); // after the registry was corrected
        clock.runDue();
        assertEquals(READING_VIN, machine.state());
    }

    @Test
    void a_revoked_terminal_suspends_at_login_and_says_it_needs_a_new_certificate() {
        powerOnAndRead();
        server.listener.loginAck(LoginAck.rejected("req-1", TID, ID.imsi(), ReasonCode.TERMINAL_REVOKED));
        clock.runDue();
        assertEquals(SUSPENDED, machine.state());
        assertTrue(last().cause().contains("TERMINAL_REVOKED (refused: the server has revoked terminal TBOX-0001 "
                + "(revocation is by terminal id"), last().cause());
        assertTrue(last().cause().contains("needs a new terminal id and certificate"), last().cause());
        assertTrue(server.binds.isEmpty());
        assertTrue(flagSet());
    }

    @Test
    void a_revoked_terminal_suspends_at_bind_too() {
        powerOnAndRead();
        ackLogin();
        ackBind(BindOutcome.REJECTED, ReasonCode.TERMINAL_REVOKED);
        assertEquals(SUSPENDED, machine.state());
        assertTrue(flagSet());
    }

    /** Every refusal either backs off (retryable) or suspends, and its log line says what the code means. */
    @ParameterizedTest
    @EnumSource(value = ReasonCode.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void every_login_refusal_backs_off_exactly_when_its_reason_is_retryable_and_explains_it(ReasonCode reason) {
        powerOnAndRead();
        server.listener.loginAck(LoginAck.rejected("req-1", TID, ID.imsi(), reason));
        clock.runDue();
        assertEquals(reason.isRetryable() ? BACKOFF : SUSPENDED, machine.state(), reason.name());
        assertEquals("login refused: " + reason + " (" + Refusals.meaning(reason, TID) + ")",
                last().cause().substring(0, ("login refused: " + reason + " (" + Refusals.meaning(reason, TID) + ")")
                        .length()));
        assertFalse(Refusals.meaning(reason, TID).isBlank());
        assertTrue(flagSet());
    }

    @Test
    void an_uplink_without_a_valid_terminal_id_cannot_drive_a_machine() {
        FakeUplink nameless = new FakeUplink() {
            @Override
            public String terminalId() {
                return "svc:server"; // a service identity, never a terminal's
            }
        };
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new BindingMachine(config, clock, store, ecu, modem, nameless, MID));
        assertTrue(e.getMessage().contains("terminalId 'svc:server' is not"), e.getMessage());
    }

    @Test
    void connection_lost_while_waiting_for_bind_ack_backs_off() {
        powerOnAndRead();
        ackLogin();
        server.listener.connectionLost(new java.io.IOException("broker closed the connection"));
        clock.runDue();
        assertEquals(BACKOFF, machine.state());
        assertTrue(last().cause().startsWith("broker connection lost"), last().cause());
    }

    @Test
    void modem_reset_while_logging_in_backs_off() {
        powerOnAndRead();
        modem.listener.modemReset("RDY");
        clock.runDue();
        assertEquals(BACKOFF, machine.state());
        assertTrue(last().cause().startsWith("modem reset: RDY"), last().cause());
    }

    @Test
    void publish_failure_backs_off() {
        server.publish = () -> CompletableFuture.failedFuture(
                new UplinkException(UplinkException.Kind.PUBLISH_FAILED, "not connected", null));
        powerOnAndRead();
        assertEquals(BACKOFF, machine.state());
        assertTrue(last().cause().startsWith("publish failed: PUBLISH_FAILED"), last().cause());
    }

    // ---------------------------------------------------------------- power OFF

    /** Brings the machine to {@code target} with the fakes arranged to hold it there. */
    void driveTo(BindingState target) {
        switch (target) {
            case READING_VIN -> ecu.silent();
            case IDENTIFYING_MODEM -> modem.identify = CompletableFuture::new;
            case ATTACHING -> modem.attach = CompletableFuture::new;
            case CONNECTING -> server.connect = CompletableFuture::new;
            case BACKOFF -> server.connect = () -> CompletableFuture.failedFuture(
                    new UplinkException(UplinkException.Kind.BROKER_UNREACHABLE, "refused", null));
            case SUSPENDED -> ecu.always("LSVAU2180N2183294");
            default -> {
            }
        }
        powerOnAndRead();
        if (target == UPLOADING || target == BOUND) {
            ackLogin();
        }
        if (target == BOUND) {
            ackBind(BindOutcome.BOUND, ReasonCode.NONE);
        }
        assertEquals(target, machine.state());
    }

    @ParameterizedTest
    @EnumSource(value = BindingState.class, names = {"READING_VIN", "IDENTIFYING_MODEM", "ATTACHING", "CONNECTING",
        "LOGGING_IN", "UPLOADING", "BACKOFF", "SUSPENDED"})
    void power_off_in_any_state_aborts_cleanly_with_flag_kept_and_next_acc_resumes(BindingState at) {
        driveTo(at);
        int disconnectsBefore = server.disconnects;
        boolean wasConnected = at == CONNECTING || at == LOGGING_IN || at == UPLOADING;

        power(PowerMode.OFF);

        assertEquals(OFF, machine.state());
        assertEquals(at, last().from());
        assertTrue(flagSet(), "flag kept");
        assertTrue(store.saved.stream().allMatch(TerminalState::flagSet));
        assertEquals(disconnectsBefore + (wasConnected ? 1 : 0), server.disconnects);
        List<CompletableFuture<?>> all = new ArrayList<>(ecu.issued);
        all.addAll(modem.issued);
        all.addAll(server.issued);
        assertTrue(all.stream().allMatch(CompletableFuture::isDone), "nothing left running");
        clock.advance(Duration.ofMinutes(10));
        assertEquals(OFF, machine.state(), "no timer survives OFF");
        if (at == UPLOADING) { // the ack that arrives after OFF is not ours any more
            ackBind(BindOutcome.BOUND, ReasonCode.NONE);
            assertTrue(flagSet());
        }

        // fix every fault, then the next ACC resumes from the start
        ecu.script.clear();
        ecu.always(VIN);
        modem.identify = () -> CompletableFuture.completedFuture(ID);
        modem.attach = () -> CompletableFuture.completedFuture(null);
        server.connect = () -> CompletableFuture.completedFuture(null);
        power(PowerMode.ACC);
        assertEquals(READING_VIN, machine.state());
        assertEquals(1, last().attempt());
        clock.advance(config.vinReadGap());
        ackLogin();
        ackBind(BindOutcome.ALREADY_BOUND, ReasonCode.NONE);
        assertEquals(BOUND, machine.state());
        assertFalse(flagSet());
    }

    @Test
    void power_off_when_bound_goes_off_and_next_power_up_checks_again() {
        driveTo(BOUND);
        power(PowerMode.OFF);
        assertEquals(OFF, machine.state());
        assertFalse(flagSet());
        powerOnAndRead();
        assertEquals(BOUND, machine.state());
        assertEquals(List.of(IDENTIFYING_MODEM, BOUND), states().subList(states().size() - 2, states().size()));
    }

    @Test
    void suspended_machine_tries_again_on_the_next_power_mode_transition_without_off() {
        powerOnAndRead();
        server.listener.loginAck(LoginAck.rejected("req-1", TID, ID.imsi(), ReasonCode.UNKNOWN_IMSI));
        clock.runDue();
        assertEquals(SUSPENDED, machine.state());
        power(PowerMode.START); // ON -> START: a new transition to a powered mode
        assertEquals(READING_VIN, machine.state());
        assertEquals("power ON -> START; attempt 1 of 4", last().cause());
    }

    @Test
    void service_request_while_suspended_starts_a_new_power_cycle_of_attempts() {
        powerOnAndRead();
        ackLogin();
        ackBind(BindOutcome.REJECTED, ReasonCode.REBIND_REJECTED);
        assertEquals(SUSPENDED, machine.state());
        machine.requestBinding();
        clock.runDue();
        assertEquals(READING_VIN, machine.state());
        assertEquals(1, last().attempt());
        assertEquals(Optional.empty(), store.pendingServiceRequest());
    }

    // ---------------------------------------------------------------- persistence and robustness

    @Test
    void failed_save_of_the_cleared_flag_still_ends_bound_and_the_old_flag_makes_the_next_start_upload_again() {
        powerOnAndRead();
        ackLogin();
        store.failSaves = true;
        ackBind(BindOutcome.BOUND, ReasonCode.NONE);
        assertEquals(BOUND, machine.state());
        assertTrue(store.current.flagSet(), "disk still says set: safe, the server answers ALREADY_BOUND");
    }

    @Test
    void bound_identity_survives_a_restart_with_the_file_store(@TempDir Path dir) throws Exception {
        FileStateStore files = new FileStateStore(dir, Clock.fixed(T0, ZoneOffset.UTC));
        BindingMachine m = new BindingMachine(config, clock, files, ecu, modem, server, MID, () -> "req-" + (++ids));
        m.start();
        m.powerMode(PowerMode.ON);
        clock.advance(config.vinReadGap());
        ackLogin();
        ackBind(BindOutcome.BOUND, ReasonCode.NONE);
        assertEquals(BOUND, m.state());

        TerminalState reloaded = new FileStateStore(dir, Clock.fixed(T0, ZoneOffset.UTC)).load();
        assertFalse(reloaded.flagSet());
        assertEquals(VIN, reloaded.lastBound().orElseThrow().vin());
        assertEquals(ID.imsi(), reloaded.lastBound().orElseThrow().imsi());
    }

    @Test
    void a_listener_that_throws_does_not_stop_the_machine() {
        machine().addListener(t -> {
            throw new IllegalStateException("listener bug");
        });
        powerOnAndRead();
        assertEquals(LOGGING_IN, machine.state());
    }

    @Test
    void stop_aborts_the_attempt_and_leaves_the_flag() {
        powerOnAndRead();
        machine.stop();
        clock.runDue();
        assertEquals(OFF, machine.state());
        assertEquals("terminal stopping; attempt aborted, VIN-request flag stays set", last().cause());
        assertEquals(Optional.of(new VinRequest(FlagReason.ASSEMBLY, T0)), store.current.vinRequest());
    }
}
