package io.vinbind.server.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.MessageType;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.Topics;
import io.vinbind.server.BindingServer;
import io.vinbind.server.Fixtures;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.TestMqttClient;
import io.vinbind.server.TestTerminal;
import io.vinbind.server.binding.Binding;
import io.vinbind.server.cli.ServerCli;
import io.vinbind.server.mqtt.MqttCredentials;
import io.vinbind.server.pki.TestPki;
import io.vinbind.server.pki.TlsMaterial;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same attacks against a Mosquitto 2 configured by {@code ./vinbind server mosquitto-config} (TLS,
 * {@code require_certificate}, {@code use_identity_as_username}, CRLs) with vinbind's ACL plugin built by
 * {@code ./vinbind server mosquitto-plugin}, with the server on it over {@code ssl://}, and what Mosquitto
 * really does with each. Without the plugin (an acl_file of pattern rules) Mosquitto 2.0.11 grants every
 * subscription and filters only at delivery: a terminal in the servers' share group made 10 of 20 requests
 * vanish, which is why the plugin exists. Skipped with the reason when mosquitto, gcc or Mosquitto's plugin
 * headers are not installed (CI installs them).
 */
class MosquittoSecurityIT {

    @TempDir
    Path dir;

    private Process mosquitto;
    private BindingServer server;
    private TestPki pki;
    private URI broker;

    @BeforeEach
    void start() throws Exception {
        Optional<Path> binary = findMosquitto();
        assumeTrue(binary.isPresent(), "skipped: no mosquitto binary on PATH");
        Path pkiDir = dir.resolve("pki");
        pki = TestPki.create(pkiDir);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path plugin = dir.resolve("plugin").resolve("vinbind_acl.so");
        java.io.StringWriter buildErr = new java.io.StringWriter();
        picocli.CommandLine build = ServerCli.commandLine();
        build.setErr(new java.io.PrintWriter(buildErr));
        assumeTrue(build.execute("mosquitto-plugin", "--out", plugin.toString()) == 0,
            "skipped: cannot build the Mosquitto ACL plugin (gcc, mosquitto-dev, libmosquitto-dev): " + buildErr);
        Path conf = dir.resolve("mosquitto");
        int rc = ServerCli.commandLine().execute("mosquitto-config", "--pki", pkiDir.toString(), "--out",
            conf.toString(), "--port", "" + port, "--listen", "127.0.0.1", "--plugin", plugin.toString(),
            "--extra", "log_dest file " + dir.resolve("mosquitto.log"), "--extra", "persistence false",
            // started as root here, Mosquitto would switch to its own user, which cannot read the test's files
            "--extra", "user " + System.getProperty("user.name"));
        assertEquals(0, rc, "mosquitto-config");
        mosquitto = new ProcessBuilder(binary.get().toString(), "-c", conf.resolve("mosquitto.conf").toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.out").toFile()).start();
        waitForPort(port);
        broker = URI.create("ssl://127.0.0.1:" + port);
        server = BindingServer.start(ServerConfig.ephemeral(dir.resolve("data")).withExternalBroker(broker)
            .withPkiDir(pkiDir).withInstanceId("mosq-sec"));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (mosquitto != null) {
            mosquitto.destroy();
            if (!mosquitto.waitFor(10, TimeUnit.SECONDS)) {
                mosquitto.destroyForcibly();
            }
        }
    }

    private TestTerminal terminal(int n) throws Exception {
        String imsi = Fixtures.imsi(n);
        server.registry().register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));
        String id = Fixtures.terminalOf(imsi);
        return new TestTerminal(broker, id, imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi),
            credentialsOf(pki.issueTerminal(id)));
    }

    private MqttCredentials credentialsOf(TestPki.Issued issued) throws Exception {
        return MqttCredentials.tls(TlsMaterial.clientContext(pki.serviceCaFile(), issued.certificateFile(),
            issued.keyFile()));
    }

    /** The plugin confines the eSIM relay's topics as the embedded broker does (its rules in vinbind_acl.c). */
    @Test
    void relay_topics_are_confined_to_the_terminal_and_the_server() throws Exception {
        try (TestTerminal victim = terminal(11); TestTerminal spy = terminal(12)) {
            assertTrue(victim.mqtt.trySubscribe(Topics.esimBatch(victim.terminalId)) < 0x80, "its own batches");
            for (String filter : new String[] {Topics.esimBatch(victim.terminalId), "vinbind/v2/+/esim/batch",
                "vinbind/v2/+/esim/result", Topics.esimResult(victim.terminalId),
                Topics.sharedSubscription(MessageType.ESIM_RESULT)}) {
                assertEquals(0x87, spy.mqtt.trySubscribe(filter), "SUBACK Not authorized for " + filter);
            }
            byte[] result = JsonCodec.encode(new io.vinbind.protocol.EsimResult(2, "s.0", victim.terminalId, "s", 0,
                io.vinbind.protocol.BatchOutcome.COMPLETED, io.vinbind.protocol.RelayReason.NONE, java.util.List.of("9000"),
                ""));
            assertTrue(victim.mqtt.tryPublish(Topics.esimResult(victim.terminalId), result) < 0x80, "its own result");
            assertEquals(0x87, spy.mqtt.tryPublish(Topics.esimResult(victim.terminalId), result),
                "PUBACK Not authorized for another's result");
        }
        try (TestTerminal victim = terminal(13); TestTerminal forger = terminal(14)) {
            assertEquals(0x87, forger.mqtt.tryPublish(Topics.esimBatch(victim.terminalId), new byte[] {'{', '}'}),
                "PUBACK Not authorized: only servers send batches");
        }
    }

    @Test
    void a_terminal_binds_over_tls_and_cannot_read_or_take_anything_of_another() throws Exception {
        try (TestTerminal victim = terminal(1); TestTerminal spy = terminal(2)) {
            assertEquals(LoginOutcome.ACCEPTED, victim.login().outcome());
            for (String filter : new String[] {"vinbind/v2/+/login", "vinbind/v2/+/bind", "vinbind/v2/+/bind/ack",
                "#", Topics.sharedSubscription(MessageType.LOGIN), Topics.sharedSubscription(MessageType.BIND),
                Topics.bindAck(victim.terminalId)}) {
                assertEquals(0x87, spy.mqtt.trySubscribe(filter), "SUBACK Not authorized for " + filter);
            }
            for (int i = 0; i < 20; i++) {
                assertEquals(LoginOutcome.ACCEPTED, victim.login().outcome(), "request " + i + " reached the server");
            }
            assertEquals(BindOutcome.BOUND, victim.bind(Fixtures.vin(1)).outcome(),
                "the server still gets every request, none went to the spy");
            assertTrue(spy.mqtt.arrivals().isEmpty(), "nothing reached the spy: " + spy.mqtt.arrivals());

            String forged = new String(JsonCodec.encode(new BindAck(2, "r-sniffed", victim.terminalId, victim.imsi,
                Fixtures.vin(2), BindOutcome.BOUND, ReasonCode.NONE)), StandardCharsets.UTF_8);
            int code = spy.mqtt.tryPublish(Topics.bindAck(victim.terminalId), forged.getBytes(StandardCharsets.UTF_8));
            assertEquals(0x87, code, "PUBACK Not authorized for a forged answer");
            assertNull(victim.mqtt.poll(Topics.bindAck(victim.terminalId), Duration.ofMillis(500)),
                "the forged answer never reached the terminal");
            assertEquals(0x87, spy.mqtt.tryPublish(Topics.bind(victim.terminalId),
                JsonCodec.encode(victim.request(Fixtures.vin(3)))), "PUBACK Not authorized on the victim's topic");
            Thread.sleep(500);
            assertEquals(Optional.of(Fixtures.vin(1)), server.bindings().bindingOfImsi(victim.imsi).map(Binding::vin),
                "a bind on the victim's topic never reached the server");
        }
    }

    @Test
    void refused_without_a_valid_certificate_of_a_trusted_ca() throws Exception {
        TestPki foreign = TestPki.create(dir.resolve("foreign"));
        TestPki.Issued alien = foreign.issueTerminal("T-foreign");
        assertThrows(MqttException.class, () -> new TestMqttClient(broker, "T-foreign",
            MqttCredentials.tls(TlsMaterial.clientContext(pki.serviceCaFile(), alien.certificateFile(), alien.keyFile()))));
        TestPki.Issued expired = pki.issueTerminal("T-expired", Instant.now().minus(Duration.ofDays(30)),
            Instant.now().minus(Duration.ofDays(1)));
        assertThrows(MqttException.class, () -> new TestMqttClient(broker, "T-expired", credentialsOf(expired)));
        assertThrows(MqttException.class, () -> new TestMqttClient(broker, "T-nocert",
            MqttCredentials.tls(javax.net.ssl.SSLContext.getDefault())));
    }

    @Test
    void a_revoked_terminal_is_refused_by_the_server_at_once_and_by_mosquitto_once_it_reads_the_crl() throws Exception {
        try (TestTerminal t = terminal(3)) {
            assertEquals(LoginOutcome.ACCEPTED, t.login().outcome());
            server.terminals().revoke(t.terminalId, "admin", "stolen");
            assertEquals(ReasonCode.TERMINAL_REVOKED, t.login().reason(),
                "the server refuses it at once, before Mosquitto knows (it reads the CRL at start)");
        }
    }

    private static Optional<Path> findMosquitto() {
        for (String d : new String[] {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"}) {
            Path p = Path.of(d, "mosquitto");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private void waitForPort(int port) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!mosquitto.isAlive()) {
                throw new AssertionError("mosquitto exited: " + Files.readString(dir.resolve("mosquitto.out")));
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("mosquitto did not listen on " + port + ": " + Files.readString(dir.resolve("mosquitto.out")));
    }
}
