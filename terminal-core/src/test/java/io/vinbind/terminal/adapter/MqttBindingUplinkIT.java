package io.vinbind.terminal.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Paho uplink against a real Mosquitto, with a minimal server played by a second MQTT client. */
class MqttBindingUplinkIT {

    static final String TERMINAL_ID = "TBOX-0001";
    static final String IMSI = "460001234567890";
    static final String ICCID = "89860012345678901234";
    static final String IMEI = "356938035643809";
    static final String VIN = "1M8GDM9AXKP042788";

    @TempDir
    Path dir;

    MosquittoBroker broker;
    MqttAsyncClient server;
    MqttBindingUplink uplink;
    final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    final BlockingQueue<LoginRequest> logins = new LinkedBlockingQueue<>();

    @BeforeEach
    void startBroker() throws Exception {
        assumeTrue(MosquittoBroker.binary().isPresent(), "skipped: no mosquitto binary on this machine");
        broker = MosquittoBroker.start(dir);
        uplink = MqttBindingUplink.plaintext(broker.uri(), TERMINAL_ID, Duration.ofSeconds(10), Duration.ofSeconds(1));
        uplink.setListener(new BindingUplink.Listener() {
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
    }

    @AfterEach
    void stop() throws Exception {
        if (uplink != null) {
            uplink.close();
        }
        if (server != null && server.isConnected()) {
            server.disconnect().waitForCompletion(2000);
            server.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** A stand-in server: acks every login and every bind (BOUND) on the terminal's ack topics. */
    void startServer() throws Exception {
        server = new MqttAsyncClient(broker.uri(), "test-server", new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        server.connect(o).waitForCompletion(5000);
        server.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) throws Exception {
                if (topic.endsWith("/login")) {
                    LoginRequest r = JsonCodec.decodeLoginRequest(message.getPayload());
                    logins.add(r);
                    server.publish(Topics.loginAck(r.terminalId()),
                            JsonCodec.encode(LoginAck.accepted(r.requestId(), r.terminalId(), r.imsi())), 1, false);
                } else {
                    BindRequest r = JsonCodec.decodeBindRequest(message.getPayload());
                    server.publish(Topics.bindAck(r.terminalId()),
                            JsonCodec.encode(BindAck.answering(r, BindOutcome.BOUND, ReasonCode.NONE)), 1, false);
                }
            }

            @Override
            public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {
            }

            @Override
            public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) {
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken t) {
            }

            @Override
            public void connectComplete(boolean reconnect, String uri) {
            }

            @Override
            public void authPacketArrived(int code, org.eclipse.paho.mqttv5.common.packet.MqttProperties p) {
            }
        });
        server.subscribe(Topics.allTerminals(MessageType.LOGIN), 1).waitForCompletion(5000);
        server.subscribe(Topics.allTerminals(MessageType.BIND), 1).waitForCompletion(5000);
    }

    @Test
    void login_and_bind_round_trip_through_a_real_broker() throws Exception {
        startServer();
        uplink.connect().get(5, TimeUnit.SECONDS);

        uplink.publishLogin(LoginRequest.of("login-1", TERMINAL_ID, IMSI, ICCID, IMEI)).get(5, TimeUnit.SECONDS);
        LoginAck login = assertInstanceOf(LoginAck.class, received.poll(5, TimeUnit.SECONDS));
        assertEquals("login-1", login.requestId());
        assertEquals(IMSI, login.imsi());
        assertEquals(TERMINAL_ID, login.terminalId());
        assertEquals(TERMINAL_ID, logins.poll(1, TimeUnit.SECONDS).terminalId());

        uplink.publishBind(BindRequest.of("bind-1", TERMINAL_ID, IMSI, ICCID, IMEI, VIN, UploadReason.ASSEMBLY))
                .get(5, TimeUnit.SECONDS);
        BindAck bind = assertInstanceOf(BindAck.class, received.poll(5, TimeUnit.SECONDS));
        assertEquals("bind-1", bind.requestId());
        assertEquals(VIN, bind.vin());
        assertEquals(BindOutcome.BOUND, bind.outcome());
    }

    @Test
    void acks_published_for_another_terminal_never_reach_the_listener() throws Exception {
        startServer();
        uplink.connect().get(5, TimeUnit.SECONDS);
        server.publish(Topics.bindAck("TBOX-0002"), new MqttMessage(JsonCodec.encode(
                BindAck.answering(BindRequest.of("x", "TBOX-0002", IMSI, ICCID, IMEI, VIN, UploadReason.ASSEMBLY),
                        BindOutcome.BOUND, ReasonCode.NONE)))).waitForCompletion(5000);
        server.publish(Topics.bindAck(TERMINAL_ID), new MqttMessage("{not json".getBytes())).waitForCompletion(5000);
        uplink.publishLogin(LoginRequest.of("login-2", TERMINAL_ID, IMSI, ICCID, IMEI)).get(5, TimeUnit.SECONDS);
        Object first = received.poll(5, TimeUnit.SECONDS);
        LoginAck ack = assertInstanceOf(LoginAck.class, first, "the other terminal's ack and the garbage were dropped");
        assertEquals("login-2", ack.requestId());
        assertEquals(null, received.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void unreachable_broker_fails_the_connect_with_a_typed_error() throws Exception {
        MqttBindingUplink nowhere = MqttBindingUplink.plaintext("tcp://127.0.0.1:" + MosquittoBroker.freePort(),
                TERMINAL_ID, Duration.ofSeconds(10), Duration.ofSeconds(1));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> nowhere.connect().get(10, TimeUnit.SECONDS));
        UplinkException u = assertInstanceOf(UplinkException.class, e.getCause());
        assertEquals(UplinkException.Kind.BROKER_UNREACHABLE, u.kind());
        assertTrue(u.getMessage().startsWith("cannot connect to tcp://127.0.0.1:"), u.getMessage());
        nowhere.close();
    }

    @Test
    void broker_going_away_is_reported_as_connection_lost() throws Exception {
        uplink.connect().get(5, TimeUnit.SECONDS);
        broker.close();
        UplinkException lost = assertInstanceOf(UplinkException.class, received.poll(10, TimeUnit.SECONDS));
        assertEquals(UplinkException.Kind.CONNECTION_LOST, lost.kind());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> uplink.publishLogin(LoginRequest.of("login-3", TERMINAL_ID, IMSI, ICCID, IMEI))
                        .get(5, TimeUnit.SECONDS));
        assertEquals(UplinkException.Kind.PUBLISH_FAILED, ((UplinkException) e.getCause()).kind());
        broker = null;
    }

    @Test
    void a_request_for_another_terminal_is_not_published_through_this_uplink() throws Exception {
        startServer();
        uplink.connect().get(5, TimeUnit.SECONDS);
        ExecutionException e = assertThrows(ExecutionException.class, () -> uplink.publishLogin(
                LoginRequest.of("login-5", "TBOX-0002", IMSI, ICCID, IMEI)).get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertEquals(null, logins.poll(300, TimeUnit.MILLISECONDS), "nothing reached the server");
    }

    @Test
    void the_client_id_and_user_name_are_the_terminal_id() throws Exception {
        uplink.connect().get(5, TimeUnit.SECONDS);
        String log = broker.log();
        assertTrue(log.contains(" as " + TERMINAL_ID + " ") && log.contains("u'" + TERMINAL_ID + "'"), log);
    }

    @Test
    void reconnect_replaces_the_old_session_cleanly() throws Exception {
        startServer();
        uplink.connect().get(5, TimeUnit.SECONDS);
        uplink.connect().get(5, TimeUnit.SECONDS);
        uplink.publishLogin(LoginRequest.of("login-4", TERMINAL_ID, IMSI, ICCID, IMEI)).get(5, TimeUnit.SECONDS);
        assertEquals("login-4", assertInstanceOf(LoginAck.class, received.poll(5, TimeUnit.SECONDS)).requestId());
        assertEquals(null, received.poll(300, TimeUnit.MILLISECONDS), "no duplicate ack, no spurious connection loss");
    }
}
