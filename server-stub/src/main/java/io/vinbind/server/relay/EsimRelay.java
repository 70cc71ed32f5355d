package io.vinbind.server.relay;

import io.vinbind.log.Untrusted;
import io.vinbind.protocol.EsimBatch;
import io.vinbind.protocol.EsimResult;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.MessageType;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.TopicAddress;
import io.vinbind.protocol.Topics;
import io.vinbind.server.mqtt.MqttCredentials;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.MqttReturnCode;
import org.tinylog.Logger;

/**
 * The server's side of the eSIM relay over MQTT: publishes {@link EsimBatch}es to {@code vinbind/v2/{terminalId}/esim/batch}
 * and waits for the {@link EsimResult} with the same {@code requestId} on {@code …/esim/result}.
 *
 * <p>Unlike requests, results are read through a <em>plain</em> (not shared) subscription to
 * {@code vinbind/v2/+/esim/result}: every server instance gets every result and keeps those it is waiting for. A result
 * answers the one instance that sent the batch; through the share group (MQTT 5 §4.8.2 hands each message to one member)
 * it would reach that instance only by chance, and with two engines every second batch waited out a retry. The cost is
 * one copy of each result per instance, which the relay's volume (a few dozen results per provisioning) allows.
 *
 * <p>A batch that gets no result in time is sent again <em>with the same requestId</em>: the terminal answers a batch
 * it has seen from its store and never runs it twice, so retrying is always safe (a result lost while this instance
 * was reconnecting comes again). Nothing here knows ES10: the server-side LPA builds the APDUs.
 */
public final class EsimRelay implements AutoCloseable {

    static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(10);
    /** Every terminal's results, not shared: each instance picks out the results of its own batches. */
    static final String RESULTS = Topics.allTerminals(MessageType.ESIM_RESULT);

    private final MqttAsyncClient client;
    private final Map<String, CompletableFuture<EsimResult>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong publishedBytes = new AtomicLong();
    private final AtomicLong resultBytes = new AtomicLong();
    private final AtomicLong notAwaited = new AtomicLong();
    /**
     * Set by {@link #close}: Paho's automatic reconnect cycle is not stopped by disconnect or close (1.2.5 stops it
     * only on a successful reconnect), so a relay closed while its connection was down reconnects later under the
     * same client id and takes the connection of the next relay of this instance (a server restarted in the same
     * JVM); a reconnect after close disconnects at once.
     */
    private volatile boolean closed;
    /** Set by {@link #stopWaiting}: why no send waits any more. */
    private volatile String stopped;

    private EsimRelay(MqttAsyncClient client) {
        this.client = client;
    }

    /**
     * Connects as {@code clientId} (a service's: {@code svc:<name>[:<instance>]}) and subscribes to the results.
     *
     * @throws MqttException the broker refused the connection or the subscription, or did not answer in time
     */
    public static EsimRelay start(URI broker, String clientId, MqttCredentials credentials) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(broker.toString(), clientId, new MemoryPersistence());
        EsimRelay relay = new EsimRelay(client);
        client.setCallback(relay.new Callback());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setSessionExpiryInterval(0L);
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(1, 30);
        options.setKeepAliveInterval(30);
        options.setConnectionTimeout((int) OPERATION_TIMEOUT.toSeconds());
        credentials.applyTo(options);
        try {
            client.connect(options).waitForCompletion(OPERATION_TIMEOUT.toMillis());
            relay.subscribe();
        } catch (MqttException e) {
            relay.close();
            throw e;
        }
        Logger.info("eSIM relay {} connected to {}, reading {}", clientId, broker, RESULTS);
        return relay;
    }

    private void subscribe() throws MqttException {
        IMqttToken sub = client.subscribe(new MqttSubscription[] {
            new MqttSubscription(RESULTS, Protocol.QOS)});
        sub.waitForCompletion(OPERATION_TIMEOUT.toMillis());
        int[] codes = sub.getReasonCodes();
        if (codes != null && codes.length > 0 && codes[0] >= MqttReturnCode.RETURN_CODE_UNSPECIFIED_ERROR) {
            throw new MqttException(codes[0]);
        }
    }

    /**
     * Sends {@code batch} and waits for its result, sending it again (same requestId) every {@code perTry} until
     * {@code attempts} sends had no answer.
     *
     * @return the terminal's result; a refusal or a failure on the card is a value ({@link EsimResult#outcome()})
     * @throws RelayTimeoutException no result after all attempts (terminal offline, powered OFF, unreachable)
     * @throws InterruptedException interrupted while waiting
     */
    public EsimResult send(EsimBatch batch, Duration perTry, int attempts) throws RelayTimeoutException,
            InterruptedException {
        Objects.requireNonNull(batch, "batch");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be >= 1, got " + attempts);
        }
        if (stopped != null) {
            throw new RelayTimeoutException(named(batch) + ": not sent, " + stopped);
        }
        CompletableFuture<EsimResult> answer = waiting.computeIfAbsent(batch.requestId(), k -> new CompletableFuture<>());
        byte[] payload = JsonCodec.encode(batch);
        String topic = Topics.esimBatch(batch.terminalId());
        String lastProblem = "no answer";
        try {
            for (int attempt = 1; attempt <= attempts; attempt++) {
                try {
                    MqttMessage m = new MqttMessage(payload);
                    m.setQos(Protocol.QOS);
                    m.setRetained(false);
                    IMqttToken token = client.publish(topic, m);
                    token.waitForCompletion(OPERATION_TIMEOUT.toMillis());
                    int[] codes = token.getReasonCodes();
                    if (codes != null && codes.length > 0 && codes[0] >= MqttReturnCode.RETURN_CODE_UNSPECIFIED_ERROR) {
                        lastProblem = "broker refused the publish to " + topic + " (0x" + Integer.toHexString(codes[0]) + ")";
                        Logger.warn("eSIM relay: {}", lastProblem);
                    } else {
                        published.incrementAndGet();
                        publishedBytes.addAndGet(payload.length);
                    }
                } catch (MqttException e) {
                    lastProblem = "publish to " + topic + " failed: " + e.getMessage();
                    Logger.warn("eSIM relay: {} (attempt {} of {})", lastProblem, attempt, attempts);
                }
                try {
                    return answer.get(perTry.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    lastProblem = "no result within " + perTry.toMillis() + " ms";
                    Logger.info("eSIM relay: batch {} to {}: {} (attempt {} of {}), sending it again", batch.requestId(),
                        batch.terminalId(), lastProblem, attempt, attempts);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Stopped st) {
                        throw new RelayTimeoutException(named(batch) + ": no result, " + st.getMessage());
                    }
                    throw new IllegalStateException("result future failed", e.getCause());
                }
            }
        } finally {
            waiting.remove(batch.requestId(), answer);
        }
        throw new RelayTimeoutException(named(batch) + ": " + lastProblem + " after " + attempts + " attempts");
    }

    private static String named(EsimBatch batch) {
        return "batch " + batch.requestId() + " to terminal " + batch.terminalId();
    }

    /** Batches published (every attempt counts), their bytes, and the bytes of results received: for the figures. */
    public long publishedBatches() {
        return published.get();
    }

    public long publishedBytes() {
        return publishedBytes.get();
    }

    public long resultBytes() {
        return resultBytes.get();
    }

    /** Results read that no batch of this instance was waiting for (other instances' batches, late answers). */
    public long notAwaitedResults() {
        return notAwaited.get();
    }

    public boolean isConnected() {
        return client.isConnected();
    }

    void arrived(String topic, byte[] payload) {
        TopicAddress address;
        try {
            address = Topics.parse(topic);
        } catch (ProtocolException e) {
            Logger.warn("eSIM relay: dropped a message: {}", e.getMessage());
            return;
        }
        if (address.type() != MessageType.ESIM_RESULT) {
            Logger.warn("eSIM relay: dropped a {} on {}", address.type(), Untrusted.escape(topic));
            return;
        }
        EsimResult result;
        try {
            result = JsonCodec.decodeEsimResult(payload);
        } catch (ProtocolException e) {
            Logger.warn("eSIM relay: dropped a malformed result from {}: {}", address.terminalId(), e.getMessage());
            return;
        }
        if (!result.terminalId().equals(address.terminalId())) {
            Logger.warn("eSIM relay: dropped a result naming terminal {} on the topic of {}", result.terminalId(),
                address.terminalId());
            return;
        }
        resultBytes.addAndGet(payload.length);
        CompletableFuture<EsimResult> f = waiting.get(result.requestId());
        if (f == null) {
            // another instance's batch (every instance reads every result), or one this instance gave up on
            notAwaited.incrementAndGet();
            Logger.debug("eSIM relay: result of batch {} from {} ({}) is not awaited here", result.requestId(),
                result.terminalId(), result.outcome());
            return;
        }
        f.complete(result);
    }

    private final class Callback implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            Logger.warn("eSIM relay: connection lost ({}); reconnecting", response.getReasonString());
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            Logger.error(exception, "eSIM relay: MQTT error");
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            try {
                arrived(topic, message.getPayload());
            } catch (RuntimeException e) {
                Logger.error(e, "eSIM relay: handling a message on {} failed", Untrusted.escape(topic));
            }
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // awaited where published
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            if (closed) {
                Thread t = new Thread(EsimRelay.this::disconnectAndClose, "vinbind-relay-closing");
                t.setDaemon(true);
                t.start();
                return;
            }
            if (reconnect) {
                // clean start: subscribe again, off Paho's callback thread
                Thread t = new Thread(() -> {
                    try {
                        subscribe();
                    } catch (MqttException e) {
                        Logger.error("eSIM relay: re-subscribing failed: {}", e.getMessage());
                    }
                }, "vinbind-relay-resubscribe");
                t.setDaemon(true);
                t.start();
            }
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            Logger.warn("eSIM relay: unexpected AUTH packet {}", reasonCode);
        }
    }

    /**
     * Ends every wait for a result at once, and refuses sends from now on, each with a {@link RelayTimeoutException}
     * naming {@code why}: a server that stops must not wait up to a try's timeout (20 s, three tries) for a terminal
     * that is powered OFF, nor leave a worker waiting on a relay it is about to close. Results that arrive later are
     * counted as not awaited, as after a timeout.
     */
    public void stopWaiting(String why) {
        stopped = Objects.requireNonNull(why, "why");
        for (CompletableFuture<EsimResult> f : waiting.values()) {
            f.completeExceptionally(new Stopped(why));
        }
    }

    /** Why a wait ended before its result: the relay stopping. */
    private static final class Stopped extends Exception {
        Stopped(String why) {
            super(why, null, false, false);
        }
    }

    @Override
    public void close() {
        stopWaiting("the eSIM relay is closed");
        closed = true;
        disconnectAndClose();
    }

    private void disconnectAndClose() {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(OPERATION_TIMEOUT.toMillis());
            }
        } catch (MqttException e) {
            Logger.debug("eSIM relay: disconnect: {}", e.getMessage());
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            Logger.debug("eSIM relay: close: {}", e.getMessage());
        }
    }
}
