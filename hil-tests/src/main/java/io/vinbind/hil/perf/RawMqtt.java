package io.vinbind.hil.perf;

import io.vinbind.log.Untrusted;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.tinylog.Logger;

/**
 * A minimal MQTT 5 client for load generation: many connections, plaintext or TLS, on one NIO selector thread.
 *
 * <p>Why not Paho: a Paho {@code MqttAsyncClient} runs a receiver, a sender and a callback thread per
 * connection, so 10,000 simulated terminals would be 30,000 threads on a 2-core machine, and the benchmark
 * would measure the load generator's context switches instead of the server. This client speaks only what a
 * terminal needs (OASIS MQTT 5.0: CONNECT/CONNACK §3.1–3.2 with clean start, SUBSCRIBE/SUBACK §3.8–3.9 at
 * QoS 1, PUBLISH/PUBACK §3.3–3.4 at QoS 1 both ways, DISCONNECT §3.14), writes well-formed packets with no
 * properties, and skips the properties of what it receives. A QoS 1 PUBLISH from the broker is acknowledged
 * (PUBACK) as soon as it is read, before the {@link Listener} sees it. QoS 1 PUBLISHes beyond the CONNACK's
 * Receive Maximum are held and sent as PUBACKs free places. The terminal daemon itself uses Paho; this is only
 * the bench's crowd.
 *
 * <p>How each connection authenticates is chosen per {@code connect} call, with {@link ConnectOptions}:
 * <ul>
 *   <li><b>TLS</b> ({@link ConnectOptions#tls(SSLContext, String)}): the {@link SSLContext} holds that
 *       terminal's own key and certificate (the broker requires mutual TLS and the client id to equal the
 *       certificate's CN) and the CAs the broker's certificate must chain to; the server name is the host name
 *       or address the broker's certificate must carry as a subjectAltName (checked as HTTPS does,
 *       {@code SSLParameters.setEndpointIdentificationAlgorithm("HTTPS")}, and sent as SNI unless it is an
 *       address). Each connection has its own {@link SSLEngine} on the selector thread: handshake, records and
 *       {@code close_notify} are driven by the loop, and the engine's delegated tasks (certificate checks,
 *       signatures) run inline on it, so TLS adds no thread, and that thread's CPU is what bounds how fast
 *       the crowd can make TLS connections (ECDSA and key shares of the handshake dominate it). Buffers for
 *       records are shared by all connections (one thread uses them); a connection keeps bytes of its own
 *       only while a record is incomplete or the socket will not take more.</li>
 *   <li><b>Plaintext</b> ({@link ConnectOptions#plaintext()}, or {@link #connect(String, Listener)}): for the
 *       plaintext baseline and the broker's insecure plaintext mode.</li>
 *   <li><b>User name and password</b> ({@link ConnectOptions#withUserName(String)},
 *       {@link ConnectOptions#withPassword(byte[])}): the CONNECT user name and password flags and fields
 *       (§3.1.2.8–9, §3.1.3.5–6), either, both or neither, over plaintext (the insecure mode's identities are
 *       user names) or TLS.</li>
 *   <li><b>Connect timeout</b> ({@link ConnectOptions#withTimeout(Duration)}, default
 *       {@link #DEFAULT_CONNECT_TIMEOUT}): from when the selector thread starts the connect to a successful
 *       CONNACK, across TCP connect, TLS handshake and CONNACK.</li>
 * </ul>
 *
 * <p>The calls: {@link #connect(String, Listener)} (plaintext, as before),
 * {@link #connect(String, Listener, SSLContext, String)} (TLS with a context and the server name) and
 * {@link #connect(String, Listener, ConnectOptions)} (everything); on a {@link Connection}
 * {@link Connection#subscribe(List)}, {@link Connection#publish(String, byte[])}, {@link Connection#disconnect()}
 * (DISCONNECT, then {@code close_notify} over TLS), {@link Connection#isOpen()}, {@link Connection#isTls()} and
 * {@link Connection#expectLoss()}.
 *
 * <p>A {@code connect} future that fails does so with a {@link ConnectFailure}, whose {@link ConnectFailure#kind()}
 * says at which step: TCP connect, TLS handshake (an untrusted broker certificate or name, or the broker refusing
 * this terminal's certificate: an unknown CA, an expired certificate), CONNACK refusal (with its reason code),
 * timeout, or the connection lost before CONNACK. Failures after CONNACK are plain {@link IOException}s, as are
 * those of SUBSCRIBE and PUBLISH futures.
 */
public final class RawMqtt implements AutoCloseable {

    /** Receives PUBLISH packets (on the selector thread; must not block). */
    public interface Listener {
        void message(Connection connection, String topic, byte[] payload);
    }

    /** The bound on a connect when {@link ConnectOptions} name none: TCP connect, TLS handshake and CONNACK. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private static final int CONNECT = 0x10;
    private static final int CONNACK = 0x20;
    private static final int PUBLISH = 0x30;
    private static final int PUBACK = 0x40;
    private static final int SUBSCRIBE = 0x82; // reserved flags 0b0010 (§3.8.1)
    private static final int SUBACK = 0x90;
    private static final int PINGRESP = 0xD0;
    private static final int DISCONNECT = 0xE0;
    private static final int PROTOCOL_LEVEL_5 = 5;
    private static final int CLEAN_START = 0x02;
    private static final int PASSWORD_FLAG = 0x40;
    private static final int USER_NAME_FLAG = 0x80;
    /** Keep-alive asked for: longer than any bench run, so no PINGREQ is needed. */
    private static final int KEEP_ALIVE_S = 1200;
    /** How long the selector waits at most, so that connect deadlines are looked at (and {@link #close()}). */
    private static final long SELECT_MS = 100;
    /** How much of a peer's or TLS stack's text goes into a message. */
    private static final int TEXT_LIMIT = 300;
    private static final ByteBuffer[] NOTHING = {};
    /** Queued packets offered to one {@code SSLEngine.wrap} (one record takes up to 16 KiB of them). */
    private static final int WRAP_BATCH = 64;

    private final Selector selector;
    private final InetSocketAddress broker;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread loop;
    private volatile boolean closed;
    /** Connections still connecting, earliest deadline first (selector thread only). */
    private final PriorityQueue<Connection> deadlines =
            new PriorityQueue<>((a, b) -> Long.signum(a.deadline - b.deadline));
    // TLS record buffers shared by every connection: only the selector thread touches them
    private ByteBuffer netRead = ByteBuffer.allocate(0);
    private ByteBuffer netWrite = ByteBuffer.allocate(0);
    private ByteBuffer appRead = ByteBuffer.allocate(0);

    /**
     * Starts the selector thread (a daemon named {@code name}); connections go to {@code broker}.
     *
     * @throws IOException when no selector can be opened
     */
    public RawMqtt(InetSocketAddress broker, String name) throws IOException {
        this.broker = Objects.requireNonNull(broker, "broker");
        this.selector = Selector.open();
        this.loop = new Thread(this::run, name);
        this.loop.setDaemon(true);
        this.loop.start();
    }

    /**
     * How one connection authenticates and how long its connect may take; immutable. The password is kept as
     * bytes (MQTT 5 §3.1.3.6: binary data) and never shown by {@link #toString()}.
     */
    public static final class ConnectOptions {

        private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
        private static final ConnectOptions PLAINTEXT = new ConnectOptions(null, null, null, null, DEFAULT_CONNECT_TIMEOUT);

        private final SSLContext tls;
        private final String serverName;
        private final String userName;
        private final byte[] password;
        private final Duration timeout;

        private ConnectOptions(SSLContext tls, String serverName, String userName, byte[] password, Duration timeout) {
            this.tls = tls;
            this.serverName = serverName;
            this.userName = userName;
            this.password = password;
            this.timeout = timeout;
        }

        /** TCP without TLS, no user name, no password, {@link #DEFAULT_CONNECT_TIMEOUT}. */
        public static ConnectOptions plaintext() {
            return PLAINTEXT;
        }

        /**
         * TLS with {@code context} (this terminal's key and certificate, the CAs trusted for the broker);
         * {@code serverName} is the name or address the broker's certificate must hold (e.g. {@code localhost}
         * or {@code 127.0.0.1}), which need not be how the broker address was written.
         *
         * @throws IllegalArgumentException when {@code serverName} is neither an address nor a valid host name
         */
        public static ConnectOptions tls(SSLContext context, String serverName) {
            Objects.requireNonNull(context, "context");
            Objects.requireNonNull(serverName, "serverName");
            if (!isAddress(serverName)) {
                new SNIHostName(serverName); // rejects what cannot be a host name, here rather than on the loop
            }
            return new ConnectOptions(context, serverName, null, null, DEFAULT_CONNECT_TIMEOUT);
        }

        /** The same with the CONNECT user name {@code name}. */
        public ConnectOptions withUserName(String name) {
            return new ConnectOptions(tls, serverName, Objects.requireNonNull(name, "name"), password, timeout);
        }

        /** The same with the CONNECT password {@code secret} (copied). */
        public ConnectOptions withPassword(byte[] secret) {
            return new ConnectOptions(tls, serverName, userName, Objects.requireNonNull(secret, "secret").clone(), timeout);
        }

        /** The same with another connect timeout (positive). */
        public ConnectOptions withTimeout(Duration bound) {
            Objects.requireNonNull(bound, "bound");
            if (bound.isNegative() || bound.isZero()) {
                throw new IllegalArgumentException("connect timeout " + bound + " is not positive");
            }
            return new ConnectOptions(tls, serverName, userName, password, bound);
        }

        public Optional<SSLContext> tls() {
            return Optional.ofNullable(tls);
        }

        /** The name the broker's certificate is checked against; present with TLS. */
        public Optional<String> serverName() {
            return Optional.ofNullable(serverName);
        }

        public Optional<String> userName() {
            return Optional.ofNullable(userName);
        }

        public boolean hasPassword() {
            return password != null;
        }

        public Duration timeout() {
            return timeout;
        }

        private static boolean isAddress(String host) {
            return host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
        }

        @Override
        public String toString() {
            return (tls != null ? "TLS to " + serverName : "plaintext") + (userName != null ? ", user " + userName : "")
                    + (password != null ? ", password" : "") + ", timeout " + timeout;
        }
    }

    /** Why a {@code connect} future failed: the step, and for a refused CONNACK its reason code. */
    public static final class ConnectFailure extends IOException {

        private static final long serialVersionUID = 1L;

        /** The step a connect failed at. */
        public enum Kind {
            /** The TCP connection could not be made. */
            TCP_CONNECT,
            /**
             * TLS failed: the broker's certificate is not trusted or does not name the server, or the broker
             * refused this terminal's certificate (unknown CA, expired: under TLS 1.3 the broker says so right
             * after the client has finished its part of the handshake, so it shows before CONNACK).
             */
            TLS_HANDSHAKE,
            /** The broker answered CONNECT with a CONNACK refusing it; {@link #reasonCode()} says why. */
            CONNACK_REFUSED,
            /** No successful CONNACK within the connect timeout. */
            TIMEOUT,
            /** The connection ended before CONNACK for another reason (closed by the broker, malformed bytes). */
            CONNECTION_LOST
        }

        private final Kind kind;
        private final int reasonCode;

        ConnectFailure(Kind kind, int reasonCode, String message, Throwable cause) {
            super(message, cause);
            this.kind = Objects.requireNonNull(kind, "kind");
            this.reasonCode = reasonCode;
        }

        public Kind kind() {
            return kind;
        }

        /** The CONNACK reason code (MQTT 5 §3.2.2.2) for {@link Kind#CONNACK_REFUSED}, else -1. */
        public int reasonCode() {
            return reasonCode;
        }
    }

    /** Where a connection is on its way to CONNACK. */
    private enum Stage {
        TCP("TCP connect"), TLS("TLS handshake"), MQTT("CONNACK"), OPEN("open");

        final String what;

        Stage(String what) {
            this.what = what;
        }
    }

    /** One MQTT connection. Operations may be called from any thread; their futures complete on the loop. */
    public final class Connection {
        private final String clientId;
        private final Listener listener;
        private final ConnectOptions options;
        private final SocketChannel channel;
        /** Null for plaintext. */
        private final SSLEngine engine;
        private SelectionKey key;
        private final ByteBuffer in = ByteBuffer.allocate(4096);
        private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        private final CompletableFuture<Connection> connected = new CompletableFuture<>();
        private final Map<Integer, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
        private final AtomicInteger packetIds = new AtomicInteger();
        /** QoS 1 PUBLISHes the broker accepts unacknowledged (CONNACK Receive Maximum, §3.2.2.3.3; 65,535 if absent). */
        private int sendQuota = 65_535;
        private int inflight;
        private final ArrayDeque<byte[]> held = new ArrayDeque<>();
        private volatile boolean open;
        private volatile boolean closing;
        private Stage stage = Stage.TCP;
        /** Failed or closed: nothing more is read, written or delivered. */
        private boolean dead;
        private long deadline;
        /** TLS: the start of a record not yet complete, or null. */
        private ByteBuffer netIn;
        /** TLS: record bytes the socket did not take yet, or null. */
        private ByteBuffer netOut;

        private Connection(String clientId, Listener listener, ConnectOptions options, SocketChannel channel,
                           SSLEngine engine) {
            this.clientId = clientId;
            this.listener = listener;
            this.options = options;
            this.channel = channel;
            this.engine = engine;
        }

        /** 1..65535 (MQTT 5 §2.2.1: 0 is not a packet identifier). */
        private int nextPacketId() {
            return packetIds.updateAndGet(i -> i >= 65535 ? 1 : i + 1);
        }

        public String clientId() {
            return clientId;
        }

        /** Whether this connection runs over TLS. */
        public boolean isTls() {
            return engine != null;
        }

        /** SUBSCRIBE to the filters at QoS 1; completes on SUBACK granting them. */
        public CompletableFuture<Void> subscribe(List<String> filters) {
            int id = nextPacketId();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(id >> 8);
            body.write(id & 0xFF);
            body.write(0); // no properties
            for (String f : filters) {
                writeString(body, f);
                body.write(0x01); // maximum QoS 1, no-local 0, retain-as-published 0, retain handling 0
            }
            return send(SUBSCRIBE, body.toByteArray(), id, false);
        }

        /** PUBLISH at QoS 1; completes on PUBACK. */
        public CompletableFuture<Void> publish(String topic, byte[] payload) {
            int id = nextPacketId();
            ByteArrayOutputStream body = new ByteArrayOutputStream(payload.length + topic.length() + 8);
            writeString(body, topic);
            body.write(id >> 8);
            body.write(id & 0xFF);
            body.write(0); // no properties
            body.writeBytes(payload);
            return send(PUBLISH | 0x02, body.toByteArray(), id, true);
        }

        /** Connected (CONNACK received) and not failed or closed since. */
        public boolean isOpen() {
            return open;
        }

        /**
         * The broker is about to go away on purpose (a crash test kills it): the connection's loss is then logged
         * at debug, not as a warning.
         */
        public void expectLoss() {
            closing = true;
        }

        /** DISCONNECT (normal), TLS {@code close_notify}, and close. */
        public void disconnect() {
            execute(() -> {
                closing = true;
                if (open) {
                    enqueue(packet(DISCONNECT, new byte[0]));
                    flush();
                }
                fail(new IOException(clientId + ": disconnected by the bench"));
            });
        }

        private CompletableFuture<Void> send(int header, byte[] body, int id, boolean counted) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            pending.put(id, done);
            byte[] p = packet(header, body);
            execute(() -> {
                if (!open) {
                    pending.remove(id);
                    done.completeExceptionally(new IOException(clientId + ": not connected"));
                    return;
                }
                if (counted && inflight >= sendQuota) {
                    held.add(p); // sent when a PUBACK frees a place in the broker's receive window
                    return;
                }
                if (counted) {
                    inflight++;
                }
                enqueue(p);
                flush();
            });
            return done;
        }

        private void enqueue(byte[] p) {
            out.add(ByteBuffer.wrap(p));
        }

        /** The TCP connection is up: CONNECT, or first the TLS handshake. */
        private void tcpConnected() throws IOException {
            if (engine == null) {
                stage = Stage.MQTT;
                sendConnect();
            } else {
                stage = Stage.TLS;
                engine.beginHandshake();
            }
            flush();
        }

        /** Queues CONNECT (clean start, and the user name and password when given). */
        private void sendConnect() {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            writeString(body, "MQTT");
            body.write(PROTOCOL_LEVEL_5);
            body.write(CLEAN_START | (options.userName != null ? USER_NAME_FLAG : 0)
                    | (options.password != null ? PASSWORD_FLAG : 0));
            body.write(KEEP_ALIVE_S >> 8);
            body.write(KEEP_ALIVE_S & 0xFF);
            body.write(0); // no properties
            writeString(body, clientId);
            if (options.userName != null) {
                writeString(body, options.userName);
            }
            if (options.password != null) {
                writeBinary(body, options.password);
            }
            enqueue(packet(CONNECT, body.toByteArray()));
        }

        private void flush() {
            if (dead) {
                return;
            }
            try {
                if (engine == null) {
                    while (!out.isEmpty()) {
                        ByteBuffer b = out.peek();
                        channel.write(b);
                        if (b.hasRemaining()) {
                            interest(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                            return;
                        }
                        out.poll();
                    }
                    interest(SelectionKey.OP_READ);
                } else {
                    tlsFlush();
                }
            } catch (IOException e) {
                fail(e);
            }
        }

        private void interest(int ops) {
            if (key.isValid()) {
                key.interestOps(ops);
            }
        }

        /**
         * Writes what TLS has to send: record bytes left over, then handshake messages while the engine wants to
         * wrap, then (handshake done) the queued MQTT packets, as many per record as fit.
         */
        private void tlsFlush() throws IOException {
            if (dead) {
                return;
            }
            if (netOut != null) {
                channel.write(netOut);
                if (netOut.hasRemaining()) {
                    interest(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    return;
                }
                netOut = null;
            }
            while (!dead) {
                HandshakeStatus hs = engine.getHandshakeStatus();
                if (hs == HandshakeStatus.NEED_TASK) {
                    runDelegatedTasks();
                    continue;
                }
                ByteBuffer[] src;
                if (hs == HandshakeStatus.NOT_HANDSHAKING) {
                    if (stage == Stage.TLS) {
                        tlsEstablished();
                    }
                    if (out.isEmpty()) {
                        break;
                    }
                    src = queued();
                } else if (hs == HandshakeStatus.NEED_WRAP) {
                    src = NOTHING;
                } else {
                    break; // NEED_UNWRAP: the broker's turn
                }
                ByteBuffer net = netWrite;
                net.clear();
                SSLEngineResult r = engine.wrap(src, net);
                while (!out.isEmpty() && !out.peek().hasRemaining()) {
                    out.poll();
                }
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    netWrite = ByteBuffer.allocate(Math.max(net.capacity() * 2, engine.getSession().getPacketBufferSize()));
                    continue;
                }
                net.flip();
                if (net.hasRemaining()) {
                    channel.write(net);
                    if (net.hasRemaining()) {
                        netOut = ByteBuffer.allocate(net.remaining()).put(net).flip();
                        if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                            tlsEstablished();
                        }
                        interest(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                        return;
                    }
                }
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    tlsEstablished();
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED
                        || r.bytesConsumed() == 0 && r.bytesProduced() == 0 && engine.getHandshakeStatus() == hs) {
                    break; // nothing moved and nothing changed: wait for the broker
                }
            }
            interest(SelectionKey.OP_READ);
        }

        /** The first queued packets, as many as one record could carry. */
        private ByteBuffer[] queued() {
            ByteBuffer[] src = new ByteBuffer[Math.min(out.size(), WRAP_BATCH)];
            int i = 0;
            for (ByteBuffer b : out) {
                if (i == src.length) {
                    break;
                }
                src[i++] = b;
            }
            return src;
        }

        /** The TLS handshake is done on this side: CONNECT goes next. */
        private void tlsEstablished() {
            if (stage == Stage.TLS) {
                stage = Stage.MQTT;
                sendConnect();
            }
        }

        private void runDelegatedTasks() {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                task.run(); // inline: certificate checks and signatures on the selector thread, no extra thread
            }
        }

        private void readable() {
            try {
                if (engine == null) {
                    int n = channel.read(in);
                    if (n < 0) {
                        fail(new IOException(clientId + ": broker closed the connection"));
                        return;
                    }
                    parse();
                } else {
                    tlsRead(true);
                }
            } catch (IOException e) {
                fail(e);
            }
        }

        /**
         * Reads records (unless {@code fromSocket} is false: then only the bytes kept from before), unwraps them
         * (handshake or MQTT bytes), keeps the start of an incomplete record for the next time.
         */
        private void tlsRead(boolean fromSocket) throws IOException {
            int packetSize = engine.getSession().getPacketBufferSize();
            int leftover = netIn == null ? 0 : netIn.remaining();
            if (netRead.capacity() < leftover + packetSize) {
                netRead = ByteBuffer.allocate(Math.max(2 * packetSize, leftover + packetSize));
            }
            ByteBuffer src = netRead;
            src.clear();
            if (netIn != null) {
                src.put(netIn);
                netIn = null;
            }
            int n = fromSocket ? channel.read(src) : 0;
            src.flip();
            while (src.hasRemaining() && !dead) {
                ByteBuffer app = appRead;
                app.clear();
                SSLEngineResult r = engine.unwrap(src, app);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    appRead = ByteBuffer.allocate(Math.max(app.capacity() * 2, engine.getSession().getApplicationBufferSize()));
                    continue;
                }
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    break;
                }
                app.flip();
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    tlsEstablished();
                }
                if (app.hasRemaining()) {
                    deliver(app);
                }
                if (dead) {
                    return;
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    fail(new IOException(clientId + ": broker closed the TLS session (close_notify)"));
                    return;
                }
                HandshakeStatus hs = engine.getHandshakeStatus();
                if (hs != HandshakeStatus.NOT_HANDSHAKING || !out.isEmpty()) {
                    tlsFlush(); // tasks, handshake messages, CONNECT once the handshake is done
                }
                boolean progress = r.bytesConsumed() > 0 || r.bytesProduced() > 0;
                if (!progress && (hs == HandshakeStatus.NEED_UNWRAP || netOut != null)) {
                    break; // the rest waits for more bytes, or for the socket to take ours (see ready)
                }
            }
            if (dead) {
                return;
            }
            if (src.hasRemaining()) {
                netIn = ByteBuffer.allocate(src.remaining()).put(src).flip();
            }
            if (n < 0) {
                fail(new IOException(clientId + ": broker closed the connection"
                        + (stage == Stage.TLS ? " during the TLS handshake" : "")));
            }
        }

        /** Feeds plaintext MQTT bytes through the packet buffer. */
        private void deliver(ByteBuffer plain) throws IOException {
            while (plain.hasRemaining() && !dead) {
                int n = Math.min(in.remaining(), plain.remaining());
                if (n == 0) {
                    throw new IOException(clientId + ": a packet exceeds the bench's buffer");
                }
                in.put(plain.slice(plain.position(), n));
                plain.position(plain.position() + n);
                parse();
            }
        }

        /** Handles every complete packet in {@code in} (write mode before and after). */
        private void parse() throws IOException {
            in.flip();
            while (!dead) {
                int start = in.position();
                if (in.remaining() < 2) {
                    break;
                }
                int header = in.get() & 0xFF;
                int length = 0;
                int shift = 0;
                boolean complete = false;
                while (in.hasRemaining() && shift <= 21) {
                    int b = in.get() & 0xFF;
                    length |= (b & 0x7F) << shift;
                    shift += 7;
                    if ((b & 0x80) == 0) {
                        complete = true;
                        break;
                    }
                }
                if (!complete || in.remaining() < length) {
                    in.position(start);
                    if (!complete && shift > 21) {
                        throw new IOException(clientId + ": malformed remaining length");
                    }
                    if (length + 5 > in.capacity()) {
                        throw new IOException(clientId + ": packet of " + length + " bytes exceeds the bench's buffer");
                    }
                    break;
                }
                byte[] body = new byte[length];
                in.get(body);
                handle(header, body);
            }
            in.compact();
        }

        private void handle(int header, byte[] body) throws IOException {
            int type = header & 0xF0;
            switch (type) {
                case CONNACK -> {
                    int reason = body.length > 1 ? body[1] & 0xFF : 0;
                    if (reason != 0) {
                        throw new ConnectFailure(ConnectFailure.Kind.CONNACK_REFUSED, reason,
                                clientId + ": CONNACK reason 0x" + Integer.toHexString(reason), null);
                    }
                    int[] pos = {2};
                    int end = varInt(body, pos) + pos[0];
                    while (pos[0] < end) {
                        int property = body[pos[0]++] & 0xFF;
                        if (property == 0x21) { // Receive Maximum
                            sendQuota = ((body[pos[0]] & 0xFF) << 8) | (body[pos[0] + 1] & 0xFF);
                        }
                        pos[0] = skipProperty(property, body, pos[0]);
                    }
                    stage = Stage.OPEN;
                    open = true;
                    connected.complete(this);
                }
                case SUBACK -> {
                    int id = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
                    int[] pos = {2};
                    int props = varInt(body, pos);
                    int at = pos[0] + props;
                    CompletableFuture<Void> f = pending.remove(id);
                    for (int i = at; i < body.length; i++) {
                        if ((body[i] & 0xFF) >= 0x80) {
                            if (f != null) {
                                f.completeExceptionally(new IOException(clientId + ": SUBACK refused a filter, reason 0x"
                                        + Integer.toHexString(body[i] & 0xFF)));
                            }
                            return;
                        }
                    }
                    if (f != null) {
                        f.complete(null);
                    }
                }
                case PUBACK -> {
                    int id = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
                    int reason = body.length > 2 ? body[2] & 0xFF : 0;
                    inflight--;
                    byte[] next = held.poll();
                    if (next != null) {
                        inflight++;
                        enqueue(next);
                        flush();
                    }
                    CompletableFuture<Void> f = pending.remove(id);
                    if (f != null) {
                        if (reason >= 0x80) {
                            f.completeExceptionally(new IOException(clientId + ": PUBACK reason 0x" + Integer.toHexString(reason)));
                        } else {
                            f.complete(null);
                        }
                    }
                }
                case PUBLISH -> {
                    int qos = (header >> 1) & 0x03;
                    int tlen = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
                    String topic = new String(body, 2, tlen, StandardCharsets.UTF_8);
                    int[] pos = {2 + tlen};
                    int id = 0;
                    if (qos > 0) {
                        id = ((body[pos[0]] & 0xFF) << 8) | (body[pos[0] + 1] & 0xFF);
                        pos[0] += 2;
                    }
                    int props = varInt(body, pos);
                    int from = pos[0] + props;
                    byte[] payload = Arrays.copyOfRange(body, from, body.length);
                    if (qos == 1) {
                        enqueue(packet(PUBACK, new byte[] {(byte) (id >> 8), (byte) id}));
                        flush();
                    } else if (qos == 2) {
                        throw new IOException(clientId + ": QoS 2 PUBLISH on " + Untrusted.escape(topic)
                                + " (the bench subscribes at QoS 1)");
                    }
                    listener.message(this, topic, payload);
                }
                case PINGRESP -> {
                    // keep-alive answer; nothing to do
                }
                case DISCONNECT -> throw new IOException(clientId + ": broker sent DISCONNECT reason 0x"
                        + (body.length > 0 ? Integer.toHexString(body[0] & 0xFF) : "0"));
                default -> throw new IOException(clientId + ": unexpected packet type 0x" + Integer.toHexString(header));
            }
        }

        /** The connect future's error for {@code cause}, by the step the connection was at. */
        private ConnectFailure connectFailure(IOException cause) {
            if (cause instanceof ConnectFailure f) {
                return f;
            }
            String text = cause instanceof SSLException ? tlsFailed(cause) : cause.getMessage();
            ConnectFailure.Kind kind = switch (stage) {
                case TCP -> ConnectFailure.Kind.TCP_CONNECT;
                case TLS -> ConnectFailure.Kind.TLS_HANDSHAKE;
                default -> cause instanceof SSLException ? ConnectFailure.Kind.TLS_HANDSHAKE : ConnectFailure.Kind.CONNECTION_LOST;
            };
            return new ConnectFailure(kind, -1, text, cause);
        }

        private String tlsFailed(IOException e) {
            return clientId + ": TLS with " + broker + " failed: " + Untrusted.escape(String.valueOf(e.getMessage()), TEXT_LIMIT);
        }

        /** Connect deadline passed: fails the connection unless CONNACK came. */
        private void expire() {
            if (!dead && !connected.isDone()) {
                fail(new ConnectFailure(ConnectFailure.Kind.TIMEOUT, -1, clientId + ": no CONNACK from " + broker
                        + " within " + options.timeout + " (waiting for the " + stage.what + ")", null));
            }
        }

        private void fail(IOException failure) {
            boolean wasOpen = open;
            open = false;
            if (!connected.isDone()) {
                connected.completeExceptionally(connectFailure(failure));
            }
            // a TLS stack's text may quote the peer (names from its certificate): escaped before it is shown
            IOException cause = failure instanceof SSLException ? new IOException(tlsFailed(failure), failure) : failure;
            pending.values().forEach(f -> f.completeExceptionally(cause));
            pending.clear();
            if (dead) {
                return;
            }
            dead = true;
            if (engine != null && stage != Stage.TCP) {
                closeTls();
            }
            if (key != null) {
                key.cancel();
            }
            try {
                channel.close();
            } catch (IOException e) {
                Logger.debug("closing {}: {}", clientId, e.getMessage());
            }
            if (wasOpen && !closing) {
                Logger.warn("bench MQTT connection {} failed: {}", clientId, cause.getMessage());
            } else if (wasOpen) {
                Logger.debug("bench MQTT connection {} ended: {}", clientId, cause.getMessage());
            }
        }

        /** Best effort: a {@code close_notify} (or the alert of a failed handshake) if the socket takes it now. */
        private void closeTls() {
            if (netOut != null) {
                return; // records still queued: the alert cannot overtake them, and closing will not wait
            }
            try {
                engine.closeOutbound();
                ByteBuffer net = netWrite;
                net.clear();
                engine.wrap(NOTHING, net);
                net.flip();
                channel.write(net);
            } catch (IOException | RuntimeException e) {
                Logger.debug("closing TLS of {}: {}", clientId, Untrusted.escape(String.valueOf(e.getMessage()), TEXT_LIMIT));
            }
        }
    }

    /** Opens a plaintext TCP connection and sends CONNECT (clean start); completes on a successful CONNACK. */
    public CompletableFuture<Connection> connect(String clientId, Listener listener) {
        return connect(clientId, listener, ConnectOptions.plaintext());
    }

    /**
     * As {@link #connect(String, Listener, ConnectOptions)} over TLS with {@code tls} (this terminal's key and
     * certificate), checking that the broker's certificate names {@code serverName}.
     */
    public CompletableFuture<Connection> connect(String clientId, Listener listener, SSLContext tls, String serverName) {
        return connect(clientId, listener, ConnectOptions.tls(tls, serverName));
    }

    /**
     * Opens a TCP connection, runs the TLS handshake if {@code options} say TLS, and sends CONNECT (clean start,
     * user name and password if given); completes on a successful CONNACK, or fails with a {@link ConnectFailure}
     * within the options' timeout.
     */
    public CompletableFuture<Connection> connect(String clientId, Listener listener, ConnectOptions options) {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(options, "options");
        CompletableFuture<Connection> result = new CompletableFuture<>();
        execute(() -> {
            if (closed) {
                result.completeExceptionally(new ConnectFailure(ConnectFailure.Kind.CONNECTION_LOST, -1,
                        clientId + ": the bench's MQTT client is closed", null));
                return;
            }
            SocketChannel ch;
            SSLEngine engine;
            try {
                engine = options.tls == null ? null : engine(options);
                ch = SocketChannel.open();
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(new ConnectFailure(options.tls == null ? ConnectFailure.Kind.TCP_CONNECT
                        : ConnectFailure.Kind.TLS_HANDSHAKE, -1, clientId + ": cannot set up a connection to " + broker
                        + ": " + Untrusted.escape(String.valueOf(e.getMessage()), TEXT_LIMIT), e));
                return;
            }
            Connection c = new Connection(clientId, listener, options, ch, engine);
            c.connected.whenComplete((ok, err) -> {
                if (err != null) {
                    result.completeExceptionally(err);
                } else {
                    result.complete(ok);
                }
            });
            c.deadline = System.nanoTime() + options.timeout.toNanos();
            deadlines.add(c);
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (ch.connect(broker)) {
                    c.key = ch.register(selector, SelectionKey.OP_READ, c);
                    c.tcpConnected();
                } else {
                    c.key = ch.register(selector, SelectionKey.OP_CONNECT, c);
                }
            } catch (IOException | UnresolvedAddressException | UnsupportedAddressTypeException e) {
                c.fail(new IOException(clientId + ": cannot connect to " + broker + ": " + e.getMessage(), e));
            }
        });
        return result;
    }

    private SSLEngine engine(ConnectOptions options) {
        SSLEngine e = options.tls.createSSLEngine(options.serverName, broker.getPort());
        e.setUseClientMode(true);
        SSLParameters p = e.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        if (!ConnectOptions.isAddress(options.serverName)) {
            p.setServerNames(List.of(new SNIHostName(options.serverName)));
        }
        e.setSSLParameters(p);
        int packet = e.getSession().getPacketBufferSize();
        if (netWrite.capacity() < packet) {
            netWrite = ByteBuffer.allocate(packet);
        }
        int app = e.getSession().getApplicationBufferSize();
        if (appRead.capacity() < app) {
            appRead = ByteBuffer.allocate(app);
        }
        return e;
    }

    private void run() {
        try {
            while (!closed) {
                runTasks();
                selector.select(selectTimeout());
                for (SelectionKey k : selector.selectedKeys()) {
                    Connection c = (Connection) k.attachment();
                    try {
                        ready(k, c);
                    } catch (RuntimeException e) {
                        Logger.error(e, "bench MQTT connection {} broke the selector loop's rules", c.clientId);
                        c.fail(new IOException(c.clientId + ": " + e, e));
                    }
                }
                selector.selectedKeys().clear();
                expireConnects();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) {
                Logger.error(e, "bench MQTT selector loop failed");
            }
        } catch (RuntimeException e) {
            Logger.error(e, "bench MQTT selector loop died");
        }
    }

    private void ready(SelectionKey k, Connection c) {
        if (!k.isValid()) {
            return;
        }
        if (k.isConnectable()) {
            try {
                c.channel.finishConnect();
                k.interestOps(SelectionKey.OP_READ);
                c.tcpConnected();
            } catch (IOException e) {
                c.fail(new IOException(c.clientId + ": TCP connect to " + broker + " failed: " + e.getMessage(), e));
            }
            return;
        }
        if (k.isValid() && k.isWritable()) {
            c.flush();
            if (c.engine != null && c.netIn != null && c.netOut == null && !c.dead) {
                try {
                    c.tlsRead(false); // records that waited while the socket would not take the answer
                } catch (IOException e) {
                    c.fail(e);
                }
            }
        }
        if (k.isValid() && k.isReadable()) {
            c.readable();
        }
    }

    private void runTasks() {
        Runnable t;
        while ((t = tasks.poll()) != null) {
            try {
                t.run();
            } catch (RuntimeException e) {
                Logger.error(e, "a bench MQTT operation failed on the selector thread");
            }
        }
    }

    /** Until the earliest connect deadline, at most {@link #SELECT_MS}. */
    private long selectTimeout() {
        Connection first = deadlines.peek();
        if (first == null) {
            return SELECT_MS;
        }
        long ms = (first.deadline - System.nanoTime()) / 1_000_000 + 1;
        return Math.max(1, Math.min(SELECT_MS, ms));
    }

    private void expireConnects() {
        long now = System.nanoTime();
        Connection c;
        while ((c = deadlines.peek()) != null && c.deadline - now <= 0) {
            deadlines.poll();
            c.expire();
        }
    }

    private void execute(Runnable task) {
        tasks.add(task);
        if (closed && !loop.isAlive()) {
            synchronized (tasks) {
                runTasks(); // the loop is gone (closed): run here, so that the task's future still completes
            }
        } else {
            selector.wakeup();
        }
    }


    static byte[] packet(int header, byte[] body) {
        ByteArrayOutputStream p = new ByteArrayOutputStream(body.length + 5);
        p.write(header);
        int len = body.length;
        do {
            int b = len & 0x7F;
            len >>>= 7;
            p.write(len > 0 ? b | 0x80 : b);
        } while (len > 0);
        p.writeBytes(body);
        return p.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream b, String s) {
        writeBinary(b, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeBinary(ByteArrayOutputStream b, byte[] bytes) {
        b.write(bytes.length >> 8);
        b.write(bytes.length & 0xFF);
        b.writeBytes(bytes);
    }

    /**
     * Position after the value of a CONNACK property (MQTT 5 §2.2.2.2 lists each identifier's type).
     *
     * @throws IOException for an identifier a CONNACK may not carry
     */
    private static int skipProperty(int id, byte[] b, int at) throws IOException {
        return switch (id) {
            case 0x24, 0x25, 0x28, 0x29, 0x2A -> at + 1; // byte
            case 0x13, 0x21, 0x22 -> at + 2; // two-byte integer
            case 0x11, 0x27 -> at + 4; // four-byte integer
            case 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F -> at + 2 + (((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF)); // string / binary
            case 0x26 -> { // user property: string pair
                int second = at + 2 + (((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF));
                yield second + 2 + (((b[second] & 0xFF) << 8) | (b[second + 1] & 0xFF));
            }
            default -> throw new IOException("CONNACK property 0x" + Integer.toHexString(id) + " is not allowed there");
        };
    }

    private static int varInt(byte[] b, int[] pos) throws IOException {
        int value = 0;
        for (int shift = 0; shift <= 21; shift += 7) {
            if (pos[0] >= b.length) {
                throw new IOException("truncated variable byte integer");
            }
            int x = b[pos[0]++] & 0xFF;
            value |= (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("malformed variable byte integer");
    }

    /**
     * Stops the selector thread and closes every connection without DISCONNECT; futures still waiting (a connect,
     * a PUBACK) fail, and operations called afterwards fail at once.
     */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            loop.join(2000);
            if (!loop.isAlive()) {
                synchronized (tasks) {
                    runTasks();
                    List<SelectionKey> keys = new ArrayList<>(selector.keys());
                    for (SelectionKey k : keys) {
                        Connection c = (Connection) k.attachment();
                        c.closing = true;
                        c.fail(new IOException(c.clientId + ": the bench's MQTT client closed"));
                    }
                }
            }
            for (SelectionKey k : selector.keys()) {
                try {
                    k.channel().close();
                } catch (IOException e) {
                    Logger.debug("closing a bench connection: {}", e.getMessage());
                }
            }
            selector.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            Logger.warn("closing the bench selector: {}", e.getMessage());
        }
    }
}
