package io.vinbind.server.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.Topics;
import io.vinbind.server.BindingServer;
import io.vinbind.server.Fixtures;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.TestMqttClient;
import io.vinbind.server.TestTerminal;
import io.vinbind.server.binding.Binding;
import io.vinbind.server.history.HistoryEntry;
import io.vinbind.server.mqtt.MqttCredentials;
import io.vinbind.server.pki.TestPki;
import io.vinbind.server.pki.TlsMaterial;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of the trusted-channel issue against the server on its defaults (embedded HiveMQ CE with TLS,
 * client certificates and the identity extension), each played by an ordinary MQTT client, and what the
 * broker really does with each: refusal at CONNACK, at SUBACK, at PUBACK (then the connection is closed), or
 * nothing delivered. Legitimate traffic still works and the server still gets every request.
 */
class EmbeddedBrokerSecurityIT {

    @TempDir
    Path dir;

    private BindingServer server;
    private TestPki pki;

    @BeforeEach
    void start() throws Exception {
        server = BindingServer.start(ServerConfig.ephemeral(dir));
        pki = server.pki().pki();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private TestTerminal terminal(int n) throws Exception {
        String imsi = Fixtures.imsi(n);
        server.registry().register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));
        return new TestTerminal(server, imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi));
    }

    private MqttCredentials credentialsOf(TestPki.Issued issued) throws Exception {
        return MqttCredentials.tls(TlsMaterial.clientContext(pki.serviceCaFile(), issued.certificateFile(),
            issued.keyFile()));
    }

    /** An attacker with a genuine terminal certificate of its own (a bought or stolen TBOX). */
    private TestMqttClient attacker(String terminalId) throws Exception {
        return new TestMqttClient(server.mqttUri(), terminalId, credentialsOf(pki.issueTerminal(terminalId)));
    }

    @Test
    void nobody_gets_in_without_a_valid_certificate_of_the_right_ca_and_own_client_id() throws Exception {
        // no client certificate at all: the TLS handshake itself fails
        assertThrows(MqttException.class, () -> new TestMqttClient(server.mqttUri(), "T-nocert",
            MqttCredentials.tls(javax.net.ssl.SSLContext.getDefault())));
        // a certificate from another CA
        TestPki foreign = TestPki.create(dir.resolve("foreign"));
        TestPki.Issued alien = foreign.issueTerminal("T-foreign");
        assertThrows(MqttException.class, () -> new TestMqttClient(server.mqttUri(), "T-foreign",
            MqttCredentials.tls(TlsMaterial.clientContext(pki.serviceCaFile(), alien.certificateFile(), alien.keyFile()))));
        // expired
        TestPki.Issued expired = pki.issueTerminal("T-expired", Instant.now().minus(Duration.ofDays(30)),
            Instant.now().minus(Duration.ofDays(1)));
        assertThrows(MqttException.class, () -> new TestMqttClient(server.mqttUri(), "T-expired", credentialsOf(expired)));
        // revoked in the PKI (CRL serials)
        TestPki.Issued stolen = pki.issueTerminal("T-stolen");
        pki.revokeTerminal("T-stolen");
        MqttException revoked = assertThrows(MqttException.class,
            () -> new TestMqttClient(server.mqttUri(), "T-stolen", credentialsOf(stolen)));
        assertEquals(0x87, revoked.getReasonCode(), "CONNACK Not authorized");
        // a genuine certificate, but another terminal's client id: would take over its session
        TestPki.Issued mine = pki.issueTerminal("T-mine");
        MqttException takeover = assertThrows(MqttException.class,
            () -> new TestMqttClient(server.mqttUri(), "T-victim", credentialsOf(mine)));
        assertEquals(0x85, takeover.getReasonCode(), "CONNACK Client Identifier not valid");
        // a terminal certificate claiming to be the server
        MqttException server = assertThrows(MqttException.class,
            () -> new TestMqttClient(this.server.mqttUri(), "svc:vinbind-server:x", credentialsOf(mine)));
        assertEquals(0x85, server.getReasonCode());
    }

    @Test
    void a_terminal_cannot_read_others_requests_or_answers_nor_join_the_servers_share_group() throws Exception {
        try (TestTerminal victim = terminal(1); TestMqttClient spy = attacker("T-spy")) {
            for (String filter : new String[] {"vinbind/v2/+/login", "vinbind/v2/+/bind", "vinbind/v2/+/login/ack",
                "vinbind/v2/+/bind/ack", "vinbind/#", "#", Topics.sharedSubscription(io.vinbind.protocol.MessageType.LOGIN),
                Topics.sharedSubscription(io.vinbind.protocol.MessageType.BIND), Topics.bindAck(victim.terminalId)}) {
                assertEquals(0x87, spy.trySubscribe(filter), "SUBACK Not authorized for " + filter);
            }
            assertTrue(spy.isConnected(), "a refused subscription leaves the connection up");
            assertEquals(LoginOutcome.ACCEPTED, victim.login().outcome(), "the server still gets every request");
            assertEquals(BindOutcome.BOUND, victim.bind(Fixtures.vin(1)).outcome());
            assertNull(spy.poll(Topics.login(victim.terminalId), Duration.ofMillis(300)));
            assertTrue(spy.arrivals().isEmpty(), "nothing of the victim's reached the spy: " + spy.arrivals());
        }
    }

    @Test
    void a_forged_ack_or_a_request_on_anothers_topic_is_refused_and_the_forger_disconnected() throws Exception {
        try (TestTerminal victim = terminal(2); TestMqttClient forger = attacker("T-forger")) {
            victim.login();
            String forged = new String(JsonCodec.encode(new BindAck(2, "r-sniffed", victim.terminalId, victim.imsi,
                Fixtures.vin(2), BindOutcome.BOUND, ReasonCode.NONE)), StandardCharsets.UTF_8);
            int code = forger.tryPublish(Topics.bindAck(victim.terminalId), forged.getBytes(StandardCharsets.UTF_8));
            assertEquals(0x87, code, "PUBACK Not authorized");
            assertTrue(disconnectedWithin(forger, Duration.ofSeconds(5)), "HiveMQ then closes the forger's connection");
            assertNull(victim.mqtt.poll(Topics.bindAck(victim.terminalId), Duration.ofMillis(500)),
                "the forged BOUND never reached the terminal");
        }
        try (TestTerminal victim = terminal(3); TestMqttClient forger = attacker("T-forger2")) {
            victim.login();
            victim.bind(Fixtures.vin(3));
            byte[] bind = JsonCodec.encode(victim.request(Fixtures.vin(4)));
            int code = forger.tryPublish(Topics.bind(victim.terminalId), bind);
            assertEquals(0x87, code, "PUBACK Not authorized");
            assertTrue(disconnectedWithin(forger, Duration.ofSeconds(5)), "HiveMQ then closes the forger's connection");
            Thread.sleep(300);
            assertEquals(Optional.of(Fixtures.vin(3)), server.bindings().bindingOfImsi(victim.imsi).map(Binding::vin),
                "the victim's binding is unchanged");
        }
    }

    /**
     * The eSIM relay's topics run the other way round (the server publishes batches, the terminal results) and are
     * confined like the rest: a terminal reads only its own batches and writes only its own results; another
     * terminal can neither read a victim's batches nor forge its results; the server's relay client gets the results
     * through the shared group.
     */
    @Test
    void relay_topics_are_confined_to_the_terminal_and_the_server() throws Exception {
        String victim = "T-relay-victim";
        try (TestMqttClient terminal = new TestMqttClient(server.mqttUri(), victim, credentialsOf(pki.issueTerminal(victim)));
             TestMqttClient spy = attacker("T-relay-spy")) {
            terminal.subscribe(Topics.esimBatch(victim));
            for (String filter : new String[] {Topics.esimBatch(victim), "vinbind/v2/+/esim/batch",
                "vinbind/v2/+/esim/result", Topics.esimResult(victim),
                Topics.sharedSubscription(io.vinbind.protocol.MessageType.ESIM_RESULT)}) {
                assertEquals(0x87, spy.trySubscribe(filter), "SUBACK Not authorized for " + filter);
            }
            // the server's relay client publishes a batch: only the victim gets it
            io.vinbind.protocol.EsimBatch batch = new io.vinbind.protocol.EsimBatch(2, "s.0", victim, "s", 0,
                "A0000005591010FFFFFFFF8900000100", io.vinbind.protocol.ChannelHandling.KEEP,
                io.vinbind.protocol.StopRule.ERROR_STATUS, 1000, java.util.List.of("80E2910003BF2000"));
            io.vinbind.server.relay.EsimRelay relay = server.relay();
            java.util.concurrent.CompletableFuture<io.vinbind.protocol.EsimResult> answer =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return relay.send(batch, Duration.ofSeconds(40), 1);
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
            byte[] got = terminal.await(Topics.esimBatch(victim), Duration.ofSeconds(5));
            assertNotNull(got, "the terminal received its batch");
            assertEquals(batch, JsonCodec.decodeEsimBatch(got));
            // a terminal cannot publish a batch, nor a result for another terminal
            assertEquals(0x87, spy.tryPublish(Topics.esimBatch(victim), got), "PUBACK Not authorized");
            io.vinbind.protocol.EsimResult forged = io.vinbind.protocol.EsimResult.ran(batch,
                io.vinbind.protocol.BatchOutcome.COMPLETED, io.vinbind.protocol.RelayReason.NONE,
                java.util.List.of(new byte[] {(byte) 0x90, 0}), "forged");
            try (TestMqttClient forger = attacker("T-relay-forger")) {
                assertEquals(0x87, forger.tryPublish(Topics.esimResult(victim), JsonCodec.encode(forged)));
            }
            // the victim answers on its own topic and the relay client gets it
            io.vinbind.protocol.EsimResult real = io.vinbind.protocol.EsimResult.ran(batch,
                io.vinbind.protocol.BatchOutcome.COMPLETED, io.vinbind.protocol.RelayReason.NONE,
                java.util.List.of(new byte[] {(byte) 0xBF, 0x20, 0x00, (byte) 0x90, 0}), "");
            terminal.publish(Topics.esimResult(victim), JsonCodec.encode(real));
            assertEquals(real, answer.get(10, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(spy.arrivals().isEmpty(), "nothing of the relay reached the spy: " + spy.arrivals());
        }
    }

    /**
     * Two server instances relay to terminals at once: each gets the results of its own batches at the first try (the
     * relay reads results with a plain subscription, not through the share group, which would hand each result to one
     * instance only: with twelve batches the chance that sharing gets them all right is 1 in 4,096).
     */
    @Test
    void two_server_instances_each_get_the_results_of_their_own_batches() throws Exception {
        String terminalId = "T-relay-two";
        TestPki.Issued second = pki.issueService("vinbind-server");
        try (TestMqttClient terminal = new TestMqttClient(server.mqttUri(), terminalId,
                credentialsOf(pki.issueTerminal(terminalId)));
             io.vinbind.server.relay.EsimRelay other = io.vinbind.server.relay.EsimRelay.start(server.mqttUri(),
                 "svc:vinbind-server:second", credentialsOf(second))) {
            terminal.subscribe(Topics.esimBatch(terminalId));
            io.vinbind.server.relay.EsimRelay[] relays = {server.relay(), other};
            java.util.List<java.util.concurrent.CompletableFuture<io.vinbind.protocol.EsimResult>> answers =
                new java.util.ArrayList<>();
            java.util.List<io.vinbind.protocol.EsimBatch> batches = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                io.vinbind.protocol.EsimBatch batch = new io.vinbind.protocol.EsimBatch(2, "two." + i, terminalId,
                    "two" + i, 0, "A0000005591010FFFFFFFF8900000100", io.vinbind.protocol.ChannelHandling.CLOSE,
                    io.vinbind.protocol.StopRule.ERROR_STATUS, 1000, java.util.List.of("80E2910003BF2000"));
                io.vinbind.server.relay.EsimRelay relay = relays[i % 2];
                batches.add(batch);
                answers.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return relay.send(batch, Duration.ofSeconds(8), 1); // one try: a lost result fails
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }));
            }
            for (int i = 0; i < 12; i++) {
                byte[] got = terminal.await(Topics.esimBatch(terminalId), Duration.ofSeconds(5));
                assertNotNull(got, "batch " + i + " reached the terminal");
                io.vinbind.protocol.EsimBatch b = JsonCodec.decodeEsimBatch(got);
                terminal.publish(Topics.esimResult(terminalId), JsonCodec.encode(io.vinbind.protocol.EsimResult.ran(b,
                    io.vinbind.protocol.BatchOutcome.COMPLETED, io.vinbind.protocol.RelayReason.NONE,
                    java.util.List.of(new byte[] {(byte) 0xBF, 0x20, 0x00, (byte) 0x90, 0}), "")));
            }
            for (int i = 0; i < 12; i++) {
                assertEquals(batches.get(i).requestId(), answers.get(i).get(20, java.util.concurrent.TimeUnit.SECONDS)
                    .requestId(), "instance " + (i % 2) + " got the result of its batch " + i);
            }
            assertEquals(6, other.notAwaitedResults(), "the second instance read the first one's six results and "
                + "left them");
        }
    }

    /**
     * A factory tool's service certificate ({@code ./vinbind pki service}) is genuine and chains to the service CA,
     * but it is not the binding server: it may neither join the servers' share group (and take requests away
     * from them) nor publish an answer to a terminal.
     */
    @Test
    void a_tool_certificate_gets_no_server_permissions_and_cannot_forge_an_ack() throws Exception {
        TestPki.Issued tool = pki.issueService("factory-line-3");
        MqttException takeover = assertThrows(MqttException.class,
            () -> new TestMqttClient(server.mqttUri(), "svc:vinbind-server:x", credentialsOf(tool)));
        assertEquals(0x85, takeover.getReasonCode(), "a tool cannot use the server's client id");
        try (TestTerminal victim = terminal(6);
             TestMqttClient factory = new TestMqttClient(server.mqttUri(), "svc:factory-line-3", credentialsOf(tool))) {
            for (String filter : new String[] {Topics.sharedSubscription(io.vinbind.protocol.MessageType.LOGIN),
                Topics.sharedSubscription(io.vinbind.protocol.MessageType.BIND), "vinbind/v2/+/login",
                "vinbind/v2/+/esim/result", Topics.sharedSubscription(io.vinbind.protocol.MessageType.ESIM_RESULT),
                Topics.bindAck(victim.terminalId)}) {
                assertEquals(0x87, factory.trySubscribe(filter), "SUBACK Not authorized for " + filter);
            }
            assertEquals(LoginOutcome.ACCEPTED, victim.login().outcome(), "the server still gets every request");
            String forged = new String(JsonCodec.encode(new BindAck(2, "r-forged", victim.terminalId, victim.imsi,
                Fixtures.vin(7), BindOutcome.BOUND, ReasonCode.NONE)), StandardCharsets.UTF_8);
            assertEquals(0x87, factory.tryPublish(Topics.bindAck(victim.terminalId),
                forged.getBytes(StandardCharsets.UTF_8)), "PUBACK Not authorized for a forged bind ack");
            assertNull(victim.mqtt.poll(Topics.bindAck(victim.terminalId), Duration.ofMillis(500)),
                "the forged BOUND never reached the terminal");
            assertTrue(factory.arrivals().isEmpty(), "nothing reached the tool: " + factory.arrivals());
        }
    }

    private static boolean disconnectedWithin(TestMqttClient c, Duration d) throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        while (c.isConnected() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return !c.isConnected();
    }

    @Test
    void a_genuine_terminal_claiming_a_victims_imsi_with_made_up_ids_is_held_and_recorded() throws Exception {
        try (TestTerminal victim = terminal(4)) {
            victim.login();
            assertEquals(BindOutcome.BOUND, victim.bind(Fixtures.vin(5)).outcome());
            TestPki.Issued own = pki.issueTerminal("T-impostor");
            try (TestTerminal impostor = new TestTerminal(server.mqttUri(), "T-impostor", victim.imsi,
                "89860000000000000099", "350000000000099", credentialsOf(own))) {
                assertEquals(ReasonCode.IDENTITY_HELD, impostor.login().reason());
                assertEquals(ReasonCode.NOT_LOGGED_IN, impostor.bind(Fixtures.vin(6)).reason());
            }
            assertEquals(Optional.of(Fixtures.vin(5)), server.bindings().bindingOfImsi(victim.imsi).map(Binding::vin));
            assertEquals(3, server.terminals().openConflicts(10).size(), "IMSI held elsewhere, ICCID and IMEI wrong");
            assertTrue(server.history().forTerminal("T-impostor", 10).stream().map(HistoryEntry::event)
                .anyMatch(e -> e == io.vinbind.server.history.HistoryEvent.IDENTITY_HELD));
        }
    }

    @Test
    void a_terminal_revoked_while_connected_is_dropped_and_refused_from_then_on() throws Exception {
        try (TestTerminal t = terminal(5)) {
            assertEquals(LoginOutcome.ACCEPTED, t.login().outcome());
            server.terminals().revoke(t.terminalId, "admin", "reported stolen");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            // Paho reports the loss (isConnected false) a moment before its callback hands over the DISCONNECT
            while ((t.mqtt.isConnected() || t.mqtt.disconnectResponse() == null) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(!t.mqtt.isConnected(), "the broker dropped it at once");
            assertNotNull(t.mqtt.disconnectResponse());
            MqttException again = assertThrows(MqttException.class, () -> new TestMqttClient(server.mqttUri(),
                t.terminalId, Fixtures.terminalCredentials(server, t.terminalId)));
            assertEquals(0x87, again.getReasonCode(), "refused at CONNACK");
        }
    }
}
