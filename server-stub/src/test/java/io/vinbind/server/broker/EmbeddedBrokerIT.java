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
        try (EmbeddedBroker broker = EmbeddedBroker.start(0, dir);
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
                () -> EmbeddedBroker.start(taken.getLocalPort(), dir));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
    }

}
