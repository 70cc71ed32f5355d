package io.vinbind.can.uds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanId;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class UdsClientConfigTest {

    @Test
    void empty_properties_give_the_documented_defaults() {
        UdsClientConfig c = UdsClientConfig.fromProperties(new Properties());
        assertEquals(UdsClientConfig.defaults(), c);
        assertEquals(new UdsAddressing(CanId.standard(0x740), CanId.standard(0x748)), c.addressing());
        assertEquals(Duration.ofMillis(1000), c.p2());
        assertEquals(Duration.ofMillis(5000), c.p2Star());
        assertEquals(Duration.ofSeconds(10), c.overall());
        assertEquals(OptionalInt.of(0xCC), c.padding());
    }

    @Test
    void reads_29_bit_identifiers_timers_and_padding() {
        Properties p = new Properties();
        p.setProperty("uds.request-id", "0x18DA40F1");
        p.setProperty("uds.response-id", "0x18DAF140");
        p.setProperty("uds.p2", "50ms");
        p.setProperty("uds.p2-star", "2s");
        p.setProperty("uds.timeout", "6s");
        p.setProperty("uds.padding", "none");
        p.setProperty("uds.n-timeout", "500ms");
        UdsClientConfig c = UdsClientConfig.fromProperties(p);
        assertEquals(UdsAddressing.normalFixed(0x40, 0xF1), c.addressing());
        assertEquals(Duration.ofMillis(50), c.p2());
        assertEquals(Duration.ofSeconds(2), c.p2Star());
        assertEquals(Duration.ofSeconds(6), c.overall());
        assertEquals(OptionalInt.empty(), c.isoTp().padding());
        assertEquals(Duration.ofMillis(500), c.isoTp().nCr());
        assertEquals(CanId.extended(0x18DA40F1), c.isoTp().txId());
    }

    @Test
    void a_bad_value_names_its_key() {
        Properties p = new Properties();
        p.setProperty("uds.response-id", "0x7E8A");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UdsClientConfig.fromProperties(p));
        assertTrue(e.getMessage().contains("uds.response-id"), e.getMessage());
    }

    @Test
    void a_fill_byte_outside_a_byte_is_refused_when_read_naming_its_key() {
        Properties p = new Properties();
        p.setProperty("uds.padding", "0x100");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UdsClientConfig.fromProperties(p));
        assertTrue(e.getMessage().contains("uds.padding") && e.getMessage().contains("0x00..0xFF"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> UdsClientConfig.defaults().withPadding(OptionalInt.of(-1)));
    }
}
