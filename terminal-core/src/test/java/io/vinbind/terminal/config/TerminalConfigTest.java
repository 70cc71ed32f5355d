package io.vinbind.terminal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanId;
import io.vinbind.can.CanSpec;
import io.vinbind.can.vehicle.PowerModeLayout;
import io.vinbind.terminal.machine.MachineConfig;
import io.vinbind.protocol.VinPolicy;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class TerminalConfigTest {

    static final Path EXAMPLE = Path.of("src/main/dist/terminal.properties");
    static final Path BASE = Path.of("/etc/vinbind");

    static Properties example() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(EXAMPLE)) {
            p.load(r);
        }
        return p;
    }

    static ConfigException refused(String key, String value) throws IOException {
        Properties p = example();
        if (value == null) {
            p.remove(key);
        } else {
            p.setProperty(key, value);
        }
        return assertThrows(ConfigException.class, () -> TerminalConfig.fromProperties(p, BASE));
    }

    @Test
    void the_shipped_example_documents_every_key_and_loads_with_the_documented_defaults() throws Exception {
        assertEquals(new TreeSet<>(TerminalConfig.KEYS.keySet()), new TreeSet<>(example().stringPropertyNames()));
        TerminalConfig c = TerminalConfig.load(EXAMPLE);
        assertEquals(CanSpec.parse("slcan:/dev/ttyACM0@500000"), c.canChannel());
        assertEquals(CanId.standard(0x740), c.uds().addressing().request());
        assertEquals(CanId.standard(0x748), c.uds().addressing().response());
        assertEquals(Duration.ofSeconds(5), c.uds().overall());
        assertEquals(Duration.ofMillis(5000), c.uds().p2Star());
        assertEquals(java.util.OptionalInt.of(0xCC), c.uds().padding());
        assertEquals(new PowerSourceSpec.Can(PowerModeLayout.defaults(), Duration.ofSeconds(3)), c.power());
        assertEquals("/dev/ttyUSB2", c.modemSerial().portPath());
        assertEquals(115200, c.modemSerial().baudRate());
        assertEquals(Optional.empty(), c.modemDialect());
        assertEquals("cmnet", c.apn().name());
        assertEquals("tcp://127.0.0.1:1883", c.mqttBroker().toString());
        assertEquals(Optional.empty(), c.mqttUsername());
        assertEquals(Path.of("/var/lib/vinbind"), c.dataDir());
        assertEquals(MachineConfig.defaults(), c.machine(), "file defaults equal the code defaults");
    }

    @Test
    void bad_duration_is_refused_naming_key_value_and_expectation() throws Exception {
        ConfigException e = refused("timeout.bind-ack", "soon");
        assertEquals("timeout.bind-ack", e.key());
        assertEquals("soon", e.value());
        assertTrue(e.getMessage().startsWith("timeout.bind-ack = 'soon' is not valid: expected a positive duration "
                + "such as 500ms, 6s, 5m, 1h or PT6S"), e.getMessage());
        assertEquals("timeout.bind-ack", refused("timeout.bind-ack", "0s").key());
        assertEquals("timeout.bind-ack", refused("timeout.bind-ack", "-5s").key());
    }

    @Test
    void durations_accept_units_and_iso_8601() {
        assertEquals(Duration.ofMillis(500), TerminalConfig.parseDuration("500ms"));
        assertEquals(Duration.ofMinutes(5), TerminalConfig.parseDuration("5m"));
        assertEquals(Duration.ofHours(1), TerminalConfig.parseDuration("1h"));
        assertEquals(Duration.ofSeconds(6), TerminalConfig.parseDuration("PT6S"));
    }

    @Test
    void missing_required_key_is_named() throws Exception {
        ConfigException e = refused("modem.apn", null);
        assertEquals("modem.apn is missing: expected an APN: dot-separated labels of letters, digits and '-'",
                e.getMessage());
        assertEquals("can.channel", refused("can.channel", null).key());
        assertEquals("mqtt.broker", refused("mqtt.broker", null).key());
        assertEquals("data.dir", refused("data.dir", null).key());
    }

    @Test
    void unknown_key_is_refused_with_the_known_keys_of_its_group() throws Exception {
        ConfigException e = refused("mqtt.brokr", "tcp://x:1883");
        assertEquals("mqtt.brokr", e.key());
        assertTrue(e.getMessage().contains("mqtt.broker, mqtt.client-id-prefix"), e.getMessage());
    }

    @Test
    void malformed_values_name_their_key() throws Exception {
        assertEquals("can.channel", refused("can.channel", "can0").key());
        assertEquals("uds.request-id", refused("uds.request-id", "0x7G0").key());
        assertEquals("uds.response-id", refused("uds.response-id", "0x740").key());
        assertEquals("uds.padding", refused("uds.padding", "0xZZ").key());
        assertEquals("uds.p2-star", refused("uds.p2-star", "long").key());
        assertEquals("mqtt.broker", refused("mqtt.broker", "localhost:1883").key());
        assertEquals("modem.dialect", refused("modem.dialect", "HUAWEI").key());
        assertEquals("modem.apn", refused("modem.apn", "bad apn!").key());
        assertEquals("vin.mode", refused("vin.mode", "EU").key());
        assertEquals("vin.reads", refused("vin.reads", "1").key());
        assertEquals("retry.jitter", refused("retry.jitter", "1.5").key());
        assertEquals("retry.max-attempts", refused("retry.max-attempts", "0").key());
        assertEquals("power.source", refused("power.source", "gpio").key());
        assertEquals("power.values", refused("power.values", "OFF:0,ACC:1,ON:1,START:3").key());
        assertEquals("power.dlc", refused("power.dlc", "9").key());
        assertEquals("modem.baud", refused("modem.baud", "fast").key());
    }

    @Test
    void a_step_bound_shorter_than_what_it_contains_is_refused() throws Exception {
        ConfigException e = refused("timeout.vin-read", "4s");
        assertEquals("timeout.vin-read = '4s' is not valid: expected longer than uds.timeout (5s)", e.getMessage());
        assertEquals("timeout.attach", refused("timeout.attach", "150s").key());
        assertEquals("timeout.identify", refused("timeout.identify", "10s").key());
        assertEquals("retry.max", refused("retry.max", "1s").key());
    }

    @Test
    void uds_durations_accept_every_documented_form() throws Exception {
        Properties p = example();
        p.setProperty("uds.timeout", "PT6S");
        p.setProperty("uds.p2-star", "1m");
        p.setProperty("uds.p2", "1500ms");
        p.setProperty("timeout.vin-read", "2m");
        TerminalConfig c = TerminalConfig.fromProperties(p, BASE);
        assertEquals(Duration.ofSeconds(6), c.uds().overall());
        assertEquals(Duration.ofMinutes(1), c.uds().p2Star());
        assertEquals(Duration.ofMillis(1500), c.uds().p2());
        assertEquals(Duration.ofMinutes(2), c.machine().vinReadTimeout());
    }

    @Test
    void relative_paths_resolve_against_the_config_directory() throws Exception {
        Properties p = example();
        p.setProperty("data.dir", "state");
        p.setProperty("power.source", "file:bench/power");
        p.setProperty("vin.mode", "lenient");
        TerminalConfig c = TerminalConfig.fromProperties(p, BASE);
        assertEquals(Path.of("/etc/vinbind/state"), c.dataDir());
        assertEquals(Path.of("/etc/vinbind/bench/power"),
                assertInstanceOf(PowerSourceSpec.File.class, c.power()).path());
        assertEquals(VinPolicy.LENIENT, c.machine().vinMode());
    }
}
