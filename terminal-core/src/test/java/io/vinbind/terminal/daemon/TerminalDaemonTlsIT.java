package io.vinbind.terminal.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.can.CanChannel;
import io.vinbind.can.sim.EcuSimulator;
import io.vinbind.can.sim.EcuSimulatorConfig;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.can.vehicle.PowerModeLayout;
import io.vinbind.can.virtual.VirtualCanBus;
import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemConfig;
import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.link.InMemoryLinkPair;
import io.vinbind.modem.sim.Identity;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.modem.sim.SimulatorConfig;
import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.MessageType;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.Topics;
import io.vinbind.terminal.adapter.AtModemPort;
import io.vinbind.terminal.config.TerminalConfig;
import io.vinbind.terminal.machine.BindingState;
import io.vinbind.terminal.machine.StateTransition;
import io.vinbind.terminal.machine.TerminalListener;
import io.vinbind.terminal.testsupport.MosquittoBroker;
import io.vinbind.terminal.testsupport.TestCerts;
import io.vinbind.terminal.testsupport.TestCerts.Issued;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon configured as on a head unit: {@code ssl://} broker, the factory's credential files
 * ({@code ca.pem}, {@code terminal.pem}, {@code terminal.key} 0600), no {@code terminal.id}; against a private
 * mutual-TLS Mosquitto with the documented ACL and a stand-in server holding a service certificate.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TerminalDaemonTlsIT {

    static final String VIN = "1M8GDM9AXKP042788";
    static final String IMSI = "460001234567890";
    static final String TERMINAL_ID = "TBOX-TLS-0001";

    @TempDir
    Path dir;

    TestCerts.TerminalFiles files;
    MosquittoBroker broker;
    EcuSimulator ecu;
    String busName;
    InMemoryLinkPair link;
    ModemSimulator modemSim;
    Modem modem;
    AtModemPort modemPort;
    MqttAsyncClient server;
    final List<BindRequest> binds = new CopyOnWriteArrayList<>();
    final List<String> requestTopics = new CopyOnWriteArrayList<>();
    final List<StateTransition> transitions = new CopyOnWriteArrayList<>();
    TerminalDaemon daemon;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(MosquittoBroker.binary().isPresent(), "skipped: no mosquitto binary on this machine");
        files = TestCerts.terminalFiles(dir.resolve("etc-vinbind"), TERMINAL_ID);
        Issued brokerCert = TestCerts.server(files.serviceCa(), "test-broker", List.of("localhost"),
                List.of("127.0.0.1"));
        broker = MosquittoBroker.startTls(dir, List.of(files.terminalCa().certificate(),
                files.serviceCa().certificate()), brokerCert, MosquittoBroker.TERMINAL_ACL);
        busName = "daemon-tls-it-" + System.nanoTime();
        CanChannel ecuNode = VirtualCanBus.named(busName).connect("smart-key-ecu");
        ecu = EcuSimulator.start(ecuNode, EcuSimulatorConfig.of(VIN)
                .withPower(PowerMode.OFF, Duration.ofMillis(50), PowerModeLayout.defaults()));
        link = InMemoryLinkPair.create("modem-tls-it");
        modemSim = ModemSimulator.start(link.b(), SimulatorConfig.DEFAULT.withIdentity(
                Identity.of(IMSI, "89860012345678901234", "867698041234561")));
        modem = Modem.attach(AtEngine.start(link.a()), ModemConfig.DEFAULT);
        modemPort = new AtModemPort(modem, io.vinbind.modem.Apn.of("cmnet"), Duration.ofSeconds(5),
                Duration.ofSeconds(10));
        startServer();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (server != null) {
            if (server.isConnected()) {
                server.disconnect().waitForCompletion(2000);
            }
            server.close();
        }
        if (modemPort != null) {
            modemPort.close();
            modem.close();
            modemSim.close();
            link.close();
        }
        if (ecu != null) {
            ecu.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    Properties properties() {
        Properties p = new Properties();
        p.setProperty("can.channel", "virtual:" + busName);
        p.setProperty("power.silence-off", "2s");
        p.setProperty("modem.port", "/dev/null"); // the modem port is handed in below
        p.setProperty("modem.apn", "cmnet");
        p.setProperty("mqtt.broker", broker.uri());
        p.setProperty("mqtt.ca-file", files.caFile().toString());
        p.setProperty("mqtt.cert-file", files.certFile().toString());
        p.setProperty("mqtt.key-file", files.keyFile().toString());
        p.setProperty("data.dir", dir.resolve("data").toString());
        p.setProperty("retry.initial", "200ms");
        p.setProperty("retry.max", "1s");
        p.setProperty("service.poll", "300ms");
        return p;
    }

    TerminalDaemon daemon(TerminalConfig config) {
        return TerminalDaemon.builder(config).modem(modemPort).listener(new TerminalListener() {
            @Override
            public void onTransition(StateTransition t) {
                transitions.add(t);
            }
        }).build();
    }

    /** The stand-in server with a service certificate: acks every login and binds every VIN. */
    void startServer() throws MqttException {
        Issued service = TestCerts.service(files.serviceCa(), "test-server");
        server = new MqttAsyncClient(broker.uri(), "svc-test-server", new MemoryPersistence());
        server.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) throws Exception {
                requestTopics.add(topic);
                if (topic.endsWith("/login")) {
                    LoginRequest r = JsonCodec.decodeLoginRequest(message.getPayload());
                    server.publish(Topics.loginAck(r.terminalId()),
                            JsonCodec.encode(LoginAck.accepted(r.requestId(), r.terminalId(), r.imsi())), 1, false);
                } else {
                    BindRequest r = JsonCodec.decodeBindRequest(message.getPayload());
                    binds.add(r);
                    server.publish(Topics.bindAck(r.terminalId()), JsonCodec.encode(BindAck.answering(r,
                            BindOutcome.BOUND, ReasonCode.NONE)), 1, false);
                }
            }

            @Override
            public void disconnected(MqttDisconnectResponse r) {
            }

            @Override
            public void mqttErrorOccurred(MqttException e) {
            }

            @Override
            public void deliveryComplete(IMqttToken t) {
            }

            @Override
            public void connectComplete(boolean reconnect, String uri) {
            }

            @Override
            public void authPacketArrived(int code, MqttProperties p) {
            }
        });
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setSocketFactory(TestCerts.sslContext(service, List.of(files.serviceCa().certificate())).getSocketFactory());
        o.setHttpsHostnameVerificationEnabled(true);
        server.connect(o).waitForCompletion(5000);
        server.subscribe(Topics.allTerminals(MessageType.LOGIN), 1).waitForCompletion(5000);
        server.subscribe(Topics.allTerminals(MessageType.BIND), 1).waitForCompletion(5000);
    }

    static void await(java.util.function.BooleanSupplier condition, Duration bound, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + bound.toMillis() + " ms: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    @Test
    void a_fresh_terminal_binds_over_mutual_tls_as_the_terminal_its_certificate_names() throws Exception {
        TerminalConfig config = TerminalConfig.fromProperties(properties(), dir);
        assertEquals(TERMINAL_ID, config.terminalId());
        daemon = daemon(config);
        daemon.start();
        ecu.setPowerMode(PowerMode.ON);
        await(() -> daemon.state() == BindingState.BOUND, Duration.ofSeconds(30), "bound; transitions " + transitions);

        assertEquals(1, binds.size());
        assertEquals(TERMINAL_ID, binds.get(0).terminalId());
        assertEquals(IMSI, binds.get(0).imsi());
        assertEquals(List.of("vinbind/v2/" + TERMINAL_ID + "/login", "vinbind/v2/" + TERMINAL_ID + "/bind"),
                requestTopics);
        assertFalse(daemon.terminalState().flagSet());
        assertTrue(transitions.stream().anyMatch(t -> t.cause().startsWith("connected as terminal " + TERMINAL_ID)),
                transitions.toString());
    }

    @Test
    void a_key_file_opened_up_after_the_configuration_was_read_stops_the_start() throws Exception {
        TerminalConfig config = TerminalConfig.fromProperties(properties(), dir);
        Files.setPosixFilePermissions(files.keyFile(), PosixFilePermissions.fromString("rw-r--r--"));
        daemon = daemon(config);
        TerminalStartException e = assertThrows(TerminalStartException.class, daemon::start);
        assertTrue(e.getMessage().startsWith("cannot use the terminal's TLS files: key file " + files.keyFile()
                + " has mode 0644"), e.getMessage());
    }
}
