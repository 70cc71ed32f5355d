package io.vinbind.server.provisioning;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.esim.rsp.Es2Plus;
import io.vinbind.esim.rsp.Rsp;
import io.vinbind.log.Untrusted;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.tinylog.Logger;

/**
 * The operator-platform client: GSMA SGP.22 ES2+ (§5.3) towards one SM-DP+ over HTTPS, authenticated with the
 * bearer token the operator issued (the transport security of §2.6.6 leaves the credential to the deployment).
 * Each call carries a fresh {@code functionCallIdentifier} and is bounded by {@link #CALL_TIMEOUT}.
 */
public final class OperatorPlatform {

    /** Bound on one ES2+ call, connect included. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
    /** Answers may carry fields of later SGP.22 versions; only the ones read are checked. */
    private static final ObjectMapper LENIENT = new ObjectMapper()
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** Largest ES2+ answer read (they are a few hundred bytes). */
    static final int MAX_ANSWER_BYTES = 64 * 1024;

    /**
     * How to reach one platform.
     *
     * @param id the platform's name in configuration rules ({@code [A-Za-z0-9._-]{1,64}})
     * @param base the SM-DP+'s ES2+ base, {@code https://host:port} (ES2+ paths are {@value Es2Plus#PATH}…)
     * @param token the bearer token for ES2+
     * @param trust the CA certificates (PEM) its TLS certificate chains to; empty: the JDK's default trust store
     * @param es9Address the SM-DP+ address (SGP.22: what confirmOrder answers and the eUICC checks) whose ES9+ is at
     *     {@code base} too, when that address does not resolve there (a bench, a lab)
     * @param confirmationCodes whether this operator's orders are confirmed with a confirmation code (SGP.22 §3.1.2),
     *     which the server then makes per order and hands the LPA's PrepareDownload as its hash
     */
    public record Spec(String id, URI base, String token, Optional<Path> trust, Optional<String> es9Address,
                       boolean confirmationCodes) {

        /** A platform whose SM-DP+ address resolves to where its ES9+ is. */
        public Spec(String id, URI base, String token, Optional<Path> trust) {
            this(id, base, token, trust, Optional.empty());
        }

        /** A platform whose orders carry no confirmation code. */
        public Spec(String id, URI base, String token, Optional<Path> trust, Optional<String> es9Address) {
            this(id, base, token, trust, es9Address, false);
        }

        public Spec {
            Objects.requireNonNull(es9Address, "es9Address");
            es9Address.ifPresent(a -> {
                if (!a.matches("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")) {
                    throw new InvalidDefinitionException("smdp-address", "'" + Fields.shown(a) + "' is not an FQDN[:port]");
                }
            });
            Fields.id("id", id);
            Objects.requireNonNull(base, "base");
            if (!"https".equals(base.getScheme()) && !(base.getHost() != null && io.vinbind.server.ServerConfig.loopback(base.getHost()))) {
                throw new InvalidDefinitionException("url", base + " is not https:// (ES2+ runs over TLS, SGP.22 §2.6.6;"
                    + " plain http only to loopback)");
            }
            if (token == null || token.isBlank() || token.chars().anyMatch(ch -> ch <= ' ' || ch > '~')) {
                throw new InvalidDefinitionException("token", "is missing or not printable ASCII without spaces");
            }
            Objects.requireNonNull(trust, "trust");
        }
    }

    private final Spec spec;
    private final HttpClient http;
    private final String requester;

    /**
     * @param requester this server's {@code functionRequesterIdentifier}
     * @throws IOException when the trust file cannot be read or holds no certificate
     */
    public OperatorPlatform(Spec spec, String requester) throws IOException {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.requester = Objects.requireNonNull(requester, "requester");
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(CALL_TIMEOUT).version(HttpClient.Version.HTTP_1_1);
        if (spec.trust().isPresent()) {
            b.sslContext(io.vinbind.server.pki.PemTrust.trusting(spec.trust().get()));
        }
        this.http = b.build();
    }

    public String id() {
        return spec.id();
    }

    public URI base() {
        return spec.base();
    }

    /** Whether orders on this platform are confirmed with a confirmation code the server makes. */
    public boolean confirmationCodes() {
        return spec.confirmationCodes();
    }

    /** ES2+.DownloadOrder (§5.3.1): reserves a profile of {@code profileType} (or the given ICCID) for the EID. */
    public Es2Plus.DownloadOrderResponse downloadOrder(String eid, Optional<String> iccid, Optional<String> profileType)
        throws OperatorException {
        return call("downloadOrder", new Es2Plus.DownloadOrderRequest(header(), eid, iccid.orElse(null),
            profileType.orElse(null)), Es2Plus.DownloadOrderResponse.class);
    }

    /** ES2+.ConfirmOrder (§5.3.2), released at once ({@code releaseFlag} true) so the download may start. */
    public Es2Plus.ConfirmOrderResponse confirmOrder(String iccid, String eid, Optional<String> confirmationCode)
        throws OperatorException {
        return call("confirmOrder", new Es2Plus.ConfirmOrderRequest(header(), iccid, eid, null,
            confirmationCode.orElse(null), null, true), Es2Plus.ConfirmOrderResponse.class);
    }

    /**
     * ES2+.CancelOrder (§5.3.3) of a provisioning abandoned before the profile was installed.
     *
     * @param available whether the profile goes back to the platform's stock ({@code Available}) or not
     */
    public void cancelOrder(String iccid, String eid, Optional<String> matchingId, boolean available)
        throws OperatorException {
        call("cancelOrder", new Es2Plus.CancelOrderRequest(header(), iccid, eid, matchingId.orElse(null),
            available ? "Available" : "Unavailable"), Rsp.HeaderOnly.class);
    }

    private Rsp.RequestHeader header() {
        return new Rsp.RequestHeader(requester, UUID.randomUUID().toString());
    }

    private <T> T call(String function, Object body, Class<T> answer) throws OperatorException {
        URI uri = spec.base().resolve(Es2Plus.PATH + function);
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(CALL_TIMEOUT)
            .header("Content-Type", "application/json").header("X-Admin-Protocol", Rsp.ADMIN_PROTOCOL)
            .header("Authorization", "Bearer " + spec.token())
            .POST(HttpRequest.BodyPublishers.ofByteArray(Rsp.write(body))).build();
        HttpResponse<InputStream> r;
        byte[] bytes;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
            }
        } catch (HttpTimeoutException e) {
            throw unavailable(function, "no answer from " + uri + " within " + CALL_TIMEOUT.toSeconds() + " s", e);
        } catch (IOException e) {
            throw unavailable(function, "cannot reach " + uri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(function, "interrupted while calling " + uri, e);
        }
        if (bytes.length > MAX_ANSWER_BYTES) {
            throw unavailable(function, "answer over " + MAX_ANSWER_BYTES + " bytes", null);
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new OperatorException(OperatorException.Kind.REFUSED, function, "HTTP " + r.statusCode()
                + ": the platform refused this server's ES2+ credential", Optional.empty(), Optional.empty(), null);
        }
        if (r.statusCode() != 200) {
            throw unavailable(function, "HTTP " + r.statusCode() + " from " + uri, null);
        }
        JsonNode tree;
        try {
            tree = LENIENT.readTree(bytes);
        } catch (IOException e) {
            throw unavailable(function, "answer is not JSON: " + Untrusted.escape(e.getMessage()), e);
        }
        JsonNode s = tree == null ? null : tree.path("header").path("functionExecutionStatus");
        if (s == null || !s.path("status").isTextual()) {
            throw unavailable(function, "answer has no header.functionExecutionStatus.status", null);
        }
        String st = s.path("status").textValue();
        if (!Rsp.FunctionExecutionStatus.SUCCESS.equals(st) && !Rsp.FunctionExecutionStatus.WITH_WARNING.equals(st)) {
            JsonNode d = s.path("statusCodeData");
            Optional<String> subject = text(d, "subjectCode");
            Optional<String> reason = text(d, "reasonCode");
            String message = text(d, "message").map(Untrusted::escape).orElse("no message");
            Logger.info("ES2+ {} on {} refused: {} {} / {} {}", function, spec.id(), Untrusted.escape(st),
                subject.map(Untrusted::escape).orElse("-"), reason.map(Untrusted::escape).orElse("-"), message);
            throw new OperatorException(OperatorException.Kind.REFUSED, function, Untrusted.escape(st) + " "
                + subject.map(Untrusted::escape).orElse("-") + "/" + reason.map(Untrusted::escape).orElse("-") + ": "
                + message, subject, reason, null);
        }
        try {
            return LENIENT.treeToValue(tree, answer);
        } catch (IOException | IllegalArgumentException e) {
            throw unavailable(function, "answer is not " + function + "'s JSON: " + Untrusted.escape(e.getMessage()), e);
        }
    }

    private static Optional<String> text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
    }

    private OperatorException unavailable(String function, String message, Throwable cause) {
        return new OperatorException(OperatorException.Kind.UNAVAILABLE, function, message, Optional.empty(),
            Optional.empty(), cause);
    }
}
