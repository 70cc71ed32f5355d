package io.vinbind.server.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the catalog's JSON forms strictly: an unknown field, a wrong type or a missing required field is an
 * {@link InvalidDefinitionException} naming it (with its place in an import, e.g. {@code [3].blockSize}), so a
 * typo never silently becomes a default.
 */
public final class CatalogJson {

    private static final Set<String> MODEL_FIELDS = Set.of("id", "name", "terminalModel", "modemModel", "card",
        "apduPath", "blockSize", "apduTimeoutMs", "downloadApduTimeoutMs", "identityFields", "tacs", "terminalIdPrefix");
    private static final Set<String> RULE_FIELDS = Set.of("name", "priority", "selector", "requirement");
    private static final Set<String> SELECTOR_FIELDS = Set.of("models", "vinPrefixes", "imsiPrefixes", "batches",
        "terminalIdPrefixes");
    private static final Set<String> REQUIREMENT_FIELDS = Set.of("platform", "profileType", "plan", "enablePolicy");

    private CatalogJson() {
    }

    /**
     * A device model. {@code blockSize} defaults to 120 and the timeouts to 5 s and 30 s when absent.
     *
     * @param at the prefix of field names in errors ("" for a single model)
     * @param id the id the URL names, which the body must repeat or leave out (null: the body's own)
     */
    public static DeviceModel model(JsonNode n, String at, String id) {
        object(n, at, MODEL_FIELDS);
        String bodyId = optionalText(n, at, "id").orElse(null);
        if (id != null && bodyId != null && !id.equals(bodyId)) {
            throw new InvalidDefinitionException(at + "id", "'" + Fields.shown(bodyId) + "' differs from the id in the"
                + " path, " + id);
        }
        try {
            return build(n, at, id);
        } catch (InvalidDefinitionException e) {
            if (at.isEmpty() || e.field().startsWith(at)) {
                throw e;
            }
            String message = e.getMessage().substring(e.field().length() + 2);
            throw new InvalidDefinitionException(at + e.field(), message);
        }
    }

    private static DeviceModel build(JsonNode n, String at, String id) {
        return new DeviceModel(id != null ? id : requiredText(n, at, "id"), requiredText(n, at, "name"),
            requiredText(n, at, "terminalModel"), requiredText(n, at, "modemModel"),
            constant(n, at, "card", DeviceModel.Card.class), constant(n, at, "apduPath", DeviceModel.ApduPath.class),
            integer(n, at, "blockSize", 120), Duration.ofMillis(integer(n, at, "apduTimeoutMs", 5000)),
            Duration.ofMillis(integer(n, at, "downloadApduTimeoutMs", 30_000)),
            constants(n, at, "identityFields", DeviceModel.IdentityField.class), texts(n, at, "tacs"),
            optionalText(n, at, "terminalIdPrefix"));
    }

    /** A list of models, as an import carries it: a JSON array. */
    public static List<DeviceModel> models(JsonNode n) {
        if (n == null || !n.isArray()) {
            throw new InvalidDefinitionException("body", "is not a JSON array of device models");
        }
        if (n.size() > DeviceModelLibrary.MAX_IMPORT) {
            throw new InvalidDefinitionException("body", n.size() + " models, at most " + DeviceModelLibrary.MAX_IMPORT);
        }
        List<DeviceModel> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            out.add(model(n.get(i), "[" + i + "].", null));
        }
        return out;
    }

    /** A configuration rule; {@code name} as for {@link #model}'s id. */
    public static ConfigRule rule(JsonNode n, String name) {
        object(n, "", RULE_FIELDS);
        String bodyName = optionalText(n, "", "name").orElse(null);
        if (name != null && bodyName != null && !name.equals(bodyName)) {
            throw new InvalidDefinitionException("name", "'" + Fields.shown(bodyName) + "' differs from the name in"
                + " the path, " + name);
        }
        JsonNode s = n.get("selector");
        object(s, "selector.", SELECTOR_FIELDS);
        JsonNode r = n.get("requirement");
        object(r, "requirement.", REQUIREMENT_FIELDS);
        return new ConfigRule(name != null ? name : requiredText(n, "", "name"), integer(n, "", "priority", 100),
            new ConfigRule.Selector(texts(s, "selector.", "models"), texts(s, "selector.", "vinPrefixes"),
                texts(s, "selector.", "imsiPrefixes"), texts(s, "selector.", "batches"),
                texts(s, "selector.", "terminalIdPrefixes")),
            new ConfigRule.Requirement(requiredText(r, "requirement.", "platform"),
                requiredText(r, "requirement.", "profileType"), optionalText(r, "requirement.", "plan"),
                constant(r, "requirement.", "enablePolicy", ConfigRule.EnablePolicy.class)));
    }

    /** A requirement object, as in a rule ({@code requirement.} prefixes the fields in errors). */
    public static ConfigRule.Requirement requirement(JsonNode r) {
        object(r, "requirement.", REQUIREMENT_FIELDS);
        return new ConfigRule.Requirement(requiredText(r, "requirement.", "platform"),
            requiredText(r, "requirement.", "profileType"), optionalText(r, "requirement.", "plan"),
            constant(r, "requirement.", "enablePolicy", ConfigRule.EnablePolicy.class));
    }

    private static final Set<String> CAMPAIGN_FIELDS = Set.of("name", "requirement", "rule", "selector", "terminals",
        "csv", "ratePerMinute", "maxConcurrent", "abortFailurePercent", "abortMinFinished", "deadline");

    /**
     * A campaign: {@code name}; the requirement given ({@code requirement}) or taken from a configuration rule in force
     * ({@code rule}, looked up by {@code rules}); the terminals by {@code selector}, by {@code terminals} (ids or EIDs)
     * or by {@code csv} (one id or EID a line, {@code #} comments); the controls with their defaults (60 a minute, 4
     * at once, abort above 50 % failed once 10 finished, deadline a week from {@code now}).
     */
    public static Campaigns.Definition campaign(JsonNode n, java.util.function.Function<String, ConfigRule> rules,
                                                java.time.Instant now) {
        object(n, "", CAMPAIGN_FIELDS);
        ConfigRule.Requirement req;
        Optional<String> rule = optionalText(n, "", "rule");
        if (rule.isPresent() == (n.get("requirement") != null)) {
            throw new InvalidDefinitionException("requirement", "give either a requirement or the name of a"
                + " configuration rule (rule), not " + (rule.isPresent() ? "both" : "neither"));
        }
        if (rule.isPresent()) {
            ConfigRule r = rules.apply(rule.get());
            if (r == null) {
                throw new InvalidDefinitionException("rule", "'" + Fields.shown(rule.get()) + "' is not a configuration"
                    + " rule in force");
            }
            req = r.requirement();
        } else {
            req = requirement(n.get("requirement"));
        }
        Optional<ConfigRule.Selector> selector = Optional.empty();
        JsonNode s = n.get("selector");
        if (s != null && !s.isNull()) {
            object(s, "selector.", SELECTOR_FIELDS);
            selector = Optional.of(new ConfigRule.Selector(texts(s, "selector.", "models"),
                texts(s, "selector.", "vinPrefixes"), texts(s, "selector.", "imsiPrefixes"),
                texts(s, "selector.", "batches"), texts(s, "selector.", "terminalIdPrefixes")));
        }
        List<String> terminals = new ArrayList<>(texts(n, "", "terminals"));
        Optional<String> csv = optionalText(n, "", "csv");
        if (csv.isPresent()) {
            String[] lines = csv.get().split("\r?\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i].strip();
                int comma = line.indexOf(',');
                if (comma >= 0) {
                    line = line.substring(0, comma).strip(); // the first column; the rest is the caller's
                }
                if (!line.isEmpty() && !line.startsWith("#") && !(i == 0 && line.equalsIgnoreCase("terminal"))
                    && !(i == 0 && line.equalsIgnoreCase("eid")) && !(i == 0 && line.equalsIgnoreCase("terminalId"))) {
                    terminals.add(line);
                }
            }
        }
        String deadline = optionalText(n, "", "deadline").orElse(null);
        java.time.Instant until;
        try {
            until = deadline == null ? now.plus(Campaigns.DEFAULT_DEADLINE) : java.time.Instant.parse(deadline);
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidDefinitionException("deadline", "'" + Fields.shown(deadline) + "' is not an ISO-8601 instant"
                + " (2026-12-24T18:00:00Z)");
        }
        return new Campaigns.Definition(requiredText(n, "", "name"), req, selector, terminals,
            integer(n, "", "ratePerMinute", 60), integer(n, "", "maxConcurrent", 4),
            integer(n, "", "abortFailurePercent", 50), integer(n, "", "abortMinFinished", 10), until);
    }

    private static void object(JsonNode n, String at, Set<String> known) {
        String what = at.isEmpty() ? "body" : at.substring(0, at.length() - 1);
        if (n == null || !n.isObject()) {
            throw new InvalidDefinitionException(what, "is not a JSON object");
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new InvalidDefinitionException(at + Fields.shown(f), "is not a known field; known: "
                    + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    private static String requiredText(JsonNode n, String at, String f) {
        return optionalText(n, at, f).orElseThrow(() -> new InvalidDefinitionException(at + f, "is required"));
    }

    private static Optional<String> optionalText(JsonNode n, String at, String f) {
        JsonNode v = n.get(f);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw new InvalidDefinitionException(at + f, "is " + v.getNodeType().name().toLowerCase(Locale.ROOT)
                + ", not a string");
        }
        return Optional.of(v.textValue());
    }

    private static int integer(JsonNode n, String at, String f, int absent) {
        JsonNode v = n.get(f);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new InvalidDefinitionException(at + f, "'" + Fields.shown(v.toString()) + "' is not a 32-bit integer");
        }
        return v.intValue();
    }

    private static List<String> texts(JsonNode n, String at, String f) {
        JsonNode v = n.get(f);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new InvalidDefinitionException(at + f, "is not an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) {
                throw new InvalidDefinitionException(at + f + "[" + i + "]", "is not a string");
            }
            out.add(v.get(i).textValue());
        }
        return out;
    }

    private static <E extends Enum<E>> E constant(JsonNode n, String at, String f, Class<E> type) {
        Optional<String> v = optionalText(n, at, f);
        return v.map(s -> parse(at + f, s, type)).orElse(null);
    }

    private static <E extends Enum<E>> Set<E> constants(JsonNode n, String at, String f, Class<E> type) {
        EnumSet<E> out = EnumSet.noneOf(type);
        List<String> v = texts(n, at, f);
        for (int i = 0; i < v.size(); i++) {
            out.add(parse(at + f + "[" + i + "]", v.get(i), type));
        }
        return out;
    }

    private static <E extends Enum<E>> E parse(String field, String s, Class<E> type) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(s)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name());
        }
        throw new InvalidDefinitionException(field, "'" + Fields.shown(s) + "' is not one of " + String.join(", ", names));
    }
}
