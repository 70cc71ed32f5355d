package io.vinbind.can.isotp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanException;
import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import io.vinbind.can.Hex;
import io.vinbind.can.virtual.VirtualCanBus;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Test harness: the device under test is an {@link IsoTpChannel} (tx 7E0, rx 7E8) on one node of a
 * virtual bus; the test plays the other side frame by frame, with every byte written out.
 */
final class FramePeer implements AutoCloseable {

    static final CanId DUT_TX = CanId.standard(0x7E0);
    static final CanId DUT_RX = CanId.standard(0x7E8);
    static final Duration WAIT = Duration.ofSeconds(2);

    final VirtualCanBus bus;
    final CanChannel peer;
    final CanChannel dutCan;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "isotp-dut");
        t.setDaemon(true);
        return t;
    });

    /** When each frame left the DUT, taken at send time so a slow test thread cannot distort gaps. */
    final java.util.List<Long> dutSendTimes = new java.util.concurrent.CopyOnWriteArrayList<>();

    FramePeer(String name) {
        bus = VirtualCanBus.create(name);
        peer = bus.connect("peer");
        CanChannel raw = bus.connect("dut");
        dutCan = new CanChannel() {
            @Override
            public void send(CanFrame frame) throws CanException {
                dutSendTimes.add(System.nanoTime());
                raw.send(frame);
            }

            @Override
            public Optional<CanFrame> receive(Duration timeout) throws CanException {
                return raw.receive(timeout);
            }

            @Override
            public void setFilters(java.util.List<io.vinbind.can.CanFilter> filters) throws CanException {
                raw.setFilters(filters);
            }

            @Override
            public String description() {
                return raw.description();
            }

            @Override
            public void close() {
                raw.close();
            }
        };
    }

    /**
     * Defaults (N_Bs = N_Cr = 1000 ms), so a test thread descheduled on a loaded machine cannot cause a
     * timeout; timeout tests use {@link #shortTimeouts()}.
     */
    static IsoTpConfig config() {
        return IsoTpConfig.of(DUT_TX, DUT_RX);
    }

    /** N_Bs = N_Cr = 200 ms, for the tests that wait for a timeout. */
    static IsoTpConfig shortTimeouts() {
        return config().withTimeouts(Duration.ofMillis(200), Duration.ofMillis(200));
    }

    IsoTpChannel dut(IsoTpConfig config) throws CanException {
        return new IsoTpChannel(dutCan, config);
    }

    <T> Future<T> async(Callable<T> task) {
        return executor.submit(task);
    }

    /** The peer sends a frame on the DUT's rx identifier. */
    void send(int... bytes) throws CanException {
        peer.send(CanFrame.ofUnsigned(DUT_RX, bytes));
    }

    /** The next frame the DUT sent must carry exactly these bytes on its tx identifier. */
    CanFrame expect(int... bytes) throws CanException {
        CanFrame f = next();
        assertEquals(CanFrame.ofUnsigned(DUT_TX, bytes), f);
        return f;
    }

    CanFrame next() throws CanException {
        Optional<CanFrame> f = peer.receive(WAIT);
        assertTrue(f.isPresent(), "the DUT sent nothing within " + WAIT);
        return f.get();
    }

    void expectSilence(Duration d) throws CanException {
        Optional<CanFrame> f = peer.receive(d);
        assertTrue(f.isEmpty(), () -> "the DUT sent " + f.get() + " but should be silent");
    }

    static String hex(byte[] b) {
        return Hex.of(b);
    }

    @Override
    public void close() {
        executor.shutdownNow();
        peer.close();
        dutCan.close();
    }
}
