package io.vinbind.server.provisioning;

import io.vinbind.server.store.Database;
import io.vinbind.server.store.Sql;
import io.vinbind.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The device-model library: stored in the database, changed one model at a time or by an import that is all or
 * nothing, and asked which model a terminal is ({@link #match}).
 *
 * <p>A model matches a terminal when every criterion it has holds: its TACs include the terminal's IMEI TAC (if it
 * lists TACs) and the terminal id starts with its prefix (if it has one). Of several matching models the one
 * with the longest prefix wins (it is the more specific); models left equal make the match AMBIGUOUS, which an
 * operator resolves by giving them prefixes.
 */
public final class DeviceModelLibrary {

    /** Most models one import takes. */
    public static final int MAX_IMPORT = 1000;

    /** What {@link #put} did. */
    public enum Change { CREATED, UPDATED, UNCHANGED }

    private final Database db;
    private final Clock clock;

    public DeviceModelLibrary(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Change put(DeviceModel model, String operator) throws StoreException {
        return db.transaction("put device model " + model.id(), c -> put(c, model, operator));
    }

    /**
     * Stores every model in one transaction: either all are stored or, when one repeats an id of the same import,
     * none (each model was validated when it was read).
     *
     * @return per model id what was done, in the import's order
     */
    public Map<String, Change> importAll(List<DeviceModel> models, String operator) throws StoreException {
        if (models.size() > MAX_IMPORT) {
            throw new InvalidDefinitionException("models", models.size() + " models in one import, at most " + MAX_IMPORT);
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < models.size(); i++) {
            if (!ids.add(models.get(i).id())) {
                throw new InvalidDefinitionException("[" + i + "].id", models.get(i).id() + " appears twice in the import");
            }
        }
        return db.transaction("import " + models.size() + " device models", c -> {
            Map<String, Change> out = new LinkedHashMap<>();
            for (DeviceModel m : models) {
                out.put(m.id(), put(c, m, operator));
            }
            return out;
        });
    }

    /** @return false when there was no such model */
    public boolean delete(String id) throws StoreException {
        return db.transaction("delete device model " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM device_model WHERE model_id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() > 0;
            }
        });
    }

    public Optional<DeviceModel> find(String id) throws StoreException {
        return db.query("device model " + id, c -> load(c, id));
    }

    /** Every model, by id. */
    public List<DeviceModel> list() throws StoreException {
        return db.query("device models", DeviceModelLibrary::all);
    }

    /** Which model {@code terminal} is, and what identity it still has to report for it. */
    public ModelMatch match(TerminalFacts terminal) throws StoreException {
        return match(list(), terminal);
    }

    /** {@link #match} over a given list (dry runs match many terminals against one read of the library). */
    public static ModelMatch match(List<DeviceModel> models, TerminalFacts t) {
        List<DeviceModel> hits = new ArrayList<>();
        for (DeviceModel m : models) {
            boolean tacOk = m.tacs().isEmpty() || t.tac().filter(m.tacs()::contains).isPresent();
            boolean prefixOk = m.terminalIdPrefix().map(t.terminalId()::startsWith).orElse(true);
            if (tacOk && prefixOk) {
                hits.add(m);
            }
        }
        if (hits.isEmpty()) {
            return new ModelMatch(ModelMatch.Outcome.NO_MATCH, Optional.empty(), List.of(), List.of());
        }
        int best = hits.stream().mapToInt(DeviceModelLibrary::specificity).max().orElseThrow();
        List<DeviceModel> top = hits.stream().filter(m -> specificity(m) == best)
            .sorted(Comparator.comparing(DeviceModel::id)).toList();
        if (top.size() > 1) {
            return new ModelMatch(ModelMatch.Outcome.AMBIGUOUS, Optional.empty(),
                top.stream().map(DeviceModel::id).toList(), List.of());
        }
        DeviceModel m = top.get(0);
        List<DeviceModel.IdentityField> missing = EnumSet.copyOf(m.identityFields()).stream()
            .filter(f -> !t.has(f)).toList();
        return new ModelMatch(ModelMatch.Outcome.MATCHED, Optional.of(m), List.of(), missing);
    }

    /** A prefix is more specific than a TAC alone, a longer prefix more than a shorter one. */
    private static int specificity(DeviceModel m) {
        return m.terminalIdPrefix().map(p -> 1 + p.length()).orElse(0);
    }

    private Change put(Connection c, DeviceModel model, String operator) throws SQLException {
        Optional<DeviceModel> old = lockAndLoad(c, model.id());
        if (old.isPresent() && old.get().equals(model)) {
            return Change.UNCHANGED;
        }
        String sql = old.isPresent()
            ? "UPDATE device_model SET display_name = ?, terminal_model = ?, modem_model = ?, card = ?, apdu_path = ?,"
                + " block_size = ?, apdu_timeout_ms = ?, download_timeout_ms = ?, identity_fields = ?,"
                + " terminal_id_prefix = ?, updated_at = ?, updated_by = ? WHERE model_id = ?"
            : "INSERT INTO device_model (display_name, terminal_model, modem_model, card, apdu_path, block_size,"
                + " apdu_timeout_ms, download_timeout_ms, identity_fields, terminal_id_prefix, updated_at, updated_by,"
                + " model_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, model.name());
            ps.setString(2, model.terminalModel());
            ps.setString(3, model.modemModel());
            ps.setString(4, model.card().name());
            ps.setString(5, model.apduPath().name());
            ps.setInt(6, model.blockSize());
            ps.setInt(7, (int) model.apduTimeout().toMillis());
            ps.setInt(8, (int) model.downloadApduTimeout().toMillis());
            ps.setString(9, EnumSet.copyOf(model.identityFields()).stream().map(Enum::name)
                .collect(Collectors.joining(",")));
            Sql.setOptional(ps, 10, model.terminalIdPrefix());
            Sql.setInstant(ps, 11, clock.instant());
            ps.setString(12, operator);
            ps.setString(13, model.id());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM device_model_tac WHERE model_id = ?")) {
            ps.setString(1, model.id());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO device_model_tac (model_id, tac) VALUES (?, ?)")) {
            for (String tac : model.tacs()) {
                ps.setString(1, model.id());
                ps.setString(2, tac);
                ps.addBatch();
            }
            if (!model.tacs().isEmpty()) {
                ps.executeBatch();
            }
        }
        return old.isPresent() ? Change.UPDATED : Change.CREATED;
    }

    private static Optional<DeviceModel> lockAndLoad(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT model_id FROM device_model WHERE model_id = ? FOR UPDATE")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
            }
        }
        return load(c, id);
    }

    private static Optional<DeviceModel> load(Connection c, String id) throws SQLException {
        List<DeviceModel> found = read(c, " WHERE model_id = ?", id);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    private static List<DeviceModel> all(Connection c) throws SQLException {
        return read(c, "", null);
    }

    private static List<DeviceModel> read(Connection c, String where, String id) throws SQLException {
        Map<String, List<String>> tacs = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT model_id, tac FROM device_model_tac" + where
            + " ORDER BY model_id, tac")) {
            if (id != null) {
                ps.setString(1, id);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tacs.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        List<DeviceModel> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM device_model" + where + " ORDER BY model_id")) {
            if (id != null) {
                ps.setString(1, id);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String modelId = rs.getString("model_id");
                    Set<DeviceModel.IdentityField> fields = EnumSet.noneOf(DeviceModel.IdentityField.class);
                    Arrays.stream(rs.getString("identity_fields").split(","))
                        .forEach(f -> fields.add(DeviceModel.IdentityField.valueOf(f)));
                    out.add(new DeviceModel(modelId, rs.getString("display_name"), rs.getString("terminal_model"),
                        rs.getString("modem_model"), DeviceModel.Card.valueOf(rs.getString("card")),
                        DeviceModel.ApduPath.valueOf(rs.getString("apdu_path")), rs.getInt("block_size"),
                        Duration.ofMillis(rs.getInt("apdu_timeout_ms")), Duration.ofMillis(rs.getInt("download_timeout_ms")),
                        fields, tacs.getOrDefault(modelId, List.of()), Sql.string(rs, "terminal_id_prefix")));
                }
            }
        }
        return out;
    }
}
