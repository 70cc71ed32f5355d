package io.vinbind.esim.smdp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.vinbind.esim.pki.SmdpCredentials;
import io.vinbind.esim.rsp.Es2Plus;
import io.vinbind.esim.rsp.Es9Plus;
import io.vinbind.esim.rsp.Rsp;
import io.vinbind.esim.rsp.RspFormatException;
import io.vinbind.esim.rsp.StatusCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.tinylog.Logger;

/**
 * The bench's operator platform: an SM-DP+ over HTTPS with its DPtls certificate, ES2+ for the operator
 * (bearer-token authenticated) and ES9+ for LPAs, on a profile inventory, with orders and sessions persisted
 * and faults on demand. {@link #start} binds (127.0.0.1 and a free port by default); {@link #baseUri()} is
 * where it answers; {@link #close()} stops it.
 *
 * <p>Every refusal is answered HTTP 200 with {@code functionExecutionStatus.status} Failed (or Expired) and
 * the SGP.22 subject and reason codes with a message; a body that is not the function's JSON gets the same
 * with 1.2 / 2.1 or 1.2 / 1.1; a wrong ES2+ token gets HTTP 401; an unknown path 404; a wrong method 405.
 */
public final class SmdpSimulator implements AutoCloseable {

    static {
        // The JDK server writes response headers and body in separate packets; with Nagle on, the client's
        // delayed ACK adds ~40 ms to every answer. Read once per JVM, before the first HttpServer is made.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** Largest request body accepted. */
    static final int MAX_BODY = 1024 * 1024;

    private final SmdpConfig config;
    private final SmdpStore store;
    private final Es9Service es9;
    private final Es2Service es2;
    private final OperatorNotifier notifier;
    private final HttpsServer server;
    private final ExecutorService executor;
    private final AtomicInteger serverErrorsLeft;

    private SmdpSimulator(SmdpConfig config, HttpsServer server, ExecutorService executor) {
        this.config = config;
        this.store = new SmdpStore(config.stateFile(), config.inventory());
        this.notifier = new OperatorNotifier(config.operatorCallback(), config.operatorCallbackToken());
        this.es9 = new Es9Service(config, store, notifier);
        this.es2 = new Es2Service(config, store);
        this.server = server;
        this.executor = executor;
        this.serverErrorsLeft = new AtomicInteger(config.faults().serverErrors());
    }

    /** Starts an SM-DP+ simulator; it serves until {@link #close()}. */
    public static SmdpSimulator start(SmdpConfig config) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(config.bindHost(), config.port()), 64);
        server.setHttpsConfigurator(new HttpsConfigurator(sslContext(config.credentials())));
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "smdp-sim");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        SmdpSimulator sim = new SmdpSimulator(config, server, executor);
        server.createContext("/", sim::handle);
        server.start();
        Logger.info("SM-DP+ simulator {} listening on {} ({} profiles)", config.credentials().address(), sim.baseUri(),
            config.inventory().size());
        return sim;
    }

    /** {@code https://host:port}. */
    public URI baseUri() {
        InetSocketAddress a = server.getAddress();
        return URI.create("https://" + a.getHostString() + ":" + a.getPort());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The SM-DP+ address (FQDN) the eUICC and LPA use. */
    public String smdpAddress() {
        return config.credentials().address();
    }

    /** Failed deliveries of handleDownloadProgressInfo so far. */
    public long callbackFailures() {
        return notifier.failures();
    }

    /** The ES2+ state of a profile (AVAILABLE, ALLOCATED, LINKED, CONFIRMED, RELEASED, DOWNLOADED, INSTALLED, ...). */
    public String profileState(String iccid) {
        synchronized (store) {
            SmdpStore.Order o = store.orders().get(iccid);
            if (o == null) {
                throw new IllegalArgumentException("ICCID " + iccid + " is not in the inventory");
            }
            return o.state().name();
        }
    }

    /** Number of RSP sessions open. */
    public int openSessions() {
        synchronized (store) {
            return store.sessions().size();
        }
    }

    /** An open RSP session as a test sees it: its stage and when InitiateAuthentication made it (epoch ms). */
    public record OpenSession(String stage, long createdMillis) {
    }

    /**
     * Every open RSP session, oldest first ({@code INITIATED}: InitiateAuthentication answered, no eUICC
     * authenticated yet; {@code AUTHENTICATED}; {@code DELIVERED}). A session still INITIATED whose eUICC never
     * received AuthenticateServer cannot be cancelled (ES9+ CancelSession carries the eUICC's signed answer, and the
     * card has nothing to sign): it ends when it expires here, as at a real SM-DP+.
     */
    public java.util.List<OpenSession> openSessionList() {
        synchronized (store) {
            return store.sessions().values().stream().map(x -> new OpenSession(x.stage(), x.createdMillis()))
                .sorted(java.util.Comparator.comparingLong(OpenSession::createdMillis)).toList();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Logger.info("SM-DP+ simulator stopped");
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (!config.faults().answerDelay().isZero()) {
                Thread.sleep(config.faults().answerDelay().toMillis());
            }
            if (serverErrorsLeft.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                Logger.info("SM-DP+: fault: HTTP 500 for {}", path);
                send(ex, 500, "{\"error\":\"simulated server error\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return;
            }
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().add("Allow", "POST");
                send(ex, 405, new byte[0]);
                return;
            }
            String ctype = ex.getRequestHeaders().getFirst("Content-Type");
            if (ctype == null || !ctype.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
                failed(ex, 400, StatusCode.INVALID_ELEMENT, "Content-Type must be application/json");
                return;
            }
            byte[] body = readBody(ex.getRequestBody());
            if (body == null) {
                failed(ex, 413, StatusCode.INVALID_ELEMENT, "request body over " + MAX_BODY + " bytes");
                return;
            }
            if (path.startsWith(Es9Plus.PATH)) {
                String proto = ex.getRequestHeaders().getFirst("X-Admin-Protocol");
                if (proto == null || !proto.startsWith("gsma/rsp/v2.")) {
                    failed(ex, 400, StatusCode.INVALID_ELEMENT, "X-Admin-Protocol must be gsma/rsp/v2.x.y, got "
                        + Es9Service.printable(proto));
                    return;
                }
                es9(ex, path.substring(Es9Plus.PATH.length()), body);
            } else if (path.startsWith(Es2Plus.PATH)) {
                if (!authorised(ex)) {
                    ex.getResponseHeaders().add("WWW-Authenticate", "Bearer");
                    failed(ex, 401, StatusCode.NOT_AUTHORISED, "ES2+ needs Authorization: Bearer <token>");
                    return;
                }
                es2(ex, path.substring(Es2Plus.PATH.length()), body);
            } else {
                send(ex, 404, new byte[0]);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            Logger.error(e, "SM-DP+: {} failed", ex.getRequestURI().getPath());
            failed(ex, 500, StatusCode.EXECUTION_ERROR, "internal error: " + e.getClass().getSimpleName());
        }
    }

    private void es9(HttpExchange ex, String function, byte[] body) throws IOException {
        try {
            Object answer;
            synchronized (store) {
                switch (function) {
                    case "initiateAuthentication" -> answer = es9.initiateAuthentication(
                        Rsp.read(body, Es9Plus.InitiateAuthenticationRequest.class));
                    case "authenticateClient" -> answer = es9.authenticateClient(
                        Rsp.read(body, Es9Plus.AuthenticateClientRequest.class));
                    case "getBoundProfilePackage" -> answer = es9.getBoundProfilePackage(
                        Rsp.read(body, Es9Plus.GetBoundProfilePackageRequest.class));
                    case "handleNotification" -> {
                        es9.handleNotification(Rsp.read(body, Es9Plus.HandleNotificationRequest.class));
                        answer = null;
                    }
                    case "cancelSession" -> {
                        es9.cancelSession(Rsp.read(body, Es9Plus.CancelSessionRequest.class));
                        answer = new Rsp.HeaderOnly(Rsp.ResponseHeader.success());
                    }
                    default -> {
                        send(ex, 404, new byte[0]);
                        return;
                    }
                }
            }
            if (answer == null) {
                send(ex, 204, null);
            } else {
                send(ex, 200, Rsp.write(answer));
            }
        } catch (SmdpRefusal e) {
            Logger.info("SM-DP+ ES9+ {} refused: {} {}/{}: {}", function, e.code, e.code.subjectCode(), e.code.reasonCode(),
                e.getMessage());
            failed(ex, 200, e.code, e.getMessage());
        } catch (RspFormatException e) {
            Logger.info("SM-DP+ ES9+ {}: malformed request: {}", function, e.getMessage());
            failed(ex, 200, e.code(), e.getMessage());
        }
    }

    private void es2(HttpExchange ex, String function, byte[] body) throws IOException {
        try {
            Object answer;
            synchronized (store) {
                answer = switch (function) {
                    case "downloadOrder" -> es2.downloadOrder(Rsp.read(body, Es2Plus.DownloadOrderRequest.class));
                    case "confirmOrder" -> es2.confirmOrder(Rsp.read(body, Es2Plus.ConfirmOrderRequest.class));
                    case "cancelOrder" -> es2.cancelOrder(Rsp.read(body, Es2Plus.CancelOrderRequest.class));
                    case "releaseProfile" -> es2.releaseProfile(Rsp.read(body, Es2Plus.ReleaseProfileRequest.class));
                    default -> null;
                };
            }
            if (answer == null) {
                send(ex, 404, new byte[0]);
            } else {
                send(ex, 200, Rsp.write(answer));
            }
        } catch (SmdpRefusal e) {
            Logger.info("SM-DP+ ES2+ {} refused: {} {}/{}: {}", function, e.code, e.code.subjectCode(), e.code.reasonCode(),
                e.getMessage());
            failed(ex, 200, e.code, e.getMessage());
        } catch (RspFormatException e) {
            failed(ex, 200, e.code(), e.getMessage());
        }
    }

    private boolean authorised(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = auth.substring(7).strip().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, config.es2Token().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static byte[] readBody(InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_BODY + 1);
        return b.length > MAX_BODY ? null : b;
    }

    private static void failed(HttpExchange ex, int http, StatusCode code, String message) throws IOException {
        send(ex, http, Rsp.write(new Rsp.HeaderOnly(Rsp.ResponseHeader.failed(code, message))));
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().add("X-Admin-Protocol", Rsp.ADMIN_PROTOCOL);
        if (body == null) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        if (body.length > 0) {
            ex.getResponseHeaders().add("Content-Type", "application/json");
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** A TLS context serving the DPtls certificate with its chain up to the CI. */
    static SSLContext sslContext(SmdpCredentials creds) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "vinbind".toCharArray();
            Certificate[] chain = new Certificate[1 + creds.trustedCis().size()];
            chain[0] = creds.dpTls();
            for (int i = 0; i < creds.trustedCis().size(); i++) {
                chain[i + 1] = creds.trustedCis().get(i);
            }
            ks.setKeyEntry("dptls", creds.dpTlsKey(), pw, chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS setup with the DPtls certificate failed: " + e.getMessage(), e);
        }
    }

}
