package io.vinbind.hil.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CpuMeterTest {

    @Test
    void utime_and_stime_are_counted_from_the_last_parenthesis() {
        // a thread name with a space and a ')' of its own, as Paho's "MQTT Rec: svc:…" threads have spaces
        String stat = "4242 (MQTT Rec: a) b) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 31 0 99 0 0";
        assertEquals(1234 + 567, CpuMeter.parseTicks(stat));
        assertEquals("MQTT Rec: a) b", CpuMeter.name(stat));
        assertThrows(IllegalArgumentException.class, () -> CpuMeter.parseTicks("4242 no parenthesis 1 2 3"));
        assertThrows(IllegalArgumentException.class, () -> CpuMeter.parseTicks("4242 (short) S 1 2"));
    }

    @Test
    void server_threads_are_told_apart_by_their_kernel_names() {
        assertEquals("jit", CpuMeter.THREAD_KINDS.get(CpuMeter.threadKind("C2 CompilerThre")));
        assertEquals("jit", CpuMeter.THREAD_KINDS.get(CpuMeter.threadKind("C1 CompilerThre")));
        assertEquals("gc", CpuMeter.THREAD_KINDS.get(CpuMeter.threadKind("GC Thread#1")));
        assertEquals("gc", CpuMeter.THREAD_KINDS.get(CpuMeter.threadKind("G1 Conc#0")));
        assertEquals("paho", CpuMeter.THREAD_KINDS.get(CpuMeter.threadKind("MQTT Call: svc:")));
        assertEquals("workers", CpuMeter.THREAD_KINDS.get(CpuMeter.threadKind("vinbind-mqtt-wo")));
        assertEquals("other", CpuMeter.THREAD_KINDS.get(CpuMeter.threadKind("main")));
    }

    @Test
    void this_process_is_read_and_a_phase_is_priced_per_request() {
        long self = ProcessHandle.current().pid();
        CpuMeter m = new CpuMeter(self, self);
        CpuMeter.Reading a = m.read();
        // burn 0.3 s of this thread's CPU (not of wall time: the machine may be busy) so the ticks (10 ms) move
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuEnd = threads.getCurrentThreadCpuTime() + 300_000_000L;
        long wallEnd = System.nanoTime() + 20_000_000_000L;
        long x = 0;
        while (threads.getCurrentThreadCpuTime() < cpuEnd && System.nanoTime() < wallEnd) {
            for (int i = 0; i < 10_000; i++) {
                x += Long.numberOfTrailingZeros(x + i);
            }
        }
        CpuMeter.Reading b = m.read();
        long sink = x;
        assertTrue(a.server() >= 0 && b.server() > a.server(), () -> "ticks did not move (" + sink + ")");
        CpuMeter.PhaseCpu p = CpuMeter.between("spin", 100, a, b);
        // 0.3 s of CPU over 100 requests: 3,000 us each, less a 10 ms tick of rounding at either reading; the
        // JVM's other threads only add
        assertTrue(p.server() >= 2_800 && p.server() < 100_000, () -> "server " + p.server());
        // the same process read twice, a moment apart: its other threads (GC, JIT) may add a tick or two between
        assertEquals(p.server(), p.bench(), 2 * 1e6 / CpuMeter.TICKS_PER_SECOND / 100, "the same process read twice");
        assertTrue(p.toString().startsWith("spin"), p.toString());
        assertTrue(Double.isNaN(CpuMeter.between("none", 0, a, b).server()), "no answered request: n/a");
    }
}
