package io.vinbind.hil.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The relay against a local echo server standing for the broker. */
class NetworkLinkTest {

    private ServerSocket echo;
    private NetworkLink link;

    @BeforeEach
    void start() throws IOException {
        echo = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread c = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException e) {
                            System.err.println("echo connection ended: " + e.getMessage()); // the test closed it
                        }
                    });
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        link = NetworkLink.start(URI.create("tcp://127.0.0.1:" + echo.getLocalPort()));
    }

    @AfterEach
    void stop() throws IOException {
        link.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", link.uri().getPort()), 1000);
        s.setSoTimeout(500);
        return s;
    }

    private static byte[] roundTrip(Socket s, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(sent);
        s.getOutputStream().flush();
        return s.getInputStream().readNBytes(sent.length);
    }

    @Test
    void pass_relays_both_ways() throws IOException {
        try (Socket s = connect()) {
            assertArrayEquals("CONNECT".getBytes(StandardCharsets.US_ASCII), roundTrip(s, "CONNECT"));
        }
        assertEquals(1, link.connections());
    }

    @Test
    void drop_downstream_lets_requests_through_but_no_answer_back() throws IOException {
        try (Socket s = connect()) {
            link.setMode(NetworkLink.Mode.DROP_DOWNSTREAM);
            s.getOutputStream().write("bind".getBytes(StandardCharsets.US_ASCII));
            assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
        }
        Waits.until("the echo of 'bind' dropped at the relay", Duration.ofSeconds(2),
                () -> link.droppedBytes() >= 4 ? Optional.of(true) : Optional.empty());
        assertEquals(4, link.droppedBytes(), "exactly the echo of 'bind' was dropped");
    }

    @Test
    void down_refuses_connections_and_up_listens_again_on_the_same_port() throws IOException {
        int port = link.uri().getPort();
        long before = link.connections();
        link.setMode(NetworkLink.Mode.DOWN);
        try (Socket s = connect()) {
            // not refused: the closing listener's blocked accept took it (the kernel keeps a listening socket alive
            // until a blocked accept returns) and the link closed it; or the kernel joined the socket to itself (a
            // loopback connect whose ephemeral source port equals the closed port); or another process took the
            // freed port. In no case may the link have accepted it as a connection.
            assertEquals(before, link.connections(), "the link accepted a connection while DOWN");
            if (s.getLocalPort() != s.getPort()) {
                int first;
                try {
                    first = s.getInputStream().read();
                } catch (SocketTimeoutException e) {
                    first = -2;
                } catch (IOException e) {
                    first = -1; // reset: closed at once, as nothing listening
                }
                org.junit.jupiter.api.Assumptions.assumeTrue(first == -1,
                        "skipped: port " + port + " was taken by another process while the link was DOWN");
            }
            assertEquals(before, link.connections(), "the link accepted a connection while DOWN");
        } catch (ConnectException expected) {
            // nothing listens: what a terminal out of coverage sees
        }
        link.setMode(NetworkLink.Mode.PASS);
        assertEquals(port, link.uri().getPort());
        try (Socket s = connect()) {
            assertArrayEquals("again".getBytes(StandardCharsets.US_ASCII), roundTrip(s, "again"));
        }
    }

    @Test
    void stall_accepts_but_relays_nothing() throws IOException {
        link.setMode(NetworkLink.Mode.STALL);
        try (Socket s = connect()) {
            s.getOutputStream().write("CONNECT".getBytes(StandardCharsets.US_ASCII));
            assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
        }
        assertTrue(link.connections() >= 1);
    }
}
