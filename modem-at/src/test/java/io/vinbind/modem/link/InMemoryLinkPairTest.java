package io.vinbind.modem.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class InMemoryLinkPairTest {

    private final InMemoryLinkPair pair = InMemoryLinkPair.create("t");
    private final byte[] buf = new byte[16];

    @Test
    void bytes_cross_in_both_directions_one_write_per_read() throws Exception {
        pair.a().write(new byte[] {'A', 'T'});
        pair.a().write(new byte[] {'\r'});
        pair.b().write(new byte[] {'O', 'K'});

        assertEquals(2, pair.b().read(buf, Duration.ofMillis(100)));
        assertArrayEquals(new byte[] {'A', 'T'}, Arrays.copyOf(buf, 2));
        assertEquals(1, pair.b().read(buf, Duration.ofMillis(100)), "a read never spans two writes");
        assertEquals(2, pair.a().read(buf, Duration.ofMillis(100)));
    }

    @Test
    void a_small_buffer_takes_a_chunk_in_parts() throws Exception {
        pair.a().write("0123456789".getBytes());
        byte[] small = new byte[4];
        assertEquals(4, pair.b().read(small, Duration.ofMillis(100)));
        assertEquals(4, pair.b().read(small, Duration.ofMillis(100)));
        assertEquals(2, pair.b().read(small, Duration.ofMillis(100)));
        assertArrayEquals(new byte[] {'8', '9'}, Arrays.copyOf(small, 2));
    }

    @Test
    void quiet_link_returns_zero_after_the_timeout() throws Exception {
        assertEquals(0, pair.b().read(buf, Duration.ofMillis(30)));
    }

    @Test
    void written_array_is_copied() throws Exception {
        byte[] data = {'A'};
        pair.a().write(data);
        data[0] = 'B';
        pair.b().read(buf, Duration.ofMillis(100));
        assertEquals('A', buf[0]);
    }

    @Test
    void closing_one_end_makes_both_throw_link_closed() {
        pair.a().close();
        assertFalse(pair.b().isOpen());
        assertThrows(LinkClosedException.class, () -> pair.b().read(buf, Duration.ofMillis(30)));
        assertThrows(LinkClosedException.class, () -> pair.b().write(new byte[] {1}));
        assertThrows(LinkClosedException.class, () -> pair.a().write(new byte[] {1}));
    }

    @Test
    void serial_config_rejects_nonsense() {
        assertThrows(IllegalArgumentException.class, () -> SerialConfig.of(" "));
        assertThrows(IllegalArgumentException.class, () -> SerialConfig.of("/dev/ttyUSB2").withBaudRate(10));
        assertEquals(115_200, SerialConfig.of("/dev/ttyUSB2").baudRate());
    }

    @Test
    void opening_a_missing_device_is_link_closed_naming_it() {
        LinkClosedException e = assertThrows(LinkClosedException.class,
                () -> JSerialCommLink.open(SerialConfig.of("/dev/does-not-exist-vinbind")));
        assertEquals("/dev/does-not-exist-vinbind", e.link());
    }
}
