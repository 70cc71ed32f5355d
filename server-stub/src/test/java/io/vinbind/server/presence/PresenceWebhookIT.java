package io.vinbind.server.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.vinbind.protocol.Heartbeat;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.PresenceState;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.Topics;
import io.vinbind.server.BindingServer;
import io.vinbind.server.Fixtures;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.TestMqttClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server started with a presence webhook (as {@code --presence-webhook} starts it): a terminal's heartbeat over
 * mutual TLS and its POWER_OFF reach the back end as ONLINE and OFFLINE events, with the bearer token.
 */
@Timeout(60)
class PresenceWebhookIT {

    @TempDir
    Path dir;

    @Test
    void a_terminal_going_online_and_offline_reaches_the_back_end() throws Exception {
        LinkedBlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        List<String> auth = new ArrayList<>();
        HttpServer backEnd = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backEnd.createContext("/presence", x -> {
            JsonNode body = new ObjectMapper().readTree(x.getRequestBody().readAllBytes());
            synchronized (auth) {
                auth.add(x.getRequestHeaders().getFirst("Authorization"));
            }
            body.get("events").forEach(events::add);
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        backEnd.start();
        URI url = URI.create("http://127.0.0.1:" + backEnd.getAddress().getPort() + "/presence");
        PresenceSettings settings = PresenceSettings.DEFAULT.withWebhook(new EventWebhook.Target(url,
            Optional.of("back-end-token"), Optional.empty()));
        try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir.resolve("server")),
                Clock.systemUTC(), List.of(), settings)) {
            String id = "TBOX-HOOK-1";
            try (TestMqttClient terminal = new TestMqttClient(server.mqttUri(), id,
                    Fixtures.terminalCredentials(server, id))) {
                terminal.subscribe(Topics.heartbeatAck(id));
                terminal.publish(Topics.heartbeat(id), JsonCodec.encode(new Heartbeat(Protocol.VERSION, "hb-1", id,
                    "s1", 1, PresenceState.ALIVE, 0)));
                assertNotNull(terminal.await(Topics.heartbeatAck(id), Duration.ofSeconds(10)));
                terminal.publish(Topics.heartbeat(id), JsonCodec.encode(new Heartbeat(Protocol.VERSION, "hb-2", id,
                    "s1", 2, PresenceState.POWER_OFF, 0)));
                assertNotNull(terminal.await(Topics.heartbeatAck(id), Duration.ofSeconds(10)));
            }
            JsonNode online = events.poll(15, TimeUnit.SECONDS);
            JsonNode offline = events.poll(15, TimeUnit.SECONDS);
            assertNotNull(online, "ONLINE delivered");
            assertNotNull(offline, "OFFLINE delivered");
            assertEquals(id + " ONLINE FIRST_HEARTBEAT", online.get("terminalId").asText() + " "
                + online.get("event").asText() + " " + online.get("cause").asText());
            assertEquals(id + " OFFLINE POWER_OFF", offline.get("terminalId").asText() + " "
                + offline.get("event").asText() + " " + offline.get("cause").asText());
            synchronized (auth) {
                assertEquals("Bearer back-end-token", auth.get(0));
            }
        } finally {
            backEnd.stop(0);
        }
    }
}
