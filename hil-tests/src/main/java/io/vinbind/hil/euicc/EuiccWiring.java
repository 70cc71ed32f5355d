package io.vinbind.hil.euicc;

import io.vinbind.esim.es10.Es10Client;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.modem.sim.UiccCard;
import io.vinbind.modem.uicc.ApduKind;
import io.vinbind.modem.uicc.Cla;
import io.vinbind.modem.uicc.UiccChannel;
import java.util.HexFormat;

/** The two adapters between esim and modem-at. */
public final class EuiccWiring {

    /** The ISD-R's AID (SGP.22 §2.2.3), in hex for AT+CCHO. */
    public static final String ISD_R = HexFormat.of().withUpperCase().formatHex(Es10Client.ISD_R_AID);

    private EuiccWiring() {
    }

    /**
     * The eUICC simulator as the modem simulator's card: its APDU interface, the IMSI and ICCID of the profile the
     * network sees (so AT+CIMI and AT+CCID follow an enable), and its card reset on the modem's power-up of the card
     * (AT+CFUN=0/1, AT+CFUN=1,1: channels closed, a download in progress interrupted, a pending enable taking effect).
     */
    public static UiccCard card(EuiccSimulator euicc) {
        return UiccCard.of(euicc::transmit, euicc::enabledImsi, euicc::enabledIccid, euicc::reset, "eUICC " + euicc.eid());
    }

    /** An ES10 client on a channel to the ISD-R opened through the modem, its APDUs under the deadline of {@code kind}. */
    public static Es10Client es10(UiccChannel isdr, ApduKind kind) {
        Es10Client es10 = new Es10Client(new ChannelTransport(isdr, kind));
        // the channel puts its own number into CLA; Es10Client needs one for its framing (0 when the modem's
        // session id is no channel number, which the modem then maps)
        es10.useChannel(isdr.number() <= Cla.MAX_CHANNEL ? isdr.number() : 0);
        return es10;
    }
}
