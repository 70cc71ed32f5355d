package io.vinbind.server.broker;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EmbeddedBrokerTest {

    @Test
    void config_listens_on_loopback_only_keeps_nothing_on_disk_and_sends_no_usage_statistics() {
        String xml = EmbeddedBroker.config(18831).replaceAll("\\s+", "");
        assertTrue(xml.contains("<port>18831</port><bind-address>127.0.0.1</bind-address>"), xml);
        assertTrue(xml.contains("<persistence><mode>in-memory</mode></persistence>"), xml);
        assertTrue(xml.contains("<anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>"), xml);
    }

    @Test
    void config_lets_one_server_subscriber_take_a_fleet_burst_and_publish_acks_without_a_tiny_quota() {
        String xml = EmbeddedBroker.config(18831).replaceAll("\\s+", "");
        assertTrue(xml.contains("<queued-messages><max-queue-size>200000</max-queue-size><strategy>discard</strategy>"), xml);
        assertTrue(xml.contains("<receive-maximum><server-receive-maximum>1000</server-receive-maximum></receive-maximum>"), xml);
    }

    @Test
    void refuses_a_port_outside_the_tcp_range() {
        assertThrows(IllegalArgumentException.class, () -> EmbeddedBroker.startWithoutAuthentication(65536, Path.of("unused")));
        assertThrows(IllegalArgumentException.class, () -> EmbeddedBroker.startWithoutAuthentication(-1, Path.of("unused")));
    }
}
