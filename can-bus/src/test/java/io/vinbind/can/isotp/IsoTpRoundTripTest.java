package io.vinbind.can.isotp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.vinbind.can.CanId;
import io.vinbind.can.virtual.VirtualCanBus;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Our sender against our receiver: every length class, block sizes, padding on one side only. */
class IsoTpRoundTripTest {

    @ParameterizedTest(name = "{0} bytes, receiver BS {1}")
    @CsvSource({"1,0", "7,0", "8,0", "20,0", "62,3", "111,1", "500,8", "4095,0", "4095,16"})
    void a_message_arrives_unchanged(int length, int blockSize) throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("roundtrip");
        CanId a = CanId.standard(0x740);
        CanId b = CanId.standard(0x748);
        IsoTpChannel tester = new IsoTpChannel(bus.connect("tester"), IsoTpConfig.of(a, b));
        IsoTpChannel ecu = new IsoTpChannel(bus.connect("ecu"), IsoTpConfig.of(b, a).withoutPadding().withBlockSize(blockSize));
        byte[] payload = new byte[length];
        new Random(length).nextBytes(payload);
        CompletableFuture<Optional<byte[]>> received = CompletableFuture.supplyAsync(() -> {
            try {
                return ecu.receive(Duration.ofSeconds(5));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        tester.send(payload);
        assertArrayEquals(payload, received.get(10, TimeUnit.SECONDS).orElseThrow());
    }
}
