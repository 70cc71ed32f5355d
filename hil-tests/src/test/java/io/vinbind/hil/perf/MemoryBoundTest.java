package io.vinbind.hil.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.crash.ServerProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryBoundTest {

    @Test
    void the_launchers_options_give_the_documented_928_mib() {
        MemoryBound b = MemoryBound.of(ServerProcess.LAUNCHER_JVM_OPTIONS, ServerProcess.LAUNCHER_ENVIRONMENT);
        assertEquals(384 * 1024, b.heapKib());
        assertEquals(128 * 1024, b.metaspaceKib());
        assertEquals(64 * 1024, b.codeCacheKib());
        assertEquals(96 * 1024, b.directKib());
        assertEquals(2 * 64 * 1024, b.mallocKib());
        assertEquals((80 + 384 / 8) * 1024, b.jvmKib(), "fixed part and one eighth of the heap");
        assertEquals(928 * 1024, b.totalKib());
        assertTrue(b.toString().startsWith("928 MiB = heap 384"), b.toString());
    }

    @Test
    void a_later_option_wins_as_in_the_jvm() {
        List<String> o = new ArrayList<>(ServerProcess.LAUNCHER_JVM_OPTIONS);
        o.add("-Xmx1g");
        o.add("-XX:MaxDirectMemorySize=131072k");
        MemoryBound b = MemoryBound.of(o, Map.of("MALLOC_ARENA_MAX", "1"));
        assertEquals(1024 * 1024, b.heapKib());
        assertEquals(128 * 1024, b.directKib());
        assertEquals(64 * 1024, b.mallocKib());
        assertEquals((80 + 128) * 1024, b.jvmKib(), "the GC part follows the heap that wins");
    }

    @Test
    void the_jdk_defaults_stand_in_for_missing_code_cache_and_direct_limits() {
        MemoryBound b = MemoryBound.of(List.of("-Xmx256m", "-XX:MaxMetaspaceSize=64m"), Map.of("MALLOC_ARENA_MAX", "2"));
        assertEquals(240 * 1024, b.codeCacheKib());
        assertEquals(256 * 1024, b.directKib(), "direct memory defaults to the heap's size");
    }

    @Test
    void no_bound_without_a_heap_metaspace_or_arena_limit() {
        Map<String, String> env = Map.of("MALLOC_ARENA_MAX", "2");
        assertThrows(IllegalArgumentException.class, () -> MemoryBound.of(List.of("-XX:MaxMetaspaceSize=64m"), env));
        assertThrows(IllegalArgumentException.class, () -> MemoryBound.of(List.of("-Xmx64m"), env));
        assertThrows(IllegalArgumentException.class,
                () -> MemoryBound.of(List.of("-Xmx64m", "-XX:MaxMetaspaceSize=64m"), Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> MemoryBound.of(List.of("-Xmx64m", "-XX:MaxMetaspaceSize=64m"), Map.of("MALLOC_ARENA_MAX", "x")));
        assertThrows(IllegalArgumentException.class,
                () -> MemoryBound.of(List.of("-Xmxlots", "-XX:MaxMetaspaceSize=64m"), env));
    }

    @Test
    void proc_status_and_heap_info_are_read() {
        String status = "Name:\tjava\nVmHWM:\t  401236 kB\nVmRSS:\t  390000 kB\nThreads:\t58\n";
        assertEquals(Map.of("VmRSS", 390000L, "VmHWM", 401236L, "Threads", 58L), MemoryRun.parseStatus(status));
        assertThrows(BenchException.class, () -> MemoryRun.parseStatus("Name:\tjava\n"));
        String heap = "12345:\n garbage-first heap   total 133120K, used 62372K [0x00000000e8000000, 0x0000000100000000)\n"
                + "  region size 1024K, 40 young (40960K), 3 survivors (3072K)\n"
                + " Metaspace       used 51234K, committed 52000K, reserved 1114112K\n";
        assertArrayEquals(new long[] {62372, 133120}, MemoryRun.parseHeap(heap));
        assertArrayEquals(new long[] {-1, -1}, MemoryRun.parseHeap("12345:\nAttachNotSupportedException\n"));
    }
}
