package io.vinbind.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class CanSpecTest {

    @Test
    void parses_the_three_transports() {
        assertEquals(new CanSpec(CanSpec.Kind.VIRTUAL, "bench", OptionalInt.empty()), CanSpec.parse("virtual:bench"));
        assertEquals(new CanSpec(CanSpec.Kind.SOCKETCAN, "vcan0", OptionalInt.empty()), CanSpec.parse("socketcan:vcan0"));
        CanSpec slcan = CanSpec.parse("slcan:/dev/ttyACM0@250000");
        assertEquals(CanSpec.Kind.SLCAN, slcan.kind());
        assertEquals("/dev/ttyACM0", slcan.target());
        assertEquals(250_000, slcan.bitrateOrDefault());
    }

    @Test
    void slcan_bitrate_is_optional_and_understands_k_suffix() {
        assertEquals(500_000, CanSpec.parse("slcan:/dev/ttyUSB0").bitrateOrDefault());
        assertEquals(125_000, CanSpec.parse("slcan:/dev/ttyUSB0@125k").bitrateOrDefault());
        assertEquals(1_000_000, CanSpec.parse("slcan:/dev/ttyUSB0@1m").bitrateOrDefault());
    }

    @Test
    void rejects_unknown_prefix_missing_target_and_bad_bitrate_naming_them() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CanSpec.parse("pcan:usb1"));
        assertTrue(e.getMessage().contains("pcan"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CanSpec.parse("/dev/ttyACM0"));
        assertThrows(IllegalArgumentException.class, () -> CanSpec.parse("socketcan:"));
        e = assertThrows(IllegalArgumentException.class, () -> CanSpec.parse("slcan:/dev/ttyACM0@fast"));
        assertTrue(e.getMessage().contains("fast"), e.getMessage());
    }

    @Test
    void an_slcan_bitrate_outside_the_adapters_table_is_refused_when_parsed_listing_the_supported_ones() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CanSpec.parse("slcan:/dev/x@123"));
        assertTrue(e.getMessage().contains("123") && e.getMessage().contains("10000, 20000, 50000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CanSpec.parse("slcan:/dev/x@3000000k"), "no int overflow");
        assertThrows(IllegalArgumentException.class, () -> CanSpec.parse("slcan:/dev/x@0"));
        assertEquals(800_000, CanSpec.parse("slcan:/dev/x@800k").bitrateOrDefault());
    }

    @Test
    void opening_an_slcan_port_that_does_not_exist_names_the_port() {
        CanException e = assertThrows(CanException.class, () -> CanChannels.open("slcan:/dev/does-not-exist-vinbind"));
        assertTrue(e.getMessage().contains("/dev/does-not-exist-vinbind"), e.getMessage());
    }
}
