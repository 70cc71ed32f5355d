package io.vinbind.terminal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.terminal.testsupport.TestCerts;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The identity and transport rules of {@code terminal.properties}: TLS needs its three files and takes the
 * terminal id from the certificate; plaintext needs loopback (or the explicit insecure switch) and
 * {@code terminal.id}; every refusal is a {@link ConfigException} naming the key (exit 2 at the command line).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TerminalConfigTlsTest {

    static final Path BASE = Path.of("/etc/vinbind");

    @TempDir
    static Path shared;
    static TestCerts.TerminalFiles files;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeCredentials() throws IOException {
        files = TestCerts.terminalFiles(shared, "TBOX-0001");
    }

    /** The shipped example with the test credential in place of /etc/vinbind/... */
    static Properties tls() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(TerminalConfigTest.EXAMPLE)) {
            p.load(r);
        }
        p.setProperty("mqtt.ca-file", files.caFile().toString());
        p.setProperty("mqtt.cert-file", files.certFile().toString());
        p.setProperty("mqtt.key-file", files.keyFile().toString());
        return p;
    }

    /** The example turned into a plaintext configuration for {@code broker}. */
    static Properties plain(String broker) throws IOException {
        Properties p = tls();
        p.setProperty("mqtt.broker", broker);
        p.setProperty("mqtt.ca-file", "");
        p.setProperty("mqtt.cert-file", "");
        p.setProperty("mqtt.key-file", "");
        p.setProperty("terminal.id", "TBOX-0042");
        return p;
    }

    static TerminalConfig load(Properties p) throws ConfigException {
        return TerminalConfig.fromProperties(p, BASE);
    }

    static ConfigException refused(Properties p) {
        return assertThrows(ConfigException.class, () -> load(p));
    }

    static Properties set(Properties p, String... keysAndValues) {
        for (int i = 0; i < keysAndValues.length; i += 2) {
            p.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return p;
    }

    // ---------------------------------------------------------------- TLS

    @Test
    void over_tls_the_terminal_id_is_the_certificates_cn() throws Exception {
        TerminalConfig c = load(tls());
        assertEquals("TBOX-0001", c.terminalId());
        assertEquals(Optional.of(new MqttTls(files.caFile(), files.certFile(), files.keyFile())), c.mqttTls());
        assertFalse(c.insecurePlaintext());
        assertTrue(c.toString().contains("as terminal TBOX-0001 (mutual TLS)"), c.toString());
    }

    @Test
    void mqtts_is_the_same_as_ssl_and_a_matching_terminal_id_is_accepted() throws Exception {
        TerminalConfig c = load(set(tls(), "mqtt.broker", "mqtts://broker.example:8883", "terminal.id", "TBOX-0001"));
        assertEquals("TBOX-0001", c.terminalId());
        assertTrue(c.mqttTls().isPresent());
    }

    @Test
    void a_terminal_id_other_than_the_certificates_cn_is_refused_naming_both() throws Exception {
        ConfigException e = refused(set(tls(), "terminal.id", "TBOX-0002"));
        assertEquals("terminal.id", e.key());
        assertEquals("TBOX-0002", e.value());
        assertTrue(e.getMessage().startsWith("terminal.id = 'TBOX-0002' is not valid: expected the terminal id the "
                + "certificate in mqtt.cert-file (" + files.certFile() + ") names, its CN 'TBOX-0001'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mqtt.ca-file", "mqtt.cert-file", "mqtt.key-file"})
    void each_tls_file_is_required_with_an_ssl_broker(String key) throws Exception {
        ConfigException e = refused(set(tls(), key, ""));
        assertEquals(key, e.key());
        assertNull(e.value());
        assertTrue(e.getMessage().startsWith(key + " is missing: expected the PEM file of "), e.getMessage());
        assertTrue(e.getMessage().endsWith("(required with an ssl:// or mqtts:// broker, empty with tcp://)"),
                e.getMessage());
        Properties without = tls();
        without.remove(key);
        assertEquals(key, refused(without).key(), "an absent key is the same as an empty one");
    }

    @Test
    void a_missing_tls_file_is_refused_naming_its_key_and_the_file() throws Exception {
        Path missing = tmp.resolve("nope.pem");
        ConfigException e = refused(set(tls(), "mqtt.ca-file", missing.toString()));
        assertEquals("mqtt.ca-file", e.key());
        assertTrue(e.getMessage().endsWith("(no such file: " + missing + ")"), e.getMessage());
    }

    @Test
    void relative_tls_files_resolve_against_the_config_directory() throws Exception {
        TerminalConfig c = TerminalConfig.fromProperties(set(tls(), "mqtt.ca-file", "ca.pem", "mqtt.cert-file",
                "terminal.pem", "mqtt.key-file", "terminal.key"), files.dir());
        assertEquals(Optional.of(new MqttTls(files.caFile(), files.certFile(), files.keyFile())), c.mqttTls());
    }

    @Test
    void a_key_file_group_or_others_may_read_is_refused_naming_file_mode_and_chmod() throws Exception {
        Path key = Files.copy(files.keyFile(), tmp.resolve("terminal.key"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        ConfigException e = refused(set(tls(), "mqtt.key-file", key.toString()));
        assertEquals("mqtt.key-file", e.key());
        assertEquals(key.toString(), e.value());
        assertTrue(e.getMessage().contains("(key file " + key + " has mode 0644: group or others may access it; it "
                + "must be readable by its owner only (chmod 600 " + key + "))"), e.getMessage());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
        assertTrue(refused(set(tls(), "mqtt.key-file", key.toString())).getMessage().contains("has mode 0640"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("r--------"));
        assertEquals("TBOX-0001", load(set(tls(), "mqtt.key-file", key.toString())).terminalId(), "0400 is fine");
    }

    @Test
    void an_encrypted_or_traditional_key_is_refused_naming_the_openssl_conversion() throws Exception {
        Path encrypted = TestCerts.writeEncryptedPkcs8(tmp.resolve("enc.key"), files.terminal().keys().getPrivate(),
                "secret");
        ConfigException e = refused(set(tls(), "mqtt.key-file", encrypted.toString()));
        assertEquals("mqtt.key-file", e.key());
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt -in " + encrypted + " -out NEW.key"),
                e.getMessage());
        Path sec1 = TestCerts.writeTraditional(tmp.resolve("sec1.key"), files.terminal().keys());
        ConfigException t = refused(set(tls(), "mqtt.key-file", sec1.toString()));
        assertEquals("mqtt.key-file", t.key());
        assertTrue(t.getMessage().contains("holds a traditional EC PRIVATE KEY (SEC1), not PKCS#8"), t.getMessage());
    }

    @Test
    void swapped_or_foreign_files_are_refused_naming_the_key_they_belong_to() throws Exception {
        ConfigException swapped = refused(set(tls(), "mqtt.cert-file", files.keyFile().toString(),
                "mqtt.key-file", files.certFile().toString()));
        assertEquals("mqtt.cert-file", swapped.key());
        assertTrue(swapped.getMessage().contains("holds a PRIVATE KEY where only certificates belong"),
                swapped.getMessage());

        ConfigException leafAsCa = refused(set(tls(), "mqtt.ca-file", files.certFile().toString()));
        assertEquals("mqtt.ca-file", leafAsCa.key());
        assertTrue(leafAsCa.getMessage().contains("which is not a CA certificate"), leafAsCa.getMessage());

        TestCerts.Issued service = TestCerts.service(files.serviceCa(), "server");
        Path serviceCert = TestCerts.writeCerts(tmp.resolve("service.pem"), service.chain());
        Path serviceKey = TestCerts.writePkcs8(tmp.resolve("service.key"), service.keys().getPrivate(), "rw-------");
        ConfigException notTerminal = refused(set(tls(), "mqtt.cert-file", serviceCert.toString(),
                "mqtt.key-file", serviceKey.toString()));
        assertEquals("mqtt.cert-file", notTerminal.key());
        assertTrue(notTerminal.getMessage().contains("is not a terminal certificate"), notTerminal.getMessage());

        Path otherKey = TestCerts.writePkcs8(tmp.resolve("other.key"), TestCerts.ecKeys().getPrivate(), "rw-------");
        ConfigException mismatch = refused(set(tls(), "mqtt.key-file", otherKey.toString()));
        assertEquals("mqtt.key-file", mismatch.key());
        assertTrue(mismatch.getMessage().contains("does not belong to the certificate in " + files.certFile()),
                mismatch.getMessage());
    }

    @Test
    void the_insecure_switch_is_refused_with_tls() throws Exception {
        ConfigException e = refused(set(tls(), "mqtt.insecure-plaintext", "true"));
        assertEquals("mqtt.insecure-plaintext", e.key());
        assertTrue(e.getMessage().contains("expected false with an ssl:// broker"), e.getMessage());
    }

    // ---------------------------------------------------------------- plaintext

    @ParameterizedTest
    @ValueSource(strings = {"tcp://127.0.0.1:1883", "tcp://127.8.9.10:1883", "tcp://localhost:1883",
        "tcp://LOCALHOST:1883", "tcp://[::1]:1883"})
    void a_plaintext_broker_on_loopback_is_allowed_with_a_terminal_id(String broker) throws Exception {
        TerminalConfig c = load(plain(broker));
        assertEquals("TBOX-0042", c.terminalId());
        assertEquals(Optional.empty(), c.mqttTls());
        assertFalse(c.insecurePlaintext());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp://broker.vinbind.example:1883", "tcp://10.0.0.1:1883", "tcp://192.168.1.1:1883",
        "tcp://localhost.attacker.example:1883", "tcp://127.0.0.1.nip.io:1883", "tcp://[2001:db8::1]:1883"})
    void a_plaintext_broker_off_loopback_is_refused_unless_explicitly_insecure(String broker) throws Exception {
        ConfigException e = refused(plain(broker));
        assertEquals("mqtt.broker", e.key());
        assertEquals(broker, e.value());
        assertTrue(e.getMessage().contains("a plaintext tcp:// broker is allowed only on loopback (127.0.0.1, ::1, "
                + "localhost) or with mqtt.insecure-plaintext = true"), e.getMessage());

        TerminalConfig c = load(set(plain(broker), "mqtt.insecure-plaintext", "true"));
        assertTrue(c.insecurePlaintext());
        assertEquals("TBOX-0042", c.terminalId());
        assertTrue(c.toString().contains("(INSECURE plaintext)"), c.toString());
    }

    @Test
    void plaintext_needs_the_terminal_id() throws Exception {
        ConfigException e = refused(set(plain("tcp://127.0.0.1:1883"), "terminal.id", ""));
        assertEquals("terminal.id", e.key());
        assertTrue(e.getMessage().startsWith("terminal.id is missing: expected a terminal id (1-64 characters"),
                e.getMessage());
        assertTrue(e.getMessage().contains("MQTT client id and user name"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mqtt.ca-file", "mqtt.cert-file", "mqtt.key-file"})
    void tls_files_with_a_plaintext_broker_are_refused_rather_than_ignored(String key) throws Exception {
        ConfigException e = refused(set(plain("tcp://127.0.0.1:1883"), key, "/etc/vinbind/x.pem"));
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains("expected empty with a tcp:// broker"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"svc:server", "TBOX/1", "+", "#", "-leading-dash", "tbox 1", "T\u00dcV"})
    void a_malformed_terminal_id_is_refused(String id) throws Exception {
        ConfigException e = refused(set(plain("tcp://127.0.0.1:1883"), "terminal.id", id));
        assertEquals("terminal.id", e.key());
        assertTrue(e.getMessage().contains("expected a terminal id: 1-64 characters"), e.getMessage());
        assertEquals("terminal.id", refused(set(tls(), "terminal.id", id)).key(), "with TLS too");
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "1", "on", ""})
    void the_insecure_switch_is_true_or_false(String value) throws Exception {
        ConfigException e = refused(set(plain("tcp://10.0.0.1:1883"), "mqtt.insecure-plaintext", value));
        assertEquals("mqtt.insecure-plaintext", e.key());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ws://127.0.0.1:8080", "wss://broker.example:443", "mqtt://127.0.0.1:1883",
        "http://127.0.0.1:1883"})
    void other_schemes_are_refused(String broker) throws Exception {
        ConfigException e = refused(plain(broker));
        assertEquals("mqtt.broker", e.key());
        assertTrue(e.getMessage().contains("scheme ssl, mqtts or tcp, host and port are required"), e.getMessage());
    }

    // ---------------------------------------------------------------- retired keys

    @ParameterizedTest
    @ValueSource(strings = {"mqtt.client-id-prefix", "mqtt.username", "mqtt.password"})
    void keys_of_the_imsi_era_are_refused_with_what_replaced_them(String key) throws Exception {
        ConfigException e = refused(set(tls(), key, "vinbind-"));
        assertEquals(key, e.key());
        assertTrue(e.getMessage().startsWith(key + " = 'vinbind-' is not valid: expected no such key any more: "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("remove the line"), e.getMessage());
        assertTrue(List.of("terminal id", "certificate").stream().anyMatch(e.getMessage()::contains), e.getMessage());
    }
}
