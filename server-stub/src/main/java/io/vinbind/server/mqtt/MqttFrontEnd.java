package io.vinbind.server.mqtt;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.log.Untrusted;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.Message;
import io.vinbind.protocol.MessageType;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.TopicAddress;
import io.vinbind.protocol.Topics;
import io.vinbind.server.ServerMetrics;
import io.vinbind.server.binding.BindResult;
import io.vinbind.server.binding.BindingService;
import io.vinbind.server.binding.LoginResult;
import io.vinbind.server.binding.LoginService;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.tinylog.Logger;

/**
 * Consumes {@code $share/vinbind/vinbind/v2/+/login} and {@code …/+/bind} and answers on the terminal's
 * {@code …/login/ack} and {@code …/bind/ack}.
 *
 * <p>Sessions are persistent ({@code cleanStart=false}, session expiry {@value #SESSION_EXPIRY_S} s) under a
 * client id stable across restarts. Requests are decided on a small worker pool; the broker's in-flight
 * window ({@code receiveMaximum}) bounds the backlog.
 *
 * <p><b>Acknowledgements</b> ({@link InOrderAcks}): a request is PUBACKed only after its answer is durable
 * (committed by the rules) and published (the broker acknowledged the answer), and PUBACKs go out in the
 * order the requests arrived (MQTT-4.6.0-2), so a request finished early waits for the ones before it. If an
 * answer cannot be published, the request is not acknowledged and the connection is replaced: the broker
 * then delivers every unacknowledged request again, and their stored answers make the retries idempotent.
 * A server that dies before the PUBACK has its request redelivered the same way.
 *
 * <p>Bad input is answered with a reason code when the topic names a terminal and the payload yields a
 * requestId; otherwise it is logged and counted as dropped. Either way it is acknowledged once dealt with,
 * so it is not redelivered forever; so is a request whose handling failed unexpectedly (a defect, logged as
 * an error), which would otherwise come back for ever and block every request behind it.
 */
public final class MqttFrontEnd implements AutoCloseable {

    /**
     * How long the broker keeps a crashed instance's session (its unacknowledged requests and its place in the
     * shared-subscription group). Long enough for a restart, short enough that a dead instance does not keep
     * receiving a share of the requests for long; a planned stop ends the session at once.
     */
    static final long SESSION_EXPIRY_S = 300;
    /** Bounded waits for connect, subscribe, publish, disconnect. */
    static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(10);
    static final int RECEIVE_MAXIMUM = 64;
    static final Duration RESUBSCRIBE_PERIOD = Duration.ofSeconds(2);

    private final MqttAsyncClient client;
    private final InOrderAcks acks;
    /** How long an answer may take to be acknowledged by the broker before it counts as not published. */
    private final Duration answerTimeout;
    /** Set while the connection is being replaced after a failed answer (one replacement at a time). */
    private final java.util.concurrent.atomic.AtomicBoolean replacing = new java.util.concurrent.atomic.AtomicBoolean();
    private MqttConnectionOptions options;
    private final MqttCredentials credentials;
    private final LoginService logins;
    private final BindingService bindings;
    private final ServerMetrics metrics;
    private final String source;
    private final ExecutorService workers;
    /** Re-subscribes after a reconnect whose subscribe failed; one daemon thread, idle otherwise. */
    private final ScheduledExecutorService resubscriber;
    /** Presence, when the server keeps it: then heartbeats are consumed too. Set before {@link #start}. */
    private volatile io.vinbind.server.presence.PresenceService presence;
    /** True while both shared subscriptions are confirmed; health reports DOWN otherwise. */
    private volatile boolean subscribed;

    /**
     * @param broker {@code ssl://host:port} (or {@code tcp://host:port} on loopback)
     * @param clientId stable per server instance (its persistent session)
     * @param workerThreads threads deciding requests concurrently
     */
    public MqttFrontEnd(URI broker, String clientId, MqttCredentials credentials, LoginService logins,
                        BindingService bindings, ServerMetrics metrics, int workerThreads) throws MqttException {
        this(broker, clientId, credentials, logins, bindings, metrics, workerThreads, OPERATION_TIMEOUT);
    }

    /** As above, with the time an answer may take to be published (tests shorten it). */
    MqttFrontEnd(URI broker, String clientId, MqttCredentials credentials, LoginService logins,
                 BindingService bindings, ServerMetrics metrics, int workerThreads, Duration answerTimeout)
        throws MqttException {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.answerTimeout = Objects.requireNonNull(answerTimeout, "answerTimeout");
        this.logins = Objects.requireNonNull(logins, "logins");
        this.bindings = Objects.requireNonNull(bindings, "bindings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.source = "mqtt:" + clientId;
        this.client = new MqttAsyncClient(broker.toString(), clientId, new MemoryPersistence());
        this.acks = new InOrderAcks(client::messageArrivedComplete);
        AtomicInteger n = new AtomicInteger();
        this.resubscriber = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vinbind-mqtt-resubscribe");
            t.setDaemon(true);
            return t;
        });
        this.workers = new ThreadPoolExecutor(workerThreads, workerThreads, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "vinbind-mqtt-worker-" + n.incrementAndGet());
                t.setDaemon(true);
                t.setUncaughtExceptionHandler((th, e) -> Logger.error(e, "worker {} died", th.getName()));
                return t;
            });
    }

    /**
     * Connects and subscribes; returns when both are confirmed.
     *
     * @throws MqttException when the broker refuses or does not answer within {@link #OPERATION_TIMEOUT}
     */
    public void start() throws MqttException {
        client.setManualAcks(true);
        client.setCallback(new Callback());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(SESSION_EXPIRY_S);
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(1, 30);
        options.setKeepAliveInterval(30);
        options.setConnectionTimeout((int) OPERATION_TIMEOUT.toSeconds());
        options.setReceiveMaximum(RECEIVE_MAXIMUM);
        credentials.applyTo(options);
        this.options = options;
        IMqttToken connect = client.connect(options);
        connect.waitForCompletion(OPERATION_TIMEOUT.toMillis());
        subscribe();
        Logger.info("MQTT front end {} connected to {}, consuming {} and {}", client.getClientId(),
            client.getServerURI(), Topics.sharedSubscription(MessageType.LOGIN),
            Topics.sharedSubscription(MessageType.BIND));
    }

    /** Consumes heartbeats too ({@code $share/vinbind/vinbind/v2/+/heartbeat}) and answers them; before {@link #start}. */
    public void enablePresence(io.vinbind.server.presence.PresenceService service) {
        this.presence = Objects.requireNonNull(service, "service");
    }

    private void subscribe() throws MqttException {
        subscribed = false;
        java.util.List<MqttSubscription> subs = new java.util.ArrayList<>(java.util.List.of(
            new MqttSubscription(Topics.sharedSubscription(MessageType.LOGIN), Protocol.QOS),
            new MqttSubscription(Topics.sharedSubscription(MessageType.BIND), Protocol.QOS)));
        if (presence != null) {
            subs.add(new MqttSubscription(Topics.sharedSubscription(MessageType.HEARTBEAT), Protocol.QOS));
            subs.add(new MqttSubscription(Topics.sharedSubscription(MessageType.STATUS), Protocol.QOS));
        }
        IMqttToken sub = client.subscribe(subs.toArray(new MqttSubscription[0]));
        sub.waitForCompletion(OPERATION_TIMEOUT.toMillis());
        for (int code : sub.getReasonCodes()) {
            if (code > Protocol.QOS) {
                throw new MqttException(code);
            }
        }
        subscribed = true;
    }

    /**
     * Subscribes again until it works, every {@link #RESUBSCRIBE_PERIOD}, while the client is connected: an
     * instance that reconnected without its subscriptions would otherwise look healthy and consume nothing.
     */
    private void resubscribeUntilDone() {
        if (resubscriber.isShutdown()) {
            return;
        }
        try {
            subscribe();
            Logger.info("MQTT subscriptions restored");
        } catch (MqttException | RuntimeException e) {
            metrics.increment("mqtt.resubscribe.failed");
            Logger.error("re-subscribing failed ({}); trying again in {}", e.getMessage(), RESUBSCRIBE_PERIOD);
            try {
                resubscriber.schedule(this::resubscribeUntilDone, RESUBSCRIBE_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopped) {
                Logger.debug("not re-subscribing: shutting down");
            }
        }
    }

    /** Connected and consuming: both shared subscriptions confirmed. */
    public boolean isConnected() {
        return client.isConnected() && subscribed;
    }

    /**
     * Publishes a bind-ack that is not the direct answer to a request (an operator's decision on a held
     * rebind). Best effort: the stored answer serves any later replay.
     */
    public void publish(BindAck ack) {
        publishAck(ack);
    }

    private final class Callback implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            int forgotten = acks.newConnection();
            if (forgotten > 0) {
                Logger.info("{} unacknowledged requests are left for the broker to deliver again", forgotten);
            }
            Logger.warn("MQTT connection to {} lost ({}); reconnecting", client.getServerURI(),
                response.getException() != null ? response.getException().getMessage()
                    : "reason code " + response.getReturnCode());
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            Logger.error(exception, "MQTT error");
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            InOrderAcks.Pending pending = acks.arrived(message.getId(), message.getQos());
            try {
                workers.execute(() -> handleAndAck(topic, message, pending));
            } catch (RejectedExecutionException e) {
                // shutting down: left unacknowledged, so the broker redelivers it to this session or a peer
                Logger.info("shutting down; message {} on {} left for redelivery", message.getId(), Untrusted.escape(topic));
            }
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // acks are QoS 1; completion is awaited where they are published
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            if (reconnect) {
                Logger.info("MQTT reconnected to {}", serverUri);
                // the session normally kept them, but a broker that restarted without its sessions has not;
                // subscribing again is harmless. Off Paho's callback thread, retried until it works.
                subscribed = false;
                try {
                    resubscriber.execute(MqttFrontEnd.this::resubscribeUntilDone);
                } catch (RejectedExecutionException e) {
                    Logger.debug("not re-subscribing: shutting down");
                }
            }
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            Logger.warn("unexpected MQTT AUTH packet, reason {}", reasonCode);
        }
    }

    private void handleAndAck(String topic, MqttMessage message, InOrderAcks.Pending pending) {
        boolean answered;
        try {
            answered = handle(topic, message.getPayload());
        } catch (RuntimeException e) {
            metrics.increment("errors.unexpected");
            Logger.error(e, "handling a message on {} failed", Untrusted.escape(topic));
            answered = true; // see the class comment: a defect must not block the queue for ever
        }
        if (answered) {
            acks.finished(pending);
        } else if (acks.failed(pending)) {
            replaceConnection();
        }
    }

    /**
     * Drops the connection without acknowledging what is pending and connects again to the same session, so
     * that the broker delivers the request whose answer could not be published (and those behind it) again.
     * Runs on the re-subscription thread; one replacement at a time.
     */
    private void replaceConnection() {
        if (!replacing.compareAndSet(false, true)) {
            return;
        }
        try {
            resubscriber.execute(() -> {
                try {
                    metrics.increment("mqtt.connection.replaced");
                    Logger.warn("an answer could not be published: reconnecting so the broker delivers the "
                        + "unacknowledged requests again");
                    subscribed = false;
                    acks.newConnection();
                    try {
                        client.disconnectForcibly(0, 1000, false);
                    } catch (MqttException e) {
                        Logger.debug("forced disconnect: {}", e.getMessage());
                    }
                    reconnectUntilDone();
                } finally {
                    replacing.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            replacing.set(false);
            Logger.debug("not reconnecting: shutting down");
        }
    }

    /** Connects (same session) and subscribes, retrying with a growing pause while not shutting down. */
    private void reconnectUntilDone() {
        long pauseMs = 200;
        while (!resubscriber.isShutdown()) {
            try {
                acks.newConnection();
                client.connect(options).waitForCompletion(OPERATION_TIMEOUT.toMillis());
                subscribe();
                Logger.info("MQTT connection replaced; consuming again");
                return;
            } catch (MqttException | RuntimeException e) {
                Logger.warn("reconnecting failed ({}); trying again in {} ms", e.getMessage(), pauseMs);
                if (!pause(pauseMs)) {
                    return;
                }
                pauseMs = Math.min(pauseMs * 2, 10_000);
            }
        }
    }

    /**
     * Decides one message and publishes its answer. Package-private for tests.
     *
     * @return false when an answer was due but could not be published (the request must not be
     *     acknowledged); true when it was published, or when none could be sent (dropped input)
     */
    boolean handle(String topic, byte[] payload) {
        TopicAddress address;
        try {
            address = Topics.parse(topic);
        } catch (ProtocolException e) {
            metrics.increment("dropped.BAD_TOPIC");
            Logger.warn("dropped a message: {}", e.getMessage());
            return true;
        }
        if (address.type() == MessageType.HEARTBEAT && presence != null) {
            return heartbeat(address, payload);
        }
        if (address.type() == MessageType.STATUS && presence != null) {
            return status(address, payload);
        }
        if (address.type() != MessageType.LOGIN && address.type() != MessageType.BIND) {
            metrics.increment("dropped.UNEXPECTED_ACK");
            Logger.warn("dropped a {} on {}: the front end consumes logins and binds only", address.type(),
                Untrusted.escape(topic));
            return true;
        }
        String kind = address.type() == MessageType.LOGIN ? "login" : "bind";
        metrics.increment(kind + ".received");
        Message decoded;
        try {
            decoded = JsonCodec.decode(address.type(), payload);
        } catch (ProtocolException e) {
            return refuseMalformed(address, e);
        }
        if (decoded instanceof LoginRequest login) {
            LoginResult result = logins.login(login, address.terminalId(), source);
            count("login", result.ack().outcome().name(), result.ack().reason(), result.replayed());
            return publishAck(result.ack());
        } else if (decoded instanceof BindRequest bind) {
            BindResult result = bindings.bind(bind, address.terminalId(), source);
            count("bind", result.ack().outcome().name(), result.ack().reason(), result.replayed());
            return publishAck(result.ack());
        }
        throw new IllegalStateException("decoded " + decoded.type() + " on a request topic");
    }

    /**
     * A heartbeat: applied and answered with the terminal's limits. A malformed one cannot be answered (the ack has no
     * refusal: its limits would be a guess) and is dropped, counted and logged.
     */
    private boolean heartbeat(TopicAddress address, byte[] payload) {
        metrics.increment("heartbeat.received");
        io.vinbind.protocol.Heartbeat hb;
        try {
            hb = (io.vinbind.protocol.Heartbeat) JsonCodec.decode(MessageType.HEARTBEAT, payload);
        } catch (ProtocolException e) {
            metrics.increment("dropped.heartbeat." + e.reasonCode().name());
            Logger.warn("dropped a heartbeat from {}: {}", address.terminalId(), e.getMessage());
            return true;
        }
        try {
            return publishAck(presence.heartbeat(hb, address.terminalId(), source));
        } catch (IllegalArgumentException e) {
            metrics.increment("dropped.heartbeat.IDENTITY_MISMATCH");
            Logger.warn("dropped a heartbeat from {}: {}", address.terminalId(), Untrusted.escape(e.getMessage()));
            return true;
        } catch (io.vinbind.server.store.StoreException e) {
            metrics.increment("heartbeat.store.failed");
            Logger.error("heartbeat of {} not stored ({}); left for the broker to deliver again", address.terminalId(),
                e.getMessage());
            return false;
        }
    }

    /** A batch of status records: stored (each once) and answered; a malformed one is dropped like a heartbeat. */
    private boolean status(TopicAddress address, byte[] payload) {
        metrics.increment("status.received");
        io.vinbind.protocol.StatusReport report;
        try {
            report = (io.vinbind.protocol.StatusReport) JsonCodec.decode(MessageType.STATUS, payload);
        } catch (ProtocolException e) {
            metrics.increment("dropped.status." + e.reasonCode().name());
            Logger.warn("dropped a status report from {}: {}", address.terminalId(), e.getMessage());
            return true;
        }
        try {
            return publishAck(presence.status(report, address.terminalId()));
        } catch (IllegalArgumentException e) {
            metrics.increment("dropped.status.INVALID");
            Logger.warn("dropped a status report from {}: {}", address.terminalId(), Untrusted.escape(e.getMessage()));
            return true;
        } catch (io.vinbind.server.store.StoreException e) {
            metrics.increment("status.store.failed");
            Logger.error("status records of {} not stored ({}); left for the broker to deliver again",
                address.terminalId(), e.getMessage());
            return false;
        }
    }

    private boolean refuseMalformed(TopicAddress address, ProtocolException e) {
        ReasonCode reason = e.reasonCode();
        metrics.increment("refused." + reason.name());
        if (e.requestId().isEmpty()) {
            metrics.increment("dropped.NO_REQUEST_ID");
            Logger.warn("dropped a {} from {} that has no readable requestId: {}", address.type(),
                address.terminalId(), e.getMessage());
            return true;
        }
        String requestId = e.requestId().get();
        Logger.warn("refused {} {} from {} with {}: {}", address.type(), requestId, address.terminalId(), reason,
            e.getMessage());
        // the payload was refused, so its IMSI and VIN are not known: the ack names the terminal only
        if (address.type() == MessageType.LOGIN) {
            return publishAck(LoginAck.rejected(requestId, address.terminalId(), "", reason));
        }
        return publishAck(new BindAck(Protocol.VERSION, requestId, address.terminalId(), "", "", BindOutcome.REJECTED,
            reason));
    }

    private void count(String kind, String outcome, ReasonCode reason, boolean replayed) {
        metrics.increment(kind + ".outcome." + outcome);
        if (reason != ReasonCode.NONE) {
            metrics.increment((isBadInput(reason) ? "refused." : kind + ".reason.") + reason.name());
        }
        if (replayed) {
            metrics.increment(kind + ".replayed");
        }
    }

    /** Reasons that mean the request itself was wrong (as opposed to a decision or a server problem). */
    static boolean isBadInput(ReasonCode reason) {
        return switch (reason) {
            case MALFORMED_PAYLOAD, PAYLOAD_TOO_LARGE, UNSUPPORTED_VERSION, IDENTITY_MISMATCH, UNKNOWN_IMSI,
                NOT_LOGGED_IN, INVALID_VIN, TERMINAL_REVOKED -> true;
            default -> false;
        };
    }

    /**
     * Publishes an answer at QoS 1 and waits for the broker's PUBACK (bounded). When the client's send quota
     * is used up (MQTT 5 §4.9 flow control against the broker's Receive Maximum; Paho reports it as
     * {@code REASON_CODE_MAX_INFLIGHT} and its v5 client's count can run ahead of the real window) the
     * publish is retried with a short growing pause until {@link #OPERATION_TIMEOUT}: the caller PUBACKs
     * the request afterwards, so an answer given up here is one the terminal only gets by retrying.
     */
    private boolean publishAck(Message ack) {
        byte[] payload = JsonCodec.encode(ack);
        long deadline = System.nanoTime() + answerTimeout.toNanos();
        long pauseMs = 1;
        while (true) {
            try {
                IMqttToken token = client.publish(ack.topic(), payload, Protocol.QOS, false);
                token.waitForCompletion(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                metrics.increment("acks.published");
                return true;
            } catch (MqttException e) {
                boolean quotaFull = e.getReasonCode() == MqttClientException.REASON_CODE_MAX_INFLIGHT;
                if (quotaFull && System.nanoTime() < deadline && pause(pauseMs)) {
                    metrics.increment("acks.throttled");
                    pauseMs = Math.min(pauseMs * 2, 50);
                    continue;
                }
                metrics.increment("acks.failed");
                Logger.error("could not publish {} {} to {}: {}", ack.type(), ack.requestId(), ack.topic(), e.getMessage());
                return false;
            }
        }
    }

    /** Sleeps; false (with the interrupt kept) when the worker is being stopped. */
    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Stops as a crash would: requests being decided are abandoned (their transactions roll back when the pool
     * closes), nothing more is acknowledged, and the connection is dropped without a DISCONNECT, so the broker
     * keeps the session with its unacknowledged requests for {@value #SESSION_EXPIRY_S} s.
     */
    public void kill() {
        resubscriber.shutdownNow();
        workers.shutdownNow();
        try {
            client.disconnectForcibly(0, 1000, false);
        } catch (MqttException e) {
            Logger.warn("MQTT forced disconnect: {}", e.getMessage());
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            Logger.warn("MQTT client close: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        resubscriber.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                Logger.warn("MQTT workers still busy after {}; stopping them", OPERATION_TIMEOUT);
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
        try {
            if (client.isConnected()) {
                // a planned stop ends the session (expiry 0): a stopped instance must not keep a place in the
                // shared-subscription group, or the broker would queue a share of the requests for it
                MqttProperties endSession = new MqttProperties();
                endSession.setSessionExpiryInterval(0L);
                client.disconnect(OPERATION_TIMEOUT.toMillis(), null, null, 0, endSession)
                    .waitForCompletion(OPERATION_TIMEOUT.toMillis());
            }
        } catch (MqttException e) {
            Logger.warn("MQTT disconnect: {}", e.getMessage());
        }
        try {
            client.close();
        } catch (MqttException e) {
            Logger.warn("MQTT client close: {}", e.getMessage());
        }
    }
}
