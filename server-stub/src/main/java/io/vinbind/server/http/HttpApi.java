package io.vinbind.server.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.Identifiers;
import io.vinbind.protocol.InvalidVinException;
import io.vinbind.log.Untrusted;
import io.vinbind.protocol.Vin;
import io.vinbind.protocol.VinPolicy;
import io.vinbind.server.ServerMetrics;
import io.vinbind.server.binding.Binding;
import io.vinbind.server.binding.BindingService;
import io.vinbind.server.binding.NotFoundException;
import io.vinbind.server.binding.TerminalService;
import io.vinbind.server.auth.ApiTokens;
import io.vinbind.server.auth.Principal;
import io.vinbind.server.auth.Role;
import io.vinbind.server.history.History;
import io.vinbind.server.registry.CsvHeaderException;
import io.vinbind.server.registry.ImportReport;
import io.vinbind.server.registry.ModemRegistry;
import io.vinbind.server.store.StoreException;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The HTTP JSON API. Every route but {@code /health} needs a bearer token ({@code Authorization: Bearer
 * vbt_…}) whose role covers it; the operator recorded in the history is the token's name. Routes (see
 * docs/server.md for examples), with the role each needs:
 * <pre>
 * GET  /health                              -           status of database and MQTT (counters with a token; 503 when not UP)
 * GET  /ui/                                 -           the dashboard (static files; its calls use the routes below)
 * GET  /whoami                              any token   the token's name and role
 * GET  /metrics                             viewer      counters
 * GET  /bindings/vin/{vin}                  viewer      live binding of a VIN
 * GET  /bindings/imsi/{imsi}                viewer      live binding of an IMSI
 * POST /bindings/vin/{vin}/unbind           after-sales unbind  {"reason": "..."}
 * GET  /history/vin/{vin}[?limit=n]         viewer      history of a VIN
 * GET  /history/imsi/{imsi}[?limit=n]       viewer      history of an IMSI
 * GET  /history/terminal/{id}[?limit=n]     viewer      history of a terminal
 * GET  /modems[?offset=n&amp;limit=n]           viewer      registry
 * GET  /modems/{imsi}                       viewer      one registry entry
 * POST /modems/import                       factory     CSV body; per-line report
 * GET  /holds                               viewer      rebinds held for approval
 * POST /holds/{id}/approve|reject           after-sales decide a held rebind
 * GET  /terminals/{id}                      viewer      what the server knows of a terminal
 * POST /terminals/{id}/revoke               admin       refuse the terminal from now on  {"reason": "..."}
 * GET  /conflicts                           viewer      identity conflicts held or refused
 * POST /conflicts/{id}/approve|deny         after-sales decide an identity conflict
 * GET  /tokens                              admin       API credentials (names and roles, never values)
 * POST /tokens                              admin       create one {"name": "...", "role": "viewer|after-sales|factory|provisioning|operator-platform|admin"}
 * DELETE /tokens/{name}                     admin       revoke one
 * GET  /terminals/{id}/provisioning        viewer      the terminal's facts, device model and configuration rule
 * GET  /terminals/{id}/identity            viewer      what it reported of itself at its latest login (EID, models)
 * GET  /terminals/{id}/identity/history    viewer      the changes of that report (?limit=n)
 * ...  /device-models, /config-rules, /operator/…, /gsma/rsp2/es2plus/…: see {@link ProvisioningRoutes}
 * ...  /provisioning/jobs…, /provisioning/campaigns…, /operator/profiles: see {@link ProvisioningRunRoutes}
 * ...  /presence/…: see {@link PresenceRoutes}
 * PUT  /users/{user}/vehicles/{vin}         after-sales link a user account to a VIN
 * DELETE /users/{user}/vehicles/{vin}       after-sales unlink
 * GET  /users/{user}/vehicles               viewer      user → VIN → IMSI routes
 * </pre>
 */
public final class HttpApi implements AutoCloseable {

    /** Largest request body: a CSV import of some 100 000 modems. */
    static final int MAX_BODY_BYTES = 10 * 1024 * 1024;
    /** Largest JSON body of an action. */
    static final int MAX_JSON_BODY_BYTES = 4096;
    /**
     * Longest time a client may take to send its request (headers and body), from its first byte; past it the
     * client gets 408 and is disconnected. A stalled client holds only its socket (the transport is
     * non-blocking), but its connection is not kept for ever. 10 MB arrive in well under a second on a LAN.
     */
    static final Duration REQUEST_READ_LIMIT = Duration.ofSeconds(10);

    static final ObjectMapper JSON = JsonMapper.builder()
        .addModule(new Jdk8Module())
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .serializationInclusion(JsonInclude.Include.NON_ABSENT)
        .build();

    private final HttpTransport transport;
    private final boolean https;
    private final String host;
    private final BindingService bindings;
    private final TerminalService terminals;
    private final ApiTokens tokens;
    private final ModemRegistry registry;
    private final History history;
    private final ServerMetrics metrics;
    private final BooleanSupplier databaseUp;
    private final BooleanSupplier mqttUp;
    private final Consumer<BindAck> decisionPublisher;
    private final Map<String, Object> info;
    private final ProvisioningRoutes provisioning;
    private final ProvisioningRunRoutes runs;
    private final PresenceRoutes presence;

    /**
     * Binds {@code listen}:{@code port} (0 = a free port) and starts serving: plain HTTP on loopback only,
     * HTTPS with {@code tls} anywhere else.
     *
     * @param decisionPublisher receives the bind-ack of an approved or rejected hold, to publish to the terminal
     * @param info static facts shown by /health (instance id, broker, policy)
     */
    public HttpApi(String listen, int port, Optional<javax.net.ssl.SSLContext> tls, BindingService bindings,
                   TerminalService terminals, ApiTokens tokens,
                   ModemRegistry registry, History history, ServerMetrics metrics,
                   BooleanSupplier databaseUp, BooleanSupplier mqttUp, Consumer<BindAck> decisionPublisher,
                   Map<String, Object> info, io.vinbind.server.provisioning.Provisioning provisioning,
                   io.vinbind.server.presence.PresenceService presence) throws IOException {
        this.provisioning = new ProvisioningRoutes(Objects.requireNonNull(provisioning, "provisioning"));
        this.runs = new ProvisioningRunRoutes(provisioning, java.time.Clock.systemUTC());
        this.presence = new PresenceRoutes(Objects.requireNonNull(presence, "presence"));
        this.bindings = Objects.requireNonNull(bindings, "bindings");
        this.terminals = Objects.requireNonNull(terminals, "terminals");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.history = Objects.requireNonNull(history, "history");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.databaseUp = Objects.requireNonNull(databaseUp, "databaseUp");
        this.mqttUp = Objects.requireNonNull(mqttUp, "mqttUp");
        this.decisionPublisher = Objects.requireNonNull(decisionPublisher, "decisionPublisher");
        this.info = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(info));
        if (tls.isEmpty() && !io.vinbind.server.ServerConfig.loopback(listen)) {
            throw new IllegalArgumentException("the HTTP API listens without TLS only on loopback, not on " + listen);
        }
        this.https = tls.isPresent();
        this.host = "0.0.0.0".equals(listen) || "::".equals(listen) ? "127.0.0.1" : listen;
        this.transport = new HttpTransport(new InetSocketAddress(InetAddress.getByName(listen), port),
            tls.map(c -> (io.netty.handler.ssl.SslContext) new io.netty.handler.ssl.JdkSslContext(c, false,
                io.netty.handler.ssl.ClientAuth.NONE)), MAX_BODY_BYTES, REQUEST_READ_LIMIT, this::handle,
            HttpApi::errorJson);
        Logger.info("HTTP API listening on {}", baseUri());
    }

    /**
     * {@code http://<listen address>:port} on loopback, {@code https://<listen address>:port} otherwise;
     * {@code 127.0.0.1} for a listener on every address.
     */
    public URI baseUri() {
        return URI.create((https ? "https://" : "http://") + host + ":" + transport.port());
    }

    @Override
    public void close() {
        transport.close();
        presence.close();
        runs.close();
    }

    /** Routes one request; every answer, error or not, is a JSON body. Runs on the transport's workers. */
    HttpReply handle(HttpRequestData req) {
        String method = req.method();
        Optional<HttpReply> asset = DashboardAssets.serve(method, req.rawPath());
        if (asset.isPresent()) {
            metrics.increment("http." + (asset.get().status() / 100) + "xx");
            return asset.get();
        }
        String path = Untrusted.escape(req.rawPath());
        boolean presenceStream = req.rawPath().equals("/presence/stream");
        if ((presenceStream || req.rawPath().equals("/provisioning/campaigns/stream")) && method.equals("GET")) {
            try { // streams answer with an HttpReply of their own (text/event-stream), not a JSON Reply
                HttpReply r = presenceStream ? presence.stream(req, query(req.rawQuery()), authenticate(req))
                    : runs.stream(authenticate(req));
                metrics.increment("http.2xx");
                return r;
            } catch (HttpError e) {
                Logger.info("HTTP {} {} -> {} {}", Untrusted.escape(method), path, e.status(), Untrusted.escape(e.getMessage()));
                metrics.increment("http." + (e.status() / 100) + "xx");
                return e.status() == 401 // RFC 6750 §3
                    ? new HttpReply(401, "application/json; charset=utf-8", toJson(Map.of("error", e.getMessage())),
                        Map.of("WWW-Authenticate", "Bearer realm=\"vinbind\""))
                    : HttpReply.json(e.status(), toJson(Map.of("error", e.getMessage())));
            } catch (IllegalArgumentException | StoreException e) {
                return HttpReply.json(e instanceof StoreException ? 503 : 400, toJson(Map.of("error", e.getMessage())));
            }
        }
        int status;
        Object body;
        try {
            Reply reply = route(req, method, segments(req.rawPath()), query(req.rawQuery()));
            status = reply.status();
            body = reply.body();
        } catch (HttpError e) {
            status = e.status();
            body = Map.of("error", e.getMessage());
            Logger.info("HTTP {} {} -> {} {}", Untrusted.escape(method), path, status, Untrusted.escape(e.getMessage()));
        } catch (IllegalArgumentException e) {
            status = 400;
            body = Map.of("error", e.getMessage());
            Logger.info("HTTP {} {} -> 400 {}", Untrusted.escape(method), path, Untrusted.escape(e.getMessage()));
        } catch (StoreException e) {
            status = 503;
            body = Map.of("error", "database unavailable: " + e.getMessage());
            Logger.error(e, "HTTP {} {} failed", Untrusted.escape(method), path);
        } catch (RuntimeException e) {
            status = 500;
            body = Map.of("error", "internal error: " + e);
            Logger.error(e, "HTTP {} {} failed", Untrusted.escape(method), path);
        }
        metrics.increment("http." + (status / 100) + "xx");
        if (status == 401) { // RFC 6750 §3
            return new HttpReply(401, "application/json; charset=utf-8", toJson(body),
                Map.of("WWW-Authenticate", "Bearer realm=\"vinbind\""));
        }
        return HttpReply.json(status, toJson(body));
    }

    /** The error body, {@code {"error": "..."}}. */
    static String errorJson(String message) {
        return new String(toJson(Map.of("error", message)), StandardCharsets.UTF_8);
    }

    private static byte[] toJson(Object body) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON answer: " + e.getMessage(), e);
        }
    }

    record Reply(int status, Object body) {
    }

    private Reply route(HttpRequestData ex, String method, List<String> p, Map<String, String> q)
        throws HttpError, StoreException {
        int n = p.size();
        String first = n > 0 ? p.get(0) : "";
        Optional<Principal> who = authenticate(ex);
        switch (first) {
            case "health" -> {
                expect(method, "GET", n == 1);
                boolean db = databaseUp.getAsBoolean();
                boolean mqtt = mqttUp.getAsBoolean();
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("status", db && mqtt ? "UP" : "DOWN");
                h.put("database", db ? "UP" : "DOWN");
                h.put("mqtt", mqtt ? "CONNECTED" : "DISCONNECTED");
                if (who.isPresent()) { // a load balancer needs the status; the rest is for credentials
                    h.putAll(info);
                    h.put("counters", metrics.snapshot());
                }
                return new Reply(db && mqtt ? 200 : 503, h);
            }
            case "whoami" -> { // the dashboard's sign-in: whose token this is, and its role
                expect(method, "GET", n == 1);
                Principal me = who.orElseThrow(() -> new HttpError(401, "this needs a bearer token (Authorization:"
                    + " Bearer <token>)"));
                return new Reply(200, Map.of("name", me.name(), "role", me.role().label()));
            }
            case "metrics" -> {
                expect(method, "GET", n == 1);
                require(who, Role.VIEWER);
                return new Reply(200, metrics.snapshot());
            }
            case "bindings" -> {
                if (n == 3 && p.get(1).equals("vin")) {
                    expect(method, "GET", true);
                    require(who, Role.VIEWER);
                    return found(bindings.bindingOfVin(vin(p.get(2))), "VIN " + p.get(2) + " has no live binding");
                }
                if (n == 3 && p.get(1).equals("imsi")) {
                    expect(method, "GET", true);
                    require(who, Role.VIEWER);
                    return found(bindings.bindingOfImsi(imsi(p.get(2))), "IMSI " + p.get(2) + " has no live binding");
                }
                if (n == 4 && p.get(1).equals("vin") && p.get(3).equals("unbind")) {
                    expect(method, "POST", true);
                    Principal operator = require(who, Role.AFTER_SALES);
                    JsonNode b = jsonBody(ex, Set.of("reason"));
                    try {
                        Binding removed = bindings.unbind(vin(p.get(2)), operator.name(), text(b, "reason", false));
                        return new Reply(200, Map.of("unbound", removed));
                    } catch (NotFoundException e) {
                        throw new HttpError(404, e.getMessage());
                    }
                }
            }
            case "history" -> {
                if (n == 3 && (p.get(1).equals("vin") || p.get(1).equals("imsi") || p.get(1).equals("terminal"))) {
                    expect(method, "GET", true);
                    require(who, Role.VIEWER);
                    int limit = intParam(q, "limit", 100);
                    return new Reply(200, switch (p.get(1)) {
                        case "vin" -> history.forVin(vin(p.get(2)), limit);
                        case "imsi" -> history.forImsi(imsi(p.get(2)), limit);
                        default -> history.forTerminal(terminalId(p.get(2)), limit);
                    });
                }
            }
            case "modems" -> {
                if (n == 1) {
                    expect(method, "GET", true);
                    require(who, Role.VIEWER);
                    return new Reply(200, registry.list(intParam(q, "offset", 0), intParam(q, "limit", 100)));
                }
                if (n == 2 && p.get(1).equals("import")) {
                    expect(method, "POST", true);
                    require(who, Role.FACTORY);
                    byte[] csv = ex.body();
                    try {
                        ImportReport report = registry.importCsv(new StringReader(new String(csv, StandardCharsets.UTF_8)));
                        Map<String, Object> r = new LinkedHashMap<>();
                        r.put("summary", report.summary());
                        r.put("lines", report.lines());
                        return new Reply(200, r);
                    } catch (CsvHeaderException e) {
                        throw new HttpError(400, e.getMessage());
                    } catch (IOException e) {
                        throw new IllegalStateException("reading a CSV body held in memory failed", e);
                    }
                }
                if (n == 2) {
                    expect(method, "GET", true);
                    require(who, Role.VIEWER);
                    return found(registry.find(imsi(p.get(1))), "IMSI " + p.get(1) + " is not registered");
                }
            }
            case "holds" -> {
                if (n == 1) {
                    expect(method, "GET", true);
                    require(who, Role.VIEWER);
                    return new Reply(200, bindings.pending(intParam(q, "limit", 100)));
                }
                if (n == 3 && (p.get(2).equals("approve") || p.get(2).equals("reject"))) {
                    expect(method, "POST", true);
                    Principal operator = require(who, Role.AFTER_SALES);
                    long id = longSegment(p.get(1), "hold id");
                    jsonBody(ex, Set.of());
                    try {
                        Optional<BindAck> ack = p.get(2).equals("approve")
                            ? Optional.of(bindings.approve(id, operator.name())) : bindings.deny(id, operator.name());
                        if (ack.isEmpty()) { // a hold made before protocol v2: rejected, nobody to tell
                            return new Reply(200, Map.of("hold", id, "state", "DENIED", "note",
                                "made before protocol v2: no terminal to tell; its next upload is decided afresh"));
                        }
                        decisionPublisher.accept(ack.get());
                        return new Reply(200, Map.of("ack", ack.get()));
                    } catch (NotFoundException e) {
                        throw new HttpError(404, e.getMessage());
                    } catch (IllegalStateException e) {
                        throw new HttpError(409, e.getMessage());
                    }
                }
            }
            case "terminals" -> {
                if ((n == 3 && (p.get(2).equals("provisioning") || p.get(2).equals("identity")))
                    || (n == 4 && p.get(2).equals("identity") && p.get(3).equals("history"))) {
                    return provisioning.route(ex, method, p, q, who);
                }
                if (n == 2) {
                    expect(method, "GET", true);
                    require(who, Role.VIEWER);
                    return found(terminals.terminal(terminalId(p.get(1))), "terminal " + p.get(1) + " is not known");
                }
                if (n == 3 && p.get(2).equals("revoke")) {
                    expect(method, "POST", true);
                    Principal operator = require(who, Role.ADMIN);
                    JsonNode b = jsonBody(ex, Set.of("reason"));
                    try {
                        return new Reply(200, Map.of("revoked", terminals.revoke(terminalId(p.get(1)), operator.name(),
                            text(b, "reason", false))));
                    } catch (IllegalStateException e) {
                        throw new HttpError(409, e.getMessage());
                    }
                }
            }
            case "conflicts" -> {
                if (n == 1) {
                    expect(method, "GET", true);
                    require(who, Role.VIEWER);
                    return new Reply(200, terminals.openConflicts(intParam(q, "limit", 100)));
                }
                if (n == 3 && (p.get(2).equals("approve") || p.get(2).equals("deny"))) {
                    expect(method, "POST", true);
                    Principal operator = require(who, Role.AFTER_SALES);
                    long id = longSegment(p.get(1), "conflict id");
                    jsonBody(ex, Set.of());
                    try {
                        return new Reply(200, Map.of("conflict", p.get(2).equals("approve")
                            ? terminals.approve(id, operator.name()) : terminals.deny(id, operator.name())));
                    } catch (NotFoundException e) {
                        throw new HttpError(404, e.getMessage());
                    } catch (IllegalStateException e) {
                        throw new HttpError(409, e.getMessage());
                    }
                }
            }
            case "tokens" -> {
                if (n == 1 && method.equals("POST")) {
                    Principal operator = require(who, Role.ADMIN);
                    JsonNode b = jsonBody(ex, Set.of("name", "role"));
                    Role role = Role.parse(text(b, "role", true));
                    try {
                        ApiTokens.NewToken t = tokens.create(text(b, "name", true), role, operator.name());
                        return new Reply(201, Map.of("name", t.name(), "role", t.role().label(), "token", t.token()));
                    } catch (ApiTokens.NameTakenException e) {
                        throw new HttpError(409, e.getMessage());
                    } // a name breaking the rule is an IllegalArgumentException: 400 naming the rule
                }
                if (n == 1) {
                    expect(method, "GET", true);
                    require(who, Role.ADMIN);
                    return new Reply(200, tokens.list());
                }
                if (n == 2) {
                    expect(method, "DELETE", true);
                    require(who, Role.ADMIN);
                    if (!tokens.revoke(p.get(1))) {
                        throw new HttpError(404, "no live token named '" + p.get(1) + "'");
                    }
                    return new Reply(200, Map.of("revoked", p.get(1)));
                }
            }
            case "users" -> {
                if (n == 3 && p.get(2).equals("vehicles")) {
                    expect(method, "GET", true);
                    require(who, Role.VIEWER);
                    return new Reply(200, Map.of("user", p.get(1), "vehicles", bindings.routesOf(p.get(1))));
                }
                if (n == 4 && p.get(2).equals("vehicles")) {
                    if (method.equals("PUT")) {
                        require(who, Role.AFTER_SALES);
                        try {
                            bindings.linkUser(p.get(1), p.get(3));
                        } catch (InvalidVinException e) {
                            throw new HttpError(400, e.getMessage());
                        }
                        return new Reply(200, Map.of("user", p.get(1), "vin", p.get(3), "linked", true));
                    }
                    expect(method, "DELETE", true);
                    require(who, Role.AFTER_SALES);
                    if (!bindings.unlinkUser(p.get(1), vin(p.get(3)))) {
                        throw new HttpError(404, "user " + p.get(1) + " is not linked to VIN " + p.get(3));
                    }
                    return new Reply(200, Map.of("user", p.get(1), "vin", p.get(3), "linked", false));
                }
            }
            case "operator" -> {
                if ((n == 2 && p.get(1).equals("profiles"))
                    || (n == 4 && p.get(1).equals("platforms") && p.get(3).equals("profiles"))) {
                    return runs.route(ex, method, p, q, who);
                }
                return provisioning.route(ex, method, p, q, who);
            }
            case "provisioning" -> {
                return runs.route(ex, method, p, q, who);
            }
            case "device-models", "config-rules", "gsma" -> {
                return provisioning.route(ex, method, p, q, who);
            }
            case "presence" -> {
                return presence.route(ex, method, p, q, who);
            }
            default -> {
                // falls through to 404
            }
        }
        throw new HttpError(404, "no such resource: " + method + " /" + String.join("/", p));
    }

    /**
     * The principal of an {@code Authorization: Bearer} header (RFC 6750); empty without one. A header that is
     * there but names no live token is refused at once, whatever the route, so a typo is not mistaken for
     * anonymous access.
     */
    private Optional<Principal> authenticate(HttpRequestData ex) throws HttpError, StoreException {
        Optional<String> header = ex.header("authorization");
        if (header.isEmpty()) {
            return Optional.empty();
        }
        String h = header.get().trim();
        if (!h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new HttpError(401, "the Authorization header must be 'Bearer <token>'");
        }
        Optional<Principal> who = tokens.verify(h.substring(7).trim());
        if (who.isEmpty()) {
            throw new HttpError(401, "the bearer token is not valid (unknown or revoked)");
        }
        return who;
    }

    /** The caller, when its role covers {@code needed}: 401 without a credential, 403 naming the role missing. */
    static Principal require(Optional<Principal> who, Role needed) throws HttpError {
        Principal p = who.orElseThrow(() -> new HttpError(401, "this needs a bearer token with role "
            + needed.label() + " (Authorization: Bearer <token>)"));
        if (!p.role().permits(needed)) {
            throw new HttpError(403, "this needs role " + needed.label() + "; the token '" + p.name() + "' has role "
                + p.role().label());
        }
        return p;
    }

    static String terminalId(String s) {
        return Identifiers.requireTerminalId(s);
    }

    private static Reply found(java.util.Optional<?> value, String missing) throws HttpError {
        return new Reply(200, value.orElseThrow(() -> new HttpError(404, missing)));
    }

    static void expect(String method, String wanted, boolean pathMatches) throws HttpError {
        if (!pathMatches) {
            throw new HttpError(404, "no such resource");
        }
        if (!method.equals(wanted)) {
            throw new HttpError(405, "method " + method + " not allowed here, use " + wanted);
        }
    }

    private static String imsi(String s) {
        return Identifiers.requireImsi(s);
    }

    /**
     * A VIN in a path: its syntax is checked (17 characters of the ISO 3779 alphabet) so that a typo is a 400
     * naming the fault rather than a 404 or an empty history; the check digit is not, so a VIN stored under
     * the lenient policy can still be looked up.
     */
    private static String vin(String s) {
        return Vin.parse(s, VinPolicy.LENIENT).value();
    }

    static long longSegment(String s, String what) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is not a number");
        }
    }

    static long longParam(Map<String, String> q, String name, long dflt) {
        String v = q.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            long l = Long.parseLong(v);
            if (l < 0) {
                throw new NumberFormatException();
            }
            return l;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("query parameter " + name + "='" + v + "' is not a non-negative integer");
        }
    }

    static int intParam(Map<String, String> q, String name, int dflt) {
        String v = q.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            int i = Integer.parseInt(v);
            if (i < 0) {
                throw new NumberFormatException();
            }
            return i;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("query parameter " + name + "='" + v + "' is not a non-negative integer");
        }
    }

    private static JsonNode jsonBody(HttpRequestData ex, Set<String> allowed) throws HttpError {
        byte[] raw = ex.body();
        if (raw.length == 0) {
            raw = "{}".getBytes(StandardCharsets.US_ASCII);
        }
        if (raw.length > MAX_JSON_BODY_BYTES) {
            throw new HttpError(413, "body larger than " + MAX_JSON_BODY_BYTES + " bytes");
        }
        JsonNode node;
        try {
            node = JSON.readTree(raw);
        } catch (JsonProcessingException e) {
            throw new HttpError(400, "body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new HttpError(400, "body is not JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new HttpError(400, "body must be a JSON object with fields " + allowed);
        }
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.equals("operator")) {
                throw new HttpError(400, "field 'operator' is not accepted: the operator recorded is the name of"
                    + " your credential");
            }
            if (!allowed.contains(f)) {
                throw new HttpError(400, "unknown field '" + Untrusted.escape(f) + "' (allowed: " + allowed + ")");
            }
        }
        return node;
    }

    private static String text(JsonNode body, String field, boolean required) throws HttpError {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new HttpError(400, "field '" + field + "' is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new HttpError(400, "field '" + field + "' must be a string");
        }
        return v.textValue();
    }

    private static List<String> segments(String rawPath) {
        return Arrays.stream(rawPath.split("/")).filter(s -> !s.isEmpty())
            .map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8)).toList();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }
}
