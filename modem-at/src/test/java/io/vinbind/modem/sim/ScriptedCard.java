package io.vinbind.modem.sim;

import io.vinbind.modem.uicc.Cla;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A card for the tests, behind the simulator's {@link UiccCard} interface: channels 1-3 by MANAGE CHANNEL, one
 * application (SELECT by its AID 9000, any other 6A82), and two instructions to exercise the channel layer —
 * {@code E2} answers its own data back through {@code 61xx} and GET RESPONSE (case 3, as a card behind AT+CSIM does;
 * with Le it answers directly), {@code CA 00 FE} wants Le 04 and answers {@code 6C04} to anything else. Records every
 * APDU it got; its IMSI/ICCID change to the "next" ones at power-up (an eUICC whose enable waits for a REFRESH).
 */
public final class ScriptedCard implements UiccCard {

    public static final String ISD_R = "A0000005591010FFFFFFFF8900000100";
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final byte[] aid;
    private final boolean[] open = new boolean[4];
    private final boolean[] selected = new boolean[4];
    private final byte[][] pending = new byte[4][];
    private final List<String> received = new CopyOnWriteArrayList<>();
    private volatile Optional<String> imsi;
    private volatile Optional<String> iccid;
    private volatile Optional<String> nextImsi = Optional.empty();
    private volatile Optional<String> nextIccid = Optional.empty();
    private volatile int powerUps;

    public ScriptedCard(String aidHex, String imsi, String iccid) {
        this.aid = HEX.parseHex(aidHex);
        this.imsi = Optional.ofNullable(imsi);
        this.iccid = Optional.ofNullable(iccid);
        open[0] = true;
    }

    /** The ISD-R's AID, IMSI 262010000000001, ICCID 8949000000000001001. */
    public static ScriptedCard euiccLike() {
        return new ScriptedCard(ISD_R, "262010000000001", "8949000000000001001");
    }

    /** What the card shows after its next power-up. */
    public void switchAtPowerUp(String imsi, String iccid) {
        nextImsi = Optional.of(imsi);
        nextIccid = Optional.of(iccid);
    }

    /** Every APDU received, in hex. */
    public List<String> received() {
        return received;
    }

    public int powerUps() {
        return powerUps;
    }

    @Override
    public synchronized byte[] transmit(byte[] apdu) {
        received.add(HEX.formatHex(apdu));
        if (apdu.length < 4) {
            return sw(0x6700);
        }
        int cla = apdu[0] & 0xFF;
        if (!Cla.carriesChannel(cla)) {
            return sw(0x6E00);
        }
        int ch = Cla.channelOf(cla);
        if (ch > 3 || !open[ch]) {
            return sw(0x6881);
        }
        int ins = apdu[1] & 0xFF;
        int p1 = apdu[2] & 0xFF;
        int p2 = apdu[3] & 0xFF;
        switch (ins) {
            case 0x70:
                if (p1 == 0) {
                    for (int i = 1; i < 4; i++) {
                        if (!open[i]) {
                            open[i] = true;
                            selected[i] = false;
                            return new byte[] {(byte) i, (byte) 0x90, 0};
                        }
                    }
                    return sw(0x6A81);
                }
                if (p1 == 0x80 && p2 >= 1 && p2 <= 3 && open[p2]) {
                    open[p2] = false;
                    selected[p2] = false;
                    return sw(0x9000);
                }
                return sw(0x6B00);
            case 0xA4: {
                int lc = apdu.length > 4 ? apdu[4] & 0xFF : 0;
                byte[] a = Arrays.copyOfRange(apdu, 5, Math.min(apdu.length, 5 + lc));
                selected[ch] = Arrays.equals(a, aid);
                return sw(selected[ch] ? 0x9000 : 0x6A82);
            }
            case 0xE2: {
                if (!selected[ch]) {
                    return sw(0x6985);
                }
                int lc = apdu.length > 5 ? apdu[4] & 0xFF : 0;
                byte[] data = Arrays.copyOfRange(apdu, 5, 5 + lc);
                if (apdu.length == 6 + lc) { // case 4: the data at once
                    return concat(data, sw(0x9000));
                }
                pending[ch] = data;
                return more(data.length);
            }
            case 0xC0: {
                byte[] p = pending[ch];
                if (p == null) {
                    return sw(0x6985);
                }
                int le = apdu.length > 4 ? apdu[4] & 0xFF : 0;
                int n = Math.min(le == 0 ? 256 : le, p.length);
                byte[] now = Arrays.copyOf(p, n);
                byte[] rest = Arrays.copyOfRange(p, n, p.length);
                pending[ch] = rest.length == 0 ? null : rest;
                return concat(now, rest.length == 0 ? sw(0x9000) : more(rest.length));
            }
            case 0xCA:
                if (apdu.length != 5 || (apdu[4] & 0xFF) != 4) {
                    return sw(0x6C04);
                }
                return new byte[] {(byte) 0xCA, (byte) 0xFE, 0x12, 0x34, (byte) 0x90, 0};
            default:
                return sw(0x6D00);
        }
    }

    private static byte[] more(int left) {
        return new byte[] {0x61, (byte) (left >= 256 ? 0 : left)};
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(a);
        o.writeBytes(b);
        return o.toByteArray();
    }

    private static byte[] sw(int sw) {
        return new byte[] {(byte) (sw >> 8), (byte) sw};
    }

    @Override
    public Optional<String> imsi() {
        return imsi;
    }

    @Override
    public Optional<String> iccid() {
        return iccid;
    }

    @Override
    public synchronized void powerUp() {
        powerUps++;
        Arrays.fill(open, false);
        Arrays.fill(selected, false);
        Arrays.fill(pending, null);
        open[0] = true;
        if (nextImsi.isPresent()) {
            imsi = nextImsi;
            iccid = nextIccid;
            nextImsi = Optional.empty();
            nextIccid = Optional.empty();
        }
    }

    @Override
    public String description() {
        return "scripted test card";
    }
}
