package io.vinbind.can.slcan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanChannelClosedException;
import io.vinbind.can.CanException;
import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import io.vinbind.can.sim.EcuSimulator;
import io.vinbind.can.sim.EcuSimulatorConfig;
import io.vinbind.can.uds.UdsClient;
import io.vinbind.can.uds.UdsClientConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SlcanChannelTest {

    private static final Duration WAIT = Duration.ofSeconds(2);

    @Test
    void configures_bitrate_while_closed_then_opens_and_closes_on_close() throws Exception {
        MemoryTransport t = new MemoryTransport();
        SlcanChannel ch = SlcanChannel.over(t, SlcanBitrate.of(250_000));
        assertEquals("C\rS5\rO\r", t.written());          // close, bitrate 250k, open
        ch.close();
        assertEquals("C\rS5\rO\rC\r", t.written());
        assertTrue(t.isClosed());
    }

    @Test
    void sends_frames_as_lines_without_waiting_for_an_acknowledgement() throws Exception {
        MemoryTransport t = new MemoryTransport();
        try (SlcanChannel ch = SlcanChannel.over(t, SlcanBitrate.S6)) {
            ch.send(CanFrame.ofUnsigned(CanId.standard(0x740), 0x03, 0x22, 0xF1, 0x90)); // no CR/z ever comes back
            ch.send(CanFrame.ofUnsigned(CanId.extended(0x18DA40F1), 0x02, 0x3E, 0x00));
            assertEquals("C\rS6\rO\r" + "t74040322F190\r" + "T18DA40F13023E00\r", t.written());
        }
    }

    @Test
    void delivers_received_frames_and_drops_garbage_and_errors_with_counts() throws Exception {
        MemoryTransport t = new MemoryTransport();
        try (SlcanChannel ch = SlcanChannel.over(t, SlcanBitrate.S6)) {
            t.inject("\r\u0007z\rhello\rt7E8403");                 // ack, BEL, ack, garbage, half a frame
            t.inject("7F2278\rT18DAF1401AA1234\r");                 // rest of it, then a timestamped 29-bit frame
            assertEquals("7E8#037F2278", ch.receive(WAIT).orElseThrow().toString());
            assertEquals("18DAF140#AA", ch.receive(WAIT).orElseThrow().toString());
            assertEquals(1, ch.adapterErrors());
            assertEquals(1, ch.garbageLines());
            assertTrue(ch.receive(Duration.ofMillis(30)).isEmpty());
        }
    }

    @Test
    void a_failing_port_makes_receive_throw_with_the_cause() throws Exception {
        MemoryTransport t = new MemoryTransport();
        SlcanChannel ch = SlcanChannel.over(t, SlcanBitrate.S6);
        t.failReads(new IOException("device unplugged"));
        // a failed transport closes the channel: readers get the closed exception (and stop) with the cause
        CanChannelClosedException e = assertThrows(CanChannelClosedException.class, () -> ch.receive(WAIT));
        assertTrue(e.getMessage().contains("device unplugged"), e.getMessage());
        assertThrows(CanChannelClosedException.class, () -> ch.receive(WAIT));
        ch.close();
        assertThrows(CanException.class, () -> ch.send(CanFrame.of(CanId.standard(1))));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void a_flood_of_bel_and_garbage_gives_a_few_warnings_and_a_count_not_a_line_per_byte() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8)); // where tinylog's console writer goes
        try {
            MemoryTransport t = new MemoryTransport();
            SlcanChannel ch = SlcanChannel.over(t, SlcanBitrate.S6);
            for (int i = 0; i < 10; i++) {
                t.inject("\u0007".repeat(500));                 // the reader takes at most 512 bytes a read
                t.inject("x\u001b[2J\r".repeat(10));          // garbage lines with a terminal escape in them
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((ch.adapterErrors() < 5000 || ch.garbageLines() < 100) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(5000, ch.adapterErrors());
            assertEquals(100, ch.garbageLines());
            ch.close();
        } finally {
            System.setErr(stderr);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        List<String> bel = log.lines().filter(l -> l.contains("answered BEL")).toList();
        List<String> garbage = log.lines().filter(l -> l.contains("dropped line")).toList();
        assertEquals(6, bel.size(), log);             // 5, then the summary when the channel closed
        assertTrue(bel.get(5).contains("(5000 so far) (the last of 4995 like this"), bel.get(5));
        assertEquals(6, garbage.size(), log);
        assertTrue(garbage.get(0).contains("'x\\x1B[2J'"), "escaped: " + garbage.get(0));
        assertTrue(!log.contains("\u001b"), "no raw escape character reaches the log");
    }

    @Test
    void receive_after_close_throws_closed() throws Exception {
        SlcanChannel ch = SlcanChannel.over(new MemoryTransport(), SlcanBitrate.S6);
        ch.close();
        assertThrows(CanChannelClosedException.class, () -> ch.receive(WAIT));
    }

    @Test
    void unsupported_bitrate_lists_the_supported_ones() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SlcanBitrate.of(33_333));
        assertTrue(e.getMessage().contains("33333") && e.getMessage().contains("500000"), e.getMessage());
    }

    @Test
    void two_channels_on_a_crossover_carry_a_vin_read_and_ignore_each_others_commands() throws Exception {
        MemoryTransport[] cable = MemoryTransport.crossover();
        SlcanChannel ecuSide = SlcanChannel.over(cable[0], SlcanBitrate.S6);
        try (SlcanChannel testerSide = SlcanChannel.over(cable[1], SlcanBitrate.S6);
             EcuSimulator sim = EcuSimulator.start(ecuSide, EcuSimulatorConfig.of("LSGPC52U6AF102554"))) {
            UdsClient uds = UdsClient.over(testerSide, UdsClientConfig.defaults());
            assertEquals("LSGPC52U6AF102554", uds.readVin());
            assertEquals(0, testerSide.garbageLines());
            assertEquals(1, sim.vinRequests());
        }
    }
}
