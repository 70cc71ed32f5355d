package io.vinbind.modem.sim;

import io.vinbind.modem.uicc.Cla;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The simulator's own card: a plain USIM with the {@link Identity}'s IMSI and ICCID. Its APDU side is what
 * matters for channel clients: MANAGE CHANNEL open/close on channels 1-3 (ETSI TS 102 221 §11.1.17), SELECT by AID
 * answered 9000 for the USIM application ({@code A0000000871002…}, TS 31.101) and {@code 6A82} for anything else —
 * so a SELECT of an eUICC's ISD-R fails as on a SIM that is not an eUICC — and {@code 6D00} for other
 * instructions.
 */
final class PlainUsim implements UiccCard {

    private static final byte[] USIM_AID_PREFIX = HexFormat.of().parseHex("A0000000871002");
    private static final int CHANNELS = 4;

    private final Supplier<Identity> identity;
    private final boolean[] open = new boolean[CHANNELS];

    PlainUsim(Supplier<Identity> identity) {
        this.identity = identity;
        open[0] = true;
    }

    @Override
    public byte[] transmit(byte[] apdu) {
        if (apdu.length < 4) {
            return sw(0x6700);
        }
        int cla = apdu[0] & 0xFF;
        if (!Cla.carriesChannel(cla)) {
            return sw(0x6E00);
        }
        int ch = Cla.channelOf(cla);
        if (ch >= CHANNELS || !open[ch]) {
            return sw(0x6881);
        }
        int ins = apdu[1] & 0xFF;
        int p1 = apdu[2] & 0xFF;
        int p2 = apdu[3] & 0xFF;
        if (ins == 0x70) {
            if (p1 == 0x00) {
                for (int i = 1; i < CHANNELS; i++) {
                    if (!open[i]) {
                        open[i] = true;
                        return new byte[] {(byte) i, (byte) 0x90, 0x00};
                    }
                }
                return sw(0x6A81);
            }
            if (p1 == 0x80 && p2 > 0 && p2 < CHANNELS && open[p2]) {
                open[p2] = false;
                return sw(0x9000);
            }
            return sw(0x6B00);
        }
        if (ins == 0xA4 && p1 == 0x04) {
            if (apdu.length < 5) {
                return sw(0x6700);
            }
            int lc = apdu[4] & 0xFF;
            if (apdu.length < 5 + lc) {
                return sw(0x6700);
            }
            byte[] aid = Arrays.copyOfRange(apdu, 5, 5 + lc);
            boolean usim = aid.length >= USIM_AID_PREFIX.length
                    && Arrays.equals(Arrays.copyOf(aid, USIM_AID_PREFIX.length), USIM_AID_PREFIX);
            return sw(usim ? 0x9000 : 0x6A82);
        }
        return sw(0x6D00);
    }

    @Override
    public Optional<String> imsi() {
        return Optional.of(identity.get().imsi().value());
    }

    @Override
    public Optional<String> iccid() {
        return Optional.of(identity.get().iccid().value());
    }

    @Override
    public void powerUp() {
        Arrays.fill(open, false);
        open[0] = true;
    }

    @Override
    public String description() {
        return "plain USIM";
    }

    private static byte[] sw(int sw) {
        return new byte[] {(byte) (sw >> 8), (byte) sw};
    }
}
