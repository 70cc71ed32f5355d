package io.vinbind.can.vehicle;

import io.vinbind.can.CanId;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

/**
 * Where a vehicle's power-mode broadcast puts the mode: frame identifier, DLC, and a bit field inside one
 * data byte, plus the value of each mode. OEMs differ, so this is configuration; the ECU simulator and the
 * terminal daemon read the same properties so they agree.
 *
 * <p>Defaults ({@link #defaults()}): 11-bit identifier {@code 0x3C0}, DLC 8, byte 0, bits 0..3
 * (low nibble), OFF=0, ACC=1, ON=2, START=3, all other bits zero.
 *
 * @param id        frame identifier
 * @param dlc       data length of the broadcast frame, 1..8
 * @param byteIndex data byte holding the field, below {@code dlc}
 * @param bitOffset position of the field's least significant bit in that byte, 0..7 (0 = LSB)
 * @param bitLength width of the field in bits, 1..8, with {@code bitOffset + bitLength <= 8}
 * @param values    the field value of each mode; all four modes, distinct, fitting the width
 */
public record PowerModeLayout(CanId id, int dlc, int byteIndex, int bitOffset, int bitLength,
                              Map<PowerMode, Integer> values) {

    /** Default broadcast identifier. */
    public static final CanId DEFAULT_ID = CanId.standard(0x3C0);

    public PowerModeLayout {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(values, "values");
        if (dlc < 1 || dlc > 8) {
            throw new IllegalArgumentException("power-mode frame DLC must be 1..8, got " + dlc);
        }
        if (byteIndex < 0 || byteIndex >= dlc) {
            throw new IllegalArgumentException("power-mode byte index " + byteIndex + " is outside the "
                    + dlc + "-byte frame");
        }
        if (bitOffset < 0 || bitLength < 1 || bitOffset + bitLength > 8) {
            throw new IllegalArgumentException("power-mode bit field offset " + bitOffset + " length "
                    + bitLength + " does not fit in one byte");
        }
        EnumMap<PowerMode, Integer> copy = new EnumMap<>(PowerMode.class);
        copy.putAll(values);
        Set<Integer> seen = new HashSet<>();
        for (PowerMode mode : PowerMode.values()) {
            Integer v = copy.get(mode);
            if (v == null) {
                throw new IllegalArgumentException("power-mode layout has no value for " + mode);
            }
            if (v < 0 || v >= (1 << bitLength)) {
                throw new IllegalArgumentException("power-mode value " + v + " for " + mode
                        + " does not fit in " + bitLength + " bits");
            }
            if (!seen.add(v)) {
                throw new IllegalArgumentException("power-mode value " + v + " is used twice");
            }
        }
        values = Map.copyOf(copy);
    }

    /** The documented default layout. */
    public static PowerModeLayout defaults() {
        return new PowerModeLayout(DEFAULT_ID, 8, 0, 0, 4,
                Map.of(PowerMode.OFF, 0, PowerMode.ACC, 1, PowerMode.ON, 2, PowerMode.START, 3));
    }

    /**
     * Reads a layout from properties, each key optional (missing = default): {@code power.id} (0x3C0; 1-3
     * hex digits: 11-bit, 8 digits: 29-bit), {@code power.dlc} (8), {@code power.byte} (0),
     * {@code power.bit} (0, LSB position of the field), {@code power.bits} (4) and {@code power.values}
     * ({@code OFF:0,ACC:1,ON:2,START:3}).
     *
     * @throws IllegalArgumentException naming the key whose value is wrong
     */
    public static PowerModeLayout fromProperties(Properties p) {
        PowerModeLayout d = defaults();
        CanId id = p.containsKey("power.id") ? parse("power.id", p, CanId::parse) : d.id();
        int dlc = intProp(p, "power.dlc", d.dlc());
        int byteIndex = intProp(p, "power.byte", d.byteIndex());
        int bit = intProp(p, "power.bit", d.bitOffset());
        int bits = intProp(p, "power.bits", d.bitLength());
        Map<PowerMode, Integer> values = p.containsKey("power.values")
                ? parse("power.values", p, PowerModeLayout::parseValues) : d.values();
        try {
            return new PowerModeLayout(id, dlc, byteIndex, bit, bits, values);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("power.* properties: " + e.getMessage(), e);
        }
    }

    /** Writes this layout as the properties {@link #fromProperties} reads. */
    public void toProperties(Properties p) {
        p.setProperty("power.id", "0x" + id);
        p.setProperty("power.dlc", Integer.toString(dlc));
        p.setProperty("power.byte", Integer.toString(byteIndex));
        p.setProperty("power.bit", Integer.toString(bitOffset));
        p.setProperty("power.bits", Integer.toString(bitLength));
        StringBuilder s = new StringBuilder();
        for (PowerMode m : PowerMode.values()) {
            s.append(s.length() == 0 ? "" : ",").append(m).append(':').append(values.get(m));
        }
        p.setProperty("power.values", s.toString());
    }

    private static Map<PowerMode, Integer> parseValues(String text) {
        Map<PowerMode, Integer> map = new EnumMap<>(PowerMode.class);
        for (String pair : text.split(",")) {
            String[] kv = pair.split(":");
            if (kv.length != 2) {
                throw new IllegalArgumentException("'" + pair.trim() + "' is not MODE:value");
            }
            map.put(PowerMode.parse(kv[0]), Integer.decode(kv[1].trim()));
        }
        return map;
    }

    private static int intProp(Properties p, String key, int dflt) {
        return p.containsKey(key) ? parse(key, p, s -> Integer.decode(s.trim())) : dflt;
    }

    private static <T> T parse(String key, Properties p, java.util.function.Function<String, T> parser) {
        String raw = p.getProperty(key);
        try {
            return parser.apply(raw);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("property " + key + "='" + raw + "': " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "power-mode frame %s DLC %d byte %d bits %d..%d %s",
                id, dlc, byteIndex, bitOffset, bitOffset + bitLength - 1, values);
    }
}
