package io.vinbind.can.vehicle;

import io.vinbind.can.CanFilter;
import io.vinbind.can.CanFrame;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * Encodes and decodes the power-mode broadcast frame described by a {@link PowerModeLayout}. The ECU
 * simulator encodes with it, the terminal daemon decodes with it.
 *
 * <pre>{@code
 * PowerModeFrameCodec codec = new PowerModeFrameCodec(PowerModeLayout.defaults());
 * channel.setFilters(List.of(codec.filter()));
 * Optional<PowerMode> mode = codec.tryDecode(frame);   // empty for other frames
 * }</pre>
 */
public final class PowerModeFrameCodec {

    private final PowerModeLayout layout;
    private final Map<Integer, PowerMode> byValue = new HashMap<>();
    private final int fieldMask;

    public PowerModeFrameCodec(PowerModeLayout layout) {
        this.layout = Objects.requireNonNull(layout, "layout");
        layout.values().forEach((mode, value) -> byValue.put(value, mode));
        this.fieldMask = ((1 << layout.bitLength()) - 1) << layout.bitOffset();
    }

    public PowerModeLayout layout() {
        return layout;
    }

    /** A filter passing only the power-mode frame. */
    public CanFilter filter() {
        return CanFilter.exact(layout.id());
    }

    /** The broadcast frame for {@code mode}; bits outside the field are zero. */
    public CanFrame encode(PowerMode mode) {
        byte[] data = new byte[layout.dlc()];
        int value = layout.values().get(Objects.requireNonNull(mode, "mode"));
        data[layout.byteIndex()] = (byte) (value << layout.bitOffset());
        return CanFrame.of(layout.id(), data);
    }

    /** True when the frame has the power-mode identifier (it may still be malformed). */
    public boolean matches(CanFrame frame) {
        return frame.id().equals(layout.id());
    }

    /**
     * Decodes a power-mode frame; bits outside the field are ignored (other signals share the frame).
     *
     * @throws IllegalArgumentException when the frame is not a power-mode frame, is a remote frame, is too
     *                                  short for the field, or carries a value no mode has; the message
     *                                  names the frame
     */
    public PowerMode decode(CanFrame frame) {
        if (!matches(frame)) {
            throw new IllegalArgumentException("frame " + frame + " is not the power-mode frame " + layout.id());
        }
        if (frame.remote()) {
            throw new IllegalArgumentException("power-mode frame " + frame + " is a remote frame");
        }
        if (frame.length() <= layout.byteIndex()) {
            throw new IllegalArgumentException("power-mode frame " + frame + " has " + frame.length()
                    + " bytes, the mode is in byte " + layout.byteIndex());
        }
        int value = (frame.byteAt(layout.byteIndex()) & fieldMask) >>> layout.bitOffset();
        PowerMode mode = byValue.get(value);
        if (mode == null) {
            throw new IllegalArgumentException("power-mode frame " + frame + " carries value " + value
                    + ", which no mode has in " + layout);
        }
        return mode;
    }

    /**
     * The mode, or empty when the frame carries none: another identifier, or a power-mode frame that is
     * remote, too short or holds a value no mode has (logged at debug with the reason). A listener on a
     * live bus uses this, so one odd frame (an OEM state this layout does not name) never stops it; use
     * {@link #decode} to get the reason as an exception.
     */
    public Optional<PowerMode> tryDecode(CanFrame frame) {
        if (!matches(frame)) {
            return Optional.empty();
        }
        try {
            return Optional.of(decode(frame));
        } catch (IllegalArgumentException e) {
            Logger.debug("no power mode in {}: {}", frame, e.getMessage());
            return Optional.empty();
        }
    }

    /** Field value per mode, for documentation and tests. */
    public Map<PowerMode, Integer> values() {
        return new EnumMap<>(layout.values());
    }
}
