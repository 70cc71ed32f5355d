package io.vinbind.modem.uicc;

import io.vinbind.log.Untrusted;
import io.vinbind.modem.at.AtCommand;
import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.at.AtException;
import io.vinbind.modem.at.AtResponse;
import io.vinbind.modem.at.CmeErrorCode;
import io.vinbind.modem.at.FinalResult;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * The card behind the modem, reached through logical channels: {@link #open} a channel to an application by
 * AID, {@link UiccChannel#transmit} APDUs on it, {@link UiccChannel#close} it. Over {@code AT+CCHO} /
 * {@code AT+CGLA} / {@code AT+CCHC} (3GPP TS 27.007 §8.43, §8.45, §8.46) or, for modems without them, {@code AT+CSIM}
 * (§8.17) carrying MANAGE CHANNEL and SELECT; {@link ChannelPath#AUTO} finds out which by trying — it never sends
 * {@code =?} test commands, which some modems leave unanswered.
 *
 * <p>Quirks handled: {@code AT+CCHO} answered with a bare number ({@code 1}) as well as {@code +CCHO: 1};
 * {@code +CME ERROR: 13} to {@code AT+CCHO} (a SIM without that application, e.g. not an eUICC) as
 * {@link UiccException.Reason#NO_SUCH_APPLICATION}; a plain {@code ERROR} to an APDU (some firmware in the middle of
 * a profile download) as {@link UiccException.Reason#MODEM_ERROR} with {@link UiccException#mayHaveReachedCard()}.
 * Every command has its deadline from {@link UiccConfig} by {@link ApduKind}.
 *
 * <p>Thread-safe; APDUs of one channel are sent one at a time (a GET RESPONSE chain is never interleaved on its
 * channel), the engine serialises everything on the line.
 */
public final class Uicc {

    /** Longest short command APDU: header, Lc, 255 data bytes, Le. */
    public static final int MAX_APDU = 261;

    private static final byte[] MANAGE_CHANNEL_OPEN = {0x00, 0x70, 0x00, 0x00, 0x01};
    private static final Pattern CHANNEL_NUMBER = Pattern.compile("(?:\\+CCHO:)?\\s*\"?([0-9]{1,10})\"?\\s*", Pattern.CASE_INSENSITIVE);
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final AtEngine engine;
    private final UiccConfig config;
    /** The path AUTO settled on (after a channel opened that way), or null. */
    private volatile ChannelPath detected;

    private Uicc(AtEngine engine, UiccConfig config) {
        this.engine = engine;
        this.config = config;
    }

    /** The channel API on an engine (the modem's AT port). */
    public static Uicc on(AtEngine engine, UiccConfig config) {
        return new Uicc(Objects.requireNonNull(engine, "engine"), Objects.requireNonNull(config, "config"));
    }

    public UiccConfig config() {
        return config;
    }

    /** The path in use: the configured one, or for AUTO the one that worked (AUTO until a channel opened). */
    public ChannelPath path() {
        ChannelPath d = detected;
        return d != null ? d : config.path();
    }

    /** {@link #open(byte[])} with the AID in hex. */
    public UiccChannel open(String aidHex) throws AtException {
        Objects.requireNonNull(aidHex, "aidHex");
        byte[] aid;
        try {
            aid = HexFormat.of().parseHex(aidHex.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("AID is not hex: '" + Untrusted.escape(aidHex) + "'", e);
        }
        return open(aid);
    }

    /**
     * Opens a logical channel to the application {@code aid} (5-16 bytes, ISO/IEC 7816-4 §8.2.1.2).
     *
     * @throws UiccException {@link UiccException.Reason#NO_SUCH_APPLICATION} when the card has no such application,
     *     {@link UiccException.Reason#NO_FREE_CHANNEL}, {@link UiccException.Reason#NOT_SUPPORTED} when the modem has
     *     neither path, and the other reasons for malformed answers
     * @throws AtException a timeout, a lost link or a reset from the engine
     */
    public UiccChannel open(byte[] aid) throws AtException {
        Objects.requireNonNull(aid, "aid");
        if (aid.length < 5 || aid.length > 16) {
            throw new IllegalArgumentException("an AID has 5-16 bytes, got " + aid.length);
        }
        ChannelPath p = path();
        if (p != ChannelPath.CSIM) {
            try {
                int session = ccho(aid);
                remember(ChannelPath.LOGICAL_CHANNEL);
                Logger.info("{}: logical channel {} open to {} (AT+CCHO)", engine.linkName(), session, HEX.formatHex(aid));
                return new UiccChannel(this, ChannelPath.LOGICAL_CHANNEL, session, aid);
            } catch (UiccException e) {
                if (p != ChannelPath.AUTO || e.reason() != UiccException.Reason.NOT_SUPPORTED) {
                    throw e;
                }
                Logger.info("{}: {}; trying AT+CSIM", engine.linkName(), e.getMessage());
            }
        }
        UiccChannel c = openByCsim(aid, p == ChannelPath.AUTO);
        remember(ChannelPath.CSIM);
        Logger.info("{}: logical channel {} open to {} (AT+CSIM)", engine.linkName(), c.number(), HEX.formatHex(aid));
        return c;
    }

    /**
     * Closes a channel this process did not open or has lost track of (e.g. one recorded before a restart, while
     * the modem kept running): {@code AT+CCHC} or MANAGE CHANNEL close through {@code AT+CSIM}, by the path in
     * use. Under the clean-up deadline.
     */
    public void closeChannel(int number) throws AtException {
        if (number < 1) {
            throw new IllegalArgumentException("channel 0 (the basic channel) cannot be closed: " + number);
        }
        ChannelPath p = path();
        if (p != ChannelPath.CSIM) {
            try {
                cchc(number);
                return;
            } catch (UiccException e) {
                if (p != ChannelPath.AUTO || e.reason() != UiccException.Reason.NOT_SUPPORTED) {
                    throw e;
                }
            }
        }
        manageChannelClose(number);
    }

    private void remember(ChannelPath p) {
        if (config.path() == ChannelPath.AUTO && detected != p) {
            detected = p;
        }
    }

    // ------------------------------------------------------------------ AT+CCHO / AT+CGLA / AT+CCHC

    /** {@code AT+CCHO="<AID>"}: the session id, from {@code +CCHO: <n>} or a bare {@code <n>}. */
    int ccho(byte[] aid) throws AtException {
        AtCommand c = AtCommand.bare("AT+CCHO=\"" + HEX.formatHex(aid) + "\"", "+CCHO:").withTimeout(config.apduTimeout());
        AtResponse r = engine.send(c);
        if (!r.isOk()) {
            FinalResult f = r.result();
            if (f instanceof FinalResult.Error
                    || (f instanceof FinalResult.CmeError cme && cme.is(CmeErrorCode.OPERATION_NOT_SUPPORTED))) {
                throw new UiccException(c.text(), r.lines(), UiccException.Reason.NOT_SUPPORTED,
                        "modem answered " + f.rawLine() + " (no AT+CCHO, or errors not reported with AT+CMEE=0)",
                        OptionalInt.empty(), Optional.of(f), false);
            }
            if (f instanceof FinalResult.CmeError cme && cme.is(CmeErrorCode.SIM_FAILURE)) {
                throw new UiccException(c.text(), r.lines(), UiccException.Reason.NO_SUCH_APPLICATION,
                        "modem answered " + f.rawLine() + ": the card has no application " + HEX.formatHex(aid)
                        + " (what a SIM that is not an eUICC answers for the ISD-R)", OptionalInt.empty(), Optional.of(f), false);
            }
            throw refused(c.text(), r);
        }
        if (r.lines().size() != 1) {
            throw new UiccException(c.text(), r.lines(), UiccException.Reason.BAD_CHANNEL,
                    "expected one line with the session id, got " + r.lines().size(), OptionalInt.empty(), Optional.empty(), false);
        }
        Matcher m = CHANNEL_NUMBER.matcher(r.lines().get(0));
        long n = m.matches() ? Long.parseLong(m.group(1)) : -1;
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new UiccException(c.text(), r.lines(), UiccException.Reason.BAD_CHANNEL,
                    "not a session id: '" + Untrusted.escape(r.lines().get(0)) + "'" + (n == 0 ? " (0 is the basic channel)" : ""),
                    OptionalInt.empty(), Optional.empty(), false);
        }
        return (int) n;
    }

    /** One APDU on a session ({@code AT+CGLA}). */
    ResponseApdu cgla(int session, byte[] apdu, Duration timeout) throws AtException {
        AtCommand c = AtCommand.query(AtApdu.cgla(session, apdu), "+CGLA:").withTimeout(timeout);
        return exchange(c, "+CGLA:");
    }

    void cchc(int session) throws AtException {
        AtCommand c = AtCommand.action("AT+CCHC=" + session).withTimeout(config.cleanupTimeout());
        AtResponse r = engine.send(c);
        if (r.isOk()) {
            Logger.info("{}: logical channel {} closed (AT+CCHC)", engine.linkName(), session);
            return;
        }
        if (r.result() instanceof FinalResult.Error) {
            throw new UiccException(c.text(), r.lines(), UiccException.Reason.NOT_SUPPORTED,
                    "modem answered " + r.result().rawLine(), OptionalInt.empty(), Optional.of(r.result()), false);
        }
        throw refused(c.text(), r);
    }

    // ------------------------------------------------------------------ AT+CSIM

    /** One APDU as it is ({@code AT+CSIM}). */
    ResponseApdu csim(byte[] apdu, Duration timeout) throws AtException {
        AtCommand c = AtCommand.query(AtApdu.csim(apdu), "+CSIM:").withTimeout(timeout);
        return exchange(c, "+CSIM:");
    }

    private UiccChannel openByCsim(byte[] aid, boolean fellBack) throws AtException {
        ResponseApdu r;
        try {
            r = csim(MANAGE_CHANNEL_OPEN, config.apduTimeout());
        } catch (UiccException e) {
            if (e.reason() == UiccException.Reason.MODEM_ERROR) {
                throw new UiccException(e.command(), e.rawLines(), UiccException.Reason.NOT_SUPPORTED,
                        "modem answered ERROR: no AT+CSIM" + (fellBack ? " and no AT+CCHO either" : ""),
                        OptionalInt.empty(), e.result(), false);
            }
            throw e;
        }
        String manage = AtApdu.csim(MANAGE_CHANNEL_OPEN);
        if (r.sw() == 0x6A81) {
            throw new UiccException(manage, List.of(), UiccException.Reason.NO_FREE_CHANNEL,
                    "MANAGE CHANNEL answered 6A81: no logical channel free", OptionalInt.of(r.sw()), Optional.empty(), false);
        }
        if (!r.isOk()) {
            throw new UiccException(manage, List.of(), UiccException.Reason.CARD_REFUSED,
                    "MANAGE CHANNEL answered " + r.swHex(), OptionalInt.of(r.sw()), Optional.empty(), false);
        }
        byte[] d = r.data();
        int ch = d.length == 1 ? d[0] & 0xFF : -1;
        if (ch < 1 || ch > Cla.MAX_CHANNEL) {
            throw new UiccException(manage, List.of(), UiccException.Reason.BAD_CHANNEL,
                    "MANAGE CHANNEL gave '" + r.dataHex() + "', not a channel number 1-19", OptionalInt.of(r.sw()),
                    Optional.empty(), false);
        }
        UiccChannel channel = new UiccChannel(this, ChannelPath.CSIM, ch, aid);
        byte[] select = new byte[5 + aid.length];
        select[0] = (byte) Cla.withChannel(0x00, ch);
        select[1] = (byte) 0xA4; // SELECT (ETSI TS 102 221 §11.1.1)
        select[2] = 0x04;        // by DF name (AID)
        select[3] = 0x00;        // first or only occurrence, as lpac sends it
        select[4] = (byte) aid.length;
        System.arraycopy(aid, 0, select, 5, aid.length);
        ResponseApdu s;
        try {
            s = channel.transmit(select, ApduKind.ORDINARY);
        } catch (AtException | RuntimeException e) {
            channel.closeQuietly();
            throw e;
        }
        if (s.isOk() || s.sw1() == 0x61) {
            return channel;
        }
        channel.closeQuietly();
        boolean missing = s.sw() == 0x6A82;
        throw new UiccException(AtApdu.csim(select), List.of(),
                missing ? UiccException.Reason.NO_SUCH_APPLICATION : UiccException.Reason.CARD_REFUSED,
                "SELECT of " + HEX.formatHex(aid) + " answered " + s.swHex()
                        + (missing ? ": the card has no such application (a SIM that is not an eUICC answers so for the ISD-R)" : ""),
                OptionalInt.of(s.sw()), Optional.empty(), false);
    }

    void manageChannelClose(int ch) throws AtException {
        byte[] close = {0x00, 0x70, (byte) 0x80, (byte) ch, 0x00};
        ResponseApdu r = csim(close, config.cleanupTimeout());
        if (!r.isOk()) {
            throw new UiccException(AtApdu.csim(close), List.of(), UiccException.Reason.CARD_REFUSED,
                    "MANAGE CHANNEL close of channel " + ch + " answered " + r.swHex(), OptionalInt.of(r.sw()), Optional.empty(), false);
        }
        Logger.info("{}: logical channel {} closed (AT+CSIM)", engine.linkName(), ch);
    }

    // ------------------------------------------------------------------ shared

    String linkName() {
        return engine.linkName();
    }

    private ResponseApdu exchange(AtCommand c, String prefix) throws AtException {
        AtResponse r = engine.send(c);
        if (!r.isOk()) {
            if (r.result() instanceof FinalResult.Error) {
                Logger.warn("{}: modem answered a plain ERROR to an APDU ({}...); the card may have executed it",
                        engine.linkName(), Untrusted.escape(c.text(), 40));
                throw new UiccException(c.text(), r.lines(), UiccException.Reason.MODEM_ERROR,
                        "modem answered ERROR; the APDU may have reached the card", OptionalInt.empty(),
                        Optional.of(r.result()), true);
            }
            throw refused(c.text(), r);
        }
        return ResponseApdu.of(AtApdu.response(r, prefix));
    }

    private static UiccException refused(String command, AtResponse r) {
        return new UiccException(command, r.lines(), UiccException.Reason.MODEM_REFUSED,
                "modem answered " + r.result().rawLine(), OptionalInt.empty(), Optional.of(r.result()), false);
    }
}
