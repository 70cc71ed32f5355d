package io.vinbind.server;

import static io.vinbind.server.Fixtures.ICCID_C;
import static io.vinbind.server.Fixtures.IMEI_C;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.Topics;
import io.vinbind.server.binding.Binding;
import io.vinbind.server.history.HistoryEntry;
import io.vinbind.server.history.HistoryEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The full MQTT path on the embedded defaults: embedded HiveMQ CE broker, H2 file, real MQTT 5 clients. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedServerIT {

    @TempDir
    static Path dir;

    private BindingServer server;
    private static final java.util.concurrent.atomic.AtomicInteger SERIAL = new java.util.concurrent.atomic.AtomicInteger(100);

    /** A freshly registered terminal identity, so tests sharing the server do not meet. */
    private TestTerminal freshTerminal() throws Exception {
        String imsi = Fixtures.imsi(SERIAL.incrementAndGet());
        server.registry().register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));
        return new TestTerminal(server, imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi));
    }

    private static String freshVin() {
        return Fixtures.vin(SERIAL.incrementAndGet());
    }

    @BeforeAll
    void start() throws Exception {
        server = BindingServer.start(ServerConfig.ephemeral(dir));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void a_terminal_logs_in_binds_and_a_replay_gets_the_same_ack_without_a_second_history_row() throws Exception {
        String vin = freshVin();
        try (TestTerminal t = freshTerminal()) {
            LoginAck login = t.login();
            assertEquals(LoginOutcome.ACCEPTED, login.outcome());
            BindRequest req = t.request(vin);
            BindAck ack = t.bind(req);
            assertEquals(BindOutcome.BOUND, ack.outcome());
            assertEquals(req.requestId(), ack.requestId());
            assertEquals(vin, ack.vin());
            assertEquals(t.imsi, ack.imsi());
            int rows = server.history().forVin(vin, 100).size();

            BindAck replay = t.bind(req); // QoS 1 duplicate or a terminal retry
            assertEquals(ack, replay);
            assertEquals(rows, server.history().forVin(vin, 100).size());
            assertTrue(server.metrics().get("bind.replayed") >= 1);
            assertEquals(Optional.of(t.imsi), server.bindings().bindingOfVin(vin).map(Binding::imsi));
        }
    }

    @Test
    void bad_input_is_refused_with_a_reason_logged_counted_and_nothing_stored_changes() throws Exception {
        String vin = freshVin();
        try (TestTerminal t = freshTerminal(); TestTerminal other = freshTerminal(); TestTerminal idle = freshTerminal();
             TestTerminal stranger = new TestTerminal(server, "460019999999999", ICCID_C, IMEI_C)) {
            assertEquals(LoginOutcome.ACCEPTED, t.login().outcome());
            String good = new String(JsonCodec.encode(t.request(vin)), UTF_8);
            String before = state(t, idle, vin);

            assertRefused(t, good.replace("}", ",\"colour\":\"red\"}"), ReasonCode.MALFORMED_PAYLOAD); // extra field
            assertRefused(t, good.replaceAll(",\"vin\":\"[A-Z0-9]+\"", ""), ReasonCode.MALFORMED_PAYLOAD); // missing
            assertRefused(t, good.replace("\"version\":2", "\"version\":\"2\""), ReasonCode.MALFORMED_PAYLOAD); // type
            assertRefused(t, good.replace("\"version\":2", "\"version\":7"), ReasonCode.UNSUPPORTED_VERSION);
            assertRefused(t, good.replace("}", ",\"pad\":\"" + "x".repeat(Protocol.MAX_PAYLOAD_BYTES) + "\"}"),
                ReasonCode.PAYLOAD_TOO_LARGE);
            assertRefused(t, good.replace(vin, Fixtures.withWrongCheckDigit(vin)), ReasonCode.INVALID_VIN);
            // the payload speaks for another terminal but is published on t's topic
            assertRefused(t, good.replace("\"terminalId\":\"" + t.terminalId, "\"terminalId\":\"" + other.terminalId),
                ReasonCode.IDENTITY_MISMATCH);
            // t names another terminal's IMSI: it does not hold it (knowing an IMSI is not enough)
            assertRefused(t, good.replace("\"imsi\":\"" + t.imsi, "\"imsi\":\"" + other.imsi), ReasonCode.NOT_LOGGED_IN);
            // a registered terminal that never logged in
            assertEquals(ReasonCode.NOT_LOGGED_IN, idle.bind(vin).reason());
            // an IMSI that is not in the registry can neither log in nor bind
            assertEquals(ReasonCode.UNKNOWN_IMSI, stranger.login().reason());
            assertEquals(ReasonCode.UNKNOWN_IMSI, stranger.bind(vin).reason());

            long dropped = server.metrics().get("dropped.NO_REQUEST_ID");
            long badTopic = server.metrics().get("dropped.BAD_TOPIC");
            t.publishRawBind("this is not json".getBytes(UTF_8)); // no requestId: no reply is possible
            assertNull(t.mqtt.poll(Topics.bindAck(t.terminalId), Duration.ofMillis(800)), "no ack without a requestId");
            assertEquals(dropped + 1, server.metrics().get("dropped.NO_REQUEST_ID"));


            assertEquals(before, state(t, idle, vin), "nothing stored changed");
            assertTrue(server.metrics().get("refused.MALFORMED_PAYLOAD") >= 3);
            assertTrue(server.metrics().get("refused.PAYLOAD_TOO_LARGE") >= 1);
            assertTrue(server.metrics().get("refused.INVALID_VIN") >= 1);
            assertTrue(server.metrics().get("refused.IDENTITY_MISMATCH") >= 1);
            assertTrue(server.metrics().get("refused.NOT_LOGGED_IN") >= 1);
            assertTrue(server.metrics().get("refused.UNKNOWN_IMSI") >= 2);

            assertEquals(BindOutcome.BOUND, t.bind(vin).outcome(), "the server kept serving");

            // not a vinbind topic: the broker does not even take it from a terminal (outside its subtree), and
            // then closes the connection (HiveMQ: PUBACK 0x87, then DISCONNECT)
            assertEquals(0x87, t.mqtt.tryPublish("vinbind/v1/not-an-imsi/bind", good.getBytes(UTF_8)),
                "PUBACK Not authorized");
            assertEquals(badTopic, server.metrics().get("dropped.BAD_TOPIC"), "the server never saw it");
        }
    }

    private static void assertRefused(TestTerminal t, String payload, ReasonCode expected) throws Exception {
        t.publishRawBind(payload.getBytes(UTF_8));
        BindAck ack = t.bindAck();
        assertEquals(BindOutcome.REJECTED, ack.outcome(), payload);
        assertEquals(expected, ack.reason(), payload);
        assertEquals(t.terminalId, ack.terminalId(), "the answer goes to the terminal that published");
        assertTrue(ack.imsi().isEmpty() || ack.imsi().equals(t.imsi) || payload.contains(ack.imsi()), ack.toString());
    }

    /** What a refusal must not change: history, bindings, registry size, the idle terminal's login state. */
    private String state(TestTerminal t, TestTerminal idle, String vin) throws Exception {
        List<HistoryEntry> h = server.history().all(1000);
        return h.size() + "|" + server.bindings().bindingOfImsi(t.imsi) + "|" + server.bindings().bindingOfVin(vin)
            + "|" + server.registry().list(0, 1000).size() + "|"
            + server.registry().find(idle.imsi).orElseThrow().lastLoginAt();
    }

    @Test
    void a_second_terminal_taking_over_a_vin_rebinds_and_history_explains_it() throws Exception {
        String vin = freshVin();
        try (TestTerminal a = freshTerminal(); TestTerminal c = freshTerminal()) {
            a.login();
            c.login();
            assertEquals(BindOutcome.BOUND, a.bind(vin).outcome());
            assertEquals(BindOutcome.REBOUND, c.bind(vin).outcome());
            List<HistoryEvent> events = server.history().forVin(vin, 10).stream().map(HistoryEntry::event).toList();
            assertEquals(List.of(HistoryEvent.BOUND, HistoryEvent.RELEASED, HistoryEvent.TERMINAL_REPLACED,
                HistoryEvent.REBOUND), events);
            assertEquals(Optional.of(c.imsi), server.bindings().bindingOfVin(vin).map(Binding::imsi));
        }
    }
}
