package io.vinbind.hil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.esim.bpp.ProfilePackage;
import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.pki.Pem;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.esim.smdp.InventoryProfile;
import io.vinbind.esim.smdp.SmdpConfig;
import io.vinbind.esim.smdp.SmdpSimulator;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.bench.ServerApi;
import io.vinbind.hil.bench.TransitionLog;
import io.vinbind.log.Untrusted;
import io.vinbind.modem.sim.Identity;
import io.vinbind.modem.sim.UiccCard;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.server.ServerStartException;
import io.vinbind.server.provisioning.OperatorPlatform;
import io.vinbind.server.provisioning.Provisioner;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The demo's eSIM chapter and what it needs from the start: a test RSP PKI, the SM-DP+ simulator (ES2+ and ES9+ over
 * HTTPS) the server is configured with as an operator platform, and the eUICC in the demo's modem. The SM-DP+ must be
 * up before the bench, because the server reads its operator platforms when it starts; the eUICC must be in the modem
 * from the first ignition, because a real TBOX's eUICC is too (it holds the bootstrap profile the first binding
 * uses).
 */
final class EsimChapter implements AutoCloseable {

    static final String PLATFORM = "smdp-sim";
    static final String PROFILE_TYPE = "vinbind-iot";
    /** Bound on the whole provisioning job, from opening it to DONE. */
    static final Duration JOB_BOUND = Duration.ofSeconds(60);
    /** Bound on the terminal coming back online after the ignition (generous: a loaded machine). */
    static final Duration ONLINE_BOUND = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestPki pki;
    private final SmdpSimulator smdp;
    private final OperatorPlatform.Spec spec;
    private final List<InventoryProfile> profiles;
    private final long pkiMs;
    private final long startedMs;
    private int nextEid = 1;
    /** The eUICC in the modem now: the modem simulator's card delegates to it, so a swapped modem brings its own. */
    private volatile EuiccSimulator euicc;

    private EsimChapter(TestPki pki, SmdpSimulator smdp, OperatorPlatform.Spec spec, List<InventoryProfile> profiles,
            long pkiMs, long startedMs) {
        this.pkiMs = pkiMs;
        this.pki = pki;
        this.smdp = smdp;
        this.spec = spec;
        this.profiles = profiles;
        this.startedMs = startedMs;
    }

    /**
     * Makes the RSP PKI, the operator's profiles (derived from {@code seed}, so they differ between runs) and starts
     * the SM-DP+ simulator; its CA certificate goes to {@code dir} for the server's ES2+/ES9+ clients.
     */
    static EsimChapter start(Path dir, long seed) {
        long t0 = System.nanoTime();
        TestPki pki = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 1);
        long pkiMs = (System.nanoTime() - t0) / 1_000_000;
        List<InventoryProfile> inventory = new ArrayList<>();
        long base = Math.floorMod(seed, 1_000_000L) * 10;
        for (int i = 0; i < 4; i++) {
            inventory.add(new InventoryProfile(String.format(Locale.ROOT, "894900%013d", base + i),
                String.format(Locale.ROOT, "26201%010d", 9_000_000_000L + base + i), PROFILE_TYPE));
        }
        String token = "es2-token-of-the-vinbind-demo-" + Long.toHexString(seed);
        SmdpSimulator smdp;
        try {
            smdp = SmdpSimulator.start(SmdpConfig.of(pki.smdp(), inventory, token));
        } catch (IOException e) {
            throw new BenchException("the SM-DP+ simulator did not start: " + e.getMessage(), e);
        }
        try {
            Path ca = dir.resolve("rsp-ci.pem");
            Pem.writeCertificate(ca, pki.ci());
            OperatorPlatform.Spec spec = new OperatorPlatform.Spec(PLATFORM, smdp.baseUri(), token, Optional.of(ca),
                Optional.of(smdp.smdpAddress()));
            return new EsimChapter(pki, smdp, spec, List.copyOf(inventory), pkiMs, (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            smdp.close();
            throw new BenchException("cannot configure the SM-DP+ simulator as an operator platform: " + e.getMessage(), e);
        }
    }

    OperatorPlatform.Spec platform() {
        return spec;
    }

    /**
     * The modem's card: whichever eUICC is in the modem now ({@link #newEuicc}), its bootstrap profile enabled; an
     * enable asks for a REFRESH, as a real eUICC's does, so the terminal re-reads the IMSI after it.
     */
    UiccCard card() {
        return UiccCard.of(apdu -> euicc.transmit(apdu), () -> euicc.enabledImsi(), () -> euicc.enabledIccid(),
            () -> euicc.reset(), "eUICC");
    }

    /** A new eUICC (the next EID of the test EUM) holding {@code bootstrap}'s profile, enabled, put in the modem. */
    EuiccSimulator newEuicc(Identity bootstrap) {
        EuiccSimulator e = new EuiccSimulator(pki.issueEuicc(pki.eidNumber(nextEid++)),
            EuiccConfig.DEFAULT.withEnableNeedsRefresh(true), null);
        e.preinstall(ProfilePackage.of(new Iccid(bootstrap.iccid().value().replace("F", "")), bootstrap.imsi().value(),
            "bootstrap"), true);
        euicc = e;
        return e;
    }

    EuiccSimulator euicc() {
        return euicc;
    }

    String describe() {
        return "simulator (GSMA SGP.22 ES2+ and ES9+ over HTTPS) " + smdp.baseUri() + ", SM-DP+ address "
            + smdp.smdpAddress() + ", " + profiles.size() + " profiles of type " + PROFILE_TYPE + " in stock; the server's "
            + "operator platform '" + PLATFORM + "' (up in " + startedMs + " ms, of them " + pkiMs + " ms for its test RSP "
            + "PKI: CI, EUM, SM-DP+ and eUICC certificates)";
    }

    /** Chapter 5: a provisioning job for the demo's terminal, step by step, and the binding following the new IMSI. */
    void run(Bench bench, PrintStream out, String transport) throws IOException {
        out.println();
        out.println("== 5. the terminal's eUICC gets a profile from the SM-DP+ and the binding follows the new IMSI");
        String oldImsi = euicc.enabledImsi().orElse("none");
        out.println("  eUICC     EID " + euicc.eid() + " in the modem, profile enabled: IMSI " + oldImsi
            + " (the bootstrap profile the binding holds); relay over MQTT, then AT (" + transport + ") to the card");
        out.println("  SM-DP+    " + smdp.baseUri() + " (address " + smdp.smdpAddress() + ")");
        try {
            // the defaults poll every second and recheck an offline terminal every 5 s; the demo wants it quicker
            bench.server().server().startProvisioning(Provisioner.Settings.defaults(bench.server().server().instanceId())
                .withTimings(Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(1), JOB_BOUND));
        } catch (ServerStartException e) {
            throw new BenchException("the provisioning engine did not start: " + e.getMessage(), e);
        }
        long t0 = System.nanoTime();
        Instant wall0 = Instant.now();
        ServerApi api = bench.api();

        StringBuilder csv = new StringBuilder("iccid,imsi,profileType\n");
        profiles.forEach(p -> csv.append(p.iccid()).append(',').append(p.imsi()).append(',').append(p.profileType())
            .append('\n'));
        String listPath = "/operator/platforms/" + PLATFORM + "/profiles";
        ServerApi.Reply imported = api.post(listPath, "text/csv", csv.toString());
        expect(imported.status() == 200, "the profile list was not imported: HTTP " + imported.status() + " "
            + Untrusted.escape(imported.body()));
        line(out, t0, "POST " + listPath + " (the operator's ICCID,IMSI,profileType list: ES2+ answers an order with "
            + "an ICCID only) -> HTTP 200, " + JSON.readTree(imported.body()).path("added").asInt() + " added");

        int powered = bench.log().mark();
        if (!bench.ignition().isPowered()) {
            bench.ignition(PowerMode.ACC);
            line(out, t0, "ignition -> ACC: the terminal logs in and heartbeats (the engine drives online terminals only)");
            bench.log().awaitResting(powered, ONLINE_BOUND);
        }
        String presence = "/presence/terminals/" + bench.terminalId();
        awaitOnline(api, presence, () -> String.join("; ", Timeline.lines(bench.log().since(powered), t0)).trim());
        line(out, t0, "GET " + presence + " -> online");

        int mark = bench.log().mark();
        String body = "{\"terminalId\":\"" + bench.terminalId() + "\",\"requirement\":{\"platform\":\"" + PLATFORM
            + "\",\"profileType\":\"" + PROFILE_TYPE + "\",\"enablePolicy\":\"ENABLE\"}}";
        long sent = System.nanoTime();
        ServerApi.Reply opened = api.post("/provisioning/jobs", "application/json", body);
        expect(opened.status() == 201, "the provisioning job was not opened: HTTP " + opened.status() + " "
            + Untrusted.escape(opened.body()));
        long jobId = JSON.readTree(opened.body()).path("id").asLong();
        line(out, t0, sent, "POST /provisioning/jobs " + body + " -> HTTP 201, job " + jobId);

        JsonNode job = followJob(api, jobId, out, t0, wall0);
        String newImsi = job.path("imsi").asText();
        TransitionLog.Bound bound = bench.log().awaitBindAck(mark, Duration.ofSeconds(30));
        out.println("  terminal (its own timeline):");
        Timeline.lines(bench.log().since(mark), t0).forEach(l -> out.println("  " + l));
        expect(bound.outcome() == BindOutcome.REBOUND && bound.identity().imsi().equals(newImsi),
            "the terminal's upload after the switch got " + bound.outcome() + " for IMSI " + bound.identity().imsi()
            + ", expected REBOUND for " + newImsi);

        ServerApi.BindingView binding = api.bindingOfVin(bench.vin()).orElseThrow(
            () -> new BenchException("the server has no binding of VIN " + bench.vin() + " after the profile switch"));
        expect(binding.imsi().equals(newImsi), "the binding holds IMSI " + binding.imsi() + ", not the profile's "
            + newImsi);
        out.println("  server:   GET /bindings/vin/" + bench.vin() + " -> VIN " + binding.vin() + " <-> IMSI "
            + binding.imsi() + " (bound " + binding.boundAt() + "); the binding's IMSI changed from " + oldImsi + " to "
            + newImsi + ", the profile's");
        out.println("  history:  GET /history/imsi/" + newImsi);
        for (ServerApi.HistoryRow row : api.historyOfImsi(newImsi)) {
            out.printf(Locale.ROOT, "    #%-4d %s  %-16s IMSI %s  VIN %s%s%s%n", row.id(), row.at(), row.event(),
                row.imsi().orElse("-"), row.vin().orElse("-"),
                row.previousImsi().map(p -> "  (previous IMSI " + p + ")").orElse(""),
                row.reason().map(r -> "  reason " + r).orElse(""));
        }
    }

    /** Prints each step the engine records as it appears; returns the job once DONE, fails on a closed job or the bound. */
    private JsonNode followJob(ServerApi api, long jobId, PrintStream out, long t0, Instant wall0) throws IOException {
        long until = System.nanoTime() + JOB_BOUND.toNanos();
        int printed = 0;
        String lastKey = "";
        JsonNode job = null;
        while (true) {
            ServerApi.Reply r = api.get("/provisioning/jobs/" + jobId);
            expect(r.status() == 200, "GET /provisioning/jobs/" + jobId + " -> HTTP " + r.status() + " "
                + Untrusted.escape(r.body()));
            job = JSON.readTree(r.body());
            JsonNode steps = job.path("steps");
            for (; printed < steps.size(); printed++) {
                JsonNode s = steps.get(printed);
                String key = s.path("step").asText() + "/" + s.path("outcome").asText() + "/" + s.path("detail").asText();
                if (key.equals(lastKey) && s.path("step").asText().equals("WAIT")) {
                    continue; // the engine records every look while it waits; one line says it
                }
                lastKey = key;
                long ms = Math.max(0, Duration.between(wall0, Instant.parse(s.path("at").asText())).toMillis());
                out.printf(Locale.ROOT, "  %+7d ms  job %d %-14s %-8s %s%n", ms, jobId, s.path("step").asText(),
                    s.path("outcome").asText(), Untrusted.escape(s.path("detail").asText(""), 200));
            }
            String state = job.path("state").asText();
            if (state.equals("DONE")) {
                line(out, t0, "job " + jobId + " DONE: ICCID " + job.path("iccid").asText() + ", IMSI "
                    + job.path("previousImsi").asText("?") + " -> " + job.path("imsi").asText());
                return job;
            }
            if (state.equals("FAILED") || state.equals("CANCELLED")) {
                throw new BenchException("provisioning job " + jobId + " ended " + state + ": "
                    + Untrusted.escape(job.path("lastError").asText("no error recorded"), 300));
            }
            if (System.nanoTime() > until) {
                JsonNode last = steps.size() == 0 ? null : steps.get(steps.size() - 1);
                throw new BenchException("provisioning job " + jobId + " did not reach DONE within "
                    + JOB_BOUND.toSeconds() + " s: state " + state + ", last step "
                    + (last == null ? "none" : last.path("step").asText() + "/" + last.path("outcome").asText() + " "
                    + Untrusted.escape(last.path("detail").asText(""), 200)) + ", waiting for "
                    + Untrusted.escape(job.path("waitingFor").asText("nothing"), 200));
            }
            sleep(150);
        }
    }

    private static void awaitOnline(ServerApi api, String path, java.util.function.Supplier<String> terminalSide)
            throws IOException {
        long until = System.nanoTime() + ONLINE_BOUND.toNanos();
        String last = "";
        while (System.nanoTime() < until) {
            ServerApi.Reply r = api.get(path);
            last = r.status() + " " + r.body();
            if (r.status() == 200 && JSON.readTree(r.body()).path("online").asBoolean(false)) {
                return;
            }
            sleep(150);
        }
        throw new BenchException("the terminal did not come online within " + ONLINE_BOUND.toSeconds() + " s; GET " + path
            + " -> " + Untrusted.escape(last, 300) + "; the terminal since the ignition: " + terminalSide.get());
    }

    private static void line(PrintStream out, long t0, String what) {
        line(out, t0, System.nanoTime(), what);
    }

    /** One timeline line at {@code atNanos}: a request's line carries when it was sent, so the steps it caused follow it. */
    private static void line(PrintStream out, long t0, long atNanos, String what) {
        out.printf(Locale.ROOT, "  %+7d ms  %s%n", Math.max(0, (atNanos - t0) / 1_000_000), what);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while following the provisioning job", e);
        }
    }

    private static void expect(boolean condition, String failure) {
        if (!condition) {
            throw new BenchException(failure);
        }
    }

    /** Stops the SM-DP+ simulator (after the bench, whose server calls it). */
    @Override
    public void close() {
        smdp.close();
    }
}
