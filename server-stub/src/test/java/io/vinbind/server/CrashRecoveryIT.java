package io.vinbind.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.Topics;
import io.vinbind.server.binding.Binding;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that crashes keeps its MQTT session on an external broker: a bind published while it is down is
 * delivered to the restarted instance (same instance id) and answered, without the terminal re-sending.
 */
class CrashRecoveryIT {

    @TempDir
    Path dir;

    private MosquittoBroker mosquitto;

    @BeforeEach
    void requireMosquitto() throws Exception {
        mosquitto = MosquittoBroker.startOrSkip(dir);
    }

    @AfterEach
    void stopMosquitto() throws Exception {
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    @Test
    void a_bind_published_while_the_server_is_down_is_answered_after_the_restart() throws Exception {
        String imsi = Fixtures.imsi(700_000 + (int) (Math.random() * 90_000));
        String vin = Fixtures.vin(700_001);
        ServerConfig config = ServerConfig.ephemeral(dir).withExternalBroker(mosquitto.uri())
            .withInstanceId("crash-" + UUID.randomUUID().toString().substring(0, 8));
        BindingServer first = BindingServer.start(config);
        try (TestTerminal t = new TestTerminal(mosquitto.uri(), imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi))) {
            first.registry().register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));
            t.login();
            first.kill();

            BindRequest req = t.request(vin);
            t.mqtt.publish(Topics.bind(t.terminalId), JsonCodec.encode(req)); // nobody is consuming right now

            try (BindingServer second = BindingServer.start(config)) {
                BindAck ack = t.bindAck();
                assertEquals(req.requestId(), ack.requestId());
                assertEquals(BindOutcome.BOUND, ack.outcome());
                assertEquals(Optional.of(imsi), second.bindings().bindingOfVin(vin).map(Binding::imsi));
            }
        } finally {
            first.close();
        }
    }
}
