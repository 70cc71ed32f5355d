package io.vinbind.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.vinbind.log.Untrusted;
import io.vinbind.server.auth.Principal;
import io.vinbind.server.auth.Role;
import io.vinbind.server.http.HttpApi.Reply;
import io.vinbind.server.presence.LimitRule;
import io.vinbind.server.presence.Limits;
import io.vinbind.server.presence.PresenceService;
import io.vinbind.server.store.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Presence routes, with the role each needs:
 * <pre>
 * GET    /presence                              viewer   counts online/offline, window, timeout, default limits
 * GET    /presence/online[?limit=n]             viewer   the online dictionary, most recently seen first
 * GET    /presence/offline[?limit=n]            viewer   terminals offline now
 * GET    /presence/terminals/{id}               viewer   one terminal: online?, since, last seen, limits
 * GET    /presence/terminals/{id}/events        viewer   its transitions
 * GET    /presence/terminals/{id}/windows       viewer   its heartbeat and record counts per window, newest first
 * GET    /presence/terminals/{id}/records       viewer   its status records, newest first
 * GET    /presence/events[?after=id&amp;limit=n]    viewer   every transition after an id: a feed a back end polls
 * GET    /presence/stream[?after=id]            viewer   the transitions as server-sent events, live
 * GET    /presence/limits                       viewer   the limits table
 * PUT    /presence/limits/{name}                admin    create or replace a row
 * DELETE /presence/limits/{name}                admin    remove a row
 * </pre>
 */
final class PresenceRoutes {

    private static final Set<String> LIMIT_FIELDS = Set.of("priority", "models", "minHeartbeats", "maxHeartbeats",
        "heartbeatIntervalS", "sendIntervalS", "storageRecords");

    private final PresenceService presence;
    private final PresenceEvents events;

    PresenceRoutes(PresenceService presence) {
        this.presence = presence;
        this.events = new PresenceEvents(presence);
    }

    /** Stops the live streams' poller. */
    void close() {
        events.close();
    }

    /** {@code GET /presence/stream}: transitions as server-sent events (viewer). */
    HttpReply stream(HttpRequestData ex, Map<String, String> q, Optional<Principal> who) throws HttpError, StoreException {
        HttpApi.require(who, Role.VIEWER);
        Optional<Long> after = q.containsKey("after") ? Optional.of(HttpApi.longParam(q, "after", 0))
            : ex.header("last-event-id").map(v -> {
                try {
                    return Long.parseLong(v.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("Last-Event-ID '" + Untrusted.escape(v) + "' is not an event id");
                }
            });
        return HttpReply.events(events.stream(after));
    }

    Reply route(HttpRequestData ex, String method, List<String> p, Map<String, String> q, Optional<Principal> who)
        throws HttpError, StoreException {
        int n = p.size();
        if (n == 1) {
            HttpApi.expect(method, "GET", true);
            HttpApi.require(who, Role.VIEWER);
            return new Reply(200, presence.summary());
        }
        String second = p.get(1);
        if (n == 2 && (second.equals("online") || second.equals("offline"))) {
            HttpApi.expect(method, "GET", true);
            HttpApi.require(who, Role.VIEWER);
            return new Reply(200, presence.list(second.equals("online"), HttpApi.intParam(q, "limit", 500)).stream()
                .map(PresenceService.Entry::view).toList());
        }
        if (n == 2 && second.equals("events")) {
            HttpApi.expect(method, "GET", true);
            HttpApi.require(who, Role.VIEWER);
            return new Reply(200, presence.events(Optional.empty(), HttpApi.longParam(q, "after", 0),
                HttpApi.intParam(q, "limit", 100)).stream().map(PresenceService.Event::view).toList());
        }
        if (second.equals("terminals") && (n == 3 || n == 4)) {
            HttpApi.expect(method, "GET", true);
            HttpApi.require(who, Role.VIEWER);
            String id = HttpApi.terminalId(p.get(2));
            if (n == 3) {
                return new Reply(200, presence.entry(id).map(PresenceService.Entry::view)
                    .orElseThrow(() -> new HttpError(404, "terminal " + id + " has never sent a heartbeat")));
            }
            if (p.get(3).equals("events")) {
                return new Reply(200, presence.events(Optional.of(id), HttpApi.longParam(q, "after", 0),
                    HttpApi.intParam(q, "limit", 100)).stream().map(PresenceService.Event::view).toList());
            }
            if (p.get(3).equals("records")) {
                return new Reply(200, presence.records(id, HttpApi.intParam(q, "limit", 100)).stream()
                    .map(PresenceService.StatusRecord::view).toList());
            }
            if (p.get(3).equals("windows")) {
                return new Reply(200, presence.windows(id, HttpApi.intParam(q, "limit", 48)).stream()
                    .map(PresenceService.Window::view).toList());
            }
        }
        if (second.equals("limits") && n == 2) {
            HttpApi.expect(method, "GET", true);
            HttpApi.require(who, Role.VIEWER);
            return new Reply(200, presence.limitRules().stream().map(LimitRule::view).toList());
        }
        if (second.equals("limits") && n == 3) {
            String name = p.get(2);
            switch (method) {
                case "PUT" -> {
                    Principal op = HttpApi.require(who, Role.ADMIN);
                    LimitRule rule = limitRule(name, body(ex));
                    boolean created = presence.putLimit(rule, op.name());
                    return new Reply(created ? 201 : 200, rule.view());
                }
                case "DELETE" -> {
                    HttpApi.require(who, Role.ADMIN);
                    if (!presence.deleteLimit(name)) {
                        throw new HttpError(404, "no limit row " + Untrusted.escape(name));
                    }
                    return new Reply(200, Map.of("deleted", name));
                }
                default -> throw new HttpError(405, "method " + method + " not allowed here, use PUT or DELETE");
            }
        }
        throw new HttpError(404, "no such resource: " + method + " /" + String.join("/", p));
    }

    private static JsonNode body(HttpRequestData ex) throws HttpError {
        byte[] raw = ex.body();
        if (raw.length > HttpApi.MAX_JSON_BODY_BYTES) {
            throw new HttpError(413, "body larger than " + HttpApi.MAX_JSON_BODY_BYTES + " bytes");
        }
        try {
            JsonNode n = HttpApi.JSON.readTree(raw);
            if (n == null || !n.isObject()) {
                throw new HttpError(400, "body must be a JSON object with fields " + LIMIT_FIELDS);
            }
            return n;
        } catch (IOException e) {
            throw new HttpError(400, "body is not JSON: " + Untrusted.escape(e.getMessage()));
        }
    }

    /** A row from JSON, strictly: unknown fields and wrong types are 400 naming the field. */
    static LimitRule limitRule(String name, JsonNode b) throws HttpError {
        for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!LIMIT_FIELDS.contains(f)) {
                throw new HttpError(400, "unknown field '" + Untrusted.escape(f) + "' (allowed: "
                    + LIMIT_FIELDS.stream().sorted().toList() + ")");
            }
        }
        List<String> models = new ArrayList<>();
        JsonNode m = b.get("models");
        if (m != null && !m.isNull()) {
            if (!m.isArray()) {
                throw new HttpError(400, "models: must be an array of device-model ids");
            }
            for (JsonNode x : m) {
                if (!x.isTextual()) {
                    throw new HttpError(400, "models: must be an array of device-model ids");
                }
                models.add(x.textValue());
            }
        }
        return new LimitRule(name, integer(b, "priority", Optional.of(100)).orElseThrow(), models,
            integer(b, "minHeartbeats", Optional.empty()), integer(b, "maxHeartbeats", Optional.empty()),
            new Limits(required(b, "heartbeatIntervalS"), required(b, "sendIntervalS"), required(b, "storageRecords")));
    }

    private static int required(JsonNode b, String f) throws HttpError {
        return integer(b, f, Optional.empty()).orElseThrow(() -> new HttpError(400, f + ": is required"));
    }

    private static Optional<Integer> integer(JsonNode b, String f, Optional<Integer> absent) throws HttpError {
        JsonNode v = b.get(f);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new HttpError(400, f + ": '" + Untrusted.escape(v.toString()) + "' is not a 32-bit integer");
        }
        return Optional.of(v.intValue());
    }
}
