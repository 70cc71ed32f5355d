package io.vinbind.server.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.protocol.BindOutcome;
import io.vinbind.server.BindingServer;
import io.vinbind.server.Fixtures;
import io.vinbind.server.MosquittoBroker;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.TestTerminal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away and comes back empty (no sessions): the server notices, reconnects by itself,
 * subscribes again and serves terminals; its health says so meanwhile.
 */
class BrokerOutageIT {

    @TempDir
    Path dir;

    private MosquittoBroker mosquitto;

    @BeforeEach
    void privateMosquitto() throws Exception {
        mosquitto = MosquittoBroker.startOrSkip(dir);
        assumeTrue(mosquitto.isPrivate(), "skipped: needs the mosquitto binary to stop and restart a broker");
    }

    @AfterEach
    void stop() throws Exception {
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    @Test
    void the_server_reconnects_and_resubscribes_after_a_broker_restart() throws Exception {
        String imsi = Fixtures.imsi(42);
        try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir)
            .withExternalBroker(mosquitto.uri()).withInstanceId("outage-test"))) {
            server.registry().register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));

            mosquitto.stop();
            waitFor(() -> !server.isHealthy(), Duration.ofSeconds(20), "health turns DOWN");
            mosquitto.startAgain();
            waitFor(server::isHealthy, Duration.ofSeconds(60), "reconnected");

            try (TestTerminal t = new TestTerminal(mosquitto.uri(), imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi))) {
                t.login();
                assertEquals(BindOutcome.BOUND, t.bind(Fixtures.vin(42)).outcome(), "subscriptions are back");
            }
        }
    }

    private static void waitFor(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(100);
        }
    }
}
