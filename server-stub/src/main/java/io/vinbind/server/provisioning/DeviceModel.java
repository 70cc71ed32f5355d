package io.vinbind.server.provisioning;

import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One kind of terminal in the device-model library, e.g. "TBOX-A2 / EG25 modem / eUICC": what it reports, how
 * the server's LPA reaches its card, and how a terminal is recognised as one.
 *
 * @param id the model's key ({@code [A-Za-z0-9._-]{1,64}})
 * @param name what people call it
 * @param terminalModel the head unit / TBOX model
 * @param modemModel the cellular module inside
 * @param card what sits behind the modem: an eUICC can take profiles, a plain USIM cannot
 * @param apduPath how APDUs reach the card: logical channels (3GPP TS 27.007 §8.45/8.43 AT+CCHO/AT+CGLA) or
 *     AT+CSIM (§8.17) with MANAGE CHANNEL inside, for modems without CCHO/CGLA
 * @param blockSize STORE DATA block size for ES10 commands (SGP.22 §5.7.2 leaves it to the LPA; 120 is the
 *     common default; at most 255, a short APDU's Lc)
 * @param apduTimeout the bound on one ordinary APDU through this modem
 * @param downloadApduTimeout the bound on one APDU while a bound profile package loads (installation steps
 *     take seconds on real cards)
 * @param identityFields what a terminal of this model must report for provisioning (EID for an eUICC)
 * @param tacs IMEI type allocation codes (the IMEI's first 8 digits, GSMA TS.06) of the model's modems
 * @param terminalIdPrefix terminal ids of this model start with it (tells apart models sharing a modem)
 */
public record DeviceModel(String id, String name, String terminalModel, String modemModel, Card card,
                          ApduPath apduPath, int blockSize, Duration apduTimeout, Duration downloadApduTimeout,
                          Set<IdentityField> identityFields, List<String> tacs, Optional<String> terminalIdPrefix) {

    /** The card behind the modem. */
    public enum Card { EUICC, USIM }

    /** How APDUs reach the card. */
    public enum ApduPath { CCHO_CGLA, CSIM }

    /** Identity a terminal reports; {@link #EID} only an eUICC has. */
    public enum IdentityField { IMSI, ICCID, IMEI, EID }

    /** Most TACs one model lists. */
    public static final int MAX_TACS = 64;
    /** Bounds of the APDU deadlines (a modem that takes longer than 10 minutes per APDU is broken). */
    public static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

    private static final Pattern TAC = Pattern.compile("[0-9]{8}");

    public DeviceModel {
        Fields.id("id", id);
        Fields.text("name", name, 128);
        Fields.text("terminalModel", terminalModel, 64);
        Fields.text("modemModel", modemModel, 64);
        if (card == null) {
            throw new InvalidDefinitionException("card", "is required: EUICC or USIM");
        }
        if (apduPath == null) {
            throw new InvalidDefinitionException("apduPath", "is required: CCHO_CGLA or CSIM");
        }
        Fields.range("blockSize", blockSize, 1, 255);
        timeout("apduTimeout", apduTimeout);
        timeout("downloadApduTimeout", downloadApduTimeout);
        if (downloadApduTimeout.compareTo(apduTimeout) < 0) {
            throw new InvalidDefinitionException("downloadApduTimeout", downloadApduTimeout.toMillis()
                + " ms is shorter than apduTimeout " + apduTimeout.toMillis() + " ms");
        }
        if (identityFields == null || identityFields.isEmpty()) {
            throw new InvalidDefinitionException("identityFields", "is required: some of IMSI, ICCID, IMEI, EID");
        }
        identityFields = Set.copyOf(EnumSet.copyOf(identityFields));
        if (card == Card.USIM && identityFields.contains(IdentityField.EID)) {
            throw new InvalidDefinitionException("identityFields", "EID is required, but a USIM has none (card USIM)");
        }
        if (card == Card.EUICC && !identityFields.contains(IdentityField.EID)) {
            throw new InvalidDefinitionException("identityFields", "an eUICC model must require EID (SGP.22 orders name the EID)");
        }
        tacs = Fields.list("tacs", tacs == null ? List.of() : tacs, MAX_TACS);
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < tacs.size(); i++) {
            String t = tacs.get(i);
            if (t == null || !TAC.matcher(t).matches()) {
                throw new InvalidDefinitionException("tacs[" + i + "]", "'" + Fields.shown(t) + "' is not 8 digits");
            }
            if (!seen.add(t)) {
                throw new InvalidDefinitionException("tacs[" + i + "]", t + " is listed twice");
            }
        }
        tacs = tacs.stream().sorted().toList(); // a set in effect: stored and compared in order
        Objects.requireNonNull(terminalIdPrefix, "terminalIdPrefix");
        terminalIdPrefix.ifPresent(p -> Fields.id("terminalIdPrefix", p));
        if (tacs.isEmpty() && terminalIdPrefix.isEmpty()) {
            throw new InvalidDefinitionException("tacs", "a model needs at least one TAC or a terminalIdPrefix,"
                + " or no terminal could ever match it");
        }
    }

    private static void timeout(String field, Duration d) {
        if (d == null) {
            throw new InvalidDefinitionException(field, "is required (milliseconds)");
        }
        if (d.compareTo(MIN_TIMEOUT) < 0 || d.compareTo(MAX_TIMEOUT) > 0) {
            throw new InvalidDefinitionException(field, d.toMillis() + " ms is outside " + MIN_TIMEOUT.toMillis()
                + ".." + MAX_TIMEOUT.toMillis() + " ms");
        }
    }

    /** The JSON form of the HTTP API and of imports ({@link CatalogJson#model} reads it back). */
    public Map<String, Object> view() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("name", name);
        m.put("terminalModel", terminalModel);
        m.put("modemModel", modemModel);
        m.put("card", card.name());
        m.put("apduPath", apduPath.name());
        m.put("blockSize", blockSize);
        m.put("apduTimeoutMs", apduTimeout.toMillis());
        m.put("downloadApduTimeoutMs", downloadApduTimeout.toMillis());
        m.put("identityFields", EnumSet.copyOf(identityFields).stream().map(Enum::name).toList());
        m.put("tacs", tacs);
        terminalIdPrefix.ifPresent(p -> m.put("terminalIdPrefix", p));
        return m;
    }
}
