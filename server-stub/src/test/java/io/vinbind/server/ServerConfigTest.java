package io.vinbind.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.VinPolicy;
import io.vinbind.server.binding.RebindPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

    private final Path dir = Path.of("data");

    @Test
    void defaults_are_the_embedded_broker_on_18830_http_on_18080_h2_auto_and_strict() {
        ServerConfig c = ServerConfig.defaults(dir);
        assertEquals(18830, c.embeddedMqttPort());
        assertEquals(18080, c.httpPort());
        assertTrue(c.externalBroker().isEmpty());
        assertTrue(c.database().isEmpty());
        assertEquals(RebindPolicy.AUTO, c.rebindPolicy());
        assertEquals(VinPolicy.STRICT, c.vinPolicy());
        assertEquals(0, ServerConfig.ephemeral(dir).embeddedMqttPort());
        assertEquals(0, ServerConfig.ephemeral(dir).httpPort());
    }

    @Test
    void refuses_bad_brokers_ports_and_instance_ids_naming_them() {
        ServerConfig c = ServerConfig.defaults(dir);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> c.withExternalBroker(URI.create("http://127.0.0.1:1883")));
        assertTrue(e.getMessage().contains("tcp://host:port"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.withExternalBroker(URI.create("tcp://127.0.0.1")));
        assertThrows(IllegalArgumentException.class, () -> c.withHttpPort(70000));
        assertThrows(IllegalArgumentException.class, () -> c.withInstanceId("has space"));
        assertEquals(Optional.of("a-1"), c.withInstanceId("a-1").instanceId());
    }

    /** The plaintext mode is the embedded broker's; with an external broker it used to be silently ignored. */
    @Test
    void insecure_plaintext_with_an_external_broker_is_refused_whichever_is_set_first() {
        ServerConfig c = ServerConfig.defaults(dir);
        URI external = URI.create("ssl://127.0.0.1:8883");
        for (java.util.function.Supplier<ServerConfig> both : java.util.List.<java.util.function.Supplier<ServerConfig>>of(
            () -> c.withExternalBroker(external).withInsecurePlaintext(true),
            () -> c.withInsecurePlaintext(true).withExternalBroker(external))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, both::get);
            assertTrue(e.getMessage().contains("--insecure-plaintext") && e.getMessage().contains("--mqtt"),
                e.getMessage());
        }
        assertTrue(c.withInsecurePlaintext(true).insecurePlaintext(), "the embedded broker in plaintext is fine");
        assertEquals(Optional.of(external), c.withExternalBroker(external).withInsecurePlaintext(false).externalBroker());
    }

    @Test
    void rebind_policy_parses_any_case_and_names_the_choices_when_wrong() {
        assertEquals(RebindPolicy.HOLD, RebindPolicy.parse(" Hold "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RebindPolicy.parse("maybe"));
        assertEquals("rebind policy 'maybe' is not auto, hold or reject", e.getMessage());
    }
}
