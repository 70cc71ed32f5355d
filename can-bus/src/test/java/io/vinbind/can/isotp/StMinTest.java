package io.vinbind.can.isotp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StMinTest {

    @Test
    void millisecond_and_microsecond_ranges_map_to_durations() {
        assertEquals(Duration.ZERO, new StMin(0x00).duration());
        assertEquals(Duration.ofMillis(127), new StMin(0x7F).duration());
        assertEquals(Duration.ofNanos(100_000), new StMin(0xF1).duration());
        assertEquals(Duration.ofNanos(900_000), new StMin(0xF9).duration());
    }

    @Test
    void reserved_values_from_a_peer_are_read_as_127_ms() {
        for (int raw : new int[] {0x80, 0xA5, 0xF0, 0xFA, 0xFF}) {
            assertTrue(StMin.isReserved(raw));
            assertEquals(Duration.ofMillis(127), StMin.fromPeer(raw).duration(), "raw " + raw);
        }
        assertFalse(StMin.isReserved(0xF5));
    }

    @Test
    void our_own_configuration_cannot_use_reserved_values() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StMin(0x80));
        assertTrue(e.getMessage().contains("0x80"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StMin.ofMicros(150));
        assertThrows(IllegalArgumentException.class, () -> StMin.ofMillis(128));
    }

    @Test
    void parses_raw_bytes_and_units() {
        assertEquals(new StMin(0x14), StMin.parse("0x14"));
        assertEquals(new StMin(20), StMin.parse("20"));
        assertEquals(new StMin(20), StMin.parse("20ms"));
        assertEquals(new StMin(0xF3), StMin.parse("300us"));
        assertThrows(IllegalArgumentException.class, () -> StMin.parse("fast"));
    }
}
