package io.vinbind.server.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.Heartbeat;
import io.vinbind.protocol.HeartbeatAck;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.PresenceState;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.Topics;
import io.vinbind.protocol.UploadReason;
import io.vinbind.protocol.VinPolicy;
import io.vinbind.server.Fixtures;
import io.vinbind.server.MosquittoBroker;
import io.vinbind.server.ServerMetrics;
import io.vinbind.server.TestMqttClient;
import io.vinbind.server.binding.BindingService;
import io.vinbind.server.binding.IdentityPolicy;
import io.vinbind.server.binding.JdbcBindingStore;
import io.vinbind.server.binding.LoginService;
import io.vinbind.server.binding.RebindPolicy;
import io.vinbind.server.presence.Limits;
import io.vinbind.server.presence.PresenceService;
import io.vinbind.server.presence.PresenceSettings;
import io.vinbind.server.provisioning.DeviceModelLibrary;
import io.vinbind.server.provisioning.FleetFacts;
import io.vinbind.server.registry.ModemRegistry;
import io.vinbind.server.store.Database;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group commit, on a private Mosquitto (which fills the front end's receive window; the embedded HiveMQ CE
 * hands it one request at a time) and H2: requests that arrived together are decided in one transaction, each
 * answered on its own and acknowledged in arrival order, and a request that fails inside the group is decided
 * alone without touching the others' answers or what they stored. To make requests arrive together, the one
 * worker is held on a row lock by a first request while the rest queue up behind it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GroupCommitIT {

    private static final int N = 20;

    @TempDir
    Path dir;

    private MosquittoBroker mosquitto;
    private Database db;
    private MqttTap tap;
    private MqttFrontEnd frontEnd;
    private TestMqttClient terminals;
    private ServerMetrics metrics;
    private final List<String> imsis = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        StringBuilder why = new StringBuilder();
        mosquitto = MosquittoBroker.startPrivate(dir, why).orElse(null);
        assumeTrue(mosquitto != null, "skipped: needs a private Mosquitto (" + why + ")");
        db = Fixtures.memoryDatabase();
        ModemRegistry registry = new ModemRegistry(db, Clock.systemUTC());
        registry.register(Fixtures.modem(Fixtures.IMSI_A, Fixtures.iccidOf(Fixtures.IMSI_A), Fixtures.imeiOf(Fixtures.IMSI_A)));
        for (int i = 0; i < N; i++) {
            String imsi = Fixtures.imsi(700_000 + i);
            imsis.add(imsi);
            registry.register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));
        }
        JdbcBindingStore store = new JdbcBindingStore(db);
        metrics = new ServerMetrics();
        tap = new MqttTap(mosquitto.uri());
        frontEnd = new MqttFrontEnd(tap.uri(), "group-commit", MqttCredentials.none(),
            new LoginService(store, Clock.systemUTC(), IdentityPolicy.HOLD),
            new BindingService(store, Clock.systemUTC(), RebindPolicy.AUTO, VinPolicy.STRICT), metrics, 1);
        frontEnd.enablePresence(new PresenceService(db, Clock.systemUTC(), new PresenceSettings(Duration.ofHours(1),
            Duration.ofMinutes(3), new Limits(60, 300, 500)), new DeviceModelLibrary(db, Clock.systemUTC()),
            new FleetFacts(db)));
        frontEnd.enableGroupCommit(db);
        frontEnd.start();
        terminals = new TestMqttClient(mosquitto.uri(), "terminals-" + System.nanoTime());
        for (String kind : List.of("login", "bind", "heartbeat")) {
            terminals.subscribe("vinbind/v2/+/" + kind + "/ack");
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (terminals != null) {
            terminals.close();
        }
        if (frontEnd != null) {
            frontEnd.close();
        }
        if (tap != null) {
            tap.close();
        }
        if (db != null) {
            db.close();
        }
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    @Test
    void requests_that_arrive_together_share_one_commit_and_are_answered_and_acknowledged_in_order() throws Exception {
        long commitsBefore = db.commits();
        behindABlockedRequest(() -> login(Fixtures.IMSI_A, "blocker"), () -> {
            for (String imsi : imsis) {
                login(imsi, "login-" + imsi);
            }
        });
        assertEquals(LoginOutcome.ACCEPTED, JsonCodec.decodeLoginAck(await(Fixtures.IMSI_A, "login")).outcome());
        for (String imsi : imsis) {
            LoginAck ack = JsonCodec.decodeLoginAck(await(imsi, "login"));
            assertEquals("login-" + imsi, ack.requestId());
            assertEquals(imsi, ack.imsi());
            assertEquals(LoginOutcome.ACCEPTED, ack.outcome(), ack.toString());
        }
        long commits = db.commits() - commitsBefore;
        // the row-lock holder's transaction, the blocked login alone, then the N waiting ones together
        assertTrue(commits <= 3, N + 1 + " logins (and the lock holder) took " + commits + " commits");
        assertEquals(N, metrics.get("mqtt.batch.size.max"), metrics.snapshot().toString());
        assertEquals(N, metrics.get("db.group.size.max"), metrics.snapshot().toString());
        assertEquals(N + 1, count("SELECT COUNT(*) FROM terminal WHERE imsi IS NOT NULL"));
        assertEquals(N + 1, count("SELECT COUNT(*) FROM processed_request WHERE kind = 'LOGIN'"));
        waitFor(() -> pubacks().size() == sent, "every login acknowledged");
        assertEquals(deliveries(), pubacks(), "PUBACKs in the order the requests arrived");
    }

    /**
     * A request whose own write fails inside the group (a new terminal's first login: its terminal row breaks a
     * constraint) is left out of the group and decided alone; the group commits once for the others. (A bind's writes
     * are all deferred to the group's end now, so a bind cannot fail on its own: see the next test.)
     */
    @Test
    void a_request_that_fails_inside_the_group_is_decided_alone_and_the_others_keep_their_answers() throws Exception {
        login(Fixtures.IMSI_A, "blocker-login");
        await(Fixtures.IMSI_A, "login");
        String newcomer = imsis.get(N - 1);
        List<String> known = imsis.subList(0, N - 1);
        for (String imsi : known) {
            login(imsi, "login-" + imsi);
            assertEquals(LoginOutcome.ACCEPTED, JsonCodec.decodeLoginAck(await(imsi, "login")).outcome());
        }
        String poisonedTerminal = Fixtures.terminalOf(newcomer);
        db.transaction("poison", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("ALTER TABLE terminal ADD CONSTRAINT poison CHECK (terminal_id <> '" + poisonedTerminal + "')");
            }
            return null;
        });
        long commitsBefore = db.commits();
        behindABlockedRequest(() -> bind(Fixtures.IMSI_A, "blocker-bind", Fixtures.VIN_1), () -> {
            for (int i = 0; i < known.size(); i++) {
                bind(known.get(i), "bind-" + known.get(i), Fixtures.vin(500_000 + i));
            }
            login(newcomer, "poisoned");
        });
        assertEquals(BindOutcome.BOUND, JsonCodec.decodeBindAck(await(Fixtures.IMSI_A, "bind")).outcome());
        for (int i = 0; i < known.size(); i++) {
            BindAck ack = JsonCodec.decodeBindAck(await(known.get(i), "bind"));
            assertEquals(BindOutcome.BOUND, ack.outcome(), ack.toString());
            assertEquals(Fixtures.vin(500_000 + i), ack.vin());
        }
        io.vinbind.protocol.LoginAck refused = JsonCodec.decodeLoginAck(await(newcomer, "login"));
        assertEquals(LoginOutcome.REJECTED, refused.outcome(), refused.toString());
        assertEquals(ReasonCode.SERVER_ERROR, refused.reason(), refused.toString());
        assertEquals(0, count("SELECT COUNT(*) FROM terminal WHERE terminal_id = '" + poisonedTerminal + "'"));
        assertEquals(0, count("SELECT COUNT(*) FROM history WHERE request_id = 'poisoned'"), "no history");
        assertEquals(N, count("SELECT COUNT(*) FROM binding"), "the blocker's and the N - 1 binds");
        long commits = db.commits() - commitsBefore;
        // the lock holder, the blocked bind, the group; the poisoned login alone commits nothing
        assertTrue(commits <= 4, N + 1 + " requests took " + commits + " commits");
        assertTrue(metrics.get("db.group.alone.sum") >= 1, "the poisoned login was decided alone: " + metrics.snapshot());
        waitFor(() -> pubacks().size() == sent, "every request acknowledged (each was delivered once)");
        assertEquals(deliveries(), pubacks(), "PUBACKs in the order the requests arrived");
    }

    /**
     * A bind whose deferred write fails (its stored answer, written with the group's others at the group's end) cannot
     * be told from the others: the whole group is abandoned and every request decided alone, with the same answers,
     * and nothing of the poisoned one stays.
     */
    @Test
    void a_deferred_write_that_fails_abandons_the_group_and_every_request_is_decided_alone() throws Exception {
        String poison = "ALTER TABLE processed_request ADD CONSTRAINT poison CHECK (request_id <> 'poisoned')";
        login(Fixtures.IMSI_A, "blocker-login");
        await(Fixtures.IMSI_A, "login");
        for (String imsi : imsis) {
            login(imsi, "login-" + imsi);
            assertEquals(LoginOutcome.ACCEPTED, JsonCodec.decodeLoginAck(await(imsi, "login")).outcome());
        }
        db.transaction("poison", c -> {
            try (Statement s = c.createStatement()) {
                s.execute(poison);
            }
            return null;
        });
        String poisoned = imsis.get(N / 2);
        String badVin = imsis.get(3);
        long commitsBefore = db.commits();
        behindABlockedRequest(() -> bind(Fixtures.IMSI_A, "blocker-bind", Fixtures.VIN_1), () -> {
            for (int i = 0; i < N; i++) {
                String imsi = imsis.get(i);
                String vin = imsi.equals(badVin) ? Fixtures.withWrongCheckDigit(Fixtures.vin(400_000 + i))
                    : Fixtures.vin(400_000 + i);
                bind(imsi, imsi.equals(poisoned) ? "poisoned" : "bind-" + imsi, vin);
                heartbeat(imsi, 1);
            }
        });
        assertEquals(BindOutcome.BOUND, JsonCodec.decodeBindAck(await(Fixtures.IMSI_A, "bind")).outcome());
        for (int i = 0; i < N; i++) {
            String imsi = imsis.get(i);
            BindAck ack = JsonCodec.decodeBindAck(await(imsi, "bind"));
            HeartbeatAck hb = (HeartbeatAck) JsonCodec.decode(io.vinbind.protocol.MessageType.HEARTBEAT_ACK, await(imsi, "heartbeat"));
            assertEquals("hb-" + imsi + "-1", hb.requestId());
            assertEquals(60, hb.heartbeatIntervalS());
            if (imsi.equals(poisoned)) {
                assertEquals(BindOutcome.REJECTED, ack.outcome(), ack.toString());
                assertEquals(ReasonCode.SERVER_ERROR, ack.reason(), ack.toString());
            } else if (imsi.equals(badVin)) {
                assertEquals(ReasonCode.INVALID_VIN, ack.reason(), ack.toString());
            } else {
                assertEquals("bind-" + imsi, ack.requestId());
                assertEquals(BindOutcome.BOUND, ack.outcome(), ack.toString());
                assertEquals(Fixtures.vin(400_000 + i), ack.vin());
                assertEquals(1, count("SELECT COUNT(*) FROM binding WHERE imsi = '" + imsi + "' AND vin = '"
                    + Fixtures.vin(400_000 + i) + "'"));
                assertEquals(1, count("SELECT COUNT(*) FROM history WHERE request_id = 'bind-" + imsi
                    + "' AND event = 'BOUND'"));
            }
            assertEquals(1, count("SELECT heartbeats FROM presence_window WHERE terminal_id = '"
                + Fixtures.terminalOf(imsi) + "'"), "one heartbeat counted once for " + imsi);
        }
        assertEquals(0, count("SELECT COUNT(*) FROM binding WHERE imsi = '" + poisoned + "'"),
            "nothing of the poisoned bind stayed: no binding");
        assertEquals(0, count("SELECT COUNT(*) FROM history WHERE request_id = 'poisoned'"), "no history");
        assertEquals(0, count("SELECT COUNT(*) FROM binding WHERE imsi = '" + badVin + "'"));
        assertEquals(N - 1, count("SELECT COUNT(*) FROM processed_request WHERE kind = 'BIND'"),
            "the blocker's and the N - 2 good binds' answers are stored");
        long commits = db.commits() - commitsBefore;
        // every request of the group alone: the good binds and every heartbeat commit one by one
        assertTrue(commits >= 2 * N - 2, 2 * N + 1 + " requests took only " + commits + " commits");
        assertTrue(metrics.get("db.group.alone.sum") >= 2 * N - 1, "all decided alone: " + metrics.snapshot());
        waitFor(() -> pubacks().size() == sent, "every request acknowledged (each was delivered once)");
        assertEquals(deliveries(), pubacks(), "PUBACKs in the order the requests arrived");
    }

    @Test
    void a_terminal_s_requests_in_one_group_see_each_other_s_writes() throws Exception {
        login(Fixtures.IMSI_A, "blocker-login");
        await(Fixtures.IMSI_A, "login");
        List<String> some = imsis.subList(0, 5);
        for (String imsi : some) {
            login(imsi, "login-" + imsi);
            await(imsi, "login");
        }
        behindABlockedRequest(() -> bind(Fixtures.IMSI_A, "blocker-bind", Fixtures.VIN_1), () -> {
            for (int i = 0; i < some.size(); i++) {
                String imsi = some.get(i);
                bind(imsi, "first-" + imsi, Fixtures.vin(300_000 + i));
                bind(imsi, "first-" + imsi, Fixtures.vin(300_000 + i)); // delivered again
                bind(imsi, "second-" + imsi, Fixtures.vin(310_000 + i)); // moved to another vehicle
            }
        });
        await(Fixtures.IMSI_A, "bind");
        for (int i = 0; i < some.size(); i++) {
            String imsi = some.get(i);
            BindAck first = JsonCodec.decodeBindAck(await(imsi, "bind"));
            BindAck again = JsonCodec.decodeBindAck(await(imsi, "bind"));
            BindAck second = JsonCodec.decodeBindAck(await(imsi, "bind"));
            assertEquals(BindOutcome.BOUND, first.outcome(), first.toString());
            assertEquals(first, again, "the redelivery gets the stored answer of the same group's first decision");
            assertEquals(BindOutcome.REBOUND, second.outcome(), "the second upload sees the first's binding: " + second);
            assertEquals(1, count("SELECT COUNT(*) FROM binding WHERE imsi = '" + imsi + "' AND vin = '"
                + Fixtures.vin(310_000 + i) + "'"));
            assertEquals(1, count("SELECT COUNT(*) FROM history WHERE request_id = 'first-" + imsi + "' AND event = 'BOUND'"),
                "the redelivery wrote no history");
            assertEquals(1, count("SELECT COUNT(*) FROM history WHERE request_id = 'second-" + imsi + "' AND event = 'REBOUND'"));
            assertEquals(2, count("SELECT COUNT(*) FROM processed_request WHERE terminal_id = '" + Fixtures.terminalOf(imsi)
                + "' AND kind = 'BIND'"));
        }
        assertEquals(3 * some.size(), metrics.get("db.group.size.max"), metrics.snapshot().toString());
        waitFor(() -> pubacks().size() == sent, "every request acknowledged");
        assertEquals(deliveries(), pubacks(), "PUBACKs in the order the requests arrived");
    }

    /**
     * Heartbeats of online terminals in one group share two reads and two batched writes (PresenceService.Group);
     * a terminal with two heartbeats in the group, and a redelivered one, still come out right.
     */
    @Test
    void heartbeats_of_online_terminals_share_the_groups_reads_and_batched_writes() throws Exception {
        for (String imsi : imsis) { // first heartbeats: every terminal online
            heartbeat(imsi, 1);
            await(imsi, "heartbeat");
        }
        String twice = imsis.get(0);
        String again = imsis.get(1);
        long commitsBefore = db.commits();
        behindABlockedRequest(() -> login(Fixtures.IMSI_A, "blocker"), () -> {
            for (String imsi : imsis) {
                heartbeat(imsi, imsi.equals(again) ? 1 : 2); // "again" is delivered once more, nothing new
            }
            heartbeat(twice, 3);
        });
        await(Fixtures.IMSI_A, "login");
        for (String imsi : imsis) {
            HeartbeatAck ack = (HeartbeatAck) JsonCodec.decode(io.vinbind.protocol.MessageType.HEARTBEAT_ACK,
                await(imsi, "heartbeat"));
            assertEquals("hb-" + imsi + "-" + (imsi.equals(again) ? 1 : 2), ack.requestId());
            assertEquals(60, ack.heartbeatIntervalS());
            long expected = imsi.equals(twice) ? 3 : imsi.equals(again) ? 1 : 2;
            assertEquals(expected, count("SELECT heartbeats FROM presence_window WHERE terminal_id = '"
                + Fixtures.terminalOf(imsi) + "'"), "heartbeats counted for " + imsi);
            assertEquals(expected, count("SELECT last_sequence FROM presence WHERE terminal_id = '"
                + Fixtures.terminalOf(imsi) + "'"), "last sequence of " + imsi);
        }
        assertEquals("hb-" + twice + "-3", ((HeartbeatAck) JsonCodec.decode(
            io.vinbind.protocol.MessageType.HEARTBEAT_ACK, await(twice, "heartbeat"))).requestId());
        assertEquals(N, count("SELECT COUNT(*) FROM presence WHERE online = TRUE"));
        long commits = db.commits() - commitsBefore;
        assertTrue(commits <= 3, N + 1 + " heartbeats (and the blocked login) took " + commits + " commits");
        assertEquals(N + 1, metrics.get("db.group.size.max"), metrics.snapshot().toString());
        waitFor(() -> pubacks().size() == sent, "every request acknowledged");
        assertEquals(deliveries(), pubacks(), "PUBACKs in the order the requests arrived");
    }

    /**
     * The group's batched heartbeat writes cannot be left out of it like one failing request: when they fail, the
     * whole group is abandoned and every request decided alone, so no answer claims a write that was rolled back.
     */
    @Test
    void a_failing_batched_write_abandons_the_group_and_each_heartbeat_is_decided_alone() throws Exception {
        for (String imsi : imsis) {
            heartbeat(imsi, 1);
            await(imsi, "heartbeat");
        }
        db.transaction("poison", c -> {
            try (Statement st = c.createStatement()) {
                st.execute("ALTER TABLE presence ADD CONSTRAINT poison CHECK (last_sequence <> 7)");
            }
            return null;
        });
        String poisoned = imsis.get(N / 2);
        behindABlockedRequest(() -> login(Fixtures.IMSI_A, "blocker"), () -> {
            for (String imsi : imsis) {
                heartbeat(imsi, imsi.equals(poisoned) ? 7 : 2);
            }
        });
        await(Fixtures.IMSI_A, "login");
        for (String imsi : imsis) {
            if (imsi.equals(poisoned)) {
                continue;
            }
            HeartbeatAck ack = (HeartbeatAck) JsonCodec.decode(io.vinbind.protocol.MessageType.HEARTBEAT_ACK,
                await(imsi, "heartbeat"));
            assertEquals("hb-" + imsi + "-2", ack.requestId());
            assertEquals(2, count("SELECT heartbeats FROM presence_window WHERE terminal_id = '"
                + Fixtures.terminalOf(imsi) + "'"), "counted once for " + imsi);
        }
        assertNull(terminals.poll("vinbind/v2/" + Fixtures.terminalOf(poisoned) + "/heartbeat/ack",
            Duration.ofMillis(500)), "the heartbeat that cannot be stored is not answered");
        assertEquals(1, count("SELECT heartbeats FROM presence_window WHERE terminal_id = '"
            + Fixtures.terminalOf(poisoned) + "'"), "nothing of it counted");
        assertTrue(metrics.get("db.group.alone.sum") >= N, "every piece decided alone: " + metrics.snapshot());
        // (the front end replaces its connection to have the unstored one delivered again: it fails again)
        assertTrue(metrics.get("heartbeat.store.failed") >= 1, metrics.snapshot().toString());
    }

    /**
     * Holds the modem row of {@code IMSI_A} while {@code blocked} sends a request that waits for it (occupying the one
     * worker), then sends {@code together} and releases the row once all of it is queued in the front end.
     */
    private void behindABlockedRequest(Sending blocked, Sending together) throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try {
                db.transaction("hold A's registry row", c -> {
                    try (PreparedStatement s = c.prepareStatement("SELECT imsi FROM modem WHERE imsi = ? FOR UPDATE")) {
                        s.setString(1, Fixtures.IMSI_A);
                        s.executeQuery().close();
                    }
                    locked.countDown();
                    try {
                        release.await(4, TimeUnit.SECONDS); // under the 5 s lock timeout
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "row-lock-holder");
        holder.start();
        try {
            assertTrue(locked.await(10, TimeUnit.SECONDS));
            long batches = metrics.get("mqtt.batch.size.count");
            blocked.send();
            waitFor(() -> metrics.get("mqtt.batch.size.count") > batches, "the blocked request taken");
            int before = sent;
            together.send();
            int expected = sent - before;
            waitFor(() -> frontEnd.queued() == expected, expected + " requests queued behind the blocked one");
        } finally {
            release.countDown();
            holder.join(10_000);
        }
    }

    private int sent;

    @FunctionalInterface
    private interface Sending {
        void send() throws Exception;
    }

    private void login(String imsi, String requestId) throws Exception {
        LoginRequest r = LoginRequest.of(requestId, Fixtures.terminalOf(imsi), imsi, Fixtures.iccidOf(imsi),
            Fixtures.imeiOf(imsi));
        send(r.topic(), JsonCodec.encode(r));
    }

    private void bind(String imsi, String requestId, String vin) throws Exception {
        BindRequest r = BindRequest.of(requestId, Fixtures.terminalOf(imsi), imsi, Fixtures.iccidOf(imsi),
            Fixtures.imeiOf(imsi), vin, UploadReason.ASSEMBLY);
        send(r.topic(), JsonCodec.encode(r));
    }

    private void heartbeat(String imsi, int seq) throws Exception {
        String t = Fixtures.terminalOf(imsi);
        Heartbeat hb = new Heartbeat(Protocol.VERSION, "hb-" + imsi + "-" + seq, t, "s1", seq, PresenceState.ALIVE, 0);
        send(Topics.heartbeat(t), JsonCodec.encode(hb));
    }

    private void send(String topic, byte[] payload) throws Exception {
        terminals.publish(topic, payload);
        sent++;
    }

    private byte[] await(String imsi, String kind) throws InterruptedException {
        return terminals.await("vinbind/v2/" + Fixtures.terminalOf(imsi) + "/" + kind + "/ack", Duration.ofSeconds(20));
    }

    private long count(String sql) throws Exception {
        return db.query("count", c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    /** Packet ids of the requests the broker delivered to the front end, in order. */
    private List<Integer> deliveries() {
        return tap.packets().stream().filter(p -> p.direction() == MqttTap.Direction.TO_CLIENT && p.isPublish())
            .map(MqttTap.Packet::packetId).toList();
    }

    /** Packet ids of the front end's PUBACKs of requests, in order. */
    private List<Integer> pubacks() {
        return tap.packets().stream().filter(p -> p.direction() == MqttTap.Direction.TO_BROKER && p.isPuback())
            .map(MqttTap.Packet::packetId).toList();
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(10);
        }
    }
}
