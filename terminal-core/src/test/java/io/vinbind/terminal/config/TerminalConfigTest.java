package io.vinbind.terminal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanId;
import io.vinbind.can.CanSpec;
import io.vinbind.can.vehicle.PowerModeLayout;
import io.vinbind.terminal.machine.MachineConfig;
import io.vinbind.terminal.testsupport.TestCerts;
import io.vinbind.protocol.VinPolicy;
import java.io.IOException;
import java.io.StringReader;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TerminalConfigTest {

    static final Path EXAMPLE = Path.of("src/main/dist/terminal.properties");
    static final Path BASE = Path.of("/etc/vinbind");

    /** A terminal's credential as the factory installs it, made once for the class (test PKI, BouncyCastle). */
    @TempDir
    static Path credentials;
    static TestCerts.TerminalFiles files;

    @BeforeAll
    static void makeCredentials() throws IOException {
        files = TestCerts.terminalFiles(credentials, "TBOX-0001");
    }

    /** The shipped example as it is. */
    static Properties shipped() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(EXAMPLE)) {
            p.load(r);
        }
        return p;
    }

    /** The shipped example with its TLS files (/etc/vinbind/...) replaced by the test credential. */
    static Properties example() throws IOException {
        Properties p = shipped();
        p.setProperty("mqtt.ca-file", files.caFile().toString());
        p.setProperty("mqtt.cert-file", files.certFile().toString());
        p.setProperty("mqtt.key-file", files.keyFile().toString());
        return p;
    }

    /** The shipped example's text with the TLS files replaced, for tests that load a file. */
    static String exampleText() throws IOException {
        return Files.readString(EXAMPLE).replace("mqtt.ca-file = /etc/vinbind/ca.pem", "mqtt.ca-file = " + files.caFile())
                .replace("mqtt.cert-file = /etc/vinbind/terminal.pem", "mqtt.cert-file = " + files.certFile())
                .replace("mqtt.key-file = /etc/vinbind/terminal.key", "mqtt.key-file = " + files.keyFile());
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
        assertEquals(new TreeSet<>(TerminalConfig.KEYS.keySet()), new TreeSet<>(shipped().stringPropertyNames()));
        Path file = Files.writeString(tmp.resolve("terminal.properties"), exampleText());
        TerminalConfig c = TerminalConfig.load(file);
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
        assertEquals("ssl://broker.vinbind.example:8883", c.mqttBroker().toString());
        assertEquals("TBOX-0001", c.terminalId(), "the CN of the certificate");
        assertEquals(Optional.of(new MqttTls(files.caFile(), files.certFile(), files.keyFile())), c.mqttTls());
        assertFalse(c.insecurePlaintext());
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
        assertTrue(e.getMessage().contains("mqtt.broker, mqtt.ca-file, mqtt.cert-file, mqtt.key-file, "
                + "mqtt.insecure-plaintext, mqtt.keep-alive"), e.getMessage());
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

    @TempDir
    Path tmp;

    /** The shipped example with some lines changed, written to a file. */
    private Path exampleWith(String... replacements) throws IOException {
        String text = exampleText();
        for (int i = 0; i < replacements.length; i += 2) {
            String key = replacements[i];
            String line = text.lines().filter(l -> l.startsWith(key + " = ")).findFirst().orElseThrow();
            text = text.replace(line, key + " = " + replacements[i + 1]);
        }
        Path file = tmp.resolve("terminal.properties");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void a_fill_byte_outside_a_byte_is_refused_naming_the_range() throws Exception {
        ConfigException e = refused("uds.padding", "0x100");
        assertEquals("uds.padding", e.key());
        assertTrue(e.getMessage().startsWith("uds.padding = '0x100' is not valid: expected a fill byte 0x00..0xFF"),
                e.getMessage());
        assertEquals("uds.padding", refused("uds.padding", "-1").key());
        assertEquals("uds.padding", refused("uds.padding", "256").key());
        assertEquals(java.util.OptionalInt.of(0xFF), TerminalConfig.fromProperties(with("uds.padding", "0xFF"), BASE)
                .uds().padding());
        assertEquals(java.util.OptionalInt.empty(), TerminalConfig.fromProperties(with("uds.padding", "none"), BASE)
                .uds().padding());
    }

    @Test
    void an_slcan_bitrate_the_adapter_lacks_is_refused_listing_the_supported_ones() throws Exception {
        ConfigException e = refused("can.channel", "slcan:/dev/x@123");
        assertEquals("can.channel", e.key());
        assertTrue(e.getMessage().contains("SLCAN has no bitrate 123 bit/s; supported: 10000, 20000"), e.getMessage());
        assertEquals(250_000, TerminalConfig.fromProperties(with("can.channel", "slcan:/dev/x@250k"), BASE)
                .canChannel().bitrateOrDefault());
    }

    @Test
    void a_data_dir_that_is_a_file_or_lies_under_one_is_refused() throws Exception {
        Path file = Files.writeString(tmp.resolve("state"), "not a directory");
        ConfigException e = refused("data.dir", file.toString());
        assertEquals("data.dir", e.key());
        assertTrue(e.getMessage().endsWith(file + " is a file"), e.getMessage());
        assertTrue(refused("data.dir", file.resolve("sub").toString()).getMessage()
                .endsWith(file + " is a file, not a directory to make it in"));
        assertEquals(tmp.resolve("fresh/dir"), TerminalConfig.fromProperties(
                with("data.dir", tmp.resolve("fresh/dir").toString()), BASE).dataDir(), "made at start");
    }

    @Test
    void a_broker_port_outside_1_to_65535_or_a_uri_with_more_than_host_and_port_is_refused() throws Exception {
        ConfigException e = refused("mqtt.broker", "tcp://127.0.0.1:99999");
        assertEquals("mqtt.broker", e.key());
        assertTrue(e.getMessage().contains("port 99999 is not 1-65535"), e.getMessage());
        assertEquals("mqtt.broker", refused("mqtt.broker", "tcp://127.0.0.1:0").key());
        assertEquals("mqtt.broker", refused("mqtt.broker", "tcp://127.0.0.1").key());
        assertEquals("mqtt.broker", refused("mqtt.broker", "tcp://user:secret@127.0.0.1:1883").key());
        assertEquals("mqtt.broker", refused("mqtt.broker", "tcp://127.0.0.1:1883/x?y").key());
        assertEquals(65535, TerminalConfig.fromProperties(with("mqtt.broker", "ssl://broker.example:65535"), BASE)
                .mqttBroker().getPort());
    }

    @Test
    void mqtt_keep_alive_is_a_16_bit_number_of_seconds_never_truncated() throws Exception {
        ConfigException e = refused("mqtt.keep-alive", "100000h");
        assertEquals("mqtt.keep-alive", e.key());
        assertTrue(e.getMessage().contains("from 1s to 65535s") && e.getMessage().contains("MQTT-3.1.2.10"),
                e.getMessage());
        assertEquals("mqtt.keep-alive", refused("mqtt.keep-alive", "65536s").key());
        assertEquals("mqtt.keep-alive", refused("mqtt.keep-alive", "1500ms").key(), "not whole seconds");
        assertEquals("mqtt.keep-alive", refused("mqtt.keep-alive", "500ms").key());
        assertEquals(Duration.ofSeconds(65535),
                TerminalConfig.fromProperties(with("mqtt.keep-alive", "65535s"), BASE).keepAlive());
        assertEquals(Duration.ofHours(18), TerminalConfig.fromProperties(with("mqtt.keep-alive", "18h"), BASE).keepAlive());
    }

    @Test
    void durations_are_bounded_by_their_protocol_or_by_a_day_and_never_finer_than_a_millisecond() throws Exception {
        assertTrue(refused("uds.p2", "65536ms").getMessage().contains("16-bit number of milliseconds"));
        assertTrue(refused("uds.p2-star", "656s").getMessage().contains("16-bit number of 10 ms"));
        assertEquals("uds.n-timeout", refused("uds.n-timeout", "2m").key());
        ConfigException e = refused("timeout.registration", "25h");
        assertTrue(e.getMessage().endsWith("at most 24h"), e.getMessage());
        assertEquals("service.poll", refused("service.poll", "PT0.0005S").key());
        assertEquals("retry.max", refused("retry.max", "999999999h").key());
        assertEquals("timeout.attach", refused("timeout.attach", "PT9999999999999H").key());
    }

    @Test
    void a_byte_order_mark_is_skipped() throws Exception {
        Path file = tmp.resolve("bom.properties");
        Files.writeString(file, "\uFEFF" + exampleText().replace("data.dir = /var/lib/vinbind",
                "data.dir = " + tmp.resolve("data")));
        TerminalConfig c = TerminalConfig.load(file);
        assertEquals(CanSpec.parse("slcan:/dev/ttyACM0@500000"), c.canChannel(), "the first key is read as itself");
        assertEquals(tmp.resolve("data"), TerminalConfig.dataDirOf(file));
    }

    @Test
    void a_key_given_twice_is_refused_naming_both_lines() throws Exception {
        Path file = exampleWith("data.dir", tmp.resolve("a").toString());
        Files.writeString(file, Files.readString(file) + "\ndata.dir = " + tmp.resolve("b") + "\n");
        long line = Files.readString(file).lines().count();
        long first = Files.readString(file).lines().takeWhile(l -> !l.startsWith("data.dir")).count() + 1;
        ConfigException e = assertThrows(ConfigException.class, () -> TerminalConfig.load(file));
        assertEquals("data.dir", e.key());
        assertEquals(tmp.resolve("b").toString(), e.value());
        assertTrue(e.getMessage().contains("each key once: data.dir is already set on line " + first + " (to '"
                + tmp.resolve("a") + "'); this is line " + line), e.getMessage());
        assertThrows(ConfigException.class, () -> TerminalConfig.dataDirOf(file));
    }

    @Test
    void invisible_and_control_characters_are_shown_escaped_in_the_message() throws Exception {
        ConfigException e = refused("modem.apn", "cmnet\u0007\u200b");
        assertTrue(e.getMessage().startsWith("modem.apn = 'cmnet\\x07\\u200B' is not valid"), e.getMessage());
        assertEquals("cmnet\u0007\u200b", e.value(), "the value itself is kept as read");
        ConfigException unknown = refused("\u200bcan.channel", "slcan:/dev/x");
        assertTrue(unknown.getMessage().startsWith("\\u200Bcan.channel = "), unknown.getMessage());
    }

    @Test
    void a_file_that_is_not_utf_8_is_refused_naming_the_line() throws Exception {
        Path file = tmp.resolve("latin1.properties");
        Files.write(file, "# ok\nmodem.apn = caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        IOException e = assertThrows(IOException.class, () -> TerminalConfig.load(file));
        assertEquals("line 2 is not UTF-8 text (byte 0xE9 at offset 20)", e.getMessage());
    }

    @Test
    void the_parser_reads_what_java_util_properties_reads() throws Exception {
        String[] samples = {
            Files.readString(EXAMPLE),
            "a=1\nb : 2\nc 3\n  d\t=\t4  \n! comment\n# comment \\\ne = five \\\n    continued \\\n  again\n",
            "k\\=ey = v\\:al\\\\\nu = \\u00e9\\t\\n\r\nempty =\r\nnokey\rlast = x\\",
            "a = b\\\n\n# the line after a continuation is part of it, even blank\n",
        };
        for (String sample : samples) {
            Properties expected = new Properties();
            expected.load(new StringReader(sample));
            assertEquals(expected, PropertiesFile.parse(sample), sample);
        }
    }

    private static Properties with(String key, String value) throws IOException {
        Properties p = example();
        p.setProperty(key, value);
        return p;
    }
}
