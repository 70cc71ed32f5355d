package io.vinbind.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.server.BindingServer;
import io.vinbind.server.Fixtures;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.TestTerminal;
import io.vinbind.server.auth.Role;
import io.vinbind.server.binding.RebindPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API against a running server (embedded broker, H2), with the hold policy and a real terminal. */
class HttpApiIT {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private URI base;
    /** The bearer token {@link #call} sends; null for none. */
    private String token;

    private record Response(int status, JsonNode body) {
    }

    private void startedWith(BindingServer server) throws Exception {
        base = server.httpBaseUri();
        token = Fixtures.token(server, Role.ADMIN);
    }

    private Response call(String method, String path, String body) throws Exception {
        return call(token, method, path, body);
    }

    private Response call(String bearer, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), json.readTree(r.body()));
    }

    @Test
    void factory_after_sales_and_back_end_questions_are_answered_over_http() throws Exception {
        String imsiA = Fixtures.imsi(1);
        String imsiB = Fixtures.imsi(2);
        String vin = Fixtures.vin(1);
        try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir).withRebindPolicy(RebindPolicy.HOLD))) {
            startedWith(server);

            // factory: bulk registration with a per-line report
            String csv = "imsi,iccid,imei,batch,part_number\n"
                + imsiA + "," + Fixtures.iccidOf(imsiA) + "," + Fixtures.imeiOf(imsiA) + ",B-7,TBOX-4G-01\n"
                + imsiB + "," + Fixtures.iccidOf(imsiB) + "," + Fixtures.imeiOf(imsiB) + ",B-7,TBOX-4G-01\n"
                + "12x,,,,\n";
            Response imported = call("POST", "/modems/import", csv);
            assertEquals(200, imported.status());
            assertEquals("2 added, 0 unchanged, 0 updated, 1 rejected", imported.body().get("summary").asText());
            assertEquals("REJECTED", imported.body().get("lines").get(2).get("status").asText());
            Response modem = call("GET", "/modems/" + imsiA, null);
            assertEquals("B-7", modem.body().get("modem").get("batch").asText());
            assertEquals(2, call("GET", "/modems?limit=10", null).body().size());

            try (TestTerminal a = new TestTerminal(server, imsiA, Fixtures.iccidOf(imsiA), Fixtures.imeiOf(imsiA));
                 TestTerminal b = new TestTerminal(server, imsiB, Fixtures.iccidOf(imsiB), Fixtures.imeiOf(imsiB))) {
                a.login();
                b.login();
                assertEquals(BindOutcome.BOUND, a.bind(vin).outcome());
                BindRequest takeover = b.request(vin); // the vehicle got a new terminal
                BindAck pending = b.bind(takeover);
                assertEquals(BindOutcome.PENDING, pending.outcome());
                assertEquals(imsiA, call("GET", "/bindings/vin/" + vin, null).body().get("imsi").asText());

                // after-sales approves the held rebind; the terminal hears the decision with its requestId
                Response holds = call("GET", "/holds", null);
                assertEquals(1, holds.body().size());
                long id = holds.body().get(0).get("id").asLong();
                assertEquals(takeover.requestId(), holds.body().get(0).get("requestId").asText());
                String alice = server.tokens().create("alice", Role.AFTER_SALES, "test").token();
                Response approved = call(alice, "POST", "/holds/" + id + "/approve", null);
                assertEquals(200, approved.status(), approved.body().toString());
                assertEquals("REBOUND", approved.body().get("ack").get("outcome").asText());
                BindAck decision = b.bindAck();
                assertEquals(takeover.requestId(), decision.requestId());
                assertEquals(BindOutcome.REBOUND, decision.outcome());
                assertEquals(409, call(alice, "POST", "/holds/" + id + "/reject", null).status());
            }

            assertEquals(imsiB, call("GET", "/bindings/vin/" + vin, null).body().get("imsi").asText());
            assertEquals(vin, call("GET", "/bindings/imsi/" + imsiB, null).body().get("vin").asText());
            assertEquals(404, call("GET", "/bindings/imsi/" + imsiA, null).status());
            List<String> events = new ArrayList<>();
            call("GET", "/history/vin/" + vin, null).body().forEach(h -> events.add(h.get("event").asText()));
            assertEquals(List.of("BOUND", "REBIND_HELD", "REBIND_APPROVED", "RELEASED", "TERMINAL_REPLACED", "REBOUND"),
                events);
            JsonNode approval = call("GET", "/history/vin/" + vin, null).body().get(2);
            assertEquals("http:alice", approval.get("source").asText(), "the operator is the credential's name");
            assertEquals(imsiA, call("GET", "/history/imsi/" + imsiA, null).body().get(0).get("imsi").asText());

            // back end: user -> VIN -> IMSI
            assertEquals(200, call("PUT", "/users/user-42/vehicles/" + vin, null).status());
            JsonNode routes = call("GET", "/users/user-42/vehicles", null).body().get("vehicles");
            assertEquals(vin, routes.get(0).get("vin").asText());
            assertEquals(imsiB, routes.get(0).get("binding").get("imsi").asText());
            assertEquals(400, call("PUT", "/users/user-42/vehicles/NOTAVIN", null).status());

            // after-sales: manual unbind
            Response unbound = call("POST", "/bindings/vin/" + vin + "/unbind", "{\"reason\":\"terminal returned\"}");
            assertEquals(200, unbound.status());
            assertEquals(imsiB, unbound.body().get("unbound").get("imsi").asText());
            assertEquals(404, call("GET", "/bindings/vin/" + vin, null).status());
            assertEquals(200, call("DELETE", "/users/user-42/vehicles/" + vin, null).status());

            // health and counters
            Response health = call("GET", "/health", null);
            assertEquals(200, health.status());
            assertEquals("UP", health.body().get("status").asText());
            assertEquals("HOLD", health.body().get("rebindPolicy").asText());
            assertTrue(call("GET", "/metrics", null).body().get("bind.outcome.PENDING").asLong() >= 1);
        }
    }

    @Test
    void bad_requests_get_a_status_and_an_error_naming_the_problem() throws Exception {
        try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir))) {
            startedWith(server);
            assertError(call("GET", "/no/such/thing", null), 404, "no such resource");
            assertError(call("DELETE", "/health", null), 405, "use GET");
            assertError(call("GET", "/bindings/imsi/12ab", null), 400, "imsi");
            assertError(call("POST", "/holds/abc/approve", null), 400, "hold id");
            assertError(call("POST", "/holds/99/approve", null), 404, "no held rebind");
            assertError(call("POST", "/holds/99/approve", "{\"x\":1}"), 400, "unknown field 'x'");
            assertError(call("POST", "/holds/99/approve", "{\"operator\":\"intruder\"}"), 400, "name of your credential");
            assertError(call("POST", "/holds/99/approve", "not json"), 400, "not JSON");
            assertError(call("POST", "/bindings/vin/" + Fixtures.vin(5) + "/unbind", "{}"), 404, "no live binding");
            assertError(call("GET", "/history/vin/X?limit=-1", null), 400, "limit");
            assertError(call("POST", "/modems/import", "serial\n1\n"), 400, "unknown column");
            // a mistyped VIN is named as such, not answered "no binding" or an empty history
            assertError(call("GET", "/bindings/vin/WVWZZZ1JZXW00000", null), 400, "VIN");
            assertError(call("GET", "/history/vin/WVWZZZ1JZXW00000O", null), 400, "VIN");
            assertError(call("POST", "/bindings/vin/NOTAVIN/unbind", null), 400, "VIN");
            assertError(call("DELETE", "/users/user-1/vehicles/NOTAVIN", null), 400, "VIN");
            assertEquals(200, call("GET", "/history/vin/" + Fixtures.vin(5), null).status(), "a valid VIN still works");
            assertTrue(server.metrics().get("http.4xx") >= 14);
        }
    }

    @Test
    void a_client_that_stalls_mid_body_is_answered_408_and_cut_off_and_does_not_hold_the_api() throws Exception {
        try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir))) {
            startedWith(server);
            List<java.net.Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) { // more than the API's 4 worker threads
                    java.net.Socket s = new java.net.Socket("127.0.0.1", base.getPort());
                    s.setSoTimeout((int) HttpApi.REQUEST_READ_LIMIT.plusSeconds(10).toMillis());
                    s.getOutputStream().write(("POST /holds/1/approve HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    stalled.add(s);
                }
                assertEquals(200, call("GET", "/metrics", null).status(), "the API answers while they stall");
                for (java.net.Socket s : stalled) {
                    // a server that waited for the rest for ever would fail this read with the socket timeout
                    RawResponse r = readResponse(s);
                    assertEquals(408, r.status(), r.toString());
                    assertTrue(r.body().contains("\"error\""), r.body());
                    assertEquals(-1, readOrReset(s), "connection closed by the server");
                }
            } finally {
                for (java.net.Socket s : stalled) {
                    s.close();
                }
            }
        }
    }

    /**
     * 32 clients that stall inside their headers or inside a body, held open together: health still answers
     * within a second (each costs the server a socket, not a thread).
     */
    @Test
    void health_answers_within_a_second_with_32_stalled_connections_open() throws Exception {
        try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir))) {
            startedWith(server);
            List<java.net.Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 32; i++) {
                    java.net.Socket s = new java.net.Socket("127.0.0.1", base.getPort());
                    String partial = i % 2 == 0 ? "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: a"
                        : "POST /modems/import HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nimsi\n";
                    s.getOutputStream().write(partial.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    stalled.add(s);
                }
                for (int i = 0; i < 3; i++) {
                    long t0 = System.nanoTime();
                    HttpRequest health = HttpRequest.newBuilder(base.resolve("/health")).timeout(Duration.ofSeconds(1))
                        .GET().build();
                    HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertEquals(200, r.statusCode(), r.body());
                    assertTrue(ms < 1000, "health took " + ms + " ms");
                }
            } finally {
                for (java.net.Socket s : stalled) {
                    s.close();
                }
            }
        }
    }

    /** What the JDK's server answered with an HTML page or a silent close is the API's JSON error here. */
    @Test
    void malformed_request_lines_uris_headers_and_chunked_bodies_get_the_json_error() throws Exception {
        try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir))) {
            startedWith(server);
            String[][] cases = {
                {"GARBAGE\r\n\r\n", "400"},                                                 // no method/URI/version
                {"GET /health HTTP/9.9\r\nHost: x\r\n\r\n", "505"},                            // unknown version
                {"GET /bindings/vin/%zz HTTP/1.1\r\nHost: x\r\n\r\n", "400"},                   // bad percent escape
                {"GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", "414"},           // line too long
                {"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(17000) + "\r\n\r\n", "431"},
                {"GET /health HTTP/1.1\r\nHost x\r\n\r\n", "400"},                              // header without colon
                {"POST /modems/import HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nimsi\r\n0\r\n\r\n",
                    "400"},                                                                    // chunk size not hex
                {"POST /holds/1/approve HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\n", "413"},
            };
            for (String[] c : cases) {
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", base.getPort())) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write(c[0].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                    RawResponse r = readResponse(s);
                    String shown = c[0].substring(0, Math.min(40, c[0].length()));
                    assertEquals(Integer.parseInt(c[1]), r.status(), shown + " -> " + r);
                    assertTrue(r.contentType().startsWith("application/json"), shown + " -> " + r);
                    JsonNode body = json.readTree(r.body());
                    assertTrue(body.get("error").asText().length() > 5, shown + " -> " + r);
                }
            }
            assertEquals(200, call("GET", "/health", null).status(), "still serving");
        }
    }

    private record RawResponse(int status, String contentType, String body) {
    }

    /** Reads one HTTP/1.1 response with a Content-Length body from a raw socket. */
    private static RawResponse readResponse(java.net.Socket s) throws java.io.IOException {
        java.io.InputStream in = s.getInputStream();
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            byte[] h = head.toByteArray();
            if (h.length >= 4 && h[h.length - 4] == '\r' && h[h.length - 3] == '\n' && h[h.length - 2] == '\r'
                && h[h.length - 1] == '\n') {
                break;
            }
        }
        String[] lines = head.toString(java.nio.charset.StandardCharsets.ISO_8859_1).split("\r\n");
        if (lines.length == 0 || !lines[0].startsWith("HTTP/1.1 ")) {
            throw new AssertionError("no HTTP response: '" + head + "'");
        }
        int status = Integer.parseInt(lines[0].substring(9, 12));
        int length = 0;
        String type = "";
        for (String line : lines) {
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            } else if (lower.startsWith("content-type:")) {
                type = line.substring(13).trim();
            }
        }
        byte[] body = in.readNBytes(length);
        return new RawResponse(status, type, new String(body, java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * The attacks of the trusted-channel issue, anonymously and with the wrong role: registering a modem,
     * unbinding, approving a hold in a name the body chooses. Each is refused with 401 or 403 and the JSON body,
     * and changes nothing.
     */
    @Test
    void every_route_but_health_needs_a_token_whose_role_covers_it() throws Exception {
        try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir))) {
            startedWith(server);
            String csv = "imsi\n" + Fixtures.imsi(77) + "\n";
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(base.resolve("/modems/import"))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(csv)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), anonymous.body());
            assertEquals("Bearer realm=\"vinbind\"", anonymous.headers().firstValue("WWW-Authenticate").orElse(""));
            assertTrue(json.readTree(anonymous.body()).get("error").asText().contains("factory"), anonymous.body());
            assertError(call(null, "POST", "/bindings/vin/" + Fixtures.vin(1) + "/unbind", null), 401, "after-sales");
            assertError(call(null, "POST", "/holds/1/approve", null), 401, "after-sales");
            assertError(call(null, "GET", "/bindings/vin/" + Fixtures.vin(1), null), 401, "viewer");
            assertError(call("vbt_made-up", "GET", "/metrics", null), 401, "not valid");
            assertError(call("not-bearer", "GET", "/metrics", null), 401, "not valid");

            String viewer = Fixtures.token(server, Role.VIEWER);
            String factory = Fixtures.token(server, Role.FACTORY);
            String afterSales = Fixtures.token(server, Role.AFTER_SALES);
            assertEquals(200, call(viewer, "GET", "/metrics", null).status());
            assertError(call(viewer, "POST", "/modems/import", csv), 403, "needs role factory");
            assertError(call(afterSales, "POST", "/modems/import", csv), 403, "has role after-sales");
            assertError(call(factory, "POST", "/holds/1/approve", null), 403, "needs role after-sales");
            assertError(call(afterSales, "POST", "/terminals/T-1/revoke", null), 403, "needs role admin");
            assertError(call(viewer, "POST", "/tokens", "{\"name\":\"x\",\"role\":\"admin\"}"), 403, "admin");
            assertTrue(server.registry().find(Fixtures.imsi(77)).isEmpty(), "nothing registered by the refusals");

            assertEquals(200, call(factory, "POST", "/modems/import", csv).status());
            assertTrue(server.registry().find(Fixtures.imsi(77)).isPresent());

            // an admin issues a token; it works at once, and is refused at once when revoked
            Response issued = call("POST", "/tokens", "{\"name\":\"workshop-9\",\"role\":\"after-sales\"}");
            assertEquals(201, issued.status(), issued.body().toString());
            String w9 = issued.body().get("token").asText();
            assertTrue(w9.startsWith("vbt_"));
            assertEquals(200, call(w9, "GET", "/holds", null).status());
            assertError(call("POST", "/tokens", "{\"name\":\"workshop-9\",\"role\":\"viewer\"}"), 409, "exists already");
            assertTrue(call("GET", "/tokens", null).body().toString().contains("workshop-9"));
            assertTrue(!call("GET", "/tokens", null).body().toString().contains(w9), "values never listed");
            assertEquals(200, call("DELETE", "/tokens/workshop-9", null).status());
            assertError(call(w9, "GET", "/holds", null), 401, "not valid");

            // health: status for anyone (a load balancer), counters only with a credential
            Response open = call(null, "GET", "/health", null);
            assertEquals("UP", open.body().get("status").asText());
            assertTrue(open.body().get("counters") == null, open.body().toString());
            assertTrue(call(viewer, "GET", "/health", null).body().get("counters") != null);
        }
    }

    /** GET /tokens used to name roles by the enum's constants ("AFTER_SALES") where POST /tokens says after-sales. */
    @Test
    void tokens_are_listed_with_the_role_names_that_creating_one_takes_and_answers() throws Exception {
        try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir))) {
            startedWith(server);
            Response issued = call("POST", "/tokens", "{\"name\":\"workshop-9\",\"role\":\"after-sales\"}");
            assertEquals(201, issued.status(), issued.body().toString());
            assertEquals("after-sales", issued.body().get("role").asText());
            Fixtures.token(server, Role.FACTORY);
            Fixtures.token(server, Role.VIEWER);
            JsonNode listed = null;
            List<String> roles = new ArrayList<>();
            for (JsonNode t : call("GET", "/tokens", null).body()) {
                roles.add(t.get("role").asText());
                if (t.get("name").asText().equals("workshop-9")) {
                    listed = t;
                }
            }
            assertTrue(listed != null, roles.toString());
            assertEquals("after-sales", listed.get("role").asText(), listed.toString());
            assertTrue(List.of("viewer", "after-sales", "factory", "admin").containsAll(roles), roles.toString());
            assertTrue(roles.containsAll(List.of("admin", "factory", "viewer")), roles.toString());
        }
    }

    /** A name breaking the rule used to be answered 409, as if it were taken. */
    @Test
    void a_token_name_that_breaks_the_rule_is_a_bad_request_naming_the_rule() throws Exception {
        try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir))) {
            startedWith(server);
            assertError(call("POST", "/tokens", "{\"name\":\"work shop/9\",\"role\":\"viewer\"}"), 400,
                "must be 1-64 characters A-Z a-z 0-9 . _ @ + -");
            assertError(call("POST", "/tokens", "{\"name\":\"" + "w".repeat(65) + "\",\"role\":\"viewer\"}"), 400,
                "must be 1-64 characters");
            assertError(call("POST", "/tokens", "{\"name\":\"\",\"role\":\"viewer\"}"), 400, "must be 1-64 characters");
            assertEquals(201, call("POST", "/tokens", "{\"name\":\"w-9\",\"role\":\"viewer\"}").status());
            assertError(call("POST", "/tokens", "{\"name\":\"w-9\",\"role\":\"admin\"}"), 409, "exists already");
        }
    }

    /** One byte, or -1 at end of stream or when the peer reset the connection; a read timeout propagates. */
    private static int readOrReset(java.net.Socket s) throws java.io.IOException {
        try {
            return s.getInputStream().read();
        } catch (java.net.SocketTimeoutException e) {
            throw e;
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    private static void assertError(Response r, int status, String part) {
        assertEquals(status, r.status(), r.body().toString());
        assertTrue(r.body().get("error").asText().contains(part), r.body().toString());
    }
}
