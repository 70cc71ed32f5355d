package io.vinbind.server.provisioning;

import io.vinbind.esim.pki.Eid;
import io.vinbind.esim.rsp.Es2Plus;
import io.vinbind.server.binding.NotFoundException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * The ledger of ES2+ orders placed with operator platforms, and of the progress they report.
 *
 * <p><b>No order placed twice.</b> An order's row is written (state PLACING) before downloadOrder is called, and
 * at most one order per platform and EID is open at a time (a unique key the database enforces across server
 * instances). A call whose outcome is unknown (the platform did not answer) leaves the order UNKNOWN and still
 * open, so nothing orders again for that eUICC until an operator has looked ({@link #cancel} of an UNKNOWN order
 * without an ICCID only closes it here: there is nothing ES2+ can name).
 */
public final class OperatorOrders {

    /** An order's states. */
    public enum State { PLACING, ORDERED, CONFIRMED, UNKNOWN, FAILED, CANCELLED, INSTALLED }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** One EID: 32 digits (SGP.02 §2.2.2, the eUICC identifier). */
    private static final Pattern EID = Pattern.compile("[0-9]{32}");

    /** One stored order. */
    public record Order(long id, String platform, String eid, Optional<String> profileType, Optional<String> iccid,
                        Optional<String> matchingId, Optional<String> smdpAddress, State state,
                        Optional<String> lastError, Instant createdAt, Instant updatedAt, String createdBy) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("platform", platform);
            m.put("eid", eid);
            profileType.ifPresent(v -> m.put("profileType", v));
            iccid.ifPresent(v -> m.put("iccid", v));
            matchingId.ifPresent(v -> m.put("matchingId", v));
            smdpAddress.ifPresent(v -> m.put("smdpAddress", v));
            m.put("state", state.name());
            lastError.ifPresent(v -> m.put("lastError", v));
            m.put("createdAt", createdAt.toString());
            m.put("updatedAt", updatedAt.toString());
            m.put("createdBy", createdBy);
            return m;
        }
    }

    /** One HandleDownloadProgressInfo an operator platform made. */
    public record Progress(long id, Instant receivedAt, String caller, String iccid, Optional<String> eid,
                           int pointId, String pointStatus, Optional<String> subjectCode, Optional<String> reasonCode,
                           Optional<String> reportedAt) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("receivedAt", receivedAt.toString());
            m.put("caller", caller);
            m.put("iccid", iccid);
            eid.ifPresent(v -> m.put("eid", v));
            m.put("notificationPointId", pointId);
            m.put("notificationPoint", pointName(pointId));
            m.put("status", pointStatus);
            subjectCode.ifPresent(v -> m.put("subjectCode", v));
            reasonCode.ifPresent(v -> m.put("reasonCode", v));
            reportedAt.ifPresent(v -> m.put("reportedAt", v));
            return m;
        }
    }

    private final Database db;
    private final Clock clock;
    private final Map<String, OperatorPlatform> platforms;

    public OperatorOrders(Database db, Clock clock, Map<String, OperatorPlatform> platforms) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.platforms = Map.copyOf(platforms);
    }

    /** The platforms this server is configured with, by id. */
    public Map<String, OperatorPlatform> platforms() {
        return platforms;
    }

    /**
     * Orders a profile of {@code profileType} for the eUICC {@code eid} and confirms it released (downloadOrder +
     * confirmOrder). Returns the order in its final state: CONFIRMED, FAILED (refused; the reservation, if one
     * was made, cancelled back to stock) or UNKNOWN (the platform could not be asked).
     *
     * @throws IllegalStateException when an order for that EID on that platform is open (its id in the message)
     * @throws InvalidDefinitionException for an unknown platform or a malformed EID or profile type
     */
    public Order place(String platformId, String eid, String profileType, String operator) throws StoreException {
        OperatorPlatform platform = platform(platformId);
        if (eid == null || !EID.matcher(eid).matches() || !Eid.valid(eid)) {
            throw new InvalidDefinitionException("eid", "'" + Fields.shown(eid) + "' is not an EID (32 digits whose"
                + " last two are its ISO 7064 MOD 97-10 check digits, GSMA SGP.29)");
        }
        Fields.text("profileType", profileType, 64);
        String key = platformId + "|" + eid;
        long id = db.transaction("open an order for " + eid, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, state FROM operator_order WHERE open_key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        throw new IllegalStateException("order " + rs.getLong(1) + " for EID " + eid + " on " + platformId
                            + " is still open (" + rs.getString(2) + "); cancel it first");
                    }
                }
            }
            Instant now = clock.instant();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO operator_order (platform, eid, profile_type,"
                + " state, open_key, created_at, updated_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                new String[] {"id"})) {
                ps.setString(1, platformId);
                ps.setString(2, eid);
                ps.setString(3, profileType);
                ps.setString(4, State.PLACING.name());
                ps.setString(5, key);
                Sql.setInstant(ps, 6, now);
                Sql.setInstant(ps, 7, now);
                ps.setString(8, operator);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
        String iccid;
        try {
            Es2Plus.DownloadOrderResponse r = platform.downloadOrder(eid, Optional.empty(), Optional.of(profileType));
            if (r.iccid() == null || !r.iccid().matches("[0-9]{18,19}[0-9F]?")) {
                return update(id, State.PLACING, State.UNKNOWN, true, null, null, null,
                    "downloadOrder answered success without a valid ICCID: " + Fields.shown(r.iccid()));
            }
            iccid = r.iccid();
            update(id, State.PLACING, State.ORDERED, true, iccid, null, null, null);
        } catch (OperatorException e) {
            return failed(id, State.PLACING, e, null);
        }
        Optional<String> code = Optional.empty();
        if (platform.confirmationCodes()) {
            // SGP.22 §3.1.2: the operator gives the code at confirmOrder and the end user types it into the LPA;
            // here the server is both, so it makes one and keeps only its hash, before the SM-DP+ learns the code
            String made = newCode();
            byte[] hash = sha256(made.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            db.transaction("confirmation code of order " + id, c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE operator_order SET cc_hash = ? WHERE id = ?")) {
                    ps.setString(1, java.util.HexFormat.of().formatHex(hash));
                    ps.setLong(2, id);
                    return ps.executeUpdate();
                }
            });
            code = Optional.of(made);
        }
        try {
            Es2Plus.ConfirmOrderResponse r = platform.confirmOrder(iccid, eid, code);
            return update(id, State.ORDERED, State.CONFIRMED, true, iccid, r.matchingId(), r.smdpAddress(), null);
        } catch (OperatorException e) {
            if (e.kind() == OperatorException.Kind.REFUSED) {
                try { // give the reserved profile back rather than leave it allocated to nobody
                    platform.cancelOrder(iccid, eid, Optional.empty(), true);
                } catch (OperatorException cancel) {
                    Logger.warn("order {}: confirmOrder refused and cancelOrder failed too: {}", id, cancel.getMessage());
                    return update(id, State.ORDERED, State.UNKNOWN, true, iccid, null, null, e.getMessage() + "; then "
                        + cancel.getMessage());
                }
            }
            return failed(id, State.ORDERED, e, iccid);
        }
    }

    /**
     * Cancels an open order (ES2+ cancelOrder, the profile back to stock) — or only closes it here when it is
     * UNKNOWN without an ICCID.
     *
     * @throws NotFoundException when there is no such order
     * @throws IllegalStateException when it is already closed
     */
    public Order cancel(long id, String operator) throws StoreException, NotFoundException, OperatorException {
        Order o = find(id).orElseThrow(() -> new NotFoundException("no order " + id));
        if (o.state() == State.FAILED || o.state() == State.CANCELLED || o.state() == State.INSTALLED) {
            throw new IllegalStateException("order " + id + " is already " + o.state());
        }
        if (o.state() == State.PLACING) {
            throw new IllegalStateException("order " + id + " is being placed right now; try again in a moment");
        }
        if (o.iccid().isPresent()) {
            platform(o.platform()).cancelOrder(o.iccid().get(), o.eid(), o.matchingId(), true);
        }
        return update(id, null, State.CANCELLED, false, null, null, null, "cancelled by " + operator
            + (o.iccid().isPresent() ? "" : " (no ICCID known: closed here only, nothing sent to the platform)"));
    }

    /**
     * Settles an order that {@code createdBy} left between ES2+ downloadOrder and confirmOrder: the server stopped or
     * died after the platform reserved a profile (its ICCID recorded, state ORDERED) and before it was confirmed.
     * Whether the confirmOrder went out cannot be known here, so the order is neither confirmed again nor adopted:
     * it is cancelled at the platform (cancelOrder, the profile back to stock, SGP.22 §5.3.4) and closed CANCELLED,
     * and the caller places a new one. Only the caller's own order is touched (the provisioning engine passes its job,
     * whose lease says no one else is placing it); an operator's, or one without an ICCID (PLACING: the platform's
     * answer never arrived), is left for an operator.
     *
     * @return the settled order (CANCELLED), or empty when there was nothing of the caller's to settle
     * @throws OperatorException when the platform refuses or cannot be asked (the order stays ORDERED)
     */
    public Optional<Order> settleInterrupted(String platformId, String eid, String createdBy)
        throws StoreException, OperatorException {
        Optional<Order> open = findOpen(platformId, eid);
        if (open.isEmpty() || open.get().state() != State.ORDERED || open.get().iccid().isEmpty()
            || !open.get().createdBy().equals(createdBy)) {
            return Optional.empty();
        }
        Order o = open.get();
        platform(platformId).cancelOrder(o.iccid().get(), eid, Optional.empty(), true);
        Logger.info("order {} of {}: interrupted between downloadOrder and confirmOrder (since {}); ICCID {} cancelled"
            + " at {} so that a new order can be placed", o.id(), createdBy, o.updatedAt(), o.iccid().get(), platformId);
        return Optional.of(update(o.id(), State.ORDERED, State.CANCELLED, false, null, null, null, "interrupted between downloadOrder"
            + " and confirmOrder; cancelled at the platform by " + createdBy + " to order again"));
    }

    public Optional<Order> find(long id) throws StoreException {
        return db.query("order " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM operator_order WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /**
     * Closes a confirmed order whose profile is now on the card (the provisioning engine saw the eUICC's
     * ProfileInstallationResult): the order is fulfilled, and the EID may be ordered for again.
     */
    public Order installed(long id, String iccid) throws StoreException {
        return update(id, null, State.INSTALLED, false, iccid, null, null, null);
    }

    /** The open order (placing, ordered, confirmed or unknown) of {@code eid} on {@code platformId}, if any. */
    public Optional<Order> findOpen(String platformId, String eid) throws StoreException {
        return db.query("open order of " + eid, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM operator_order WHERE open_key = ?")) {
                ps.setString(1, platformId + "|" + eid);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /** The newest orders first. */
    public List<Order> list(int limit) throws StoreException {
        int n = Math.max(1, Math.min(limit, 1000));
        return db.query("orders", c -> {
            List<Order> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM operator_order ORDER BY id DESC FETCH FIRST "
                + n + " ROWS ONLY"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs));
                }
            }
            return out;
        });
    }

    /** Records one HandleDownloadProgressInfo (SGP.22 §5.3.5) made by {@code caller}. */
    public Progress record(Es2Plus.HandleDownloadProgressInfoRequest p, String caller) throws StoreException {
        if (!p.iccid().matches("[0-9]{18,19}[0-9F]?")) {
            throw new InvalidDefinitionException("iccid", "'" + Fields.shown(p.iccid()) + "' is not an ICCID");
        }
        if (p.eid() != null && !EID.matcher(p.eid()).matches()) {
            throw new InvalidDefinitionException("eid", "'" + Fields.shown(p.eid()) + "' is not 32 digits");
        }
        if (p.notificationPointId() < 1 || p.notificationPointId() > 99) {
            throw new InvalidDefinitionException("notificationPointId", p.notificationPointId() + " is outside 1..99");
        }
        String status = p.notificationPointStatus().status();
        if (status == null || status.length() > 32) {
            throw new InvalidDefinitionException("notificationPointStatus.status", "is missing or too long");
        }
        Instant now = clock.instant();
        Optional<String> subject = Optional.ofNullable(p.notificationPointStatus().statusCodeData())
            .map(d -> d.subjectCode()).map(s -> Fields.text("statusCodeData.subjectCode", s, 16));
        Optional<String> reason = Optional.ofNullable(p.notificationPointStatus().statusCodeData())
            .map(d -> d.reasonCode()).map(s -> Fields.text("statusCodeData.reasonCode", s, 16));
        Fields.text("notificationPointStatus.status", status, 32);
        return db.transaction("record download progress of " + p.iccid(), c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO operator_progress (received_at, caller,"
                + " function_call_id, eid, iccid, profile_type, point_id, point_status, subject_code, reason_code,"
                + " reported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", new String[] {"id"})) {
                Sql.setInstant(ps, 1, now);
                ps.setString(2, caller);
                ps.setString(3, cut(p.header().functionCallIdentifier(), 128));
                ps.setString(4, p.eid());
                ps.setString(5, p.iccid());
                ps.setString(6, cut(p.profileType(), 64));
                ps.setInt(7, p.notificationPointId());
                ps.setString(8, status);
                Sql.setOptional(ps, 9, subject);
                Sql.setOptional(ps, 10, reason);
                ps.setString(11, cut(p.timestamp(), 40));
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return new Progress(keys.getLong(1), now, caller, p.iccid(), Optional.ofNullable(p.eid()),
                        p.notificationPointId(), status, subject, reason, Optional.ofNullable(p.timestamp()));
                }
            }
        });
    }

    /** The progress reported for one ICCID, oldest first. */
    public List<Progress> progress(String iccid) throws StoreException {
        return db.query("progress of " + iccid, c -> {
            List<Progress> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM operator_progress WHERE iccid = ? ORDER BY id"
                + " FETCH FIRST 1000 ROWS ONLY")) {
                ps.setString(1, iccid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Progress(rs.getLong("id"), Sql.requiredInstant(rs, "received_at"),
                            rs.getString("caller"), rs.getString("iccid"), Sql.string(rs, "eid"), rs.getInt("point_id"),
                            rs.getString("point_status"), Sql.string(rs, "subject_code"), Sql.string(rs, "reason_code"),
                            Sql.string(rs, "reported_at")));
                    }
                }
            }
            return out;
        });
    }

    /** SGP.22 §5.3.5's notification point names. */
    static String pointName(int id) {
        return switch (id) {
            case Es2Plus.NP_ELIGIBILITY -> "eligibility and retry limit check";
            case Es2Plus.NP_CONFIRMATION_FAILURE -> "confirmation failure";
            case Es2Plus.NP_BPP_DOWNLOAD -> "BPP download";
            case Es2Plus.NP_BPP_INSTALLATION -> "BPP installation";
            case Es2Plus.NP_ENABLED -> "profile enabled";
            case Es2Plus.NP_DISABLED -> "profile disabled";
            case Es2Plus.NP_DELETED -> "profile deleted";
            default -> "point " + id;
        };
    }

    private OperatorPlatform platform(String id) {
        OperatorPlatform p = platforms.get(id);
        if (p == null) {
            throw new InvalidDefinitionException("platform", "'" + Fields.shown(id) + "' is not a configured operator"
                + " platform" + (platforms.isEmpty() ? " (none is configured: --operator-platform)"
                : "; configured: " + String.join(", ", platforms.keySet().stream().sorted().toList())));
        }
        return p;
    }

    /**
     * SHA-256 of the confirmation code order {@code id} was confirmed with, for the LPA's PrepareDownload; empty when
     * it has none. Kept out of {@link Order} (and so of every view and log) on purpose: with the transactionId it is
     * all a download needs.
     */
    public Optional<byte[]> confirmationCodeHash(long id) throws StoreException {
        return db.query("confirmation code of order " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT cc_hash FROM operator_order WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)).map(java.util.HexFormat.of()::parseHex)
                        : Optional.<byte[]>empty();
                }
            }
        });
    }

    /** Eight random digits (SGP.22 leaves the format to the operator; a person could type these). */
    static String newCode() {
        return String.format("%08d", RANDOM.nextInt(100_000_000));
    }

    private static byte[] sha256(byte[] data) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private Order failed(long id, State from, OperatorException e, String iccid) throws StoreException {
        State s = e.kind() == OperatorException.Kind.REFUSED ? State.FAILED : State.UNKNOWN;
        return update(id, from, s, s == State.UNKNOWN, iccid, null, null, e.getMessage());
    }

    /**
     * Moves an order to {@code state}, but only from {@code from} when that is given: a placement that lost its
     * lease and an engine settling that order ({@link #settleInterrupted}) may both finish, and the later one must not
     * overwrite the other's outcome (a CANCELLED order turned CONFIRMED again, its open key gone). When the row is
     * no longer in {@code from}, nothing changes and the row as it is now is returned.
     */
    private Order update(long id, State from, State state, boolean open, String iccid, String matchingId,
                         String smdpAddress, String error) throws StoreException {
        return db.transaction("order " + id + " -> " + state, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE operator_order SET state = ?,"
                + " iccid = COALESCE(?, iccid), matching_id = COALESCE(?, matching_id),"
                + " smdp_address = COALESCE(?, smdp_address), last_error = ?, updated_at = ?"
                + (open ? "" : ", open_key = NULL") + " WHERE id = ?" + (from == null ? "" : " AND state = ?"))) {
                ps.setString(1, state.name());
                ps.setString(2, iccid);
                ps.setString(3, cut(matchingId, 64));
                ps.setString(4, cut(smdpAddress, 255));
                ps.setString(5, cut(error, 512));
                Sql.setInstant(ps, 6, clock.instant());
                ps.setLong(7, id);
                if (from != null) {
                    ps.setString(8, from.name());
                }
                if (ps.executeUpdate() == 0 && from != null) {
                    Logger.warn("order {}: not moved to {}: it is no longer {} (another engine settled it)", id, state,
                        from);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM operator_order WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return read(rs);
                }
            }
        });
    }

    private static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    private static Order read(ResultSet rs) throws SQLException {
        return new Order(rs.getLong("id"), rs.getString("platform"), rs.getString("eid"), Sql.string(rs, "profile_type"),
            Sql.string(rs, "iccid"), Sql.string(rs, "matching_id"), Sql.string(rs, "smdp_address"),
            State.valueOf(rs.getString("state")), Sql.string(rs, "last_error"), Sql.requiredInstant(rs, "created_at"),
            Sql.requiredInstant(rs, "updated_at"), rs.getString("created_by"));
    }
}
