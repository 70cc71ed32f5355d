package io.vinbind.terminal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.terminal.state.BoundIdentity;
import io.vinbind.terminal.state.FileStateStore;
import io.vinbind.terminal.state.FlagReason;
import io.vinbind.terminal.state.TerminalState;
import io.vinbind.terminal.testsupport.TestCerts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TerminalCliTest {

    @TempDir
    Path dir;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    int run(String... args) {
        CommandLine cl = new CommandLine(new TerminalCli());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void status_of_a_fresh_terminal_says_flag_set_for_assembly() {
        assertEquals(0, run("status", "--data", dir.toString()));
        assertEquals("state file:        " + dir.toAbsolutePath().resolve("terminal.state") + "\n"
                + "VIN-request flag:  SET (ASSEMBLY: no state file, a fresh terminal)\n"
                + "last bound:        never\n"
                + "service request:   none\n", out.toString());
    }

    @Test
    void status_prints_flag_reason_and_bound_identity() throws Exception {
        Instant t = Instant.parse("2026-11-22T12:01:00Z");
        new FileStateStore(dir, Clock.systemUTC()).save(TerminalState.bound(new BoundIdentity("1M8GDM9AXKP042788",
                "460001234567890", "89860012345678901234", "356938035643809", t))
                .withFlag(FlagReason.VIN_CHANGED, t.plusSeconds(60)));
        assertEquals(0, run("status", "-d", dir.toString()));
        String s = out.toString();
        assertTrue(s.contains("VIN-request flag:  SET (VIN_CHANGED since 2026-11-22T12:02:00Z)\n"), s);
        assertTrue(s.contains("last bound:        VIN 1M8GDM9AXKP042788 at 2026-11-22T12:01:00Z\n"), s);
        assertTrue(s.contains("IMSI 460001234567890  ICCID 89860012345678901234  IMEI 356938035643809\n"), s);
    }

    @Test
    void status_reports_a_corrupt_file_without_moving_it() throws Exception {
        Path state = dir.resolve(FileStateStore.STATE_FILE);
        Files.writeString(state, "flag=cle");
        assertEquals(0, run("status", "--data", dir.toString()));
        assertTrue(out.toString().contains("state file is unusable: no crc32 line (file truncated?)"), out.toString());
        assertTrue(Files.exists(state), "status only reads");
    }

    @Test
    void request_bind_leaves_a_request_the_daemon_takes_and_status_shows_it() {
        assertEquals(0, run("request-bind", "--data", dir.toString()));
        assertTrue(Files.exists(dir.resolve(FileStateStore.REQUEST_FILE)));
        assertTrue(out.toString().startsWith("service request recorded at "), out.toString());
        assertEquals(0, run("status", "--data", dir.toString()));
        assertTrue(out.toString().contains("service request:   pending since "), out.toString());
    }

    @Test
    void commands_on_a_missing_directory_fail_with_one_line() {
        Path missing = dir.resolve("nope");
        assertEquals(2, run("request-bind", "--data", missing.toString()));
        assertEquals("terminal request-bind: " + missing + ": no such directory\n", err.toString());
        assertTrue(!Files.exists(missing), "nothing created");
    }

    @Test
    void data_directory_can_come_from_the_config_file() throws Exception {
        Path cfg = dir.resolve("terminal.properties");
        Files.writeString(cfg, "data.dir = .\n");
        assertEquals(0, run("status", "--config", cfg.toString()));
        assertTrue(out.toString().startsWith("state file:        " + dir.toAbsolutePath().resolve("terminal.state")),
                out.toString());
    }

    @Test
    void daemon_with_a_bad_config_value_exits_2_naming_key_value_and_expectation() throws Exception {
        Path cfg = dir.resolve("terminal.properties");
        String example = Files.readString(Path.of("src/main/dist/terminal.properties"));
        Files.writeString(cfg, example.replace("timeout.bind-ack = 20s", "timeout.bind-ack = soon"));
        assertEquals(2, run("--config", cfg.toString()));
        assertTrue(err.toString().startsWith("terminal: " + cfg + ": timeout.bind-ack = 'soon' is not valid: "
                + "expected a positive duration"), err.toString());
    }

    /**
     * Each of these used to pass the configuration check and fail only when the daemon started (exit 1, which
     * systemd restarts every 10 s for ever), or to be accepted and misbehave (port 99999, keep-alive cut to
     * 16 bits, a second data.dir silently winning). All must stop the daemon at once with exit 2 and one line
     * naming the key.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "uds.padding = 0xCC      | uds.padding = 0x100                  | uds.padding = '0x100' is not valid: expected a fill byte 0x00..0xFF",
        "can.channel = slcan:/dev/ttyACM0@500000 | can.channel = slcan:/dev/x@123 | can.channel = 'slcan:/dev/x@123' is not valid",
        "mqtt.broker = ssl://broker.vinbind.example:8883 | mqtt.broker = ssl://broker.vinbind.example:99999 | port 99999 is not 1-65535",
        "mqtt.keep-alive = 30s   | mqtt.keep-alive = 100000h            | mqtt.keep-alive = '100000h' is not valid: expected a whole number of seconds from 1s to 65535s",
        "vin.reads = 4           | vin.reads = 4<NL>vin.reads = 20       | vin.reads = '20' is not valid: expected each key once: vin.reads is already set on line",
        "modem.apn = cmnet       | modem.apn = cm<BEL>net              | modem.apn = 'cm\\x07net' is not valid",
    })
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void daemon_with_a_value_it_could_never_use_exits_2_at_once_naming_the_key(String line, String replacement,
                                                                             String message) throws Exception {
        Path cfg = dir.resolve("terminal.properties");
        String example = Files.readString(Path.of("src/main/dist/terminal.properties"))
                .replace("data.dir = /var/lib/vinbind", "data.dir = " + dir.resolve("data"));
        assertTrue(example.contains(line.trim()), line);
        Files.writeString(cfg, example.replace(line.trim(), replacement.trim().replace("<NL>", "\n")
                .replace("<BEL>", "\u0007")));
        assertEquals(2, run("--config", cfg.toString()), err.toString());
        assertTrue(err.toString().startsWith("terminal: " + cfg + ": "), err.toString());
        assertTrue(err.toString().contains(message.trim()), err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void daemon_whose_data_dir_is_a_file_exits_2_naming_data_dir() throws Exception {
        Path file = Files.writeString(dir.resolve("state"), "a file");
        Path cfg = dir.resolve("terminal.properties");
        Files.writeString(cfg, Files.readString(Path.of("src/main/dist/terminal.properties"))
                .replace("data.dir = /var/lib/vinbind", "data.dir = state"));
        assertEquals(2, run("--config", cfg.toString()), err.toString());
        assertEquals("terminal: " + cfg + ": data.dir = 'state' is not valid: expected a directory for the state "
                + "file, or a path where one can be made (relative paths: to the config file); " + file + " is a file\n",
                err.toString());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void the_systemd_unit_does_not_restart_the_daemon_after_a_configuration_error() throws Exception {
        String unit = Files.readString(Path.of("src/main/dist/vinbind-terminal.service"));
        assertTrue(unit.lines().anyMatch(l -> l.equals("Restart=on-failure")), unit);
        assertTrue(unit.lines().anyMatch(l -> l.equals("RestartPreventExitStatus=2")), unit);
    }

    /** The shipped example with data.dir in the test directory and the TLS files of a fresh test credential. */
    String tlsExample(TestCerts.TerminalFiles f) throws Exception {
        return Files.readString(Path.of("src/main/dist/terminal.properties"))
                .replace("data.dir = /var/lib/vinbind", "data.dir = " + dir.resolve("data"))
                .replace("mqtt.ca-file = /etc/vinbind/ca.pem", "mqtt.ca-file = " + f.caFile())
                .replace("mqtt.cert-file = /etc/vinbind/terminal.pem", "mqtt.cert-file = " + f.certFile())
                .replace("mqtt.key-file = /etc/vinbind/terminal.key", "mqtt.key-file = " + f.keyFile());
    }

    /**
     * What the daemon refuses about its identity and transport stops it at once with exit 2 and one line naming
     * the key (and, for the key file, the file, its mode and the chmod that fixes it).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "terminal.id =  | terminal.id = TBOX-0002 | terminal.id = 'TBOX-0002' is not valid: expected the terminal id the certificate in mqtt.cert-file (<CERT>) names, its CN 'TBOX-0001'",
        "mqtt.broker = ssl://broker.vinbind.example:8883 | mqtt.broker = tcp://broker.vinbind.example:1883 | mqtt.broker = 'tcp://broker.vinbind.example:1883' is not valid: expected ssl://host:port or mqtts://host:port",
        "mqtt.insecure-plaintext = false | mqtt.insecure-plaintext = true | mqtt.insecure-plaintext = 'true' is not valid: expected false with an ssl:// broker",
        "mqtt.broker = ssl://broker.vinbind.example:8883 | mqtt.broker = ssl://broker.vinbind.example:8883<NL>mqtt.client-id-prefix = vinbind- | mqtt.client-id-prefix = 'vinbind-' is not valid: expected no such key any more: the MQTT client id is the terminal id",
        "terminal.id =  | terminal.id = <CHMOD644> | mqtt.key-file = '<KEY>' is not valid: expected the PEM file of the certificate's private key",
    })
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void daemon_refuses_an_identity_it_cannot_trust_with_exit_2_naming_the_key(String line, String replacement,
            String message) throws Exception {
        TestCerts.TerminalFiles f = TestCerts.terminalFiles(dir.resolve("credential"), "TBOX-0001");
        String r = replacement.trim();
        if (r.endsWith("<CHMOD644>")) {
            Files.setPosixFilePermissions(f.keyFile(), PosixFilePermissions.fromString("rw-r--r--"));
            r = "terminal.id =";
        }
        Path cfg = dir.resolve("terminal.properties");
        String example = tlsExample(f);
        assertTrue(example.contains(line.trim()), line);
        Files.writeString(cfg, example.replace(line.trim(), r.replace("<NL>", "\n")));
        assertEquals(2, run("--config", cfg.toString()), err.toString());
        String expected = message.trim().replace("<CERT>", f.certFile().toString()).replace("<KEY>", f.keyFile().toString());
        assertTrue(err.toString().startsWith("terminal: " + cfg + ": "), err.toString());
        assertTrue(err.toString().contains(expected), err.toString());
        if (replacement.contains("<CHMOD644>")) {
            assertTrue(err.toString().contains("has mode 0644: group or others may access it; it must be readable by "
                    + "its owner only (chmod 600 " + f.keyFile() + ")"), err.toString());
        }
        assertEquals(1, err.toString().lines().count(), err.toString());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void the_systemd_unit_lets_the_daemon_read_the_credential_files_the_example_names() throws Exception {
        String unit = Files.readString(Path.of("src/main/dist/vinbind-terminal.service"));
        java.util.Properties example = new java.util.Properties();
        try (java.io.Reader r = Files.newBufferedReader(Path.of("src/main/dist/terminal.properties"))) {
            example.load(r);
        }
        assertTrue(unit.lines().anyMatch(l -> l.equals("ProtectSystem=strict")), unit);
        java.util.List<String> readable = unit.lines().filter(l -> l.startsWith("ReadOnlyPaths=")
                || l.startsWith("ReadWritePaths=")).flatMap(l -> java.util.Arrays.stream(l.substring(l.indexOf('=') + 1)
                        .trim().split("\\s+"))).toList();
        for (String key : new String[] {"mqtt.ca-file", "mqtt.cert-file", "mqtt.key-file"}) {
            Path file = Path.of(example.getProperty(key));
            assertTrue(readable.stream().anyMatch(d -> file.startsWith(d)), key + " " + file + " not under " + readable);
            assertTrue(unit.contains(file.toString()), "the unit documents " + file);
        }
        assertTrue(unit.lines().noneMatch(l -> l.startsWith("InaccessiblePaths=") || l.startsWith("TemporaryFileSystem=")),
                unit);
    }

    @Test
    void daemon_without_config_is_a_usage_error() {
        assertEquals(2, run());
        assertTrue(err.toString().contains("missing --config FILE"), err.toString());
    }
}
