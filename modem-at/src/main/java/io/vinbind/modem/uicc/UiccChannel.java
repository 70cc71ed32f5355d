package io.vinbind.modem.uicc;

import io.vinbind.modem.at.AtException;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.tinylog.Logger;

/**
 * An open logical channel to one application on the card ({@link Uicc#open}). {@link #transmit} carries command
 * APDUs and returns response APDUs; the status word is a value, not an error. The channel owns the channel bits
 * of CLA: each command's class byte is re-coded for this channel ({@link Cla#withChannel}), so a caller may send
 * {@code 80 E2 91 00 …} and it goes out as {@code 81 E2 91 00 …} on channel 1.
 *
 * <p>With {@link UiccConfig#getResponse()} (default), {@code 61xx} is followed by GET RESPONSE
 * ({@code <CLA> C0 00 00 xx}, the command's class) until the card is done, and {@code 6Cxx} by the command again
 * with Le = xx; the data of all rounds comes back as one response with the last status word.
 *
 * <p>On the logical-channel path the number is the session id {@code AT+CCHO} gave; as lpac and the modems users
 * report do, it is taken to be the logical channel (CLA is re-coded only when it is 1-19; otherwise it is left to the
 * modem). On the AT+CSIM path it is the channel MANAGE CHANNEL gave.
 */
public final class UiccChannel implements AutoCloseable {

    private final Uicc uicc;
    private final ChannelPath path;
    private final int number;
    private final byte[] aid;
    private boolean open = true; // guarded by this

    UiccChannel(Uicc uicc, ChannelPath path, int number, byte[] aid) {
        this.uicc = uicc;
        this.path = path;
        this.number = number;
        this.aid = aid.clone();
    }

    /** The session id ({@code AT+CCHO}) or channel number (MANAGE CHANNEL). */
    public int number() {
        return number;
    }

    /** {@link ChannelPath#LOGICAL_CHANNEL} or {@link ChannelPath#CSIM}. */
    public ChannelPath path() {
        return path;
    }

    public byte[] aid() {
        return aid.clone();
    }

    public synchronized boolean isOpen() {
        return open;
    }

    /** {@link #transmit(byte[], ApduKind)} as an {@link ApduKind#ORDINARY} APDU. */
    public ResponseApdu transmit(byte[] command) throws AtException {
        return transmit(command, ApduKind.ORDINARY);
    }

    /**
     * Sends one command APDU (4-261 bytes, a short APDU) on this channel under the deadline of {@code kind}, and
     * its GET RESPONSE rounds under the same deadline each.
     *
     * @throws UiccException malformed answers, a plain {@code ERROR} ({@link UiccException.Reason#MODEM_ERROR}), a
     *     {@code +CME ERROR}, a closed channel
     * @throws AtException a timeout, a lost link or a reset from the engine — the APDU may have reached the card
     */
    public synchronized ResponseApdu transmit(byte[] command, ApduKind kind) throws AtException {
        Objects.requireNonNull(kind, "kind");
        byte[] apdu = AtApdu.checkCommand(command);
        if (!open) {
            throw new UiccException(AtApdu.hex(apdu), List.of(), UiccException.Reason.CHANNEL_CLOSED,
                    "channel " + number + " is closed", OptionalInt.empty(), Optional.empty(), false);
        }
        if (number <= Cla.MAX_CHANNEL && Cla.carriesChannel(apdu[0])) {
            apdu[0] = (byte) Cla.withChannel(apdu[0], number);
        }
        UiccConfig config = uicc.config();
        ResponseApdu r = once(apdu, kind);
        if (!config.getResponse()) {
            return r;
        }
        if (r.sw1() == 0x6C) { // wrong Le: the card says how many bytes it has (ISO/IEC 7816-4 §5.1.3)
            r = once(AtApdu.withLe(apdu, r.sw2()), kind);
        }
        if (r.sw1() != 0x61) {
            return r;
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(r.data());
        int cla = apdu[0] & 0xEF; // the command's class, without the chaining bit
        for (int round = 1; r.sw1() == 0x61; round++) {
            if (round > config.maxGetResponses()) {
                throw new UiccException(AtApdu.hex(apdu), List.of(), UiccException.Reason.TOO_MANY_GET_RESPONSES,
                        "card still answered " + r.swHex() + " after " + config.maxGetResponses() + " GET RESPONSE rounds",
                        OptionalInt.of(r.sw()), Optional.empty(), true);
            }
            r = once(new byte[] {(byte) cla, (byte) 0xC0, 0x00, 0x00, (byte) r.sw2()}, kind);
            data.writeBytes(r.data());
        }
        return new ResponseApdu(data.toByteArray(), r.sw());
    }

    private ResponseApdu once(byte[] apdu, ApduKind kind) throws AtException {
        if (Logger.isDebugEnabled()) {
            Logger.debug("{}: channel {} >> {}", uicc.linkName(), number, HexFormat.of().withUpperCase().formatHex(apdu));
        }
        ResponseApdu r = path == ChannelPath.CSIM
                ? uicc.csim(apdu, uicc.config().timeout(kind))
                : uicc.cgla(number, apdu, uicc.config().timeout(kind));
        Logger.debug("{}: channel {} << {}", uicc.linkName(), number, r);
        return r;
    }

    /**
     * Closes the channel ({@code AT+CCHC} or MANAGE CHANNEL close) under the clean-up deadline. The channel counts as
     * closed afterwards even if the modem refused (e.g. the card was reset and the session is gone); calling it again
     * does nothing.
     */
    @Override
    public synchronized void close() throws AtException {
        if (!open) {
            return;
        }
        open = false;
        if (path == ChannelPath.CSIM) {
            uicc.manageChannelClose(number);
        } else {
            uicc.cchc(number);
        }
    }

    /** Closes, logging instead of throwing: for clean-up after another failure. */
    void closeQuietly() {
        try {
            close();
        } catch (AtException | RuntimeException e) {
            Logger.warn("{}: closing channel {} failed: {}", uicc.linkName(), number, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "channel " + number + " (" + path + ") to " + HexFormat.of().withUpperCase().formatHex(aid);
    }
}
