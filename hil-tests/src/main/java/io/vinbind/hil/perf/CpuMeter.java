package io.vinbind.hil.perf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The CPU time the processes of a bench run spend, read from {@code /proc/<pid>/stat} (utime + stime, in clock
 * ticks) at the start and end of each phase: the server, PostgreSQL (every process named {@code postgres}: the
 * backends and the writers that commit for them), the broker and the bench's own JVM (the simulated fleet and the
 * echo responder). On two shared cores a rate is bounded by what all of them spend per request, so a ratio to the
 * echo reads best beside what each side spent.
 *
 * <p>Linux only (proc(5)); where {@code /proc} cannot be read a reading is -1 and the report says "n/a".
 */
final class CpuMeter {

    /** Linux's USER_HZ: the unit of utime and stime in /proc/pid/stat; 100 on every architecture Debian builds. */
    static final long TICKS_PER_SECOND = 100;

    private final long serverPid;
    private final long brokerPid;

    CpuMeter(long serverPid, long brokerPid) {
        this.serverPid = serverPid;
        this.brokerPid = brokerPid;
    }

    /**
     * CPU time in ticks so far; each -1 when it could not be read. {@code serverThreads} splits the server's by
     * what its threads do ({@link #THREAD_KINDS}, from each thread's name in /proc/pid/task/tid/stat).
     */
    record Reading(long server, long postgres, long broker, long bench, long[] serverThreads, long nanos) {
    }

    /**
     * The server's threads by kind, matched on the name the kernel keeps (15 characters): HotSpot's JIT compilers
     * and garbage collector, Paho's receiver, callback and sender threads ("MQTT Rec: …", "MQTT Call: …", "MQTT
     * Snd: …"), the front end's workers, and the rest.
     */
    static final List<String> THREAD_KINDS = List.of("jit", "gc", "paho", "workers", "other");

    static int threadKind(String name) {
        if (name.startsWith("C2 CompilerThre") || name.startsWith("C1 CompilerThre")) {
            return 0;
        }
        if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
            return 1;
        }
        if (name.startsWith("MQTT ")) {
            return 2;
        }
        if (name.startsWith("vinbind-mqtt-wo")) {
            return 3;
        }
        return 4;
    }

    /**
     * What one phase cost, in microseconds of CPU per answered request.
     *
     * @param wallNanos the phase's wall time between the two readings
     */
    record PhaseCpu(String phase, int answered, long wallNanos, double server, double postgres, double broker,
            double bench, double[] serverThreads) {
        PhaseCpu {
            Objects.requireNonNull(phase, "phase");
        }

        double total() {
            return server + postgres + broker + bench;
        }

        /** Cores kept busy on average over the phase (all four together). */
        double coresBusy() {
            return wallNanos == 0 ? Double.NaN : total() * answered / 1e6 / (wallNanos / 1e9);
        }

        @Override
        public String toString() {
            StringBuilder threads = new StringBuilder();
            for (int k = 0; k < THREAD_KINDS.size(); k++) {
                threads.append(k == 0 ? "" : " ").append(THREAD_KINDS.get(k)).append(' ').append(us(serverThreads[k]));
            }
            return String.format("%-18s server %6s  postgres %6s  broker %6s  bench %6s  = %6s us/request, %.2f cores"
                    + " busy; server: %s", phase, us(server), us(postgres), us(broker), us(bench), us(total()),
                    coresBusy(), threads);
        }

        private static String us(double v) {
            return Double.isNaN(v) ? "n/a" : String.format("%.0f", v);
        }
    }

    Reading read() {
        return new Reading(ticks(serverPid), postgresTicks(), ticks(brokerPid), ticks(ProcessHandle.current().pid()),
                threadTicks(serverPid), System.nanoTime());
    }

    static PhaseCpu between(String phase, int answered, Reading a, Reading b) {
        double[] threads = new double[THREAD_KINDS.size()];
        for (int k = 0; k < threads.length; k++) {
            threads[k] = per(a.serverThreads()[k], b.serverThreads()[k], answered);
        }
        return new PhaseCpu(phase, answered, b.nanos() - a.nanos(), per(a.server(), b.server(), answered),
                per(a.postgres(), b.postgres(), answered), per(a.broker(), b.broker(), answered),
                per(a.bench(), b.bench(), answered), threads);
    }

    private static double per(long before, long after, int answered) {
        if (before < 0 || after < 0 || answered <= 0) {
            return Double.NaN;
        }
        return (after - before) * 1e6 / TICKS_PER_SECOND / answered;
    }

    /** utime + stime of one process, or -1. */
    static long ticks(long pid) {
        try {
            return parseTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * utime + stime from a /proc/pid/stat line. The command name (field 2) is in parentheses and may hold spaces and
     * parentheses itself, so the fields are counted from the last ')': state is field 3, utime 14, stime 15.
     */
    static long parseTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/pid/stat line: no ')'");
        }
        String[] f = stat.substring(close + 1).trim().split("\\s+");
        if (f.length < 13) {
            throw new IllegalArgumentException("not a /proc/pid/stat line: " + f.length + " fields after the name");
        }
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /**
     * The process's thread ticks summed by {@link #threadKind}; a thread that ended between two readings takes its
     * ticks with it (the server's pools keep theirs), so a kind's figure is a lower bound.
     */
    static long[] threadTicks(long pid) {
        long[] sum = new long[THREAD_KINDS.size()];
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks) {
                try {
                    String stat = Files.readString(t.resolve("stat"), StandardCharsets.US_ASCII);
                    sum[threadKind(name(stat))] += parseTicks(stat);
                } catch (IOException | RuntimeException e) {
                    // a thread that ended between the listing and the read
                }
            }
        } catch (IOException e) {
            java.util.Arrays.fill(sum, -1);
        }
        return sum;
    }

    /** cutime + cstime (fields 16 and 17): the CPU time of the process's children that ended and were waited for. */
    static long childTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 1).trim().split("\\s+");
        if (f.length < 15) {
            throw new IllegalArgumentException("not a /proc/pid/stat line: " + f.length + " fields after the name");
        }
        return Long.parseLong(f[13]) + Long.parseLong(f[14]);
    }

    /** The command or thread name of a /proc stat line (field 2, between the first '(' and the last ')'). */
    static String name(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            throw new IllegalArgumentException("not a /proc/pid/stat line: no (name)");
        }
        return stat.substring(open + 1, close);
    }

    /** The sum over every process named postgres (the machine's cluster; the bench is its only client meanwhile). */
    static long postgresTicks() {
        long sum = 0;
        boolean any = false;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path p : procs) {
                try {
                    String stat = Files.readString(p.resolve("stat"), StandardCharsets.US_ASCII);
                    if (!name(stat).equals("postgres")) {
                        continue;
                    }
                    // with cutime + cstime: a backend or autovacuum worker that exits hands its time to the
                    // postmaster that reaps it, so the sum never loses what an ended process spent
                    sum += parseTicks(stat) + childTicks(stat);
                    any = true;
                } catch (IOException | RuntimeException e) {
                    // a process that ended between the listing and the read: its time is gone with it
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return any ? sum : -1;
    }
}
