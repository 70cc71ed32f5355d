package io.vinbind.server.mqtt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A TCP relay between one MQTT client and its broker that reads the MQTT 5 packets going through it, so a
 * test can see what the broker receives (PUBACK order, reconnects) and can drop chosen packets. It parses only
 * the fixed header (MQTT 5 §2.1), and of PUBLISH and PUBACK what identifies them (§3.3.2, §3.4.2).
 */
final class MqttTap implements AutoCloseable {

    enum Direction { TO_BROKER, TO_CLIENT }

    /** A packet seen: its type (§2.1.2), packet id when it has one, topic and DUP flag of a PUBLISH. */
    record Packet(long connection, Direction direction, int type, int packetId, String topic, boolean dup,
                  long atMillis) {
        boolean isPuback() {
            return type == 4;
        }

        boolean isPublish() {
            return type == 3;
        }
    }

    private final ServerSocket listener;
    private final InetSocketAddress broker;
    private final List<Packet> seen = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Predicate<Packet> drop = p -> false;
    private final Thread acceptor;

    MqttTap(URI broker) throws IOException {
        this.broker = new InetSocketAddress(broker.getHost(), broker.getPort());
        this.listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "mqtt-tap-accept");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    URI uri() {
        return URI.create("tcp://127.0.0.1:" + listener.getLocalPort());
    }

    /** Packets matching {@code rule} are not forwarded (they are still recorded, as seen). */
    void drop(Predicate<Packet> rule) {
        this.drop = rule;
    }

    List<Packet> packets() {
        return new ArrayList<>(seen);
    }

    /** Client connections the tap has relayed so far (a reconnect is a new one). */
    int connections() {
        return connections.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket upstream = new Socket(broker.getAddress(), broker.getPort());
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                long connection = connections.incrementAndGet();
                pump(connection, Direction.TO_BROKER, client, upstream);
                pump(connection, Direction.TO_CLIENT, upstream, client);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(long connection, Direction direction, Socket from, Socket to) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                while (true) {
                    int first = in.read();
                    if (first < 0) {
                        break;
                    }
                    int length = 0;
                    int multiplier = 1;
                    byte[] header = new byte[5];
                    header[0] = (byte) first;
                    int h = 1;
                    int b;
                    do { // Variable Byte Integer, §1.5.5
                        b = in.read();
                        if (b < 0 || h == 5) {
                            throw new IOException("bad remaining length");
                        }
                        header[h++] = (byte) b;
                        length += (b & 0x7f) * multiplier;
                        multiplier *= 128;
                    } while ((b & 0x80) != 0);
                    byte[] body = in.readNBytes(length);
                    if (body.length < length) {
                        break;
                    }
                    Packet p = parse(connection, direction, first, body);
                    seen.add(p);
                    if (drop.test(p)) {
                        continue;
                    }
                    out.write(header, 0, h);
                    out.write(body);
                    out.flush();
                }
            } catch (IOException e) {
                // one side went away: close both, as a broker or client would see it
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "mqtt-tap-" + connection + "-" + direction);
        t.setDaemon(true);
        t.start();
    }

    private static Packet parse(long connection, Direction direction, int first, byte[] body) {
        int type = (first >> 4) & 0x0f;
        if (type == 3) {
            int qos = (first >> 1) & 0x03;
            int topicLength = ((body[0] & 0xff) << 8) | (body[1] & 0xff);
            String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
            int id = qos > 0 ? ((body[2 + topicLength] & 0xff) << 8) | (body[3 + topicLength] & 0xff) : -1;
            return new Packet(connection, direction, type, id, topic, (first & 0x08) != 0, now());
        }
        if (type == 4 || type == 5 || type == 6 || type == 7) {
            int id = ((body[0] & 0xff) << 8) | (body[1] & 0xff);
            return new Packet(connection, direction, type, id, null, false, now());
        }
        return new Packet(connection, direction, type, -1, null, false, now());
    }

    private static long now() {
        return System.currentTimeMillis() % 100_000;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing after the other side went away
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }
}
