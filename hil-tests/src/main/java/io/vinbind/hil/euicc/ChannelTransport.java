package io.vinbind.hil.euicc;

import io.vinbind.esim.es10.ApduTransport;
import io.vinbind.modem.at.AtException;
import io.vinbind.modem.uicc.ApduKind;
import io.vinbind.modem.uicc.UiccChannel;
import java.io.IOException;
import java.util.Objects;

/**
 * esim's {@link ApduTransport} over a modem-at {@link UiccChannel}: each ES10 command APDU as an AT+CGLA or AT+CSIM,
 * GET RESPONSE done by the channel. A failure of the modem (a timeout, a plain ERROR, a garbled answer) becomes an
 * {@link IOException} whose cause is the typed {@link AtException}; the kind (ordinary or download deadline) can be
 * switched between ES10 functions.
 */
public final class ChannelTransport implements ApduTransport {

    private final UiccChannel channel;
    private volatile ApduKind kind;

    public ChannelTransport(UiccChannel channel, ApduKind kind) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** The deadline for the APDUs from now on (e.g. {@link ApduKind#DOWNLOAD} while a bound profile package loads). */
    public void kind(ApduKind k) {
        kind = Objects.requireNonNull(k, "kind");
    }

    @Override
    public byte[] transmit(byte[] commandApdu) throws IOException {
        try {
            return channel.transmit(commandApdu, kind).bytes();
        } catch (AtException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
