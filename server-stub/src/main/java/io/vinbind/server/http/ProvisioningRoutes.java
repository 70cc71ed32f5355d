package io.vinbind.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.vinbind.esim.rsp.Es2Plus;
import io.vinbind.esim.rsp.Rsp;
import io.vinbind.esim.rsp.RspFormatException;
import io.vinbind.log.Untrusted;
import io.vinbind.server.auth.Principal;
import io.vinbind.server.auth.Role;
import io.vinbind.server.binding.NotFoundException;
import io.vinbind.server.binding.ReportedIdentities;
import io.vinbind.server.http.HttpApi.Reply;
import io.vinbind.server.provisioning.CatalogJson;
import io.vinbind.server.provisioning.ConfigRule;
import io.vinbind.server.provisioning.ConfigurationLibrary;
import io.vinbind.server.provisioning.DeviceModel;
import io.vinbind.server.provisioning.DeviceModelLibrary;
import io.vinbind.server.provisioning.ModelMatch;
import io.vinbind.server.provisioning.OperatorException;
import io.vinbind.server.provisioning.OperatorOrders;
import io.vinbind.server.provisioning.Provisioning;
import io.vinbind.server.provisioning.TerminalFacts;
import io.vinbind.server.store.StoreException;
import java.io.IOException;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The provisioning catalog's routes, with the role each needs:
 * <pre>
 * GET    /device-models                         viewer         the device-model library
 * GET    /device-models/{id}                    viewer         one model
 * PUT    /device-models/{id}                    provisioning   create or change one (JSON model)
 * DELETE /device-models/{id}                    provisioning   remove one
 * POST   /device-models/import                  provisioning   JSON array of models: all stored, or none
 * GET    /terminals/{id}/provisioning           viewer         facts, matched model, deciding rule, reported identity
 * GET    /terminals/{id}/identity               viewer         what the terminal reported of itself at its latest login
 * GET    /terminals/{id}/identity/history[?limit=n]  viewer    the changes of that report, oldest first
 * GET    /config-rules                          viewer         rules in force
 * GET    /config-rules/{name}                   viewer         one rule in force
 * GET    /config-rules/{name}/versions          viewer         every version of a rule
 * PUT    /config-rules/{name}                   provisioning   save a new version (JSON rule)
 * DELETE /config-rules/{name}                   provisioning   retire it (a version too)
 * POST   /config-rules/dry-run[?max=n&amp;list=n]   provisioning   which terminals a rule would hit; nothing stored
 * GET    /operator/platforms                    viewer         the configured operator platforms
 * GET    /operator/orders[?limit=n]             viewer         ES2+ orders, newest first
 * GET    /operator/orders/{id}                  viewer         one order and the progress reported for it
 * POST   /operator/orders                       provisioning   {"platform","eid","profileType"}: downloadOrder + confirmOrder
 * POST   /operator/orders/{id}/cancel           provisioning   ES2+ cancelOrder
 * POST   /gsma/rsp2/es2plus/handleDownloadProgressInfo  operator-platform  SGP.22 §5.3.5 callback, recorded
 * </pre>
 */
final class ProvisioningRoutes {

    /** Largest device-model import. */
    static final int MAX_IMPORT_BYTES = 1024 * 1024;
    /** Largest single model, rule, order or progress report. */
    static final int MAX_DEFINITION_BYTES = 64 * 1024;

    private final Provisioning prov;

    ProvisioningRoutes(Provisioning prov) {
        this.prov = prov;
    }

    /** {@code /terminals/{id}/identity} and {@code …/identity/history}. */
    private Reply identity(String id, boolean history, Map<String, String> q) throws HttpError, StoreException {
        ReportedIdentities reported = prov.fleet().reported();
        if (history) {
            int limit = HttpApi.intParam(q, "limit", ReportedIdentities.MAX_HISTORY);
            if (prov.fleet().of(id).isEmpty()) {
                throw new HttpError(404, "terminal " + id + " is not known");
            }
            return new Reply(200, reported.history(id, limit));
        }
        return new Reply(200, view(reported.latest(id).orElseThrow(() -> new HttpError(404,
            "terminal " + id + " has not reported its identity (not known, or no login since the server recorded reports)"))));
    }

    /** The report with its conflict flag spelled out. */
    private static Map<String, Object> view(ReportedIdentities.Reported r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("terminalId", r.terminalId());
        out.put("imsi", r.imsi());
        out.put("iccid", r.iccid());
        out.put("imei", r.imei());
        out.put("eid", r.eid());
        out.put("terminalModel", r.terminalModel());
        out.put("softwareVersion", r.softwareVersion());
        out.put("modemModel", r.modemModel());
        out.put("modemFirmware", r.modemFirmware());
        out.put("reportedAt", r.reportedAt());
        out.put("requestId", r.requestId());
        out.put("eidConflict", r.eidConflict());
        out.put("eidAlsoReportedBy", r.eidAlsoReportedBy());
        return out;
    }

    Reply route(HttpRequestData ex, String method, List<String> p, Map<String, String> q, Optional<Principal> who)
        throws HttpError, StoreException {
        int n = p.size();
        switch (p.get(0)) {
            case "device-models" -> {
                if (n == 1) {
                    HttpApi.expect(method, "GET", true);
                    HttpApi.require(who, Role.VIEWER);
                    return new Reply(200, prov.models().list().stream().map(DeviceModel::view).toList());
                }
                if (n == 2 && p.get(1).equals("import")) {
                    HttpApi.expect(method, "POST", true);
                    Principal op = HttpApi.require(who, Role.PROVISIONING);
                    List<DeviceModel> models = CatalogJson.models(json(ex, MAX_IMPORT_BYTES));
                    Map<String, DeviceModelLibrary.Change> done = prov.models().importAll(models, op.name());
                    Map<DeviceModelLibrary.Change, Integer> counts = new EnumMap<>(DeviceModelLibrary.Change.class);
                    done.values().forEach(c -> counts.merge(c, 1, Integer::sum));
                    Logger.info("device models imported by {}: {}", Untrusted.escape(op.name()), counts);
                    return new Reply(200, Map.of("summary", counts, "models", done));
                }
                if (n == 2) {
                    String id = p.get(1);
                    switch (method) {
                        case "GET" -> {
                            HttpApi.require(who, Role.VIEWER);
                            return new Reply(200, prov.models().find(id).map(DeviceModel::view)
                                .orElseThrow(() -> new HttpError(404, "no device model " + Untrusted.escape(id))));
                        }
                        case "PUT" -> {
                            Principal op = HttpApi.require(who, Role.PROVISIONING);
                            DeviceModel m = CatalogJson.model(json(ex, MAX_DEFINITION_BYTES), "", id);
                            DeviceModelLibrary.Change c = prov.models().put(m, op.name());
                            return new Reply(c == DeviceModelLibrary.Change.CREATED ? 201 : 200,
                                Map.of("change", c, "model", m.view()));
                        }
                        case "DELETE" -> {
                            HttpApi.require(who, Role.PROVISIONING);
                            if (!prov.models().delete(id)) {
                                throw new HttpError(404, "no device model " + Untrusted.escape(id));
                            }
                            return new Reply(200, Map.of("deleted", id));
                        }
                        default -> throw new HttpError(405, "method " + method + " not allowed here, use GET, PUT or DELETE");
                    }
                }
            }
            case "terminals" -> { // /terminals/{id}/provisioning, /terminals/{id}/identity[/history]
                HttpApi.expect(method, "GET", true);
                HttpApi.require(who, Role.VIEWER);
                String id = HttpApi.terminalId(p.get(1));
                if (p.get(2).equals("identity")) {
                    return identity(id, n == 4, q);
                }
                TerminalFacts t = prov.fleet().of(id)
                    .orElseThrow(() -> new HttpError(404, "terminal " + id + " is not known"));
                ModelMatch match = prov.models().match(t);
                ConfigurationLibrary.Resolution r = prov.rules().resolve(t, match.modelId());
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("terminal", t);
                out.put("deviceModel", match.view());
                out.put("configuration", r.view());
                prov.fleet().reported().latest(id).ifPresent(rep -> out.put("reportedIdentity", view(rep)));
                return new Reply(200, out);
            }
            case "config-rules" -> {
                if (n == 1) {
                    HttpApi.expect(method, "GET", true);
                    HttpApi.require(who, Role.VIEWER);
                    return new Reply(200, prov.rules().inForce().stream().map(ConfigurationLibrary.Version::view).toList());
                }
                if (n == 2 && p.get(1).equals("dry-run")) {
                    HttpApi.expect(method, "POST", true);
                    HttpApi.require(who, Role.PROVISIONING);
                    ConfigRule rule = CatalogJson.rule(json(ex, MAX_DEFINITION_BYTES), null);
                    int max = Math.min(HttpApi.intParam(q, "max", 100_000), 1_000_000);
                    int list = Math.min(HttpApi.intParam(q, "list", 200), 10_000);
                    return new Reply(200, prov.rules().dryRun(rule, prov.models(), prov.fleet(), max, list).view());
                }
                if (n == 3 && p.get(2).equals("versions")) {
                    HttpApi.expect(method, "GET", true);
                    HttpApi.require(who, Role.VIEWER);
                    List<ConfigurationLibrary.Version> v = prov.rules().versions(p.get(1));
                    if (v.isEmpty()) {
                        throw new HttpError(404, "no configuration rule " + Untrusted.escape(p.get(1)));
                    }
                    return new Reply(200, v.stream().map(ConfigurationLibrary.Version::view).toList());
                }
                if (n == 2) {
                    String name = p.get(1);
                    switch (method) {
                        case "GET" -> {
                            HttpApi.require(who, Role.VIEWER);
                            return new Reply(200, prov.rules().inForce().stream().filter(v -> v.name().equals(name))
                                .findFirst().map(ConfigurationLibrary.Version::view)
                                .orElseThrow(() -> new HttpError(404, "no configuration rule " + Untrusted.escape(name)
                                    + " in force")));
                        }
                        case "PUT" -> {
                            Principal op = HttpApi.require(who, Role.PROVISIONING);
                            ConfigRule rule = CatalogJson.rule(json(ex, MAX_DEFINITION_BYTES), name);
                            if (!prov.orders().platforms().containsKey(rule.requirement().platform())) {
                                throw new HttpError(400, "requirement.platform: '" + Untrusted.escape(
                                    rule.requirement().platform()) + "' is not a configured operator platform; configured: "
                                    + prov.orders().platforms().keySet().stream().sorted().toList());
                            }
                            ConfigurationLibrary.Version v = prov.rules().put(rule, op.name());
                            return new Reply(v.version() == 1 ? 201 : 200, v.view());
                        }
                        case "DELETE" -> {
                            Principal op = HttpApi.require(who, Role.PROVISIONING);
                            return new Reply(200, prov.rules().retire(name, op.name()).map(ConfigurationLibrary.Version::view)
                                .orElseThrow(() -> new HttpError(404, "no configuration rule " + Untrusted.escape(name)
                                    + " in force")));
                        }
                        default -> throw new HttpError(405, "method " + method + " not allowed here, use GET, PUT or DELETE");
                    }
                }
            }
            case "operator" -> {
                if (n == 2 && p.get(1).equals("platforms")) {
                    HttpApi.expect(method, "GET", true);
                    HttpApi.require(who, Role.VIEWER);
                    return new Reply(200, prov.orders().platforms().values().stream()
                        .map(x -> Map.of("id", x.id(), "url", x.base().toString())).toList());
                }
                if (n == 2 && p.get(1).equals("orders")) {
                    if (method.equals("POST")) {
                        Principal op = HttpApi.require(who, Role.PROVISIONING);
                        JsonNode b = json(ex, MAX_DEFINITION_BYTES);
                        for (var it = b.fieldNames(); it.hasNext(); ) {
                            String f = it.next();
                            if (!List.of("platform", "eid", "profileType").contains(f)) {
                                throw new HttpError(400, "unknown field '" + Untrusted.escape(f)
                                    + "' (allowed: platform, eid, profileType)");
                            }
                        }
                        try {
                            OperatorOrders.Order o = prov.orders().place(b.path("platform").asText(null),
                                b.path("eid").asText(null), b.path("profileType").asText(null), op.name());
                            int status = switch (o.state()) {
                                case CONFIRMED -> 201;
                                case FAILED -> 422;
                                default -> 502;
                            };
                            return new Reply(status, o.view());
                        } catch (IllegalStateException e) {
                            throw new HttpError(409, e.getMessage());
                        }
                    }
                    HttpApi.expect(method, "GET", true);
                    HttpApi.require(who, Role.VIEWER);
                    return new Reply(200, prov.orders().list(HttpApi.intParam(q, "limit", 100)).stream()
                        .map(OperatorOrders.Order::view).toList());
                }
                if (n == 3 && p.get(1).equals("orders")) {
                    HttpApi.expect(method, "GET", true);
                    HttpApi.require(who, Role.VIEWER);
                    OperatorOrders.Order o = prov.orders().find(HttpApi.longSegment(p.get(2), "order id"))
                        .orElseThrow(() -> new HttpError(404, "no order " + Untrusted.escape(p.get(2))));
                    Map<String, Object> out = new LinkedHashMap<>(o.view());
                    out.put("progress", o.iccid().isPresent()
                        ? prov.orders().progress(o.iccid().get()).stream().map(OperatorOrders.Progress::view).toList()
                        : List.of());
                    return new Reply(200, out);
                }
                if (n == 4 && p.get(1).equals("orders") && p.get(3).equals("cancel")) {
                    HttpApi.expect(method, "POST", true);
                    Principal op = HttpApi.require(who, Role.PROVISIONING);
                    try {
                        return new Reply(200, prov.orders().cancel(HttpApi.longSegment(p.get(2), "order id"), op.name())
                            .view());
                    } catch (NotFoundException e) {
                        throw new HttpError(404, e.getMessage());
                    } catch (IllegalStateException e) {
                        throw new HttpError(409, e.getMessage());
                    } catch (OperatorException e) {
                        throw new HttpError(e.kind() == OperatorException.Kind.REFUSED ? 422 : 502, e.getMessage());
                    }
                }
            }
            case "gsma" -> {
                if (n == 4 && p.get(1).equals("rsp2") && p.get(2).equals("es2plus")
                    && p.get(3).equals("handleDownloadProgressInfo")) {
                    HttpApi.expect(method, "POST", true);
                    Principal caller = HttpApi.require(who, Role.OPERATOR_PLATFORM);
                    byte[] body = bounded(ex, MAX_DEFINITION_BYTES);
                    Es2Plus.HandleDownloadProgressInfoRequest r;
                    try {
                        r = Rsp.read(body, Es2Plus.HandleDownloadProgressInfoRequest.class);
                    } catch (RspFormatException e) {
                        throw new HttpError(400, "not a handleDownloadProgressInfo request: " + e.getMessage());
                    }
                    OperatorOrders.Progress rec = prov.orders().record(r, caller.name());
                    Logger.info("ES2+ progress from {}: ICCID {} point {} ({}) {}", Untrusted.escape(caller.name()),
                        rec.iccid(), rec.pointId(), Untrusted.escape(rec.pointStatus()), rec.subjectCode().orElse(""));
                    return new Reply(200, Map.of("header", Rsp.ResponseHeader.success()));
                }
            }
            default -> {
                // 404 below
            }
        }
        throw new HttpError(404, "no such resource: " + method + " /" + String.join("/", p));
    }

    private static byte[] bounded(HttpRequestData ex, int max) throws HttpError {
        byte[] raw = ex.body();
        if (raw.length > max) {
            throw new HttpError(413, "body larger than " + max + " bytes");
        }
        return raw;
    }

    /** A bounded JSON body (413 past {@code max}, 400 when empty or not JSON); the run routes read theirs so too. */
    static JsonNode json(HttpRequestData ex, int max) throws HttpError {
        byte[] raw = bounded(ex, max);
        if (raw.length == 0) {
            throw new HttpError(400, "a JSON body is required");
        }
        try {
            return HttpApi.JSON.readTree(raw);
        } catch (IOException e) {
            throw new HttpError(400, "body is not JSON: " + Untrusted.escape(e.getMessage()));
        }
    }
}
