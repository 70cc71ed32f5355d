package io.vinbind.server.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provisioning catalog over the server's HTTP API, against the SM-DP+ simulator over HTTPS (ES2+ with its
 * bearer token, TLS checked against the RSP test CI): roles, the libraries, a terminal matched and resolved after a
 * real login, orders placed, refused, unanswered and cancelled, and the progress callback.
 */
class ProvisioningApiIT {

    static final String ES2_TOKEN = "es2-token-for-the-provisioning-it";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestPki rsp;
    static SmdpSimulator smdp;
    static BindingServer server;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static String admin;
    static String provisioning;
    static String viewer;
    static String platform;

    record Response(int status, JsonNode body) {
    }

    @BeforeAll
    static void start() throws Exception {
        rsp = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 2);
        List<InventoryProfile> inventory = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            inventory.add(new InventoryProfile(String.format("8949000000000002%03d", i), String.format("26201000001%04d", i),
                "vinbind-iot"));
        }
        smdp = SmdpSimulator.start(SmdpConfig.of(rsp.smdp(), inventory, ES2_TOKEN));
        Path ca = dir.resolve("rsp-ci.pem");
        Pem.writeCertificate(ca, rsp.ci());
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // nobody listens there once closed: an operator platform that is down
        }
        server = BindingServer.start(ServerConfig.ephemeral(dir.resolve("server")), Clock.systemUTC(), List.of(
            new OperatorPlatform.Spec("smdp-sim", smdp.baseUri(), ES2_TOKEN, Optional.of(ca)),
            new OperatorPlatform.Spec("down", URI.create("https://127.0.0.1:" + closed), ES2_TOKEN, Optional.of(ca))));
        admin = Fixtures.token(server, Role.ADMIN);
        provisioning = Fixtures.token(server, Role.PROVISIONING);
        viewer = Fixtures.token(server, Role.VIEWER);
        platform = Fixtures.token(server, Role.OPERATOR_PLATFORM);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (smdp != null) {
            smdp.close();
        }
    }

    static Response call(String bearer, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.httpBaseUri().resolve(path)).timeout(Duration.ofSeconds(30));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), JSON.readTree(r.body()));
    }

    static String model(String id, String tac, String prefix) {
        return "{\"id\":\"" + id + "\",\"name\":\"TBOX-A2 / EG25 / eUICC\",\"terminalModel\":\"TBOX-A2\","
            + "\"modemModel\":\"EG25-G\",\"card\":\"EUICC\",\"apduPath\":\"CCHO_CGLA\",\"blockSize\":120,"
            + "\"identityFields\":[\"IMSI\",\"EID\"],\"tacs\":[\"" + tac + "\"],\"terminalIdPrefix\":\"" + prefix + "\"}";
    }

    @Test
    void roles_guard_the_catalog_and_a_platform_credential_reads_nothing() throws Exception {
        Response anonymous = call(null, "GET", "/device-models", null);
        assertEquals(401, anonymous.status());
        Response asViewer = call(viewer, "PUT", "/device-models/m1", model("m1", "35001000", "T-"));
        assertEquals(403, asViewer.status());
        assertTrue(asViewer.body().get("error").asText().contains("needs role provisioning"), asViewer.body().toString());
        assertEquals(403, call(platform, "GET", "/device-models", null).status());
        assertEquals(403, call(platform, "GET", "/bindings/vin/" + Fixtures.VIN_1, null).status());
        assertEquals(403, call(viewer, "POST", "/gsma/rsp2/es2plus/handleDownloadProgressInfo", "{}").status());
    }

    @Test
    void models_and_rules_decide_for_a_terminal_that_logged_in() throws Exception {
        String imsi = Fixtures.imsi(701);
        String tac = Fixtures.imeiOf(imsi).substring(0, 8);
        assertEquals(201, call(provisioning, "PUT", "/device-models/tbox-a2", model("tbox-a2", tac, "T-")).status());
        assertEquals(200, call(provisioning, "PUT", "/device-models/tbox-a2", model("tbox-a2", tac, "T-")).status());
        assertEquals("UNCHANGED", call(provisioning, "PUT", "/device-models/tbox-a2", model("tbox-a2", tac, "T-"))
            .body().get("change").asText());
        Response mismatch = call(provisioning, "PUT", "/device-models/tbox-a2", model("tbox-b", tac, "T-"));
        assertEquals(400, mismatch.status());
        // an import with a bad second model stores nothing, and says where
        Response bad = call(provisioning, "POST", "/device-models/import", "[" + model("imp-1", tac, "X-") + ","
            + model("imp-2", tac, "Y-").replace("\"blockSize\":120", "\"blockSize\":0") + "]");
        assertEquals(400, bad.status());
        assertTrue(bad.body().get("error").asText().startsWith("[1].blockSize"), bad.body().toString());
        assertEquals(404, call(viewer, "GET", "/device-models/imp-1", null).status());

        String rule = "{\"priority\":50,\"selector\":{\"models\":[\"tbox-a2\"]},\"requirement\":{\"platform\":\"smdp-sim\","
            + "\"profileType\":\"vinbind-iot\",\"plan\":\"iot-s\",\"enablePolicy\":\"ENABLE\"}}";
        Response unknownPlatform = call(provisioning, "PUT", "/config-rules/a2-iot", rule.replace("smdp-sim", "nowhere"));
        assertEquals(400, unknownPlatform.status());
        assertTrue(unknownPlatform.body().get("error").asText().contains("smdp-sim"), unknownPlatform.body().toString());
        assertEquals(201, call(provisioning, "PUT", "/config-rules/a2-iot", rule).status());
        assertEquals(2, call(provisioning, "PUT", "/config-rules/a2-iot", rule.replace("\"priority\":50", "\"priority\":60"))
            .body().get("version").asInt());
        assertEquals(2, call(viewer, "GET", "/config-rules/a2-iot/versions", null).body().size());

        // a real terminal logs in: the server learns its IMSI and its modem's IMEI
        Response imported = call(admin, "POST", "/modems/import", "imsi,iccid,imei\n" + imsi + ","
            + Fixtures.iccidOf(imsi) + "," + Fixtures.imeiOf(imsi) + "\n");
        assertEquals(200, imported.status());
        try (TestTerminal t = new TestTerminal(server, imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi))) {
            assertEquals("ACCEPTED", t.login().outcome().name());
            Response p = call(viewer, "GET", "/terminals/" + t.terminalId + "/provisioning", null);
            assertEquals(200, p.status(), p.body().toString());
            assertEquals("MATCHED", p.body().at("/deviceModel/outcome").asText());
            assertEquals("tbox-a2", p.body().at("/deviceModel/model/id").asText());
            assertEquals("EID", p.body().at("/deviceModel/missingFields/0").asText()); // a login without an EID
            // the terminal logs in again reporting its eUICC's EID: the model's required field is there now
            String eid = "89049032123451234512345678901235"; // valid check digits, no order placed for it
            assertEquals("ACCEPTED", t.login(r -> r.withEid(eid).withModels("TBOX-A2", "1.4.0", "EG25",
                "EG25GGBR07A08M2G")).outcome().name());
            p = call(viewer, "GET", "/terminals/" + t.terminalId + "/provisioning", null);
            assertEquals(eid, p.body().at("/terminal/eid").asText(), p.body().toString());
            assertEquals(0, p.body().at("/deviceModel/missingFields").size(), p.body().toString());
            assertEquals("EG25", p.body().at("/reportedIdentity/modemModel").asText());
            assertEquals(false, p.body().at("/reportedIdentity/eidConflict").asBoolean());
            Response identity = call(viewer, "GET", "/terminals/" + t.terminalId + "/identity", null);
            assertEquals(200, identity.status(), identity.body().toString());
            assertEquals(eid, identity.body().get("eid").asText());
            assertEquals("1.4.0", identity.body().get("softwareVersion").asText());
            Response changes = call(viewer, "GET", "/terminals/" + t.terminalId + "/identity/history", null);
            assertEquals(200, changes.status(), changes.body().toString());
            assertEquals(8, changes.body().size(), "imsi, iccid, imei first, then eid and the four model fields");
            assertEquals("eid", changes.body().get(3).get("field").asText());
            assertEquals(2, call(viewer, "GET", "/terminals/" + t.terminalId + "/identity/history?limit=2", null)
                .body().size());
            assertEquals(401, call(null, "GET", "/terminals/" + t.terminalId + "/identity", null).status());
            assertEquals(403, call(platform, "GET", "/terminals/" + t.terminalId + "/identity/history", null).status());
            assertEquals(404, call(viewer, "GET", "/terminals/TBOX-NOBODY/identity", null).status());
            assertEquals(404, call(viewer, "GET", "/terminals/TBOX-NOBODY/identity/history", null).status());
            assertEquals(405, call(provisioning, "POST", "/terminals/" + t.terminalId + "/identity", "{}").status());
            assertEquals("SELECTED", p.body().at("/configuration/outcome").asText());
            assertEquals("a2-iot", p.body().at("/configuration/rule").asText());
            assertEquals(2, p.body().at("/configuration/version").asInt());

            Response dry = call(provisioning, "POST", "/config-rules/dry-run", rule.replace("{\"priority\":50",
                "{\"name\":\"competitor\",\"priority\":60"));
            assertEquals(200, dry.status(), dry.body().toString());
            assertTrue(dry.body().get("selected").asInt() >= 1, dry.body().toString());
            boolean listed = false;
            for (JsonNode hit : dry.body().get("terminals")) {
                if (hit.get("terminalId").asText().equals(t.terminalId)) {
                    listed = true;
                    assertEquals("CONFLICT", hit.at("/resolution/outcome").asText()); // 60 against a2-iot's 60
                }
            }
            assertTrue(listed, dry.body().toString());
            assertEquals(404, call(viewer, "GET", "/config-rules/competitor", null).status()); // nothing stored
        }
        assertEquals(200, call(provisioning, "DELETE", "/config-rules/a2-iot", null).status());
        assertEquals(404, call(viewer, "GET", "/config-rules/a2-iot", null).status());
        assertEquals(3, call(viewer, "GET", "/config-rules/a2-iot/versions", null).body().size());
    }

    @Test
    void orders_are_placed_once_per_eid_refused_unknown_and_cancelled() throws Exception {
        String eid = rsp.eids().get(0);
        String order = "{\"platform\":\"smdp-sim\",\"eid\":\"" + eid + "\",\"profileType\":\"vinbind-iot\"}";
        Response placed = call(provisioning, "POST", "/operator/orders", order);
        assertEquals(201, placed.status(), placed.body().toString());
        assertEquals("CONFIRMED", placed.body().get("state").asText());
        String iccid = placed.body().get("iccid").asText();
        assertEquals("RELEASED", smdp.profileState(iccid));
        assertTrue(placed.body().get("matchingId").asText().length() > 0);

        Response again = call(provisioning, "POST", "/operator/orders", order);
        assertEquals(409, again.status()); // one open order per EID: never a second profile for the same eUICC
        assertTrue(again.body().get("error").asText().contains("still open"), again.body().toString());

        long id = placed.body().get("id").asLong();
        Response cancelled = call(provisioning, "POST", "/operator/orders/" + id + "/cancel", null);
        assertEquals(200, cancelled.status(), cancelled.body().toString());
        assertEquals("CANCELLED", cancelled.body().get("state").asText());
        assertEquals("AVAILABLE", smdp.profileState(iccid)); // back in the platform's stock
        assertEquals(409, call(provisioning, "POST", "/operator/orders/" + id + "/cancel", null).status());

        Response refused = call(provisioning, "POST", "/operator/orders", order.replace("vinbind-iot", "no-such-type"));
        assertEquals(422, refused.status(), refused.body().toString());
        assertEquals("FAILED", refused.body().get("state").asText());
        assertTrue(refused.body().get("lastError").asText().startsWith("downloadOrder: Failed"), refused.body().toString());

        String eid2 = rsp.eids().get(1);
        String down = "{\"platform\":\"down\",\"eid\":\"" + eid2 + "\",\"profileType\":\"vinbind-iot\"}";
        Response unknown = call(provisioning, "POST", "/operator/orders", down);
        assertEquals(502, unknown.status(), unknown.body().toString());
        assertEquals("UNKNOWN", unknown.body().get("state").asText());
        assertEquals(409, call(provisioning, "POST", "/operator/orders", down).status()); // unknown stays open
        Response closedHere = call(provisioning, "POST", "/operator/orders/" + unknown.body().get("id").asLong()
            + "/cancel", null);
        assertEquals(200, closedHere.status());
        assertTrue(closedHere.body().get("lastError").asText().contains("closed here only"), closedHere.body().toString());

        assertEquals(400, call(provisioning, "POST", "/operator/orders", order.replace(eid, eid.substring(0, 31) + "0"))
            .status()); // a check-digit error is caught before anything is ordered
        assertEquals(400, call(provisioning, "POST", "/operator/orders", order.replace("smdp-sim", "nowhere")).status());
        assertEquals(400, call(provisioning, "POST", "/operator/orders", "{\"platform\":\"smdp-sim\",\"operator\":\"x\"}")
            .status());

        // the SM-DP+ reports progress; each report is kept with the order of its ICCID
        Response order2 = call(provisioning, "POST", "/operator/orders", order);
        assertEquals(201, order2.status(), order2.body().toString());
        String iccid2 = order2.body().get("iccid").asText();
        String progress = "{\"header\":{\"functionRequesterIdentifier\":\"smdp\",\"functionCallIdentifier\":\"c-1\"},"
            + "\"eid\":\"" + eid + "\",\"iccid\":\"" + iccid2 + "\",\"profileType\":\"vinbind-iot\","
            + "\"timestamp\":\"2026-12-02T08:00:00Z\",\"notificationPointId\":3,"
            + "\"notificationPointStatus\":{\"status\":\"Executed-Success\"}}";
        Response ok = call(platform, "POST", "/gsma/rsp2/es2plus/handleDownloadProgressInfo", progress);
        assertEquals(200, ok.status(), ok.body().toString());
        assertEquals("Executed-Success", ok.body().at("/header/functionExecutionStatus/status").asText());
        assertEquals(400, call(platform, "POST", "/gsma/rsp2/es2plus/handleDownloadProgressInfo",
            progress.replace("\"iccid\"", "\"iccid2\"")).status());
        Response shown = call(viewer, "GET", "/operator/orders/" + order2.body().get("id").asLong(), null);
        assertEquals(1, shown.body().get("progress").size(), shown.body().toString());
        assertEquals("BPP download", shown.body().at("/progress/0/notificationPoint").asText());
        assertTrue(shown.body().at("/progress/0/caller").asText().startsWith("test-operator-platform"));
    }
}
