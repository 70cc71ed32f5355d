package io.vinbind.can.bench;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannels;
import io.vinbind.can.CanException;
import io.vinbind.can.CanId;
import io.vinbind.can.isotp.IsoTpChannel;
import io.vinbind.can.isotp.IsoTpConfig;
import io.vinbind.can.sim.EcuSimulator;
import io.vinbind.can.sim.EcuSimulatorConfig;
import io.vinbind.can.uds.UdsClient;
import io.vinbind.can.uds.UdsClientConfig;
import io.vinbind.can.virtual.VirtualCanBus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Benchmarks for docs/benchmarks.md (not a test: it asserts nothing about speed). Measures
 * <ol>
 *   <li>VIN read (UdsClient.readVin against the ECU simulator) over the in-JVM virtual bus;</li>
 *   <li>the same over SLCAN on a socat pty pair through jSerialComm (skipped without socat);</li>
 *   <li>ISO-TP transfer of a 4095-byte message with STmin 0, BS 0 over the virtual bus;</li>
 *   <li>VIN read over SocketCAN on vcan0 where it exists (run under {@code scripts/with-vcan}).</li>
 * </ol>
 * Run after {@code mvn -B -pl can-bus package -DskipTests}:
 * <pre>
 * java -cp can-bus/target/test-classes:can-bus/target/classes:$(cat can-bus/target/classpath.txt) \
 *      io.vinbind.can.bench.CanBench [virtualReads] [ptyReads] [transfers]
 * </pre>
 */
public final class CanBench {

    private static final String VIN = "LSGPC52U6AF102554";

    private CanBench() {
    }

    public static void main(String[] args) throws Exception {
        int virtualReads = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int ptyReads = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int transfers = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        System.out.println("| measurement | runs | mean | p50 | p95 | p99 | max | derived |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        vinOverVirtualBus(virtualReads);
        vinOverSlcanPty(ptyReads);
        isoTpThroughput(transfers);
        vinOverVcan(ptyReads);
    }

    private static void vinOverVcan(int runs) throws Exception {
        if (!Files.exists(Path.of("/sys/class/net/vcan0"))) {
            System.out.println("| VIN read, SocketCAN vcan0 | skipped: no vcan0 (run under scripts/with-vcan) | | | | | | |");
            return;
        }
        try (EcuSimulator sim = EcuSimulator.start(CanChannels.open("socketcan:vcan0"), EcuSimulatorConfig.of(VIN));
             CanChannel tester = CanChannels.open("socketcan:vcan0")) {
            UdsClient uds = UdsClient.over(tester, UdsClientConfig.defaults());
            long[] t = timeVinReads(uds, runs / 10, runs);
            served(sim, runs / 10 + runs);
            report("VIN read, SocketCAN vcan0 (kernel RAW sockets)", t, String.format(Locale.ROOT, "%.0f reads/s",
                    1e9 / mean(t)));
        }
    }

    private static void vinOverVirtualBus(int runs) throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("bench-vin");
        try (EcuSimulator sim = EcuSimulator.start(bus.connect("ecu"), EcuSimulatorConfig.of(VIN));
             CanChannel tester = bus.connect("tester")) {
            UdsClient uds = UdsClient.over(tester, UdsClientConfig.defaults());
            long[] t = timeVinReads(uds, runs / 5, runs);
            served(sim, runs / 5 + runs);
            report("VIN read, virtual bus (3 ISO-TP frames + FC)", t, String.format(Locale.ROOT, "%.0f reads/s",
                    1e9 / mean(t)));
        }
    }

    private static void vinOverSlcanPty(int runs) throws Exception {
        if (!socatAvailable()) {
            System.out.println("| VIN read, SLCAN over pty | skipped: socat not installed | | | | | | |");
            return;
        }
        Path dir = Files.createTempDirectory("vinbind-bench");
        Process socat = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + dir.resolve("a"),
                "pty,raw,echo=0,link=" + dir.resolve("b")).redirectErrorStream(true)
                .redirectOutput(dir.resolve("socat.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!(Files.exists(dir.resolve("a")) && Files.exists(dir.resolve("b")))) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("socat did not create the pty pair within 5 s");
                }
                Thread.sleep(20);
            }
            try (EcuSimulator sim = EcuSimulator.start(CanChannels.open("slcan:" + dir.resolve("a")), EcuSimulatorConfig.of(VIN));
                 CanChannel tester = CanChannels.open("slcan:" + dir.resolve("b"))) {
                UdsClient uds = UdsClient.over(tester, UdsClientConfig.defaults());
                long[] t = timeVinReads(uds, Math.max(5, runs / 10), runs);
                served(sim, Math.max(5, runs / 10) + runs);
                report("VIN read, SLCAN over socat pty (jSerialComm both ends)", t,
                        String.format(Locale.ROOT, "%.0f reads/s", 1e9 / mean(t)));
            }
        } finally {
            socat.destroy();
            if (!socat.waitFor(3, TimeUnit.SECONDS)) {
                socat.destroyForcibly();
            }
            for (String f : new String[] {"a", "b", "socat.log"}) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.deleteIfExists(dir);
        }
    }

    private static long[] timeVinReads(UdsClient uds, int warmup, int runs) throws CanException {
        for (int i = 0; i < warmup; i++) {
            check(uds.readVin());
        }
        long[] t = new long[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            String vin = uds.readVin();
            t[i] = System.nanoTime() - start;
            check(vin);
        }
        return t;
    }

    private static void served(EcuSimulator sim, int expected) {
        if (sim.vinRequests() != expected) {
            throw new IllegalStateException("simulator served " + sim.vinRequests() + " VIN requests, " + expected + " sent");
        }
    }

    private static void check(String vin) {
        if (!VIN.equals(vin)) {
            throw new IllegalStateException("read " + vin + " instead of " + VIN);
        }
    }

    private static void isoTpThroughput(int runs) throws Exception {
        VirtualCanBus bus = VirtualCanBus.create("bench-isotp");
        CanId a = CanId.standard(0x740);
        CanId b = CanId.standard(0x748);
        IsoTpChannel sender = new IsoTpChannel(bus.connect("sender"), IsoTpConfig.of(a, b));
        IsoTpChannel receiver = new IsoTpChannel(bus.connect("receiver"), IsoTpConfig.of(b, a));  // FC: BS 0, STmin 0
        byte[] payload = new byte[IsoTpConfig.MAX_CLASSIC_LENGTH];
        new Random(1).nextBytes(payload);
        int warmup = runs / 5;
        long[] t = new long[runs];
        for (int i = -warmup; i < runs; i++) {
            CompletableFuture<Optional<byte[]>> got = CompletableFuture.supplyAsync(() -> {
                try {
                    return receiver.receive(Duration.ofSeconds(5));
                } catch (CanException e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            sender.send(payload);
            byte[] received = got.get(10, TimeUnit.SECONDS).orElseThrow();
            long elapsed = System.nanoTime() - start;
            if (!Arrays.equals(payload, received)) {
                throw new IllegalStateException("4095-byte message arrived changed");
            }
            if (i >= 0) {
                t[i] = elapsed;
            }
        }
        int frames = 1 + 1 + (4095 - 6 + 6) / 7;   // FF + FC + 585 CFs
        double m = mean(t);
        report("ISO-TP 4095 bytes, STmin 0, BS 0, virtual bus", t, String.format(Locale.ROOT,
                "%.2f MB/s payload, %.0f frames/s", 4095 / m * 1e9 / 1e6, frames / m * 1e9));
    }

    private static double mean(long[] t) {
        return Arrays.stream(t).average().orElse(Double.NaN);
    }

    private static void report(String name, long[] t, String derived) {
        long[] s = t.clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s |%n", name, s.length, ms(mean(s)),
                ms(s[s.length / 2]), ms(s[(int) (s.length * 0.95)]), ms(s[(int) (s.length * 0.99)]), ms(s[s.length - 1]), derived);
    }

    private static String ms(double nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }

    private static boolean socatAvailable() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, "socat"))) {
                return true;
            }
        }
        return false;
    }
}
