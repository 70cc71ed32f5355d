package io.vinbind.terminal.adapter;

import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.Message;
import io.vinbind.protocol.MessageType;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.TopicAddress;
import io.vinbind.protocol.Topics;
import io.vinbind.terminal.port.BindingUplink;
import io.vinbind.terminal.port.UplinkException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
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
 * {@link BindingUplink} over MQTT 5 with Eclipse Paho: topics and JSON from the protocol module, QoS 1.
 *
 * <p>Each {@link #connect} builds a fresh client with clean start and a session that expires on
 * disconnect, client id {@code <prefix><imsi>}, no automatic reconnect: the state machine decides when to
 * reconnect (after its backoff), and a clean start guarantees that no ack of an older session is redelivered
 * into a new attempt. The ack subscriptions are made before {@code connect} completes, so an ack can never
 * arrive before anyone listens.
 */
public final class MqttBindingUplink implements BindingUplink, AutoCloseable {

    /** Paho's own bound on the network connect, in seconds (its default); the machine's bound is usually shorter. */
    static final int CONNECT_BACKSTOP_SECONDS = 30;

    private final String brokerUri;
    private final String clientIdPrefix;
    private final Optional<String> username;
    private final Optional<char[]> password;
    private final Duration keepAlive;
    private final Duration disconnectTimeout;

    private final Object lock = new Object();
    private MqttAsyncClient client; // guarded by lock
    private String imsi; // guarded by lock
    private volatile Listener listener = new Listener() {
        @Override
        public void loginAck(io.vinbind.protocol.LoginAck ack) {
        }

        @Override
        public void bindAck(io.vinbind.protocol.BindAck ack) {
        }

        @Override
        public void connectionLost(Throwable cause) {
        }
    };

    /**
     * @param brokerUri         e.g. {@code tcp://127.0.0.1:1883} or {@code ssl://broker:8883}
     * @param clientIdPrefix    prepended to the IMSI to form the client id (MQTT 5 allows 23+ characters)
     * @param username          broker user name, if the broker wants one
     * @param password          broker password, if the broker wants one
     * @param keepAlive         MQTT keep-alive; a dead link is noticed after 1.5 times this
     * @param disconnectTimeout bound of a clean disconnect before the socket is simply closed
     */
    public MqttBindingUplink(String brokerUri, String clientIdPrefix, Optional<String> username,
            Optional<char[]> password, Duration keepAlive, Duration disconnectTimeout) {
        this.brokerUri = Objects.requireNonNull(brokerUri, "brokerUri");
        this.clientIdPrefix = Objects.requireNonNull(clientIdPrefix, "clientIdPrefix");
        this.username = Objects.requireNonNull(username, "username");
        this.password = Objects.requireNonNull(password, "password").map(char[]::clone);
        this.keepAlive = Objects.requireNonNull(keepAlive, "keepAlive");
        this.disconnectTimeout = Objects.requireNonNull(disconnectTimeout, "disconnectTimeout");
    }

    @Override
    public void setListener(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public CompletableFuture<Void> connect(String imsi) {
        Objects.requireNonNull(imsi, "imsi");
        CompletableFuture<Void> done = new CompletableFuture<>();
        shutdown(detach());
        MqttAsyncClient c;
        synchronized (lock) {
            String clientId = clientIdPrefix + imsi;
            try {
                c = new MqttAsyncClient(brokerUri, clientId, new MemoryPersistence());
            } catch (MqttException | IllegalArgumentException e) {
                done.completeExceptionally(new UplinkException(UplinkException.Kind.BROKER_UNREACHABLE,
                        "cannot create MQTT client for " + brokerUri + ": " + e.getMessage(), e));
                return done;
            }
            client = c;
            this.imsi = imsi;
        }
        c.setCallback(new Callback(c));
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setSessionExpiryInterval(0L);
        options.setAutomaticReconnect(false);
        options.setKeepAliveInterval((int) Math.max(1, keepAlive.toSeconds()));
        // the machine bounds the whole connect and drops the client when it gives up; Paho's own timeout is a
        // backstop for the socket connect itself (0 would disable it, and a connect to a black-holed address
        // on a cellular link would hold Paho's connect thread until the kernel gives up on the SYN, ~2 min)
        options.setConnectionTimeout(CONNECT_BACKSTOP_SECONDS);
        if (brokerUri.startsWith("tcp://")) {
            options.setSocketFactory(NoDelaySocketFactory.INSTANCE);   // ssl:// keeps Paho's TLS factory
        }
        username.ifPresent(options::setUserName);
        password.ifPresent(p -> options.setPassword(new String(p).getBytes(StandardCharsets.UTF_8)));
        Logger.info("connecting to {} as {}", brokerUri, c.getClientId());
        try {
            c.connect(options, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    subscribe(c, imsi, done);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable failure) {
                    done.completeExceptionally(connectFailure(failure));
                }
            });
        } catch (MqttException e) {
            done.completeExceptionally(connectFailure(e));
        }
        // the machine cancels on timeout or power OFF: drop the half-open client
        done.whenComplete((v, e) -> {
            if (done.isCancelled()) {
                MqttAsyncClient stale = null;
                synchronized (lock) {
                    if (client == c) {
                        stale = detach();
                    }
                }
                shutdown(stale);
            }
        });
        return done;
    }

    private void subscribe(MqttAsyncClient c, String imsi, CompletableFuture<Void> done) {
        MqttSubscription[] subs = {
            new MqttSubscription(Topics.loginAck(imsi), Protocol.QOS),
            new MqttSubscription(Topics.bindAck(imsi), Protocol.QOS)
        };
        try {
            c.subscribe(subs, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int[] codes = token.getReasonCodes();
                    if (codes != null) {
                        for (int code : codes) {
                            if (code >= MqttReturnCode.RETURN_CODE_UNSPECIFIED_ERROR) {
                                done.completeExceptionally(new UplinkException(UplinkException.Kind.PUBLISH_FAILED,
                                        "broker refused subscription to ack topics of " + imsi + " (reason code 0x"
                                                + Integer.toHexString(code) + ")", null));
                                return;
                            }
                        }
                    }
                    Logger.info("connected to {}; subscribed to {} and {}", brokerUri, Topics.loginAck(imsi),
                            Topics.bindAck(imsi));
                    done.complete(null);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable failure) {
                    done.completeExceptionally(new UplinkException(UplinkException.Kind.PUBLISH_FAILED,
                            "subscribing to ack topics failed: " + failure.getMessage(), failure));
                }
            }, new MqttProperties());
        } catch (MqttException e) {
            done.completeExceptionally(new UplinkException(UplinkException.Kind.PUBLISH_FAILED,
                    "subscribing to ack topics failed: " + e.getMessage(), e));
        }
    }

    @Override
    public CompletableFuture<Void> publishLogin(LoginRequest request) {
        return publish(Topics.login(request.imsi()), request);
    }

    @Override
    public CompletableFuture<Void> publishBind(BindRequest request) {
        return publish(Topics.bind(request.imsi()), request);
    }

    private CompletableFuture<Void> publish(String topic, Message message) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        MqttAsyncClient c;
        synchronized (lock) {
            c = client;
        }
        if (c == null || !c.isConnected()) {
            done.completeExceptionally(new UplinkException(UplinkException.Kind.PUBLISH_FAILED,
                    "not connected; cannot publish to " + topic, null));
            return done;
        }
        byte[] payload = JsonCodec.encode(message);
        MqttMessage m = new MqttMessage(payload);
        m.setQos(Protocol.QOS);
        m.setRetained(false);
        try {
            c.publish(topic, m, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    Logger.debug("published {} bytes to {}", payload.length, topic);
                    done.complete(null);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable failure) {
                    done.completeExceptionally(new UplinkException(UplinkException.Kind.PUBLISH_FAILED,
                            "publish to " + topic + " failed: " + failure.getMessage(), failure));
                }
            });
        } catch (MqttException e) {
            done.completeExceptionally(new UplinkException(UplinkException.Kind.PUBLISH_FAILED,
                    "publish to " + topic + " failed: " + e.getMessage(), e));
        }
        return done;
    }

    @Override
    public void disconnect() {
        MqttAsyncClient c;
        synchronized (lock) {
            c = detach();
        }
        shutdown(c);
    }

    @Override
    public void close() {
        disconnect();
    }

    /** Forgets the current client so its late callbacks are ignored. */
    private MqttAsyncClient detach() {
        synchronized (lock) {
            MqttAsyncClient c = client;
            client = null;
            imsi = null;
            return c;
        }
    }

    /**
     * Disconnects cleanly within the bound, then releases the client's threads. Called without the lock,
     * because Paho's threads take it in their callbacks while the disconnect waits for them.
     */
    private void shutdown(MqttAsyncClient c) {
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                // a clean DISCONNECT (reason 0x00: the broker drops any will); the token completes when the
                // packet is out, bounded in case the socket is stuck
                c.disconnect(0).waitForCompletion(disconnectTimeout.toMillis());
            }
        } catch (MqttException e) {
            Logger.debug("disconnect from {}: {}", brokerUri, e.getMessage());
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            Logger.debug("closing MQTT client: {}", e.getMessage());
        }
        Logger.info("disconnected from {}", brokerUri);
    }

    private UplinkException connectFailure(Throwable failure) {
        if (failure instanceof MqttException m && (m.getReasonCode() == MqttReturnCode.RETURN_CODE_NOT_AUTHORIZED
                || m.getReasonCode() == MqttReturnCode.RETURN_CODE_BAD_USERNAME_OR_PASSWORD)) {
            return new UplinkException(UplinkException.Kind.NOT_AUTHORISED,
                    "broker " + brokerUri + " refused the connection: " + m.getMessage(), failure);
        }
        return new UplinkException(UplinkException.Kind.BROKER_UNREACHABLE,
                "cannot connect to " + brokerUri + ": " + failure.getMessage(), failure);
    }

    /** Paho's callbacks for one client; events of a client we already replaced are ignored. */
    private final class Callback implements MqttCallback {
        private final MqttAsyncClient owner;

        Callback(MqttAsyncClient owner) {
            this.owner = owner;
        }

        private boolean current() {
            synchronized (lock) {
                return client == owner;
            }
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            if (!current()) {
                return;
            }
            Logger.warn("connection to {} lost: {}", brokerUri, response);
            Throwable cause = response.getException() != null ? response.getException()
                    : new IllegalStateException("broker sent DISCONNECT " + response.getReturnCode()
                            + (response.getReasonString() == null ? "" : " " + response.getReasonString()));
            listener.connectionLost(new UplinkException(UplinkException.Kind.CONNECTION_LOST,
                    "connection to " + brokerUri + " lost", cause));
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            Logger.warn(exception, "MQTT error on {}", brokerUri);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            if (!current()) {
                return;
            }
            String expectedImsi;
            synchronized (lock) {
                expectedImsi = imsi;
            }
            try {
                TopicAddress address = Topics.parse(topic);
                if (!address.imsi().equals(expectedImsi)) {
                    Logger.warn("message on {} is not for IMSI {}; dropped", topic, expectedImsi);
                    return;
                }
                if (address.type() == MessageType.LOGIN_ACK) {
                    listener.loginAck(JsonCodec.decodeLoginAck(message.getPayload()));
                } else if (address.type() == MessageType.BIND_ACK) {
                    listener.bindAck(JsonCodec.decodeBindAck(message.getPayload()));
                } else {
                    Logger.warn("unexpected {} message on {}; dropped", address.type(), topic);
                }
            } catch (ProtocolException e) {
                Logger.warn("malformed message on {} dropped: {}", topic, e.getMessage());
            } catch (RuntimeException e) {
                Logger.error(e, "handling message on {} failed", topic);
            }
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // QoS 1 completion is reported through the publish listener
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            Logger.debug("MQTT connect complete to {} (reconnect {})", serverUri, reconnect);
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            Logger.debug("MQTT AUTH packet {} ignored", reasonCode);
        }
    }
}
