package io.vinbind.esim.bench;

import io.vinbind.esim.bpp.ProfilePackage;
import io.vinbind.esim.e2e.Operator;
import io.vinbind.esim.e2e.TestLpa;
import io.vinbind.esim.es10.Es10Client;
import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.ProfileInstallationResult;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.esim.smdp.InventoryProfile;
import io.vinbind.esim.smdp.SmdpConfig;
import io.vinbind.esim.smdp.SmdpSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Figures for docs/benchmarks.md (a measurement, not a test): full in-JVM downloads (ES2+ order, then ES9+
 * over HTTPS on 127.0.0.1 and ES10 over the eUICC simulator's APDU interface, install notification sent),
 * the bench profile's BPP size and APDU count, and the eUICC simulator's memory per profile.
 *
 * <p>Args: [warm-up downloads (20)] [timed downloads (100)] [profiles for the memory figure (1000)].
 */
public final class EsimBench {

    public static void main(String[] args) throws Exception {
        int warm = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int timed = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int memProfiles = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        TestPki pki = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 0);
        List<InventoryProfile> inv = new ArrayList<>();
        for (int i = 0; i < warm + timed; i++) {
            inv.add(new InventoryProfile(String.format("894900000000%07d", i), String.format("2620100%08d", i), "bench"));
        }
        String token = "bench-token-0123456789";
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ci", pki.ci());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        long[] total = new long[timed];
        long[] order = new long[timed];
        long[] card = new long[timed];
        long apdus = 0;
        long bppBytes = 0;
        int segments = 0;
        long storedBytes = 0;
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(tls).build();
        try (SmdpSimulator smdp = SmdpSimulator.start(SmdpConfig.of(pki.smdp(), inv, token))) {
            for (int i = 0; i < warm + timed; i++) {
                EuiccSimulator euicc = new EuiccSimulator(pki.issueEuicc(pki.eidNumber(i + 1)), EuiccConfig.DEFAULT, null);
                AtomicLong cardNanos = new AtomicLong();
                AtomicLong count = new AtomicLong();
                Es10Client es10 = new Es10Client(apdu -> {
                    long t0 = System.nanoTime();
                    byte[] r = euicc.transmit(apdu);
                    cardNanos.addAndGet(System.nanoTime() - t0);
                    count.incrementAndGet();
                    return r;
                });
                es10.open();
                TestLpa lpa = new TestLpa(smdp.baseUri(), smdp.smdpAddress(), http, es10);
                Operator op = new Operator(lpa, token);
                long t0 = System.nanoTime();
                String matchingId = op.order(euicc.eid(), inv.get(i).iccid(), null);
                long t1 = System.nanoTime();
                ProfileInstallationResult pir = lpa.download(matchingId, null);
                lpa.sendNotifications();
                long t2 = System.nanoTime();
                if (!pir.succeeded()) {
                    throw new IllegalStateException("download " + i + " failed: " + pir.result());
                }
                if (i >= warm) {
                    int k = i - warm;
                    order[k] = t1 - t0;
                    total[k] = t2 - t1;
                    card[k] = cardNanos.get();
                    apdus = count.get();
                    bppBytes = lpa.lastBppSize();
                    segments = lpa.lastBppSegments();
                    storedBytes = euicc.profiles().get(0).sizeBytes();
                }
            }
        }
        System.out.printf("downloads: %d timed after %d warm-up%n", timed, warm);
        print("ES2+ order (downloadOrder + confirmOrder)", order);
        print("download: ES9+ x3 + ES10 + install notification", total);
        print("  of which inside the eUICC simulator", card);
        System.out.printf("bench profile BPP: %d bytes, %d segments, %d APDUs per download (open, select, STORE DATA, GET RESPONSE)%n",
            bppBytes, segments, apdus);
        System.out.printf("profile memory accounted by the eUICC: %d bytes per profile%n", storedBytes);
        memory(pki, memProfiles);
    }

    static void memory(TestPki pki, int n) throws Exception {
        EuiccSimulator inMemory = new EuiccSimulator(pki.issueEuicc(pki.eidNumber(9998)),
            EuiccConfig.DEFAULT.withMemoryBytes(Long.MAX_VALUE / 2), null);
        int heapProfiles = n * 20;
        long before = usedHeap();
        for (int i = 0; i < heapProfiles; i++) {
            inMemory.preinstall(ProfilePackage.of(new Iccid(String.format("894902000000%07d", i)), String.format("2620300%08d", i),
                "bench"), false);
        }
        long after = usedHeap();
        System.out.printf("eUICC simulator heap: %d profiles, %.0f bytes per profile (heap after GC, %d -> %d KiB)%n",
            inMemory.profiles().size(), (after - before) / (double) heapProfiles, before / 1024, after / 1024);
        Path dir = Files.createTempDirectory("esim-bench");
        Path state = dir.resolve("euicc.json");
        EuiccSimulator euicc = new EuiccSimulator(pki.issueEuicc(pki.eidNumber(9999)), EuiccConfig.DEFAULT.withMemoryBytes(Long.MAX_VALUE / 2), state);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            euicc.preinstall(ProfilePackage.of(new Iccid(String.format("894901000000%07d", i)), String.format("2620200%08d", i),
                "bench"), false);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("eUICC state file: %d bytes for %d profiles (%.0f bytes per profile); %d preinstalls, each saved atomically, took %d ms%n",
            Files.size(state), euicc.profiles().size(), Files.size(state) / (double) n, n, ms);
        Files.deleteIfExists(state);
        Files.deleteIfExists(dir);
    }

    static long usedHeap() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    static void print(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(0) / 1e6;
        System.out.printf("%-50s mean %8.2f ms  p50 %8.2f  p95 %8.2f  max %8.2f%n", what, mean, s[s.length / 2] / 1e6,
            s[(int) Math.min(s.length - 1, Math.round(s.length * 0.95))] / 1e6, s[s.length - 1] / 1e6);
    }
}
