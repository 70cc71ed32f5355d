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
import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.ProfileInstallationResult;
import io.vinbind.esim.message.ProfileState;
import io.vinbind.esim.bpp.BoundProfilePackage;
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
import io.vinbind.server.relay.EsimRelay;
import io.vinbind.server.relay.RelaySession;
import io.vinbind.terminal.machine.BindingState;
import java.net.http.HttpClient;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.tinylog.Logger;

/**
 * Profiles downloaded the way a terminal without an LPA gets them: a server-side LPA (ES9+ to the SM-DP+ simulator
 * over HTTPS) relays ES10 in batches through MQTT (the embedded broker, mutual TLS) to the real terminal daemon, which
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

    private static RelaySession session(Rig rig) {
        return new RelaySession(rig.relay(), rig.bench().terminalId(), "dl-" + UUID.randomUUID().toString().substring(0, 8),
            Es10Client.ISD_R_AID, Duration.ofSeconds(8), 4);
    }

    private static RelayLpa lpa(Rig rig) {
        return new RelayLpa(smdp.baseUri(), smdp.smdpAddress(), http, new RelayEs10(session(rig), 120));
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

    @Test
    void a_profile_downloads_through_mqtt_the_terminal_daemon_and_at_and_a_redelivered_batch_is_not_run_again(
            Servers servers) throws Exception {
        try (Rig rig = rig(servers, EuiccConfig.DEFAULT, UnaryOperator.identity())) {
            InventoryProfile p = inventory.get(nextProfile.getAndIncrement());
            RelayLpa lpa = lpa(rig);
            List<String> before = rig.bench().modem().receivedCommands();
            long t0 = System.nanoTime();
            ProfileInstallationResult pir = lpa.download(order(p));
            long total = System.nanoTime() - t0;
            assertTrue(pir.succeeded(), () -> "installation failed: " + pir.result());
            List<String> after = rig.bench().modem().receivedCommands();
            assertEquals(1, lpa.sendNotifications().size(), "the install notification went to the SM-DP+");
            Map<String, ProfileState> profiles = lpa.profiles(ChannelHandling.KEEP);
            assertEquals(ProfileState.DISABLED, profiles.get(p.iccid()), profiles.toString());
            assertEquals(ProfileState.ENABLED, profiles.get(rig.bench().modemIdentity().iccid().value().replace("F", "")));

            // the broker redelivers a batch that already ran (its id is what the terminal keys on): the stored
            // responses, nothing to the card
            RelaySession s = lpa.es10.session;
            EsimBatch replay = new EsimBatch(2, s.id() + ".0", s.terminalId(), s.id(), 0,
                "A0000005591010FFFFFFFF8900000100", ChannelHandling.KEEP, io.vinbind.protocol.StopRule.ERROR_STATUS, 8000,
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
            Logger.info("FIGURES relay download: total {} ms (ES9+ {} ms); {} batches published ({} bytes), result "
                    + "payloads {} bytes; {} STORE DATA blocks, of them {} of the package in {} batches taking {} ms = {} us "
                    + "per block; AT terminal->modem {} bytes in {} command lines{}", total / 1_000_000,
                lpa.es9Nanos / 1_000_000, rig.relay().publishedBatches(), rig.relay().publishedBytes(),
                rig.relay().resultBytes(), lpa.es10.storeDataBlocks, lpa.es10.bppBlocks, lpa.es10.bppBatches,
                lpa.es10.bppNanos / 1_000_000, lpa.es10.bppBlocks == 0 ? 0 : lpa.es10.bppNanos / 1000 / lpa.es10.bppBlocks,
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
            RelayLpa lpa = lpa(rig);
            assertTrue(lpa.download(order(p)).succeeded());
            assertEquals(1, lpa.sendNotifications().size());

            // EnableProfile (refresh flag set) as the session's last batch: the terminal closes the channel,
            // refreshes the card and reads the new IMSI; the binding follows it
            int mark = bench.log().mark();
            byte[] answer = lpa.es10.send(new io.vinbind.esim.message.ProfileManagement.SwitchRequest(
                io.vinbind.esim.message.ProfileManagement.Operation.ENABLE, new Iccid(p.iccid()), true).encode(),
                ChannelHandling.CLOSE_AND_REFRESH);
            assertEquals(io.vinbind.esim.message.ProfileManagement.Result.OK,
                io.vinbind.esim.message.ProfileManagement.ResultResponse.decode(answer, 49).result());
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
            RelayLpa lpa = lpa(rig);
            assertTrue(lpa.download(order(p)).succeeded());
            assertTrue(rig.bench().modem().receivedCommands().stream().anyMatch(c -> c.startsWith("AT+CSIM")));
            assertFalse(rig.bench().modem().receivedCommands().stream().anyMatch(c -> c.startsWith("AT+CGLA")));
            assertEquals(ProfileState.DISABLED, lpa.profiles(ChannelHandling.CLOSE).get(p.iccid()));
        }
    }

    @Test
    void a_card_that_is_not_an_euicc_gets_a_typed_refusal(Servers servers) throws Exception {
        try (Rig rig = rig(servers, EuiccConfig.DEFAULT, f -> f.withRefusedAids(Set.of(EuiccWiring.ISD_R)))) {
            RelayLpa lpa = lpa(rig);
            RelayEs10.RelayFailure e = assertThrows(RelayEs10.RelayFailure.class, () -> lpa.profiles(ChannelHandling.KEEP));
            assertEquals(BatchOutcome.REFUSED, e.result.outcome());
            assertEquals(RelayReason.NOT_AN_EUICC, e.result.reason());
            assertTrue(e.result.detail().contains("CME ERROR: 13"), e.result.detail());
        }
    }

    @Test
    void a_modem_error_in_the_middle_of_the_package_fails_that_batch_for_good(Servers servers) throws Exception {
        try (Rig rig = rig(servers, EuiccConfig.DEFAULT, UnaryOperator.identity())) {
            InventoryProfile p = inventory.get(nextProfile.getAndIncrement());
            RelayLpa lpa = lpa(rig);
            BoundProfilePackage bpp = lpa.prepare(order(p));
            // the 5th APDU of the package is answered with a plain ERROR, as some firmware does mid-download
            rig.bench().modem().setFaults(Faults.NONE.withUicc(UiccFaults.NONE.withApduErrorAt(5)));
            RelayEs10.RelayFailure e = assertThrows(RelayEs10.RelayFailure.class, () -> lpa.es10.load(bpp));
            assertEquals(BatchOutcome.FAILED, e.result.outcome());
            assertEquals(RelayReason.MODEM_ERROR, e.result.reason());
            assertEquals(4, e.result.responses().size(), "the responses before the ERROR");
            assertTrue(e.result.detail().contains("may have reached the card"), e.result.detail());
            rig.bench().modem().setFaults(Faults.NONE);
            // stored as FAILED: sent again (a server retry, a redelivery) it gets the same answer and reaches nothing
            EsimBatch failed = lpa.es10.session.lastBatch();
            assertEquals(failed.requestId(), e.result.requestId());
            long cgla = cglaCount(rig.bench());
            assertEquals(e.result, rig.relay().send(failed, Duration.ofSeconds(8), 2));
            assertEquals(cgla, cglaCount(rig.bench()));
            // the card is consistent: the profile is not there, the bootstrap is still enabled
            RelayLpa fresh = lpa(rig);
            Map<String, ProfileState> profiles = fresh.profiles(ChannelHandling.CLOSE);
            assertFalse(profiles.containsKey(p.iccid()), profiles.toString());
        }
    }

    @Test
    void power_off_in_the_middle_stops_the_batch_and_the_server_downloads_again_after_the_next_ignition(Servers servers)
            throws Exception {
        try (Rig rig = rig(servers, EuiccConfig.DEFAULT, f -> f.withApduDelay(Duration.ofMillis(40)))) {
            InventoryProfile p = inventory.get(nextProfile.getAndIncrement());
            RelayLpa lpa = lpa(rig);
            BoundProfilePackage bpp = lpa.prepare(order(p));
            long cgla = cglaCount(rig.bench());
            CompletableFuture<Object> load = CompletableFuture.supplyAsync(() -> {
                try {
                    return lpa.es10.load(bpp);
                } catch (Exception e) {
                    return e;
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (cglaCount(rig.bench()) < cgla + 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            int off = rig.bench().log().mark();
            rig.bench().ignition(PowerMode.OFF);
            Object outcome = load.get(30, TimeUnit.SECONDS);
            RelayEs10.RelayFailure e = (RelayEs10.RelayFailure) outcome;
            assertEquals(BatchOutcome.FAILED, e.result.outcome(), e.getMessage());
            assertEquals(RelayReason.POWER_OFF, e.result.reason());
            assertTrue(e.result.responses().size() >= 3, e.getMessage());
            rig.bench().log().awaitEnter(off, BindingState.OFF, BOUND);

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
            RelayLpa offline = new RelayLpa(smdp.baseUri(), smdp.smdpAddress(), http, new RelayEs10(new RelaySession(
                rig.relay(), rig.bench().terminalId(), "off-1", Es10Client.ISD_R_AID, Duration.ofSeconds(1), 2), 120));
            assertThrows(io.vinbind.server.relay.RelayTimeoutException.class, () -> offline.profiles(ChannelHandling.KEEP));

            // next ignition: the server resumes, sending the same batch again; the terminal is back and runs it; the
            // card is consistent (nothing half-installed, the bootstrap profile still enabled) and a new download works
            int on = rig.bench().log().mark();
            rig.bench().ignition(PowerMode.ACC);
            rig.bench().log().awaitResting(on, BOUND);
            RelayLpa resumed = new RelayLpa(smdp.baseUri(), smdp.smdpAddress(), http, new RelayEs10(new RelaySession(
                rig.relay(), rig.bench().terminalId(), "off-1", Es10Client.ISD_R_AID, Duration.ofSeconds(8), 4), 120));
            Map<String, ProfileState> profiles = resumed.profiles(ChannelHandling.KEEP);
            assertFalse(profiles.containsKey(p.iccid()), "nothing half-installed: " + profiles);
            assertEquals(ProfileState.ENABLED, profiles.get(rig.bench().modemIdentity().iccid().value().replace("F", "")));
            RelayLpa again = lpa(rig);
            InventoryProfile q = inventory.get(nextProfile.getAndIncrement());
            assertTrue(again.download(order(q)).succeeded(), "a new download works after the interrupted one");
        }
    }
}
