package io.vinbind.esim.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.vinbind.esim.bpp.BoundProfilePackage;
import io.vinbind.esim.bpp.ProfilePackage;
import io.vinbind.esim.es10.Es10Client;
import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.euicc.StoredProfile;
import io.vinbind.esim.message.BppCommandId;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.InstallErrorReason;
import io.vinbind.esim.message.NotificationEvent;
import io.vinbind.esim.message.NotificationMetadata;
import io.vinbind.esim.message.ProfileInstallationResult;
import io.vinbind.esim.message.ProfileManagement;
import io.vinbind.esim.message.ProfileState;
import io.vinbind.esim.pki.EuiccCredentials;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.esim.smdp.InventoryProfile;
import io.vinbind.esim.smdp.SmdpConfig;
import io.vinbind.esim.smdp.SmdpFaults;
import io.vinbind.esim.smdp.SmdpSimulator;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-JVM end-to-end download: an operator orders over ES2+, a test LPA takes the profile from the
 * SM-DP+ simulator over real HTTPS on 127.0.0.1 into the eUICC simulator over its APDU interface (STORE DATA
 * framing of {@link Es10Client}), installs, enables and sends the notifications; and the refusals a real
 * eUICC or SM-DP+ gives.
 */
class DownloadIT {

    static final String TOKEN = "es2-token-for-the-tests";
    static TestPki pki;
    static SmdpSimulator smdp;
    static SSLContext tls;
    static HttpServer operatorEndpoint;
    static final List<JsonNode> progress = new CopyOnWriteArrayList<>();
    /** The Authorization header of every callback: the operator's endpoint authenticates the SM-DP+. */
    static final List<String> callbackAuthorizations = new CopyOnWriteArrayList<>();
    static final String CALLBACK_TOKEN = "operator-callback-token-1";
    static final List<InventoryProfile> inventory = new ArrayList<>();
    static final AtomicInteger nextProfile = new AtomicInteger();
    static final AtomicInteger nextEid = new AtomicInteger(10);

    @BeforeAll
    static void start() throws Exception {
        System.setProperty("sun.net.httpserver.nodelay", "true"); // before the operator endpoint, as SmdpSimulator sets it
        pki = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 1);
        for (int i = 0; i < 20; i++) {
            inventory.add(new InventoryProfile(String.format("8949000000000001%03d", i), String.format("26201000000%04d", i),
                "vinbind-iot"));
        }
        operatorEndpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        operatorEndpoint.createContext("/", ex -> {
            try (ex) {
                progress.add(TestLpa.JSON.readTree(ex.getRequestBody().readAllBytes()));
                callbackAuthorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
                ex.sendResponseHeaders(204, -1);
            }
        });
        operatorEndpoint.start();
        URI callback = URI.create("http://127.0.0.1:" + operatorEndpoint.getAddress().getPort() + "/");
        smdp = SmdpSimulator.start(SmdpConfig.of(pki.smdp(), inventory, TOKEN).withOperatorCallback(callback, CALLBACK_TOKEN)
            .withFaults(new SmdpFaults(Duration.ZERO, 0, Set.of("REFUSED-BY-FAULT"), false)));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ci", pki.ci());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
    }

    @AfterAll
    static void stop() {
        smdp.close();
        operatorEndpoint.stop(0);
    }

    record Bench(EuiccSimulator euicc, TestLpa lpa, Operator operator, InventoryProfile profile) {
    }

    static Bench bench(EuiccConfig config, Path state) throws Exception {
        EuiccCredentials id = pki.issueEuicc(pki.eidNumber(nextEid.incrementAndGet()));
        return bench(id, config, state);
    }

    static Bench bench(EuiccCredentials id, EuiccConfig config, Path state) throws Exception {
        EuiccSimulator euicc = new EuiccSimulator(id, config, state);
        Es10Client es10 = new Es10Client(euicc::transmit);
        es10.open();
        TestLpa lpa = new TestLpa(smdp.baseUri(), smdp.smdpAddress(), tls, es10);
        return new Bench(euicc, lpa, new Operator(lpa, TOKEN), inventory.get(nextProfile.getAndIncrement()));
    }

    @Test
    void profileIsOrderedDownloadedInstalledEnabledAndNotified(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("euicc.json");
        Bench b = bench(EuiccConfig.DEFAULT, state);
        String matchingId = b.operator().order(b.euicc().eid(), b.profile().iccid(), null);

        ProfileInstallationResult pir = b.lpa().download(matchingId, null);

        assertTrue(pir.succeeded(), () -> "installation failed: " + pir.result());
        assertEquals(b.profile().iccid(), pir.metadata().iccid().digits());
        assertEquals("DOWNLOADED", smdp.profileState(b.profile().iccid()));
        List<NotificationMetadata> sent = b.lpa().sendNotifications();
        assertEquals(List.of(NotificationEvent.INSTALL), sent.stream().map(NotificationMetadata::operation).toList());
        assertEquals("INSTALLED", smdp.profileState(b.profile().iccid()));
        StoredProfile stored = b.euicc().profiles().get(0);
        assertEquals(b.profile().imsi(), stored.imsi());
        assertEquals(ProfileState.DISABLED, stored.state());
        assertTrue(b.euicc().enabledImsi().isEmpty());

        assertEquals(ProfileManagement.Result.OK, b.lpa().enable(new Iccid(b.profile().iccid())));
        assertEquals(b.profile().imsi(), b.euicc().enabledImsi().orElseThrow());
        assertEquals(b.profile().iccid(), b.euicc().enabledIccid().orElseThrow());
        assertEquals(List.of(NotificationEvent.ENABLE),
            b.lpa().sendNotifications().stream().map(NotificationMetadata::operation).toList());
        assertTrue(b.euicc().pendingNotifications().isEmpty());

        // the operator heard of eligibility (1), the BPP download (3), its installation (4) and the enable (5)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pointsFor(b.profile().iccid()).size() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(1, 3, 4, 5), pointsFor(b.profile().iccid()));

        // a restart keeps the profile, its state and the enabled identity
        EuiccSimulator restarted = new EuiccSimulator(pki.euicc(b.euicc().eid()), EuiccConfig.DEFAULT, state);
        assertEquals(b.profile().imsi(), restarted.enabledImsi().orElseThrow());
        assertEquals(1, restarted.profiles().size());
    }

    @AfterAll
    static void everyCallbackCarriedTheOperatorsToken() {
        assertTrue(!callbackAuthorizations.isEmpty(), "no callback arrived");
        assertTrue(callbackAuthorizations.stream().allMatch(("Bearer " + CALLBACK_TOKEN)::equals),
            callbackAuthorizations.toString());
    }

    static List<Integer> pointsFor(String iccid) {
        return progress.stream().filter(p -> iccid.equals(p.path("iccid").asText()))
            .map(p -> p.path("notificationPointId").asInt()).sorted().toList();
    }

    @Test
    void pendingNotificationSurvivesARestartUntilSent(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("euicc.json");
        Bench b = bench(EuiccConfig.DEFAULT, state);
        assertTrue(b.lpa().download(b.operator().order(null, b.profile().iccid(), null), null).succeeded());
        EuiccSimulator restarted = new EuiccSimulator(pki.euicc(b.euicc().eid()), EuiccConfig.DEFAULT, state);
        assertEquals(1, restarted.pendingNotifications().size());
        Es10Client es10 = new Es10Client(restarted::transmit);
        es10.open();
        TestLpa lpa = new TestLpa(smdp.baseUri(), smdp.smdpAddress(), tls, es10);
        assertEquals(1, lpa.sendNotifications().size());
        assertEquals("INSTALLED", smdp.profileState(b.profile().iccid()));
    }

    @Test
    void enableNeedingRefreshSwitchesTheNetworkIdentityOnlyAfterRefresh() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT.withEnableNeedsRefresh(true), null);
        assertTrue(b.lpa().download(b.operator().order(null, b.profile().iccid(), null), null).succeeded());
        assertEquals(ProfileManagement.Result.OK, b.lpa().enable(new Iccid(b.profile().iccid())));
        assertTrue(b.euicc().refreshPending());
        assertTrue(b.euicc().enabledImsi().isEmpty());
        b.euicc().refresh();
        assertEquals(b.profile().imsi(), b.euicc().enabledImsi().orElseThrow());
    }

    @Test
    void confirmationCodeIsChecked() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT, null);
        String matchingId = b.operator().order(null, b.profile().iccid(), "4711");
        TestLpa.SmdpFailure wrong = assertThrows(TestLpa.SmdpFailure.class, () -> b.lpa().download(matchingId, "1234"));
        assertEquals("8.2.7", wrong.subjectCode);
        assertEquals("3.8", wrong.reasonCode);
        assertTrue(b.lpa().download(matchingId, "4711").succeeded());
    }

    @Test
    void profileProtectedWithReplaceSessionKeysInstalls() throws Exception {
        InventoryProfile p = new InventoryProfile("8949000000000003000", "262010000003000", "ppk");
        try (SmdpSimulator ppk = SmdpSimulator.start(SmdpConfig.of(pki.smdp(), List.of(p), TOKEN).withProfileProtectionKeys(true))) {
            EuiccSimulator euicc = new EuiccSimulator(pki.issueEuicc(pki.eidNumber(nextEid.incrementAndGet())), EuiccConfig.DEFAULT,
                null);
            Es10Client es10 = new Es10Client(euicc::transmit, 255);
            es10.open();
            TestLpa lpa = new TestLpa(ppk.baseUri(), ppk.smdpAddress(), tls, es10);
            ProfileInstallationResult pir = lpa.download(new Operator(lpa, TOKEN).order(null, p.iccid(), null), null);
            assertTrue(pir.succeeded(), () -> "installation failed: " + pir.result());
            assertEquals(1, lpa.lastBpp.secondSequenceOf87().size());
            assertEquals("262010000003000", euicc.profiles().get(0).imsi());
        }
    }

    // ---- refusals ----

    @Test
    void tamperedProfileElementSegmentEndsWithScp03tSecurityError() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT, null);
        b.lpa().tamperBpp = bpp -> {
            List<byte[]> a3 = bpp.sequenceOf86();
            a3.get(0)[10] ^= 0x01;
            return new BoundProfilePackage(bpp.initialiseSecureChannel(), bpp.firstSequenceOf87(), bpp.sequenceOf88(),
                bpp.secondSequenceOf87(), a3);
        };
        ProfileInstallationResult pir = b.lpa().download(b.operator().order(null, b.profile().iccid(), null), null);
        ProfileInstallationResult.Error e = assertInstanceOf(ProfileInstallationResult.Error.class, pir.result());
        assertEquals(BppCommandId.LOAD_PROFILE_ELEMENTS, e.bppCommandId());
        assertEquals(InstallErrorReason.SCP03T_SECURITY_ERROR, e.reason());
        assertTrue(b.euicc().profiles().isEmpty());
        b.lpa().sendNotifications(); // the failed result is a notification too; the SM-DP+ releases the profile again
        assertEquals("RELEASED", smdp.profileState(b.profile().iccid()));
    }

    @Test
    void wrongServerSignatureIsRefusedByTheEuicc() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT, null);
        b.lpa().tamperServerSignature1 = sig -> {
            sig[5] ^= 0x01;
            return sig;
        };
        TestLpa.EuiccRefusal e = assertThrows(TestLpa.EuiccRefusal.class,
            () -> b.lpa().download(b.operator().order(null, b.profile().iccid(), null), null));
        assertEquals("INVALID_SIGNATURE", e.code);
    }

    @Test
    void wrongEuiccSignatureIsRefusedByTheSmdp() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT, null);
        b.lpa().tamperAuthenticateServerResponse = resp -> {
            io.vinbind.esim.message.AuthenticateServerResponse.Ok ok = (io.vinbind.esim.message.AuthenticateServerResponse.Ok)
                io.vinbind.esim.message.AuthenticateServerResponse.decode(resp);
            byte[] sig = ok.euiccSignature1();
            sig[7] ^= 0x01;
            return new io.vinbind.esim.message.AuthenticateServerResponse.Ok(ok.euiccSigned1(), sig, ok.euiccCertificate(),
                ok.eumCertificate()).encode();
        };
        TestLpa.SmdpFailure f = assertThrows(TestLpa.SmdpFailure.class,
            () -> b.lpa().download(b.operator().order(null, b.profile().iccid(), null), null));
        assertEquals("8.1", f.subjectCode);
        assertEquals("6.1", f.reasonCode);
    }

    @Test
    void unknownTransactionIdIsRefusedByTheSmdp() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT, null);
        b.lpa().transactionIdOverride = "00112233445566778899AABBCCDDEEFF";
        TestLpa.SmdpFailure f = assertThrows(TestLpa.SmdpFailure.class,
            () -> b.lpa().download(b.operator().order(null, b.profile().iccid(), null), null));
        assertEquals("8.10.1", f.subjectCode);
        assertEquals("3.9", f.reasonCode);
    }

    @Test
    void replayedSessionIsRefusedBySmdpAndEuicc() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT, null);
        assertTrue(b.lpa().download(b.operator().order(null, b.profile().iccid(), null), null).succeeded());
        // the SM-DP+ does not deliver a second package for a finished session
        ObjectNode gb = TestLpa.JSON.createObjectNode();
        gb.put("transactionId", b.lpa().lastTransactionId);
        gb.put("prepareDownloadResponse", TestLpa.b64(b.lpa().lastPrepareDownloadResponse));
        TestLpa.SmdpFailure f = assertThrows(TestLpa.SmdpFailure.class, () -> b.lpa().es9("getBoundProfilePackage", gb));
        assertEquals("8.10.1", f.subjectCode);
        assertEquals("3.9", f.reasonCode);
        // the eUICC does not install the same package twice: its one-time key and session are gone
        ProfileInstallationResult again = b.lpa().es10.loadBoundProfilePackage(b.lpa().lastBpp);
        ProfileInstallationResult.Error e = assertInstanceOf(ProfileInstallationResult.Error.class, again.result());
        assertEquals(BppCommandId.INITIALISE_SECURE_CHANNEL, e.bppCommandId());
        assertEquals(InstallErrorReason.INVALID_TRANSACTION_ID, e.reason());
        assertEquals(1, b.euicc().profiles().size());
    }

    @Test
    void eidOutsideTheEumRangeIsRefusedByTheSmdp() throws Exception {
        EuiccCredentials rogue = pki.issueEuicc(io.vinbind.esim.pki.Eid.withCheckDigits("890440450000000000000000000042"));
        Bench b = bench(rogue, EuiccConfig.DEFAULT, null);
        TestLpa.SmdpFailure f = assertThrows(TestLpa.SmdpFailure.class,
            () -> b.lpa().download(b.operator().order(null, b.profile().iccid(), null), null));
        assertEquals("8.1.4", f.subjectCode);
        assertEquals("6.1", f.reasonCode);
    }

    @Test
    void fullMemoryEndsWithInsufficientMemory() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT.withMemoryBytes(200), null);
        ProfileInstallationResult pir = b.lpa().download(b.operator().order(null, b.profile().iccid(), null), null);
        ProfileInstallationResult.Error e = assertInstanceOf(ProfileInstallationResult.Error.class, pir.result());
        assertEquals(InstallErrorReason.INSUFFICIENT_MEMORY, e.reason());
        assertTrue(b.euicc().profiles().isEmpty());
    }

    @Test
    void iccidAlreadyOnTheEuiccEndsWithIccidAlreadyExists() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT, null);
        b.euicc().preinstall(ProfilePackage.of(new Iccid(b.profile().iccid()), "001010000000001", "factory"), true);
        ProfileInstallationResult pir = b.lpa().download(b.operator().order(null, b.profile().iccid(), null), null);
        ProfileInstallationResult.Error e = assertInstanceOf(ProfileInstallationResult.Error.class, pir.result());
        assertEquals(BppCommandId.STORE_METADATA, e.bppCommandId());
        assertEquals(InstallErrorReason.ICCID_ALREADY_EXISTS, e.reason());
        assertEquals("001010000000001", b.euicc().enabledImsi().orElseThrow());
    }

    @Test
    void interruptedSessionEndsWithInstallFailedDueToInterruption() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT.withInterruptAtSegment(5), null);
        ProfileInstallationResult pir = b.lpa().download(b.operator().order(null, b.profile().iccid(), null), null);
        ProfileInstallationResult.Error e = assertInstanceOf(ProfileInstallationResult.Error.class, pir.result());
        assertEquals(InstallErrorReason.INTERRUPTION, e.reason());
    }

    @Test
    void refusedAndUnknownMatchingIdsAreRefusedBySmdp() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT, null);
        TestLpa.SmdpFailure unknown = assertThrows(TestLpa.SmdpFailure.class, () -> b.lpa().download("NO-SUCH-ORDER", null));
        assertEquals("8.2.6", unknown.subjectCode);
        TestLpa.SmdpFailure refused = assertThrows(TestLpa.SmdpFailure.class, () -> b.lpa().download("REFUSED-BY-FAULT", null));
        assertEquals("3.8", refused.reasonCode);
    }

    @Test
    void es2WithoutTheTokenIsUnauthorised() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT, null);
        ObjectNode d = TestLpa.JSON.createObjectNode();
        d.putObject("header").put("functionRequesterIdentifier", "x").put("functionCallIdentifier", "y");
        d.put("iccid", b.profile().iccid());
        assertEquals(401, b.lpa().post("/gsma/rsp2/es2plus/downloadOrder", d, "wrong-token-wrong-token").statusCode());
        assertEquals(401, b.lpa().post("/gsma/rsp2/es2plus/downloadOrder", d, null).statusCode());
        assertEquals("AVAILABLE", smdp.profileState(b.profile().iccid()));
    }

    @Test
    void malformedEs9PayloadIsRefusedNamingTheField() throws Exception {
        Bench b = bench(EuiccConfig.DEFAULT, null);
        ObjectNode ia = TestLpa.JSON.createObjectNode();
        ia.put("euiccChallenge", "not base64!");
        ia.put("euiccInfo1", "AA==");
        ia.put("smdpAddress", smdp.smdpAddress());
        TestLpa.SmdpFailure f = assertThrows(TestLpa.SmdpFailure.class, () -> b.lpa().es9("initiateAuthentication", ia));
        assertEquals("2.1", f.reasonCode);
        ObjectNode missing = TestLpa.JSON.createObjectNode();
        missing.put("euiccChallenge", "AA==");
        TestLpa.SmdpFailure m = assertThrows(TestLpa.SmdpFailure.class, () -> b.lpa().es9("initiateAuthentication", missing));
        assertEquals("1.1", m.reasonCode);
        assertFalse(m.getMessage().isEmpty());
    }
}
