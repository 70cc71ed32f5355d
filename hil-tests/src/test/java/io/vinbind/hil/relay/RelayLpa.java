package io.vinbind.hil.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vinbind.esim.bpp.BoundProfilePackage;
import io.vinbind.esim.message.AuthenticateServerRequest;
import io.vinbind.esim.message.AuthenticateServerResponse;
import io.vinbind.esim.message.Challenge;
import io.vinbind.esim.message.CtxParams1;
import io.vinbind.esim.message.Der;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.NotificationMetadata;
import io.vinbind.esim.message.Notifications;
import io.vinbind.esim.message.PrepareDownloadRequest;
import io.vinbind.esim.message.ProfileInfo;
import io.vinbind.esim.message.ProfileInstallationResult;
import io.vinbind.esim.message.ProfileManagement;
import io.vinbind.esim.message.ProfileState;
import io.vinbind.esim.message.ServerSigned1;
import io.vinbind.esim.message.SmdpSigned2;
import io.vinbind.protocol.ChannelHandling;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;

/**
 * A server-side LPA written for the tests: ES9+ over HTTPS to the SM-DP+ simulator (SGP.22 §3.1.3, §5.6), ES10
 * relayed through the terminal in batches ({@link RelayEs10}). It knows nothing of MQTT or AT.
 */
final class RelayLpa {

    static final ObjectMapper JSON = new ObjectMapper();

    final URI smdp;
    final String smdpAddress;
    final HttpClient http;
    final RelayEs10 es10;
    long es9Nanos;

    RelayLpa(URI smdp, String smdpAddress, HttpClient http, RelayEs10 es10) {
        this.smdp = smdp;
        this.smdpAddress = smdpAddress;
        this.http = http;
        this.es10 = es10;
    }

    /** The download up to the bound profile package (InitiateAuthentication … GetBoundProfilePackage). */
    BoundProfilePackage prepare(String matchingId) throws Exception {
        byte[] info1 = es10.send(Challenge.euiccInfo1Request());
        byte[] challenge = Challenge.decodeResponse(es10.send(Challenge.request()));
        ObjectNode ia = JSON.createObjectNode();
        ia.put("euiccChallenge", b64(challenge));
        ia.put("euiccInfo1", b64(info1));
        ia.put("smdpAddress", smdpAddress);
        JsonNode r1 = es9("initiateAuthentication", ia);
        String tid = r1.get("transactionId").asText();
        AuthenticateServerRequest asr = new AuthenticateServerRequest(ServerSigned1.decode(unb64(r1, "serverSigned1")),
            value(unb64(r1, "serverSignature1")), value(unb64(r1, "euiccCiPKIdToBeUsed")),
            unb64(r1, "serverCertificate"), new CtxParams1(matchingId, HexFormat.of().parseHex("35290611"),
            HexFormat.of().parseHex("3586980412345610")));
        byte[] asResp = es10.send(asr.encode());
        if (AuthenticateServerResponse.decode(asResp) instanceof AuthenticateServerResponse.Error e) {
            throw new IllegalStateException("AuthenticateServer refused by the eUICC: " + e.code());
        }
        ObjectNode ac = JSON.createObjectNode();
        ac.put("transactionId", tid);
        ac.put("authenticateServerResponse", b64(asResp));
        JsonNode r2 = es9("authenticateClient", ac);
        SmdpSigned2 s2 = SmdpSigned2.decode(unb64(r2, "smdpSigned2"));
        PrepareDownloadRequest pd = new PrepareDownloadRequest(s2, value(unb64(r2, "smdpSignature2")), null,
            unb64(r2, "smdpCertificate"));
        byte[] pdResp = es10.send(pd.encode());
        ObjectNode gb = JSON.createObjectNode();
        gb.put("transactionId", tid);
        gb.put("prepareDownloadResponse", b64(pdResp));
        JsonNode r3 = es9("getBoundProfilePackage", gb);
        return BoundProfilePackage.decode(unb64(r3, "boundProfilePackage"));
    }

    /** The whole download: the eUICC's ProfileInstallationResult. */
    ProfileInstallationResult download(String matchingId) throws Exception {
        return es10.load(prepare(matchingId));
    }

    /** ICCID → state of every profile on the eUICC. */
    Map<String, ProfileState> profiles(ChannelHandling channel) throws Exception {
        return ProfileManagement.ProfilesInfoResponse.decode(es10.send(new ProfileManagement.ProfilesInfoRequest(null)
            .encode(), channel)).profiles().stream().collect(Collectors.toMap(p -> p.iccid().digits(), ProfileInfo::state));
    }

    ProfileManagement.Result enable(Iccid iccid) throws Exception {
        byte[] r = es10.send(new ProfileManagement.SwitchRequest(ProfileManagement.Operation.ENABLE, iccid, true).encode());
        return ProfileManagement.ResultResponse.decode(r, 49).result();
    }

    /** Sends every pending notification to the SM-DP+ (handleNotification) and removes each it took. */
    List<NotificationMetadata> sendNotifications() throws Exception {
        List<NotificationMetadata> sent = new ArrayList<>();
        Notifications.ListResponse list = Notifications.ListResponse.decode(es10.send(new Notifications.ListRequest(null).encode()));
        for (NotificationMetadata m : list.notifications()) {
            Notifications.RetrieveResponse one = Notifications.RetrieveResponse.decode(
                es10.send(new Notifications.RetrieveRequest(m.seqNumber(), null).encode()));
            ObjectNode hn = JSON.createObjectNode();
            hn.put("pendingNotification", b64(one.notifications().get(0).encode()));
            HttpResponse<byte[]> r = post("/gsma/rsp2/es9plus/handleNotification", hn);
            if (r.statusCode() != 204) {
                throw new IllegalStateException("handleNotification answered HTTP " + r.statusCode());
            }
            Notifications.SentResponse removed = Notifications.SentResponse.decode(
                es10.send(new Notifications.SentRequest(m.seqNumber()).encode()));
            if (removed.status() != Notifications.DeleteStatus.OK) {
                throw new IllegalStateException("NotificationSent answered " + removed.status());
            }
            sent.add(m);
        }
        return sent;
    }

    JsonNode es9(String function, ObjectNode body) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        HttpResponse<byte[]> r = post("/gsma/rsp2/es9plus/" + function, body);
        es9Nanos += System.nanoTime() - t0;
        if (r.statusCode() != 200) {
            throw new IOException(function + " answered HTTP " + r.statusCode());
        }
        JsonNode n = JSON.readTree(r.body());
        if (!"Executed-Success".equals(n.path("header").path("functionExecutionStatus").path("status").asText())) {
            throw new IOException(function + " failed: " + n.path("header"));
        }
        return n;
    }

    HttpResponse<byte[]> post(String path, Object body) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(smdp.resolve(path)).timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json").header("X-Admin-Protocol", "gsma/rsp/v2.2.2")
            .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
        return http.send(req, HttpResponse.BodyHandlers.ofByteArray());
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
