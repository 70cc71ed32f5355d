package io.vinbind.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.vinbind.log.Untrusted;
import io.vinbind.server.auth.Principal;
import io.vinbind.server.auth.Role;
import io.vinbind.server.binding.NotFoundException;
import io.vinbind.server.http.HttpApi.Reply;
import io.vinbind.server.provisioning.Campaigns;
import io.vinbind.server.provisioning.CatalogJson;
import io.vinbind.server.provisioning.ConfigRule;
import io.vinbind.server.provisioning.ConfigurationLibrary;
import io.vinbind.server.provisioning.InvalidDefinitionException;
import io.vinbind.server.provisioning.ModelMatch;
import io.vinbind.server.provisioning.ProfilePool;
import io.vinbind.server.provisioning.Provisioning;
import io.vinbind.server.provisioning.ProvisioningJobs;
import io.vinbind.server.provisioning.TerminalFacts;
import io.vinbind.server.store.StoreException;
import java.time.Clock;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The provisioning runs' routes, with the role each needs:
 * <pre>
 * GET  /provisioning/jobs[?open=true&amp;terminal=id&amp;limit=n]   viewer        jobs, newest first
 * POST /provisioning/jobs                                   provisioning  {"terminalId"[, "requirement"]}: open a job
 *                                                                         (without a requirement: the deciding rule's)
 * GET  /provisioning/jobs/{id}                              viewer        one job and every step it took
 * POST /provisioning/jobs/{id}/cancel                       provisioning  close a job that has not started
 * GET  /provisioning/campaigns[?limit=n]                    viewer        campaigns with progress, newest first
 * GET  /provisioning/campaigns/stream                       viewer        live progress (server-sent events "campaign")
 * POST /provisioning/campaigns                              provisioning  create one (JSON, see CatalogJson.campaign)
 * GET  /provisioning/campaigns/{id}                         viewer        one campaign and its progress
 * GET  /provisioning/campaigns/{id}/terminals[?state=S]     viewer        the per-terminal report
 * POST /provisioning/campaigns/{id}/pause|resume|cancel     provisioning  the controls
 * POST /provisioning/campaigns/{id}/retry-failed            provisioning  a new job for each failed terminal
 * GET  /operator/profiles                                   viewer        the operators' profile lists, counted
 * POST /operator/platforms/{id}/profiles                    provisioning  import a profile list (iccid,imsi,profileType)
 * </pre>
 */
final class ProvisioningRunRoutes implements AutoCloseable {

    static final int MAX_CAMPAIGN_BYTES = 4 * 1024 * 1024;
    static final int MAX_PROFILE_LIST_BYTES = 8 * 1024 * 1024;

    private final Provisioning prov;
    private final Clock clock;
    private final CampaignEvents events;

    ProvisioningRunRoutes(Provisioning prov, Clock clock) {
        this.prov = prov;
        this.clock = clock;
        this.events = new CampaignEvents(prov.campaigns());
    }

    /** {@code GET /provisioning/campaigns/stream} (viewer): live campaign progress as server-sent events. */
    HttpReply stream(Optional<Principal> who) throws HttpError {
        HttpApi.require(who, Role.VIEWER);
        return HttpReply.events(events.stream());
    }

    @Override
    public void close() {
        events.close();
    }

    Reply route(HttpRequestData ex, String method, List<String> p, Map<String, String> q, Optional<Principal> who)
        throws HttpError, StoreException {
        int n = p.size();
        if (p.get(0).equals("operator")) {
            if (n == 2 && p.get(1).equals("profiles")) {
                HttpApi.expect(method, "GET", true);
                HttpApi.require(who, Role.VIEWER);
                return new Reply(200, prov.pool().summary());
            }
            // /operator/platforms/{id}/profiles
            HttpApi.expect(method, "POST", true);
            Principal op = HttpApi.require(who, Role.PROVISIONING);
            String platform = p.get(2);
            if (!prov.orders().platforms().containsKey(platform)) {
                throw new HttpError(404, "'" + Untrusted.escape(platform) + "' is not a configured operator platform");
            }
            byte[] body = ex.body();
            if (body.length > MAX_PROFILE_LIST_BYTES) {
                throw new HttpError(413, "body larger than " + MAX_PROFILE_LIST_BYTES + " bytes");
            }
            ProfilePool.Imported r = prov.pool().importCsv(platform, body, op.name());
            Logger.info("profile list of {} imported by {}: {}", platform, Untrusted.escape(op.name()), r);
            return new Reply(200, Map.of("platform", platform, "lines", r.lines(), "added", r.added(),
                "unchanged", r.unchanged()));
        }
        if (n >= 2 && p.get(1).equals("jobs")) {
            return jobs(ex, method, p, q, who);
        }
        if (n >= 2 && p.get(1).equals("campaigns")) {
            return campaigns(ex, method, p, q, who);
        }
        throw new HttpError(404, "no such resource: " + method + " /" + String.join("/", p));
    }

    private Reply jobs(HttpRequestData ex, String method, List<String> p, Map<String, String> q,
                       Optional<Principal> who) throws HttpError, StoreException {
        int n = p.size();
        if (n == 2 && method.equals("POST")) {
            Principal op = HttpApi.require(who, Role.PROVISIONING);
            JsonNode b = ProvisioningRoutes.json(ex, 64 * 1024);
            for (var it = b.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!List.of("terminalId", "requirement").contains(f)) {
                    throw new HttpError(400, "unknown field '" + Untrusted.escape(f) + "' (allowed: terminalId,"
                        + " requirement)");
                }
            }
            String id = HttpApi.terminalId(b.path("terminalId").asText(""));
            TerminalFacts t = prov.fleet().of(id).orElseThrow(() -> new HttpError(404, "terminal " + id
                + " is not known (it never logged in)"));
            ConfigRule.Requirement req;
            String why;
            if (b.has("requirement")) {
                req = CatalogJson.requirement(b.get("requirement"));
                why = "requirement given";
            } else {
                ModelMatch m = prov.models().match(t);
                ConfigurationLibrary.Resolution r = prov.rules().resolve(t, m.modelId());
                if (r.outcome() != ConfigurationLibrary.Resolution.Outcome.SELECTED) {
                    throw new HttpError(409, "no requirement given and the configuration library does not decide for "
                        + id + ": " + r.outcome() + (r.conflicting().isEmpty() ? "" : " " + r.conflicting()));
                }
                req = r.rule().orElseThrow().rule().orElseThrow().requirement();
                why = "rule " + r.rule().get().name() + " v" + r.rule().get().version();
            }
            if (!prov.orders().platforms().containsKey(req.platform())) {
                throw new HttpError(400, "requirement.platform: '" + Untrusted.escape(req.platform())
                    + "' is not a configured operator platform");
            }
            try {
                ProvisioningJobs.Job j = prov.jobs().create(id, t.eid(), Optional.empty(), req, op.name());
                Logger.info("provisioning job {} for {} opened by {} ({})", j.id(), id, Untrusted.escape(op.name()), why);
                return new Reply(201, j.view());
            } catch (IllegalStateException e) {
                throw new HttpError(409, e.getMessage());
            }
        }
        if (n == 2) {
            HttpApi.expect(method, "GET", true);
            HttpApi.require(who, Role.VIEWER);
            int limit = HttpApi.intParam(q, "limit", 200);
            List<ProvisioningJobs.Job> list = q.containsKey("terminal")
                ? prov.jobs().ofTerminal(HttpApi.terminalId(q.get("terminal")), limit)
                : prov.jobs().recent("true".equals(q.get("open")), limit);
            return new Reply(200, list.stream().map(ProvisioningJobs.Job::view).toList());
        }
        long id = HttpApi.longSegment(p.get(2), "job id");
        if (n == 3) {
            HttpApi.expect(method, "GET", true);
            HttpApi.require(who, Role.VIEWER);
            ProvisioningJobs.Job j = prov.jobs().find(id).orElseThrow(() -> new HttpError(404, "no job " + id));
            Map<String, Object> out = new LinkedHashMap<>(j.view());
            out.put("steps", prov.jobs().steps(id).stream().map(ProvisioningJobs.Step::view).toList());
            return new Reply(200, out);
        }
        if (n == 4 && p.get(3).equals("cancel")) {
            HttpApi.expect(method, "POST", true);
            Principal op = HttpApi.require(who, Role.PROVISIONING);
            ProvisioningJobs.Job j = prov.jobs().find(id).orElseThrow(() -> new HttpError(404, "no job " + id));
            if (!prov.jobs().close(id, ProvisioningJobs.State.CANCELLED, EnumSet.of(ProvisioningJobs.State.QUEUED),
                "cancelled", op.name())) {
                throw new HttpError(409, "job " + id + " is " + j.state() + (j.leaseOwner().isPresent() ? " and being"
                    + " driven by " + j.leaseOwner().get() : "") + ": only a queued job nobody is driving can be"
                    + " cancelled (one past its order runs to a safe end; cancel its campaign to stop it early)");
            }
            return new Reply(200, prov.jobs().find(id).orElseThrow().view());
        }
        throw new HttpError(404, "no such resource: " + method + " /" + String.join("/", p));
    }

    private Reply campaigns(HttpRequestData ex, String method, List<String> p, Map<String, String> q,
                            Optional<Principal> who) throws HttpError, StoreException {
        int n = p.size();
        if (n == 2 && method.equals("POST")) {
            Principal op = HttpApi.require(who, Role.PROVISIONING);
            List<ConfigurationLibrary.Version> inForce = prov.rules().inForce();
            Campaigns.Definition d = CatalogJson.campaign(ProvisioningRoutes.json(ex, MAX_CAMPAIGN_BYTES), name -> inForce.stream()
                .filter(v -> v.name().equals(name)).findFirst().flatMap(ConfigurationLibrary.Version::rule)
                .orElse(null), clock.instant());
            if (!prov.orders().platforms().containsKey(d.requirement().platform())) {
                throw new HttpError(400, "requirement.platform: '" + Untrusted.escape(d.requirement().platform())
                    + "' is not a configured operator platform; configured: "
                    + prov.orders().platforms().keySet().stream().sorted().toList());
            }
            Campaigns.Created c = prov.campaigns().create(d, op.name());
            Map<String, Object> out = new LinkedHashMap<>(c.campaign().view());
            out.put("skipped", c.skipped());
            return new Reply(201, out);
        }
        if (n == 2) {
            HttpApi.expect(method, "GET", true);
            HttpApi.require(who, Role.VIEWER);
            return new Reply(200, prov.campaigns().list(HttpApi.intParam(q, "limit", 100)).stream()
                .map(Campaigns.Campaign::view).toList());
        }
        long id = HttpApi.longSegment(p.get(2), "campaign id");
        if (n == 3) {
            HttpApi.expect(method, "GET", true);
            HttpApi.require(who, Role.VIEWER);
            return new Reply(200, prov.campaigns().find(id).map(Campaigns.Campaign::view)
                .orElseThrow(() -> new HttpError(404, "no campaign " + id)));
        }
        if (n == 4 && p.get(3).equals("terminals")) {
            HttpApi.expect(method, "GET", true);
            HttpApi.require(who, Role.VIEWER);
            if (prov.campaigns().find(id).isEmpty()) {
                throw new HttpError(404, "no campaign " + id);
            }
            Optional<ProvisioningJobs.State> state = Optional.ofNullable(q.get("state")).map(s -> {
                try {
                    return ProvisioningJobs.State.valueOf(s);
                } catch (IllegalArgumentException e) {
                    throw new InvalidDefinitionException("state", "'" + Untrusted.escape(s) + "' is not one of "
                        + List.of(ProvisioningJobs.State.values()));
                }
            });
            return new Reply(200, prov.jobs().ofCampaign(id, Campaigns.MAX_TERMINALS).stream()
                .filter(j -> state.isEmpty() || j.state() == state.get()).map(ProvisioningJobs.Job::view).toList());
        }
        if (n == 4) {
            HttpApi.expect(method, "POST", true);
            Principal op = HttpApi.require(who, Role.PROVISIONING);
            try {
                return switch (p.get(3)) {
                    case "pause" -> new Reply(200, prov.campaigns().pause(id, op.name()).view());
                    case "resume" -> new Reply(200, prov.campaigns().resume(id, op.name()).view());
                    case "cancel" -> new Reply(200, prov.campaigns().cancel(id, op.name(), prov.jobs()).view());
                    case "retry-failed" -> {
                        int opened = prov.campaigns().retryFailed(id, op.name());
                        Map<String, Object> out = new LinkedHashMap<>(prov.campaigns().find(id).orElseThrow().view());
                        out.put("retried", opened);
                        yield new Reply(200, out);
                    }
                    default -> throw new HttpError(404, "no such control '" + Untrusted.escape(p.get(3))
                        + "' (pause, resume, cancel, retry-failed)");
                };
            } catch (NotFoundException e) {
                throw new HttpError(404, e.getMessage());
            } catch (IllegalStateException e) {
                throw new HttpError(409, e.getMessage());
            }
        }
        throw new HttpError(404, "no such resource: " + method + " /" + String.join("/", p));
    }
}
