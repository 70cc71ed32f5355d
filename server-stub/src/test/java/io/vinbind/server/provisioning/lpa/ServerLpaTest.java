package io.vinbind.server.provisioning.lpa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.NotificationEvent;
import io.vinbind.esim.message.ProfileManagement;
import io.vinbind.esim.message.ProfileState;
import io.vinbind.esim.pki.Pem;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.esim.smdp.InventoryProfile;
import io.vinbind.esim.smdp.SmdpConfig;
import io.vinbind.esim.smdp.SmdpFaults;
import io.vinbind.esim.smdp.SmdpSimulator;
import io.vinbind.protocol.BatchOutcome;
import io.vinbind.protocol.EsimResult;
import io.vinbind.protocol.RelayReason;
import io.vinbind.server.provisioning.OperatorPlatform;
import io.vinbind.server.relay.RelayTimeoutException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server-side LPA against the real SM-DP+ simulator over HTTPS on 127.0.0.1 (test PKI, its DPtls certificate
 * checked against the test CI) and the eUICC simulator behind an in-process {@link SimulatedCard} (what the terminal
 * does with a batch): downloads, enable, notifications, refusals, cancellations, bad card answers.
 */
@Timeout(90)
class ServerLpaTest {

    static final String TOKEN = "es2-token-for-the-server-lpa-test";
    static final int BLOCK = 120;

    @TempDir
    static Path dir;
    static TestPki pki;
    static SmdpSimulator smdp;
    /** An SM-DP+ that answers HTTP 500 to everything: where a notification goes when its SM-DP+ is down. */
    static SmdpSimulator broken;
    static OperatorPlatform operator;
    static ServerLpa lpa;
    static ServerLpa lpaToBroken;
    static final List<InventoryProfile> inventory = new ArrayList<>();
    static final AtomicInteger nextProfile = new AtomicInteger();
    static final AtomicInteger nextEid = new AtomicInteger(700);

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 1);
        for (int i = 0; i < 24; i++) {
            inventory.add(new InventoryProfile(String.format("8949000000000007%03d", i), String.format("26201000007%04d", i),
                "vinbind-iot"));
        }
        smdp = SmdpSimulator.start(SmdpConfig.of(pki.smdp(), inventory, TOKEN));
        broken = SmdpSimulator.start(SmdpConfig.of(pki.smdp(), List.of(), TOKEN)
            .withFaults(new SmdpFaults(Duration.ZERO, 1_000_000, Set.of(), false)));
        Path ca = dir.resolve("rsp-ci.pem");
        Pem.writeCertificate(ca, pki.ci());
        operator = new OperatorPlatform(new OperatorPlatform.Spec("smdp-sim", smdp.baseUri(), TOKEN, Optional.of(ca)),
            "vinbind-lpa-test");
        lpa = new ServerLpa(new Es9Client(Map.of(smdp.smdpAddress(), smdp.baseUri()), List.of(ca)), Clock.systemUTC());
        lpaToBroken = new ServerLpa(new Es9Client(Map.of(smdp.smdpAddress(), broken.baseUri()), List.of(ca)),
            Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        if (smdp != null) {
            smdp.close();
        }
        if (broken != null) {
            broken.close();
        }
    }

    record Card(EuiccSimulator euicc, SimulatedCard link) {
    }

    static Card card() {
        String eid = pki.eidNumber(nextEid.incrementAndGet());
        EuiccSimulator euicc = new EuiccSimulator(pki.issueEuicc(eid), EuiccConfig.DEFAULT, null);
        return new Card(euicc, new SimulatedCard(euicc, "TBOX-LPA-" + eid.substring(24)));
    }

    /** An ES2+ order for the card's EID, confirmed and released: the matchingId. */
    static String order(InventoryProfile p, Card c) throws Exception {
        operator.downloadOrder(c.euicc().eid(), Optional.of(p.iccid()), Optional.empty());
        return operator.confirmOrder(p.iccid(), c.euicc().eid(), Optional.empty()).matchingId();
    }

    static InventoryProfile profile() {
        return inventory.get(nextProfile.getAndIncrement());
    }

    /** Records the steps a download reports. */
    static final class Steps implements StepListener {
        final List<DownloadStep> steps = new ArrayList<>();
        final List<String> transactionIds = new ArrayList<>();

        @Override
        public void reached(DownloadStep step, String transactionId, String detail) {
            steps.add(step);
            transactionIds.add(transactionId);
        }
    }

    @Test
    void a_download_installs_enables_and_its_notifications_leave_the_card_only_once_the_smdp_took_them()
            throws Exception {
        Card c = card();
        CardReport before = lpa.inspect(c.link(), BLOCK);
        assertEquals(c.euicc().eid(), before.eid());
        assertTrue(before.profiles().isEmpty(), before.toString());
        assertTrue(before.freeNonVolatileMemory().orElse(0) > 100_000, before.toString());

        InventoryProfile p = profile();
        Steps steps = new Steps();
        Installed installed = lpa.download(c.link(), BLOCK, smdp.smdpAddress(), order(p, c), steps);
        assertEquals(new Iccid(p.iccid()), installed.iccid());
        assertEquals(List.of(DownloadStep.values()), steps.steps);
        assertTrue(steps.transactionIds.stream().allMatch(installed.transactionId()::equals), steps.transactionIds::toString);
        assertTrue(installed.segments() >= 6 && installed.bytes() > 300, installed.toString());
        assertEquals("DOWNLOADED", smdp.profileState(p.iccid()), "installed, but the SM-DP+ has no notification yet");

        // the SM-DP+ the notification goes to answers 500: it stays on the card
        NotificationsDelivered failed = lpaToBroken.deliverNotifications(c.link(), BLOCK);
        assertTrue(failed.delivered().isEmpty(), failed.toString());
        assertEquals(1, failed.left().size(), failed.toString());
        assertTrue(failed.left().get(0).contains("HTTP 500"), failed.left().toString());
        assertEquals(1, c.euicc().pendingNotifications().size());
        assertEquals("DOWNLOADED", smdp.profileState(p.iccid()));

        NotificationsDelivered ok = lpa.deliverNotifications(c.link(), BLOCK);
        assertEquals(1, ok.delivered().size(), ok.toString());
        assertEquals(NotificationEvent.INSTALL, ok.delivered().get(0).operation());
        assertTrue(ok.left().isEmpty(), ok.toString());
        assertTrue(c.euicc().pendingNotifications().isEmpty());
        assertEquals("INSTALLED", smdp.profileState(p.iccid()));

        assertEquals(ProfileManagement.Result.OK, lpa.enable(c.link(), BLOCK, installed.iccid()));
        assertEquals(Optional.of(p.iccid()), c.euicc().enabledIccid());
        assertEquals(Optional.of(p.imsi()), c.euicc().enabledImsi());
        CardReport after = lpa.inspect(c.link(), BLOCK);
        assertEquals(ProfileState.ENABLED, after.profiles().get(0).state());
        assertTrue(after.freeNonVolatileMemory().getAsLong() < before.freeNonVolatileMemory().getAsLong());
        assertEquals(ProfileManagement.Result.PROFILE_NOT_IN_REQUIRED_STATE,
            lpa.enable(c.link(), BLOCK, installed.iccid()), "enabled already");

        NotificationsDelivered enabled = lpa.deliverNotifications(c.link(), BLOCK);
        assertEquals(List.of(NotificationEvent.ENABLE), enabled.delivered().stream().map(m -> m.operation()).toList());
        assertTrue(c.euicc().pendingNotifications().isEmpty());
    }

    @Test
    void an_unknown_matching_id_is_a_refusal_not_worth_retrying_and_the_card_session_is_cancelled() throws Exception {
        Card c = card();
        Steps steps = new Steps();
        LpaException e = assertThrows(LpaException.class,
            () -> lpa.download(c.link(), BLOCK, smdp.smdpAddress(), "NO-SUCH-ORDER-1", steps));
        assertEquals("SMDP_REFUSED:8.2.6/3.8", e.code(), e.getMessage());
        assertFalse(e.retryable());
        assertEquals("ES9+.authenticateClient", e.step());
        assertEquals(Optional.of(DownloadStep.INITIATED), e.reached());
        assertEquals(Optional.of(steps.transactionIds.get(0)), e.transactionId());
        assertNotNull(e.cancelled(), e.getMessage());
        assertTrue(e.cancelled().cardCancelled(), e.cancelled().detail());
        assertFalse(e.cancelled().smdpCancelled(), "the SM-DP+ ended it with its refusal: " + e.cancelled().detail());
        assertTrue(e.cancelled().detail().contains("transaction unknown"), e.cancelled().detail());

        // nothing is left open on the card: a real order downloads next
        InventoryProfile p = profile();
        assertEquals(new Iccid(p.iccid()), lpa.download(c.link(), BLOCK, smdp.smdpAddress(), order(p, c),
            StepListener.NONE).iccid());
    }

    /**
     * SGP.22 §3.1.2 / §3.1.3.2: an order confirmed with a code downloads only with SHA-256(SHA-256(code) ||
     * transactionId) in PrepareDownload. Without the code the LPA stops before the card signs anything and ends the
     * session; with a wrong one the SM-DP+ refuses (and counts it); the right one installs.
     */
    @Test
    void an_order_with_a_confirmation_code_downloads_with_its_hash_only() throws Exception {
        Card c = card();
        InventoryProfile p = profile();
        operator.downloadOrder(c.euicc().eid(), Optional.of(p.iccid()), Optional.empty());
        String code = "73915024";
        String mid = operator.confirmOrder(p.iccid(), c.euicc().eid(), Optional.of(code)).matchingId();

        LpaException none = assertThrows(LpaException.class,
            () -> lpa.download(c.link(), BLOCK, smdp.smdpAddress(), mid, null, null, StepListener.NONE));
        assertEquals("CONFIRMATION_CODE_REQUIRED", none.code(), none.getMessage());
        assertFalse(none.retryable());
        assertNotNull(none.cancelled(), "the session is ended: " + none.getMessage());
        assertTrue(none.cancelled().cardCancelled() && none.cancelled().smdpCancelled(), none.cancelled().detail());

        LpaException wrong = assertThrows(LpaException.class, () -> lpa.download(c.link(), BLOCK, smdp.smdpAddress(),
            mid, null, sha256("00000000"), StepListener.NONE));
        assertEquals("SMDP_REFUSED:8.2.7/3.8", wrong.code(), wrong.getMessage());
        assertTrue(c.euicc().profiles().isEmpty(), "nothing installed with a wrong code");

        Installed ok = lpa.download(c.link(), BLOCK, smdp.smdpAddress(), mid, null, sha256(code), StepListener.NONE);
        assertEquals(new Iccid(p.iccid()), ok.iccid());
        assertThrows(IllegalArgumentException.class, () -> lpa.download(c.link(), BLOCK, smdp.smdpAddress(), mid, null,
            new byte[31], StepListener.NONE), "a hash that is no SHA-256");
    }

    static byte[] sha256(String code) throws Exception {
        return java.security.MessageDigest.getInstance("SHA-256").digest(code.getBytes(
            java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void a_link_that_times_out_once_the_package_is_here_cancels_at_both_ends_and_the_order_downloads_again()
            throws Exception {
        Card c = card();
        InventoryProfile p = profile();
        String matchingId = order(p, c);
        // calls: 1 EUICCInfo1, 2 challenge, 3 AuthenticateServer, 4 PrepareDownload, 5 the first package batch
        c.link().timeoutAt = n -> n == 5;
        LpaException e = assertThrows(LpaException.class,
            () -> lpa.download(c.link(), BLOCK, smdp.smdpAddress(), matchingId, StepListener.NONE));
        assertEquals("RELAY_TIMEOUT", e.code(), e.getMessage());
        assertTrue(e.retryable());
        assertEquals(Optional.of(DownloadStep.BPP_RECEIVED), e.reached());
        assertTrue(e.cancelled().cardCancelled(), e.cancelled().detail());
        assertTrue(e.cancelled().smdpCancelled(), e.cancelled().detail());
        assertEquals("RELEASED", smdp.profileState(p.iccid()), "the SM-DP+ took the cancel: the profile is released again");

        c.link().timeoutAt = n -> false;
        Installed again = lpa.download(c.link(), BLOCK, smdp.smdpAddress(), matchingId, StepListener.NONE);
        assertEquals(new Iccid(p.iccid()), again.iccid());
        assertFalse(again.transactionId().equals(e.transactionId().orElseThrow()));
    }

    @Test
    void an_enable_whose_refresh_never_reached_the_terminal_refreshes_when_it_is_sent_again() throws Exception {
        // a card (or modem) on which the enabled profile reaches the network only with the terminal's REFRESH
        String eid = pki.eidNumber(nextEid.incrementAndGet());
        EuiccSimulator euicc = new EuiccSimulator(pki.issueEuicc(eid), EuiccConfig.DEFAULT.withEnableNeedsRefresh(true),
            null);
        Card c = new Card(euicc, new SimulatedCard(euicc, "TBOX-LPA-" + eid.substring(24)));
        InventoryProfile p = profile();
        Installed installed = lpa.download(c.link(), BLOCK, smdp.smdpAddress(), order(p, c), StepListener.NONE);
        // the EnableProfile reaches the card; the batch that reads it back and refreshes does not (a run that ended there)
        int enableCall = c.link().calls() + 1;
        c.link().timeoutAt = n -> n == enableCall + 1;
        assertThrows(RelayTimeoutException.class, () -> lpa.enable(c.link(), BLOCK, installed.iccid()));
        assertTrue(c.euicc().refreshPending(), "enabled on the card, the network still sees the old profile");
        assertNotEquals(Optional.of(p.imsi()), c.euicc().enabledImsi());

        c.link().timeoutAt = n -> false;
        assertEquals(ProfileManagement.Result.PROFILE_NOT_IN_REQUIRED_STATE,
            lpa.enable(c.link(), BLOCK, installed.iccid()), "enabled already");
        assertFalse(c.euicc().refreshPending(), "the enable sent again refreshed the card");
        assertEquals(Optional.of(p.imsi()), c.euicc().enabledImsi());
    }

    @Test
    void an_smdp_5xx_on_get_bound_profile_package_is_retryable_and_the_session_is_cancelled_at_both_ends()
            throws Exception {
        // a loopback proxy in front of the simulator that answers the next getBoundProfilePackage with HTTP 503
        java.util.concurrent.atomic.AtomicBoolean failNext = new java.util.concurrent.atomic.AtomicBoolean(true);
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ci", pki.ci());
        tmf.init(ks);
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        java.net.http.HttpClient upstream = java.net.http.HttpClient.newBuilder().sslContext(tls)
            .connectTimeout(Duration.ofSeconds(5)).build();
        com.sun.net.httpserver.HttpServer proxy = com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 8);
        proxy.createContext("/", ex -> {
            try (ex) {
                byte[] body = ex.getRequestBody().readAllBytes();
                if (ex.getRequestURI().getPath().endsWith("/getBoundProfilePackage") && failNext.getAndSet(false)) {
                    ex.sendResponseHeaders(503, -1);
                    return;
                }
                java.net.http.HttpResponse<byte[]> r = upstream.send(java.net.http.HttpRequest.newBuilder(
                        smdp.baseUri().resolve(ex.getRequestURI().getPath())).timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/json")
                    .header("X-Admin-Protocol", ex.getRequestHeaders().getFirst("X-Admin-Protocol"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                if (r.body().length > 0) {
                    ex.getResponseBody().write(r.body());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        proxy.start();
        try {
            URI via = URI.create("http://127.0.0.1:" + proxy.getAddress().getPort());
            ServerLpa throughProxy = new ServerLpa(new Es9Client(Map.of(smdp.smdpAddress(), via), List.of()),
                Clock.systemUTC());
            Card c = card();
            InventoryProfile p = profile();
            String matchingId = order(p, c);
            LpaException e = assertThrows(LpaException.class,
                () -> throughProxy.download(c.link(), BLOCK, smdp.smdpAddress(), matchingId, StepListener.NONE));
            assertEquals("SMDP_UNAVAILABLE:HTTP 503", e.code(), e.getMessage());
            assertEquals("ES9+.getBoundProfilePackage", e.step());
            assertTrue(e.retryable());
            assertEquals(Optional.of(DownloadStep.PREPARED), e.reached());
            assertTrue(e.cancelled().cardCancelled(), e.cancelled().detail());
            assertTrue(e.cancelled().smdpCancelled(), e.cancelled().detail());
            assertTrue(e.cancelled().detail().contains("TIMEOUT"), e.cancelled().detail());
            assertEquals("RELEASED", smdp.profileState(p.iccid()));
            assertEquals(new Iccid(p.iccid()), throughProxy.download(c.link(), BLOCK, smdp.smdpAddress(), matchingId,
                StepListener.NONE).iccid(), "the retry downloads");
        } finally {
            proxy.stop(0);
        }
    }

    @Test
    void a_step_that_cannot_be_persisted_ends_the_download_and_the_session_is_cancelled() throws Exception {
        Card c = card();
        InventoryProfile p = profile();
        String matchingId = order(p, c);
        StepListener failing = (step, tid, detail) -> {
            if (step == DownloadStep.PREPARED) {
                throw new IllegalStateException("database down");
            }
        };
        LpaException e = assertThrows(LpaException.class,
            () -> lpa.download(c.link(), BLOCK, smdp.smdpAddress(), matchingId, failing));
        assertEquals("LISTENER", e.code());
        assertTrue(e.retryable());
        assertEquals(Optional.of(DownloadStep.PREPARED), e.reached());
        assertTrue(e.cancelled().cardCancelled() && e.cancelled().smdpCancelled(), e.cancelled().detail());
        assertTrue(e.cancelled().detail().contains("UNDEFINED"), e.cancelled().detail());
        assertEquals(new Iccid(p.iccid()), lpa.download(c.link(), BLOCK, smdp.smdpAddress(), matchingId,
            StepListener.NONE).iccid());
    }

    @Test
    void a_transaction_left_open_by_a_crash_is_cancelled_later_and_after_a_card_reset_each_end_says_what_it_knows()
            throws Exception {
        // the server "crashed" after PrepareDownload: the link never answers again in that run
        Card c = card();
        InventoryProfile p = profile();
        String matchingId = order(p, c);
        Steps steps = new Steps();
        c.link().timeoutAt = n -> n >= 5;
        LpaException e = assertThrows(LpaException.class,
            () -> lpa.download(c.link(), BLOCK, smdp.smdpAddress(), matchingId, steps));
        assertFalse(e.cancelled().cardCancelled(), e.cancelled().detail());
        assertFalse(e.cancelled().smdpCancelled(), e.cancelled().detail());
        String tid = steps.transactionIds.get(0);

        // a later run, the card untouched: both ends cancel
        c.link().timeoutAt = n -> false;
        CancelOutcome later = lpa.cancel(c.link(), BLOCK, smdp.smdpAddress(), tid, CancelReason.TIMEOUT);
        assertTrue(later.cardCancelled(), later.detail());
        assertTrue(later.smdpCancelled(), later.detail());
        assertEquals("RELEASED", smdp.profileState(p.iccid()));
        // the same once more: both ends are already done with it, which is no error
        CancelOutcome twice = lpa.cancel(c.link(), BLOCK, smdp.smdpAddress(), tid, CancelReason.TIMEOUT);
        assertFalse(twice.cardCancelled());
        assertFalse(twice.smdpCancelled());
        assertTrue(twice.detail().contains("no session") && twice.detail().contains("transaction unknown"), twice.detail());

        // the terminal lost power after AuthenticateServer: the card was reset and forgot the session
        InventoryProfile q = profile();
        String second = order(q, c);
        Steps steps2 = new Steps();
        int base = c.link().calls();
        c.link().timeoutAt = n -> n >= base + 4; // PrepareDownload on: no answer
        assertThrows(LpaException.class, () -> lpa.download(c.link(), BLOCK, smdp.smdpAddress(), second, steps2));
        assertEquals(DownloadStep.AUTHENTICATED, steps2.steps.get(steps2.steps.size() - 1));
        c.link().reset();
        c.link().timeoutAt = n -> false;
        CancelOutcome stale = lpa.cancel(c.link(), BLOCK, smdp.smdpAddress(), steps2.transactionIds.get(0),
            CancelReason.TIMEOUT);
        assertFalse(stale.cardCancelled(), stale.detail());
        assertTrue(stale.detail().contains("no session"), stale.detail());
        assertFalse(stale.smdpCancelled(), "the SM-DP+ keeps a session the card cannot sign off: " + stale.detail());
        // the order itself was never downloaded: a new download gets it
        assertEquals(new Iccid(q.iccid()), lpa.download(c.link(), BLOCK, smdp.smdpAddress(), second,
            StepListener.NONE).iccid());
    }

    @Test
    void malformed_card_answers_are_typed_errors_naming_the_step_and_an_open_session_is_still_cancelled()
            throws Exception {
        Card c = card();
        // GetEID answered with a 5A of 3 bytes
        c.link().tamper = (n, r) -> n == 1 ? SimulatedCard.withLastResponse(r, "BF3E055A030102039000") : r;
        LpaException eid = assertThrows(LpaException.class, () -> lpa.inspect(c.link(), BLOCK));
        assertEquals("CARD_MALFORMED", eid.code());
        assertEquals("ES10c.GetEID", eid.step());
        assertTrue(eid.getMessage().contains("eidValue"), eid.getMessage());

        // the challenge with a length running past the data: before the SM-DP+ is asked, nothing to cancel
        int base = c.link().calls();
        c.link().tamper = (n, r) -> n == base + 2 ? SimulatedCard.withLastResponse(r, "BF2E1280109000") : r;
        InventoryProfile p = profile();
        String matchingId = order(p, c);
        LpaException challenge = assertThrows(LpaException.class,
            () -> lpa.download(c.link(), BLOCK, smdp.smdpAddress(), matchingId, StepListener.NONE));
        assertEquals("CARD_MALFORMED", challenge.code());
        assertEquals("ES10b.GetEUICCChallenge", challenge.step());
        assertFalse(challenge.retryable());
        assertNull(challenge.cancelled());
        assertTrue(challenge.transactionId().isEmpty());

        // PrepareDownload's answer garbled on the way: the card and the SM-DP+ still hold the session; both cancel
        int base2 = c.link().calls();
        c.link().tamper = (n, r) -> n == base2 + 4 ? SimulatedCard.withLastResponse(r, "BF2103A001FF9000") : r;
        LpaException prepare = assertThrows(LpaException.class,
            () -> lpa.download(c.link(), BLOCK, smdp.smdpAddress(), matchingId, StepListener.NONE));
        assertEquals("CARD_MALFORMED", prepare.code(), prepare.getMessage());
        assertEquals("ES10b.PrepareDownload", prepare.step());
        assertEquals(Optional.of(DownloadStep.AUTHENTICATED), prepare.reached());
        assertTrue(prepare.cancelled().cardCancelled(), prepare.cancelled().detail());
        assertTrue(prepare.cancelled().smdpCancelled(), prepare.cancelled().detail());

        // an error status word mid-request stops the batch: CARD:<SW>
        c.link().tamper = (n, r) -> {
            EsimResult bad = SimulatedCard.withLastResponse(r, "6A88");
            return new EsimResult(bad.version(), bad.requestId(), bad.terminalId(), bad.session(), bad.sequence(),
                BatchOutcome.STOPPED, RelayReason.STATUS_WORD, bad.responses(), "6A88 after 1");
        };
        LpaException sw = assertThrows(LpaException.class, () -> lpa.inspect(c.link(), BLOCK));
        assertEquals("CARD:6A88", sw.code());
        assertFalse(sw.retryable());

        // the terminal's refusals: a busy modem is worth retrying, not an eUICC is not
        c.link().tamper = (n, r) -> new EsimResult(r.version(), r.requestId(), r.terminalId(), r.session(),
            r.sequence(), BatchOutcome.REFUSED, RelayReason.POWER_OFF, List.of(), "powered off");
        LpaException off = assertThrows(LpaException.class, () -> lpa.inspect(c.link(), BLOCK));
        assertEquals("RELAY_REFUSED:POWER_OFF", off.code());
        assertTrue(off.retryable());

        c.link().tamper = (n, r) -> r;
        assertEquals(new Iccid(p.iccid()), lpa.download(c.link(), BLOCK, smdp.smdpAddress(), matchingId,
            StepListener.NONE).iccid(), "the order survived all of it");
    }

    @Test
    void bad_requests_are_refused_before_anything_is_sent() throws Exception {
        Card c = card();
        LpaException block = assertThrows(LpaException.class, () -> lpa.inspect(c.link(), 0));
        assertEquals("BAD_REQUEST", block.code());
        LpaException address = assertThrows(LpaException.class,
            () -> lpa.download(c.link(), BLOCK, "smdp.example/../x", "ABC", StepListener.NONE));
        assertEquals("BAD_REQUEST", address.code());
        LpaException matching = assertThrows(LpaException.class,
            () -> lpa.download(c.link(), BLOCK, smdp.smdpAddress(), "a b\u0007", StepListener.NONE));
        assertEquals("BAD_REQUEST", matching.code());
        assertTrue(matching.getMessage().contains("\\x07"), matching.getMessage());
        assertEquals(0, c.link().calls());
        CancelOutcome nothing = lpa.cancel(c.link(), BLOCK, smdp.smdpAddress(), "not-hex", CancelReason.UNDEFINED);
        assertFalse(nothing.cardCancelled() || nothing.smdpCancelled());
        assertEquals(0, c.link().calls());
    }

    @Test
    void es9_addresses_resolve_to_https_by_default_and_overrides_are_https_or_loopback_http() throws Exception {
        Es9Client plain = Es9Client.defaults();
        assertEquals(URI.create("https://smdp.example.com/"), plain.resolve("SMDP.example.com"));
        assertEquals(URI.create("https://smdp.example.com:8443/"), plain.resolve("smdp.example.com:8443"));
        assertThrows(IllegalArgumentException.class, () -> plain.resolve("https://smdp.example.com"));
        assertThrows(IllegalArgumentException.class, () -> plain.resolve("smdp.example.com:70000"));
        Es9Client local = new Es9Client(Map.of("smdp.vinbind.test", URI.create("http://127.0.0.1:9")), List.of());
        assertEquals(URI.create("http://127.0.0.1:9/"), local.resolve("SMDP.vinbind.test"));
        assertThrows(IllegalArgumentException.class,
            () -> new Es9Client(Map.of("smdp.vinbind.test", URI.create("http://192.0.2.1:80")), List.of()));
        // nothing listens on port 9 of loopback: unavailable, worth retrying
        ServerLpa toNowhere = new ServerLpa(local, Clock.systemUTC());
        Card c = card();
        LpaException e = assertThrows(LpaException.class,
            () -> toNowhere.download(c.link(), BLOCK, "smdp.vinbind.test", "ABC-1", StepListener.NONE));
        assertTrue(e.code().startsWith("SMDP_UNAVAILABLE"), e.code());
        assertTrue(e.retryable());
        assertNull(e.cancelled(), "no session was opened");
    }
}
