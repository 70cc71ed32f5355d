package io.vinbind.server.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.pki.Pem;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.esim.smdp.InventoryProfile;
import io.vinbind.esim.smdp.SmdpConfig;
import io.vinbind.esim.smdp.SmdpSimulator;
import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.UploadReason;
import io.vinbind.server.BindingServer;
import io.vinbind.server.Fixtures;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.TestTerminal;
import io.vinbind.server.auth.Role;
import io.vinbind.server.provisioning.ProvisioningJobs.Job;
import io.vinbind.server.provisioning.ProvisioningJobs.State;
import io.vinbind.server.provisioning.lpa.Es9Client;
import io.vinbind.server.provisioning.lpa.ServerLpa;
import io.vinbind.server.provisioning.lpa.SimulatedCard;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provisioning engine against the real SM-DP+ simulator over HTTPS and eUICC simulators behind in-process cards
 * (what a terminal does with a relay batch), on a real server (embedded broker, H2, its HTTP API): a job from the API
 * to the binding following the new IMSI, a terminal offline and back, an interrupted download resumed by a second
 * engine (the first one gone) without a second order, an SM-DP+ refusal, two engines on one database, and a campaign
 * with its controls.
 */
@Timeout(180)
class ProvisionerIT {

    @TempDir
    static Path dir;
    static ProvisioningRig rig;
    static BindingServer server;
    static SmdpSimulator smdp;
    static String provisioning;
    static String viewer;
    static final ObjectMapper JSON = ProvisioningRig.JSON;

    @BeforeAll
    static void start() throws Exception {
        rig = new ProvisioningRig(dir, 40, 900);
        server = rig.server;
        smdp = rig.smdp;
        provisioning = rig.provisioning;
        viewer = rig.viewer;
    }

    @AfterAll
    static void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    @AfterEach
    void closeEngines() {
        rig.stopEngines();
    }

    static ProvisioningRig.Response call(String bearer, String method, String path, String body) throws Exception {
        return rig.call(bearer, method, path, body);
    }

    static ProvisioningRig.Vehicle vehicle() throws Exception {
        return rig.vehicle();
    }

    static ProvisioningRig.Vehicle vehicle(EuiccConfig config) throws Exception {
        return rig.vehicle(config);
    }

    Provisioner engine(String instance, Duration lease) {
        return rig.engine(instance, lease);
    }

    /** What the terminal does after the enable: the card refreshed, it logs in with the new IMSI and binds again. */
    static BindAck switched(ProvisioningRig.Vehicle v, Job job) throws Exception {
        String imsi = job.imsi().orElseThrow();
        String iccid = job.iccid().orElseThrow();
        try (TestTerminal t = new TestTerminal(server.mqttUri(), v.terminalId(), imsi, iccid, v.imei(),
            Fixtures.terminalCredentials(server, v.terminalId()))) {
            assertEquals("ACCEPTED", t.login().outcome().name());
            return t.bind(BindRequest.of("bind-" + UUID.randomUUID(), v.terminalId(), imsi, iccid, v.imei(), v.vin(),
                UploadReason.PROFILE_SWITCHED));
        }
    }

    static Job await(long jobId, State state, Duration within) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        Job j = server.provisioning().jobs().find(jobId).orElseThrow();
        while (j.state() != state && System.nanoTime() < end) {
            if (j.state().closed()) {
                break;
            }
            Thread.sleep(50);
            j = server.provisioning().jobs().find(jobId).orElseThrow();
        }
        Job last = j;
        assertEquals(state, j.state(), () -> "job " + jobId + ": " + last.view() + " steps " + steps(jobId));
        return j;
    }

    static List<String> steps(long jobId) {
        try {
            return server.provisioning().jobs().steps(jobId).stream().map(s -> s.step() + "/" + s.outcome()).toList();
        } catch (Exception e) {
            return List.of(e.toString());
        }
    }

    static long orders(String eid) throws Exception {
        return server.provisioning().orders().list(1000).stream().filter(o -> o.eid().equals(eid)).count();
    }

    static long createJob(ProvisioningRig.Vehicle v, String profileType) throws Exception {
        ProvisioningRig.Response r = call(provisioning, "POST", "/provisioning/jobs", "{\"terminalId\":\"" + v.terminalId()
            + "\",\"requirement\":{\"platform\":\"smdp-sim\",\"profileType\":\"" + profileType
            + "\",\"enablePolicy\":\"ENABLE\"}}");
        assertEquals(201, r.status(), r.body().toString());
        return r.body().get("id").asLong();
    }

    @Test
    void a_job_orders_downloads_enables_notifies_and_the_binding_follows_the_new_imsi() throws Exception {
        ProvisioningRig.Vehicle v = vehicle();
        rig.online.remove(v.terminalId());
        long id = createJob(v, "vinbind-iot");
        ProvisioningRig.Response again = call(provisioning, "POST", "/provisioning/jobs", "{\"terminalId\":\"" + v.terminalId()
            + "\",\"requirement\":{\"platform\":\"smdp-sim\",\"profileType\":\"vinbind-iot\",\"enablePolicy\":\"ENABLE\"}}");
        assertEquals(409, again.status(), "one open job per terminal: " + again.body());
        engine("engine-a", Duration.ofSeconds(30));

        // offline: the job waits and says why, and nothing is ordered
        Thread.sleep(800);
        Job waiting = server.provisioning().jobs().find(id).orElseThrow();
        assertEquals(State.QUEUED, waiting.state());
        assertTrue(waiting.waitingFor().orElse("").contains("offline"), waiting.view().toString());
        assertEquals(0, waiting.failures(), "waiting for a terminal is not a failure");
        assertEquals(0, orders(v.euicc().eid()));

        rig.online.add(v.terminalId());
        Job notified = await(id, State.NOTIFIED, Duration.ofSeconds(60));
        assertEquals(Optional.of(v.euicc().eid()), notified.eid());
        assertEquals(Optional.of(v.imsi()), notified.previousImsi());
        assertEquals(1, orders(v.euicc().eid()));
        assertEquals(OperatorOrders.State.INSTALLED, server.provisioning().orders().find(notified.orderId().orElseThrow())
            .orElseThrow().state());
        assertEquals("ENABLED", smdp.profileState(notified.iccid().orElseThrow()).replace("INSTALLED", "ENABLED"),
            "the SM-DP+ heard of the install and the enable");

        BindAck ack = switched(v, notified);
        assertEquals("REBOUND", ack.outcome().name());
        Job done = await(id, State.DONE, Duration.ofSeconds(30));
        ProvisioningRig.Response binding = call(viewer, "GET", "/bindings/vin/" + v.vin(), null);
        assertEquals(done.imsi().orElseThrow(), binding.body().get("imsi").asText(), binding.body().toString());
        ProvisioningRig.Response history = call(viewer, "GET", "/history/imsi/" + done.imsi().orElseThrow(), null);
        assertTrue(history.body().toString().contains("PROFILE_SWITCHED"), history.body().toString());

        ProvisioningRig.Response view = call(viewer, "GET", "/provisioning/jobs/" + id, null);
        assertEquals(200, view.status());
        List<String> seen = new ArrayList<>();
        view.body().get("steps").forEach(s -> seen.add(s.get("step").asText()));
        for (String step : List.of("CREATED", "WAIT", "INTERACTION", "ORDER", "DL_INITIATED", "DL_LOADED", "INSTALLED",
            "ENABLE", "NOTIFY", "DONE")) {
            assertTrue(seen.contains(step), step + " recorded: " + seen);
        }
    }

    /**
     * A platform whose orders carry a confirmation code (SGP.22 §3.1.2): the server makes the code at confirmOrder,
     * keeps only its hash (never in a view), and the download sends the hashed code the SM-DP+ asked for.
     */
    @Test
    void an_order_on_a_platform_with_confirmation_codes_is_confirmed_with_one_and_downloads_with_its_hash()
            throws Exception {
        ProvisioningRig.Vehicle v = vehicle();
        ProvisioningRig.Response r = call(provisioning, "POST", "/provisioning/jobs", "{\"terminalId\":\"" + v.terminalId()
            + "\",\"requirement\":{\"platform\":\"" + ProvisioningRig.CODED_PLATFORM + "\",\"profileType\":\""
            + ProvisioningRig.CODED_TYPE + "\",\"enablePolicy\":\"DOWNLOAD_ONLY\"}}");
        assertEquals(201, r.status(), r.body().toString());
        long id = r.body().get("id").asLong();
        engine("engine-coded", Duration.ofSeconds(30));
        Job done = await(id, State.DONE, Duration.ofSeconds(60));
        long orderId = done.orderId().orElseThrow();
        byte[] hash = server.provisioning().orders().confirmationCodeHash(orderId).orElseThrow();
        assertEquals(32, hash.length, "SHA-256 of the code is kept");
        List<ProvisioningJobs.Step> steps = server.provisioning().jobs().steps(id);
        assertTrue(steps.stream().anyMatch(s -> s.step().equals("DL_AUTHENTICATED")
            && s.detail().orElse("").contains("confirmation code sent")), "the SM-DP+ asked for the code: " + steps);
        ProvisioningRig.Response order = call(viewer, "GET", "/provisioning/jobs/" + id, null);
        String hex = java.util.HexFormat.of().formatHex(hash);
        assertFalse(order.body().toString().toLowerCase(java.util.Locale.ROOT).contains(hex),
            "the code's hash is in no view");
        // an order on the plain platform carries none
        ProvisioningRig.Vehicle plain = vehicle();
        long pid = createJob(plain, "vinbind-iot");
        Job plainDone = await(pid, State.NOTIFIED, Duration.ofSeconds(60));
        assertTrue(server.provisioning().orders().confirmationCodeHash(plainDone.orderId().orElseThrow()).isEmpty());
    }

    /** An open order of another profile type for the EID is not adopted: the job fails naming it, nothing placed. */
    @Test
    void an_open_order_of_another_profile_type_is_not_adopted() throws Exception {
        ProvisioningRig.Vehicle v = vehicle();
        ProvisioningRig.Response placed = call(provisioning, "POST", "/operator/orders", "{\"platform\":\"smdp-sim\","
            + "\"eid\":\"" + v.euicc().eid() + "\",\"profileType\":\"" + ProvisioningRig.CODED_TYPE + "\"}");
        assertEquals(201, placed.status(), placed.body().toString());
        long orderId = placed.body().get("id").asLong();
        try {
            long id = createJob(v, "vinbind-iot");
            engine("engine-types", Duration.ofSeconds(30));
            Job failed = await(id, State.FAILED, Duration.ofSeconds(30));
            assertTrue(failed.lastError().orElse("").contains("is open for profile type " + ProvisioningRig.CODED_TYPE
                + ", not vinbind-iot"), failed.view().toString());
            assertEquals(1, orders(v.euicc().eid()), "nothing placed beside it");
            assertEquals(OperatorOrders.State.CONFIRMED, server.provisioning().orders().find(orderId).orElseThrow()
                .state(), "the operator's order is left for the operator");
        } finally {
            call(provisioning, "POST", "/operator/orders/" + orderId + "/cancel", null);
        }
    }

    /** Requests racing to open a job for one terminal: one job, the others 409 (the unique open key), never a 500. */
    @Test
    void jobs_opened_at_once_for_one_terminal_give_one_job_and_conflicts_never_an_error() throws Exception {
        ProvisioningRig.Vehicle v = vehicle();
        String body = "{\"terminalId\":\"" + v.terminalId() + "\",\"requirement\":{\"platform\":\"smdp-sim\","
            + "\"profileType\":\"vinbind-iot\",\"enablePolicy\":\"ENABLE\"}}";
        int n = 8;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(n);
        try {
            List<java.util.concurrent.Future<ProvisioningRig.Response>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fs.add(pool.submit(() -> {
                    start.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    return call(provisioning, "POST", "/provisioning/jobs", body);
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            long created = -1;
            for (java.util.concurrent.Future<ProvisioningRig.Response> f : fs) {
                ProvisioningRig.Response r = f.get(30, java.util.concurrent.TimeUnit.SECONDS);
                statuses.add(r.status());
                if (r.status() == 201) {
                    created = r.body().get("id").asLong();
                } else {
                    assertEquals(409, r.status(), r.body().toString());
                    assertTrue(r.body().toString().contains("already has"), r.body().toString());
                }
            }
            assertEquals(1, statuses.stream().filter(x -> x == 201).count(), "one job opened: " + statuses);
            assertEquals(1, server.provisioning().jobs().ofTerminal(v.terminalId(), 10).size());
            assertEquals(200, call(provisioning, "POST", "/provisioning/jobs/" + created + "/cancel", null).status());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void an_interrupted_download_is_resumed_by_another_engine_without_a_second_order() throws Exception {
        ProvisioningRig.Vehicle v = vehicle();
        long id = createJob(v, "vinbind-iot");
        // the card stops answering after the package was prepared: the engine's relay times out mid-download
        int base = v.card().calls();
        v.card().timeoutAt = n -> n >= base + 6;
        Provisioner first = engine("engine-crashing", Duration.ofSeconds(1));
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Job j = server.provisioning().jobs().find(id).orElseThrow();
        while (j.transactionId().isEmpty() && System.nanoTime() < end) {
            Thread.sleep(50);
            j = server.provisioning().jobs().find(id).orElseThrow();
        }
        assertTrue(j.transactionId().isPresent(), "a download began: " + steps(id));
        first.close(); // the server dies
        v.card().reset(); // and the vehicle is power-cycled: the card forgets the session
        v.card().timeoutAt = n -> false;
        engine("engine-after-restart", Duration.ofSeconds(30));
        Job notified = await(id, State.NOTIFIED, Duration.ofSeconds(60));
        assertEquals(1, orders(v.euicc().eid()), "the order was placed once");
        assertTrue(steps(id).contains("CANCEL_STALE/OK") || steps(id).contains("CANCEL_STALE/PARTIAL")
            || steps(id).contains("CANCELLED_SESSION/OK"), "the interrupted session was cancelled: " + steps(id));
        assertEquals(0, smdp.openSessions() > 0 && smdp.profileState(notified.iccid().orElseThrow()).equals("DOWNLOADED")
            ? 1 : 0, "no session left open for this profile");
    }

    /**
     * A job that fails after its order, before the profile reached the card, cancels the order and withdraws the
     * profile switch it registered: a login with that IMSI is no longer the switch the server ordered.
     */
    @Test
    void a_job_failing_before_the_profile_reached_the_card_withdraws_its_profile_switch() throws Exception {
        ProvisioningRig.Vehicle v = vehicle();
        long id = createJob(v, "vinbind-iot");
        int base = v.card().calls();
        v.card().timeoutAt = n -> n >= base + 6; // the card stops answering once the download began, for good
        try {
            engine("engine-withdraw", Duration.ofSeconds(30));
            Job failed = await(id, State.FAILED, Duration.ofSeconds(60));
            String imsi = failed.imsi().orElseThrow();
            assertTrue(failed.lastError().orElse("").contains("profile switch to IMSI " + imsi + " withdrawn"),
                failed.view().toString());
            assertTrue(server.profileSwitches().open(v.terminalId(), imsi).isEmpty(), "no switch left open");
            assertEquals(OperatorOrders.State.CANCELLED, server.provisioning().orders().find(failed.orderId()
                .orElseThrow()).orElseThrow().state());
        } finally {
            v.card().timeoutAt = n -> false;
        }
    }

    @Test
    void a_refused_order_fails_the_job_once_without_retrying() throws Exception {
        ProvisioningRig.Vehicle v = vehicle();
        long id = createJob(v, "no-such-offer");
        engine("engine-refused", Duration.ofSeconds(30));
        Job failed = await(id, State.FAILED, Duration.ofSeconds(30));
        assertTrue(failed.lastError().orElse("").contains("did not confirm"), failed.view().toString());
        OperatorOrders.Order order = server.provisioning().orders().list(1000).stream()
            .filter(o -> o.eid().equals(v.euicc().eid())).findFirst().orElseThrow();
        assertEquals(OperatorOrders.State.FAILED, order.state(), order.view().toString());
        assertEquals(1, orders(v.euicc().eid()));
        assertFalse(steps(id).contains("RETRY/FAILED"), steps(id).toString());
    }

    @Test
    void two_engines_on_one_database_never_drive_one_terminal_at_once() throws Exception {
        List<ProvisioningRig.Vehicle> vs = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ProvisioningRig.Vehicle v = vehicle();
            vs.add(v);
            ids.add(createJob(v, "vinbind-iot"));
        }
        engine("engine-x", Duration.ofSeconds(30));
        engine("engine-y", Duration.ofSeconds(30));
        for (int i = 0; i < ids.size(); i++) {
            await(ids.get(i), State.NOTIFIED, Duration.ofSeconds(90));
            assertEquals(1, orders(vs.get(i).euicc().eid()), "one order for " + vs.get(i).terminalId());
            List<ProvisioningJobs.Step> steps = server.provisioning().jobs().steps(ids.get(i));
            assertEquals(1, steps.stream().filter(s -> s.step().equals("ORDER") && s.outcome().equals("OK")).count());
            assertEquals(1, steps.stream().filter(s -> s.step().equals("INSTALLED")).count(), steps.toString());
        }
    }

    /**
     * Engines on two instances each read a campaign's load before they lease; the start itself is counted and taken
     * under the campaign's row lock, so the last slot goes to one of them only.
     */
    @Test
    void a_campaigns_last_slot_goes_to_one_instance_only() throws Exception {
        StringBuilder ids = new StringBuilder("terminal\n");
        for (int i = 0; i < 3; i++) {
            ids.append(vehicle().terminalId()).append('\n');
        }
        ProvisioningRig.Response created = call(provisioning, "POST", "/provisioning/campaigns", "{\"name\":\"one-slot\","
            + "\"requirement\":{\"platform\":\"smdp-sim\",\"profileType\":\"vinbind-iot\",\"enablePolicy\":"
            + "\"DOWNLOAD_ONLY\"},\"csv\":\"" + ids.toString().replace("\n", "\\n") + "\",\"ratePerMinute\":10,"
            + "\"maxConcurrent\":1}");
        assertEquals(201, created.status(), created.body().toString());
        long cid = created.body().get("id").asLong();
        ProvisioningJobs jobs = server.provisioning().jobs();
        List<Job> js = jobs.ofCampaign(cid, 10);
        assertEquals(3, js.size());
        long a = js.get(0).id();
        long b = js.get(1).id();
        long c = js.get(2).id();
        try {
            assertTrue(jobs.lease(a, "instance-a", Duration.ofSeconds(30)).isPresent());
            assertTrue(jobs.lease(b, "instance-b", Duration.ofSeconds(30)).isPresent());
            assertEquals(0, jobs.load(cid)[0], "both read a free slot");
            assertTrue(jobs.claimStart(a, "instance-a", cid), "the first takes it");
            assertTrue(jobs.claimStart(a, "instance-a", cid), "and keeps it when asked again");
            assertFalse(jobs.claimStart(b, "instance-b", cid), "the second finds none left");
            assertThrows(ProvisioningJobs.LeaseLostException.class, () -> jobs.claimStart(c, "instance-b", cid),
                "a job it does not hold");
            assertThrows(ProvisioningJobs.LeaseLostException.class, () -> jobs.claimStart(a, "instance-b", cid),
                "another's job");
            List<Job> after = jobs.ofCampaign(cid, 10);
            assertEquals(List.of(a), after.stream().filter(j -> j.startedAt().isPresent()).map(Job::id).toList());
            assertEquals(1, jobs.load(cid)[0]);
        } finally {
            jobs.release(a, "instance-a");
            jobs.release(b, "instance-b");
            call(provisioning, "POST", "/provisioning/campaigns/" + cid + "/cancel", null);
        }
    }

    @Test
    void a_campaign_respects_its_rate_and_its_controls_and_retries_only_the_failed() throws Exception {
        List<ProvisioningRig.Vehicle> vs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            vs.add(vehicle());
        }
        rig.online.remove(vs.get(4).terminalId()); // offline when the campaign starts
        StringBuilder ids = new StringBuilder("terminal\n");
        vs.forEach(v -> ids.append(v.terminalId()).append('\n'));
        ids.append("TBOX-NOBODY\n");
        ProvisioningRig.Response bad = call(provisioning, "POST", "/provisioning/campaigns", "{\"name\":\"x\",\"rule\":\"none\","
            + "\"csv\":\"" + ids.toString().replace("\n", "\\n") + "\"}");
        assertEquals(400, bad.status(), bad.body().toString());
        ProvisioningRig.Response created = call(provisioning, "POST", "/provisioning/campaigns", "{\"name\":\"spring\",\"requirement\":{"
            + "\"platform\":\"smdp-sim\",\"profileType\":\"vinbind-iot\",\"enablePolicy\":\"DOWNLOAD_ONLY\"},"
            + "\"csv\":\"" + ids.toString().replace("\n", "\\n") + "\",\"ratePerMinute\":2,\"maxConcurrent\":2}");
        assertEquals(201, created.status(), created.body().toString());
        long cid = created.body().get("id").asLong();
        assertEquals(5, created.body().get("terminals").asInt());
        assertEquals("TBOX-NOBODY", created.body().at("/skipped/0/terminal").asText());

        engine("engine-campaign", Duration.ofSeconds(30));
        // the rate: two jobs start in this minute, the others wait for the next
        long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (server.provisioning().jobs().counts(cid).get(State.DONE) < 2 && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertEquals(2, (int) server.provisioning().jobs().counts(cid).get(State.DONE));
        Thread.sleep(1000);
        List<Job> jobs = server.provisioning().jobs().ofCampaign(cid, 100);
        assertEquals(2, jobs.stream().filter(j -> j.startedAt().isPresent()).count(), "2 a minute: " + jobs);

        ProvisioningRig.Response paused = call(provisioning, "POST", "/provisioning/campaigns/" + cid + "/pause", null);
        assertEquals("PAUSED", paused.body().get("state").asText());
        assertEquals(409, call(provisioning, "POST", "/provisioning/campaigns/" + cid + "/pause", null).status());
        assertEquals("RUNNING", call(provisioning, "POST", "/provisioning/campaigns/" + cid + "/resume", null).body()
            .get("state").asText());
        ProvisioningRig.Response report = call(viewer, "GET", "/provisioning/campaigns/" + cid + "/terminals?state=QUEUED", null);
        assertEquals(3, report.body().size(), report.body().toString());

        ProvisioningRig.Response cancelled = call(provisioning, "POST", "/provisioning/campaigns/" + cid + "/cancel", null);
        assertEquals("CANCELLED", cancelled.body().get("state").asText());
        assertEquals(3, cancelled.body().at("/progress/CANCELLED").asInt(), cancelled.body().toString());
        assertEquals(409, call(provisioning, "POST", "/provisioning/campaigns/" + cid + "/retry-failed", null).status());
        long ordered = 0;
        for (ProvisioningRig.Vehicle v : vs) {
            ordered += orders(v.euicc().eid());
        }
        assertEquals(2, ordered, "only the two started jobs ordered");
    }

    @Test
    void a_campaign_aborts_past_its_failure_threshold_and_retries_only_the_failed() throws Exception {
        List<ProvisioningRig.Vehicle> vs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            vs.add(vehicle(EuiccConfig.DEFAULT.withMemoryBytes(4 * 1024))); // no room for a profile
        }
        StringBuilder list = new StringBuilder();
        vs.forEach(v -> list.append(list.length() == 0 ? "" : ",").append('"').append(v.terminalId()).append('"'));
        ProvisioningRig.Response created = call(provisioning, "POST", "/provisioning/campaigns", "{\"name\":\"full\",\"requirement\":{"
            + "\"platform\":\"smdp-sim\",\"profileType\":\"vinbind-iot\",\"enablePolicy\":\"ENABLE\"},\"terminals\":["
            + list + "],\"maxConcurrent\":1,\"abortFailurePercent\":50,\"abortMinFinished\":2}");
        assertEquals(201, created.status(), created.body().toString());
        long cid = created.body().get("id").asLong();
        engine("engine-abort", Duration.ofSeconds(30));
        long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        Campaigns.Campaign c = server.provisioning().campaigns().find(cid).orElseThrow();
        while (c.state() != Campaigns.State.ABORTED && System.nanoTime() < end) {
            Thread.sleep(100);
            c = server.provisioning().campaigns().find(cid).orElseThrow();
        }
        assertEquals(Campaigns.State.ABORTED, c.state(), c.view().toString());
        int failed = c.progress().get(State.FAILED);
        assertTrue(failed >= 2, c.view().toString());
        for (Job j : server.provisioning().jobs().ofCampaign(cid, 10)) {
            if (j.state() == State.FAILED) {
                assertTrue(j.lastError().orElse("").contains("no room on the eUICC"), j.view().toString());
                assertEquals(3, j.failures(), "bounded retries: " + j.view());
                assertEquals(0, orders(j.eid().orElse("none")), "nothing ordered for a full card");
            }
        }
        ProvisioningRig.Response retried = call(provisioning, "POST", "/provisioning/campaigns/" + cid + "/retry-failed", null);
        assertEquals(200, retried.status(), retried.body().toString());
        assertEquals(failed, retried.body().get("retried").asInt());
        assertEquals("RUNNING", retried.body().get("state").asText());
        assertEquals(3 + failed, server.provisioning().jobs().ofCampaign(cid, 10).size());
    }

    @Test
    void the_cli_drives_the_same_api_and_names_what_is_wrong() throws Exception {
        ProvisioningRig.Vehicle v = vehicle();
        Path tokenFile = dir.resolve("provisioning.token");
        java.nio.file.Files.writeString(tokenFile, provisioning);
        String api = server.httpBaseUri().toString();
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new io.vinbind.server.cli.ServerCli())
            .setOut(new java.io.PrintWriter(out)).setErr(new java.io.PrintWriter(err));
        int rc = cli.execute("provisioning", "create-job", "--api", api, "--token-file", tokenFile.toString(),
            "--terminal", v.terminalId(), "--platform", "smdp-sim", "--profile-type", "vinbind-iot",
            "--enable-policy", "DOWNLOAD_ONLY");
        assertEquals(0, rc, err.toString());
        JsonNode job = JSON.readTree(out.toString());
        assertEquals("QUEUED", job.get("state").asText());
        assertEquals("DOWNLOAD_ONLY", job.get("enablePolicy").asText());

        out.getBuffer().setLength(0);
        assertEquals(1, cli.execute("provisioning", "create-job", "--api", api, "--token-file", tokenFile.toString(),
            "--terminal", v.terminalId(), "--platform", "smdp-sim", "--profile-type", "vinbind-iot"));
        assertTrue(err.toString().contains("HTTP 409") && err.toString().contains("already has open provisioning job"),
            err.toString());
        assertEquals(0, cli.execute("provisioning", "cancel-job", "--api", api, "--token-file", tokenFile.toString(),
            job.get("id").asText()), err.toString());
        assertEquals("CANCELLED", JSON.readTree(out.toString()).get("state").asText());
        assertEquals(2, cli.execute("provisioning", "control", "--api", api, "--token-file", tokenFile.toString(), "1",
            "explode"));
        assertTrue(err.toString().contains("'explode' is not one of"), err.toString());
        assertEquals(1, cli.execute("provisioning", "job", "--api", api, "--token-file", dir.resolve("missing").toString(),
            "1"));
        assertTrue(err.toString().contains("no such file"), err.toString());
    }
}
