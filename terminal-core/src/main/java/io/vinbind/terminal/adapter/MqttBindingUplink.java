package io.vinbind.terminal.adapter;

import io.vinbind.log.Untrusted;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.Identifiers;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.Message;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.Topics;
import io.vinbind.terminal.config.MqttTls;
import io.vinbind.terminal.config.TerminalConfig;
import io.vinbind.terminal.port.BindingUplink;
import io.vinbind.terminal.port.UplinkException;
import io.vinbind.terminal.tls.CredentialException;
import io.vinbind.terminal.tls.TerminalTls;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
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
 * {@link BindingUplink} over MQTT 5 with Eclipse Paho: topics and JSON from the protocol module (v2, keyed by
 * the terminal id), QoS 1.
 *
 * <p><b>Identity.</b> An uplink speaks for one terminal, {@link #terminalId()}. Over {@code ssl://} (or
 * {@code mqtts://}) it authenticates with the terminal's certificate (mutual TLS, {@link #tls}); the broker maps
 * the certificate's CN to the identity, so the terminal id is that CN. It verifies the broker's certificate
 * against the configured CAs <em>and</em> its host name, and speaks TLS 1.2 or 1.3 only. Over plain
 * {@code tcp://} ({@link #plaintext}, for loopback brokers and explicitly insecure set-ups) it sends the
 * terminal id as the MQTT user name (no password), so that a broker keying topics by user name still works.
 * The MQTT client id is the terminal id in both cases.
 *
 * <p><b>Sessions.</b> Each {@link #connect} builds a fresh client with clean start and a session that expires on
 * disconnect, and no automatic reconnect: the state machine decides when to reconnect (after its backoff), and
 * a clean start guarantees that no ack of an older session is redelivered into a new attempt. The ack
 * subscriptions ({@code vinbind/v2/{terminalId}/login/ack} and {@code …/bind/ack}) are made before
 * {@code connect} completes, so an ack can never arrive before anyone listens; anything arriving on another
 * topic is dropped.
 */
public final class MqttBindingUplink implements BindingUplink, AutoCloseable {

    /** Paho's own bound on the network connect and the TLS handshake, in seconds (its default). */
    static final int CONNECT_BACKSTOP_SECONDS = 30;

    /** TLS alerts (RFC 8446 §6.2) with which a broker refuses the client's certificate. */
    private static final List<String> CERTIFICATE_ALERTS = List.of("bad_certificate", "unsupported_certificate",
            "certificate_revoked", "certificate_expired", "certificate_unknown", "unknown_ca", "access_denied",
            "certificate_required");

    private final String brokerUri;
    private final String pahoUri;
    private final String terminalId;
    private final boolean tls;
    /** The terminal's TLS sockets (null for plaintext), from a context whose handshakes {@link #probe} watches. */
    private final NoDelayTlsSocketFactory tlsSockets;
    private final HandshakeProbe probe;
    private final Duration keepAlive;
    private final Duration disconnectTimeout;

    private final Object lock = new Object();
    private MqttAsyncClient client; // guarded by lock
    /** Receives the payloads arriving on {@code …/heartbeat/ack}; null: presence is off. */
    private volatile java.util.function.Consumer<byte[]> heartbeatAckHandler;
    /** Receives the payloads arriving on {@code …/status/ack}; null: not subscribed. */
    private volatile java.util.function.Consumer<byte[]> statusAckHandler;
    /** The Will registered at each connect (presence's LOST heartbeat); null: none. */
    private volatile java.util.function.Supplier<byte[]> will;
    /** Counts connections that came up; see {@link #connectionSerial}. */
    private final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
    /** Receives the payloads arriving on {@code …/esim/batch}; null: the relay topic is not subscribed. */
    private volatile java.util.function.Consumer<byte[]> relayHandler;
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

    private MqttBindingUplink(String brokerUri, String terminalId, SSLContext sslContext, HandshakeProbe probe,
            Duration keepAlive, Duration disconnectTimeout) {
        this.brokerUri = brokerUri;
        this.pahoUri = pahoUri(brokerUri);
        this.terminalId = Identifiers.requireTerminalId(terminalId);
        this.tls = sslContext != null;
        this.tlsSockets = tls ? new NoDelayTlsSocketFactory(sslContext) : null;
        this.probe = probe;
        this.keepAlive = Objects.requireNonNull(keepAlive, "keepAlive");
        this.disconnectTimeout = Objects.requireNonNull(disconnectTimeout, "disconnectTimeout");
    }

    /**
     * An uplink over mutual TLS: presents the terminal's certificate, trusts {@code material}'s CAs for the
     * broker, verifies the broker's host name, TLS 1.2+ only; the terminal id is the certificate's CN.
     *
     * @param brokerUri         {@code ssl://host:port} or {@code mqtts://host:port}
     * @param material          CAs for the broker and the terminal's credential
     * @param keepAlive         MQTT keep-alive; a dead link is noticed after 1.5 times this
     * @param disconnectTimeout bound of a clean disconnect before the socket is simply closed
     * @throws IllegalArgumentException the URI is not {@code ssl://} or {@code mqtts://}
     * @throws GeneralSecurityException the JDK cannot build a TLS context from the material
     */
    public static MqttBindingUplink tls(String brokerUri, TerminalTls material, Duration keepAlive,
            Duration disconnectTimeout) throws GeneralSecurityException {
        Objects.requireNonNull(material, "material");
        if (!isTls(brokerUri)) {
            throw new IllegalArgumentException("a TLS uplink needs an ssl:// or mqtts:// broker, not "
                    + Untrusted.escape(brokerUri));
        }
        HandshakeProbe probe = new HandshakeProbe();
        SSLContext context = TerminalTls.context(probe.keys(material.keyManager(), TerminalTls.KEY_ALIAS),
                probe.trust(material.trustManager()));
        return new MqttBindingUplink(brokerUri, material.terminalId(), context, probe, keepAlive, disconnectTimeout);
    }

    /**
     * An uplink over plain TCP, for a broker on loopback or a deliberately insecure set-up (the configuration
     * allows it only then): the terminal id is the MQTT client id and user name, no password is sent.
     *
     * @param brokerUri {@code tcp://host:port}
     * @throws IllegalArgumentException the URI is not {@code tcp://}, or {@code terminalId} is not a terminal id
     */
    public static MqttBindingUplink plaintext(String brokerUri, String terminalId, Duration keepAlive,
            Duration disconnectTimeout) {
        if (!scheme(brokerUri).equals("tcp")) {
            throw new IllegalArgumentException("a plaintext uplink needs a tcp:// broker, not "
                    + Untrusted.escape(brokerUri));
        }
        return new MqttBindingUplink(brokerUri, terminalId, null, null, keepAlive, disconnectTimeout);
    }

    /**
     * The uplink {@code config} describes: {@link #tls} with the files of {@code mqtt.ca-file},
     * {@code mqtt.cert-file} and {@code mqtt.key-file} read again now, or {@link #plaintext} as
     * {@code terminal.id}.
     *
     * @throws CredentialException a TLS file changed since the configuration was loaded and is refused now
     * @throws GeneralSecurityException the JDK cannot build a TLS context from them
     */
    public static MqttBindingUplink fromConfig(TerminalConfig config, Duration disconnectTimeout)
            throws CredentialException, GeneralSecurityException {
        String uri = config.mqttBroker().toString();
        Optional<MqttTls> files = config.mqttTls();
        if (files.isEmpty()) {
            return plaintext(uri, config.terminalId(), config.keepAlive(), disconnectTimeout);
        }
        TerminalTls material = TerminalTls.load(files.get().caFile(), files.get().certFile(), files.get().keyFile());
        if (!material.terminalId().equals(config.terminalId())) {
            throw new CredentialException(files.get().certFile(), "the certificate in " + Untrusted.escape(
                    files.get().certFile().toString(), 200) + " now names terminal " + material.terminalId()
                    + ", not " + config.terminalId() + " as when the configuration was loaded");
        }
        return tls(uri, material, config.keepAlive(), disconnectTimeout);
    }

    /** Whether {@code brokerUri} asks for TLS ({@code ssl://}, {@code mqtts://}). */
    public static boolean isTls(String brokerUri) {
        String s = scheme(brokerUri);
        return s.equals("ssl") || s.equals("mqtts");
    }

    private static String scheme(String brokerUri) {
        int colon = Objects.requireNonNull(brokerUri, "brokerUri").indexOf("://");
        return colon < 0 ? "" : brokerUri.substring(0, colon).toLowerCase(Locale.ROOT);
    }

    /** Paho knows {@code ssl://}; {@code mqtts://} (the IANA name) is the same thing. */
    private static String pahoUri(String brokerUri) {
        if (!scheme(brokerUri).equals("mqtts")) {
            return brokerUri;
        }
        try {
            URI u = new URI(brokerUri);
            return new URI("ssl", null, u.getHost(), u.getPort(), null, null, null).toString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a broker URI: " + Untrusted.escape(brokerUri), e);
        }
    }

    @Override
    public String terminalId() {
        return terminalId;
    }

    /** Whether this uplink uses mutual TLS. */
    public boolean usesTls() {
        return tls;
    }

    @Override
    public void setListener(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Subscribes the relay topic {@code vinbind/v2/{terminalId}/esim/batch} from the next {@link #connect} on and hands
     * each payload that arrives there to {@code handler} (on Paho's callback thread: the handler must not block).
     */
    public void setRelayHandler(java.util.function.Consumer<byte[]> handler) {
        this.relayHandler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * Subscribes {@code …/heartbeat/ack} from the next {@link #connect} on (answers go to {@code ackHandler}) and
     * registers {@code will} as the session's MQTT Will on {@code …/heartbeat} at every connect.
     */
    public void setPresence(java.util.function.Consumer<byte[]> ackHandler, java.util.function.Supplier<byte[]> will) {
        this.heartbeatAckHandler = Objects.requireNonNull(ackHandler, "ackHandler");
        this.will = Objects.requireNonNull(will, "will");
    }

    /** Subscribes {@code …/status/ack} from the next {@link #connect} on; answers go to {@code ackHandler}. */
    public void setStatusHandler(java.util.function.Consumer<byte[]> ackHandler) {
        this.statusAckHandler = Objects.requireNonNull(ackHandler, "ackHandler");
    }

    /** Publishes a batch of status records (QoS 1); completes when the broker accepted it. */
    public CompletableFuture<Void> publishStatus(io.vinbind.protocol.StatusReport report) {
        return publish(Topics.status(terminalId), report);
    }

    /** A number that changes with each connection that came up; -1 while none is up. */
    public int connectionSerial() {
        return isConnected() ? connections.get() : -1;
    }

    /** Publishes a heartbeat (QoS 1); completes when the broker accepted it. */
    public CompletableFuture<Void> publishHeartbeat(io.vinbind.protocol.Heartbeat heartbeat) {
        return publish(Topics.heartbeat(terminalId), heartbeat);
    }

    /** Whether a connection is up (connected and subscribed as far as this uplink knows). */
    public boolean isConnected() {
        synchronized (lock) {
            return client != null && client.isConnected();
        }
    }

    /** Publishes the result of an eSIM relay batch (QoS 1); completes when the broker accepted it. */
    public CompletableFuture<Void> publishResult(io.vinbind.protocol.EsimResult result) {
        return publish(Topics.esimResult(terminalId), result);
    }

    @Override
    public CompletableFuture<Void> connect() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        shutdown(detach());
        MqttAsyncClient c;
        synchronized (lock) {
            try {
                c = new MqttAsyncClient(pahoUri, terminalId, new MemoryPersistence());
            } catch (MqttException | IllegalArgumentException e) {
                done.completeExceptionally(new UplinkException(UplinkException.Kind.BROKER_UNREACHABLE,
                        "cannot create MQTT client for " + brokerUri + ": " + Untrusted.escape(e.getMessage(), 300),
                        e));
                return done;
            }
            client = c;
        }
        c.setCallback(new Callback(c));
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setSessionExpiryInterval(0L);
        options.setAutomaticReconnect(false);
        options.setKeepAliveInterval((int) Math.max(1, keepAlive.toSeconds()));
        // the machine bounds the whole connect and drops the client when it gives up; Paho's own timeout is a
        // backstop for the socket connect and the TLS handshake (0 would disable it, and a connect to a
        // black-holed address on a cellular link would hold Paho's connect thread until the kernel gives up on
        // the SYN, ~2 min)
        options.setConnectionTimeout(CONNECT_BACKSTOP_SECONDS);
        options.setSocketFactory(tls ? tlsSockets : NoDelaySocketFactory.INSTANCE);
        if (tls) {
            probe.reset();
            // the broker's certificate must name the host we dial (RFC 6125 via the JDK's HTTPS rules)
            options.setHttpsHostnameVerificationEnabled(true);
        } else {
            options.setUserName(terminalId);
        }
        java.util.function.Supplier<byte[]> w = will;
        if (w != null) {
            options.setWill(Topics.heartbeat(terminalId), new MqttMessage(w.get(), Protocol.QOS, false, null));
        }
        Logger.info("connecting to {} as terminal {} ({})", brokerUri, terminalId,
                tls ? "mutual TLS" : "plaintext, user name " + terminalId);
        try {
            c.connect(options, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    subscribe(c, done);
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

    private void subscribe(MqttAsyncClient c, CompletableFuture<Void> done) {
        boolean relay = relayHandler != null;
        boolean presence = heartbeatAckHandler != null;
        java.util.List<MqttSubscription> list = new java.util.ArrayList<>(java.util.List.of(
            new MqttSubscription(Topics.loginAck(terminalId), Protocol.QOS),
            new MqttSubscription(Topics.bindAck(terminalId), Protocol.QOS)));
        if (relay) {
            list.add(new MqttSubscription(Topics.esimBatch(terminalId), Protocol.QOS));
        }
        if (presence) {
            list.add(new MqttSubscription(Topics.heartbeatAck(terminalId), Protocol.QOS));
        }
        if (statusAckHandler != null) {
            list.add(new MqttSubscription(Topics.statusAck(terminalId), Protocol.QOS));
        }
        MqttSubscription[] subs = list.toArray(new MqttSubscription[0]);
        try {
            c.subscribe(subs, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int[] codes = token.getReasonCodes();
                    if (codes != null) {
                        for (int i = 0; i < codes.length; i++) {
                            if (codes[i] < MqttReturnCode.RETURN_CODE_UNSPECIFIED_ERROR) {
                                continue;
                            }
                            if (i >= 2) {
                                // a broker whose ACL predates the relay or presence: binding still works, they do not
                                Logger.warn("broker refused the subscription to {} (reason code 0x{}): not available "
                                        + "through this broker", subs[i].getTopic(), Integer.toHexString(codes[i]));
                                continue;
                            }
                            done.completeExceptionally(new UplinkException(UplinkException.Kind.PUBLISH_FAILED,
                                    "broker refused the subscription to the ack topics of terminal " + terminalId
                                            + " (reason code 0x" + Integer.toHexString(codes[i]) + ")", null));
                            return;
                        }
                    }
                    Logger.info("connected to {}; subscribed to {}", brokerUri, String.join(" and ",
                            list.stream().map(MqttSubscription::getTopic).toList()));
                    connections.incrementAndGet();
                    done.complete(null);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable failure) {
                    done.completeExceptionally(new UplinkException(UplinkException.Kind.PUBLISH_FAILED,
                            "subscribing to the ack topics failed: " + Untrusted.escape(failure.getMessage(), 300),
                            failure));
                }
            }, new MqttProperties());
        } catch (MqttException e) {
            done.completeExceptionally(new UplinkException(UplinkException.Kind.PUBLISH_FAILED,
                    "subscribing to the ack topics failed: " + Untrusted.escape(e.getMessage(), 300), e));
        }
    }

    @Override
    public CompletableFuture<Void> publishLogin(LoginRequest request) {
        return publish(Topics.login(terminalId), request);
    }

    @Override
    public CompletableFuture<Void> publishBind(BindRequest request) {
        return publish(Topics.bind(terminalId), request);
    }

    private CompletableFuture<Void> publish(String topic, Message message) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!message.terminalId().equals(terminalId)) {
            done.completeExceptionally(new IllegalArgumentException("a " + message.type() + " for terminal "
                    + message.terminalId() + " cannot go out through the uplink of terminal " + terminalId));
            return done;
        }
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
                    int[] codes = token.getReasonCodes();
                    if (codes != null) {
                        for (int code : codes) {
                            if (code >= MqttReturnCode.RETURN_CODE_UNSPECIFIED_ERROR) {
                                done.completeExceptionally(new UplinkException(UplinkException.Kind.PUBLISH_FAILED,
                                        "broker refused the publish to " + topic + " (PUBACK reason code 0x"
                                                + Integer.toHexString(code) + ")", null));
                                return;
                            }
                        }
                    }
                    Logger.debug("published {} bytes to {}", payload.length, topic);
                    done.complete(null);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable failure) {
                    done.completeExceptionally(new UplinkException(UplinkException.Kind.PUBLISH_FAILED,
                            "publish to " + topic + " failed: " + Untrusted.escape(failure.getMessage(), 300),
                            failure));
                }
            });
        } catch (MqttException e) {
            done.completeExceptionally(new UplinkException(UplinkException.Kind.PUBLISH_FAILED,
                    "publish to " + topic + " failed: " + Untrusted.escape(e.getMessage(), 300), e));
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
            Logger.debug("disconnect from {}: {}", brokerUri, Untrusted.escape(e.getMessage(), 300));
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            Logger.debug("closing MQTT client: {}", Untrusted.escape(e.getMessage(), 300));
        }
        Logger.info("disconnected from {}", brokerUri);
    }

    /**
     * Sorts a failed connect into what the machine and the log need to tell apart. With TLS: a certificate
     * exception in the causes is the terminal refusing the broker; a certificate alert is the broker refusing the
     * terminal; a connection the broker closed after it had passed the broker's certificate and sent the
     * terminal's, before its CONNACK, is the broker refusing the terminal's certificate too (under TLS 1.3 the
     * alert often does not arrive: {@link HandshakeProbe}).
     */
    UplinkException connectFailure(Throwable failure) {
        if (failure instanceof MqttException m && (m.getReasonCode() == MqttReturnCode.RETURN_CODE_NOT_AUTHORIZED
                || m.getReasonCode() == MqttReturnCode.RETURN_CODE_BAD_USERNAME_OR_PASSWORD)) {
            return new UplinkException(UplinkException.Kind.NOT_AUTHORISED, "broker " + brokerUri
                    + " refused terminal " + terminalId + ": " + Untrusted.escape(m.getMessage(), 300), failure);
        }
        if (tls) {
            Throwable certificate = find(failure, CertificateException.class, CertPathValidatorException.class);
            if (certificate != null) {
                Throwable handshake = find(failure, SSLHandshakeException.class);
                String why = handshake != null && handshake.getMessage() != null ? handshake.getMessage()
                        : String.valueOf(certificate.getMessage());
                return new UplinkException(UplinkException.Kind.BROKER_CERTIFICATE_REFUSED, "refused the certificate "
                        + "of broker " + brokerUri + " (it must chain to mqtt.ca-file and name the host "
                        + host(brokerUri) + "): " + Untrusted.escape(why, 300), failure);
            }
            for (Throwable t = failure; t != null; t = t.getCause()) {
                String alert = t instanceof SSLException && t.getMessage() != null ? alertIn(t.getMessage()) : null;
                if (alert != null) {
                    return new UplinkException(UplinkException.Kind.TERMINAL_CERTIFICATE_REFUSED, "broker "
                            + brokerUri + " refused the certificate of terminal " + terminalId + " (TLS alert "
                            + alert + "): it must be issued by the terminal CA the broker trusts, valid and not "
                            + "revoked", failure);
                }
            }
            if (probe.brokerAccepted() && probe.certificateSent()) {
                return new UplinkException(UplinkException.Kind.TERMINAL_CERTIFICATE_REFUSED, "broker " + brokerUri
                        + " closed the connection after it received the certificate of terminal " + terminalId
                        + ", before its CONNACK (" + Untrusted.escape(describe(failure), 200) + "): a broker does "
                        + "that when it refuses the certificate (not issued by the terminal CA it trusts, revoked or "
                        + "expired); under TLS 1.3 the alert saying which often does not reach the terminal", failure);
            }
        }
        return new UplinkException(UplinkException.Kind.BROKER_UNREACHABLE, "cannot connect to " + brokerUri + ": "
                + Untrusted.escape(describe(failure), 300), failure);
    }

    private static String alertIn(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        int at = m.indexOf("fatal alert: ");
        if (at < 0) {
            return null;
        }
        String rest = m.substring(at + "fatal alert: ".length());
        for (String alert : CERTIFICATE_ALERTS) {
            if (rest.startsWith(alert)) {
                return alert;
            }
        }
        return null;
    }

    @SafeVarargs
    private static Throwable find(Throwable t, Class<? extends Throwable>... types) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(c)) {
                    return c;
                }
            }
        }
        return null;
    }

    /** Paho's message, and the cause's where Paho says only "MqttException". */
    private static String describe(Throwable failure) {
        String m = failure.getMessage();
        Throwable cause = failure.getCause();
        if (cause != null && cause.getMessage() != null && (m == null || !m.contains(cause.getMessage()))) {
            return (m == null ? "" : m + ": ") + cause.getMessage();
        }
        return m == null ? failure.getClass().getSimpleName() : m;
    }

    private static String host(String uri) {
        try {
            return new URI(uri).getHost();
        } catch (URISyntaxException e) {
            return uri;
        }
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
            Logger.warn("connection to {} lost: {}", brokerUri, Untrusted.escape(String.valueOf(response), 300));
            Throwable cause = response.getException() != null ? response.getException()
                    : new IllegalStateException("broker sent DISCONNECT " + response.getReturnCode()
                            + (response.getReasonString() == null ? ""
                                    : " " + Untrusted.escape(response.getReasonString(), 200)));
            listener.connectionLost(new UplinkException(UplinkException.Kind.CONNECTION_LOST,
                    "connection to " + brokerUri + " lost", cause));
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            Logger.warn("MQTT error on {}: {}", brokerUri, Untrusted.escape(exception.getMessage(), 300));
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            if (!current()) {
                return;
            }
            try {
                if (topic.equals(Topics.loginAck(terminalId))) {
                    listener.loginAck(JsonCodec.decodeLoginAck(message.getPayload()));
                } else if (topic.equals(Topics.bindAck(terminalId))) {
                    listener.bindAck(JsonCodec.decodeBindAck(message.getPayload()));
                } else if (topic.equals(Topics.esimBatch(terminalId)) && relayHandler != null) {
                    relayHandler.accept(message.getPayload());
                } else if (topic.equals(Topics.heartbeatAck(terminalId)) && heartbeatAckHandler != null) {
                    heartbeatAckHandler.accept(message.getPayload());
                } else if (topic.equals(Topics.statusAck(terminalId)) && statusAckHandler != null) {
                    statusAckHandler.accept(message.getPayload());
                } else {
                    Logger.warn("message on {} is not an ack for terminal {}; dropped", Untrusted.escape(topic, 200),
                            terminalId);
                }
            } catch (ProtocolException e) {
                Logger.warn("malformed message on {} dropped: {}", Untrusted.escape(topic, 200), e.getMessage());
            } catch (RuntimeException e) {
                Logger.error(e, "handling message on {} failed", Untrusted.escape(topic, 200));
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
