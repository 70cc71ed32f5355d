package io.vinbind.server.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.server.Fixtures;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.Sql;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The device-model and configuration libraries: validation, strict JSON, matching, versions, dry runs (H2). */
class CatalogTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T08:00:00Z"), ZoneOffset.UTC);
    /** TAC of the EG25 modems in the fixtures' IMEIs ({@link Fixtures#imeiOf}: "35" + IMSI digits 3..). */
    static final String TAC = Fixtures.imeiOf(Fixtures.imsi(1)).substring(0, 8);

    static DeviceModel model(String id, List<String> tacs, Optional<String> prefix) {
        return new DeviceModel(id, "TBOX-A2 / EG25 / eUICC", "TBOX-A2", "EG25-G", DeviceModel.Card.EUICC,
            DeviceModel.ApduPath.CCHO_CGLA, 120, Duration.ofSeconds(5), Duration.ofSeconds(30),
            EnumSet.of(DeviceModel.IdentityField.IMSI, DeviceModel.IdentityField.EID), tacs, prefix);
    }

    static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    static TerminalFacts facts(String id, String imsi, String imei, String vin, String batch) {
        return new TerminalFacts(id, Optional.ofNullable(imsi), Optional.empty(), Optional.ofNullable(imei),
            Optional.empty(), Optional.ofNullable(batch), Optional.ofNullable(vin));
    }

    @Test
    void a_model_that_cannot_work_is_refused_naming_the_field() {
        assertEquals("blockSize", assertThrows(InvalidDefinitionException.class, () -> new DeviceModel("m", "n", "t", "m",
            DeviceModel.Card.EUICC, DeviceModel.ApduPath.CSIM, 256, Duration.ofSeconds(5), Duration.ofSeconds(30),
            Set.of(DeviceModel.IdentityField.EID), List.of(TAC), Optional.empty())).field());
        assertEquals("identityFields", assertThrows(InvalidDefinitionException.class, () -> new DeviceModel("m", "n", "t",
            "m", DeviceModel.Card.EUICC, DeviceModel.ApduPath.CSIM, 120, Duration.ofSeconds(5), Duration.ofSeconds(30),
            Set.of(DeviceModel.IdentityField.IMSI), List.of(TAC), Optional.empty())).field());
        assertEquals("downloadApduTimeout", assertThrows(InvalidDefinitionException.class, () -> new DeviceModel("m",
            "n", "t", "m", DeviceModel.Card.EUICC, DeviceModel.ApduPath.CSIM, 120, Duration.ofSeconds(5),
            Duration.ofSeconds(1), Set.of(DeviceModel.IdentityField.EID), List.of(TAC), Optional.empty())).field());
        assertEquals("tacs[1]", assertThrows(InvalidDefinitionException.class,
            () -> model("m", List.of(TAC, "3569380"), Optional.empty())).field());
        assertEquals("tacs[1]", assertThrows(InvalidDefinitionException.class,
            () -> model("m", List.of(TAC, TAC), Optional.empty())).field());
        assertEquals("tacs", assertThrows(InvalidDefinitionException.class,
            () -> model("m", List.of(), Optional.empty())).field());
        assertEquals("id", assertThrows(InvalidDefinitionException.class,
            () -> model("a/b", List.of(TAC), Optional.empty())).field());
    }

    @Test
    void model_json_is_read_strictly_and_round_trips() throws Exception {
        DeviceModel m = model("tbox-a2", List.of(TAC), Optional.of("TBOX-A2-"));
        assertEquals(m, CatalogJson.model(JSON.valueToTree(m.view()), "", null));
        InvalidDefinitionException typo = assertThrows(InvalidDefinitionException.class, () -> CatalogJson.model(
            json("{\"id\":\"x\",\"blocksize\":120}"), "", null));
        assertEquals("blocksize", typo.field());
        assertTrue(typo.getMessage().contains("blockSize"), typo.getMessage()); // the known fields are listed
        assertEquals("blockSize", assertThrows(InvalidDefinitionException.class, () -> CatalogJson.model(
            json("{\"id\":\"x\",\"name\":\"n\",\"terminalModel\":\"t\",\"modemModel\":\"m\",\"card\":\"EUICC\","
                + "\"apduPath\":\"CSIM\",\"blockSize\":\"120\"}"), "", null)).field());
        assertEquals("card", assertThrows(InvalidDefinitionException.class, () -> CatalogJson.model(
            json("{\"id\":\"x\",\"name\":\"n\",\"terminalModel\":\"t\",\"modemModel\":\"m\",\"card\":\"esim\","
                + "\"apduPath\":\"CSIM\",\"identityFields\":[\"EID\"],\"tacs\":[\"" + TAC + "\"]}"), "", null)).field());
        assertEquals("id", assertThrows(InvalidDefinitionException.class, () -> CatalogJson.model(
            JSON.valueToTree(m.view()), "", "other-id")).field());
        JsonNode list = JSON.valueToTree(List.of(m.view(), Map.of("id", "y")));
        assertTrue(assertThrows(InvalidDefinitionException.class, () -> CatalogJson.models(list)).field()
            .startsWith("[1]."));
    }

    @Test
    void a_terminal_is_matched_by_tac_and_the_longest_prefix_and_ambiguity_is_reported() {
        DeviceModel byTac = model("eg25-any", List.of(TAC), Optional.empty());
        DeviceModel a2 = model("tbox-a2", List.of(TAC), Optional.of("TBOX-A2-"));
        DeviceModel a2x = model("tbox-a2x", List.of(TAC), Optional.of("TBOX-A2-X"));
        String imei = Fixtures.imeiOf(Fixtures.imsi(1));
        List<DeviceModel> lib = List.of(byTac, a2, a2x);
        assertEquals(Optional.of("tbox-a2x"), DeviceModelLibrary.match(lib, facts("TBOX-A2-X01", "1", imei, null, null))
            .modelId());
        assertEquals(Optional.of("tbox-a2"), DeviceModelLibrary.match(lib, facts("TBOX-A2-001", "1", imei, null, null))
            .modelId());
        assertEquals(Optional.of("eg25-any"), DeviceModelLibrary.match(lib, facts("OTHER-1", "1", imei, null, null))
            .modelId());
        assertEquals(ModelMatch.Outcome.NO_MATCH, DeviceModelLibrary.match(lib, facts("TBOX-A2-001", "1",
            "490154203237518", null, null)).outcome()); // a prefix alone is not enough when the model lists TACs
        ModelMatch twice = DeviceModelLibrary.match(List.of(byTac, model("eg25-other", List.of(TAC), Optional.empty())),
            facts("OTHER-1", "1", imei, null, null));
        assertEquals(ModelMatch.Outcome.AMBIGUOUS, twice.outcome());
        assertEquals(List.of("eg25-any", "eg25-other"), twice.candidates());
        // an eUICC model needs the EID, which terminals do not report yet
        assertEquals(List.of(DeviceModel.IdentityField.EID),
            DeviceModelLibrary.match(lib, facts("OTHER-1", "1", imei, null, null)).missingFields());
    }

    @Test
    void the_library_stores_changes_and_imports_all_or_nothing() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            exerciseModels(db);
        }
    }

    static void exerciseModels(Database db) throws Exception {
        DeviceModelLibrary lib = new DeviceModelLibrary(db, CLOCK);
        DeviceModel a = model("tbox-a2", List.of(TAC, "86123404"), Optional.of("TBOX-A2-"));
        assertEquals(DeviceModelLibrary.Change.CREATED, lib.put(a, "alice"));
        assertEquals(DeviceModelLibrary.Change.UNCHANGED, lib.put(
            model("tbox-a2", List.of("86123404", TAC), Optional.of("TBOX-A2-")), "alice")); // TAC order is not a change
        assertEquals(Optional.of(a), lib.find("tbox-a2"));
        DeviceModel changed = model("tbox-a2", List.of(TAC), Optional.of("TBOX-A2-"));
        assertEquals(DeviceModelLibrary.Change.UPDATED, lib.put(changed, "bob"));
        assertEquals(List.of(TAC), lib.find("tbox-a2").orElseThrow().tacs());

        DeviceModel b = model("tbox-b1", List.of("86123404"), Optional.empty());
        assertThrows(InvalidDefinitionException.class, () -> lib.importAll(List.of(b, b), "carol"));
        assertEquals(1, lib.list().size()); // nothing of the refused import was stored
        Map<String, DeviceModelLibrary.Change> done = lib.importAll(List.of(changed, b), "carol");
        assertEquals(Map.of("tbox-a2", DeviceModelLibrary.Change.UNCHANGED, "tbox-b1", DeviceModelLibrary.Change.CREATED),
            done);
        assertEquals(List.of("tbox-a2", "tbox-b1"), lib.list().stream().map(DeviceModel::id).toList());
        assertTrue(lib.delete("tbox-b1"));
        assertFalse(lib.delete("tbox-b1"));
        assertEquals(0, Fixtures.count(db, "device_model_tac WHERE model_id = 'tbox-b1'"));
    }

    static ConfigRule rule(String name, int priority, ConfigRule.Selector s, String profileType) {
        return new ConfigRule(name, priority, s, new ConfigRule.Requirement("smdp-sim", profileType, Optional.of("iot-s"),
            ConfigRule.EnablePolicy.ENABLE));
    }

    static ConfigRule.Selector byModel(String model) {
        return new ConfigRule.Selector(List.of(model), List.of(), List.of(), List.of(), List.of());
    }

    static ConfigRule.Selector byVin(String prefix) {
        return new ConfigRule.Selector(List.of(), List.of(prefix), List.of(), List.of(), List.of());
    }

    @Test
    void a_rule_must_select_something_and_name_real_prefixes() throws Exception {
        assertEquals("selector", assertThrows(InvalidDefinitionException.class,
            () -> new ConfigRule.Selector(List.of(), List.of(), List.of(), List.of(), List.of())).field());
        assertEquals("selector.vinPrefixes[0]", assertThrows(InvalidDefinitionException.class, () -> byVin("LSI")).field());
        assertEquals("selector.imsiPrefixes[0]", assertThrows(InvalidDefinitionException.class,
            () -> new ConfigRule.Selector(List.of(), List.of(), List.of("4600"), List.of(), List.of())).field());
        assertEquals("requirement.enablePolicy", assertThrows(InvalidDefinitionException.class, () -> CatalogJson.rule(
            json("{\"name\":\"r\",\"selector\":{\"models\":[\"m\"]},\"requirement\":{\"platform\":\"p\","
                + "\"profileType\":\"t\",\"enablePolicy\":\"LATER\"}}"), null)).field());
        ConfigRule r = rule("eu-fleet", 10, byVin("LSV"), "vinbind-iot");
        assertEquals(r, CatalogJson.rule(JSON.valueToTree(r.view()), null));
    }

    @Test
    void the_highest_priority_decides_and_a_tie_is_a_conflict() {
        TerminalFacts t = facts("TBOX-A2-001", "460011234567890", null, Fixtures.VIN_1, "B-7");
        ConfigurationLibrary.Version low = version(rule("all-lsv", 10, byVin("LSV"), "base"));
        ConfigurationLibrary.Version high = version(rule("a2", 50, byModel("tbox-a2"), "premium"));
        assertEquals("a2", ConfigurationLibrary.resolve(List.of(low, high), t, Optional.of("tbox-a2")).rule()
            .orElseThrow().name());
        assertEquals("all-lsv", ConfigurationLibrary.resolve(List.of(low, high), t, Optional.empty()).rule()
            .orElseThrow().name()); // no model matched: the model rule does not apply
        ConfigurationLibrary.Version tie = version(rule("a2-too", 50, byModel("tbox-a2"), "other"));
        ConfigurationLibrary.Resolution r = ConfigurationLibrary.resolve(List.of(low, high, tie), t, Optional.of("tbox-a2"));
        assertEquals(ConfigurationLibrary.Resolution.Outcome.CONFLICT, r.outcome());
        assertEquals(List.of("a2", "a2-too"), r.conflicting());
        assertEquals(ConfigurationLibrary.Resolution.Outcome.NONE, ConfigurationLibrary.resolve(List.of(high),
            facts("X", null, null, null, null), Optional.empty()).outcome());
    }

    private static ConfigurationLibrary.Version version(ConfigRule r) {
        return new ConfigurationLibrary.Version(r.name(), 1, false, Optional.of(r), CLOCK.instant(), "t");
    }

    @Test
    void rules_are_versioned_retired_and_dry_run_over_the_fleet() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            exerciseRules(db);
        }
    }

    static void exerciseRules(Database db) throws Exception {
        DeviceModelLibrary models = new DeviceModelLibrary(db, CLOCK);
        models.put(model("tbox-a2", List.of(TAC), Optional.of("TBOX-A2-")), "alice");
        // three terminals: two TBOX-A2 (one bound to an LSV VIN), one of another kind
        fleet(db, "TBOX-A2-001", Fixtures.imsi(1), Fixtures.VIN_1);
        fleet(db, "TBOX-A2-002", Fixtures.imsi(2), null);
        fleet(db, "OTHER-003", Fixtures.imsi(3), Fixtures.VIN_3);
        FleetFacts fleet = new FleetFacts(db);
        assertEquals(Optional.of(Fixtures.VIN_1), fleet.of("TBOX-A2-001").orElseThrow().vin());
        assertEquals(Optional.of(TAC), fleet.of("TBOX-A2-001").orElseThrow().tac());

        ConfigurationLibrary rules = new ConfigurationLibrary(db, CLOCK);
        ConfigurationLibrary.Version v1 = rules.put(rule("lsv", 10, byVin("LSV"), "base"), "alice");
        assertEquals(1, v1.version());
        assertEquals(1, rules.put(rule("lsv", 10, byVin("LSV"), "base"), "alice").version()); // the same: no version
        assertEquals(2, rules.put(rule("lsv", 20, byVin("LSV"), "base"), "bob").version());

        ConfigurationLibrary.DryRun dry = rules.dryRun(rule("a2", 50, byModel("tbox-a2"), "premium"), models, fleet, 100, 10);
        assertEquals(3, dry.examined());
        assertTrue(dry.complete());
        assertEquals(2, dry.selected());
        assertEquals(2, dry.decided()); // 50 beats the LSV rule's 20 on TBOX-A2-001
        assertEquals(List.of("TBOX-A2-001", "TBOX-A2-002"), dry.hits().stream().map(ConfigurationLibrary.Hit::terminalId)
            .toList());
        assertEquals(1, rules.inForce().size()); // a dry run stores nothing
        ConfigurationLibrary.DryRun partial = rules.dryRun(rule("a2", 50, byModel("tbox-a2"), "premium"), models, fleet, 2, 10);
        assertEquals(2, partial.examined());
        assertFalse(partial.complete());
        ConfigurationLibrary.DryRun lower = rules.dryRun(rule("a2", 5, byModel("tbox-a2"), "premium"), models, fleet, 100, 10);
        assertEquals(1, lower.decided()); // the LSV rule keeps TBOX-A2-001

        assertTrue(rules.retire("lsv", "carol").orElseThrow().retired());
        assertTrue(rules.retire("lsv", "carol").isEmpty());
        assertTrue(rules.inForce().isEmpty());
        List<ConfigurationLibrary.Version> history = rules.versions("lsv");
        assertEquals(List.of(1, 2, 3), history.stream().map(ConfigurationLibrary.Version::version).toList());
        assertEquals(10, history.get(0).rule().orElseThrow().priority()); // old versions stay as they were
        assertEquals(4, rules.put(rule("lsv", 20, byVin("LSV"), "base"), "dave").version()); // back in force
    }

    /** A terminal that logged in with a registered modem, bound to {@code vin} if given. */
    static void fleet(Database db, String terminalId, String imsi, String vin) throws Exception {
        db.transaction("fixture " + terminalId, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO modem (imsi, iccid, imei, batch, registered_at,"
                + " updated_at) VALUES (?, ?, ?, 'B-7', ?, ?)")) {
                ps.setString(1, imsi);
                ps.setString(2, Fixtures.iccidOf(imsi));
                ps.setString(3, Fixtures.imeiOf(imsi));
                Sql.setInstant(ps, 4, CLOCK.instant());
                Sql.setInstant(ps, 5, CLOCK.instant());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO terminal (terminal_id, first_seen, imsi)"
                + " VALUES (?, ?, ?)")) {
                ps.setString(1, terminalId);
                Sql.setInstant(ps, 2, CLOCK.instant());
                ps.setString(3, imsi);
                ps.executeUpdate();
            }
            if (vin != null) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO binding (imsi, vin, bound_at, terminal_id)"
                    + " VALUES (?, ?, ?, ?)")) {
                    ps.setString(1, imsi);
                    ps.setString(2, vin);
                    Sql.setInstant(ps, 3, CLOCK.instant());
                    ps.setString(4, terminalId);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }
}
