package io.vinbind.esim.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vinbind.esim.bpp.BoundProfilePackage;
import io.vinbind.esim.es10.Es10Client;
import io.vinbind.esim.es10.Es10Exception;
import io.vinbind.esim.message.AuthenticateServerRequest;
import io.vinbind.esim.message.AuthenticateServerResponse;
import io.vinbind.esim.message.Challenge;
import io.vinbind.esim.message.CtxParams1;
import io.vinbind.esim.message.Der;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.Notifications;
import io.vinbind.esim.message.NotificationMetadata;
import io.vinbind.esim.message.PrepareDownloadRequest;
import io.vinbind.esim.message.ProfileInstallationResult;
import io.vinbind.esim.message.ProfileManagement;
import io.vinbind.esim.message.ServerSigned1;
import io.vinbind.esim.message.SmdpSigned2;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;

/**
 * An LPA written for the tests: ES9+ over real HTTPS to the SM-DP+ simulator, ES10 through {@link Es10Client}
 * (STORE DATA framing over the eUICC simulator's APDU interface). Hooks let a test tamper with what passes.
 */
public final class TestLpa {

    /** The SM-DP+ answered Failed / Expired. */
    static final class SmdpFailure extends Exception {
        final String subjectCode;
        final String reasonCode;
        final String status;

        SmdpFailure(String function, JsonNode header) {
            super(function + ": " + header);
            JsonNode st = header.path("functionExecutionStatus");
            status = st.path("status").asText();
            subjectCode = st.path("statusCodeData").path("subjectCode").asText();
            reasonCode = st.path("statusCodeData").path("reasonCode").asText();
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();

    final URI smdp;
    final String smdpAddress;
    final HttpClient http;
    final Es10Client es10;
    UnaryOperator<byte[]> tamperServerSignature1 = UnaryOperator.identity();
    UnaryOperator<byte[]> tamperAuthenticateServerResponse = UnaryOperator.identity();
    UnaryOperator<BoundProfilePackage> tamperBpp = UnaryOperator.identity();
    String transactionIdOverride;
    /** Filled in as a download proceeds, for replay tests. */
    String lastTransactionId;
    byte[] lastPrepareDownloadResponse;
    BoundProfilePackage lastBpp;

    public TestLpa(URI smdp, String smdpAddress, SSLContext tls, Es10Client es10) {
        this(smdp, smdpAddress, HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build(), es10);
    }

    /** With a client shared by several LPAs (connections reused, as a server-side LPA does). */
    public TestLpa(URI smdp, String smdpAddress, HttpClient http, Es10Client es10) {
        this.smdp = smdp;
        this.smdpAddress = smdpAddress;
        this.http = http;
        this.es10 = es10;
    }

    /** The whole download of SGP.22 §3.1.3, returning the eUICC's ProfileInstallationResult. */
    public ProfileInstallationResult download(String matchingId, String confirmationCode) throws Exception {
        byte[] info1 = es10.send(Challenge.euiccInfo1Request());
        byte[] challenge = Challenge.decodeResponse(es10.send(Challenge.request()));
        ObjectNode ia = JSON.createObjectNode();
        ia.put("euiccChallenge", b64(challenge));
        ia.put("euiccInfo1", b64(info1));
        ia.put("smdpAddress", smdpAddress);
        JsonNode r1 = es9("initiateAuthentication", ia);
        String tid = r1.get("transactionId").asText();
        lastTransactionId = tid;
        AuthenticateServerRequest asr = new AuthenticateServerRequest(ServerSigned1.decode(unb64(r1, "serverSigned1")),
            tamperServerSignature1.apply(value(unb64(r1, "serverSignature1"))), value(unb64(r1, "euiccCiPKIdToBeUsed")),
            unb64(r1, "serverCertificate"), new CtxParams1(matchingId, HexFormat.of().parseHex("35290611"),
            HexFormat.of().parseHex("3586980412345610")));
        byte[] asResp = tamperAuthenticateServerResponse.apply(es10.send(asr.encode()));
        if (AuthenticateServerResponse.decode(asResp) instanceof AuthenticateServerResponse.Error e) {
            throw new EuiccRefusal("AuthenticateServer", e.code().name());
        }
        ObjectNode ac = JSON.createObjectNode();
        ac.put("transactionId", transactionIdOverride != null ? transactionIdOverride : tid);
        ac.put("authenticateServerResponse", b64(asResp));
        JsonNode r2 = es9("authenticateClient", ac);
        SmdpSigned2 s2 = SmdpSigned2.decode(unb64(r2, "smdpSigned2"));
        byte[] hashCc = null;
        if (s2.ccRequired() && confirmationCode != null) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] h1 = sha.digest(confirmationCode.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update(h1);
            sha.update(s2.transactionId());
            hashCc = sha.digest();
        }
        PrepareDownloadRequest pd = new PrepareDownloadRequest(s2, value(unb64(r2, "smdpSignature2")), hashCc,
            unb64(r2, "smdpCertificate"));
        byte[] pdResp = es10.send(pd.encode());
        lastPrepareDownloadResponse = pdResp;
        ObjectNode gb = JSON.createObjectNode();
        gb.put("transactionId", tid);
        gb.put("prepareDownloadResponse", b64(pdResp));
        JsonNode r3 = es9("getBoundProfilePackage", gb);
        BoundProfilePackage bpp = BoundProfilePackage.decode(unb64(r3, "boundProfilePackage"));
        lastBpp = bpp;
        return es10.loadBoundProfilePackage(tamperBpp.apply(bpp));
    }

    /** Size in bytes of the last package received. */
    public int lastBppSize() {
        return lastBpp.size();
    }

    /** Segments of the last package received. */
    public int lastBppSegments() {
        return lastBpp.segments().size();
    }

    /** The eUICC refused (an ES10 error code). */
    static final class EuiccRefusal extends Exception {
        final String code;

        EuiccRefusal(String function, String code) {
            super(function + " refused by the eUICC: " + code);
            this.code = code;
        }
    }

    /** Sends every pending notification to the SM-DP+ and removes each the SM-DP+ took (HTTP 204). */
    public List<NotificationMetadata> sendNotifications() throws Exception {
        List<NotificationMetadata> sent = new ArrayList<>();
        Notifications.ListResponse list = Notifications.ListResponse.decode(es10.send(new Notifications.ListRequest(null).encode()));
        for (NotificationMetadata m : list.notifications()) {
            Notifications.RetrieveResponse one = Notifications.RetrieveResponse.decode(
                es10.send(new Notifications.RetrieveRequest(m.seqNumber(), null).encode()));
            ObjectNode hn = JSON.createObjectNode();
            hn.put("pendingNotification", b64(one.notifications().get(0).encode()));
            HttpResponse<byte[]> r = post("/gsma/rsp2/es9plus/handleNotification", hn, null);
            if (r.statusCode() == 204) {
                Notifications.SentResponse removed = Notifications.SentResponse.decode(
                    es10.send(new Notifications.SentRequest(m.seqNumber()).encode()));
                if (removed.status() != Notifications.DeleteStatus.OK) {
                    throw new IllegalStateException("NotificationSent answered " + removed.status());
                }
                sent.add(m);
            } else {
                throw new IllegalStateException("handleNotification answered HTTP " + r.statusCode());
            }
        }
        return sent;
    }

    public ProfileManagement.Result enable(Iccid iccid) throws Es10Exception {
        byte[] r = es10.send(new ProfileManagement.SwitchRequest(ProfileManagement.Operation.ENABLE, iccid, true).encode());
        return ProfileManagement.ResultResponse.decode(r, 49).result();
    }

    JsonNode es9(String function, ObjectNode body) throws IOException, InterruptedException, SmdpFailure {
        HttpResponse<byte[]> r = post("/gsma/rsp2/es9plus/" + function, body, null);
        if (r.statusCode() != 200) {
            throw new IOException(function + " answered HTTP " + r.statusCode());
        }
        JsonNode n = JSON.readTree(r.body());
        if (!"Executed-Success".equals(n.path("header").path("functionExecutionStatus").path("status").asText())) {
            throw new SmdpFailure(function, n.path("header"));
        }
        return n;
    }

    HttpResponse<byte[]> post(String path, Object body, String bearer) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(smdp.resolve(path)).timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json").header("X-Admin-Protocol", "gsma/rsp/v2.2.2")
            .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The value of a 5F37 or 04 TLV. */
    static byte[] value(byte[] tlv) {
        try {
            ASN1Primitive p = ASN1Primitive.fromByteArray(tlv);
            if (p instanceof ASN1OctetString s) {
                return s.getOctets();
            }
            return Der.implicitOctets(Der.parseTagged(tlv, Der.APPLICATION, 55, "signature"), "signature");
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    static byte[] unb64(JsonNode n, String field) {
        return Base64.getDecoder().decode(n.get(field).asText());
    }
}
