package io.vinbind.hil.perf;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The documented bound on a server JVM's resident memory, composed from the options that limit each part of it
 * (docs/server.md, "Memory"). Every part the JVM lets grow without a limit of its own is either refused (no
 * {@code -Xmx}, no {@code -XX:MaxMetaspaceSize}) or given the JDK's default, so a bound computed here is never
 * smaller than what the options allow: heap, metaspace (class space included), code cache, direct buffers (all
 * of Netty's with {@code -Dio.netty.maxDirectMemory=0}), glibc's malloc arenas, and an allowance for the JVM's
 * own structures (GC data growing with the heap; compiler arenas, symbols, the CDS archive, thread stacks).
 *
 * <p>The malloc part is an allowance, not a guarantee: a glibc thread arena is at most 64 MiB on 64-bit, but the
 * main arena has no cap of its own; with {@code MALLOC_MMAP_THRESHOLD_} every request of 128 KiB and more is an
 * mmap released on free, which keeps what stays in the arenas small. The bench measures whether the sum holds.
 *
 * @param heapKib      {@code -Xmx}
 * @param metaspaceKib {@code -XX:MaxMetaspaceSize}
 * @param codeCacheKib {@code -XX:ReservedCodeCacheSize} (JDK default 240 MiB)
 * @param directKib    {@code -XX:MaxDirectMemorySize} (JDK default: the heap's size)
 * @param mallocKib    {@code MALLOC_ARENA_MAX} × 64 MiB (glibc's default is 8 × cores arenas: refused)
 * @param jvmKib       {@link #JVM_FIXED_KIB} + {@code -Xmx} / {@link #JVM_PER_HEAP_DIVISOR}
 */
public record MemoryBound(long heapKib, long metaspaceKib, long codeCacheKib, long directKib, long mallocKib,
        long jvmKib) {

    /**
     * The fixed part of the allowance for the JVM's own structures besides the limited pools: the JIT compilers'
     * arenas (~26 MiB at their peak), symbols (~11 MiB), the CDS archive (~12 MiB), thread stacks as touched
     * (~5 MiB for ~50 threads), internal tables; measured with native memory tracking under the storm
     * (docs/benchmarks.md, "server memory"), rounded up.
     */
    public static final long JVM_FIXED_KIB = 80 * 1024;
    /**
     * The part that grows with the heap: G1's remembered sets, card table and mark bitmaps, measured 41 MiB
     * committed with {@code -Xmx384m} (~11 %); one eighth of {@code -Xmx} is allowed.
     */
    public static final int JVM_PER_HEAP_DIVISOR = 8;
    /** A glibc thread arena's largest size on 64-bit (HEAP_MAX_SIZE = 2 × DEFAULT_MMAP_THRESHOLD_MAX). */
    public static final long ARENA_KIB = 64 * 1024;
    private static final long JDK_CODE_CACHE_KIB = 240 * 1024;
    private static final Pattern SIZE = Pattern.compile("(\\d+)([kKmMgG]?)");

    public MemoryBound {
        for (long v : new long[] {heapKib, metaspaceKib, codeCacheKib, directKib, mallocKib, jvmKib}) {
            if (v <= 0) {
                throw new IllegalArgumentException("every part of the memory bound must be positive: " + v);
            }
        }
    }

    /**
     * The bound for a JVM started with {@code options} (a later option wins, as the JVM reads them) and the
     * environment {@code env}.
     *
     * @throws IllegalArgumentException when the options leave the heap or metaspace without a limit, or the
     *                                  environment leaves the number of malloc arenas to glibc
     */
    public static MemoryBound of(List<String> options, Map<String, String> env) {
        Long heap = null;
        Long metaspace = null;
        long codeCache = JDK_CODE_CACHE_KIB;
        Long direct = null;
        for (String o : options) {
            if (o.startsWith("-Xmx")) {
                heap = kib(o, o.substring(4));
            } else if (o.startsWith("-XX:MaxMetaspaceSize=")) {
                metaspace = kib(o, o.substring(o.indexOf('=') + 1));
            } else if (o.startsWith("-XX:ReservedCodeCacheSize=")) {
                codeCache = kib(o, o.substring(o.indexOf('=') + 1));
            } else if (o.startsWith("-XX:MaxDirectMemorySize=")) {
                direct = kib(o, o.substring(o.indexOf('=') + 1));
            }
        }
        if (heap == null) {
            throw new IllegalArgumentException("no -Xmx: the heap has no stated limit");
        }
        if (metaspace == null) {
            throw new IllegalArgumentException("no -XX:MaxMetaspaceSize: metaspace has no limit");
        }
        String arenas = env.get("MALLOC_ARENA_MAX");
        if (arenas == null || !arenas.matches("[1-9]\\d{0,2}")) {
            throw new IllegalArgumentException("MALLOC_ARENA_MAX is " + (arenas == null ? "not set" : "'" + arenas + "'")
                    + ": glibc then makes up to 8 arenas per core");
        }
        return new MemoryBound(heap, metaspace, codeCache, direct == null ? heap : direct,
                Integer.parseInt(arenas) * ARENA_KIB, JVM_FIXED_KIB + heap / JVM_PER_HEAP_DIVISOR);
    }

    private static long kib(String option, String size) {
        Matcher m = SIZE.matcher(size);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read the size in JVM option " + option);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> n;
            case "m" -> n * 1024;
            case "g" -> n * 1024 * 1024;
            default -> Math.max(1, n / 1024);
        };
    }

    /** The bound: the sum of the parts. */
    public long totalKib() {
        return heapKib + metaspaceKib + codeCacheKib + directKib + mallocKib + jvmKib;
    }

    @Override
    public String toString() {
        return String.format("%d MiB = heap %d + metaspace %d + code cache %d + direct %d + malloc arenas %d + JVM %d",
                totalKib() / 1024, heapKib / 1024, metaspaceKib / 1024, codeCacheKib / 1024, directKib / 1024,
                mallocKib / 1024, jvmKib / 1024);
    }
}
