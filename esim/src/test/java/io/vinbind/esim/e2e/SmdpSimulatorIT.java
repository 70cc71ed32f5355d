package io.vinbind.esim.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.esim.smdp.InventoryProfile;
import io.vinbind.esim.smdp.SmdpConfig;
import io.vinbind.esim.smdp.SmdpFaults;
import io.vinbind.esim.smdp.SmdpSimulator;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SM-DP+ simulator's persistence, ES2+ state rules and HTTP-level faults. */
class SmdpSimulatorIT {

    static final String TOKEN = "es2-token-for-the-tests";
    static TestPki pki;
    static SSLContext tls;
    static final List<InventoryProfile> INVENTORY = List.of(
        new InventoryProfile("8949000000000002000", "262010000002000", "iot"),
        new InventoryProfile("8949000000000002001", "262010000002001", "iot"));

    @BeforeAll
    static void setUp() throws Exception {
        pki = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 0);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ci", pki.ci());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
    }

    static Operator operator(SmdpSimulator smdp) {
        return new Operator(new TestLpa(smdp.baseUri(), smdp.smdpAddress(), tls, null), TOKEN);
    }

    @Test
    void ordersSurviveARestart(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("smdp.json");
        SmdpConfig config = SmdpConfig.of(pki.smdp(), INVENTORY, TOKEN).withStateFile(state);
        String matchingId;
        try (SmdpSimulator smdp = SmdpSimulator.start(config)) {
            matchingId = operator(smdp).order(null, "8949000000000002000", null);
            assertEquals("RELEASED", smdp.profileState("8949000000000002000"));
        }
        try (SmdpSimulator again = SmdpSimulator.start(config)) {
            assertEquals("RELEASED", again.profileState("8949000000000002000"));
            assertEquals("AVAILABLE", again.profileState("8949000000000002001"));
            // a profile already ordered cannot be ordered again
            ObjectNode d = TestLpa.JSON.createObjectNode();
            d.put("iccid", "8949000000000002000");
            JsonNode r = operator(again).call("downloadOrder", d);
            assertEquals("8.2.1", r.path("header").path("functionExecutionStatus").path("statusCodeData").path("subjectCode").asText());
            assertEquals("3.7", r.path("header").path("functionExecutionStatus").path("statusCodeData").path("reasonCode").asText());
            // cancelOrder makes it available again
            ObjectNode c = TestLpa.JSON.createObjectNode();
            c.put("iccid", "8949000000000002000");
            c.put("matchingId", matchingId);
            c.put("finalProfileStatusIndicator", "Available");
            Operator.check(operator(again).call("cancelOrder", c), "cancelOrder");
            assertEquals("AVAILABLE", again.profileState("8949000000000002000"));
        }
    }

    @Test
    void serverErrorFaultAnswers500ThenRecovers() throws Exception {
        SmdpConfig config = SmdpConfig.of(pki.smdp(), INVENTORY, TOKEN)
            .withFaults(new SmdpFaults(Duration.ofMillis(50), 1, Set.of(), false));
        try (SmdpSimulator smdp = SmdpSimulator.start(config)) {
            Operator op = operator(smdp);
            IllegalStateException first = assertThrows(IllegalStateException.class,
                () -> op.order(null, "8949000000000002001", null));
            assertTrue(first.getMessage().contains("HTTP 500"), first.getMessage());
            long t0 = System.nanoTime();
            op.order(null, "8949000000000002001", null);
            assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(100).toNanos(), "two slow answers take at least 100 ms");
        }
    }

    @Test
    void expiredOrdersAreRefusedAsExpired() throws Exception {
        SmdpConfig config = SmdpConfig.of(pki.smdp(), INVENTORY, TOKEN).withFaults(new SmdpFaults(Duration.ZERO, 0, Set.of(), true));
        try (SmdpSimulator smdp = SmdpSimulator.start(config)) {
            Operator op = operator(smdp);
            ObjectNode d = TestLpa.JSON.createObjectNode();
            d.put("iccid", "8949000000000002000");
            Operator.check(op.call("downloadOrder", d), "downloadOrder");
            ObjectNode c = TestLpa.JSON.createObjectNode();
            c.put("iccid", "8949000000000002000");
            c.put("releaseFlag", true);
            JsonNode r = op.call("confirmOrder", c);
            assertEquals("Expired", r.path("header").path("functionExecutionStatus").path("status").asText());
            assertEquals("8.8.5", r.path("header").path("functionExecutionStatus").path("statusCodeData").path("subjectCode").asText());
        }
    }
}
