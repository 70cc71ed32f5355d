package io.vinbind.terminal.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.can.vehicle.PowerModeFrameCodec;
import io.vinbind.can.vehicle.PowerModeLayout;
import io.vinbind.can.virtual.VirtualCanBus;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PowerModeSourcesTest {

    final BlockingQueue<PowerMode> modes = new LinkedBlockingQueue<>();

    PowerMode next() throws InterruptedException {
        return modes.poll(3, TimeUnit.SECONDS);
    }

    @Test
    void can_source_decodes_the_broadcast_ignores_other_frames_and_takes_silence_as_off() throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("power-test");
        CanChannel body = bus.connect("body-controller");
        PowerModeFrameCodec codec = new PowerModeFrameCodec(PowerModeLayout.defaults());
        try (CanPowerModeSource source = new CanPowerModeSource(bus.connect("terminal"), codec,
                Duration.ofMillis(300))) {
            source.start(modes::add);
            // id 0x3C0, DLC 8, byte 0 low nibble = 2 (ON)
            body.send(CanFrame.ofUnsigned(CanId.standard(0x3C0), 0x02, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(PowerMode.ON, next());
            // another frame on another id: not a power mode
            body.send(CanFrame.ofUnsigned(CanId.standard(0x3C1), 0x01, 0, 0, 0, 0, 0, 0, 0));
            // byte 0 = 0x11: high nibble is another signal, low nibble 1 = ACC
            body.send(CanFrame.ofUnsigned(CanId.standard(0x3C0), 0x11, 0, 0, 0, 0, 0, 0, 0));
            assertEquals(PowerMode.ACC, next());
            assertEquals(PowerMode.OFF, next(), "no broadcast for 300 ms");
            assertEquals(null, modes.poll(500, TimeUnit.MILLISECONDS), "silence is reported once");
        }
    }

    @Test
    void file_source_reports_each_change_of_content(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("power");
        try (LinePowerModeSource source = LinePowerModeSource.ofFile(file, Duration.ofMillis(20))) {
            source.start(modes::add);
            assertEquals(PowerMode.OFF, next(), "missing file means OFF");
            Files.writeString(file, "acc\n");
            assertEquals(PowerMode.ACC, next());
            Files.writeString(file, "bogus");
            Files.writeString(file, "START");
            assertEquals(PowerMode.START, next());
        }
    }

    @Test
    void stream_source_reads_one_mode_per_line_and_ends_with_off() throws Exception {
        String input = "# bench script\nACC\n\nON\nnot-a-mode\nSTART\n";
        try (LinePowerModeSource source = LinePowerModeSource.ofStream(
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), "script")) {
            source.start(modes::add);
            assertEquals(PowerMode.ACC, next());
            assertEquals(PowerMode.ON, next());
            assertEquals(PowerMode.START, next());
            assertEquals(PowerMode.OFF, next(), "end of input");
        }
    }
}
