package io.vinbind.server;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.Topics;
import io.vinbind.protocol.UploadReason;
import io.vinbind.server.mqtt.MqttCredentials;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;

/** A terminal's MQTT conversation, played by a real MQTT 5 client (no broker mock). */
public final class TestTerminal implements AutoCloseable {

    public static final Duration ACK_TIMEOUT = Duration.ofSeconds(15);

    public final String terminalId;
    public final String imsi;
    public final String iccid;
    public final String imei;
    public final TestMqttClient mqtt;

    /**
     * The terminal {@link Fixtures#terminalOf} names for this IMSI, on a broker that authenticates nobody (the
     * plain Mosquitto of the ITs that test other things).
     */
    public TestTerminal(URI broker, String imsi, String iccid, String imei) throws Exception {
        this(broker, Fixtures.terminalOf(imsi), imsi, iccid, imei, MqttCredentials.none());
    }

    /**
     * The terminal {@link Fixtures#terminalOf} names for this IMSI on the server's embedded broker, with a
     * certificate the server's terminal CA issued for it (as the terminal factory would).
     */
    public TestTerminal(BindingServer server, String imsi, String iccid, String imei) throws Exception {
        this(server.mqttUri(), Fixtures.terminalOf(imsi), imsi, iccid, imei,
            Fixtures.terminalCredentials(server, Fixtures.terminalOf(imsi)));
    }

    public TestTerminal(URI broker, String terminalId, String imsi, String iccid, String imei,
                        MqttCredentials credentials) throws Exception {
        this.terminalId = terminalId;
        this.imsi = imsi;
        this.iccid = iccid;
        this.imei = imei;
        this.mqtt = new TestMqttClient(broker, terminalId, credentials);
        mqtt.subscribe(Topics.loginAck(terminalId));
        mqtt.subscribe(Topics.bindAck(terminalId));
    }

    public LoginAck login() throws Exception {
        return login(r -> r);
    }

    /** A login with what {@code report} adds to it (e.g. {@code r -> r.withEid(eid)}). */
    public LoginAck login(java.util.function.UnaryOperator<LoginRequest> report) throws Exception {
        LoginRequest req = report.apply(LoginRequest.of("login-" + UUID.randomUUID(), terminalId, imsi, iccid, imei));
        mqtt.publish(Topics.login(terminalId), JsonCodec.encode(req));
        return loginAck();
    }

    public LoginAck loginAck() throws InterruptedException, ProtocolException {
        return JsonCodec.decodeLoginAck(mqtt.await(Topics.loginAck(terminalId), ACK_TIMEOUT));
    }

    public BindRequest request(String vin) {
        return BindRequest.of("bind-" + UUID.randomUUID(), terminalId, imsi, iccid, imei, vin, UploadReason.ASSEMBLY);
    }

    public BindAck bind(BindRequest req) throws Exception {
        mqtt.publish(Topics.bind(terminalId), JsonCodec.encode(req));
        return bindAck();
    }

    public BindAck bind(String vin) throws Exception {
        return bind(request(vin));
    }

    /** Publishes raw bytes on this terminal's bind topic. */
    public void publishRawBind(byte[] payload) throws Exception {
        mqtt.publish(Topics.bind(terminalId), payload);
    }

    public BindAck bindAck() throws InterruptedException, ProtocolException {
        return JsonCodec.decodeBindAck(mqtt.await(Topics.bindAck(terminalId), ACK_TIMEOUT));
    }

    @Override
    public void close() throws Exception {
        mqtt.close();
    }
}
