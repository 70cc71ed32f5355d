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
    void refuses_a_port_outside_the_tcp_range() {
        assertThrows(IllegalArgumentException.class, () -> EmbeddedBroker.start(65536, Path.of("unused")));
        assertThrows(IllegalArgumentException.class, () -> EmbeddedBroker.start(-1, Path.of("unused")));
    }
}
