package io.vinbind.can.vehicle;

import java.util.Locale;

/**
 * The vehicle power mode (ignition state) the body controller broadcasts. There is no cross-OEM standard
 * for the frame; the states are the usual key positions, which DIN 72552 names as terminals 75
 * (accessory), 15 (ignition on) and 50 (starter). The wire values live in {@link PowerModeLayout}.
 */
public enum PowerMode {
    /** Key out or off; the terminal must stop any CAN/modem activity and keep its flag. */
    OFF,
    /** Accessory: infotainment and the terminal are powered, the engine is not. */
    ACC,
    /** Ignition on / run. */
    ON,
    /** Cranking. */
    START;

    /** True for ACC, ON and START, the modes in which the terminal may read the VIN and go online. */
    public boolean isPowered() {
        return this != OFF;
    }

    /** Parses {@code OFF}/{@code ACC}/{@code ON}/{@code START}, any case; error names the text. */
    public static PowerMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("power mode '" + text + "' is not one of OFF, ACC, ON, START", e);
        }
    }
}
