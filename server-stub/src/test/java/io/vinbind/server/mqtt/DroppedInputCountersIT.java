package io.vinbind.server.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.VinPolicy;
import io.vinbind.server.BindingServer;
import io.vinbind.server.Fixtures;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.ServerMetrics;
import io.vinbind.server.TestMqttClient;
import io.vinbind.server.auth.Role;
import io.vinbind.server.binding.BindingService;
import io.vinbind.server.binding.IdentityPolicy;
import io.vinbind.server.binding.JdbcBindingStore;
import io.vinbind.server.binding.LoginService;
import io.vinbind.server.binding.RebindPolicy;
import io.vinbind.server.broker.EmbeddedBroker;
import io.vinbind.server.broker.OpenBroker;
import io.vinbind.server.store.Database;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The front end's counters of input it drops without an answer ({@code dropped.BAD_TOPIC},
 * {@code dropped.UNEXPECTED_ACK}; docs/server.md, "bad input"), as {@code GET /metrics} shows them.
 */
class DroppedInputCountersIT {

    @TempDir
    Path dir;

    private static final byte[] JUNK = "{}".getBytes(StandardCharsets.US_ASCII);

    /**
     * A broker that lets anyone publish anything (a {@code tcp://} broker on loopback, which the server accepts
     * with a warning) hands the server's shared subscription {@code vinbind/v2/+/login} whatever matches it,
     * e.g. a terminal id level that is no terminal id. Each is counted, answered with nothing, and the next
     * good request is still answered.
     */
    @Test
    void a_request_on_a_malformed_topic_is_counted_as_bad_topic_in_the_metrics_and_not_answered() throws Exception {
        try (EmbeddedBroker open = OpenBroker.start(0, dir.resolve("open-broker"));
             BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir.resolve("server"))
                 .withExternalBroker(open.uri()));
             TestMqttClient anyone = new TestMqttClient(open.uri(), "anyone")) {
            String imsi = Fixtures.imsi(1);
            server.registry().register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));
            anyone.subscribe("vinbind/#");
            String viewer = Fixtures.token(server, Role.VIEWER);
            assertEquals(0, counter(server, viewer, "dropped.BAD_TOPIC"));

            anyone.publish("vinbind/v2/bad id!/login", JUNK);              // not a terminal id: a space and a '!'
            anyone.publish("vinbind/v2/" + "x".repeat(65) + "/bind", JUNK); // a terminal id is 1-64 characters
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (counter(server, viewer, "dropped.BAD_TOPIC") < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(2, counter(server, viewer, "dropped.BAD_TOPIC"));

            String terminal = Fixtures.terminalOf(imsi);
            LoginRequest login = LoginRequest.of("after-junk", terminal, imsi, Fixtures.iccidOf(imsi),
                Fixtures.imeiOf(imsi));
            anyone.publish(login.topic(), JsonCodec.encode(login));
            LoginAck ack = JsonCodec.decodeLoginAck(anyone.await("vinbind/v2/" + terminal + "/login/ack",
                Duration.ofSeconds(20)));
            assertEquals("after-junk", ack.requestId(), "still serving");
            assertTrue(anyone.arrivals().stream().filter(t -> t.endsWith("/ack")).allMatch(
                t -> t.equals("vinbind/v2/" + terminal + "/login/ack")), "nothing answered the junk: " + anyone.arrivals());
            assertEquals(1, counter(server, viewer, "login.received"), "the junk was never taken for a login");
            assertEquals(0, counter(server, viewer, "bind.received"));
        }
    }

    /**
     * An ack never matches the server's subscriptions ({@code …/+/login}, {@code …/+/bind}), so no broker hands
     * it one; should one arrive all the same (a broker bug, a subscription added by mistake), it is counted as
     * {@code dropped.UNEXPECTED_ACK} and dropped, never decided: the front end's own entry point, directly.
     */
    @Test
    void an_ack_reaching_the_front_end_is_counted_as_unexpected_and_never_decided() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            JdbcBindingStore store = new JdbcBindingStore(db);
            ServerMetrics metrics = new ServerMetrics();
            MqttFrontEnd front = new MqttFrontEnd(URI.create("tcp://127.0.0.1:1"), "svc:vinbind-server:counters",
                MqttCredentials.none(), new LoginService(store, Clock.systemUTC(), IdentityPolicy.HOLD),
                new BindingService(store, Clock.systemUTC(), RebindPolicy.AUTO, VinPolicy.STRICT), metrics, 1);
            try {
                String before = Fixtures.snapshot(db);
                assertTrue(front.handle("vinbind/v2/T-1/login/ack", JUNK), "dropped: nothing to publish, acknowledged");
                assertTrue(front.handle("vinbind/v2/T-1/bind/ack", JUNK));
                assertTrue(front.handle("vinbind/v3/T-1/login", JUNK));
                assertEquals(2, metrics.get("dropped.UNEXPECTED_ACK"));
                assertEquals(1, metrics.get("dropped.BAD_TOPIC"));
                assertEquals(0, metrics.get("login.received") + metrics.get("bind.received"), metrics.snapshot().toString());
                assertEquals(before, Fixtures.snapshot(db), "nothing stored");
            } finally {
                front.close();
            }
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    /** A counter as {@code GET /metrics} shows it (0 when absent). */
    private long counter(BindingServer server, String token, String name) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.httpBaseUri().resolve("/metrics"))
            .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode v = json.readTree(r.body()).get(name);
        return v == null ? 0 : v.asLong();
    }
}
