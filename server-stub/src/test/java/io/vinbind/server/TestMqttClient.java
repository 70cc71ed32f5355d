package io.vinbind.server;

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
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * A real MQTT 5 client (Paho) for tests: publishes raw payloads and collects what arrives per topic, so
 * a test can play a terminal (or a broken one) against a real broker.
 */
public final class TestMqttClient implements AutoCloseable {

    private final MqttClient client;
    private final Map<String, BlockingQueue<byte[]>> inbox = new ConcurrentHashMap<>();
    private final List<String> arrivals = new CopyOnWriteArrayList<>();

    public TestMqttClient(URI broker, String clientId) throws MqttException {
        client = new MqttClient(broker.toString(), clientId, new MemoryPersistence());
        client.setTimeToWait(10_000); // every blocking call (publish, subscribe) is bounded
        client.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {
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
        options.setSocketFactory(io.vinbind.server.mqtt.NoDelaySocketFactory.INSTANCE);
        client.connect(options);
    }

    public void subscribe(String filter) throws MqttException {
        client.subscribe(filter, 1);
    }

    public void publish(String topic, byte[] payload) throws MqttException {
        client.publish(topic, payload, 1, false);
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

    private BlockingQueue<byte[]> queue(String topic) {
        return inbox.computeIfAbsent(topic, t -> new LinkedBlockingQueue<>());
    }

    @Override
    public void close() throws MqttException {
        try {
            if (client.isConnected()) {
                client.disconnect(5_000);
            }
        } finally {
            client.close();
        }
    }
}
