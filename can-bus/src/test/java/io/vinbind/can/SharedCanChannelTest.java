package io.vinbind.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.virtual.VirtualCanBus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedCanChannelTest {

    private static final Duration WAIT = Duration.ofSeconds(2);

    @Test
    void every_view_gets_the_frames_its_filters_accept() throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("shared");
        CanChannel other = bus.connect("other");
        try (SharedCanChannel shared = SharedCanChannel.over(bus.connect("terminal"))) {
            CanChannel uds = shared.newView("uds");
            CanChannel power = shared.newView("power");
            uds.setFilters(List.of(CanFilter.exact(CanId.standard(0x748))));
            power.setFilters(List.of(CanFilter.exact(CanId.standard(0x3C0))));

            other.send(CanFrame.ofUnsigned(CanId.standard(0x3C0), 0x01));
            other.send(CanFrame.ofUnsigned(CanId.standard(0x748), 0x03, 0x7F, 0x22, 0x78));

            assertEquals(CanId.standard(0x748), uds.receive(WAIT).orElseThrow().id());
            assertEquals(CanId.standard(0x3C0), power.receive(WAIT).orElseThrow().id());
            assertTrue(uds.receive(Duration.ofMillis(50)).isEmpty());

            uds.send(CanFrame.ofUnsigned(CanId.standard(0x740), 0x02, 0x3E, 0x00));
            assertEquals("740#023E00", other.receive(WAIT).orElseThrow().toString());
        }
    }

    @Test
    void closing_the_shared_channel_closes_its_views() throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("shared-close");
        SharedCanChannel shared = SharedCanChannel.over(bus.connect("terminal"));
        CanChannel view = shared.newView("v");
        shared.close();
        assertThrows(CanChannelClosedException.class, () -> view.receive(WAIT));
    }
}
