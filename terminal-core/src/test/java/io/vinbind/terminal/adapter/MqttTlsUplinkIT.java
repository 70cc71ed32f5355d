package io.vinbind.terminal.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import io.vinbind.terminal.port.BindingUplink;
import io.vinbind.terminal.port.UplinkException;
import io.vinbind.terminal.testsupport.MosquittoBroker;
import io.vinbind.terminal.testsupport.TestCerts;
import io.vinbind.terminal.testsupport.TestCerts.Issued;
import io.vinbind.terminal.tls.TerminalTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
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
 * The uplink over mutual TLS against a private Mosquitto set up the way docs/terminal.md tells a deployment to:
 * client certificates required, the certificate's CN as user name, no anonymous clients, and an ACL that confines
 * each terminal to {@code vinbind/v2/%u/...} while the server ({@code svc:test-server}, a service certificate)
 * reads and writes all of {@code vinbind/v2/#}. The server is a second Paho client. All certificates are made
 * here (BouncyCastle, test scope); the uplink reads them from PEM files with the JDK, as on a head unit.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MqttTlsUplinkIT {

    static final String TERMINAL_ID = "TBOX-0001";
    static final String IMSI = "460001234567890";
    static final String ICCID = "89860012345678901234";
    static final String IMEI = "356938035643809";
    static final String VIN = "1M8GDM9AXKP042788";

    @TempDir
    Path dir;

    Issued serviceCa;
    Issued terminalCa;
    Issued terminal;
    MosquittoBroker broker;
    MqttAsyncClient server;
    MqttBindingUplink uplink;
    final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    final BlockingQueue<String> requestTopics = new LinkedBlockingQueue<>();

    @BeforeEach
    void pki() throws Exception {
        assumeTrue(MosquittoBroker.binary().isPresent(), "skipped: no mosquitto binary on this machine");
        serviceCa = TestCerts.ca("vinbind test service CA");
        terminalCa = TestCerts.ca("vinbind test terminal CA");
        terminal = TestCerts.terminal(terminalCa, TERMINAL_ID);
    }

    @AfterEach
    void stop() throws Exception {
        if (uplink != null) {
            uplink.close();
        }
        if (server != null) {
            if (server.isConnected()) {
                server.disconnect().waitForCompletion(2000);
            }
            server.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** Starts Mosquitto with {@code brokerCert} (issued by whoever the test says), trusting both vinbind CAs. */
    void startBroker(Issued brokerCert) throws Exception {
        startBroker(brokerCert, MosquittoBroker.TERMINAL_ACL);
    }

    void startBroker(Issued brokerCert, String acl) throws Exception {
        broker = MosquittoBroker.startTls(dir, List.of(terminalCa.certificate(), serviceCa.certificate()), brokerCert,
                acl);
    }

    /** The broker with the certificate a deployment gives it: service CA, names localhost and 127.0.0.1. */
    void startGoodBroker() throws Exception {
        startBroker(TestCerts.server(serviceCa, "test-broker", List.of("localhost"), List.of("127.0.0.1")));
    }

    /** The terminal's files as the factory installs them: service CA to trust, its chain, its 0600 PKCS#8 key. */
    TerminalTls terminalFiles(Issued who, Issued trustForBroker) throws Exception {
        Path t = Files.createDirectories(dir.resolve("terminal-" + who.certificate().getSerialNumber()));
        Path ca = TestCerts.writeCerts(t.resolve("ca.pem"), List.of(trustForBroker.certificate()));
        Path cert = TestCerts.writeCerts(t.resolve("terminal.pem"), who.chain());
        Path key = TestCerts.writePkcs8(t.resolve("terminal.key"), who.keys().getPrivate(), "rw-------");
        return TerminalTls.load(ca, cert, key);
    }

    MqttBindingUplink uplink(String uri, TerminalTls tls) throws Exception {
        MqttBindingUplink u = MqttBindingUplink.tls(uri, tls, Duration.ofSeconds(10), Duration.ofSeconds(1));
        u.setListener(new BindingUplink.Listener() {
            @Override
            public void loginAck(LoginAck ack) {
                received.add(ack);
            }

            @Override
            public void bindAck(BindAck ack) {
                received.add(ack);
            }

            @Override
            public void connectionLost(Throwable cause) {
                received.add(cause);
            }
        });
        return u;
    }

    /** A raw Paho client with {@code identity}'s certificate (the server, or a terminal misbehaving). */
    static MqttAsyncClient client(MosquittoBroker broker, String clientId, Issued identity, Issued trust)
            throws MqttException {
        MqttAsyncClient c = new MqttAsyncClient(broker.uri(), clientId, new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        SSLContext tls = TestCerts.sslContext(identity, List.of(trust.certificate()));
        o.setSocketFactory(tls.getSocketFactory());
        o.setHttpsHostnameVerificationEnabled(true);
        c.connect(o).waitForCompletion(5000);
        return c;
    }

    /** The stand-in server: a service certificate; acks every login (ACCEPTED) and bind (BOUND). */
    void startServer() throws Exception {
        Issued service = TestCerts.service(serviceCa, "test-server");
        server = new MqttAsyncClient(broker.uri(), "svc-test-server", new MemoryPersistence());
        server.setCallback(new Callbacks() {
            @Override
            public void messageArrived(String topic, MqttMessage message) throws Exception {
                requestTopics.add(topic);
                if (topic.endsWith("/login")) {
                    LoginRequest r = JsonCodec.decodeLoginRequest(message.getPayload());
                    server.publish(Topics.loginAck(r.terminalId()),
                            JsonCodec.encode(LoginAck.accepted(r.requestId(), r.terminalId(), r.imsi())), 1, false);
                } else {
                    BindRequest r = JsonCodec.decodeBindRequest(message.getPayload());
                    server.publish(Topics.bindAck(r.terminalId()),
                            JsonCodec.encode(BindAck.answering(r, BindOutcome.BOUND, ReasonCode.NONE)), 1, false);
                }
            }
        });
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setSocketFactory(TestCerts.sslContext(service, List.of(serviceCa.certificate())).getSocketFactory());
        o.setHttpsHostnameVerificationEnabled(true);
        server.connect(o).waitForCompletion(5000);
        assertGranted(server.subscribe(Topics.allTerminals(MessageType.LOGIN), 1));
        assertGranted(server.subscribe(Topics.allTerminals(MessageType.BIND), 1));
    }

    static void assertGranted(IMqttToken subscribe) throws MqttException {
        subscribe.waitForCompletion(5000);
        for (int code : subscribe.getReasonCodes()) {
            assertTrue(code < 0x80, "subscription refused with 0x" + Integer.toHexString(code));
        }
    }

    UplinkException connectFails(MqttBindingUplink u) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> u.connect().get(30, TimeUnit.SECONDS));
        return assertInstanceOf(UplinkException.class, e.getCause());
    }

    // ---------------------------------------------------------------- the deployment as documented

    @Test
    void the_terminal_logs_in_and_binds_with_its_certificate_and_the_broker_knows_it_by_its_cn() throws Exception {
        startGoodBroker();
        startServer();
        uplink = uplink(broker.uri(), terminalFiles(terminal, serviceCa));
        assertEquals(TERMINAL_ID, uplink.terminalId());
        uplink.connect().get(15, TimeUnit.SECONDS);

        uplink.publishLogin(LoginRequest.of("login-1", TERMINAL_ID, IMSI, ICCID, IMEI)).get(5, TimeUnit.SECONDS);
        assertEquals("vinbind/v2/TBOX-0001/login", requestTopics.poll(5, TimeUnit.SECONDS));
        LoginAck login = assertInstanceOf(LoginAck.class, received.poll(5, TimeUnit.SECONDS));
        assertEquals("login-1", login.requestId());
        assertEquals(TERMINAL_ID, login.terminalId());

        uplink.publishBind(BindRequest.of("bind-1", TERMINAL_ID, IMSI, ICCID, IMEI, VIN, UploadReason.ASSEMBLY))
                .get(5, TimeUnit.SECONDS);
        assertEquals("vinbind/v2/TBOX-0001/bind", requestTopics.poll(5, TimeUnit.SECONDS));
        BindAck bind = assertInstanceOf(BindAck.class, received.poll(5, TimeUnit.SECONDS));
        assertEquals("bind-1", bind.requestId());
        assertEquals(BindOutcome.BOUND, bind.outcome());

        String log = broker.log();
        assertTrue(log.contains("as " + TERMINAL_ID + " ") && log.contains("u'" + TERMINAL_ID + "'"),
                "client id and user name are the CN: " + log);
    }

    @Test
    void mqtts_is_accepted_as_the_name_of_ssl() throws Exception {
        startGoodBroker();
        startServer();
        uplink = uplink(broker.uri().replace("ssl://", "mqtts://"), terminalFiles(terminal, serviceCa));
        uplink.connect().get(15, TimeUnit.SECONDS);
        uplink.publishLogin(LoginRequest.of("login-2", TERMINAL_ID, IMSI, ICCID, IMEI)).get(5, TimeUnit.SECONDS);
        assertEquals("login-2", assertInstanceOf(LoginAck.class, received.poll(5, TimeUnit.SECONDS)).requestId());
    }

    @Test
    void the_documented_acl_keeps_a_terminal_out_of_another_terminals_topics() throws Exception {
        startGoodBroker();
        startServer();
        MqttAsyncClient rogue = client(broker, TERMINAL_ID, terminal, serviceCa);
        BlockingQueue<String> overheard = new LinkedBlockingQueue<>();
        rogue.setCallback(new Callbacks() {
            @Override
            public void messageArrived(String topic, MqttMessage message) {
                overheard.add(topic);
            }
        });
        try {
            // Mosquitto 2.0 grants the subscription and enforces the ACL at delivery: nothing ever arrives on it
            rogue.subscribe("vinbind/v2/TBOX-0002/bind/ack", 1).waitForCompletion(5000);
            rogue.subscribe("vinbind/v2/TBOX-0001/bind/ack", 1).waitForCompletion(5000);
            server.publish("vinbind/v2/TBOX-0002/bind/ack", new MqttMessage("for TBOX-0002".getBytes()))
                    .waitForCompletion(5000);
            server.publish("vinbind/v2/TBOX-0001/bind/ack", new MqttMessage("for TBOX-0001".getBytes()))
                    .waitForCompletion(5000);
            assertEquals("vinbind/v2/TBOX-0001/bind/ack", overheard.poll(5, TimeUnit.SECONDS), "its own arrives");
            assertNull(overheard.poll(500, TimeUnit.MILLISECONDS), "another terminal's answer never does");

            IMqttToken pub = rogue.publish("vinbind/v2/TBOX-0002/login", JsonCodec.encode(
                    LoginRequest.of("forged-1", "TBOX-0002", IMSI, ICCID, IMEI)), 1, false);
            pub.waitForCompletion(5000);
            assertEquals(0x87, pub.getReasonCodes()[0], "PUBACK: not authorised");
            assertNull(requestTopics.poll(500, TimeUnit.MILLISECONDS), "the forged login never reached the server");
            rogue.publish("vinbind/v2/TBOX-0001/login", JsonCodec.encode(
                    LoginRequest.of("own-1", TERMINAL_ID, IMSI, ICCID, IMEI)), 1, false).waitForCompletion(5000);
            assertEquals("vinbind/v2/TBOX-0001/login", requestTopics.poll(5, TimeUnit.SECONDS), "its own does");
        } finally {
            rogue.disconnect().waitForCompletion(2000);
            rogue.close();
        }
    }

    @Test
    void a_publish_the_broker_refuses_fails_at_once_instead_of_waiting_for_an_ack() throws Exception {
        startBroker(TestCerts.server(serviceCa, "test-broker", List.of("localhost"), List.of("127.0.0.1")),
                MosquittoBroker.TERMINAL_ACL.replace("pattern write vinbind/v2/%u/bind\n", "")); // an ACL that forgot the bind topic
        uplink = uplink(broker.uri(), terminalFiles(terminal, serviceCa));
        uplink.connect().get(15, TimeUnit.SECONDS);
        ExecutionException e = assertThrows(ExecutionException.class, () -> uplink.publishBind(BindRequest.of("bind-2",
                TERMINAL_ID, IMSI, ICCID, IMEI, VIN, UploadReason.ASSEMBLY)).get(5, TimeUnit.SECONDS));
        UplinkException u = assertInstanceOf(UplinkException.class, e.getCause());
        assertEquals(UplinkException.Kind.PUBLISH_FAILED, u.kind());
        assertEquals("broker refused the publish to vinbind/v2/TBOX-0001/bind (PUBACK reason code 0x87)",
                u.getMessage());
    }

    // ---------------------------------------------------------------- what the terminal refuses

    @Test
    void a_broker_certificate_from_another_ca_is_refused_as_broker_certificate_refused() throws Exception {
        Issued foreignCa = TestCerts.ca("vinbind test service CA"); // same name, another key: an impostor
        startBroker(TestCerts.server(foreignCa, "test-broker", List.of("localhost"), List.of("127.0.0.1")));
        uplink = uplink(broker.uri(), terminalFiles(terminal, serviceCa));
        UplinkException e = connectFails(uplink);
        assertEquals(UplinkException.Kind.BROKER_CERTIFICATE_REFUSED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("refused the certificate of broker " + broker.uri()
                + " (it must chain to mqtt.ca-file and name the host 127.0.0.1): "), e.getMessage());
        assertNull(received.poll(200, TimeUnit.MILLISECONDS), "no ack, no connection loss reported");
    }

    @Test
    void a_broker_certificate_that_does_not_name_the_host_is_refused() throws Exception {
        startBroker(TestCerts.server(serviceCa, "test-broker", List.of("broker.vinbind.example"), List.of()));
        uplink = uplink(broker.uri(), terminalFiles(terminal, serviceCa));
        UplinkException e = connectFails(uplink);
        assertEquals(UplinkException.Kind.BROKER_CERTIFICATE_REFUSED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("No subject alternative names matching IP address 127.0.0.1"),
                e.getMessage());
    }

    @Test
    void a_broker_certificate_for_an_address_is_refused_when_dialled_by_name() throws Exception {
        startBroker(TestCerts.server(serviceCa, "test-broker", List.of(), List.of("127.0.0.1")));
        uplink = uplink(broker.uri().replace("127.0.0.1", "localhost"), terminalFiles(terminal, serviceCa));
        UplinkException e = connectFails(uplink);
        assertEquals(UplinkException.Kind.BROKER_CERTIFICATE_REFUSED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("localhost"), e.getMessage());
    }

    @Test
    void a_terminal_trusting_the_terminal_ca_instead_of_the_service_ca_refuses_the_broker() throws Exception {
        startGoodBroker();
        uplink = uplink(broker.uri(), terminalFiles(terminal, terminalCa)); // ca.pem mixed up at the factory
        assertEquals(UplinkException.Kind.BROKER_CERTIFICATE_REFUSED, connectFails(uplink).kind());
    }

    // ---------------------------------------------------------------- what the broker refuses

    /**
     * Under TLS 1.3 the broker judges the terminal's certificate after the terminal's Finished, sends
     * {@code unknown_ca} and closes; the terminal either reads that alert or, when its CONNECT write hits the
     * closed socket first, sees only {@code Broken pipe}. Both are reported as the broker refusing the
     * certificate.
     */
    void assertBrokerRefusedTheTerminal(UplinkException e) throws Exception {
        assertEquals(UplinkException.Kind.TERMINAL_CERTIFICATE_REFUSED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith("broker " + broker.uri() + " refused the certificate of terminal "
                + TERMINAL_ID + " (TLS alert unknown_ca)") || e.getMessage().startsWith("broker " + broker.uri()
                + " closed the connection after it received the certificate of terminal " + TERMINAL_ID
                + ", before its CONNACK"), e.getMessage());
        assertTrue(broker.log().contains("certificate verify failed"), broker.log());
        assertNull(received.poll(200, TimeUnit.MILLISECONDS), "no connection loss reported: there was no connection");
    }

    @Test
    void a_terminal_certificate_from_a_foreign_ca_with_the_same_name_is_refused_by_the_broker() throws Exception {
        startGoodBroker();
        Issued foreignTerminalCa = TestCerts.ca("vinbind test terminal CA"); // same name, another key
        uplink = uplink(broker.uri(), terminalFiles(TestCerts.terminal(foreignTerminalCa, TERMINAL_ID), serviceCa));
        assertBrokerRefusedTheTerminal(connectFails(uplink));
    }

    @Test
    void a_terminal_certificate_from_a_foreign_ca_the_broker_does_not_list_is_still_offered_and_refused()
            throws Exception {
        startGoodBroker();
        Issued foreignTerminalCa = TestCerts.ca("another OEM's terminal CA");
        uplink = uplink(broker.uri(), terminalFiles(TestCerts.terminal(foreignTerminalCa, TERMINAL_ID), serviceCa));
        assertBrokerRefusedTheTerminal(connectFails(uplink));
    }

    @Test
    void the_refusal_is_the_same_on_every_attempt() throws Exception {
        startGoodBroker();
        Issued foreignTerminalCa = TestCerts.ca("vinbind test terminal CA");
        uplink = uplink(broker.uri(), terminalFiles(TestCerts.terminal(foreignTerminalCa, TERMINAL_ID), serviceCa));
        for (int i = 0; i < 5; i++) {
            assertBrokerRefusedTheTerminal(connectFails(uplink));
        }
    }

    @Test
    void a_client_without_a_certificate_is_refused_by_the_broker() throws Exception {
        startGoodBroker();
        MqttAsyncClient anonymous = new MqttAsyncClient(broker.uri(), "anonymous", new MemoryPersistence());
        try {
            MqttConnectionOptions o = new MqttConnectionOptions();
            SSLContext trustOnly = SSLContext.getInstance("TLS");
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", serviceCa.certificate());
            tmf.init(trust);
            trustOnly.init(null, tmf.getTrustManagers(), null);
            o.setSocketFactory(trustOnly.getSocketFactory());
            List<Throwable> failures = new ArrayList<>();
            try {
                anonymous.connect(o).waitForCompletion(10_000);
            } catch (MqttException e) {
                failures.add(e);
            }
            assertEquals(1, failures.size(), "connect without a certificate must fail");
            assertTrue(!anonymous.isConnected());
        } finally {
            anonymous.close();
        }
    }

    /** Paho's callback with nothing to do but messages. */
    abstract static class Callbacks implements MqttCallback {
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
    }
}
