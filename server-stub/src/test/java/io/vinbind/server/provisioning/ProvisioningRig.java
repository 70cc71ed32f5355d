package io.vinbind.server.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.pki.Pem;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.esim.smdp.InventoryProfile;
import io.vinbind.esim.smdp.SmdpConfig;
import io.vinbind.esim.smdp.SmdpSimulator;
import io.vinbind.server.BindingServer;
import io.vinbind.server.Fixtures;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.TestTerminal;
import io.vinbind.server.auth.Role;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A provisioning bench in one JVM for server tests: the SM-DP+ simulator over HTTPS (test RSP PKI), a real server
 * with it as operator platform (embedded broker, H2, HTTP API) and the operator's profile list imported, vehicles
 * that logged in and bound a VIN each with an eUICC simulator behind an in-process card (what a terminal does with a
 * relay batch), and provisioning engines driving them. The server's own engine is stopped: engines here use the cards.
 */
public final class ProvisioningRig implements AutoCloseable {

    static final String TOKEN = "es2-token-for-the-provisioning-rig";
    public static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public final TestPki rsp;
    public final SmdpSimulator smdp;
    public final BindingServer server;
    public final ServerLpa lpa;
    public final String provisioning;
    public final String viewer;
    public final List<InventoryProfile> inventory = new ArrayList<>();
    /** terminal id → its card; terminals not in {@link #online} are offline. */
    public final Map<String, SimulatedCard> cards = new ConcurrentHashMap<>();
    public final Set<String> online = ConcurrentHashMap.newKeySet();
    private final List<Provisioner> engines = new ArrayList<>();
    private final AtomicInteger nextEid = new AtomicInteger(300);
    private final AtomicInteger nextImsi;

    /** The platform whose orders carry a confirmation code, and the profile type only it holds. */
    public static final String CODED_PLATFORM = "smdp-coded";
    public static final String CODED_TYPE = "vinbind-coded";

    public record Response(int status, JsonNode body) {
    }

    /** A terminal that logged in and bound a VIN, with an eUICC of its own. */
    public record Vehicle(String terminalId, String imsi, String imei, String vin, EuiccSimulator euicc,
                          SimulatedCard card) {
    }

    /**
     * @param profiles how many profiles the SM-DP+ holds (and the operator's list names)
     * @param imsiBase the first vehicle's IMSI number ({@link Fixtures#imsi}), so that rigs of several tests differ
     */
    public ProvisioningRig(Path dir, int profiles, int imsiBase) throws Exception {
        nextImsi = new AtomicInteger(imsiBase);
        rsp = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 2);
        for (int i = 0; i < profiles; i++) {
            inventory.add(new InventoryProfile(String.format("8949000000000031%03d", i), String.format("26201000031%04d", i),
                "vinbind-iot"));
        }
        // a few of another type, on a second platform (the same SM-DP+) whose orders carry a confirmation code
        List<InventoryProfile> coded = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            coded.add(new InventoryProfile(String.format("8949000000000032%03d", i), String.format("26201000032%04d", i),
                CODED_TYPE));
        }
        List<InventoryProfile> all = new ArrayList<>(inventory);
        all.addAll(coded);
        smdp = SmdpSimulator.start(SmdpConfig.of(rsp.smdp(), all, TOKEN));
        Path ca = dir.resolve("rsp-ci.pem");
        Pem.writeCertificate(ca, rsp.ci());
        server = BindingServer.start(ServerConfig.ephemeral(dir.resolve("server")), Clock.systemUTC(), List.of(
            new OperatorPlatform.Spec("smdp-sim", smdp.baseUri(), TOKEN, Optional.of(ca),
                Optional.of(smdp.smdpAddress())),
            new OperatorPlatform.Spec(CODED_PLATFORM, smdp.baseUri(), TOKEN, Optional.of(ca),
                Optional.of(smdp.smdpAddress()), true)));
        server.stopProvisioning();
        provisioning = Fixtures.token(server, Role.PROVISIONING);
        viewer = Fixtures.token(server, Role.VIEWER);
        lpa = new ServerLpa(new Es9Client(Map.of(smdp.smdpAddress(), smdp.baseUri()), List.of(ca)), Clock.systemUTC());
        StringBuilder csv = new StringBuilder("iccid,imsi,profileType\n");
        inventory.forEach(p -> csv.append(p.iccid()).append(',').append(p.imsi()).append(',').append(p.profileType())
            .append('\n'));
        Response imported = call(provisioning, "POST", "/operator/platforms/smdp-sim/profiles", csv.toString());
        assertEquals(200, imported.status(), imported.body().toString());
        assertEquals(inventory.size(), imported.body().get("added").asInt());
        StringBuilder codedCsv = new StringBuilder("iccid,imsi,profileType\n");
        coded.forEach(p -> codedCsv.append(p.iccid()).append(',').append(p.imsi()).append(',').append(p.profileType())
            .append('\n'));
        Response importedCoded = call(provisioning, "POST", "/operator/platforms/" + CODED_PLATFORM + "/profiles",
            codedCsv.toString());
        assertEquals(200, importedCoded.status(), importedCoded.body().toString());
    }

    public Response call(String bearer, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.httpBaseUri().resolve(path)).timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + bearer);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), JSON.readTree(r.body()));
    }

    public Vehicle vehicle() throws Exception {
        return vehicle(EuiccConfig.DEFAULT);
    }

    public Vehicle vehicle(EuiccConfig config) throws Exception {
        int n = nextImsi.incrementAndGet();
        String imsi = Fixtures.imsi(n);
        String imei = Fixtures.imeiOf(imsi);
        String vin = Fixtures.vin(n);
        Response imported = call(Fixtures.token(server, Role.ADMIN), "POST", "/modems/import", "imsi,iccid,imei\n" + imsi
            + "," + Fixtures.iccidOf(imsi) + "," + imei + "\n");
        assertEquals(200, imported.status(), imported.body().toString());
        try (TestTerminal t = new TestTerminal(server, imsi, Fixtures.iccidOf(imsi), imei)) {
            assertEquals("ACCEPTED", t.login().outcome().name());
            assertEquals("BOUND", t.bind(vin).outcome().name());
            String eid = rsp.eidNumber(nextEid.incrementAndGet());
            EuiccSimulator euicc = new EuiccSimulator(rsp.issueEuicc(eid), config, null);
            SimulatedCard card = new SimulatedCard(euicc, t.terminalId);
            cards.put(t.terminalId, card);
            online.add(t.terminalId);
            return new Vehicle(t.terminalId, imsi, imei, vin, euicc, card);
        }
    }

    /** An engine with short timings (poll 100 ms, 3 failures, 30 s for the binding to follow) over the cards. */
    public Provisioner engine(String instance, Duration lease) {
        Provisioning p = server.provisioning();
        Provisioner.Settings s = new Provisioner.Settings(instance, lease, Duration.ofMillis(100), 4,
            Duration.ofMillis(300), Duration.ofMillis(200), Duration.ofSeconds(2), 3, Duration.ofSeconds(30), 16 * 1024,
            120);
        Provisioner e = new Provisioner(p.jobs(), p.campaigns(), p.orders(), p.pool(), p.models(), p.fleet(),
            server.profileSwitches(), online::contains, lpa, (terminalId, session, model) -> cards.get(terminalId), s);
        synchronized (engines) {
            engines.add(e);
        }
        e.start();
        return e;
    }

    /** Stops every engine started here (jobs stay where they are). */
    public void stopEngines() {
        synchronized (engines) {
            engines.forEach(Provisioner::close);
            engines.clear();
        }
    }

    @Override
    public void close() {
        stopEngines();
        server.close();
        smdp.close();
    }
}
