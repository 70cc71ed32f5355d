package io.vinbind.server.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.server.TestMqttClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedBrokerIT {

    @TempDir
    Path dir;

    @Test
    void shared_subscription_delivers_each_message_to_exactly_one_member_over_mqtt5() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.startWithoutAuthentication(0, dir);
             TestMqttClient a = new TestMqttClient(broker.uri(), "member-a");
             TestMqttClient b = new TestMqttClient(broker.uri(), "member-b");
             TestMqttClient publisher = new TestMqttClient(broker.uri(), "publisher")) {
            a.subscribe("$share/vinbind/vinbind/v1/+/bind");
            b.subscribe("$share/vinbind/vinbind/v1/+/bind");
            int messages = 20;
            for (int i = 0; i < messages; i++) {
                publisher.publish("vinbind/v1/460011234567890/bind", ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            Set<String> seen = new HashSet<>();
            int duplicates = 0;
            for (int i = 0; i < messages; i++) {
                byte[] p = a.poll("vinbind/v1/460011234567890/bind", Duration.ofMillis(50));
                if (p == null) {
                    p = b.await("vinbind/v1/460011234567890/bind", Duration.ofSeconds(5));
                }
                duplicates += seen.add(new String(p, StandardCharsets.UTF_8)) ? 0 : 1;
            }
            assertEquals(messages, seen.size());
            assertEquals(0, duplicates);
            assertNull(a.poll("vinbind/v1/460011234567890/bind", Duration.ofMillis(200)), "no extra delivery");
            assertNull(b.poll("vinbind/v1/460011234567890/bind", Duration.ofMillis(10)), "no extra delivery");
        }
    }

    @Test
    void refuses_a_port_that_is_already_taken() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            BrokerStartException e = org.junit.jupiter.api.Assertions.assertThrows(BrokerStartException.class,
                () -> EmbeddedBroker.startWithoutAuthentication(taken.getLocalPort(), dir));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
    }

    /**
     * A client sending a 10 MB PUBLISH is disconnected with reason 0x95 (MQTT 5 §3.1.2.11) and the broker
     * goes on serving; the CONNACK announces the limit. Raw bytes, since Paho itself would refuse to send it.
     * HiveMQ CE 2025.5 does not buffer the packet: it refuses it from its fixed header's length and closes the
     * connection, so this client's write of the rest fails (broken pipe or reset, after ~2 MB here: what the
     * socket buffers took before the close) or it reads the DISCONNECT; both count as disconnected.
     */
    @Test
    void a_packet_over_the_maximum_size_disconnects_its_client_and_the_broker_goes_on() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.startWithoutAuthentication(0, dir);
             java.net.Socket s = new java.net.Socket("127.0.0.1", broker.port())) {
            s.setSoTimeout(10_000);
            java.io.OutputStream out = s.getOutputStream();
            java.io.InputStream in = s.getInputStream();
            byte[] id = "oversize".getBytes(StandardCharsets.US_ASCII);
            java.io.ByteArrayOutputStream connect = new java.io.ByteArrayOutputStream();
            connect.write(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60, 0}); // MQTT 5, clean start, no props
            connect.write(0);
            connect.write(id.length);
            connect.write(id);
            out.write(0x10);
            out.write(connect.size());
            connect.writeTo(out);
            out.flush();
            assertEquals(0x20, in.read(), "CONNACK");
            byte[] connack = in.readNBytes(in.read());
            assertTrue(java.util.HexFormat.of().formatHex(connack).contains("2700040000"),
                "CONNACK announces Maximum Packet Size 262144 (property 0x27)");
            byte[] topic = "vinbind/v1/460011234567890/bind".getBytes(StandardCharsets.US_ASCII);
            int remaining = 2 + topic.length + 1 + 10 * 1024 * 1024;
            out.write(0x30); // PUBLISH, QoS 0
            for (int v = remaining; ; ) { // Variable Byte Integer, §1.5.5
                int b = v % 128;
                v /= 128;
                out.write(v > 0 ? b | 0x80 : b);
                if (v == 0) {
                    break;
                }
            }
            out.write(0);
            out.write(topic.length);
            out.write(topic);
            out.write(0);
            long written = 0;
            boolean writeFailed = false;
            try {
                for (int i = 0; i < 10 * 1024; i++) {
                    out.write(new byte[1024]);
                    written += 1024;
                }
                out.flush();
            } catch (java.net.SocketException closedByBroker) {
                writeFailed = true;
            }
            int first;
            try {
                first = in.read();
            } catch (java.net.SocketException reset) {
                first = -1;
            }
            assertTrue(first == -1 || first == 0xE0, "disconnected (DISCONNECT or close), got " + first
                + " after writing " + written + " bytes (write failed: " + writeFailed + ")");
            if (first == 0xE0) {
                in.read();
                assertEquals(0x95, in.read(), "reason: packet too large");
            }
            try (TestMqttClient after = new TestMqttClient(broker.uri(), "after")) {
                after.subscribe("x/#");
            }
        }
    }
}
