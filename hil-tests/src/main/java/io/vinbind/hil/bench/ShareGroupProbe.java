package io.vinbind.hil.bench;

import io.vinbind.modem.sim.Identity;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.Topics;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.tinylog.Logger;

/**
 * Checks that the bench's server is the only consumer of the {@code $share/vinbind/…} requests on a shared
 * broker. Every binding server on one broker joins that share group, and Mosquitto hands group messages
 * round robin even to <em>offline</em> persistent sessions (a server that crashed within its session
 * expiry): on a shared Mosquitto a login meant for the bench may be answered by another run's server (with
 * another database: UNKNOWN_IMSI) or by nobody.
 *
 * <p>The probe registers one identity with the bench's server, publishes a few logins for it as a terminal
 * would and counts the answers: all ACCEPTED means the bench's server got every one.
 */
public final class ShareGroupProbe {

    /** Logins per probe: with one foreign member the chance that all reach the bench's server is 1/2^6. */
    static final int LOGINS = 6;
    static final long ANSWER_BOUND_MS = 3000;

    private ShareGroupProbe() {
    }

    /**
     * Probes {@code server}'s broker.
     *
     * @return empty when the bench's server answered every login, otherwise why the broker is contended
     */
    public static Optional<String> contention(BenchServer server, Identity probe) {
        Objects.requireNonNull(server, "server");
        server.registerAtFactory(probe);
        String imsi = probe.imsi().value();
        String terminalId = "probe-" + UUID.randomUUID().toString().substring(0, 8);
        BenchServer.TerminalCredentials credentials = server.credentialsFor(terminalId);
        URI broker = server.mqttUri();
        Map<String, LoginAck> answers = new ConcurrentHashMap<>();
        CountDownLatch all = new CountDownLatch(LOGINS);
        MqttClient client;
        try {
            client = new MqttClient(broker.toString(), terminalId, new MemoryPersistence());
        } catch (MqttException e) {
            return Optional.of("cannot create an MQTT client for " + broker + ": " + e.getMessage());
        }
        try {
            client.setCallback(new MqttCallback() {
                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    try {
                        LoginAck ack = JsonCodec.decodeLoginAck(message.getPayload());
                        if (answers.putIfAbsent(ack.requestId(), ack) == null) {
                            all.countDown();
                        }
                    } catch (ProtocolException e) {
                        Logger.warn("share-group probe: undecodable login-ack on {}: {}", topic, e.getMessage());
                    }
                }

                @Override
                public void disconnected(MqttDisconnectResponse response) {
                    Logger.debug("share-group probe disconnected: {}", response);
                }

                @Override
                public void mqttErrorOccurred(MqttException exception) {
                    Logger.debug("share-group probe: {}", exception.getMessage());
                }

                @Override
                public void deliveryComplete(IMqttToken token) {
                    // QoS 1 publishes complete synchronously below
                }

                @Override
                public void connectComplete(boolean reconnect, String serverUri) {
                    // connect is synchronous below
                }

                @Override
                public void authPacketArrived(int reasonCode, MqttProperties properties) {
                    // no enhanced authentication
                }
            });
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            options.setSessionExpiryInterval(0L);
            options.setConnectionTimeout(5);
            if (credentials.tls()) {
                options.setSocketFactory(io.vinbind.server.pki.TlsMaterial.clientContext(credentials.caFile().get(),
                        credentials.certFile().get(), credentials.keyFile().get()).getSocketFactory());
            } else {
                options.setUserName(terminalId); // a plaintext broker knows the terminal by user name at most
            }
            client.connect(options);
            client.subscribe(Topics.loginAck(terminalId), Protocol.QOS);
            for (int i = 0; i < LOGINS; i++) {
                LoginRequest login = LoginRequest.of("probe-" + i + "-" + UUID.randomUUID(), terminalId, imsi,
                        probe.iccid().value(), probe.imei().value());
                client.publish(Topics.login(terminalId), JsonCodec.encode(login), Protocol.QOS, false);
            }
            all.await(ANSWER_BOUND_MS, TimeUnit.MILLISECONDS);
        } catch (MqttException | io.vinbind.server.pki.PkiException e) {
            return Optional.of("probe logins on " + broker + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while probing " + broker);
        } finally {
            close(client);
        }
        long accepted = answers.values().stream().filter(a -> a.outcome() == LoginOutcome.ACCEPTED).count();
        if (accepted == LOGINS) {
            return Optional.empty();
        }
        long refused = answers.size() - accepted;
        return Optional.of("another binding server shares the $share/" + Topics.SHARE_GROUP + " group on " + broker
                + ": of " + LOGINS + " probe logins the bench's server accepted " + accepted + ", " + refused
                + " were refused by a server that does not know the IMSI, " + (LOGINS - answers.size())
                + " got no answer (an offline member)");
    }

    private static void close(MqttClient client) {
        try {
            if (client.isConnected()) {
                client.disconnect(1000);
            }
            client.close(true);
        } catch (MqttException e) {
            Logger.debug("share-group probe: closing the client failed: {}", e.getMessage());
        }
    }
}
