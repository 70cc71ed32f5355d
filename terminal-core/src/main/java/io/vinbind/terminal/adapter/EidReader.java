package io.vinbind.terminal.adapter;

import io.vinbind.modem.Modem;
import io.vinbind.modem.at.AtException;
import io.vinbind.modem.at.AtTimeoutException;
import io.vinbind.modem.uicc.ApduKind;
import io.vinbind.modem.uicc.ResponseApdu;
import io.vinbind.modem.uicc.Uicc;
import io.vinbind.modem.uicc.UiccChannel;
import io.vinbind.modem.uicc.UiccConfig;
import io.vinbind.modem.uicc.UiccException;
import io.vinbind.protocol.Identifiers;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import org.tinylog.Logger;

/**
 * Reads the card's EID for the login: ES10c GetEID (GSMA SGP.22 §5.7.20, GetEuiccData with tag list 5A) as one
 * STORE DATA on a logical channel to the ISD-R, through the modem's channel commands (modem-at's {@link Uicc}:
 * {@code AT+CCHO/CGLA/CCHC}, or {@code AT+CSIM}; the path the modem settled on is reused).
 *
 * <p>The login must not wait on a slow card: each AT command of the read has half the {@code bound}, and the read
 * gives up (no EID) once the bound has passed, so it takes about the bound at most. A card without an ISD-R (a
 * USIM: {@code AT+CCHO} answers {@code +CME ERROR: 13}, a SELECT {@code 6A82}) or a modem without channel
 * commands has no EID to report: that is logged once at info, not an error. Results that cannot change while the
 * card stays (an EID, "not an eUICC", "no channel commands") are kept per card (IMSI and ICCID), so a login does
 * not read the card again; a timeout or another failure is tried again at the next login.
 *
 * <p>Not thread-safe: called on the modem port's worker thread only.
 */
final class EidReader {

    /** The ISD-R's AID (SGP.22 §2.2.3). */
    static final byte[] ISD_R = HexFormat.of().parseHex("A0000005591010FFFFFFFF8900000100");
    /** STORE DATA, last block, with GetEuiccDataRequest {@code BF3E 03 5C 01 5A} (SGP.22 §5.7.20). */
    static final byte[] GET_EID = HexFormat.of().parseHex("80E2910006BF3E035C015A");
    /** The default bound of one read. */
    static final Duration DEFAULT_BOUND = Duration.ofSeconds(2);

    private final Modem modem;
    private final Duration bound;
    private String cachedCard; // "imsi/iccid" of the card the cached outcome is about
    private String cachedEid;  // null: that card has no EID (a USIM, or no channel commands)

    EidReader(Modem modem, Duration bound) {
        this.modem = Objects.requireNonNull(modem, "modem");
        this.bound = Objects.requireNonNull(bound, "bound");
        if (bound.toMillis() < 2) {
            throw new IllegalArgumentException("the EID read bound must be at least 2 ms: " + bound);
        }
    }

    /** The EID of the card with this IMSI and ICCID, or null when it has none or it could not be read in time. */
    String eid(String imsi, String iccid) {
        String card = imsi + "/" + iccid;
        if (card.equals(cachedCard)) {
            return cachedEid;
        }
        long start = System.nanoTime();
        Duration step = bound.dividedBy(2);
        Uicc shared = modem.uicc();
        Uicc uicc = Uicc.on(modem.engine(), shared.config().withPath(shared.path()).withTimeouts(step, step, step));
        UiccChannel channel = null;
        try {
            channel = uicc.open(ISD_R);
            if (elapsed(start).compareTo(bound) >= 0) {
                Logger.info("EID: opening a channel to the ISD-R took {} ms, over the {} ms bound; login without EID",
                        elapsed(start).toMillis(), bound.toMillis());
                return null;
            }
            ResponseApdu r = channel.transmit(GET_EID, ApduKind.ORDINARY);
            String eid = parse(r);
            if (eid == null) {
                return null;
            }
            remember(card, eid);
            Logger.info("EID {} read from the eUICC in {} ms", eid, elapsed(start).toMillis());
            return eid;
        } catch (UiccException e) {
            switch (e.reason()) {
                case NO_SUCH_APPLICATION -> {
                    remember(card, null);
                    Logger.info("EID: the card (ICCID {}) has no ISD-R, it is no eUICC; no EID to report", iccid);
                }
                case NOT_SUPPORTED -> {
                    remember(card, null);
                    Logger.info("EID: the modem has no logical-channel commands (AT+CCHO/AT+CSIM); no EID to report: {}",
                            e.getMessage());
                }
                default -> Logger.info("EID: not read ({}); login without EID", e.getMessage());
            }
            return null;
        } catch (AtTimeoutException e) {
            Logger.info("EID: the card did not answer within the {} ms bound ({}); login without EID",
                    bound.toMillis(), e.getMessage());
            return null;
        } catch (AtException e) {
            Logger.info("EID: not read ({}); login without EID", e.getMessage());
            return null;
        } finally {
            if (channel != null) {
                try {
                    channel.close();
                } catch (AtException e) {
                    Logger.info("EID: closing channel {} failed: {}", channel.number(), e.getMessage());
                }
            }
        }
    }

    private void remember(String card, String eid) {
        cachedCard = card;
        cachedEid = eid;
    }

    /**
     * The EID in a GetEuiccDataResponse {@code BF3E 12 5A 10 <16 bytes>} (BCD digits, SGP.22 §5.7.20) answered
     * 9000, or null (logged) when the answer is anything else or the EID's check digits are wrong.
     */
    static String parse(ResponseApdu r) {
        byte[] d = r.data();
        if (!r.isOk()) {
            Logger.info("EID: GetEID answered {}; login without EID", r.swHex());
            return null;
        }
        if (d.length != 21 || (d[0] & 0xFF) != 0xBF || d[1] != 0x3E || d[2] != 0x12 || d[3] != 0x5A || d[4] != 0x10) {
            Logger.warn("EID: GetEID answered '{}', not BF3E125A10 and 16 bytes; login without EID", r.dataHex());
            return null;
        }
        String eid = HexFormat.of().formatHex(d, 5, 21);
        if (!Identifiers.isEid(eid)) {
            Logger.warn("EID: the card's EID '{}' is not 32 digits with valid check digits (GSMA SGP.29); login without EID",
                    eid.toUpperCase(java.util.Locale.ROOT));
            return null;
        }
        return eid;
    }

    private static Duration elapsed(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
