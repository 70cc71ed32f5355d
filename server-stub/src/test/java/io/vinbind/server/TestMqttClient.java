package io.vinbind.server;

import io.vinbind.server.mqtt.MqttCredentials;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * A real MQTT 5 client (Paho) for tests: publishes raw payloads and collects what arrives per topic, so
 * a test can play a terminal (or a broken or hostile one) against a real broker, and read the broker's
 * reason codes (SUBACK, PUBACK, CONNACK) to see what it refused.
 */
public final class TestMqttClient implements AutoCloseable {

    private static final long WAIT_MS = 10_000; // every blocking call is bounded

    private final MqttAsyncClient client;
    private final Map<String, BlockingQueue<byte[]>> inbox = new ConcurrentHashMap<>();
    private final List<String> arrivals = new CopyOnWriteArrayList<>();
    private volatile MqttDisconnectResponse disconnect;

    public TestMqttClient(URI broker, String clientId) throws MqttException {
        this(broker, clientId, MqttCredentials.none());
    }

    /**
     * Connects with these credentials (a client certificate, or a user name on a plaintext listener).
     *
     * @throws MqttException when the broker refuses (its CONNACK reason in {@link MqttException#getReasonCode})
     */
    public TestMqttClient(URI broker, String clientId, MqttCredentials credentials) throws MqttException {
        client = new MqttAsyncClient(broker.toString(), clientId, new MemoryPersistence());
        client.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {
                disconnect = response;
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                arrivals.add(topic);
                queue(topic).add(message.getPayload());
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverUri) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setConnectionTimeout(10);
        credentials.applyTo(options);
        try {
            client.connect(options).waitForCompletion(WAIT_MS);
        } catch (MqttException e) {
            closeQuietly();
            throw e;
        }
    }

    /** Subscribes; fails unless the broker granted it. */
    public void subscribe(String filter) throws MqttException {
        int code = trySubscribe(filter);
        if (code > 2) {
            throw new MqttException(code);
        }
    }

    /** Subscribes and returns the broker's SUBACK reason code (0-2 granted, 0x87 not authorized, …). */
    public int trySubscribe(String filter) throws MqttException {
        IMqttToken t = client.subscribe(filter, 1);
        t.waitForCompletion(WAIT_MS);
        return t.getReasonCodes()[0];
    }

    /** Publishes at QoS 1; fails unless the broker accepted it. */
    public void publish(String topic, byte[] payload) throws MqttException {
        int code = tryPublish(topic, payload);
        if (code != 0) {
            throw new MqttException(code < 0 ? org.eclipse.paho.mqttv5.client.MqttClientException.REASON_CODE_CONNECTION_LOST : code);
        }
    }

    /**
     * Publishes at QoS 1 and returns the broker's PUBACK reason code (0 success, 0x10 no subscribers, 0x87 not
     * authorized, …), or -1 when the broker closed the connection instead of answering.
     */
    public int tryPublish(String topic, byte[] payload) {
        try {
            IMqttToken t = null;
            for (int attempt = 0; t == null; attempt++) {
                try {
                    t = client.publish(topic, payload, 1, false);
                } catch (MqttException e) {
                    // Paho frees a slot of the broker's Receive Maximum a moment after the PUBACK's token completed,
                    // so a publish right after the last one's completion can find the window still full (seen on a
                    // loaded machine): wait a little, within the bound
                    if (e.getReasonCode() != org.eclipse.paho.mqttv5.client.MqttClientException.REASON_CODE_MAX_INFLIGHT || attempt >= 100) {
                        throw e;
                    }
                    Thread.sleep(10);
                }
            }
            t.waitForCompletion(WAIT_MS);
            int[] codes = t.getReasonCodes();
            return codes == null || codes.length == 0 ? 0 : codes[0];
        } catch (MqttException e) {
            if (!client.isConnected()) {
                return -1;
            }
            return e.getReasonCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public boolean isConnected() {
        return client.isConnected();
    }

    /** How the broker ended the connection, if it did. */
    public MqttDisconnectResponse disconnectResponse() {
        return disconnect;
    }

    /** The next payload on {@code topic}, waiting at most {@code timeout}; throws AssertionError if none. */
    public byte[] await(String topic, Duration timeout) throws InterruptedException {
        byte[] payload = queue(topic).poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (payload == null) {
            throw new AssertionError("nothing arrived on " + topic + " within " + timeout + "; arrivals: " + arrivals);
        }
        return payload;
    }

    /** A payload on {@code topic} within {@code window}, or null when none arrived (for "no reply" checks). */
    public byte[] poll(String topic, Duration window) throws InterruptedException {
        return queue(topic).poll(window.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Every topic something arrived on, in order. */
    public List<String> arrivals() {
        return List.copyOf(arrivals);
    }

    private BlockingQueue<byte[]> queue(String topic) {
        return inbox.computeIfAbsent(topic, t -> new LinkedBlockingQueue<>());
    }

    private void closeQuietly() {
        try {
            client.close(true);
        } catch (MqttException ignored) {
            // the connection attempt failed already; nothing to close cleanly
        }
    }

    @Override
    public void close() throws MqttException {
        try {
            if (client.isConnected()) {
                client.disconnect(5_000).waitForCompletion(WAIT_MS);
            }
        } catch (MqttException e) {
            // the broker may be dropping this client at the same moment (a refused publish, a revocation): Paho
            // then reports "disconnecting" or "disconnected", and there is nothing left to close cleanly
            // — or its DISCONNECT does not complete in time (a loaded machine; EmbeddedBrokerSecurityIT's forger once):
            // the forced close below ends the connection either way
            if (e.getReasonCode() != MqttClientException.REASON_CODE_CLIENT_DISCONNECTING
                && e.getReasonCode() != MqttClientException.REASON_CODE_CLIENT_ALREADY_DISCONNECTED
                && e.getReasonCode() != MqttClientException.REASON_CODE_CLIENT_TIMEOUT) {
                throw e;
            }
        } finally {
            closeQuietly();
        }
    }
}
