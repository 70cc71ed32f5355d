package io.vinbind.can.slcan;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The Lawicel {@code Sn} bitrate command's table (CAN232/CANUSB manual; CANable, USBtin follow it). */
public enum SlcanBitrate {
    S0(10_000), S1(20_000), S2(50_000), S3(100_000), S4(125_000), S5(250_000), S6(500_000),
    /** 800 kbit/s in Lawicel's table; CANable firmware uses 750 kbit/s for S7. */
    S7(800_000),
    S8(1_000_000);

    private final int bitsPerSecond;

    SlcanBitrate(int bitsPerSecond) {
        this.bitsPerSecond = bitsPerSecond;
    }

    public int bitsPerSecond() {
        return bitsPerSecond;
    }

    /** The {@code Sn} command, without the CR. */
    public String command() {
        return name();
    }

    /** @throws IllegalArgumentException listing the supported rates when {@code bps} is not one */
    public static SlcanBitrate of(int bps) {
        for (SlcanBitrate b : values()) {
            if (b.bitsPerSecond == bps) {
                return b;
            }
        }
        throw new IllegalArgumentException("SLCAN has no bitrate " + bps + " bit/s; supported: "
                + Arrays.stream(values()).map(b -> Integer.toString(b.bitsPerSecond)).collect(Collectors.joining(", ")));
    }
}
