package io.vinbind.server.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.UploadReason;
import io.vinbind.protocol.VinPolicy;
import io.vinbind.server.Fixtures;
import io.vinbind.server.MosquittoBroker;
import io.vinbind.server.ServerMetrics;
import io.vinbind.server.TestMqttClient;
import io.vinbind.server.binding.BindingService;
import io.vinbind.server.binding.JdbcBindingStore;
import io.vinbind.server.binding.LoginService;
import io.vinbind.server.binding.RebindPolicy;
import io.vinbind.server.broker.EmbeddedBroker;
import io.vinbind.server.registry.ModemRegistry;
import io.vinbind.server.store.Database;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the broker receives from the front end, watched on the wire between them ({@link MqttTap}): PUBACKs
 * in the order the requests arrived, each only after its answer was published; no PUBACK for a request
 * whose answer could not be published, which the broker then delivers again.
 */
class AcknowledgementOrderIT {

    @TempDir
    Path dir;

    private EmbeddedBroker broker;
    private MosquittoBroker mosquitto;
    private Database db;
    private MqttTap tap;
    private MqttFrontEnd frontEnd;
    private final ServerMetrics metrics = new ServerMetrics();
    private TestMqttClient terminal;

    @BeforeEach
    void database() throws Exception {
        db = Fixtures.memoryDatabase();
        ModemRegistry registry = new ModemRegistry(db, Clock.systemUTC());
        for (String imsi : new String[] {Fixtures.IMSI_A, Fixtures.IMSI_B, Fixtures.IMSI_C}) {
            registry.register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));
        }
    }

    /** The front end behind a tap to {@code brokerUri}, and a terminal on the broker itself. */
    private void startFrontEnd(java.net.URI brokerUri) throws Exception {
        JdbcBindingStore store = new JdbcBindingStore(db);
        tap = new MqttTap(brokerUri);
        frontEnd = new MqttFrontEnd(tap.uri(), "ack-order", io.vinbind.server.mqtt.MqttCredentials.none(), new LoginService(store, Clock.systemUTC(), io.vinbind.server.binding.IdentityPolicy.HOLD),
            new BindingService(store, Clock.systemUTC(), RebindPolicy.AUTO, VinPolicy.STRICT), metrics,
            4, Duration.ofSeconds(2));
        frontEnd.start();
        terminal = new TestMqttClient(brokerUri, "terminal-" + System.nanoTime());
        terminal.subscribe("vinbind/v2/+/login/ack");
    }

    @AfterEach
    void stop() throws Exception {
        if (terminal != null) {
            terminal.close();
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
        if (broker != null) {
            broker.close();
        }
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    /**
     * A login that waits for a row lock, then a bind on another terminal decided at once. On Mosquitto: the
     * embedded HiveMQ CE hands the front end a shared-subscription message only after it acknowledged the
     * one before (seen here with this test), so there two requests are never open at once.
     */
    @Test
    void a_request_finished_first_is_acknowledged_after_the_one_that_arrived_before_it() throws Exception {
        StringBuilder why = new StringBuilder();
        mosquitto = MosquittoBroker.startPrivate(dir, why).orElse(null);
        assumeTrue(mosquitto != null, "skipped: needs a private Mosquitto (" + why + ")");
        startFrontEnd(mosquitto.uri());
        terminal.subscribe("vinbind/v2/+/bind/ack");
        login(Fixtures.IMSI_B, "login-B");
        assertEquals(LoginOutcome.ACCEPTED, JsonCodec.decodeLoginAck(await(Fixtures.IMSI_B, "login")).outcome());
        waitFor(() -> pubacks().size() == 1, "B's login acknowledged");
        int before = tap.packets().size();

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
                        release.await(10, TimeUnit.SECONDS);
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
        assertTrue(locked.await(10, TimeUnit.SECONDS));

        long batches = metrics.get("mqtt.batch.size.count");
        login(Fixtures.IMSI_A, "slow-A");   // waits for the row lock
        MqttTap.Packet requestA = delivered(before, "vinbind/v2/" + Fixtures.terminalOf(Fixtures.IMSI_A) + "/login");
        // A taken by a worker before B is sent: two requests in the inbox at once would be one batch, B behind A
        waitFor(() -> metrics.get("mqtt.batch.size.count") > batches, "A taken by a worker");
        BindRequest bind = BindRequest.of("quick-B", Fixtures.terminalOf(Fixtures.IMSI_B), Fixtures.IMSI_B,
            Fixtures.iccidOf(Fixtures.IMSI_B),
            Fixtures.imeiOf(Fixtures.IMSI_B), Fixtures.VIN_1, UploadReason.ASSEMBLY);
        terminal.publish(bind.topic(), JsonCodec.encode(bind));  // decided at once
        BindAck quick = JsonCodec.decodeBindAck(await(Fixtures.IMSI_B, "bind"));
        assertEquals("quick-B", quick.requestId());
        assertEquals(BindOutcome.BOUND, quick.outcome());
        MqttTap.Packet requestB = delivered(before, bind.topic());
        assertTrue(requestA.atMillis() <= requestB.atMillis(), "A arrived first");

        Thread.sleep(300); // a front end acknowledging in finishing order would have PUBACKed B by now
        assertEquals(1, pubacks().size(), "B answered but not acknowledged while A, which arrived first, is open: "
            + tap.packets().subList(before, tap.packets().size()));

        release.countDown();
        holder.join(10_000);
        assertEquals(LoginOutcome.ACCEPTED, JsonCodec.decodeLoginAck(await(Fixtures.IMSI_A, "login")).outcome());
        waitFor(() -> pubacks().size() == 3, "both requests acknowledged");
        assertEquals(List.of(requestA.packetId(), requestB.packetId()),
            pubacks().subList(1, 3).stream().map(MqttTap.Packet::packetId).toList(), "PUBACKs in arrival order");
    }

    @Test
    void a_request_whose_answer_is_not_published_is_not_acknowledged_and_comes_back() throws Exception {
        broker = io.vinbind.server.broker.OpenBroker.start(0, dir.resolve("broker"));
        startFrontEnd(broker.uri());
        String ackTopic = "vinbind/v2/" + Fixtures.terminalOf(Fixtures.IMSI_C) + "/login/ack";
        int[] dropped = {0};
        tap.drop(p -> p.direction() == MqttTap.Direction.TO_BROKER && p.isPublish() && ackTopic.equals(p.topic())
            && dropped[0]++ == 0); // the server's first answer never reaches the broker

        login(Fixtures.IMSI_C, "answer-lost");
        LoginAck ack = JsonCodec.decodeLoginAck(await(Fixtures.IMSI_C, "login"));
        assertEquals("answer-lost", ack.requestId(), "answered after the redelivery");
        assertEquals(LoginOutcome.ACCEPTED, ack.outcome());

        // the answer may reach the terminal before the request comes back: the front end's client sends its
        // unacknowledged answer again on the new connection, and the broker its unacknowledged request, in either
        // order; so the redelivery is waited for, not read from a snapshot taken when the answer came
        waitFor(() -> tap.packets().stream().anyMatch(p -> p.connection() >= 2
            && p.direction() == MqttTap.Direction.TO_CLIENT && p.isPublish()), "the request delivered again");
        List<MqttTap.Packet> toServer = tap.packets().stream()
            .filter(p -> p.direction() == MqttTap.Direction.TO_CLIENT && p.isPublish()).toList();
        MqttTap.Packet first = toServer.get(0);
        assertEquals(1, first.connection());
        assertTrue(tap.packets().stream().noneMatch(p -> p.connection() == 1 && p.direction()
            == MqttTap.Direction.TO_BROKER && p.isPuback() && p.packetId() == first.packetId()),
            "the request whose answer was lost was never acknowledged on its connection");
        assertTrue(tap.connections() >= 2, "the front end replaced its connection");
        MqttTap.Packet again = toServer.stream().filter(p -> p.connection() >= 2).findFirst().orElse(null);
        assertNotNull(again, "the broker delivered the request again: " + toServer);
        waitFor(() -> tap.packets().stream().anyMatch(p -> p.connection() == again.connection()
            && p.direction() == MqttTap.Direction.TO_BROKER && p.isPuback() && p.packetId() == again.packetId()),
            "the redelivered request acknowledged once answered");
    }

    private void login(String imsi, String requestId) throws Exception {
        LoginRequest r = LoginRequest.of(requestId, Fixtures.terminalOf(imsi), imsi, Fixtures.iccidOf(imsi),
            Fixtures.imeiOf(imsi));
        terminal.publish(r.topic(), JsonCodec.encode(r));
    }

    private byte[] await(String imsi, String kind) throws InterruptedException {
        byte[] payload = terminal.await("vinbind/v2/" + Fixtures.terminalOf(imsi) + "/" + kind + "/ack", Duration.ofSeconds(20));
        assertNotNull(payload, "no " + kind + " ack for " + imsi);
        return payload;
    }

    /** The broker's delivery to the server of the request on {@code topic}, seen after packet {@code from}. */
    private MqttTap.Packet delivered(int from, String topic) throws InterruptedException {
        waitFor(() -> tap.packets().stream().skip(from).anyMatch(p -> p.direction() == MqttTap.Direction.TO_CLIENT
            && p.isPublish() && topic.equals(p.topic())), "delivery on " + topic);
        return tap.packets().stream().skip(from).filter(p -> p.direction() == MqttTap.Direction.TO_CLIENT
            && p.isPublish() && topic.equals(p.topic())).findFirst().orElseThrow();
    }

    private List<MqttTap.Packet> pubacks() {
        return tap.packets().stream().filter(p -> p.direction() == MqttTap.Direction.TO_BROKER && p.isPuback())
            .toList();
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
