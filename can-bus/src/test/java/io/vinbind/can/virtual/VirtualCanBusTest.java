package io.vinbind.can.virtual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannelClosedException;
import io.vinbind.can.CanChannels;
import io.vinbind.can.CanFilter;
import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VirtualCanBusTest {

    private static final Duration WAIT = Duration.ofSeconds(2);
    private static final Duration NONE = Duration.ofMillis(30);

    private static CanFrame frame(int id, int... bytes) {
        return CanFrame.ofUnsigned(CanId.standard(id), bytes);
    }

    @Test
    void every_other_node_sees_a_frame_but_not_the_sender() throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("three");
        try (CanChannel a = bus.connect("a"); CanChannel b = bus.connect("b"); CanChannel c = bus.connect("c")) {
            a.send(frame(0x100, 1));
            assertEquals(frame(0x100, 1), b.receive(WAIT).orElseThrow());
            assertEquals(frame(0x100, 1), c.receive(WAIT).orElseThrow());
            assertTrue(a.receive(NONE).isEmpty());
        }
    }

    @Test
    void receive_times_out_with_empty_not_null() throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("idle");
        try (CanChannel a = bus.connect("a")) {
            Optional<CanFrame> none = a.receive(NONE);
            assertTrue(none.isEmpty());
        }
    }

    @Test
    void filters_pass_only_matching_identifiers_and_formats() throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("filters");
        try (CanChannel tx = bus.connect("tx"); CanChannel rx = bus.connect("rx")) {
            rx.setFilters(List.of(new CanFilter(CanId.standard(0x7E8), 0x7F8)));
            tx.send(frame(0x123, 0));
            tx.send(CanFrame.ofUnsigned(CanId.extended(0x7E9), 0));
            tx.send(frame(0x7EF, 7));
            assertEquals(frame(0x7EF, 7), rx.receive(WAIT).orElseThrow());
            assertTrue(rx.receive(NONE).isEmpty());
        }
    }

    @Test
    void drop_rule_loses_exactly_the_matching_frames() throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("drop");
        bus.setDropRule(f -> f.byteAt(0) == 2);
        try (CanChannel tx = bus.connect("tx"); CanChannel rx = bus.connect("rx")) {
            for (int i = 1; i <= 3; i++) {
                tx.send(frame(0x100, i));
            }
            assertEquals(1, rx.receive(WAIT).orElseThrow().byteAt(0));
            assertEquals(3, rx.receive(WAIT).orElseThrow().byteAt(0));
            assertEquals(1, bus.lostCount());
        }
    }

    @Test
    void seeded_loss_loses_about_that_share_of_frames() throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("loss");
        bus.setLoss(0.5, 42);
        try (CanChannel tx = bus.connect("tx"); CanChannel rx = bus.connect("rx")) {
            for (int i = 0; i < 400; i++) {
                tx.send(frame(0x100, i & 0xFF));
            }
            int got = 0;
            while (rx.receive(NONE).isPresent()) {
                got++;
            }
            assertEquals(400 - bus.lostCount(), got);
            assertTrue(got > 120 && got < 280, "received " + got + " of 400 with 50% loss");
        }
    }

    @Test
    void delay_holds_frames_back_and_keeps_their_order() throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("delay");
        bus.setDelay(Duration.ofMillis(150));
        try (CanChannel tx = bus.connect("tx"); CanChannel rx = bus.connect("rx")) {
            long sent = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                tx.send(frame(0x100, i));
            }
            List<Integer> order = new ArrayList<>();
            order.add(rx.receive(WAIT).orElseThrow().byteAt(0));
            // a lower bound only: the first frame cannot have arrived before the delay passed
            assertTrue(System.nanoTime() - sent >= Duration.ofMillis(150).toNanos(), "frame arrived before the delay");
            for (int i = 1; i < 5; i++) {
                order.add(rx.receive(WAIT).orElseThrow().byteAt(0));
            }
            assertEquals(List.of(0, 1, 2, 3, 4), order);
        }
    }

    @Test
    void closed_node_throws_and_the_others_keep_talking() throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("close");
        try (CanChannel a = bus.connect("a"); CanChannel c = bus.connect("c")) {
            CanChannel b = bus.connect("b");
            b.close();
            assertThrows(CanChannelClosedException.class, () -> b.receive(NONE));
            assertThrows(CanChannelClosedException.class, () -> b.send(frame(1)));
            a.send(frame(0x1, 1));
            assertEquals(frame(0x1, 1), c.receive(WAIT).orElseThrow());
        }
    }

    @Test
    void a_blocked_reader_wakes_up_when_its_channel_closes() throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("wake");
        CanChannel a = bus.connect("a");
        Thread closer = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            a.close();
        });
        closer.start();
        long start = System.nanoTime();
        assertThrows(CanChannelClosedException.class, () -> a.receive(Duration.ofSeconds(10)));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
        closer.join();
    }

    @Test
    void virtual_spec_connects_to_the_process_wide_bus_of_that_name() throws Exception {
        assertSame(VirtualCanBus.named("spec-bus"), VirtualCanBus.named("spec-bus"));
        try (CanChannel a = CanChannels.open("virtual:spec-bus"); CanChannel b = CanChannels.open("virtual:spec-bus")) {
            a.send(frame(0x321, 9));
            assertEquals(frame(0x321, 9), b.receive(WAIT).orElseThrow());
        }
    }
}
