package io.vinbind.server.provisioning;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A rule of the configuration library: which terminals ({@link Selector}) need which operator profile
 * ({@link Requirement}). Among the rules in force that select a terminal, the highest {@code priority} decides;
 * two at the same priority are a conflict the library reports instead of choosing.
 *
 * @param name the rule's key; every change makes a new version of it
 * @param priority higher wins, 0..1000
 */
public record ConfigRule(String name, int priority, Selector selector, Requirement requirement) {

    public ConfigRule {
        Fields.id("name", name);
        Fields.range("priority", priority, 0, 1000);
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(requirement, "requirement");
    }

    /** Whether to enable the profile once installed (SGP.22 §3.2: a downloaded profile stays disabled until enabled). */
    public enum EnablePolicy { ENABLE, DOWNLOAD_ONLY }

    /**
     * Which terminals a rule is for; every criterion given must hold (an empty list does not restrict). At least
     * one criterion is required: a rule without any would hit the whole fleet.
     *
     * @param models device-model ids
     * @param vinPrefixes VIN prefixes, from the WMI (3 characters, ISO 3780) up to 11
     * @param imsiPrefixes IMSI prefixes of the current operator: MCC+MNC (5 or 6 digits, ITU-T E.212) or longer
     * @param batches factory batches of the modem registry
     * @param terminalIdPrefixes terminal id prefixes
     */
    public record Selector(List<String> models, List<String> vinPrefixes, List<String> imsiPrefixes,
                           List<String> batches, List<String> terminalIdPrefixes) {

        static final int MAX = 200;
        private static final Pattern VIN_PREFIX = Pattern.compile("[A-HJ-NPR-Z0-9]{3,11}");
        private static final Pattern IMSI_PREFIX = Pattern.compile("[0-9]{5,15}");

        public Selector {
            models = Fields.list("selector.models", models == null ? List.of() : models, MAX);
            vinPrefixes = Fields.list("selector.vinPrefixes", vinPrefixes == null ? List.of() : vinPrefixes, MAX);
            imsiPrefixes = Fields.list("selector.imsiPrefixes", imsiPrefixes == null ? List.of() : imsiPrefixes, MAX);
            batches = Fields.list("selector.batches", batches == null ? List.of() : batches, MAX);
            terminalIdPrefixes = Fields.list("selector.terminalIdPrefixes",
                terminalIdPrefixes == null ? List.of() : terminalIdPrefixes, MAX);
            for (int i = 0; i < models.size(); i++) {
                Fields.id("selector.models[" + i + "]", models.get(i));
            }
            for (int i = 0; i < vinPrefixes.size(); i++) {
                String v = vinPrefixes.get(i);
                if (v == null || !VIN_PREFIX.matcher(v).matches()) {
                    throw new InvalidDefinitionException("selector.vinPrefixes[" + i + "]", "'" + Fields.shown(v)
                        + "' is not 3-11 VIN characters (A-Z 0-9 without I, O, Q; ISO 3779)");
                }
            }
            for (int i = 0; i < imsiPrefixes.size(); i++) {
                String v = imsiPrefixes.get(i);
                if (v == null || !IMSI_PREFIX.matcher(v).matches()) {
                    throw new InvalidDefinitionException("selector.imsiPrefixes[" + i + "]", "'" + Fields.shown(v)
                        + "' is not 5-15 digits (MCC + MNC, ITU-T E.212)");
                }
            }
            for (int i = 0; i < batches.size(); i++) {
                Fields.text("selector.batches[" + i + "]", batches.get(i), 64);
            }
            for (int i = 0; i < terminalIdPrefixes.size(); i++) {
                Fields.id("selector.terminalIdPrefixes[" + i + "]", terminalIdPrefixes.get(i));
            }
            if (models.isEmpty() && vinPrefixes.isEmpty() && imsiPrefixes.isEmpty() && batches.isEmpty()
                && terminalIdPrefixes.isEmpty()) {
                throw new InvalidDefinitionException("selector", "is empty: a rule without a criterion would hit"
                    + " every terminal; give models, vinPrefixes, imsiPrefixes, batches or terminalIdPrefixes");
            }
        }

        /** True when every given criterion holds for the terminal. */
        public boolean selects(TerminalFacts t, Optional<String> modelId) {
            return (models.isEmpty() || modelId.filter(models::contains).isPresent())
                && (vinPrefixes.isEmpty() || t.vin().filter(v -> vinPrefixes.stream().anyMatch(v::startsWith)).isPresent())
                && (imsiPrefixes.isEmpty() || t.imsi().filter(v -> imsiPrefixes.stream().anyMatch(v::startsWith)).isPresent())
                && (batches.isEmpty() || t.batch().filter(batches::contains).isPresent())
                && (terminalIdPrefixes.isEmpty() || terminalIdPrefixes.stream().anyMatch(t.terminalId()::startsWith));
        }

        Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            put(m, "models", models);
            put(m, "vinPrefixes", vinPrefixes);
            put(m, "imsiPrefixes", imsiPrefixes);
            put(m, "batches", batches);
            put(m, "terminalIdPrefixes", terminalIdPrefixes);
            return m;
        }

        private static void put(Map<String, Object> m, String k, List<String> v) {
            if (!v.isEmpty()) {
                m.put(k, v);
            }
        }
    }

    /**
     * What a selected terminal needs: a profile of {@code profileType} from the operator platform
     * {@code platform} (one the server is configured with), under {@code plan}, enabled or not.
     */
    public record Requirement(String platform, String profileType, Optional<String> plan, EnablePolicy enablePolicy) {

        public Requirement {
            Fields.id("requirement.platform", platform);
            Fields.text("requirement.profileType", profileType, 64);
            Objects.requireNonNull(plan, "plan");
            plan.ifPresent(p -> Fields.text("requirement.plan", p, 64));
            if (enablePolicy == null) {
                throw new InvalidDefinitionException("requirement.enablePolicy", "is required: ENABLE or DOWNLOAD_ONLY");
            }
        }

        Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("platform", platform);
            m.put("profileType", profileType);
            plan.ifPresent(p -> m.put("plan", p));
            m.put("enablePolicy", enablePolicy.name());
            return m;
        }
    }

    /** The JSON form ({@link CatalogJson#rule} reads it back). */
    public Map<String, Object> view() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("priority", priority);
        m.put("selector", selector.view());
        m.put("requirement", requirement.view());
        return m;
    }
}
