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
import io.vinbind.protocol.UploadReason;
import io.vinbind.terminal.adapter.AtModemPort;
import io.vinbind.terminal.config.TerminalConfig;
import io.vinbind.terminal.machine.BindingState;
import io.vinbind.terminal.machine.StateTransition;
import io.vinbind.terminal.machine.TerminalListener;
import io.vinbind.terminal.state.FileStateStore;
import io.vinbind.terminal.state.TerminalState;
import io.vinbind.terminal.testsupport.MosquittoBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon in-process with real parts: the can-bus ECU simulator on a virtual CAN bus (UDS VIN and the
 * power-mode broadcast through the daemon's own adapters), the modem-at simulator behind the real AT
 * engine and {@link Modem}, and Paho against a private Mosquitto, with a stand-in server that records
 * requests and acks them. The real binding server is wired in by the bench (hil-tests).
 */
class TerminalDaemonIT {

    static final String VIN = "1M8GDM9AXKP042788";
    static final String IMSI = "460001234567890";
    static final String TERMINAL_ID = "TBOX-IT-0001";

    @TempDir
    Path dir;

    MosquittoBroker broker;
    String busName;
    EcuSimulator ecu;
    InMemoryLinkPair link;
    ModemSimulator modemSim;
    Modem modem;
    AtModemPort modemPort;
    MqttAsyncClient server;
    final List<BindRequest> binds = new CopyOnWriteArrayList<>();
    final List<StateTransition> transitions = new CopyOnWriteArrayList<>();
    TerminalDaemon daemon;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(MosquittoBroker.binary().isPresent(), "skipped: no mosquitto binary on this machine");
        broker = MosquittoBroker.start(dir);
        busName = "daemon-it-" + System.nanoTime();
        CanChannel ecuNode = VirtualCanBus.named(busName).connect("smart-key-ecu");
        ecu = EcuSimulator.start(ecuNode, EcuSimulatorConfig.of(VIN)
                .withPower(PowerMode.OFF, Duration.ofMillis(50), PowerModeLayout.defaults()));
        link = InMemoryLinkPair.create("modem-it");
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
            server.disconnect().waitForCompletion(2000);
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

    TerminalConfig config() throws Exception {
        Properties p = new Properties();
        p.setProperty("can.channel", "virtual:" + busName);
        p.setProperty("power.silence-off", "2s");
        p.setProperty("modem.port", "/dev/null"); // the modem port is handed in below
        p.setProperty("modem.apn", "cmnet");
        p.setProperty("mqtt.broker", broker.uri()); // loopback: plaintext allowed, the terminal id from terminal.id
        p.setProperty("terminal.id", TERMINAL_ID);
        p.setProperty("data.dir", dir.resolve("data").toString());
        p.setProperty("retry.initial", "200ms");
        p.setProperty("retry.max", "1s");
        p.setProperty("service.poll", "300ms");
        return TerminalConfig.fromProperties(p, dir);
    }

    void startDaemon() throws Exception {
        daemon = TerminalDaemon.builder(config()).modem(modemPort).listener(new TerminalListener() {
            @Override
            public void onTransition(StateTransition t) {
                transitions.add(t);
            }
        }).build();
        daemon.start();
    }

    /** Acks every login and binds every VIN (BOUND), recording the bind requests. */
    void startServer() throws MqttException {
        server = new MqttAsyncClient(broker.uri(), "stand-in-server", new MemoryPersistence());
        server.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) throws Exception {
                if (topic.endsWith("/login")) {
                    LoginRequest r = JsonCodec.decodeLoginRequest(message.getPayload());
                    server.publish(Topics.loginAck(r.terminalId()),
                            JsonCodec.encode(LoginAck.accepted(r.requestId(), r.terminalId(), r.imsi())), 1, false);
                } else {
                    BindRequest r = JsonCodec.decodeBindRequest(message.getPayload());
                    binds.add(r);
                    server.publish(Topics.bindAck(r.terminalId()), JsonCodec.encode(BindAck.answering(r,
                            binds.size() == 1 ? BindOutcome.BOUND : BindOutcome.REBOUND, ReasonCode.NONE)), 1, false);
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
        server.connect(o).waitForCompletion(5000);
        server.subscribe(Topics.allTerminals(MessageType.LOGIN), 1).waitForCompletion(5000);
        server.subscribe(Topics.allTerminals(MessageType.BIND), 1).waitForCompletion(5000);
    }

    static void await(BooleanSupplier condition, Duration bound, String what) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + bound.toMillis() + " ms: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    @Test
    void fresh_terminal_binds_on_ignition_and_a_restart_finds_nothing_to_do() throws Exception {
        startDaemon();
        ecu.setPowerMode(PowerMode.ON);
        await(() -> daemon.state() == BindingState.BOUND, Duration.ofSeconds(20), "bound; transitions " + transitions);

        assertEquals(List.of(BindingState.READING_VIN, BindingState.IDENTIFYING_MODEM, BindingState.ATTACHING,
                BindingState.CONNECTING, BindingState.LOGGING_IN, BindingState.UPLOADING, BindingState.BOUND),
                transitions.stream().map(StateTransition::to).toList());
        assertEquals(1, binds.size());
        assertEquals(VIN, binds.get(0).vin());
        assertEquals(IMSI, binds.get(0).imsi());
        assertEquals(TERMINAL_ID, binds.get(0).terminalId());
        assertEquals(UploadReason.ASSEMBLY, binds.get(0).reason());
        TerminalState onDisk = new FileStateStore(dir.resolve("data"), java.time.Clock.systemUTC()).load();
        assertFalse(onDisk.flagSet());
        assertEquals(VIN, onDisk.lastBound().orElseThrow().vin());

        // power off (the broadcast says OFF), restart the daemon, power on: same VIN and modem, no upload
        ecu.setPowerMode(PowerMode.OFF);
        await(() -> daemon.state() == BindingState.OFF, Duration.ofSeconds(5), "off");
        daemon.close();
        transitions.clear();
        startDaemon();
        ecu.setPowerMode(PowerMode.ACC);
        await(() -> daemon.state() == BindingState.BOUND, Duration.ofSeconds(20), "bound again");
        assertEquals(List.of(BindingState.READING_VIN, BindingState.IDENTIFYING_MODEM, BindingState.BOUND),
                transitions.stream().map(StateTransition::to).toList());
        assertEquals(1, binds.size(), "nothing uploaded");
    }

    @Test
    void swapped_sim_is_noticed_at_the_next_power_up_and_rebound() throws Exception {
        startDaemon();
        ecu.setPowerMode(PowerMode.ON);
        await(() -> daemon.state() == BindingState.BOUND, Duration.ofSeconds(20), "bound");
        ecu.setPowerMode(PowerMode.OFF);
        await(() -> daemon.state() == BindingState.OFF, Duration.ofSeconds(5), "off");

        modemSim.setIdentity(Identity.of("460001234567899", "89860012345678909999", "867698041234561"));
        ecu.setPowerMode(PowerMode.ON);
        await(() -> binds.size() == 2 && daemon.state() == BindingState.BOUND, Duration.ofSeconds(20),
                "rebound; transitions " + transitions);
        assertEquals(UploadReason.MODEM_REPLACED, binds.get(1).reason());
        assertEquals("460001234567899", daemon.terminalState().lastBound().orElseThrow().imsi());
    }

    @Test
    void silent_power_broadcast_counts_as_off_and_aborts_with_flag_kept() throws Exception {
        ecu.setFault(new io.vinbind.can.sim.EcuFault.Silence());
        startDaemon();
        ecu.setPowerMode(PowerMode.ON);
        await(() -> daemon.state() == BindingState.READING_VIN, Duration.ofSeconds(5), "reading");
        ecu.close(); // the body controller goes to sleep: no more broadcasts
        ecu = null;
        await(() -> daemon.state() == BindingState.OFF, Duration.ofSeconds(10), "off after silence");
        assertTrue(daemon.terminalState().flagSet());
        assertTrue(binds.isEmpty());
    }

    @Test
    void losing_the_can_adapter_reports_off_and_a_failure_for_the_service_manager() throws Exception {
        CanChannel terminalNode = VirtualCanBus.named(busName).connect("terminal");
        daemon = TerminalDaemon.builder(config()).modem(modemPort).canChannel(terminalNode).build();
        daemon.start();
        ecu.setPowerMode(PowerMode.ON);
        await(() -> daemon.state() != BindingState.OFF, Duration.ofSeconds(5), "powered");
        terminalNode.close(); // the adapter is unplugged
        Exception failure = daemon.failure().get(5, TimeUnit.SECONDS);
        assertTrue(failure.getMessage().startsWith("CAN channel virtual:" + busName + " failed"), failure.getMessage());
        await(() -> daemon.state() == BindingState.OFF, Duration.ofSeconds(5), "off");
    }

    @Test
    void a_second_daemon_on_the_same_data_directory_is_refused() throws Exception {
        startDaemon();
        TerminalDaemon second = TerminalDaemon.builder(config()).modem(modemPort).build();
        TerminalStartException e = assertThrows(TerminalStartException.class, second::start);
        assertTrue(e.getMessage().contains("is in use by another terminal daemon"), e.getMessage());
        second.close();
    }

    @Test
    void request_bind_file_written_while_bound_makes_the_running_daemon_upload_again() throws Exception {
        startDaemon();
        ecu.setPowerMode(PowerMode.ON);
        await(() -> daemon.state() == BindingState.BOUND, Duration.ofSeconds(20), "bound");
        new FileStateStore(dir.resolve("data"), java.time.Clock.systemUTC()).requestBinding(java.time.Instant.now());
        await(() -> binds.size() == 2 && daemon.state() == BindingState.BOUND, Duration.ofSeconds(20),
                "second upload after the service request");
        assertEquals(UploadReason.SERVICE, binds.get(1).reason());
    }
}
