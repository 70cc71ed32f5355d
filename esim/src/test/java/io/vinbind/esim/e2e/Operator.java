package io.vinbind.esim.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.util.UUID;

/** The operator's side of ES2+ for the tests: orders and confirms profiles with the bearer token. */
public final class Operator {
    private final TestLpa http;
    private final String token;

    public Operator(TestLpa http, String token) {
        this.http = http;
        this.token = token;
    }

    public JsonNode call(String function, ObjectNode body) throws Exception {
        ObjectNode header = body.putObject("header");
        header.put("functionRequesterIdentifier", "vinbind-test-operator");
        header.put("functionCallIdentifier", UUID.randomUUID().toString());
        HttpResponse<byte[]> r = http.post("/gsma/rsp2/es2plus/" + function, body, token);
        if (r.statusCode() != 200) {
            throw new IllegalStateException(function + " answered HTTP " + r.statusCode());
        }
        return TestLpa.JSON.readTree(r.body());
    }

    /** downloadOrder + confirmOrder (released); returns the matchingId. */
    public String order(String eid, String iccid, String confirmationCode) throws Exception {
        ObjectNode d = TestLpa.JSON.createObjectNode();
        if (eid != null) {
            d.put("eid", eid);
        }
        d.put("iccid", iccid);
        JsonNode r = call("downloadOrder", d);
        check(r, "downloadOrder");
        ObjectNode c = TestLpa.JSON.createObjectNode();
        c.put("iccid", iccid);
        if (eid != null) {
            c.put("eid", eid);
        }
        if (confirmationCode != null) {
            c.put("confirmationCode", confirmationCode);
        }
        c.put("releaseFlag", true);
        JsonNode cr = call("confirmOrder", c);
        check(cr, "confirmOrder");
        return cr.get("matchingId").asText();
    }

    public static void check(JsonNode r, String f) {
        String status = r.path("header").path("functionExecutionStatus").path("status").asText();
        if (!"Executed-Success".equals(status)) {
            throw new IllegalStateException(f + " failed: " + r);
        }
    }
}
