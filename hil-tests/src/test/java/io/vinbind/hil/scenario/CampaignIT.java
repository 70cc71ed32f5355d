package io.vinbind.hil.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.esim.bpp.ProfilePackage;
import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.pki.Eid;
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
import io.vinbind.hil.bench.ServerApi;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.hil.euicc.EuiccWiring;
import io.vinbind.modem.sim.Faults;
import io.vinbind.modem.sim.Identity;
import io.vinbind.modem.sim.UiccFaults;
import io.vinbind.server.BindingServer;
import io.vinbind.server.auth.Role;
import io.vinbind.server.provisioning.OperatorOrders;
import io.vinbind.server.provisioning.OperatorPlatform;
import io.vinbind.server.provisioning.Provisioner;
import io.vinbind.server.provisioning.ProvisioningJobs.Job;
import io.vinbind.server.provisioning.ProvisioningJobs.State;
import io.vinbind.server.provisioning.ProvisioningJobs.Step;
import io.vinbind.terminal.machine.BindingState;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tinylog.Logger;

/**
 * A provisioning campaign over a fleet on the bench (issue 14 part 11): real terminal daemons (in-JVM CAN and AT
 * links, one over the pty modem), each modem simulator holding an eUICC simulator with a bootstrap profile, the
 * server's provisioning engine driving every download through the MQTT relay to the SM-DP+ simulator over HTTPS. The
 * campaign has a rate limit; one terminal is powered OFF in the middle of its download and completes after its next
 * ignition; one eUICC is refused by the SM-DP+ (a certificate whose EID lies outside its EUM's range,
 * EID_OUT_OF_RANGE at authenticateClient) and fails without a retry; the server is killed mid-campaign and started
 * again on the same database and broker. At the end every eligible terminal is DONE with its profile enabled on its
 * card, its binding on the new IMSI, no notification left on any card, one order per EID, no session open at the
 * SM-DP+. The second variant runs it on a private Mosquitto + PostgreSQL with a second server instance beside the
 * first (same broker group and database, serving logins and binds, and running an engine too: both engines drive the
 * campaign's jobs, and the rate limit holds across them).
 */
class CampaignIT {

    static final String TOKEN = "es2-token-for-the-campaign-scenario";
    static final String PLATFORM = "smdp-sim";
    static final String TYPE = "vinbind-iot";
    static final ObjectMapper JSON = new ObjectMapper();
    static final long SEED = Long.getLong("vinbind.hil.seed", System.currentTimeMillis());
    /** Terminals in the campaign, the refused one included. */
    static final int TERMINALS = Integer.getInteger("vinbind.campaign.terminals", 50);
    /** The campaign's rate limit (jobs started per minute). */
    static final int RATE = Integer.getInteger("vinbind.campaign.rate", 40);
    static final Duration BIND_BOUND = Duration.ofSeconds(90);
    static final Duration CAMPAIGN_BOUND = Duration.ofSeconds(240);

    record Vehicle(Bench bench, EuiccSimulator euicc, boolean eligible) {
    }

    @Test
    @Timeout(480)
    void a_campaign_on_the_embedded_server() throws Exception {
        run(ServerBackend.EMBEDDED, false);
    }

    @Test
    @Timeout(480)
    void the_same_campaign_on_mosquitto_and_postgresql_with_a_second_server_instance_beside_it() throws Exception {
        String why = ServerBackend.MOSQUITTO_POSTGRES.unavailableReason();
        assumeTrue(why == null, why);
        run(ServerBackend.MOSQUITTO_POSTGRES, true);
    }

    private void run(ServerBackend backend, boolean twoInstances) throws Exception {
        assumeTrue(ModemTransport.PTY.unavailableReason() == null, ModemTransport.PTY.unavailableReason());
        long wall0 = System.nanoTime();
        Identities ids = new Identities(SEED ^ backend.ordinal());
        TestPki pki = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 0);
        List<InventoryProfile> inventory = new ArrayList<>();
        int salt = (int) (Math.abs(SEED) % 9000) + 1000;
        for (int i = 0; i < TERMINALS + BASELINE + 4; i++) {
            inventory.add(new InventoryProfile(String.format("894900000%04d%06d", salt, i),
                String.format("26201%04d%06d", salt, i), TYPE));
        }
        Path dir = Files.createTempDirectory("vinbind-campaign-");
        Path ca = dir.resolve("rsp-ci.pem");
        Pem.writeCertificate(ca, pki.ci());
        List<Vehicle> fleet = new ArrayList<>();
        BindingServer peer = null;
        try (SmdpSimulator smdp = SmdpSimulator.start(SmdpConfig.of(pki.smdp(), inventory, TOKEN))) {
            List<OperatorPlatform.Spec> platforms = List.of(new OperatorPlatform.Spec(PLATFORM, smdp.baseUri(), TOKEN,
                Optional.of(ca), Optional.of(smdp.smdpAddress())));
            BenchServer server = BenchServer.start(backend, dir.resolve("server"), platforms);
            try {
                engine(server.server());
                if (twoInstances) {
                    // the second instance shares the broker's request group and the database, serves logins and
                    // binds (alone while the first is down) and runs an engine of its own: the two share the jobs
                    // through their leases and the campaign's limits through its row
                    peer = server.startPeer("vinbind-hil-bench-2", dir.resolve("server-2"));
                    engine(peer);
                }
                String provisioning = server.server().tokens().create("campaign-it", Role.PROVISIONING, "test").token();
                StringBuilder csv = new StringBuilder("iccid,imsi,profileType\n");
                inventory.forEach(p -> csv.append(p.iccid()).append(',').append(p.imsi()).append(',')
                    .append(p.profileType()).append('\n'));
                JsonNode imported = call(server, provisioning, "POST", "/operator/platforms/" + PLATFORM + "/profiles",
                    csv.toString(), 200);
                assertEquals(inventory.size(), imported.get("added").asInt());

                // the fleet: terminal 0 over the pty modem (and the one powered OFF mid-download: its card is slow),
                // terminal 1 with the eUICC the SM-DP+ refuses, the others in-JVM
                long t0 = System.nanoTime();
                fleet.addAll(fleet(server, pki, ids));
                long fleetMs = (System.nanoTime() - t0) / 1_000_000;
                Logger.info("campaign scenario ({}): {} terminals bound in {} ms", backend, fleet.size(), fleetMs);
                Vehicle slow = fleet.get(0);
                Vehicle refused = fleet.get(1);

                StringBuilder list = new StringBuilder();
                fleet.forEach(v -> list.append(list.length() == 0 ? "" : ",").append('"')
                    .append(v.bench().terminalId()).append('"'));
                long cpu0 = processCpu();
                Instant started = Instant.now();
                JsonNode created = call(server, provisioning, "POST", "/provisioning/campaigns", "{\"name\":\"fleet-"
                    + backend.ordinal() + "\",\"requirement\":{\"platform\":\"" + PLATFORM + "\",\"profileType\":\""
                    + TYPE + "\",\"enablePolicy\":\"ENABLE\"},\"terminals\":[" + list + "],\"ratePerMinute\":" + RATE
                    + ",\"maxConcurrent\":8,\"abortFailurePercent\":50,\"abortMinFinished\":10}", 201);
                long cid = created.get("id").asLong();
                assertEquals(fleet.size(), created.get("terminals").asInt(), created.toString());

                // power OFF in the middle of the slow terminal's download
                Job slowJob = awaitJob(server, cid, slow, j -> j.transactionId().isPresent(), "a download began",
                    Duration.ofSeconds(60));
                long steps0 = server.server().provisioning().jobs().steps(slowJob.id()).size();
                waitUntil(() -> stepsOf(server, slowJob.id()).size() > steps0 || closed(server, slowJob.id()),
                    Duration.ofSeconds(10));
                int off = slow.bench().log().mark();
                slow.bench().ignition(PowerMode.OFF);
                slow.bench().log().awaitEnter(off, BindingState.OFF, BIND_BOUND);
                Logger.info("campaign scenario: {} powered OFF at job {} {}", slow.bench().terminalId(), slowJob.id(),
                    stepsOf(server, slowJob.id()));

                // the server dies mid-campaign and comes back on the same database and broker
                waitUntil(() -> count(server, cid, State.DONE) >= Math.min(10, fleet.size() / 4), CAMPAIGN_BOUND);
                int doneAtKill = count(server, cid, State.DONE);
                Duration cpuBeforeKill = server.server().provisioner().map(Provisioner::workerCpu).orElse(Duration.ZERO);
                long stepsBeforeKill = server.server().provisioner().map(Provisioner::steps).orElse(0L);
                server.kill();
                // the SM-DP+ simulator's clock is this JVM's; a session the killed instance began is older than this
                long killedAt = System.currentTimeMillis();
                Thread.sleep(500);
                server.start();
                engine(server.server());
                Logger.info("campaign scenario: server killed with {} terminals DONE and started again", doneAtKill);

                // the slow terminal's next ignition, once the others are on their way
                waitUntil(() -> count(server, cid, State.DONE) >= fleet.size() / 2, CAMPAIGN_BOUND);
                assertFalse(server.server().provisioning().jobs().find(slowJob.id()).orElseThrow().state().closed(),
                    "the powered-OFF terminal's job waits for it");
                int on = slow.bench().log().mark();
                slow.bench().ignition(PowerMode.ACC);
                slow.bench().log().awaitResting(on, BIND_BOUND);

                int eligible = (int) fleet.stream().filter(Vehicle::eligible).count();
                waitUntil(() -> count(server, cid, State.DONE) + count(server, cid, State.FAILED) >= fleet.size(),
                    CAMPAIGN_BOUND);
                Instant finished = Instant.now();
                long cpu = processCpu() - cpu0;

                // every eligible terminal on its profile, bound on its new IMSI
                List<Job> jobs = server.server().provisioning().jobs().ofCampaign(cid, 1000);
                Map<String, Job> byTerminal = jobs.stream().collect(Collectors.toMap(Job::terminalId, j -> j,
                    (a, b) -> a.id() > b.id() ? a : b));
                ServerApi api = server.api();
                for (Vehicle v : fleet) {
                    Job j = byTerminal.get(v.bench().terminalId());
                    if (!v.eligible()) {
                        continue;
                    }
                    assertEquals(State.DONE, j.state(), () -> j.view() + " " + stepsOf(server, j.id()));
                    String iccid = j.iccid().orElseThrow();
                    String imsi = j.imsi().orElseThrow();
                    assertEquals(Optional.of(iccid), v.euicc().enabledIccid().map(s -> s.replace("F", "")),
                        v.bench().terminalId());
                    assertEquals(List.of(), v.euicc().pendingNotifications(), "no notification left on "
                        + v.bench().terminalId());
                    assertEquals("INSTALLED", smdp.profileState(iccid), "the SM-DP+ heard the install of " + iccid);
                    assertEquals(imsi, api.bindingOfVin(v.bench().vin()).orElseThrow().imsi(), v.bench().terminalId());
                    List<ServerApi.HistoryRow> rows = api.historyOfImsi(imsi);
                    assertTrue(rows.stream().anyMatch(r -> r.event().equals("PROFILE_SWITCHED")), rows.toString());
                    assertTrue(rows.stream().anyMatch(r -> r.event().equals("REBOUND")), rows.toString());
                    assertEquals(imsi, v.bench().persistedState().lastBound().orElseThrow().imsi());
                }
                // the refused one: FAILED with the SM-DP+'s refusal, never retried, its order cancelled
                Job r = byTerminal.get(refused.bench().terminalId());
                assertEquals(State.FAILED, r.state(), r.view().toString());
                assertTrue(r.lastError().orElse("").contains("SMDP_REFUSED"), r.view().toString());
                List<String> rSteps = stepsOf(server, r.id());
                assertFalse(rSteps.contains("RETRY/FAILED"), "not retried: " + rSteps);
                assertEquals(List.of(), refused.euicc().pendingNotifications());

                // nothing ordered twice, no session left open
                Map<String, Long> orders = server.server().provisioning().orders().list(10_000).stream()
                    .collect(Collectors.groupingBy(OperatorOrders.Order::eid, Collectors.counting()));
                for (Vehicle v : fleet) {
                    assertEquals(1L, orders.getOrDefault(v.euicc().eid(), 0L), "one order for " + v.euicc().eid());
                }
                // no session an eUICC joined is left open. One the server began (InitiateAuthentication) as it was
                // killed, before its AuthenticateServer reached the card, cannot be cancelled (the card has no session
                // to sign a cancellation for) and expires at the SM-DP+, as a real one's does: at most one per job in
                // flight at the kill (maxConcurrent 8)
                List<SmdpSimulator.OpenSession> open = smdp.openSessionList();
                Logger.info("campaign scenario: RSP sessions left open at the SM-DP+: {} (server killed at {})", open,
                    killedAt);
                assertTrue(open.stream().allMatch(o -> o.stage().equals("INITIATED") && o.createdMillis() <= killedAt)
                    && open.size() <= 8, () -> "RSP sessions left open at the SM-DP+ (killed at " + killedAt + "): "
                    + open);
                Job s = byTerminal.get(slow.bench().terminalId());
                List<String> slowSteps = stepsOf(server, s.id());
                assertTrue(slowSteps.stream().anyMatch(x -> x.startsWith("CANCEL_STALE") || x.startsWith("CANCELLED_SESSION")),
                    "the interrupted download's session was ended: " + slowSteps);

                // the rate limit held: no minute saw more than RATE first attempts
                List<Instant> starts = jobs.stream().flatMap(j -> j.startedAt().stream()).sorted().toList();
                for (int i = 0; i + RATE < starts.size(); i++) {
                    assertTrue(Duration.between(starts.get(i), starts.get(i + RATE)).compareTo(Duration.ofSeconds(59)) >= 0,
                        "more than " + RATE + " starts within a minute from " + starts.get(i));
                }

                // figures (docs/benchmarks.md): logged, never asserted; the SM-DP+ simulator's own rate measured
                // after the campaign, on the same server and simulator
                long bcpu0 = processCpu();
                double own = smdpOwnRate(server.server(), pki, ca, smdp);
                long bcpu = processCpu() - bcpu0;
                Instant first = starts.get(0);
                Instant last = jobs.stream().filter(j -> j.state() == State.DONE).flatMap(j -> j.finishedAt().stream())
                    .max(Instant::compareTo).orElse(finished);
                double minutes = Duration.between(first, last).toMillis() / 60_000.0;
                Duration workerCpu = cpuBeforeKill.plus(server.server().provisioner().map(Provisioner::workerCpu)
                    .orElse(Duration.ZERO));
                long stepsTaken = stepsBeforeKill + server.server().provisioner().map(Provisioner::steps).orElse(0L);
                if (peer != null) {
                    workerCpu = workerCpu.plus(peer.provisioner().map(Provisioner::workerCpu).orElse(Duration.ZERO));
                    stepsTaken += peer.provisioner().map(Provisioner::steps).orElse(0L);
                }
                Map<String, Long> perInstance = new HashMap<>();
                for (Job j : jobs) {
                    for (Step st : server.server().provisioning().jobs().steps(j.id())) {
                        perInstance.merge(st.instance(), 1L, Long::sum);
                    }
                }
                if (peer != null) {
                    // while the first instance was down only the second one's engine ran
                    assertTrue(perInstance.getOrDefault(peer.instanceId(), 0L) > 0, "the second engine drove jobs too: "
                        + perInstance);
                }
                Logger.info("FIGURES campaign ({}{}): {} terminals ({} eligible, {} DONE), rate limit {}/min, max 8 at "
                        + "once: first start to last DONE {} s = {} terminals/min; campaign {} s from creation; engine "
                        + "worker CPU (all engines, before and after the kill) {} ms over {} steps = {} ms per provisioning; process CPU (terminals, simulators and "
                        + "server in one JVM) {} ms = {} ms per terminal; steps per instance {}; fleet bound in {} ms; "
                        + "SM-DP+ simulator's own rate (ES2+ order, ServerLpa download, enable, notifications; in-process "
                        + "cards, {} back to back) {} per minute, process CPU {} ms each; load average {}",
                    backend, twoInstances ? ", two instances" : "", fleet.size(), eligible, count(server, cid, State.DONE),
                    RATE, String.format("%.1f", minutes * 60), String.format("%.1f", eligible / minutes),
                    Duration.between(started, finished).toSeconds(), workerCpu.toMillis(), stepsTaken,
                    workerCpu.toMillis() / Math.max(1, eligible), cpu / 1_000_000,
                    cpu / 1_000_000 / fleet.size(), perInstance, fleetMs, BASELINE, String.format("%.1f", own),
                    bcpu / 1_000_000 / BASELINE,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            } finally {
                closeFleet(fleet);
                if (peer != null) {
                    peer.close();
                }
                server.close();
            }
        } finally {
            Bench.deleteTree(dir);
            Logger.info("campaign scenario ({}) took {} s", backend, (System.nanoTime() - wall0) / 1_000_000_000);
        }
    }

    /** Downloads the SM-DP+ simulator serves back to back with no relay, terminal or MQTT in the way. */
    static final int BASELINE = 10;

    /**
     * The SM-DP+ simulator's own rate: {@link #BASELINE} eUICC simulators behind in-process cards, one after another,
     * each the whole provisioning without the engine and the relay: ES2+ order (the server's OperatorOrders), the
     * download by ServerLpa (ES10 on the card, ES9+ over HTTPS), the enable and the notifications delivered.
     *
     * @return downloads per minute
     */
    static double smdpOwnRate(BindingServer server, TestPki pki, Path ca, SmdpSimulator smdp) throws Exception {
        io.vinbind.server.provisioning.lpa.ServerLpa lpa = new io.vinbind.server.provisioning.lpa.ServerLpa(
            new io.vinbind.server.provisioning.lpa.Es9Client(Map.of(smdp.smdpAddress(), smdp.baseUri()), List.of(ca)),
            java.time.Clock.systemUTC());
        long t0 = System.nanoTime();
        for (int i = 0; i < BASELINE; i++) {
            EuiccSimulator euicc = new EuiccSimulator(pki.issueEuicc(pki.eidNumber(5000 + i)), EuiccConfig.DEFAULT, null);
            InProcessCard card = new InProcessCard(euicc, "TBOX-BASELINE-" + i);
            OperatorOrders.Order o = server.provisioning().orders().place(PLATFORM, euicc.eid(), TYPE, "baseline");
            io.vinbind.server.provisioning.lpa.Installed done = lpa.download(card, 120, o.smdpAddress().orElseThrow(),
                o.matchingId().orElseThrow(), io.vinbind.server.provisioning.lpa.StepListener.NONE);
            lpa.enable(card, 120, done.iccid());
            lpa.deliverNotifications(card, 120);
        }
        double minutes = (System.nanoTime() - t0) / 60e9;
        return BASELINE / minutes;
    }

    /** A card in this JVM, reached as the relay would reach it (the channel opened once, kept until told). */
    static final class InProcessCard implements io.vinbind.server.relay.CardLink {
        private final EuiccSimulator euicc;
        private final String terminalId;
        private int channel = -1;
        private int n;

        InProcessCard(EuiccSimulator euicc, String terminalId) {
            this.euicc = euicc;
            this.terminalId = terminalId;
        }

        @Override
        public String terminalId() {
            return terminalId;
        }

        @Override
        public synchronized io.vinbind.protocol.EsimResult run(List<byte[]> commands, io.vinbind.protocol.StopRule stopOn,
                                                               io.vinbind.protocol.ChannelHandling handling) {
            n++;
            if (channel < 0) {
                byte[] open = euicc.transmit(new byte[] {0x00, 0x70, 0x00, 0x00, 0x01});
                channel = open[0] & 0xFF;
                byte[] aid = io.vinbind.esim.es10.Es10Client.ISD_R_AID;
                byte[] select = new byte[5 + aid.length];
                select[0] = (byte) channel;
                select[1] = (byte) 0xA4;
                select[2] = 0x04;
                select[4] = (byte) aid.length;
                System.arraycopy(aid, 0, select, 5, aid.length);
                euicc.transmit(select);
            }
            List<String> responses = new ArrayList<>();
            io.vinbind.protocol.BatchOutcome outcome = io.vinbind.protocol.BatchOutcome.COMPLETED;
            io.vinbind.protocol.RelayReason reason = io.vinbind.protocol.RelayReason.NONE;
            for (int i = 0; i < commands.size(); i++) {
                byte[] apdu = commands.get(i).clone();
                apdu[0] = (byte) io.vinbind.esim.es10.StoreData.cla(channel);
                byte[] r = euicc.transmit(apdu);
                java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
                while ((io.vinbind.esim.es10.StoreData.statusWord(r) & 0xFF00) == io.vinbind.esim.es10.StatusWord.MORE_DATA) {
                    data.write(r, 0, r.length - 2);
                    r = euicc.transmit(io.vinbind.esim.es10.StoreData.getResponse(channel,
                        io.vinbind.esim.es10.StoreData.statusWord(r) & 0xFF));
                }
                data.write(r, 0, r.length);
                byte[] response = data.toByteArray();
                responses.add(java.util.HexFormat.of().withUpperCase().formatHex(response));
                int sw1 = response[response.length - 2] & 0xFF;
                if (sw1 != 0x90 && sw1 != 0x91 && i < commands.size() - 1) {
                    outcome = io.vinbind.protocol.BatchOutcome.STOPPED;
                    reason = io.vinbind.protocol.RelayReason.STATUS_WORD;
                    break;
                }
                if (stopOn == io.vinbind.protocol.StopRule.ERROR_STATUS_OR_INSTALLATION_RESULT && i < commands.size() - 1
                    && response.length > 3 && (response[0] & 0xFF) == 0xBF && (response[1] & 0xFF) == 0x37) {
                    outcome = io.vinbind.protocol.BatchOutcome.STOPPED;
                    reason = io.vinbind.protocol.RelayReason.INSTALLATION_RESULT;
                    break;
                }
            }
            if (handling != io.vinbind.protocol.ChannelHandling.KEEP) {
                euicc.transmit(new byte[] {0x00, 0x70, (byte) 0x80, (byte) channel, 0x00});
                channel = -1;
                if (handling == io.vinbind.protocol.ChannelHandling.CLOSE_AND_REFRESH
                    && outcome == io.vinbind.protocol.BatchOutcome.COMPLETED) {
                    euicc.refresh();
                }
            }
            return new io.vinbind.protocol.EsimResult(io.vinbind.protocol.Protocol.VERSION, "inproc." + n, terminalId,
                "inproc", n - 1, outcome, reason, responses, "");
        }
    }

    /** The engine with bench timings: poll 200 ms, offline recheck 1 s, short backoff. */
    static void engine(BindingServer s) throws Exception {
        s.startProvisioning(new Provisioner.Settings(s.instanceId(), Duration.ofSeconds(15), Duration.ofMillis(200), 4,
            Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofSeconds(3), 5, Duration.ofSeconds(90), 16 * 1024,
            120));
    }

    /** Builds and binds the fleet, four benches at a time. */
    private List<Vehicle> fleet(BenchServer server, TestPki pki, Identities ids) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Vehicle>> futures = new ArrayList<>();
        List<Vehicle> built = new ArrayList<>();
        try {
            for (int i = 0; i < TERMINALS; i++) {
                int n = i;
                Identity id = ids.modem();
                // the refused eUICC: a certificate from the test EUM for an EID outside the EUM's range
                String eid = n == 1 ? Eid.withCheckDigits("890490990000000000000000" + String.format("%06d", n))
                    : pki.eidNumber(1000 + n);
                EuiccSimulator euicc = new EuiccSimulator(pki.issueEuicc(eid),
                    EuiccConfig.DEFAULT.withEnableNeedsRefresh(true), null);
                euicc.preinstall(ProfilePackage.of(new Iccid(id.iccid().value().replace("F", "")), id.imsi().value(),
                    "bootstrap"), true);
                futures.add(pool.submit(() -> {
                    Bench b = Bench.builder().server(server).identities(ids).seed(SEED + n).can(CanTransport.IN_JVM)
                        .modem(n == 0 ? ModemTransport.PTY : ModemTransport.IN_JVM).modemIdentity(id)
                        .modemSim(c -> c.withCard(EuiccWiring.card(euicc)).withFaults(n == 0
                            ? Faults.NONE.withUicc(UiccFaults.NONE.withApduDelay(Duration.ofMillis(30))) : Faults.NONE))
                        .build();
                    try {
                        int mark = b.log().mark();
                        b.ignition(PowerMode.ACC);
                        b.log().awaitEnter(mark, BindingState.BOUND, BIND_BOUND);
                        return new Vehicle(b, euicc, n != 1);
                    } catch (RuntimeException e) {
                        b.close();
                        throw e;
                    }
                }));
            }
            for (Future<Vehicle> f : futures) {
                built.add(f.get(3, TimeUnit.MINUTES));
            }
            return built;
        } catch (Exception e) {
            for (Future<Vehicle> f : futures) {
                if (f.isDone() && !f.isCancelled()) {
                    try {
                        Vehicle v = f.get();
                        if (!built.contains(v)) {
                            built.add(v);
                        }
                    } catch (Exception ignored) {
                        // that bench closed itself
                    }
                }
            }
            closeFleet(built);
            throw e;
        } finally {
            pool.shutdown();
        }
    }

    private static void closeFleet(List<Vehicle> fleet) {
        for (Vehicle v : fleet) {
            try {
                v.bench().close();
            } catch (RuntimeException e) {
                Logger.warn("closing {}: {}", v.bench().name(), e.toString());
            }
        }
        fleet.clear();
    }

    static long processCpu() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() : 0;
    }

    static int count(BenchServer server, long cid, State state) {
        try {
            return server.server().provisioning().jobs().counts(cid).getOrDefault(state, 0);
        } catch (Exception e) {
            return 0; // the server is down for its restart
        }
    }

    static boolean closed(BenchServer server, long jobId) {
        try {
            return server.server().provisioning().jobs().find(jobId).orElseThrow().state().closed();
        } catch (Exception e) {
            return false;
        }
    }

    static List<String> stepsOf(BenchServer server, long jobId) {
        try {
            return server.server().provisioning().jobs().steps(jobId).stream().map(s -> s.step() + "/" + s.outcome())
                .toList();
        } catch (Exception e) {
            return List.of(e.toString());
        }
    }

    static Job awaitJob(BenchServer server, long cid, Vehicle v, java.util.function.Predicate<Job> test, String what,
                        Duration bound) throws Exception {
        long end = System.nanoTime() + bound.toNanos();
        Job last = null;
        while (System.nanoTime() < end) {
            for (Job j : server.server().provisioning().jobs().ofCampaign(cid, 1000)) {
                if (j.terminalId().equals(v.bench().terminalId())) {
                    last = j;
                    if (test.test(j)) {
                        return j;
                    }
                }
            }
            Thread.sleep(20);
        }
        Job seen = last;
        throw new AssertionError(what + " within " + bound + ": " + (seen == null ? "no job" : seen.view()));
    }

    /** Waits for {@code done} (polled every 100 ms) up to {@code bound}; fails naming the bound. */
    static void waitUntil(BooleanSupplier done, Duration bound) throws InterruptedException {
        long end = System.nanoTime() + bound.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not reached within " + bound);
            }
            Thread.sleep(100);
        }
    }

    static JsonNode call(BenchServer server, String bearer, String method, String path, String body, int expect)
            throws Exception {
        HttpRequest r = HttpRequest.newBuilder(server.httpBaseUri().resolve(path)).timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + bearer).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        HttpResponse<String> a = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        assertEquals(expect, a.statusCode(), method + " " + path + ": " + a.body());
        return JSON.readTree(a.body());
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
}
