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
    void a_phase_is_priced_per_answered_request() {
        long[] none = new long[CpuMeter.THREAD_KINDS.size()];
        long[] jit = {30, 0, 5, 10, 0};
        CpuMeter.Reading a = new CpuMeter.Reading(100, 50, 10, 200, none, 0);
        CpuMeter.Reading b = new CpuMeter.Reading(130, 60, 12, 203, jit, 2_000_000_000L);
        CpuMeter.PhaseCpu p = CpuMeter.between("bind", 100, a, b);
        // 30 ticks of 10 ms over 100 requests = 3,000 us each
        assertEquals(3_000, p.server(), 1e-9);
        assertEquals(1_000, p.postgres(), 1e-9);
        assertEquals(200, p.broker(), 1e-9);
        assertEquals(300, p.bench(), 1e-9);
        assertEquals(4_500, p.total(), 1e-9);
        assertEquals(3_000, p.serverThreads()[0], 1e-9, "jit");
        // 0.45 s of CPU over 2 s of wall time
        assertEquals(0.225, p.coresBusy(), 1e-9);
        assertTrue(p.toString().startsWith("bind") && p.toString().contains("jit 3000"), p.toString());
        assertTrue(Double.isNaN(CpuMeter.between("none", 0, a, b).server()), "no answered request: n/a");
        CpuMeter.Reading unread = new CpuMeter.Reading(-1, 50, 10, 200, none, 0);
        assertTrue(Double.isNaN(CpuMeter.between("x", 10, unread, b).server()), "an unread process: n/a");
        assertTrue(CpuMeter.between("x", 10, unread, b).toString().contains("server    n/a"));
    }

    @Test
    void children_that_ended_are_counted_for_postgres() {
        String stat = "77 (postgres) S 1 77 77 0 -1 4194560 100 0 0 0 10 5 40 2 20 0 1 0 99 0 0";
        assertEquals(15, CpuMeter.parseTicks(stat));
        assertEquals(42, CpuMeter.childTicks(stat));
    }

    @Test
    void this_process_is_read_and_its_ticks_move() {
        long self = ProcessHandle.current().pid();
        CpuMeter m = new CpuMeter(self, self);
        CpuMeter.Reading a = m.read();
        // burn 0.3 s of this thread's CPU (not of wall time: the machine may be busy), bounded at 20 s of wall time
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
        // 0.3 s is 30 ticks; a tick of rounding at either reading
        assertTrue(a.server() >= 0 && b.server() - a.server() >= 28, () -> "ticks did not move enough (" + sink + ")");
        assertTrue(b.bench() - a.bench() >= 28);
        assertTrue(java.util.Arrays.stream(b.serverThreads()).sum() >= 28, "this JVM's threads were read");
    }
}
