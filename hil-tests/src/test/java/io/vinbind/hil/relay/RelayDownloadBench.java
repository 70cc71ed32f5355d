package io.vinbind.hil.relay;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.esim.e2e.Operator;
import io.vinbind.esim.e2e.TestLpa;
import io.vinbind.esim.es10.Es10Client;
import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.bpp.ProfilePackage;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.pki.Pem;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.esim.smdp.InventoryProfile;
import io.vinbind.esim.smdp.SmdpConfig;
import io.vinbind.esim.smdp.SmdpSimulator;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.BenchServer;
import io.vinbind.hil.bench.CanTransport;
import io.vinbind.hil.bench.Identities;
import io.vinbind.hil.bench.ModemTransport;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.hil.euicc.EuiccWiring;
import io.vinbind.modem.sim.Identity;
import io.vinbind.server.provisioning.lpa.DownloadStep;
import io.vinbind.server.provisioning.lpa.Es9Client;
import io.vinbind.server.provisioning.lpa.Installed;
import io.vinbind.server.provisioning.lpa.ServerLpa;
import io.vinbind.server.provisioning.lpa.StepListener;
import io.vinbind.server.relay.EsimRelay;
import io.vinbind.server.relay.RelaySession;
import io.vinbind.terminal.machine.BindingState;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Figures of a profile download through the relay (docs/benchmarks.md): the server-side LPA ({@link ServerLpa}), MQTT
 * with mutual TLS
 * to the embedded broker, the terminal daemon, AT+CCHO/CGLA over a socat pty to the modem simulator with the eUICC
 * simulator inside. Plain {@code main}, {@code System.nanoTime()}: a fresh bench (modem, eUICC, terminal) per
 * download, one server and one SM-DP+ simulator for all; warm-up downloads discarded.
 *
 * <pre>java -cp hil-tests/target/test-classes:hil-tests/target/classes:$(cat hil-tests/target/test-classpath.txt) \
 *     io.vinbind.hil.relay.RelayDownloadBench 2 10</pre>
 */
public final class RelayDownloadBench {

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path dir = Files.createTempDirectory("relay-bench");
        TestPki pki = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 1);
        List<InventoryProfile> inventory = new ArrayList<>();
        for (int i = 0; i < 2 * (warmup + runs); i++) {
            inventory.add(new InventoryProfile(String.format("8949000000000004%03d", i), String.format("26201000004%04d", i),
                "vinbind-iot"));
        }
        String token = "es2-token-relay-download-bench";
        Identities ids = new Identities(System.nanoTime());
        double[] total = new double[runs];
        double[] direct = new double[runs];
        double[] perBlock = new double[runs];
        double[] load = new double[runs];
        long[] atOut = new long[runs];
        long[] blocks = new long[runs];
        long[] pkgBlocks = new long[runs];
        long[] batches = new long[runs];
        long[] mqttOut = new long[runs];
        long[] mqttIn = new long[runs];
        try (SmdpSimulator smdp = SmdpSimulator.start(SmdpConfig.of(pki.smdp(), inventory, token));
             BenchServer server = BenchServer.start(ServerBackend.EMBEDDED, dir.resolve("server"))) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ci", pki.ci());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            HttpClient http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
            EsimRelay relay = server.server().relay();
            Path ca = dir.resolve("rsp-ci.pem");
            Pem.writeCertificate(ca, pki.ci());
            ServerLpa lpa = new ServerLpa(new Es9Client(Map.of(smdp.smdpAddress(), smdp.baseUri()), List.of(ca)),
                Clock.systemUTC());
            for (int n = 0; n < warmup + runs; n++) {
                Identity id = ids.modem();
                EuiccSimulator euicc = new EuiccSimulator(pki.issueEuicc(pki.eidNumber(500 + n)), EuiccConfig.DEFAULT, null);
                euicc.preinstall(ProfilePackage.of(new Iccid(id.iccid().value().replace("F", "")), id.imsi().value(),
                    "bootstrap"), true);
                try (Bench bench = Bench.builder().server(server).identities(ids).seed(n).can(CanTransport.IN_JVM)
                        .modem(ModemTransport.PTY).modemIdentity(id).modemSim(c -> c.withCard(EuiccWiring.card(euicc)))
                        .workDir(dir.resolve("bench-" + n)).build()) {
                    int mark = bench.log().mark();
                    bench.ignition(PowerMode.ACC);
                    bench.log().awaitEnter(mark, BindingState.BOUND, Duration.ofSeconds(60));
                    RelaySession session = new RelaySession(relay, bench.terminalId(), "bench-" + n, Es10Client.ISD_R_AID,
                        Duration.ofSeconds(30), 2);
                    PackageTiming timing = new PackageTiming(session);
                    TestLpa forHttp = new TestLpa(smdp.baseUri(), smdp.smdpAddress(), http,
                        new Es10Client(apdu -> new byte[] {(byte) 0x90, 0}));
                    String matchingId = new Operator(forHttp, token).order(null, inventory.get(n).iccid(), null);
                    int linesBefore = bench.modem().receivedCommands().size();
                    long out0 = relay.publishedBytes();
                    long in0 = relay.resultBytes();
                    long t0 = System.nanoTime();
                    Installed installed = lpa.download(session, 120, smdp.smdpAddress(), matchingId, timing);
                    long t = System.nanoTime() - t0;
                    if (!installed.iccid().digits().equals(inventory.get(n).iccid())) {
                        throw new IllegalStateException("download " + n + " installed " + installed.iccid());
                    }
                    // the reference, right after in the same conditions: the same download without the relay (esim's
                    // test LPA, ES10 straight into a fresh eUICC simulator's APDU interface, ES9+ over the same HTTPS)
                    EuiccSimulator ref = new EuiccSimulator(pki.issueEuicc(pki.eidNumber(900 + n)), EuiccConfig.DEFAULT,
                        null);
                    Es10Client refEs10 = new Es10Client(ref::transmit, 120);
                    refEs10.open();
                    String refMatchingId = new Operator(forHttp, token).order(null,
                        inventory.get(warmup + runs + n).iccid(), null);
                    long r0 = System.nanoTime();
                    if (!new TestLpa(smdp.baseUri(), smdp.smdpAddress(), http, refEs10).download(refMatchingId, null)
                            .succeeded()) {
                        throw new IllegalStateException("reference download " + n + " failed");
                    }
                    long tRef = System.nanoTime() - r0;
                    List<String> lines = bench.modem().receivedCommands();
                    if (lines.size() >= 1000) {
                        throw new IllegalStateException("the modem's command log is full: the AT count would be short");
                    }
                    if (n < warmup) {
                        continue;
                    }
                    int i = n - warmup;
                    total[i] = t / 1e6;
                    direct[i] = tRef / 1e6;
                    load[i] = timing.packageNanos / 1e6;
                    pkgBlocks[i] = timing.packageApdus;
                    perBlock[i] = timing.packageNanos / 1e3 / timing.packageApdus;
                    blocks[i] = session.apdus();
                    batches[i] = session.batches();
                    atOut[i] = lines.subList(linesBefore, lines.size()).stream().mapToLong(c -> c.length() + 1).sum();
                    mqttOut[i] = relay.publishedBytes() - out0;
                    mqttIn[i] = relay.resultBytes() - in0;
                }
            }
        }
        System.out.printf("relay download, %d timed after %d warm-up, fresh bench each%n", runs, warmup);
        print("total download (ms)", total);
        print("reference: same download, no relay (ms)", direct);
        double[] ratio = new double[runs];
        for (int i = 0; i < runs; i++) {
            ratio[i] = total[i] / direct[i];
        }
        print("ratio relay / reference", ratio);
        System.out.printf("load average at the end: %s%n", loadAverage());
        print("package load (ms)", load);
        print("per package STORE DATA block (us)", perBlock);
        System.out.printf("STORE DATA blocks per download: %s (package: %s), batches: %s%n", Arrays.toString(blocks),
            Arrays.toString(pkgBlocks), Arrays.toString(batches));
        System.out.printf("AT bytes terminal->modem per download (command lines with CR): %s%n",
            Arrays.toString(atOut));
        System.out.printf("MQTT payload bytes per download: batches %s, results %s%n", Arrays.toString(mqttOut),
            Arrays.toString(mqttIn));
        Bench.deleteTree(dir);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (java.io.IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static void print(String what, double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(0);
        System.out.printf("%-40s mean %8.2f  p50 %8.2f  min %8.2f  max %8.2f%n", what, mean, s[s.length / 2], s[0],
            s[s.length - 1]);
    }

    /** Times the package load (BPP received → installed) and counts its STORE DATA blocks. */
    private static final class PackageTiming implements StepListener {
        final RelaySession session;
        long start;
        long apdusAtStart;
        long packageNanos;
        long packageApdus;

        PackageTiming(RelaySession session) {
            this.session = session;
        }

        @Override
        public void reached(DownloadStep step, String transactionId, String detail) {
            if (step == DownloadStep.BPP_RECEIVED) {
                start = System.nanoTime();
                apdusAtStart = session.apdus();
            } else if (step == DownloadStep.LOADED) {
                packageNanos = System.nanoTime() - start;
                packageApdus = session.apdus() - apdusAtStart;
            }
        }
    }
}
