package io.vinbind.terminal.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.terminal.config.TerminalConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the daemon logs at every start when plaintext off loopback was allowed explicitly, and only then. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class InsecureWarningTest {

    @TempDir
    Path dir;

    TerminalConfig plain(String broker, boolean insecure) throws Exception {
        Properties p = new Properties();
        p.setProperty("can.channel", "virtual:warning-test");
        p.setProperty("modem.port", "/dev/null");
        p.setProperty("modem.apn", "cmnet");
        p.setProperty("mqtt.broker", broker);
        p.setProperty("terminal.id", "TBOX-LAB-1");
        p.setProperty("mqtt.insecure-plaintext", Boolean.toString(insecure));
        p.setProperty("data.dir", dir.resolve("data").toString());
        return TerminalConfig.fromProperties(p, dir);
    }

    @Test
    void an_explicitly_insecure_broker_is_warned_about() throws Exception {
        Optional<String> w = TerminalDaemon.insecureWarning(plain("tcp://10.1.2.3:1883", true));
        assertTrue(w.isPresent());
        assertEquals("mqtt.insecure-plaintext = true: terminal TBOX-LAB-1 talks to tcp://10.1.2.3:1883 WITHOUT TLS; "
                + "anyone on the path can read its requests and forge the server's answers. Use ssl:// with "
                + "mqtt.ca-file, mqtt.cert-file and mqtt.key-file", w.get());
        assertTrue(TerminalDaemon.insecureWarning(plain("tcp://127.0.0.1:1883", true)).isPresent(),
                "set means warned, loopback or not");
    }

    @Test
    void a_loopback_broker_without_the_switch_is_not() throws Exception {
        assertEquals(Optional.empty(), TerminalDaemon.insecureWarning(plain("tcp://127.0.0.1:1883", false)));
    }
}
