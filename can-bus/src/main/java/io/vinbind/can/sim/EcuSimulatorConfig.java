package io.vinbind.can.sim;

import io.vinbind.can.CanId;
import io.vinbind.can.Durations;
import io.vinbind.can.isotp.StMin;
import io.vinbind.can.uds.UdsAddressing;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.can.vehicle.PowerModeLayout;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Properties;

/**
 * Everything the smart-key ECU simulator does, as data. Readable from a properties file
 * ({@link #fromProperties}); every key is optional except {@code ecu.vin}:
 * <ul>
 *   <li>{@code ecu.request-id} (0x740), {@code ecu.response-id} (0x748): identifiers it listens and
 *       answers on; 8 hex digits make a 29-bit identifier;</li>
 *   <li>{@code ecu.vin}: the VIN it answers with;</li>
 *   <li>{@code ecu.vin-fill} (0x20) appended {@code ecu.vin-fill-count} (0) times after the VIN;</li>
 *   <li>{@code ecu.padding} (0xAA): CAN frame fill byte, or {@code none};</li>
 *   <li>{@code ecu.fc.block-size} (0), {@code ecu.fc.st-min} (0; also {@code 20ms}, {@code 300us}): its
 *       flow control;</li>
 *   <li>{@code ecu.fault} ({@code none}): see {@link EcuFault};</li>
 *   <li>{@code power.mode} (ACC), {@code power.period} (100ms, 0 = no broadcast), and the layout keys of
 *       {@link PowerModeLayout#fromProperties}.</li>
 * </ul>
 *
 * @param addressing   the ECU's request/response identifiers
 * @param vin          the VIN it answers with, 17 printable ASCII characters
 * @param vinFill      byte appended after the VIN
 * @param vinFillCount how many fill bytes
 * @param padding      CAN frame fill byte or empty
 * @param blockSize    block size in its flow controls
 * @param stMin        STmin in its flow controls
 * @param fault        misbehaviour when asked for the VIN
 * @param powerMode    initial power mode
 * @param powerPeriod  broadcast period, zero for none
 * @param powerLayout  broadcast frame layout
 */
public record EcuSimulatorConfig(UdsAddressing addressing, String vin, int vinFill, int vinFillCount,
                                 OptionalInt padding, int blockSize, StMin stMin, EcuFault fault,
                                 PowerMode powerMode, Duration powerPeriod, PowerModeLayout powerLayout) {

    /** The simulator's own frame padding, deliberately not the tester's 0xCC. */
    public static final int DEFAULT_PADDING = 0xAA;
    public static final Duration DEFAULT_POWER_PERIOD = Duration.ofMillis(100);

    public EcuSimulatorConfig {
        Objects.requireNonNull(addressing, "addressing");
        Objects.requireNonNull(vin, "vin");
        Objects.requireNonNull(padding, "padding");
        Objects.requireNonNull(stMin, "stMin");
        Objects.requireNonNull(fault, "fault");
        Objects.requireNonNull(powerMode, "powerMode");
        Objects.requireNonNull(powerPeriod, "powerPeriod");
        Objects.requireNonNull(powerLayout, "powerLayout");
        if (vin.length() != 17 || !vin.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
            throw new IllegalArgumentException("simulator VIN must be 17 printable ASCII characters, got '" + vin + "'");
        }
        if (vinFill < 0 || vinFill > 0xFF || vinFillCount < 0 || vinFillCount > 64) {
            throw new IllegalArgumentException("VIN fill must be a byte repeated 0..64 times, got " + vinFill + " x " + vinFillCount);
        }
        if (padding.isPresent() && (padding.getAsInt() < 0 || padding.getAsInt() > 0xFF)) {
            throw new IllegalArgumentException("padding must be a byte, got " + padding.getAsInt());
        }
        if (blockSize < 0 || blockSize > 0xFF) {
            throw new IllegalArgumentException("block size must be 0..255, got " + blockSize);
        }
        if (powerPeriod.isNegative()) {
            throw new IllegalArgumentException("power-mode period must not be negative, got " + powerPeriod);
        }
    }

    /** Defaults around a VIN: smart-key addressing 0x740/0x748, padding 0xAA, BS 0, STmin 0, no fault, ACC every 100 ms. */
    public static EcuSimulatorConfig of(String vin) {
        return new EcuSimulatorConfig(UdsAddressing.SMART_KEY_DEFAULT, vin, 0x20, 0, OptionalInt.of(DEFAULT_PADDING),
                0, StMin.ZERO, new EcuFault.None(), PowerMode.ACC, DEFAULT_POWER_PERIOD, PowerModeLayout.defaults());
    }

    public EcuSimulatorConfig withAddressing(UdsAddressing a) {
        return new EcuSimulatorConfig(a, vin, vinFill, vinFillCount, padding, blockSize, stMin, fault, powerMode, powerPeriod, powerLayout);
    }

    public EcuSimulatorConfig withFault(EcuFault f) {
        return new EcuSimulatorConfig(addressing, vin, vinFill, vinFillCount, padding, blockSize, stMin, f, powerMode, powerPeriod, powerLayout);
    }

    public EcuSimulatorConfig withFlowControl(int bs, StMin st) {
        return new EcuSimulatorConfig(addressing, vin, vinFill, vinFillCount, padding, bs, st, fault, powerMode, powerPeriod, powerLayout);
    }

    public EcuSimulatorConfig withPadding(OptionalInt p) {
        return new EcuSimulatorConfig(addressing, vin, vinFill, vinFillCount, p, blockSize, stMin, fault, powerMode, powerPeriod, powerLayout);
    }

    public EcuSimulatorConfig withVinFill(int fill, int count) {
        return new EcuSimulatorConfig(addressing, vin, fill, count, padding, blockSize, stMin, fault, powerMode, powerPeriod, powerLayout);
    }

    public EcuSimulatorConfig withPower(PowerMode mode, Duration period, PowerModeLayout layout) {
        return new EcuSimulatorConfig(addressing, vin, vinFill, vinFillCount, padding, blockSize, stMin, fault, mode, period, layout);
    }

    /**
     * Reads the keys documented on this class.
     *
     * @throws IllegalArgumentException naming the key whose value is missing or wrong
     */
    public static EcuSimulatorConfig fromProperties(Properties p) {
        String vin = p.getProperty("ecu.vin");
        if (vin == null) {
            throw new IllegalArgumentException("property ecu.vin is missing");
        }
        EcuSimulatorConfig d = of(vin.trim());
        UdsAddressing addressing = new UdsAddressing(
                get(p, "ecu.request-id", CanId::parse, d.addressing().request()),
                get(p, "ecu.response-id", CanId::parse, d.addressing().response()));
        OptionalInt padding = get(p, "ecu.padding", s -> s.trim().equalsIgnoreCase("none")
                ? OptionalInt.empty() : OptionalInt.of(Integer.decode(s.trim())), d.padding());
        return new EcuSimulatorConfig(addressing, d.vin(),
                get(p, "ecu.vin-fill", s -> Integer.decode(s.trim()), d.vinFill()),
                get(p, "ecu.vin-fill-count", s -> Integer.decode(s.trim()), d.vinFillCount()),
                padding,
                get(p, "ecu.fc.block-size", s -> Integer.decode(s.trim()), d.blockSize()),
                get(p, "ecu.fc.st-min", StMin::parse, d.stMin()),
                get(p, "ecu.fault", EcuFault::parse, d.fault()),
                get(p, "power.mode", PowerMode::parse, d.powerMode()),
                get(p, "power.period", Durations::parse, d.powerPeriod()),
                PowerModeLayout.fromProperties(p));
    }

    /** Reads a properties file; errors name the file. */
    public static EcuSimulatorConfig load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        try {
            return fromProperties(p);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** This configuration as the properties {@link #fromProperties} reads. */
    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("ecu.request-id", "0x" + addressing.request());
        p.setProperty("ecu.response-id", "0x" + addressing.response());
        p.setProperty("ecu.vin", vin);
        p.setProperty("ecu.vin-fill", String.format(Locale.ROOT, "0x%02X", vinFill));
        p.setProperty("ecu.vin-fill-count", Integer.toString(vinFillCount));
        p.setProperty("ecu.padding", padding.isPresent() ? String.format(Locale.ROOT, "0x%02X", padding.getAsInt()) : "none");
        p.setProperty("ecu.fc.block-size", Integer.toString(blockSize));
        p.setProperty("ecu.fc.st-min", String.format(Locale.ROOT, "0x%02X", stMin.raw()));
        p.setProperty("ecu.fault", fault.spec());
        p.setProperty("power.mode", powerMode.name());
        p.setProperty("power.period", Durations.format(powerPeriod));
        powerLayout.toProperties(p);
        return p;
    }

    private static <T> T get(Properties p, String key, java.util.function.Function<String, T> parser, T dflt) {
        String raw = p.getProperty(key);
        if (raw == null) {
            return dflt;
        }
        try {
            return parser.apply(raw);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("property " + key + "='" + raw + "': " + e.getMessage(), e);
        }
    }
}
