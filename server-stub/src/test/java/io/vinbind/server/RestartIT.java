package io.vinbind.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.server.binding.Binding;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server stopped and started again on the same data directory (what the bench does between upload and ack). */
class RestartIT {

    @TempDir
    Path dir;

    @Test
    void a_restarted_server_keeps_registry_bindings_history_and_answers_a_replay_identically() throws Exception {
        String imsi = Fixtures.imsi(7);
        String vin = Fixtures.vin(7);
        ServerConfig config = ServerConfig.ephemeral(dir);
        BindRequest req;
        BindAck first;
        int port;
        String instance;
        try (BindingServer server = BindingServer.start(config)) {
            server.registry().register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));
            port = server.mqttUri().getPort();
            instance = server.instanceId();
            try (TestTerminal t = new TestTerminal(server, imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi))) {
                t.login();
                req = t.request(vin);
                first = t.bind(req);
                assertEquals(BindOutcome.BOUND, first.outcome());
            }
        }
        try (BindingServer again = BindingServer.start(config.withMqttPort(port))) {
            assertEquals(port, again.mqttUri().getPort(), "same broker address for the terminals");
            assertEquals(instance, again.instanceId(), "same MQTT session identity");
            assertEquals(Optional.of(imsi), again.bindings().bindingOfVin(vin).map(Binding::imsi));
            assertTrue(again.registry().find(imsi).orElseThrow().loggedIn());
            int rows = again.history().forVin(vin, 10).size();
            try (TestTerminal t = new TestTerminal(again, imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi))) {
                assertEquals(first, t.bind(req), "the ack lost in the restart is answered the same");
            }
            assertEquals(rows, again.history().forVin(vin, 10).size());
        }
    }
}
