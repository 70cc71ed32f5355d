package io.vinbind.hil.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.esim.e2e.Operator;
import io.vinbind.esim.e2e.TestLpa;
import io.vinbind.esim.es10.Es10Client;
import io.vinbind.esim.message.ProfileInfo;
import io.vinbind.esim.message.ProfileManagement;
import io.vinbind.esim.pki.Pem;
import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.ProfileState;
import io.vinbind.esim.bpp.ProfilePackage;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.esim.smdp.InventoryProfile;
import io.vinbind.esim.smdp.SmdpConfig;
import io.vinbind.esim.smdp.SmdpSimulator;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.CanTransport;
import io.vinbind.hil.bench.Identities;
import io.vinbind.hil.bench.ModemTransport;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.hil.euicc.EuiccWiring;
import io.vinbind.hil.scenario.Servers;
import io.vinbind.modem.sim.Faults;
import io.vinbind.modem.sim.Identity;
import io.vinbind.modem.sim.UiccFaults;
import io.vinbind.protocol.BatchOutcome;
import io.vinbind.protocol.ChannelHandling;
import io.vinbind.protocol.EsimBatch;
import io.vinbind.protocol.EsimResult;
import io.vinbind.protocol.RelayReason;
import io.vinbind.protocol.StopRule;
import io.vinbind.server.provisioning.lpa.CancelOutcome;
import io.vinbind.server.provisioning.lpa.CancelReason;
import io.vinbind.server.provisioning.lpa.CardReport;
import io.vinbind.server.provisioning.lpa.DownloadStep;
import io.vinbind.server.provisioning.lpa.Es9Client;
import io.vinbind.server.provisioning.lpa.Installed;
import io.vinbind.server.provisioning.lpa.LpaException;
import io.vinbind.server.provisioning.lpa.NotificationsDelivered;
import io.vinbind.server.provisioning.lpa.ServerLpa;
import io.vinbind.server.provisioning.lpa.StepListener;
import io.vinbind.server.relay.CardLink;
import io.vinbind.server.relay.EsimRelay;
import io.vinbind.server.relay.RelaySession;
import io.vinbind.server.relay.RelayTimeoutException;
import io.vinbind.terminal.machine.BindingState;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.tinylog.Logger;

/**
 * Profiles downloaded the way a terminal without an LPA gets them: the server-side LPA ({@link ServerLpa}: ES9+ to the
 * SM-DP+ simulator over HTTPS) relays ES10 in batches through MQTT (the embedded broker, mutual TLS) to the real terminal daemon, which
 * runs them over AT on a socat pty to the modem simulator with the eUICC simulator inside. The terminal holds its
 * binding on a bootstrap profile and keeps its session while powered.
 */
@ExtendWith(Servers.class)
class EsimRelayIT {

    static final String TOKEN = "es2-token-esim-relay-through-terminal";
    static final long SEED = Long.getLong("vinbind.hil.seed", System.currentTimeMillis());
    static final Identities IDS = new Identities(SEED);
    static final Duration BOUND = Duration.ofSeconds(40);
    static TestPki pki;
    static SmdpSimulator smdp;
    static HttpClient http;
    static ServerLpa lpa;
    static final List<InventoryProfile> inventory = new ArrayList<>();
    static final AtomicInteger nextProfile = new AtomicInteger();
    static final AtomicInteger nextEid = new AtomicInteger(300);

    @BeforeAll
    static void smdp() throws Exception {
        pki = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 1);
        for (int i = 0; i < 16; i++) {
            inventory.add(new InventoryProfile(String.format("8949000000000003%03d", i), String.format("26201000003%04d", i),
                "vinbind-iot"));
        }
        smdp = SmdpSimulator.start(SmdpConfig.of(pki.smdp(), inventory, TOKEN));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ci", pki.ci());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        Path ca = Files.createTempFile("esim-relay-ci", ".pem");
        Pem.writeCertificate(ca, pki.ci());
        lpa = new ServerLpa(new Es9Client(Map.of(smdp.smdpAddress(), smdp.baseUri()), List.of(ca)), Clock.systemUTC());
        Files.delete(ca);
    }

    @AfterAll
    static void stopSmdp() {
        if (smdp != null) {
            smdp.close();
        }
    }

    /** The bench and what the test needs of it. */
    record Rig(Bench bench, EuiccSimulator euicc, EsimRelay relay) implements AutoCloseable {
        @Override
        public void close() {
            bench.close();
        }
    }

    /** A bench whose modem holds an eUICC with a bootstrap profile (the registered IMSI); the terminal bound on ACC. */
    private Rig rig(Servers servers, EuiccConfig config, UnaryOperator<UiccFaults> faults) throws Exception {
        assumeTrue(ModemTransport.PTY.unavailableReason() == null, ModemTransport.PTY.unavailableReason());
        assumeTrue(ServerBackend.EMBEDDED.unavailableReason() == null, ServerBackend.EMBEDDED.unavailableReason());
        Identity id = IDS.modem();
        EuiccSimulator euicc = new EuiccSimulator(pki.issueEuicc(pki.eidNumber(nextEid.incrementAndGet())), config, null);
        euicc.preinstall(ProfilePackage.of(new Iccid(id.iccid().value().replace("F", "")), id.imsi().value(), "bootstrap"),
            true);
        Bench bench = Bench.builder().server(servers.get(ServerBackend.EMBEDDED)).identities(IDS).seed(SEED)
            .can(CanTransport.IN_JVM).modem(ModemTransport.PTY).modemIdentity(id)
            .modemSim(c -> c.withCard(EuiccWiring.card(euicc)).withFaults(Faults.NONE.withUicc(faults.apply(UiccFaults.NONE))))
            .build();
        try {
            int mark = bench.log().mark();
            bench.ignition(PowerMode.ACC);
            bench.log().awaitEnter(mark, BindingState.BOUND, BOUND);
            return new Rig(bench, euicc, bench.server().server().relay());
        } catch (RuntimeException e) {
            bench.close();
            throw e;
        }
    }

    private static Recorded session(Rig rig) {
        return session(rig, "dl-" + UUID.randomUUID().toString().substring(0, 8), Duration.ofSeconds(8), 4);
    }

    private static Recorded session(Rig rig, String id, Duration perTry, int attempts) {
        return new Recorded(new RelaySession(rig.relay(), rig.bench().terminalId(), id, Es10Client.ISD_R_AID, perTry,
            attempts));
    }

    /** The relay session, with every batch and its result kept for the test to look at. */
    static final class Recorded implements CardLink {
        final RelaySession session;
        final List<EsimBatch> batches = new ArrayList<>();
        final List<EsimResult> results = new ArrayList<>();

        Recorded(RelaySession session) {
            this.session = session;
        }

        @Override
        public String terminalId() {
            return session.terminalId();
        }

        @Override
        public EsimResult run(List<byte[]> commands, StopRule stopOn, ChannelHandling channel)
                throws RelayTimeoutException, InterruptedException {
            EsimResult r = session.run(commands, stopOn, channel);
            batches.add(session.lastBatch());
            results.add(r);
            return r;
        }
    }

    /** Times each step and counts the APDUs the package took. */
    static final class Timing implements StepListener {
        final RelaySession session;
        final Map<DownloadStep, Long> at = new java.util.EnumMap<>(DownloadStep.class);
        final List<String> transactionIds = new ArrayList<>();
        long apdusAtPackage;
        long packageApdus;
        Runnable onPackage = () -> { };

        Timing(RelaySession session) {
            this.session = session;
        }

        @Override
        public void reached(DownloadStep step, String transactionId, String detail) {
            at.put(step, System.nanoTime());
            transactionIds.add(transactionId);
            if (step == DownloadStep.BPP_RECEIVED) {
                apdusAtPackage = session.apdus();
                onPackage.run();
            } else if (step == DownloadStep.LOADED) {
                packageApdus = session.apdus() - apdusAtPackage;
            }
        }

        long packageNanos() {
            return at.get(DownloadStep.LOADED) - at.get(DownloadStep.BPP_RECEIVED);
        }
    }

    private static Map<String, ProfileState> profiles(CardReport r) {
        return r.profiles().stream().collect(Collectors.toMap(p -> p.iccid().digits(), ProfileInfo::state));
    }

    private static String order(InventoryProfile p) throws Exception {
        TestLpa forHttp = new TestLpa(smdp.baseUri(), smdp.smdpAddress(), http, new Es10Client(apdu -> new byte[] {(byte) 0x90, 0}));
        return new Operator(forHttp, TOKEN).order(null, p.iccid(), null);
    }

    private static long cglaCount(Bench bench) {
        return bench.modem().receivedCommands().stream().filter(c -> c.startsWith("AT+CGLA") || c.startsWith("AT+CSIM")).count();
    }

    /** Identity in (issue 14): the daemon's login read the eUICC's EID through the modem; the server kept it. */
    @Test
    void the_login_reports_the_euiccs_eid_and_the_server_keeps_it(Servers servers) throws Exception {
        try (Rig rig = rig(servers, EuiccConfig.DEFAULT, UnaryOperator.identity())) {
            io.vinbind.server.BindingServer server = rig.bench().server().server();
            String viewer = server.tokens().create("it-viewer-" + UUID.randomUUID().toString().substring(0, 8),
                io.vinbind.server.auth.Role.VIEWER, "test").token();
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(server.httpBaseUri().resolve("/terminals/"
                    + rig.bench().terminalId() + "/identity")).header("Authorization", "Bearer " + viewer)
                    .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            com.fasterxml.jackson.databind.JsonNode id = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
            assertEquals(rig.euicc().eid(), id.get("eid").asText(), r.body());
            assertEquals("EG25", id.get("modemModel").asText(), r.body());
            assertEquals("vinbind-terminal", id.get("terminalModel").asText(), r.body());
            assertEquals(false, id.get("eidConflict").asBoolean(), r.body());
        }
    }

    private static String bootstrap(Rig rig) {
        return rig.bench().modemIdentity().iccid().value().replace("F", "");
    }

    @Test
    void a_profile_downloads_through_mqtt_the_terminal_daemon_and_at_and_a_redelivered_batch_is_not_run_again(
            Servers servers) throws Exception {
        try (Rig rig = rig(servers, EuiccConfig.DEFAULT, UnaryOperator.identity())) {
            InventoryProfile p = inventory.get(nextProfile.getAndIncrement());
            Recorded card = session(rig);
            Timing timing = new Timing(card.session);
            List<String> before = rig.bench().modem().receivedCommands();
            long t0 = System.nanoTime();
            Installed installed = lpa.download(card, 120, smdp.smdpAddress(), order(p), timing);
            long total = System.nanoTime() - t0;
            assertEquals(new Iccid(p.iccid()), installed.iccid());
            List<String> after = rig.bench().modem().receivedCommands();
            NotificationsDelivered sent = lpa.deliverNotifications(card, 120);
            assertEquals(1, sent.delivered().size(), "the install notification went to the SM-DP+: " + sent);
            assertEquals("INSTALLED", smdp.profileState(p.iccid()));
            CardReport report = lpa.inspect(card, 120);
            assertEquals(rig.euicc().eid(), report.eid());
            Map<String, ProfileState> profiles = profiles(report);
            assertEquals(ProfileState.DISABLED, profiles.get(p.iccid()), profiles.toString());
            assertEquals(ProfileState.ENABLED, profiles.get(bootstrap(rig)));

            // the broker redelivers a batch that already ran (its id is what the terminal keys on): the stored
            // responses, nothing to the card
            RelaySession s = card.session;
            EsimBatch replay = new EsimBatch(2, s.id() + ".0", s.terminalId(), s.id(), 0,
                "A0000005591010FFFFFFFF8900000100", ChannelHandling.KEEP, StopRule.ERROR_STATUS, 8000,
                List.of("81E2910003BF2000"));
            long cgla = cglaCount(rig.bench());
            EsimResult again = rig.relay().send(replay, Duration.ofSeconds(8), 3);
            assertEquals(BatchOutcome.COMPLETED, again.outcome());
            assertTrue(again.responses().get(0).startsWith("BF20"), "the EUICCInfo1 stored at the start: " + again);
            assertEquals(cgla, cglaCount(rig.bench()), "not sent to the card again");

            // figures (docs/benchmarks.md): measured here, never asserted
            boolean truncated = after.size() >= 1000;
            List<String> fresh = after.subList(truncated ? 0 : Math.min(before.size(), after.size()), after.size());
            long atOut = fresh.stream().mapToLong(c -> c.length() + 1).sum();
            Logger.info("FIGURES relay download: total {} ms (LPA's own {} ms); {} batches published ({} bytes), result "
                    + "payloads {} bytes; package {} bytes in {} segments: {} STORE DATA blocks taking {} ms = {} us per "
                    + "block; AT terminal->modem {} bytes in {} command lines{}", total / 1_000_000,
                installed.took().toMillis(), rig.relay().publishedBatches(), rig.relay().publishedBytes(),
                rig.relay().resultBytes(), installed.bytes(), installed.segments(), timing.packageApdus,
                timing.packageNanos() / 1_000_000, timing.packageApdus == 0 ? 0
                    : timing.packageNanos() / 1000 / timing.packageApdus,
                atOut, fresh.size(), truncated ? " (command log truncated to its last 1000)" : "");
        }
    }

    @Test
    void an_enabled_profile_moves_the_binding_to_its_imsi_as_the_profile_switch_the_server_ordered(Servers servers)
            throws Exception {
        try (Rig rig = rig(servers, EuiccConfig.DEFAULT.withEnableNeedsRefresh(true), UnaryOperator.identity())) {
            Bench bench = rig.bench();
            String oldImsi = bench.modemIdentity().imsi().value();
            InventoryProfile p = inventory.get(nextProfile.getAndIncrement());
            // the server orders the switch before the download: the profile's IMSI is registered for this terminal
            bench.server().server().profileSwitches().order(bench.terminalId(), p.imsi(), p.iccid(), "relay-test-lpa");
            Recorded card = session(rig);
            Installed installed = lpa.download(card, 120, smdp.smdpAddress(), order(p), StepListener.NONE);
            assertEquals(1, lpa.deliverNotifications(card, 120).delivered().size());

            // EnableProfile (refresh flag set) as the session's last batch: the terminal closes the channel,
            // refreshes the card and reads the new IMSI; the binding follows it
            int mark = bench.log().mark();
            assertEquals(ProfileManagement.Result.OK, lpa.enable(card, 120, installed.iccid()));
            assertEquals(ChannelHandling.CLOSE_AND_REFRESH, card.batches.get(card.batches.size() - 1).channel());
            io.vinbind.hil.bench.TransitionLog.Bound bound = bench.log().awaitBindAck(mark, BOUND);
            assertEquals(p.imsi(), bound.identity().imsi());
            assertEquals(io.vinbind.protocol.BindOutcome.REBOUND, bound.outcome());
            bench.log().awaitEnter(mark, BindingState.BOUND, BOUND);

            assertEquals(p.imsi(), bench.api().bindingOfVin(bench.vin()).orElseThrow().imsi());
            assertTrue(bench.api().bindingOfImsi(oldImsi).isEmpty());
            List<io.vinbind.hil.bench.ServerApi.HistoryRow> rows = bench.api().historyOfImsi(p.imsi());
            assertTrue(rows.stream().noneMatch(r -> r.event().equals("MODEM_REPLACED")), rows.toString());
            List<io.vinbind.hil.bench.ServerApi.HistoryRow> switched = rows.stream()
                .filter(r -> r.event().equals("PROFILE_SWITCHED")).toList();
            assertEquals(2, switched.size(), "at the login and when the binding followed: " + rows);
            assertEquals(java.util.Optional.of(oldImsi), switched.get(switched.size() - 1).previousImsi());
            assertTrue(rows.stream().anyMatch(r -> r.event().equals("REBOUND")
                && r.reason().orElse("").equals("PROFILE_SWITCHED")), rows.toString());
            assertEquals(p.imsi(), bench.persistedState().lastBound().orElseThrow().imsi());
            assertFalse(bench.persistedState().flagSet());
        }
    }

    @Test
    void a_modem_with_csim_only_relays_the_whole_download(Servers servers) throws Exception {
        try (Rig rig = rig(servers, EuiccConfig.DEFAULT, f -> f.withNoLogicalChannels(true).withSilentTestCommands(true))) {
            InventoryProfile p = inventory.get(nextProfile.getAndIncrement());
            Recorded card = session(rig);
            assertEquals(new Iccid(p.iccid()), lpa.download(card, 120, smdp.smdpAddress(), order(p),
                StepListener.NONE).iccid());
            assertTrue(rig.bench().modem().receivedCommands().stream().anyMatch(c -> c.startsWith("AT+CSIM")));
            assertFalse(rig.bench().modem().receivedCommands().stream().anyMatch(c -> c.startsWith("AT+CGLA")));
            assertEquals(ProfileState.DISABLED, profiles(lpa.inspect(card, 120)).get(p.iccid()));
        }
    }

    @Test
    void a_card_that_is_not_an_euicc_gets_a_typed_refusal(Servers servers) throws Exception {
        try (Rig rig = rig(servers, EuiccConfig.DEFAULT, f -> f.withRefusedAids(Set.of(EuiccWiring.ISD_R)))) {
            Recorded card = session(rig);
            LpaException e = assertThrows(LpaException.class, () -> lpa.inspect(card, 120));
            assertEquals("NOT_AN_EUICC", e.code(), e.getMessage());
            assertFalse(e.retryable());
            assertEquals(BatchOutcome.REFUSED, card.results.get(0).outcome());
            assertEquals(RelayReason.NOT_AN_EUICC, card.results.get(0).reason());
            assertTrue(e.getMessage().contains("CME ERROR: 13"), e.getMessage());
        }
    }

    @Test
    void a_modem_error_in_the_middle_of_the_package_fails_that_batch_for_good_and_the_session_is_cancelled(
            Servers servers) throws Exception {
        try (Rig rig = rig(servers, EuiccConfig.DEFAULT, UnaryOperator.identity())) {
            InventoryProfile p = inventory.get(nextProfile.getAndIncrement());
            String matchingId = order(p);
            Recorded card = session(rig);
            Timing timing = new Timing(card.session);
            // the 5th APDU of the package is answered with a plain ERROR, as some firmware does mid-download
            timing.onPackage = () -> rig.bench().modem().setFaults(Faults.NONE.withUicc(UiccFaults.NONE.withApduErrorAt(5)));
            LpaException e = assertThrows(LpaException.class,
                () -> lpa.download(card, 120, smdp.smdpAddress(), matchingId, timing));
            rig.bench().modem().setFaults(Faults.NONE);
            assertEquals("RELAY_FAILED:MODEM_ERROR", e.code(), e.getMessage());
            assertTrue(e.retryable());
            assertEquals(Optional.of(DownloadStep.BPP_RECEIVED), e.reached());
            assertTrue(e.getMessage().contains("may have reached the card"), e.getMessage());
            // the eUICC and the SM-DP+ both ended the session: the order is released again
            assertTrue(e.cancelled().cardCancelled(), e.cancelled().detail());
            assertTrue(e.cancelled().detail().contains("LOAD_BPP_EXECUTION_ERROR"), e.cancelled().detail());
            assertTrue(e.cancelled().smdpCancelled(), e.cancelled().detail());
            assertEquals("RELEASED", smdp.profileState(p.iccid()));

            // stored as FAILED: sent again (a server retry, a redelivery) it gets the same answer and reaches nothing
            int i = 0;
            while (card.results.get(i).outcome() != BatchOutcome.FAILED) {
                i++;
            }
            EsimResult failed = card.results.get(i);
            assertEquals(4, failed.responses().size(), "the responses before the ERROR");
            long cgla = cglaCount(rig.bench());
            assertEquals(failed, rig.relay().send(card.batches.get(i), Duration.ofSeconds(8), 2));
            assertEquals(cgla, cglaCount(rig.bench()));
            // the card is consistent: the profile is not there, the bootstrap is still enabled; the order downloads
            Recorded fresh = session(rig);
            Map<String, ProfileState> profiles = profiles(lpa.inspect(fresh, 120));
            assertFalse(profiles.containsKey(p.iccid()), profiles.toString());
            assertEquals(ProfileState.ENABLED, profiles.get(bootstrap(rig)));
            assertEquals(new Iccid(p.iccid()), lpa.download(fresh, 120, smdp.smdpAddress(), matchingId,
                StepListener.NONE).iccid());
        }
    }

    @Test
    void power_off_in_the_middle_stops_the_batch_and_the_server_downloads_again_after_the_next_ignition(Servers servers)
            throws Exception {
        try (Rig rig = rig(servers, EuiccConfig.DEFAULT, f -> f.withApduDelay(Duration.ofMillis(40)))) {
            InventoryProfile p = inventory.get(nextProfile.getAndIncrement());
            String matchingId = order(p);
            Recorded card = session(rig, "dl-off", Duration.ofSeconds(4), 2);
            Timing timing = new Timing(card.session);
            CompletableFuture<Void> off = new CompletableFuture<>();
            timing.onPackage = () -> {
                long cgla = cglaCount(rig.bench());
                Thread t = new Thread(() -> {
                    try {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                        while (cglaCount(rig.bench()) < cgla + 3 && System.nanoTime() < deadline) {
                            Thread.sleep(10);
                        }
                        rig.bench().ignition(PowerMode.OFF);
                        off.complete(null);
                    } catch (Exception ex) {
                        off.completeExceptionally(ex);
                    }
                }, "power-off");
                t.setDaemon(true);
                t.start();
            };
            int mark = rig.bench().log().mark();
            LpaException e = assertThrows(LpaException.class,
                () -> lpa.download(card, 120, smdp.smdpAddress(), matchingId, timing));
            off.get(30, TimeUnit.SECONDS);
            assertEquals("RELAY_FAILED:POWER_OFF", e.code(), e.getMessage());
            assertTrue(e.retryable());
            assertTrue(card.results.stream().anyMatch(r -> r.outcome() == BatchOutcome.FAILED
                && r.reason() == RelayReason.POWER_OFF && r.responses().size() >= 3), card.results::toString);
            // the terminal may still run the cancel batch on its way OFF, or not: either is a proper outcome
            boolean cancelledOnTheWay = e.cancelled().cardCancelled();
            if (cancelledOnTheWay) {
                assertTrue(e.cancelled().smdpCancelled(), e.cancelled().detail());
                assertEquals("RELEASED", smdp.profileState(p.iccid()));
            } else {
                assertFalse(e.cancelled().smdpCancelled(), e.cancelled().detail());
            }
            Logger.info("power OFF mid-package: cancel on the way OFF: {}", e.cancelled().detail());
            String tid = e.transactionId().orElseThrow();
            rig.bench().log().awaitEnter(mark, BindingState.OFF, BOUND);

            // while OFF the terminal has no session: a batch gets no answer and the server says so. The session ends
            // after the terminal's last (POWER_OFF) heartbeat: wait until the server has it, and a moment for the
            // DISCONNECT that follows it (a batch in that moment is refused POWER_OFF, which is right too)
            long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            String presence = "/presence/terminals/" + rig.bench().terminalId();
            while (!rig.bench().api().get(presence).body().contains("\"online\" : false") && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            assertTrue(rig.bench().api().get(presence).body().contains("\"online\" : false"),
                () -> "the server never saw the terminal go offline: " + rig.bench().api().get(presence).body());
            Thread.sleep(500);
            Recorded offline = session(rig, "off-1", Duration.ofSeconds(1), 2);
            assertThrows(RelayTimeoutException.class, () -> lpa.inspect(offline, 120));

            // next ignition: the server resumes, sending the same batch again; the terminal is back and runs it; the
            // card is consistent (nothing half-installed, the bootstrap profile still enabled)
            int on = rig.bench().log().mark();
            rig.bench().ignition(PowerMode.ACC);
            rig.bench().log().awaitResting(on, BOUND);
            Recorded resumed = session(rig, "off-1", Duration.ofSeconds(8), 4);
            Map<String, ProfileState> profiles = profiles(lpa.inspect(resumed, 120));
            assertFalse(profiles.containsKey(p.iccid()), "nothing half-installed: " + profiles);
            assertEquals(ProfileState.ENABLED, profiles.get(bootstrap(rig)));
            // the transaction left open is cancelled now (the card kept its session: the terminal went OFF, the
            // modem and card did not lose power), or was already (on the way OFF), or the card forgot it (reset);
            // the interrupted installation is a pending notification either way, and the order downloads again
            CancelOutcome stale = lpa.cancel(resumed, 120, smdp.smdpAddress(), tid, CancelReason.TIMEOUT);
            Logger.info("power OFF mid-package: cancel after the next ignition: {}", stale.detail());
            if (cancelledOnTheWay) {
                assertFalse(stale.cardCancelled(), stale.detail());
                assertTrue(stale.detail().contains("no session"), stale.detail());
            } else {
                assertTrue(stale.cardCancelled() ? stale.smdpCancelled() : stale.detail().contains("no session"),
                    stale.detail());
            }
            NotificationsDelivered sent = lpa.deliverNotifications(resumed, 120);
            assertEquals(1, sent.delivered().size(), sent.toString());
            assertEquals("RELEASED", smdp.profileState(p.iccid()));
            assertEquals(new Iccid(p.iccid()), lpa.download(session(rig), 120, smdp.smdpAddress(), matchingId,
                StepListener.NONE).iccid(), "a new download works after the interrupted one");
        }
    }
}
