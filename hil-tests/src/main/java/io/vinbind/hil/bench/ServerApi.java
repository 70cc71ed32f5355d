package io.vinbind.hil.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The binding server's HTTP API as after-sales and the telematics back end use it: every bench assertion
 * about the server goes through here, so it checks what the server actually answers, not its internals.
 */
public final class ServerApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Bound on one request. Generous: on a loaded machine (shared CI cores) a server's first answer on a route can take
     * seconds; a server that does not answer at all still fails the caller, naming the request.
     */
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    /**
     * @param base  the API's base URI
     * @param token the bearer token sent with every request (an API token of the server, {@code vbt_...})
     */
    public ServerApi(URI base, String token) {
        this.base = Objects.requireNonNull(base, "base");
        this.token = Objects.requireNonNull(token, "token");
    }

    public URI base() {
        return base;
    }

    /** A live binding as {@code GET /bindings/...} returns it. */
    public record BindingView(String imsi, String vin, String boundAt, Optional<String> requestId, String json) {
        public BindingView {
            Objects.requireNonNull(imsi, "imsi");
            Objects.requireNonNull(vin, "vin");
            Objects.requireNonNull(boundAt, "boundAt");
            Objects.requireNonNull(requestId, "requestId");
            Objects.requireNonNull(json, "json");
        }
    }

    /** One history row as {@code GET /history/...} returns it. */
    public record HistoryRow(long id, String at, String event, Optional<String> imsi, Optional<String> vin,
            Optional<String> previousImsi, Optional<String> previousVin, Optional<String> reason, String source,
            Optional<String> requestId, Optional<String> terminalId, Optional<String> previousTerminalId) {
        public HistoryRow {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(source, "source");
        }
    }

    /** A response: status and body. */
    public record Reply(int status, String body) {
    }

    /** {@code GET /bindings/vin/{vin}}: empty on 404. */
    public Optional<BindingView> bindingOfVin(String vin) {
        return binding("/bindings/vin/" + vin);
    }

    /** {@code GET /bindings/imsi/{imsi}}: empty on 404. */
    public Optional<BindingView> bindingOfImsi(String imsi) {
        return binding("/bindings/imsi/" + imsi);
    }

    /** {@code GET /history/vin/{vin}}, oldest first. */
    public List<HistoryRow> historyOfVin(String vin) {
        return history("/history/vin/" + vin);
    }

    /** {@code GET /history/imsi/{imsi}}, oldest first. */
    public List<HistoryRow> historyOfImsi(String imsi) {
        return history("/history/imsi/" + imsi);
    }

    /** {@code GET /history/imsi/{imsi}?limit=n}, oldest first (the server caps {@code limit} at 1000). */
    public List<HistoryRow> historyOfImsi(String imsi, int limit) {
        return history("/history/imsi/" + imsi + "?limit=" + limit);
    }

    /** {@code GET /modems/{imsi}}: the registry entry as JSON, empty on 404. */
    public Optional<JsonNode> modem(String imsi) {
        String path = "/modems/" + imsi;
        Reply r = get(path);
        return r.status() == 404 ? Optional.empty() : Optional.of(json(r, path));
    }

    /** {@code GET /metrics}: the server's counters. */
    public JsonNode metrics() {
        return json(get("/metrics"), "/metrics");
    }

    /** A counter from {@code /metrics}, 0 when the server has not counted it yet. */
    public long counter(String name) {
        JsonNode n = metrics().get(name);
        return n == null ? 0 : n.asLong();
    }

    /** Any GET, for display. */
    public Reply get(String path) {
        return send(path, true);
    }

    /** Any GET without credentials (what a stranger on the network gets). */
    public Reply getAnonymous(String path) {
        return send(path, false);
    }

    /** A PUT with a JSON body (the admin token). */
    public Reply put(String path, String json) {
        return send(path, true, "PUT", json);
    }

    /** A POST with a body of {@code contentType} (the admin token). */
    public Reply post(String path, String contentType, String body) {
        return send(path, true, "POST", body, contentType);
    }

    private Reply send(String path, boolean authorized) {
        return send(path, authorized, "GET", null);
    }

    private Reply send(String path, boolean authorized, String method, String body) {
        return send(path, authorized, method, body, "application/json");
    }

    private Reply send(String path, boolean authorized, String method, String body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", contentType);
        }
        if (authorized) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new BenchException("HTTP " + method + " " + base.resolve(path) + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted during HTTP " + method + " " + base.resolve(path), e);
        }
    }

    private Optional<BindingView> binding(String path) {
        Reply r = get(path);
        if (r.status() == 404) {
            return Optional.empty();
        }
        JsonNode n = json(r, path);
        return Optional.of(new BindingView(text(n, "imsi", path), text(n, "vin", path), text(n, "boundAt", path),
                optional(n, "requestId"), r.body()));
    }

    private List<HistoryRow> history(String path) {
        JsonNode n = json(get(path), path);
        if (!n.isArray()) {
            throw new BenchException("GET " + path + " did not return a JSON array: " + n);
        }
        List<HistoryRow> rows = new ArrayList<>();
        for (JsonNode e : n) {
            rows.add(new HistoryRow(e.path("id").asLong(), text(e, "at", path), text(e, "event", path),
                    optional(e, "imsi"), optional(e, "vin"), optional(e, "previousImsi"), optional(e, "previousVin"),
                    optional(e, "reason"), text(e, "source", path), optional(e, "requestId"), optional(e, "terminalId"),
                    optional(e, "previousTerminalId")));
        }
        rows.sort((a, b) -> Long.compare(a.id(), b.id()));
        return rows;
    }

    private static JsonNode json(Reply r, String path) {
        if (r.status() != 200) {
            throw new BenchException("GET " + path + " answered HTTP " + r.status() + ": " + r.body());
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new BenchException("GET " + path + " returned no JSON: " + r.body(), e);
        }
    }

    private static String text(JsonNode n, String field, String path) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new BenchException("GET " + path + ": field '" + field + "' missing in " + n);
        }
        return v.asText();
    }

    private static Optional<String> optional(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }
}
