package io.vinbind.hil.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bench's MQTT 5 load client against a scripted broker on a local socket: the bytes it writes, and that
 * it keeps to the Receive Maximum the broker announces.
 */
class RawMqttTest {

    @Test
    void remaining_length_is_a_variable_byte_integer() {
        // MQTT 5 §1.5.5: 7 bits per byte, high bit = more bytes follow
        assertArrayEquals(new byte[] {(byte) 0xE0, 0x00}, RawMqtt.packet(0xE0, new byte[0]));
        byte[] p = RawMqtt.packet(0x30, new byte[321]);
        assertEquals(0x30, p[0] & 0xFF);
        assertEquals(0xC1, p[1] & 0xFF); // 321 = 0x141: low 7 bits 0x41 | continuation 0x80
        assertEquals(0x02, p[2] & 0xFF); // 321 >> 7 = 2
        assertEquals(3 + 321, p.length);
    }

    @Test
    void connects_subscribes_and_holds_publishes_beyond_the_receive_maximum() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             RawMqtt mqtt = new RawMqtt(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), "raw-mqtt-test")) {
            listener.setSoTimeout(5000);
            CompletableFuture<RawMqtt.Connection> connected = mqtt.connect("t1", (c, topic, payload) -> { });
            try (Socket s = listener.accept()) {
                s.setSoTimeout(5000);
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();

                byte[] connect = read(in, 0x10);
                assertArrayEquals(new byte[] {
                    0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name
                    0x05,                           // protocol level: MQTT 5
                    0x02,                           // connect flags: clean start
                    0x04, (byte) 0xB0,              // keep alive 1200 s
                    0x00,                           // no properties
                    0x00, 0x02, 't', '1'},          // client identifier
                        connect);
                // CONNACK: flags 0, reason success, properties (3 bytes): Receive Maximum (0x21) = 2
                out.write(new byte[] {0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x02});
                RawMqtt.Connection c = connected.get(5, TimeUnit.SECONDS);

                CompletableFuture<Void> subscribed = c.subscribe(List.of("a/+"));
                byte[] subscribe = read(in, 0x82);
                assertArrayEquals(new byte[] {
                    0x00, 0x01,       // packet identifier 1
                    0x00,             // no properties
                    0x00, 0x03, 'a', '/', '+',
                    0x01},            // subscription options: maximum QoS 1
                        subscribe);
                out.write(new byte[] {(byte) 0x90, 0x04, 0x00, 0x01, 0x00, 0x01}); // SUBACK id 1, granted QoS 1
                subscribed.get(5, TimeUnit.SECONDS);

                CompletableFuture<Void> p1 = c.publish("x", "1".getBytes(StandardCharsets.UTF_8));
                CompletableFuture<Void> p2 = c.publish("x", "2".getBytes(StandardCharsets.UTF_8));
                CompletableFuture<Void> p3 = c.publish("x", "3".getBytes(StandardCharsets.UTF_8));
                byte[] first = read(in, 0x32);
                assertArrayEquals(new byte[] {
                    0x00, 0x01, 'x', // topic
                    0x00, 0x02,      // packet identifier 2
                    0x00,            // no properties
                    '1'},            // payload
                        first);
                assertEquals('2', read(in, 0x32)[6]);
                s.setSoTimeout(300);
                assertThrowsTimeout(in); // the third waits: two are in flight and the broker allows two
                assertFalse(p1.isDone());

                out.write(new byte[] {0x40, 0x02, 0x00, 0x02}); // PUBACK for the first (id 2)
                p1.get(5, TimeUnit.SECONDS);
                s.setSoTimeout(5000);
                assertEquals('3', read(in, 0x32)[6]);
                out.write(new byte[] {0x40, 0x03, 0x00, 0x03, 0x00}); // PUBACK id 3, reason success
                out.write(new byte[] {0x40, 0x02, 0x00, 0x04});
                p2.get(5, TimeUnit.SECONDS);
                p3.get(5, TimeUnit.SECONDS);
                assertTrue(p3.isDone() && !p3.isCompletedExceptionally());
            }
        }
    }

    /** Reads one packet, checks its first byte, returns its body. */
    private static byte[] read(DataInputStream in, int header) throws IOException {
        assertEquals(header, in.readUnsignedByte(), "packet type and flags");
        int length = 0;
        int shift = 0;
        int b;
        do {
            b = in.readUnsignedByte();
            length |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        byte[] body = new byte[length];
        in.readFully(body);
        return body;
    }

    private static void assertThrowsTimeout(DataInputStream in) throws IOException {
        try {
            int b = in.read();
            throw new AssertionError("the client sent a third PUBLISH beyond the Receive Maximum (first byte " + b + ")");
        } catch (java.net.SocketTimeoutException expected) {
            // nothing arrived: held back as it must be
        }
    }
}
