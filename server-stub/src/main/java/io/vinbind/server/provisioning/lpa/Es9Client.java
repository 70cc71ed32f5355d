package io.vinbind.server.provisioning.lpa;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.esim.rsp.Es9Plus;
import io.vinbind.esim.rsp.Rsp;
import io.vinbind.log.Untrusted;
import io.vinbind.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * The LPA's side of ES9+ (SGP.22 §5.6): JSON over HTTPS (§6.5) to the SM-DP+ named by an address (an FQDN with an
 * optional port, §4.1 "SM-DP+ Address"), at {@code https://<address>/gsma/rsp2/es9plus/<function>} with
 * {@code X-Admin-Protocol: gsma/rsp/v2.x}. An override map sends an address elsewhere (the bench's simulator on
 * 127.0.0.1:port); the TLS certificate must chain to the given CA file(s) (default: the JDK's trust store). Each call
 * is bounded by {@link #CALL_TIMEOUT}; the HTTP status and {@code functionExecutionStatus} are checked and every
 * failure is an {@link Es9Exception} of a kind that says whether asking again makes sense.
 */
public final class Es9Client {

    /** Bound on one ES9+ call, connect included. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);
    /** Largest answer to getBoundProfilePackage read: a package is tens of KiB; 2 MiB leaves room, and no more. */
    static final int MAX_BPP_ANSWER_BYTES = 2 * 1024 * 1024;
    /** Largest other answer read: certificates and signed data, a few KiB. */
    static final int MAX_ANSWER_BYTES = 64 * 1024;
    /** Answers may carry fields of later SGP.22 versions; only the ones read are checked. */
    private static final ObjectMapper LENIENT = new ObjectMapper()
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** An FQDN (RFC 1123 labels) or an IPv4 address, with an optional port. */
    private static final Pattern ADDRESS = Pattern.compile(
        "(?=.{1,253}(:|$))([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
            + "(:[0-9]{1,5})?");

    private final HttpClient http;
    private final Map<String, URI> overrides;

    /**
     * @param overrides SM-DP+ address (case-insensitive) → ES9+ base URI ({@code https://host:port}; {@code http://}
     *     only to loopback), for addresses that do not resolve where they should (a bench, a test)
     * @param trust PEM files with the CA certificates the SM-DP+s' TLS certificates chain to; empty: the JDK's
     * @throws IOException a trust file cannot be read or holds no certificate
     * @throws IllegalArgumentException an override that is neither https nor loopback http
     */
    public Es9Client(Map<String, URI> overrides, List<Path> trust) throws IOException {
        Map<String, URI> o = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        overrides.forEach((address, base) -> {
            requireAddress(address);
            o.put(address, checkedBase(Objects.requireNonNull(base, "base of " + address)));
        });
        this.overrides = o;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(CALL_TIMEOUT).version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER);
        if (!trust.isEmpty()) {
            b.sslContext(io.vinbind.server.pki.PemTrust.trusting(trust));
        }
        this.http = b.build();
    }

    /** With the JDK's trust store and no overrides: real SM-DP+s only. */
    public static Es9Client defaults() throws IOException {
        return new Es9Client(Map.of(), List.of());
    }

    /**
     * Where ES9+ of {@code smdpAddress} is: the override, else {@code https://<address>/}.
     *
     * @throws IllegalArgumentException not an FQDN[:port]
     */
    public URI resolve(String smdpAddress) {
        requireAddress(smdpAddress);
        URI o = overrides.get(smdpAddress);
        return o != null ? o : URI.create("https://" + smdpAddress.toLowerCase(Locale.ROOT) + "/");
    }

    /** ES9+.InitiateAuthentication (§5.6.1). */
    public Es9Plus.InitiateAuthenticationResponse initiateAuthentication(String smdpAddress,
            Es9Plus.InitiateAuthenticationRequest req) throws Es9Exception, InterruptedException {
        return read("initiateAuthentication", call(smdpAddress, "initiateAuthentication", req, MAX_ANSWER_BYTES, false),
            Es9Plus.InitiateAuthenticationResponse.class);
    }

    /** ES9+.AuthenticateClient (§5.6.3). */
    public Es9Plus.AuthenticateClientResponse authenticateClient(String smdpAddress,
            Es9Plus.AuthenticateClientRequest req) throws Es9Exception, InterruptedException {
        return read("authenticateClient", call(smdpAddress, "authenticateClient", req, MAX_ANSWER_BYTES, false),
            Es9Plus.AuthenticateClientResponse.class);
    }

    /** ES9+.GetBoundProfilePackage (§5.6.2). */
    public Es9Plus.GetBoundProfilePackageResponse getBoundProfilePackage(String smdpAddress,
            Es9Plus.GetBoundProfilePackageRequest req) throws Es9Exception, InterruptedException {
        return read("getBoundProfilePackage", call(smdpAddress, "getBoundProfilePackage", req, MAX_BPP_ANSWER_BYTES,
            false), Es9Plus.GetBoundProfilePackageResponse.class);
    }

    /** ES9+.HandleNotification (§5.6.4): taken only when answered HTTP 204. */
    public void handleNotification(String smdpAddress, Es9Plus.HandleNotificationRequest req) throws Es9Exception,
            InterruptedException {
        call(smdpAddress, "handleNotification", req, MAX_ANSWER_BYTES, true);
    }

    /** ES9+.CancelSession (§5.6.5). */
    public void cancelSession(String smdpAddress, Es9Plus.CancelSessionRequest req) throws Es9Exception,
            InterruptedException {
        call(smdpAddress, "cancelSession", req, MAX_ANSWER_BYTES, false);
    }

    /** Posts and checks the HTTP status and the header; the answer's tree (null for a 204). */
    private JsonNode call(String smdpAddress, String function, Object body, int maxAnswer, boolean noContent)
            throws Es9Exception, InterruptedException {
        URI base;
        try {
            base = resolve(smdpAddress);
        } catch (IllegalArgumentException e) {
            throw new Es9Exception(Es9Exception.Kind.BAD_ANSWER, function, e.getMessage(), "bad address",
                Optional.empty(), Optional.empty(), null);
        }
        URI uri = base.resolve(Es9Plus.PATH + function);
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(CALL_TIMEOUT)
            .header("Content-Type", "application/json").header("Accept", "application/json")
            .header("X-Admin-Protocol", Rsp.ADMIN_PROTOCOL)
            .POST(HttpRequest.BodyPublishers.ofByteArray(Rsp.write(body))).build();
        HttpResponse<InputStream> r;
        byte[] bytes;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                bytes = in.readNBytes(maxAnswer + 1);
            }
        } catch (HttpTimeoutException e) {
            throw unavailable(function, "no answer from " + uri + " within " + CALL_TIMEOUT.toSeconds() + " s", "timeout", e);
        } catch (IOException e) {
            throw unavailable(function, "cannot reach " + uri + ": " + Untrusted.escape(String.valueOf(e), 200),
                "unreachable", e);
        }
        int status = r.statusCode();
        if (status >= 500) {
            throw unavailable(function, "HTTP " + status + " from " + uri, "HTTP " + status, null);
        }
        if (bytes.length > maxAnswer) {
            throw bad(function, "answer over " + maxAnswer + " bytes", null);
        }
        if (noContent && status == 204) {
            return null;
        }
        if (status != 200 || bytes.length == 0) {
            // a refusal still comes as 200 with a header; look for one in any case, it says more than the status
            JsonNode refusal = tree(bytes);
            if (refusal != null && refusal.path("header").path("functionExecutionStatus").path("status").isTextual()) {
                checkHeader(function, refusal);
            }
            throw new Es9Exception(Es9Exception.Kind.BAD_ANSWER, function, "HTTP " + status + " from " + uri
                + (noContent ? " (expected 204)" : ""), "HTTP " + status, Optional.empty(), Optional.empty(), null);
        }
        JsonNode tree = tree(bytes);
        if (tree == null || !tree.isObject()) {
            throw bad(function, "answer is not a JSON object", null);
        }
        checkHeader(function, tree);
        return tree;
    }

    private void checkHeader(String function, JsonNode tree) throws Es9Exception {
        JsonNode s = tree.path("header").path("functionExecutionStatus");
        if (!s.path("status").isTextual()) {
            throw bad(function, "answer has no header.functionExecutionStatus.status", null);
        }
        String st = s.path("status").textValue();
        if (Rsp.FunctionExecutionStatus.SUCCESS.equals(st) || Rsp.FunctionExecutionStatus.WITH_WARNING.equals(st)) {
            return;
        }
        JsonNode d = s.path("statusCodeData");
        Optional<String> subject = text(d, "subjectCode").map(Untrusted::escape);
        Optional<String> reason = text(d, "reasonCode").map(Untrusted::escape);
        String message = text(d, "message").map(m -> Untrusted.escape(m, 200)).orElse("no message");
        Logger.info("ES9+ {} refused: {} {}/{}: {}", function, Untrusted.escape(st), subject.orElse("-"),
            reason.orElse("-"), message);
        throw new Es9Exception(Es9Exception.Kind.REFUSED, function, Untrusted.escape(st) + " " + subject.orElse("-")
            + "/" + reason.orElse("-") + ": " + message, Untrusted.escape(st), subject, reason, null);
    }

    private static JsonNode tree(byte[] bytes) {
        if (bytes.length == 0) {
            return null;
        }
        try {
            return LENIENT.readTree(bytes);
        } catch (IOException e) {
            return null;
        }
    }

    private static <T> T read(String function, JsonNode tree, Class<T> type) throws Es9Exception {
        try {
            return LENIENT.treeToValue(tree, type);
        } catch (IOException | IllegalArgumentException e) {
            throw bad(function, "answer is not " + function + "'s JSON: " + Untrusted.escape(e.getMessage(), 200), e);
        }
    }

    private static Optional<String> text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
    }

    private static Es9Exception unavailable(String function, String message, String status, Throwable cause) {
        return new Es9Exception(Es9Exception.Kind.UNAVAILABLE, function, message, status, Optional.empty(),
            Optional.empty(), cause);
    }

    static Es9Exception bad(String function, String message, Throwable cause) {
        return new Es9Exception(Es9Exception.Kind.BAD_ANSWER, function, message, "bad answer", Optional.empty(),
            Optional.empty(), cause);
    }

    static void requireAddress(String address) {
        if (address == null || !ADDRESS.matcher(address).matches()) {
            throw new IllegalArgumentException("SM-DP+ address '" + Untrusted.escape(address)
                + "' is not an FQDN with an optional port (SGP.22 §4.1)");
        }
        int colon = address.indexOf(':');
        if (colon > 0) {
            int port = Integer.parseInt(address.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("SM-DP+ address '" + address + "' has port " + port
                    + ", not 1-65535");
            }
        }
    }

    private static URI checkedBase(URI base) {
        boolean https = "https".equals(base.getScheme());
        boolean loopbackHttp = "http".equals(base.getScheme()) && base.getHost() != null
            && ServerConfig.loopback(base.getHost());
        if (!https && !loopbackHttp) {
            throw new IllegalArgumentException(base + " is not https:// (ES9+ runs over TLS, SGP.22 §2.6.6; plain http"
                + " only to loopback)");
        }
        return base.getPath() == null || base.getPath().isEmpty() ? base.resolve("/") : base;
    }
}
