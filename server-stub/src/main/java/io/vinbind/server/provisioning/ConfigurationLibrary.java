package io.vinbind.server.provisioning;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.Sql;
import io.vinbind.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The configuration library: versioned rules saying which operator profile each terminal needs.
 *
 * <p>Every change of a rule is a new version; versions are never changed or deleted, so what was in force when a
 * terminal was provisioned can always be shown. Retiring a rule is a version too. {@link #resolve} picks, among
 * the rules in force that select a terminal, the one with the highest priority; several at that priority are
 * reported as a conflict. {@link #dryRun} shows which terminals a rule would hit, and whether it would win for
 * them, before it is saved.
 */
public final class ConfigurationLibrary {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database db;
    private final Clock clock;

    public ConfigurationLibrary(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** One stored version of a rule; {@code rule} is empty for a version that retired it. */
    public record Version(String name, int version, boolean retired, Optional<ConfigRule> rule, Instant createdAt,
                          String createdBy) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("version", version);
            m.put("retired", retired);
            rule.ifPresent(r -> m.put("rule", r.view()));
            m.put("createdAt", createdAt.toString());
            m.put("createdBy", createdBy);
            return m;
        }
    }

    /** Which rule decides for a terminal. */
    public record Resolution(Outcome outcome, Optional<Version> rule, List<String> conflicting) {
        public enum Outcome { SELECTED, NONE, CONFLICT }

        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("outcome", outcome.name());
            rule.ifPresent(v -> {
                m.put("rule", v.name());
                m.put("version", v.version());
                m.put("requirement", v.rule().orElseThrow().requirement().view());
            });
            if (!conflicting.isEmpty()) {
                m.put("conflicting", conflicting);
            }
            return m;
        }
    }

    /**
     * Saves {@code rule} as its next version (version 1 for a new rule). Saving what is already in force changes
     * nothing and returns the version in force.
     */
    public Version put(ConfigRule rule, String operator) throws StoreException {
        return db.transaction("put configuration rule " + rule.name(), c -> {
            Optional<Version> latest = latest(c, rule.name(), true);
            if (latest.isPresent() && !latest.get().retired() && latest.get().rule().orElseThrow().equals(rule)) {
                return latest.get();
            }
            return insert(c, rule.name(), latest.map(Version::version).orElse(0) + 1, Optional.of(rule), operator);
        });
    }

    /**
     * Retires a rule: a new version that takes it out of force.
     *
     * @return empty when there is no such rule in force
     */
    public Optional<Version> retire(String name, String operator) throws StoreException {
        return db.transaction("retire configuration rule " + name, c -> {
            Optional<Version> latest = latest(c, name, true);
            if (latest.isEmpty() || latest.get().retired()) {
                return Optional.empty();
            }
            return Optional.of(insert(c, name, latest.get().version() + 1, Optional.empty(), operator));
        });
    }

    /** The rules in force (their newest versions, unless retired), by name. */
    public List<Version> inForce() throws StoreException {
        return db.query("configuration rules in force", ConfigurationLibrary::inForce);
    }

    /** Every version of one rule, oldest first. */
    public List<Version> versions(String name) throws StoreException {
        return db.query("versions of configuration rule " + name, c -> {
            List<Version> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM config_rule_version WHERE rule_name = ?"
                + " ORDER BY version")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
            }
            return out;
        });
    }

    /** Which rule in force decides for {@code terminal}, which is of model {@code modelId} (if matched). */
    public Resolution resolve(TerminalFacts terminal, Optional<String> modelId) throws StoreException {
        return resolve(inForce(), terminal, modelId);
    }

    /** {@link #resolve} over a given set of rules in force. */
    public static Resolution resolve(List<Version> rules, TerminalFacts terminal, Optional<String> modelId) {
        List<Version> hits = rules.stream().filter(v -> v.rule().orElseThrow().selector().selects(terminal, modelId))
            .sorted(Comparator.comparingInt((Version v) -> v.rule().orElseThrow().priority()).reversed()
                .thenComparing(Version::name))
            .toList();
        if (hits.isEmpty()) {
            return new Resolution(Resolution.Outcome.NONE, Optional.empty(), List.of());
        }
        int top = hits.get(0).rule().orElseThrow().priority();
        List<String> tied = hits.stream().filter(v -> v.rule().orElseThrow().priority() == top).map(Version::name).toList();
        if (tied.size() > 1) {
            return new Resolution(Resolution.Outcome.CONFLICT, Optional.empty(), tied);
        }
        return new Resolution(Resolution.Outcome.SELECTED, Optional.of(hits.get(0)), List.of());
    }

    /** One terminal a dry run hits. */
    public record Hit(String terminalId, Optional<String> model, boolean wouldDecide, Resolution withRule) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("terminalId", terminalId);
            model.ifPresent(x -> m.put("model", x));
            m.put("wouldDecide", wouldDecide);
            m.put("resolution", withRule.view());
            return m;
        }
    }

    /** What {@link #dryRun} found: the terminals examined, those the rule selects, and a page of them. */
    public record DryRun(int examined, int selected, int decided, boolean complete, List<Hit> hits) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("examined", examined);
            m.put("selected", selected);
            m.put("wouldDecide", decided);
            m.put("complete", complete);
            m.put("terminals", hits.stream().map(Hit::view).toList());
            return m;
        }
    }

    /**
     * Which terminals {@code rule} would hit if saved now, and for which of them it would be the deciding rule
     * (with the other rules in force, and replacing its own current version). Nothing is stored.
     *
     * @param maxTerminals terminals examined at most (the answer says whether that was all of them)
     * @param maxListed terminals listed at most
     */
    public DryRun dryRun(ConfigRule rule, DeviceModelLibrary models, FleetFacts fleet, int maxTerminals, int maxListed)
        throws StoreException {
        List<Version> rules = new ArrayList<>(inForce().stream().filter(v -> !v.name().equals(rule.name())).toList());
        Version candidate = new Version(rule.name(), 0, false, Optional.of(rule), clock.instant(), "dry run");
        rules.add(candidate);
        List<DeviceModel> library = models.list();
        int examined = 0;
        int selected = 0;
        int decided = 0;
        List<Hit> listed = new ArrayList<>();
        String after = "";
        boolean complete = true;
        while (true) {
            int room = maxTerminals - examined;
            if (room <= 0) {
                complete = fleet.page(after, 1).isEmpty();
                break;
            }
            List<TerminalFacts> page = fleet.page(after, Math.min(room, 1000));
            if (page.isEmpty()) {
                break;
            }
            for (TerminalFacts t : page) {
                examined++;
                Optional<String> model = DeviceModelLibrary.match(library, t).modelId();
                if (!rule.selector().selects(t, model)) {
                    continue;
                }
                selected++;
                Resolution r = resolve(rules, t, model);
                boolean wins = r.rule().map(v -> v.name().equals(rule.name())).orElse(false);
                if (wins) {
                    decided++;
                }
                if (listed.size() < maxListed) {
                    listed.add(new Hit(t.terminalId(), model, wins, r));
                }
            }
            after = page.get(page.size() - 1).terminalId();
        }
        return new DryRun(examined, selected, decided, complete, listed);
    }

    private Version insert(Connection c, String name, int version, Optional<ConfigRule> rule, String operator)
        throws SQLException {
        Instant now = clock.instant();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO config_rule_version (rule_name, version, retired,"
            + " definition, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, name);
            ps.setInt(2, version);
            ps.setBoolean(3, rule.isEmpty());
            ps.setString(4, rule.map(r -> write(r.view())).orElse("{}"));
            Sql.setInstant(ps, 5, now);
            ps.setString(6, operator);
            ps.executeUpdate();
        }
        return new Version(name, version, rule.isEmpty(), rule, now, operator);
    }

    /**
     * The newest version; {@code lock} takes the rule's row lock first, so two concurrent changes of one rule make
     * consecutive versions (the primary key refuses a duplicate version, and the transaction is retried).
     */
    private static Optional<Version> latest(Connection c, String name, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM config_rule_version WHERE rule_name = ?"
            + " ORDER BY version DESC FETCH FIRST 1 ROWS ONLY" + (lock ? " FOR UPDATE" : ""))) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private static List<Version> inForce(Connection c) throws SQLException {
        List<Version> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT v.* FROM config_rule_version v WHERE v.version ="
            + " (SELECT MAX(w.version) FROM config_rule_version w WHERE w.rule_name = v.rule_name)"
            + " AND v.retired = FALSE ORDER BY v.rule_name")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs));
                }
            }
        }
        return out;
    }

    private static Version read(ResultSet rs) throws SQLException {
        boolean retired = rs.getBoolean("retired");
        String name = rs.getString("rule_name");
        Optional<ConfigRule> rule = Optional.empty();
        if (!retired) {
            try {
                rule = Optional.of(CatalogJson.rule(JSON.readTree(rs.getString("definition")), name));
            } catch (JsonProcessingException | IllegalArgumentException e) {
                throw new SQLException("stored configuration rule " + name + " v" + rs.getInt("version")
                    + " cannot be read: " + e.getMessage(), e);
            }
        }
        return new Version(name, rs.getInt("version"), retired, rule, Sql.requiredInstant(rs, "created_at"),
            rs.getString("created_by"));
    }

    private static String write(Object view) {
        try {
            return JSON.writeValueAsString(view);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a configuration rule as JSON: " + e.getMessage(), e);
        }
    }
}
