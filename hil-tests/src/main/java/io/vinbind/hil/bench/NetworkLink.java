package io.vinbind.hil.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * The cellular data path between the terminal and the MQTT broker, as a TCP relay on 127.0.0.1 that the
 * bench can disturb the way a mobile network does. The terminal connects to {@link #uri()}; every
 * connection is relayed byte for byte to the broker, so MQTT itself is untouched and real.
 *
 * <ul>
 *   <li>{@link Mode#PASS}: a working network;</li>
 *   <li>{@link Mode#DOWN}: nothing listens (connection refused) and open connections are cut: no
 *       coverage, or the broker's host is down;</li>
 *   <li>{@link Mode#STALL}: connections are accepted but nothing is relayed in either direction: a
 *       black-holed route, where MQTT CONNECT never gets its CONNACK;</li>
 *   <li>{@link Mode#DROP_DOWNSTREAM}: terminal → broker passes, broker → terminal is dropped: the request
 *       reaches the server but its ack never reaches the terminal (an ack lost on the air interface).</li>
 * </ul>
 * Modes apply at once to every open connection. Dropping bytes mid-stream leaves the terminal's MQTT
 * client waiting; it never sees a corrupted packet because nothing after the drop reaches it.
 */
public final class NetworkLink implements AutoCloseable {

    /** How the link treats traffic; see the class comment. */
    public enum Mode { PASS, DOWN, STALL, DROP_DOWNSTREAM }

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final InetSocketAddress upstream;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong droppedBytes = new AtomicLong();
    private volatile Mode mode = Mode.PASS;
    private volatile ServerSocket listener;
    private volatile boolean closed;

    private NetworkLink(InetSocketAddress upstream, ServerSocket listener) {
        this.upstream = upstream;
        this.listener = listener;
        this.port = listener.getLocalPort();
    }

    /**
     * Starts relaying a free port on 127.0.0.1 to {@code broker} ({@code tcp://host:port}).
     *
     * @throws IOException when no local port can be bound
     */
    public static NetworkLink start(URI broker) throws IOException {
        Objects.requireNonNull(broker, "broker");
        if (broker.getHost() == null || broker.getPort() < 1) {
            throw new IllegalArgumentException("broker URI " + broker + " has no host:port");
        }
        ServerSocket ss = bind(0);
        NetworkLink link = new NetworkLink(new InetSocketAddress(broker.getHost(), broker.getPort()), ss);
        link.acceptOn(ss);
        Logger.info("network link 127.0.0.1:{} -> {}", link.port, broker);
        return link;
    }

    /** Where the terminal connects: {@code tcp://127.0.0.1:<port>}. */
    public URI uri() {
        return URI.create("tcp://127.0.0.1:" + port);
    }

    /**
     * Where the terminal connects, as {@code ssl://127.0.0.1:<port>}: the link relays bytes, so TLS runs end to
     * end between terminal and broker through it (the broker's certificate covers 127.0.0.1).
     */
    public URI tlsUri() {
        return URI.create("ssl://127.0.0.1:" + port);
    }

    public Mode mode() {
        return mode;
    }

    /** TCP connections the terminal opened so far. */
    public long connections() {
        return connections.get();
    }

    /** Bytes from the broker dropped in {@link Mode#DROP_DOWNSTREAM} or {@link Mode#STALL}. */
    public long droppedBytes() {
        return droppedBytes.get();
    }

    /**
     * Switches the mode. Going DOWN closes the listening socket and cuts every connection; leaving DOWN
     * listens again on the same port.
     *
     * @throws IOException when the port cannot be bound again (someone else took it meanwhile)
     */
    public synchronized void setMode(Mode newMode) throws IOException {
        Objects.requireNonNull(newMode, "newMode");
        if (closed) {
            throw new IllegalStateException("network link is closed");
        }
        Mode old = mode;
        mode = newMode;
        if (newMode == Mode.DOWN && old != Mode.DOWN) {
            closeQuietly(listener);
            cutAll();
        } else if (old == Mode.DOWN && newMode != Mode.DOWN) {
            ServerSocket ss = bind(port);
            listener = ss;
            acceptOn(ss);
        }
        Logger.info("network link 127.0.0.1:{}: {} -> {}", port, old, newMode);
    }

    /** Cuts every open connection (both ends see a reset/EOF); the link keeps its mode. */
    public void cutAll() {
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeQuietly(listener);
        cutAll();
    }

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        return ss;
    }

    private void acceptOn(ServerSocket ss) {
        Thread t = new Thread(() -> acceptLoop(ss), "net-link-accept-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        t.start();
    }

    private void acceptLoop(ServerSocket ss) {
        while (!ss.isClosed()) {
            Socket terminal;
            try {
                terminal = ss.accept();
            } catch (IOException e) {
                if (!ss.isClosed()) {
                    Logger.warn("network link 127.0.0.1:{}: accept failed: {}", port, e.getMessage());
                }
                return;
            }
            if (ss.isClosed() || mode == Mode.DOWN) {
                // going DOWN closed the listener while this thread was blocked in accept(2): the kernel keeps the
                // listening socket alive until the blocked call returns, so a connect in that instant still lands
                // here. Nothing listens when DOWN: it is closed at once and not counted.
                closeQuietly(terminal);
                return;
            }
            connections.incrementAndGet();
            Socket broker = new Socket();
            try {
                broker.connect(upstream, 2000);
            } catch (IOException e) {
                // the broker itself is down: the terminal sees its connection closed, as through a NAT
                Logger.info("network link 127.0.0.1:{}: broker {} unreachable: {}", port, upstream, e.getMessage());
                closeQuietly(terminal);
                closeQuietly(broker);
                continue;
            }
            try {
                // a relay must not add Nagle delays of its own to MQTT's small packets (about 40 ms each)
                terminal.setTcpNoDelay(true);
                broker.setTcpNoDelay(true);
            } catch (IOException e) {
                Logger.debug("network link 127.0.0.1:{}: TCP_NODELAY not set: {}", port, e.getMessage());
            }
            sockets.add(terminal);
            sockets.add(broker);
            relay(terminal, broker, false);
            relay(broker, terminal, true);
        }
    }

    private void relay(Socket from, Socket to, boolean downstream) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    Mode m = mode;
                    boolean drop = m == Mode.STALL || (downstream && m == Mode.DROP_DOWNSTREAM);
                    if (drop) {
                        droppedBytes.addAndGet(n);
                        continue;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (SocketException e) {
                Logger.debug("network link 127.0.0.1:{}: {} relay ended: {}", port, downstream ? "down" : "up",
                        e.getMessage());
            } catch (IOException e) {
                Logger.debug(e, "network link 127.0.0.1:{}: relay failed", port);
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "net-link-" + (downstream ? "down-" : "up-") + THREADS.incrementAndGet());
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            Logger.debug("closing {} failed: {}", c, e.getMessage());
        }
    }
}
