package io.vinbind.server.binding;

import static io.vinbind.server.Fixtures.ICCID_A;
import static io.vinbind.server.Fixtures.ICCID_B;
import static io.vinbind.server.Fixtures.IMEI_A;
import static io.vinbind.server.Fixtures.IMEI_B;
import static io.vinbind.server.Fixtures.IMSI_A;
import static io.vinbind.server.Fixtures.IMSI_B;
import static io.vinbind.server.Fixtures.IMSI_C;
import static io.vinbind.server.Fixtures.VIN_1;
import static io.vinbind.server.Fixtures.VIN_2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.InvalidVinException;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.UploadReason;
import io.vinbind.protocol.VinPolicy;
import io.vinbind.server.Fixtures;
import io.vinbind.server.history.History;
import io.vinbind.server.history.HistoryEntry;
import io.vinbind.server.history.HistoryEvent;
import io.vinbind.server.registry.ModemRegistry;
import io.vinbind.server.store.Database;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The binding rules and rebind policies, on the JDBC store over a private in-memory H2 database. */
class BindingServiceTest {

    private static final String SRC = "mqtt:test";

    private Database db;
    private BindingStore store;
    private History history;
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
    private final AtomicInteger ids = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        db = Fixtures.memoryDatabase();
        store = new JdbcBindingStore(db);
        history = new History(db);
        ModemRegistry registry = new ModemRegistry(db, clock);
        registry.register(Fixtures.modem(IMSI_A, ICCID_A, IMEI_A));
        registry.register(Fixtures.modem(IMSI_B, ICCID_B, IMEI_B));
        registry.register(Fixtures.modem(IMSI_C, Fixtures.ICCID_C, Fixtures.IMEI_C));
        LoginService logins = new LoginService(store, clock, IdentityPolicy.HOLD);
        for (String[] m : new String[][] {{IMSI_A, ICCID_A, IMEI_A}, {IMSI_B, ICCID_B, IMEI_B}}) {
            assertEquals(LoginOutcome.ACCEPTED,
                logins.login(LoginRequest.of("login-" + m[0], Fixtures.terminalOf(m[0]), m[0], m[1], m[2]),
                    Fixtures.terminalOf(m[0]), SRC).ack().outcome());
        }
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private BindingService service(RebindPolicy policy) {
        return new BindingService(store, clock, policy, VinPolicy.STRICT);
    }

    private BindRequest upload(String imsi, String vin) {
        String iccid = imsi.equals(IMSI_A) ? ICCID_A : ICCID_B;
        String imei = imsi.equals(IMSI_A) ? IMEI_A : IMEI_B;
        return BindRequest.of("r-" + ids.incrementAndGet(), Fixtures.terminalOf(imsi), imsi, iccid, imei, vin,
            UploadReason.ASSEMBLY);
    }

    private BindAck bind(BindingService s, String imsi, String vin) {
        return s.bind(upload(imsi, vin), Fixtures.terminalOf(imsi), SRC).ack();
    }

    /** The binding events, in order (the logins of setUp left a first-sight row per terminal before them). */
    private List<HistoryEvent> events() throws Exception {
        return bindingRows().stream().map(HistoryEntry::event).toList();
    }

    private List<HistoryEntry> bindingRows() throws Exception {
        return history.all(1000).stream().filter(h -> h.event() != HistoryEvent.TERMINAL_FIRST_SEEN).toList();
    }

    @Test
    void rule3_binds_an_unbound_imsi_and_records_why() throws Exception {
        BindingService s = service(RebindPolicy.AUTO);
        BindRequest r = upload(IMSI_A, VIN_1);
        BindAck ack = s.bind(r, Fixtures.terminalOf(IMSI_A), SRC).ack();
        assertEquals(BindOutcome.BOUND, ack.outcome());
        assertEquals(ReasonCode.NONE, ack.reason());
        assertEquals(r.requestId(), ack.requestId());
        assertEquals(VIN_1, ack.vin());
        assertEquals(Optional.of(VIN_1), s.bindingOfImsi(IMSI_A).map(Binding::vin));
        HistoryEntry h = history.forVin(VIN_1, 10).get(0);
        assertEquals(HistoryEvent.BOUND, h.event());
        assertEquals(Optional.of("ASSEMBLY"), h.reason());
        assertEquals(Optional.of(r.requestId()), h.requestId());
        assertEquals(SRC, h.source());
    }

    @Test
    void rule1_same_pair_again_is_already_bound_and_changes_nothing() throws Exception {
        BindingService s = service(RebindPolicy.AUTO);
        bind(s, IMSI_A, VIN_1);
        String before = Fixtures.snapshot(db);
        BindAck ack = bind(s, IMSI_A, VIN_1);
        assertEquals(BindOutcome.ALREADY_BOUND, ack.outcome());
        assertEquals(List.of(HistoryEvent.BOUND), events());
        assertEquals(before.replace("processed_request=3", "processed_request=4"), Fixtures.snapshot(db),
            "only the answer for replay was stored");
    }

    @Test
    void rule2_imsi_bound_to_another_vin_is_rebound_and_history_keeps_the_old_pair() throws Exception {
        BindingService s = service(RebindPolicy.AUTO);
        bind(s, IMSI_A, VIN_1);
        BindAck ack = bind(s, IMSI_A, VIN_2);
        assertEquals(BindOutcome.REBOUND, ack.outcome());
        assertEquals(Optional.of(VIN_2), s.bindingOfImsi(IMSI_A).map(Binding::vin));
        assertEquals(Optional.empty(), s.bindingOfVin(VIN_1));
        assertEquals(List.of(HistoryEvent.BOUND, HistoryEvent.RELEASED, HistoryEvent.REBOUND), events());
        HistoryEntry rebound = bindingRows().get(2);
        assertEquals(Optional.of(VIN_1), rebound.previousVin());
        assertEquals(Optional.empty(), rebound.previousImsi());
    }

    @Test
    void rule4_vin_bound_to_another_imsi_is_released_in_the_same_transaction() throws Exception {
        BindingService s = service(RebindPolicy.AUTO);
        bind(s, IMSI_A, VIN_1);
        BindAck ack = bind(s, IMSI_B, VIN_1); // another terminal (with its own modem) in the vehicle
        assertEquals(BindOutcome.REBOUND, ack.outcome());
        assertEquals(Optional.of(IMSI_B), s.bindingOfVin(VIN_1).map(Binding::imsi));
        assertEquals(Optional.empty(), s.bindingOfImsi(IMSI_A));
        assertEquals(Optional.of(Fixtures.terminalOf(IMSI_B)), s.bindingOfVin(VIN_1).flatMap(Binding::terminalId));
        List<HistoryEntry> rows = bindingRows();
        assertEquals(List.of(HistoryEvent.BOUND, HistoryEvent.RELEASED, HistoryEvent.TERMINAL_REPLACED,
            HistoryEvent.REBOUND), events());
        HistoryEntry released = rows.get(1);
        assertEquals(Optional.of(IMSI_A), released.imsi());
        HistoryEntry replaced = rows.get(2);
        assertEquals(Optional.of(Fixtures.terminalOf(IMSI_A)), replaced.previousTerminalId(), "the terminal it replaced");
        assertEquals(Optional.of(Fixtures.terminalOf(IMSI_B)), replaced.terminalId());
        HistoryEntry rebound = rows.get(3);
        assertEquals(Optional.of(IMSI_A), rebound.previousImsi());
        assertEquals(Optional.of(Fixtures.terminalOf(IMSI_A)), rebound.previousTerminalId());
    }

    @Test
    void rules2_and_4_together_release_both_old_pairs_leaving_one_binding_per_side() throws Exception {
        BindingService s = service(RebindPolicy.AUTO);
        bind(s, IMSI_A, VIN_1);
        bind(s, IMSI_B, VIN_2);
        assertEquals(BindOutcome.REBOUND, bind(s, IMSI_A, VIN_2).outcome());
        assertEquals(Optional.of(IMSI_A), s.bindingOfVin(VIN_2).map(Binding::imsi));
        assertEquals(Optional.empty(), s.bindingOfImsi(IMSI_B));
        assertEquals(Optional.empty(), s.bindingOfVin(VIN_1));
        assertEquals(1, Fixtures.count(db, "binding"));
        assertEquals(List.of(HistoryEvent.BOUND, HistoryEvent.BOUND, HistoryEvent.RELEASED, HistoryEvent.RELEASED,
            HistoryEvent.TERMINAL_REPLACED, HistoryEvent.REBOUND), events());
    }

    @Test
    void a_replayed_request_id_gets_the_same_ack_and_no_second_history_row_even_after_later_changes()
        throws Exception {
        BindingService s = service(RebindPolicy.AUTO);
        BindRequest first = upload(IMSI_A, VIN_1);
        BindAck original = s.bind(first, Fixtures.terminalOf(IMSI_A), SRC).ack();
        bind(s, IMSI_A, VIN_2); // a later upload rebinds
        long historyRows = Fixtures.count(db, "history");
        BindResult replay = s.bind(first, Fixtures.terminalOf(IMSI_A), SRC);
        assertTrue(replay.replayed());
        assertEquals(original, replay.ack());
        assertEquals(BindOutcome.BOUND, replay.ack().outcome());
        assertEquals(historyRows, Fixtures.count(db, "history"));
        assertEquals(Optional.of(VIN_2), s.bindingOfImsi(IMSI_A).map(Binding::vin), "replay changed nothing");
    }

    @Test
    void a_replayed_rejection_or_hold_gets_the_same_ack_and_stores_nothing_more() throws Exception {
        BindingService reject = service(RebindPolicy.REJECT);
        bind(reject, IMSI_A, VIN_1);
        BindRequest refused = upload(IMSI_B, VIN_1);
        BindAck first = reject.bind(refused, Fixtures.terminalOf(IMSI_B), SRC).ack();
        assertEquals(ReasonCode.REBIND_REJECTED, first.reason());
        String afterRefusal = Fixtures.snapshot(db);
        BindResult replay = reject.bind(refused, Fixtures.terminalOf(IMSI_B), SRC);
        assertTrue(replay.replayed());
        assertEquals(first, replay.ack());
        assertEquals(afterRefusal, Fixtures.snapshot(db), "no second REBIND_REJECTED row");

        BindingService hold = service(RebindPolicy.HOLD);
        BindRequest held = upload(IMSI_A, VIN_2);
        BindAck pending = hold.bind(held, Fixtures.terminalOf(IMSI_A), SRC).ack();
        assertEquals(BindOutcome.PENDING, pending.outcome());
        long holdId = hold.pending(10).get(0).id();
        String afterHold = Fixtures.snapshot(db);
        assertEquals(pending, hold.bind(held, Fixtures.terminalOf(IMSI_A), SRC).ack());
        assertEquals(afterHold, Fixtures.snapshot(db), "the replay neither holds again nor supersedes its own hold");
        assertEquals(List.of(holdId), hold.pending(10).stream().map(PendingRebind::id).toList());
    }

    @Test
    void a_terminal_gets_conflict_retry_when_retries_run_out_and_server_error_when_the_database_fails() {
        BindingService conflicted = new BindingService(failingStore(
            new io.vinbind.server.store.ConflictException("still conflicted after 6 attempts", null)), clock,
            RebindPolicy.AUTO, VinPolicy.STRICT);
        BindAck ack = bind(conflicted, IMSI_A, VIN_1);
        assertEquals(BindOutcome.REJECTED, ack.outcome());
        assertEquals(ReasonCode.CONFLICT_RETRY, ack.reason());
        assertTrue(ack.reason().isRetryable(), "the terminal keeps its flag and tries again");
        BindingService broken = new BindingService(failingStore(
            new io.vinbind.server.store.StoreException("connection refused", null)), clock,
            RebindPolicy.AUTO, VinPolicy.STRICT);
        assertEquals(ReasonCode.SERVER_ERROR, bind(broken, IMSI_A, VIN_1).reason());
    }

    private static BindingStore failingStore(io.vinbind.server.store.StoreException failure) {
        return new BindingStore() {
            @Override
            public <T> T inTransaction(String what, Work<T> work) throws io.vinbind.server.store.StoreException {
                throw failure;
            }

            @Override
            public <T> T read(String what, Work<T> work) throws io.vinbind.server.store.StoreException {
                throw failure;
            }
        };
    }

    @Test
    void old_answers_are_forgotten_except_those_of_undecided_holds() throws Exception {
        BindingService now = service(RebindPolicy.HOLD);
        bind(now, IMSI_A, VIN_1);
        bind(now, IMSI_A, VIN_2); // held
        assertEquals(4, Fixtures.count(db, "processed_request"), "2 logins, BOUND, PENDING");
        BindingService later = new BindingService(store, Clock.offset(clock, java.time.Duration.ofDays(31)),
            RebindPolicy.HOLD, VinPolicy.STRICT);
        assertEquals(0, later.purgeAnswers(java.time.Duration.ofDays(40)));
        assertEquals(3, later.purgeAnswers(java.time.Duration.ofDays(30)));
        assertEquals(1, Fixtures.count(db, "processed_request"), "the PENDING answer stays until decided");
    }

    @Test
    void the_answer_of_a_superseded_hold_is_forgotten_like_any_other() throws Exception {
        BindingService now = service(RebindPolicy.HOLD);
        bind(now, IMSI_A, VIN_1);
        bind(now, IMSI_A, VIN_2); // held, then superseded by the next upload: never decided
        bind(now, IMSI_A, Fixtures.VIN_3); // held
        assertEquals(5, Fixtures.count(db, "processed_request"), "2 logins, BOUND, 2 PENDING");
        BindingService later = new BindingService(store, Clock.offset(clock, java.time.Duration.ofDays(31)),
            RebindPolicy.HOLD, VinPolicy.STRICT);
        assertEquals(4, later.purgeAnswers(java.time.Duration.ofDays(30)));
        String kept = db.query("kept", c -> {
            try (var st = c.createStatement(); var rs = st.executeQuery("SELECT vin FROM processed_request")) {
                rs.next();
                return rs.getString(1);
            }
        });
        assertEquals(Fixtures.VIN_3, kept, "only the open hold's answer stays");
    }

    @Test
    void reject_policy_refuses_a_rebind_keeps_the_binding_and_records_the_refusal() throws Exception {
        BindingService s = service(RebindPolicy.REJECT);
        assertEquals(BindOutcome.BOUND, bind(s, IMSI_A, VIN_1).outcome());
        BindAck ack = bind(s, IMSI_B, VIN_1);
        assertEquals(BindOutcome.REJECTED, ack.outcome());
        assertEquals(ReasonCode.REBIND_REJECTED, ack.reason());
        assertEquals(Optional.of(IMSI_A), s.bindingOfVin(VIN_1).map(Binding::imsi));
        assertEquals(List.of(HistoryEvent.BOUND, HistoryEvent.REBIND_REJECTED), events());
    }

    @Test
    void hold_policy_answers_pending_and_approval_applies_the_rebind_with_the_original_request_id()
        throws Exception {
        BindingService s = service(RebindPolicy.HOLD);
        assertEquals(BindOutcome.BOUND, bind(s, IMSI_A, VIN_1).outcome(), "a first binding is not held");
        BindRequest change = upload(IMSI_A, VIN_2);
        BindAck pending = s.bind(change, Fixtures.terminalOf(IMSI_A), SRC).ack();
        assertEquals(BindOutcome.PENDING, pending.outcome());
        assertEquals(ReasonCode.REBIND_HELD, pending.reason());
        assertEquals(Optional.of(VIN_1), s.bindingOfImsi(IMSI_A).map(Binding::vin), "nothing changed yet");
        List<PendingRebind> holds = s.pending(10);
        assertEquals(1, holds.size());
        assertEquals(change.requestId(), holds.get(0).requestId());

        BindAck decided = s.approve(holds.get(0).id(), "alice");
        assertEquals(BindOutcome.REBOUND, decided.outcome());
        assertEquals(change.requestId(), decided.requestId());
        assertEquals(Optional.of(VIN_2), s.bindingOfImsi(IMSI_A).map(Binding::vin));
        assertEquals(List.of(HistoryEvent.BOUND, HistoryEvent.REBIND_HELD, HistoryEvent.REBIND_APPROVED,
            HistoryEvent.RELEASED, HistoryEvent.REBOUND), events());
        assertEquals("http:alice", bindingRows().get(2).source());
        assertEquals(decided, s.bind(change, Fixtures.terminalOf(IMSI_A), SRC).ack(), "a replay now gets the decision");
        assertTrue(s.pending(10).isEmpty());
        assertThrows(IllegalStateException.class, () -> s.approve(holds.get(0).id(), "bob"));
    }

    @Test
    void hold_denied_keeps_the_binding_and_answers_rebind_denied() throws Exception {
        BindingService s = service(RebindPolicy.HOLD);
        bind(s, IMSI_A, VIN_1);
        bind(s, IMSI_B, VIN_1);
        long id = s.pending(10).get(0).id();
        BindAck denied = s.deny(id, "alice").orElseThrow();
        assertEquals(BindOutcome.REJECTED, denied.outcome());
        assertEquals(ReasonCode.REBIND_DENIED, denied.reason());
        assertEquals(IMSI_B, denied.imsi());
        assertEquals(Fixtures.terminalOf(IMSI_B), denied.terminalId(), "the decision goes to the terminal that asked");
        assertEquals(Optional.of(IMSI_A), s.bindingOfVin(VIN_1).map(Binding::imsi));
        assertEquals(HistoryEvent.REBIND_DENIED, events().get(2));
        assertThrows(NotFoundException.class, () -> s.deny(id + 100, "alice"));
        assertThrows(IllegalArgumentException.class, () -> s.approve(id, "not an operator!"));
    }

    /**
     * A hold left by a server before protocol v2 names no terminal (V3 added the column). It used to be refused
     * both ways (409 over HTTP) while the refusal said "reject it", so it stayed PENDING for ever; now it can be
     * rejected (nobody to tell: no ack), and approving it is refused, since nothing authenticated who uploaded.
     */
    @Test
    void a_hold_made_before_protocol_v2_can_be_rejected_but_not_approved() throws Exception {
        BindingService s = service(RebindPolicy.HOLD);
        bind(s, IMSI_A, VIN_1);
        long[] ids = new long[2];
        for (int i = 0; i < 2; i++) {
            String requestId = "v1-upload-" + i;
            ids[i] = db.transaction("a v1 hold", c -> {
                try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO pending_rebind (imsi, vin,"
                    + " request_id, upload_reason, requested_at, state) VALUES (?, ?, ?, 'ASSEMBLY', ?, 'PENDING')",
                    java.sql.Statement.RETURN_GENERATED_KEYS)) {
                    ps.setString(1, IMSI_A);
                    ps.setString(2, VIN_2);
                    ps.setString(3, requestId);
                    ps.setObject(4, java.time.OffsetDateTime.parse("2026-01-01T00:00:00Z"));
                    ps.executeUpdate();
                    try (java.sql.ResultSet keys = ps.getGeneratedKeys()) {
                        keys.next();
                        return keys.getLong(1);
                    }
                }
            });
        }
        assertEquals(2, s.pending(10).size());
        assertTrue(s.pending(10).get(0).terminalId().isEmpty(), "a v1 hold names no terminal");

        IllegalStateException approve = assertThrows(IllegalStateException.class, () -> s.approve(ids[0], "alice"));
        assertTrue(approve.getMessage().contains("reject it"), approve.getMessage());
        assertEquals(Optional.of(VIN_1), s.bindingOfImsi(IMSI_A).map(Binding::vin), "nothing approved");

        s.deny(ids[0], "alice"); // what the refusal above advises must work
        assertEquals(List.of(ids[1]), s.pending(10).stream().map(PendingRebind::id).toList(), "the first is decided");
        assertEquals(Optional.of(VIN_1), s.bindingOfImsi(IMSI_A).map(Binding::vin));
        HistoryEntry denied = bindingRows().get(bindingRows().size() - 1);
        assertEquals(HistoryEvent.REBIND_DENIED, denied.event());
        assertEquals("http:alice", denied.source());
        assertEquals(Optional.of("v1-upload-0"), denied.requestId());
        assertThrows(IllegalStateException.class, () -> s.deny(ids[0], "alice"), "decided once");
    }

    @Test
    void a_newer_upload_supersedes_an_undecided_hold_of_the_same_imsi() throws Exception {
        BindingService s = service(RebindPolicy.HOLD);
        bind(s, IMSI_A, VIN_1);
        bind(s, IMSI_A, VIN_2);
        bind(s, IMSI_A, Fixtures.VIN_3);
        List<PendingRebind> open = s.pending(10);
        assertEquals(1, open.size());
        assertEquals(Fixtures.VIN_3, open.get(0).vin());
        assertTrue(events().contains(HistoryEvent.REBIND_SUPERSEDED));
    }

    @Test
    void bad_input_is_refused_with_a_reason_and_touches_nothing_stored() throws Exception {
        BindingService s = service(RebindPolicy.AUTO);
        bind(s, IMSI_A, VIN_1);
        String before = Fixtures.snapshot(db);
        // the payload speaks for IMSI_A but arrived on IMSI_B's topic
        // the payload speaks for IMSI_A's terminal but arrived on IMSI_B's terminal's topic
        assertEquals(ReasonCode.IDENTITY_MISMATCH,
            s.bind(upload(IMSI_A, VIN_2), Fixtures.terminalOf(IMSI_B), SRC).ack().reason());
        assertEquals(Fixtures.terminalOf(IMSI_B),
            s.bind(upload(IMSI_A, VIN_2), Fixtures.terminalOf(IMSI_B), SRC).ack().terminalId(),
            "ack goes to the topic's terminal");
        // a terminal binding an IMSI it does not hold (IMSI_A is held by IMSI_A's terminal)
        BindRequest foreign = BindRequest.of("r-f", Fixtures.terminalOf(IMSI_B), IMSI_A, ICCID_A, IMEI_A, VIN_2,
            UploadReason.ASSEMBLY);
        assertEquals(ReasonCode.NOT_LOGGED_IN, s.bind(foreign, Fixtures.terminalOf(IMSI_B), SRC).ack().reason());
        assertEquals(ReasonCode.INVALID_VIN, bind(s, IMSI_A, Fixtures.withWrongCheckDigit(VIN_2)).reason());
        assertEquals(ReasonCode.INVALID_VIN, bind(s, IMSI_A, "TOO-SHORT").reason());
        // right check digit, but model-year code U: refused by the terminal's strict rules, so by the server too
        assertEquals(ReasonCode.INVALID_VIN, bind(s, IMSI_A, "X4T1Y0RR4U557GTMR").reason());
        String unregistered = "460019999999999";
        assertEquals(ReasonCode.UNKNOWN_IMSI, s.bind(BindRequest.of("r-x", "T-X", unregistered, ICCID_A, IMEI_A,
            VIN_2, UploadReason.ASSEMBLY), "T-X", SRC).ack().reason());
        assertEquals(ReasonCode.NOT_LOGGED_IN, bind(s, IMSI_C, VIN_2).reason(), "registered but never logged in");
        assertEquals(before, Fixtures.snapshot(db));
    }

    @Test
    void lenient_vin_check_accepts_a_wrong_check_digit_or_model_year_but_not_wrong_syntax() {
        BindingService s = new BindingService(store, clock, RebindPolicy.AUTO, VinPolicy.LENIENT);
        assertEquals(BindOutcome.BOUND, bind(s, IMSI_A, "WVWZZZ1JZXW000001").outcome());
        assertEquals(BindOutcome.BOUND, bind(s, IMSI_B, "X4T1Y0RR4U557GTMR").outcome());
        assertEquals(ReasonCode.INVALID_VIN, bind(s, IMSI_B, "WVWZZZ1JZXW00000O").reason());
    }

    @Test
    void manual_unbind_removes_the_live_binding_and_records_who_and_why() throws Exception {
        BindingService s = service(RebindPolicy.AUTO);
        bind(s, IMSI_A, VIN_1);
        Binding removed = s.unbind(VIN_1, "workshop-7", "terminal replaced under warranty");
        assertEquals(IMSI_A, removed.imsi());
        assertEquals(Optional.empty(), s.bindingOfVin(VIN_1));
        HistoryEntry h = history.forVin(VIN_1, 10).get(1);
        assertEquals(HistoryEvent.UNBOUND, h.event());
        assertEquals("http:workshop-7", h.source());
        assertEquals(Optional.of("terminal replaced under warranty"), h.reason());
        assertThrows(NotFoundException.class, () -> s.unbind(VIN_1, "workshop-7", null));
        assertEquals(BindOutcome.BOUND, bind(s, IMSI_B, VIN_1).outcome(), "the VIN is free again");
    }

    @Test
    void a_user_resolves_to_vin_and_imsi_for_remote_commands() throws Exception {
        BindingService s = service(RebindPolicy.AUTO);
        bind(s, IMSI_A, VIN_1);
        s.linkUser("user-42", VIN_1);
        s.linkUser("user-42", VIN_1); // idempotent
        s.linkUser("user-42", VIN_2); // sold, terminal not bound yet
        List<VehicleRoute> routes = s.routesOf("user-42");
        assertEquals(2, routes.size());
        assertEquals(Optional.of(IMSI_A), route(routes, VIN_1).binding().map(Binding::imsi));
        assertEquals(Optional.empty(), route(routes, VIN_2).binding());
        bind(s, IMSI_B, VIN_1); // the vehicle's modem was replaced: commands now go to IMSI_B
        assertEquals(Optional.of(IMSI_B), route(s.routesOf("user-42"), VIN_1).binding().map(Binding::imsi));
        assertTrue(s.unlinkUser("user-42", VIN_2));
        assertFalse(s.unlinkUser("user-42", VIN_2));
        assertThrows(InvalidVinException.class, () -> s.linkUser("user-42", "NOT-A-VIN"));
        assertThrows(IllegalArgumentException.class, () -> s.routesOf("user 42"));
    }

    private static VehicleRoute route(List<VehicleRoute> routes, String vin) {
        return routes.stream().filter(r -> r.vin().equals(vin)).findFirst().orElseThrow();
    }

    @Test
    void concurrent_conflicting_uploads_leave_one_live_binding_per_vin_and_per_imsi() throws Exception {
        BindingService s = service(RebindPolicy.AUTO);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<BindAck>> work = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                work.add(() -> bind(s, IMSI_A, VIN_1));
                work.add(() -> bind(s, IMSI_B, VIN_1)); // two IMSIs, one VIN
                work.add(() -> bind(s, IMSI_A, VIN_2)); // one IMSI, two VINs
            }
            for (Future<BindAck> f : pool.invokeAll(work, 60, TimeUnit.SECONDS)) {
                BindAck ack = f.get();
                assertTrue(ack.outcome().isBound(), "every upload was decided: " + ack);
            }
        } finally {
            pool.shutdownNow();
        }
        long bindings = Fixtures.count(db, "binding");
        assertTrue(bindings >= 1 && bindings <= 2, "bindings " + bindings);
        long distinctVins = db.query("vins", c -> {
            try (var st = c.createStatement(); var rs = st.executeQuery("SELECT COUNT(DISTINCT vin), COUNT(DISTINCT imsi),"
                + " COUNT(*) FROM binding")) {
                rs.next();
                assertEquals(rs.getLong(3), rs.getLong(1), "one binding per VIN");
                assertEquals(rs.getLong(3), rs.getLong(2), "one binding per IMSI");
                return rs.getLong(1);
            }
        });
        assertEquals(bindings, distinctVins);
        long bound = events().stream().filter(e -> e == HistoryEvent.BOUND || e == HistoryEvent.REBOUND).count();
        long released = events().stream().filter(e -> e == HistoryEvent.RELEASED).count();
        assertEquals(bindings, bound - released, "history explains every live binding");
    }
}
