package io.vinbind.hil.perf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.tinylog.Logger;

/**
 * A minimal MQTT 5 client for load generation: many connections on one NIO selector thread.
 *
 * <p>Why not Paho: a Paho {@code MqttAsyncClient} runs a receiver, a sender and a callback thread per
 * connection, so 10,000 simulated terminals would be 30,000 threads on a 2-core machine, and the benchmark
 * would measure the load generator's context switches instead of the server. This client speaks only what a
 * terminal needs (OASIS MQTT 5.0: CONNECT/CONNACK §3.1–3.2 with clean start, SUBSCRIBE/SUBACK §3.8–3.9 at
 * QoS 1, PUBLISH/PUBACK §3.3–3.4 at QoS 1 both ways, DISCONNECT §3.14), writes well-formed packets with no
 * properties, and skips the properties of what it receives. The terminal daemon itself uses Paho; this is
 * only the bench's crowd.
 */
public final class RawMqtt implements AutoCloseable {

    /** Receives PUBLISH packets (on the selector thread; must not block). */
    public interface Listener {
        void message(Connection connection, String topic, byte[] payload);
    }

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
    /** Keep-alive asked for: longer than any bench run, so no PINGREQ is needed. */
    private static final int KEEP_ALIVE_S = 1200;

    private final Selector selector;
    private final InetSocketAddress broker;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread loop;
    private volatile boolean closed;

    public RawMqtt(InetSocketAddress broker, String name) throws IOException {
        this.broker = Objects.requireNonNull(broker, "broker");
        this.selector = Selector.open();
        this.loop = new Thread(this::run, name);
        this.loop.setDaemon(true);
        this.loop.start();
    }

    /** One MQTT connection. Operations may be called from any thread; their futures complete on the loop. */
    public final class Connection {
        private final String clientId;
        private final Listener listener;
        private final SocketChannel channel;
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

        private Connection(String clientId, Listener listener, SocketChannel channel) {
            this.clientId = clientId;
            this.listener = listener;
            this.channel = channel;
        }

        /** 1..65535 (MQTT 5 §2.2.1: 0 is not a packet identifier). */
        private int nextPacketId() {
            return packetIds.updateAndGet(i -> i >= 65535 ? 1 : i + 1);
        }

        public String clientId() {
            return clientId;
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

        /** DISCONNECT (normal) and close. */
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

        private void flush() {
            try {
                while (!out.isEmpty()) {
                    ByteBuffer b = out.peek();
                    channel.write(b);
                    if (b.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                        return;
                    }
                    out.poll();
                }
                if (key.isValid()) {
                    key.interestOps(SelectionKey.OP_READ);
                }
            } catch (IOException e) {
                fail(e);
            }
        }

        private void readable() {
            try {
                int n = channel.read(in);
                if (n < 0) {
                    fail(new IOException(clientId + ": broker closed the connection"));
                    return;
                }
                in.flip();
                while (true) {
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
            } catch (IOException e) {
                fail(e);
            }
        }

        private void handle(int header, byte[] body) throws IOException {
            int type = header & 0xF0;
            switch (type) {
                case CONNACK -> {
                    int reason = body.length > 1 ? body[1] & 0xFF : 0;
                    if (reason != 0) {
                        throw new IOException(clientId + ": CONNACK reason 0x" + Integer.toHexString(reason));
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
                    byte[] payload = java.util.Arrays.copyOfRange(body, from, body.length);
                    if (qos == 1) {
                        enqueue(packet(PUBACK, new byte[] {(byte) (id >> 8), (byte) id}));
                        flush();
                    } else if (qos == 2) {
                        throw new IOException(clientId + ": QoS 2 PUBLISH on " + topic + " (the bench subscribes at QoS 1)");
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

        private void fail(IOException cause) {
            boolean wasOpen = open;
            open = false;
            connected.completeExceptionally(cause);
            pending.values().forEach(f -> f.completeExceptionally(cause));
            pending.clear();
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
    }

    /** Opens a TCP connection and sends CONNECT (clean start); completes on a successful CONNACK. */
    public CompletableFuture<Connection> connect(String clientId, Listener listener) {
        CompletableFuture<Connection> result = new CompletableFuture<>();
        execute(() -> {
            try {
                SocketChannel ch = SocketChannel.open();
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Connection c = new Connection(clientId, listener, ch);
                c.connected.whenComplete((ok, err) -> {
                    if (err != null) {
                        result.completeExceptionally(err);
                    } else {
                        result.complete(ok);
                    }
                });
                if (ch.connect(broker)) {
                    c.key = ch.register(selector, SelectionKey.OP_READ, c);
                    sendConnect(c);
                } else {
                    c.key = ch.register(selector, SelectionKey.OP_CONNECT, c);
                }
            } catch (IOException e) {
                result.completeExceptionally(new IOException(clientId + ": cannot connect to " + broker + ": " + e.getMessage(), e));
            }
        });
        return result;
    }

    private void sendConnect(Connection c) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT");
        body.write(PROTOCOL_LEVEL_5);
        body.write(CLEAN_START);
        body.write(KEEP_ALIVE_S >> 8);
        body.write(KEEP_ALIVE_S & 0xFF);
        body.write(0); // no properties
        writeString(body, c.clientId);
        c.enqueue(packet(CONNECT, body.toByteArray()));
        c.flush();
    }

    private void run() {
        try {
            while (!closed) {
                Runnable t;
                while ((t = tasks.poll()) != null) {
                    t.run();
                }
                selector.select(100);
                for (SelectionKey k : selector.selectedKeys()) {
                    Connection c = (Connection) k.attachment();
                    if (!k.isValid()) {
                        continue;
                    }
                    if (k.isConnectable()) {
                        try {
                            c.channel.finishConnect();
                            k.interestOps(SelectionKey.OP_READ);
                            sendConnect(c);
                        } catch (IOException e) {
                            c.fail(new IOException(c.clientId + ": TCP connect to " + broker + " failed: " + e.getMessage(), e));
                        }
                        continue;
                    }
                    if (k.isValid() && k.isWritable()) {
                        c.flush();
                    }
                    if (k.isValid() && k.isReadable()) {
                        c.readable();
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) {
                Logger.error(e, "bench MQTT selector loop failed");
            }
        } catch (RuntimeException e) {
            Logger.error(e, "bench MQTT selector loop died");
        }
    }

    private void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
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
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
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

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            loop.join(2000);
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
